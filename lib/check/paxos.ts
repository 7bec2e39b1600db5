/**
 * Single-decree Paxos as a model for the checker: the real roles of lib/paxos (or a bug-zoo
 * variant of them), a bounded workload, and the invariants of lib/invariants.
 *
 * Topology: nodes 1..acceptors are acceptors; nodes 1..proposers are also proposers and nodes
 * 1..learners also learners (one process plays every role, as in Paxos Made Simple section
 * 2.4 and Stateright's servers). When there are more proposers than acceptors the extra
 * proposers are nodes of their own.
 *
 * Workload: each proposer may be handed one value by a client, once. With `assign: 'own'`
 * (the default) proposer i is handed value i (mod the number of values), as each of
 * Stateright's clients puts its own value; with `assign: 'any'` the client may hand it any of
 * the values (every pairing, so a ballot may carry any value, as Paxos.tla's Phase2a(b, v)). A proposer retries only through its timer,
 * and never with a ballot above `maxRound`.
 */
import type { Effect } from '../paxos/effects';
import type { Message, MessageType } from '../paxos/messages';
import type { NodeRecord, NodeState, PaxosConfig } from '../paxos/node';
import type { PromiseReceived } from '../paxos/proposer';
import { paxosProtocol } from '../paxos/node';
import { quorumSystem } from '../paxos/quorum';
import type { NodeId } from '../core/types';
import { formatMessage } from '../paxos/format';
import * as ballots from '../paxos/ballot';
import { checkPaxos, slotView } from '../invariants/paxos';
import { chosenByVotes } from '../invariants/voting';
import type { PaxosMutantName } from '../zoo/paxos';
import { paxosMutant } from '../zoo/paxos';
import type { AlwaysProperty, Finding, Model, NetworkModel, Normalize, Reads, RequestSlot, SometimesProperty, StepProperty } from './model-checker';
import { paxosCodec, paxosSymmetry } from './paxos-codec';

export type Value = string;
export type PaxosModel = Model<NodeState<Value>, Message<Value>, Effect<Value>, NodeRecord<Value>, Value>;

export type Assignment = 'any' | 'own';

/** A message type the network loses, everywhere or on the way to one node. */
export type LossRule = MessageType | `${MessageType}>${number}`;
export const ASSIGNMENTS: readonly Assignment[] = ['any', 'own'];

export interface SingleDecreeOptions {
  readonly acceptors: number;
  readonly proposers: number;
  readonly values: number;
  /** No ballot above this round is ever started (the bound that keeps the space finite). */
  readonly maxRound: number;
  readonly network: NetworkModel;
  /**
   * How many proposers (nodes 1..k) have a timer and so can retry with a higher ballot
   * (default: all of them). Fewer timers is a smaller configuration.
   */
  readonly timers?: number;
  /** Crash-and-restart actions allowed in one run (any node, from its persisted record). */
  readonly crashes: number;
  /**
   * How many of nodes 1..n also learn (default 0). The invariants read votes (2b messages),
   * as Voting.tla defines `chosen`, so learners are needed only to check what a learner
   * concludes (Agreement over learned values, the learner-mixes-ballots mutant); each adds an
   * accepted message per acceptance and a tally to the state.
   */
  readonly learners?: number;
  readonly assign?: Assignment;
  /** Phase-1 and phase-2 quorum sizes (default: majorities, or the mutant's). */
  readonly phase1?: number;
  readonly phase2?: number;
  /**
   * Messages the network always loses (never delivered): every message of a type
   * (`'rejected'`), or of a type to one node (`'accepted>2'`). A counterexample found so is a
   * real run; the bug zoo uses it to reach long counterexamples in a smaller space. Proof
   * configurations lose nothing, but one row, which says so.
   */
  readonly lose?: readonly LossRule[];
  /** Nodes that never run (to show a configuration in which nothing can be chosen). */
  readonly down?: readonly NodeId[];
  /** A bug-zoo variant of the roles instead of the real ones. */
  readonly mutant?: PaxosMutantName;
  /**
   * Where the proposers run: on acceptor nodes 1..proposers (`colocated`, the default, as in
   * section 2.4 and Stateright's servers) or on nodes of their own after the acceptors
   * (`separate`: acceptors 1..a, proposers a+1..a+p), which makes the acceptors interchangeable.
   */
  readonly topology?: Topology;
  /**
   * Symmetry reduction over the acceptors (needs `topology: 'separate'`, and no learner or a
   * learner on every acceptor): one state per class of states equal up to renaming acceptors.
   */
  readonly symmetry?: boolean;
  /**
   * Remove obsolete replies from the network (default true; set network, real roles only): a
   * rejection or promise of ballot b sent to a proposer that has moved past it is ignored by it
   * forever, so states that differ only in such messages have the same futures. No invariant
   * reads rejections; PromiseKept reads promises, and its verdict on a removed promise is
   * settled by the step properties checked with it (`acceptorSteps`). See `obsoleteReply`.
   */
  readonly pruneObsolete?: boolean;
  /**
   * Check the real roles on normal forms (default true; real roles only): a proposer's
   * bookkeeping it never reads again in its phase is reset, and a rejection's sender, which
   * no handler reads, is blanked. See `paxosNormalForm`.
   */
  readonly normalize?: boolean;
}

export type Topology = 'colocated' | 'separate';
export const TOPOLOGIES: readonly Topology[] = ['colocated', 'separate'];

/** The values clients propose: A, B, C, ... */
export function valueName(i: number): Value {
  return String.fromCharCode(65 + i);
}

/** The slot the model decides; any number works, 1 keeps the lines short. */
export const MODEL_SLOT = 1;

export type BuildResult = { readonly ok: true; readonly model: PaxosModel; readonly config: PaxosConfig } | { readonly ok: false; readonly error: string };

/** Builds the model, or says why the options describe no valid configuration. */
export function singleDecreeModel(o: SingleDecreeOptions): BuildResult {
  for (const [name, v, min, max] of [
    ['acceptors', o.acceptors, 1, 9],
    ['proposers', o.proposers, 1, 9],
    ['values', o.values, 0, 26],
    ['max-round', o.maxRound, 1, 1000],
    ['crashes', o.crashes, 0, 100],
    ['learners', o.learners ?? 1, 0, 9],
    ['timers', o.timers ?? 0, 0, 9],
  ] as const) {
    if (!Number.isInteger(v) || v < min || v > max) return { ok: false, error: `${name} must be a whole number from ${min} to ${max}, got ${v}` };
  }
  const mutant = o.mutant === undefined ? undefined : paxosMutant(o.mutant);
  if (o.mutant !== undefined && mutant === undefined) return { ok: false, error: `no mutant named '${o.mutant}'` };
  const acceptors = range(o.acceptors);
  const phase1 = o.phase1 ?? mutant?.quorums?.phase1;
  const phase2 = o.phase2 ?? mutant?.quorums?.phase2;
  // Explicit sizes may be non-intersecting on purpose: that is the flexible-quorum experiment.
  const q = quorumSystem({
    acceptors,
    ...(phase1 === undefined ? {} : { phase1 }),
    ...(phase2 === undefined ? {} : { phase2 }),
    allowNonIntersecting: phase1 !== undefined || phase2 !== undefined,
  });
  if (!q.ok) return { ok: false, error: q.error };
  const separate = o.topology === 'separate';
  const proposers = separate ? range(o.proposers).map((i) => o.acceptors + i) : range(o.proposers);
  const learners = range(o.learners ?? 0);
  if (o.symmetry === true) {
    if (!separate) return { ok: false, error: "symmetry over acceptors needs topology 'separate' (colocated proposers make acceptors differ)" };
    if (learners.length !== 0 && learners.length !== o.acceptors) return { ok: false, error: 'symmetry over acceptors needs no learner or a learner on every acceptor' };
    if ((o.lose ?? []).some((l) => l.includes('>'))) return { ok: false, error: 'symmetry over acceptors needs losses that treat every node alike (no per-node loss rule)' };
  }
  const config: PaxosConfig = { slot: MODEL_SLOT, quorums: q.quorums, proposers, learners };
  const protocol = paxosProtocol<Value>(config, mutant === undefined ? undefined : mutant.roles<Value>());
  for (const d of o.down ?? []) {
    if (!protocol.nodes.includes(d)) return { ok: false, error: `down node ${d} is not in the cluster (nodes ${protocol.nodes.join(', ')})` };
  }
  const values = Array.from({ length: o.values }, (_, i) => valueName(i));
  const assign = o.assign ?? 'own';
  const requests: RequestSlot<Value>[] =
    values.length === 0 ? [] : proposers.map((node, i) => ({ node, choices: assign === 'any' ? values : [values[i % values.length]!] }));
  const maxRound = o.maxRound;
  const model: PaxosModel = {
    protocol,
    network: o.network,
    requests,
    timeouts: maxRound > 1 ? proposers.slice(0, o.timers ?? proposers.length) : false,
    crashes: o.crashes,
    ...(o.down === undefined ? {} : { down: o.down }),
    within: (s) => s.proposer === null || s.proposer.ballot.round <= maxRound,
    codec: paxosCodec,
    ...(o.lose === undefined || o.lose.length === 0 ? {} : { lost: (m: Message<Value>) => o.lose!.some((l) => l === m.type || l === `${m.type}>${m.to}`) }),
    always: [paxosInvariants(config)],
    sometimes: learners.length === 0 ? [valueChosen(config)] : [valueChosen(config), valueLearned()],
    ...(o.symmetry === true ? { symmetry: { nodes: acceptors, ...paxosSymmetry } } : {}),
    ...(prunesObsolete(o) ? { obsolete: obsoleteReply, settled: (m: Message<Value>) => m.type === 'promise', steps: [acceptorSteps] } : {}),
    ...(normalizes(o) ? { normalize: paxosNormalForm } : {}),
  };
  return { ok: true, model, config };
}

export function singleDecreeModelOrThrow(o: SingleDecreeOptions): PaxosModel {
  const built = singleDecreeModel(o);
  if (!built.ok) throw new Error(`synod: ${built.error}`);
  return built.model;
}

function range(n: number): NodeId[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

/** Whether obsolete replies are removed for these options: asked (the default), real roles, set network. */
export function prunesObsolete(o: SingleDecreeOptions): boolean {
  return o.pruneObsolete !== false && o.mutant === undefined && o.network === 'set';
}

/** Whether the roles run on normal forms for these options: asked (the default), real roles. */
export function normalizes(o: SingleDecreeOptions): boolean {
  return o.normalize !== false && o.mutant === undefined;
}

/**
 * The normal forms the real roles are checked on (an exact abstraction; lib/paxos/proposer.ts
 * is the argument):
 * - A proposer reads `promises` only while preparing (`onPromise`; a new ballot starts them
 *   empty), `acks` only while accepting (`onAccepted`), and `proposal` only while accepting
 *   (when the last ack arrives). In any other phase each is reset to its initial value. Every
 *   phase change that leads back to where a field is read goes through `startBallot`, which
 *   resets them all.
 * - A learner reads its `tallies` only until it has learned a value (lib/paxos/learner.ts,
 *   `onLearnerAccepted`); after that they are emptied.
 * - A rejection's sender: `onRejected` reads its ballot and the promise it carries, never who
 *   sent it, and no invariant reads rejections. Normalized, it comes from node 0 (no node), so
 *   rejections of one ballot carrying one promise are one message, whoever sent them.
 * spec/check/reduction.spec.ts shows that the reachable states with normal forms are exactly the
 * normal forms of the reachable states without them.
 */
export const paxosNormalForm: Normalize<NodeState<Value>, Message<Value>> = {
  state(s) {
    let out = s;
    const p = s.proposer;
    if (p !== null) {
      const promises = p.phase === 'preparing' ? p.promises : NO_PROMISES;
      const acks = p.phase === 'accepting' ? p.acks : NO_ACKS;
      const proposal = p.phase === 'accepting' ? p.proposal : null;
      if (promises !== p.promises || acks !== p.acks || proposal !== p.proposal) out = { ...out, proposer: { ...p, promises, acks, proposal } };
    }
    const l = s.learner;
    if (l !== null && l.chosen !== null && l.tallies.length > 0) out = { ...out, learner: { ...l, tallies: [] } };
    return out;
  },
  message(m) {
    return m.type === 'rejected' && m.from !== 0 ? { ...m, from: 0 } : m;
  },
};

const NO_PROMISES: readonly PromiseReceived<Value>[] = [];
const NO_ACKS: readonly NodeId[] = [];

/**
 * A reply its proposer will ignore forever (lib/paxos/proposer.ts): the proposer acts on a
 * rejection only while it is preparing or accepting that very ballot (`onRejected`), and on a
 * promise only while it is preparing that ballot and has none from that acceptor yet
 * (`onPromise`). A proposer's ballot never decreases (a restart recovers the last ballot it
 * persisted, idle), it never re-enters a phase of a ballot it has left (a new attempt always
 * takes a higher ballot), and while it prepares a ballot its promises only grow. So once it has
 * moved past the reply in this sense, every later delivery of the reply is ignored. The checker
 * verifies at each removal that the delivery is a no-op right then; spec/check/reduction.spec.ts
 * compares what is reachable with and without removal.
 *
 * A promise is read by PromiseKept, so removing one needs the argument that its verdict, checked
 * in every stored state that held it, cannot change afterwards: PromiseKept asks that the
 * acceptor's promise stays at least the promised ballot b, and that the acceptor never votes
 * between the vote it reported and b. `acceptorSteps` checks on every step that an acceptor's
 * promise never decreases (a crash included) and that it votes only at or above its promise;
 * with b at most the promise when last checked, both then hold forever.
 */
export function obsoleteReply(m: Message<Value>, recipient: NodeState<Value>): boolean {
  const p = recipient.proposer;
  if (p === null || (m.type !== 'rejected' && m.type !== 'promise')) return false;
  const c = ballots.compare(p.ballot, m.ballot);
  if (c !== 0) return c > 0;
  if (m.type === 'rejected') return p.phase !== 'preparing' && p.phase !== 'accepting';
  return p.phase !== 'preparing' || p.promises.some((x) => x.from === m.from);
}

/**
 * P1a as a step property: an acceptor's promise never decreases (a restart included: it
 * persists every promise before replying), and it accepts only ballots at or above its promise.
 * With removal of obsolete promises these settle PromiseKept for a promise once removed.
 */
export const acceptorSteps: StepProperty<NodeState<Value>, Message<Value>> = {
  name: 'acceptor steps (P1a)',
  check(before, after, sent) {
    const a = before.acceptor;
    const b = after.acceptor;
    if (a === null || b === null) return [];
    const out: Finding[] = [];
    if (ballots.less(b.promised, a.promised)) {
      out.push({ invariant: 'PromiseKept', description: `acceptor ${a.id} lowered its promise from ${ballots.format(a.promised)} to ${ballots.format(b.promised)}` });
    }
    for (const m of sent) {
      if (m.type === 'accepted' && m.from === a.id && ballots.less(m.ballot, a.promised)) {
        out.push({ invariant: 'PromiseKept', description: `acceptor ${a.id} accepted ballot ${ballots.format(m.ballot)} below its promise ${ballots.format(a.promised)}` });
      }
    }
    return out;
  },
};

/** What the single-decree invariants read: acceptors' maxBal/maxVBal/maxVal and what learners learned. */
const invariantReads: Reads<NodeState<Value>, Message<Value>> = {
  node: (s) => {
    const a = s.acceptor;
    const acc = a === null ? '-' : `${a.promised.round}.${a.promised.node}/${a.accepted === null ? '-' : `${a.accepted.ballot.round}.${a.accepted.ballot.node}=${a.accepted.value}`}`;
    const l = s.learner?.chosen;
    return l === undefined || l === null ? acc : `${acc}|${l.value}`;
  },
  message: (m) => m.type === 'promise' || m.type === 'accept' || m.type === 'accepted',
  requests: true,
};

/**
 * Every invariant of lib/invariants (Agreement, Validity, OneValuePerBallot, PromiseKept,
 * VotesSafe), over the snapshot with every message ever sent, as `checkPaxos` defines them.
 */
export function paxosInvariants(config: PaxosConfig): AlwaysProperty<NodeState<Value>, Message<Value>, Value> {
  return {
    name: 'single-decree invariants',
    check: (s) =>
      checkPaxos({ config, nodes: s.states, messages: s.messages, proposed: s.requested }).map((v) => ({
        invariant: v.invariant,
        description: v.description,
      })),
    reads: invariantReads,
  };
}

/** Voting.tla's `chosen`: a phase-2 quorum accepted one value in one ballot. */
export function valueChosen(config: PaxosConfig): SometimesProperty<NodeState<Value>, Message<Value>, Value> {
  return {
    name: 'a value is chosen',
    holds: (s) => chosenByVotes(slotView({ config, nodes: s.states, messages: s.messages, proposed: s.requested })).length > 0,
    reads: { node: () => '', message: (m) => m.type === 'accepted', requests: false },
  };
}

/** A learner learned a value (what a client of the cluster would be told). */
export function valueLearned(): SometimesProperty<NodeState<Value>, Message<Value>, Value> {
  return {
    name: 'a learner learns a value',
    holds: (s) => s.states.some((n) => n.learner !== null && n.learner.chosen !== null),
    reads: { node: (n) => (n.learner?.chosen ? 'L' : ''), message: () => false, requests: false },
  };
}

/** A message as a trace line. */
export function showMessage(m: Message<Value>): string {
  return formatMessage(m);
}
