/**
 * Multi-Paxos as a model for the checker: the real stable-leader layer of lib/multipaxos (or a
 * bug-zoo variant of it, lib/zoo/multipaxos.ts), a bounded workload, and the log invariants of
 * lib/invariants/log.ts in every reachable state.
 *
 * Cluster: nodes 1..n (3 by default), each an acceptor, a potential leader and a replica of the
 * key-value store; majority quorums; `window` 2 and `batch` 1, so each command takes a slot of
 * its own; heartbeat 1 tick and election timeout 2 (each timeout drawn in [2, 3] from the seeded
 * generator in the node's state), so an election takes two or three ticks.
 *
 * Bounds (what keeps the space finite, and what every row says it is bounded by):
 * - timers: nodes 1..`timers` have a timer; the others never time out (they still vote,
 *   accept, learn, crash). A timer fires any number of times, but
 * - `maxRound`: no node ever promises or campaigns with a ballot above this round (a tick that
 *   would is not taken), so there are at most `maxRound` elections per timer node;
 * - requests: command i (client `c<i+1>`, seq 1, `put x = i+1`) is handed once to node
 *   (i mod timers) + 1 (with `target: 'first'`, to node 1); with `retry`, also once to the node
 *   after that one, as a client that timed out and asks another node;
 * - `crashes`: crash-and-restart actions per run, from the persisted record, of any node or of
 *   the `crashable` ones.
 * - `rounds` (optional): each timer node's own highest round, below `maxRound`; `[2, 1]` gives
 *   the three ballots 1.1, 1.2 and 2.1 (node 1 campaigns a second time).
 * - `reads` (optional, default 0): read i (client `r<i+1>`, seq 1, `get x`, read-index) is
 *   invoked once, at any point, at any of the `readAt` nodes (default all); `readRounds` bounds
 *   the heartbeat rounds a node opens in one life (a tick that would open one more is not taken).
 * A leader's ticks only resend what is already in the network (heartbeats and accepts of the
 * same ballot and commit point), so they add no states once the commit point stops moving.
 *
 * Reads (lib/multipaxos/reads.ts): a read's request is enabled only with `after` equal to the
 * commands acknowledged in the state's history (`RequestSlot.when`), so the read carries what a
 * client had been told was done when it was invoked; its "ok" reply is a `read` note; and
 * ReadsLinearizable (lib/invariants/reads.ts) is checked in every state. With reads the node key
 * includes the read state (`readsCodec`); without them the model is exactly the one before.
 *
 * What the checker records beyond the messages on the wire, as history (ghost) entries in its
 * message set, never delivered (`lost`): the promise and vote a node hands itself (`local`
 * effects; the invariants count a leader's own vote, lib/sim/multipaxos-subject.ts does the
 * same with `observedMessage`), every "ok" a client is told (`ack`, for AckImpliesChosen) and
 * every slot a replica learns (`learned`, for ChosenIsStable). They are part of the state
 * exactly as Paxos.tla's `msgs` is.
 *
 * Reductions (real roles only, unless asked for): normal forms of node states and messages
 * (`multiPaxosNormalForm`) and removal of obsolete replies (`obsoleteMultiReply`, settled by
 * `multiAcceptorSteps`); each exact, and tested in spec/check/multipaxos-reduction.spec.ts.
 */
import type { Ballot } from '../paxos/ballot';
import * as ballots from '../paxos/ballot';
import type { Vote } from '../paxos/messages';
import { quorumSystem } from '../paxos/quorum';
import type { NodeId, Step } from '../core/types';
import { assertNever } from '../core/types';
import type { Protocol } from '../core/protocol';
import type { Ack, ReplicaView } from '../invariants/log';
import { appliedText, checkLog } from '../invariants/log';
import type { ServedRead } from '../invariants/reads';
import { readsLinearizable } from '../invariants/reads';
import type { ClientRequest } from '../multipaxos/state';
import type { Replica } from '../machine/replica';
import type { HashMap } from '../core/hashmap';
import { toObject } from '../core/hashmap';
import type { Violation } from '../invariants/voting';
import type { KvOp, KvResult, KvState } from '../machine/kv';
import { kvStore } from '../machine/kv';
import type { Entry, MultiMessage } from '../multipaxos/messages';
import { commandKey } from '../machine/command';
import type { MultiEffect, MultiNodeState, MultiPaxosConfig, MultiRecord, OwnVote } from '../multipaxos/node';
import { multiPaxosProtocol, OWN_VOTES } from '../multipaxos/node';
import type { Vector } from '../core/vector';
import * as vec from '../core/vector';
import { describeMessage } from '../multipaxos/format';
import type { MultiPaxosMutantName, OwnVoteMutantName, ReadMutantName } from '../zoo/multipaxos';
import { MULTIPAXOS_MUTANTS, multiPaxosMutant, READ_MUTANTS } from '../zoo/multipaxos';
import type { Action, AlwaysProperty, CheckResult, Codec, Finding, Model, NetworkModel, Normalize, Progress, RequestSlot, SometimesProperty, StepProperty, TraceStep } from './model-checker';
import { formatTrace, ModelChecker } from './model-checker';
import type { CheckReport } from './report';
import { reportLines, toCheckReport } from './report';
import type { ZooEntry } from './report';

export type MpState = MultiNodeState<KvState, KvOp, KvResult>;
/**
 * A client command; a read outside the log names its mode (`read`) and, written by the model
 * when the read is invoked, the commands some client had been told were done by then (`after`,
 * as `commandKey`s, sorted): what ReadsLinearizable reads of real time.
 */
export type MpCommand = ClientRequest<KvOp> & { readonly after?: readonly string[] };
export type MpRecord = MultiRecord<KvOp>;
/** The layer's effects, with `chosen` named by the node that learned it (the model's wrapper adds the node). */
export type MpEffect = MultiEffect<KvOp, KvResult> | { readonly type: 'learned-by'; readonly node: NodeId; readonly slot: number; readonly value: Entry<KvOp> };

/** A client was told "done" (an ok reply): recorded, never delivered. */
export interface AckNote {
  readonly type: 'ack';
  readonly from: NodeId;
  readonly to: NodeId;
  readonly client: string;
  readonly seq: number;
}

/** A replica learned `value` in `slot` (a `chosen` effect): recorded, never delivered. */
export interface LearnedNote {
  readonly type: 'learned';
  readonly from: NodeId;
  readonly to: NodeId;
  readonly slot: number;
  readonly value: Entry<KvOp>;
}

/** A read was answered "ok" outside the log (a reply with a read label): recorded, never delivered. */
export interface ReadNote {
  readonly type: 'read';
  readonly from: NodeId;
  readonly to: NodeId;
  readonly client: string;
  readonly seq: number;
  readonly result: KvResult;
}

/** What the checker's message set holds: the wire and the node-local messages, and the notes. */
export type MpMessage = MultiMessage<KvOp> | AckNote | LearnedNote | ReadNote;

/** A note of the model's, never a protocol message. */
function isNote(m: MpMessage): m is AckNote | LearnedNote | ReadNote {
  return m.type === 'ack' || m.type === 'learned' || m.type === 'read';
}

export type MultiPaxosModel = Model<MpState, MpMessage, MpEffect, MpRecord, MpCommand>;

export interface MultiPaxosCheckOptions {
  /** Nodes 1..n (default 3). */
  readonly nodes?: number;
  /** Client commands, each handed once to a timer node (at most 2: "2 slots"). */
  readonly commands: number;
  /** Nodes 1..timers have a timer (can campaign). */
  readonly timers: number;
  /** No ballot above this round. */
  readonly maxRound: number;
  readonly crashes: number;
  readonly network: NetworkModel;
  /** Each command is also handed once to the next node (a client's retry elsewhere). */
  readonly retry?: boolean;
  /** `spread` (default): command i goes to timer node (i mod timers) + 1; `first`: every command goes to node 1. */
  readonly target?: RequestTarget;
  /** Nodes that may crash (default: every node). */
  readonly crashable?: readonly NodeId[];
  /**
   * The highest round each timer node campaigns in (`rounds[i]` for node i + 1, each at most
   * `maxRound`; default `maxRound` for every one). With timers on nodes 1 and 2, `rounds: [2, 1]`
   * gives the three ballots 1.1, 1.2 and 2.1: two leader changes, the third leader merging votes
   * left in two earlier ballots.
   */
  readonly rounds?: readonly number[];
  readonly mutant?: MultiPaxosMutantName;
  /** Run the roles on normal forms (`multiPaxosNormalForm`; default true, real roles only). */
  readonly normalize?: boolean;
  /** Remove obsolete replies from the network (`obsoleteMultiReply`; default true, real roles only). */
  readonly pruneObsolete?: boolean;
  /** Log compaction every this many applied slots (the configuration's `snapshotEvery`; default off). */
  readonly snapshotEvery?: number;
  /**
   * Reads outside the log (lib/multipaxos/reads.ts): this many reads of x (client `r<i+1>`,
   * seq 1), each invoked once, at any point, at one of the `readAt` nodes, in mode `readMode`;
   * checked by ReadsLinearizable. Default 0: no read, and the model is exactly the one without
   * reads.
   */
  readonly reads?: number;
  /** The mode every read asks for (default `read-index`). */
  readonly readMode?: ModelReadMode;
  /** The nodes a read may be invoked at (default every node). */
  readonly readAt?: readonly NodeId[];
  /**
   * No node opens more than this many heartbeat rounds in one life (default 2): a leader with a
   * read waiting opens a round on every tick, so without a bound the rounds, each a new
   * heartbeat in the set network, are unbounded. A tick that would open one more is not taken.
   */
  readonly readRounds?: number;
  /**
   * Persist changes of these kinds never reach the durable record: a crash loses every one of
   * them (default none). `['learned']` is the node driver's lazy `learned` records
   * (docs/runtime.md: they are written without waiting for a sync, so a crash may lose them);
   * `['learned', 'vote']` is a deliberately broken driver, which the checker must reject.
   */
  readonly volatile?: readonly VolatileKind[];
  /**
   * How the leader's own acceptor votes (lib/multipaxos/state.ts `ownVote`; default `inline`).
   * With `parallel` the leader's accept to itself and its acceptance back are messages of the
   * network like any other (delivered, reordered, or never delivered), where the model
   * otherwise loses a node's messages to itself.
   */
  readonly ownVote?: OwnVote;
}

export type ModelReadMode = 'read-index';
export const MODEL_READ_MODES: readonly ModelReadMode[] = ['read-index'];

/** A kind of persist change (lib/multipaxos/state.ts `DurableChange`) a crash may be made to lose. */
export type VolatileKind = 'promise' | 'vote' | 'learned';
export const VOLATILE_KINDS: readonly VolatileKind[] = ['promise', 'vote', 'learned'];

export type RequestTarget = 'spread' | 'first';
export const REQUEST_TARGETS: readonly RequestTarget[] = ['spread', 'first'];

/** Every option spelled out, as printed in reports. */
export interface MultiPaxosResolvedConfig {
  readonly nodes: number;
  readonly commands: number;
  readonly timers: number;
  readonly maxRound: number;
  readonly crashes: number;
  readonly network: NetworkModel;
  readonly retry: boolean;
  readonly target: RequestTarget;
  readonly crashable: readonly NodeId[] | 'all';
  readonly rounds: readonly number[] | null;
  readonly mutant: string | null;
  /** Whether the roles ran on normal forms, and obsolete replies were removed (see the options). */
  readonly normalize: boolean;
  readonly pruneObsolete: boolean;
  /** Log compaction every this many slots; 0: off. */
  readonly snapshotEvery: number;
  /** Reads outside the log, when there are any (absent otherwise, so reports without reads read as before). */
  readonly reads?: { readonly count: number; readonly mode: ModelReadMode; readonly at: readonly NodeId[] | 'all'; readonly rounds: number };
  /** Persist change kinds a crash loses (present only when some are). */
  readonly volatile?: readonly VolatileKind[];
  /** How the leader's own acceptor votes (present only when `parallel`). */
  readonly ownVote?: 'parallel';
  readonly search: 'bfs' | 'dfs';
  readonly prefix: number;
}

export const MULTIPAXOS_PROTOCOL = 'multipaxos';

/** The model's cluster configuration: small timeouts so that elections fit in a few ticks. */
export function modelConfig(nodes: number, snapshotEvery = 0, reads = false, ownVote: OwnVote = 'inline'): MultiPaxosConfig<KvState, KvOp, KvResult> {
  const q = quorumSystem({ acceptors: range(nodes) });
  if (!q.ok) throw new Error(`synod: ${q.error}`);
  const plain = { quorums: q.quorums, machine: kvStore, window: 2, batch: 1, heartbeat: 1, electionTimeout: 2, seed: 1 };
  const config = ownVote === 'inline' ? plain : { ...plain, ownVote };
  const compacting = snapshotEvery === 0 ? config : { ...config, snapshotEvery };
  return reads ? { ...compacting, reads: { query: (op: KvOp) => op.type === 'get' } } : compacting;
}

/** Read i: client r<i+1> reads x in `mode`, after the commands in `after` were acknowledged. */
export function modelRead(i: number, mode: ModelReadMode, after: readonly string[]): MpCommand {
  return { client: `r${i + 1}`, seq: 1, op: { type: 'get', key: 'x' }, read: mode, after };
}

/** Every set of the first `commands` commands' keys, each sorted: what may have been acknowledged before a read. */
function ackSets(commands: number): string[][] {
  const keys = Array.from({ length: commands }, (_, i) => commandKey(modelCommand(i)));
  const out: string[][] = [];
  for (let mask = 0; mask < 1 << keys.length; mask += 1) out.push(keys.filter((_, i) => (mask & (1 << i)) !== 0).sort());
  return out;
}

/** The commands some client was told were done, from the history's `ack` notes, sorted and each once. */
function acknowledged(history: readonly MpMessage[]): string[] {
  const done = new Set<string>();
  for (const m of history) if (m.type === 'ack') done.add(commandKey(m));
  return [...done].sort();
}

/** Command i: client c<i+1> puts x = i + 1 (its first command). */
export function modelCommand(i: number): MpCommand {
  return { client: `c${i + 1}`, seq: 1, op: { type: 'put', key: 'x', value: i + 1 } };
}

export type MultiPaxosBuild =
  | { readonly ok: true; readonly model: MultiPaxosModel; readonly config: MultiPaxosConfig<KvState, KvOp, KvResult> }
  | { readonly ok: false; readonly error: string };

export function multiPaxosModel(o: MultiPaxosCheckOptions): MultiPaxosBuild {
  const nodes = o.nodes ?? 3;
  for (const [name, v, min, max] of [
    ['nodes', nodes, 1, 5],
    ['commands', o.commands, 0, 2],
    ['timers', o.timers, 1, nodes],
    ['max-round', o.maxRound, 1, 9],
    ['crashes', o.crashes, 0, 9],
    ['snapshot-every', o.snapshotEvery ?? 0, 0, 9],
    ['reads', o.reads ?? 0, 0, 2],
    ['read-rounds', o.readRounds ?? 2, 1, 9],
  ] as const) {
    if (!Number.isInteger(v) || v < min || v > max) return { ok: false, error: `${name} must be a whole number from ${min} to ${max}, got ${v}` };
  }
  // A leader resends its heartbeat and unacknowledged accepts on every tick: in a network that
  // counts copies the number in flight grows without bound, so the space is infinite.
  if (o.network !== 'set') return { ok: false, error: 'multipaxos is checked on the set network only: a leader resends on every tick, so copies in flight are unbounded' };
  const mutant = o.mutant === undefined ? undefined : multiPaxosMutant(o.mutant);
  if (o.mutant !== undefined && mutant === undefined) return { ok: false, error: `no multipaxos mutant named '${o.mutant}'` };
  if (o.rounds !== undefined) {
    if (o.rounds.length !== o.timers) return { ok: false, error: `rounds names the highest round of each of the ${o.timers} timer nodes, got ${o.rounds.length}` };
    for (const r of o.rounds) if (!Number.isInteger(r) || r < 1 || r > o.maxRound) return { ok: false, error: `each of rounds must be a whole number from 1 to max-round ${o.maxRound}, got ${r}` };
  }
  for (const c of o.crashable ?? []) {
    if (!Number.isInteger(c) || c < 1 || c > nodes) return { ok: false, error: `crashable node ${c} is not in the cluster (nodes 1..${nodes})` };
  }
  for (const c of o.readAt ?? []) {
    if (!Number.isInteger(c) || c < 1 || c > nodes) return { ok: false, error: `read-at node ${c} is not in the cluster (nodes 1..${nodes})` };
  }
  const readMode = o.readMode ?? 'read-index';
  if (!MODEL_READ_MODES.includes(readMode)) return { ok: false, error: `read mode must be one of ${MODEL_READ_MODES.join(', ')}, got ${String(readMode)}` };
  const readCount = o.reads ?? 0;
  for (const k of o.volatile ?? []) {
    if (!VOLATILE_KINDS.includes(k)) return { ok: false, error: `volatile names persist changes (${VOLATILE_KINDS.join(', ')}), got ${String(k)}` };
  }
  const volatile = new Set<string>(o.volatile ?? []);
  const ownVote = o.ownVote ?? 'inline';
  if (!OWN_VOTES.includes(ownVote)) return { ok: false, error: `own vote must be one of ${OWN_VOTES.join(', ')}, got ${String(ownVote)}` };
  const config = modelConfig(nodes, o.snapshotEvery ?? 0, readCount > 0, ownVote);
  const inner = multiPaxosProtocol(config, mutant?.roles);
  // The real protocol, with two changes a driver may make and the protocol cannot see: a
  // `chosen` effect names its node, and notes are never delivered (`lost` below).
  const named = (step: Step<MpState, MultiEffect<KvOp, KvResult>>): Step<MpState, MpEffect> => {
    if (!step.effects.some((e) => e.type === 'chosen')) return step;
    const id = step.state.id;
    return { ...step, effects: step.effects.map((e): MpEffect => (e.type === 'chosen' ? { type: 'learned-by', node: id, slot: e.slot, value: e.value } : e)) };
  };
  const protocol: Protocol<MpState, MpMessage, MpEffect, MpRecord, MpCommand> = {
    name: inner.name,
    nodes: inner.nodes,
    init: inner.init,
    recover: inner.recover,
    deliver: (s, m) => {
      if (isNote(m)) throw new Error(`synod: a ${m.type} note is history, never delivered`);
      return named(inner.deliver(s, m));
    },
    timeout: (s) => named(inner.timeout(s)),
    request: (s, c) => named(inner.request(s, c)),
    sent: recorded,
    persisted: (d, e) => (e.type === 'learned-by' || (e.type === 'persist' && volatile.has(e.change.kind)) ? d : inner.persisted(d, e)),
  };
  const requests: RequestSlot<MpCommand, MpMessage>[] = [];
  for (let i = 0; i < o.commands; i += 1) {
    const first = o.target === 'first' ? 1 : (i % o.timers) + 1;
    requests.push({ node: first, choices: [modelCommand(i)] });
    if (o.retry === true) requests.push({ node: (first % nodes) + 1, choices: [modelCommand(i)] });
  }
  // Each read may be invoked once, at any of the read nodes: one slot per node, each enabled
  // only while the read is not yet invoked, and with exactly one choice enabled in a state: the
  // one whose `after` is the set of commands acknowledged so far (the notes are history, so
  // this is what had happened in real time when the client invoked the read).
  const sets = ackSets(o.commands);
  for (let i = 0; i < readCount; i += 1) {
    const client = `r${i + 1}`;
    const choices = sets.map((after) => modelRead(i, readMode, after));
    // The `ack` notes are in the history because logInvariants reads them (a note no property
    // reads is not recorded).
    const when = (c: MpCommand, history: readonly MpMessage[], requested: readonly MpCommand[]): boolean =>
      !requested.some((r) => r.client === client) && (c.after ?? []).join(',') === acknowledged(history).join(',');
    for (const node of o.readAt ?? range(nodes)) requests.push({ node, choices, when });
  }
  const readRounds = o.readRounds ?? 2;
  const maxRound = o.maxRound;
  const rounds = o.rounds;
  const campaignBound = (id: NodeId): number => (rounds === undefined ? maxRound : (rounds[id - 1] ?? maxRound));
  const model: MultiPaxosModel = {
    protocol,
    network: o.network,
    requests,
    timeouts: range(o.timers),
    crashes: o.crashes,
    ...(o.crashable === undefined ? {} : { crashable: o.crashable }),
    within: (s) => s.acceptor.maxBal.round <= maxRound && s.leader.ballot.round <= campaignBound(s.id) && (readCount === 0 || s.reads.round <= readRounds),
    codec: readCount === 0 ? multiPaxosCodec : readsCodec,
    lost: (m) => isNote(m) || (m.from === m.to && ownVote === 'inline'),
    always: [logInvariants(config.quorums, volatile.has('learned')), ...(readCount > 0 ? [readsInvariant(config.quorums)] : [])],
    // A leader change needs two nodes that can campaign.
    // A leader change needs two nodes that can campaign; with compaction, a row must also show
    // a compacted prefix sent as a snapshot (an install's message), or it proves nothing of them.
    sometimes: [commandApplied(), ...(o.timers >= 2 ? [leaderChange()] : []), ...((o.snapshotEvery ?? 0) > 0 ? [snapshotSent()] : []), ...(readCount > 0 ? [readServed()] : [])],
    ...(prunesObsolete(o) ? { obsolete: obsoleteMultiReply, settled: (m: MpMessage) => m.type === 'promise', steps: [multiAcceptorSteps] } : {}),
    ...(normalizesMulti(o) ? { normalize: multiPaxosNormalForm } : {}),
  };
  return { ok: true, model, config };
}

/** Whether obsolete replies are removed for these options: asked (the default), real roles. */
export function prunesObsolete(o: MultiPaxosCheckOptions): boolean {
  return o.pruneObsolete ?? o.mutant === undefined;
}

/** Whether the roles run on normal forms for these options: asked (the default), real roles. */
export function normalizesMulti(o: MultiPaxosCheckOptions): boolean {
  return o.normalize ?? o.mutant === undefined;
}

/**
 * The normal forms the real roles are checked on (an exact abstraction; lib/multipaxos is the
 * argument). A node state:
 * - `prepareSlot` is read only while a candidate (`lead`, called from `campaign` and
 *   `onPromise`, both as a candidate); `campaign`, the only way into candidacy, sets it. Outside
 *   candidacy it is 0.
 * - `next` is read only while leading (`fill`); `lead`, the only way into leadership, sets it.
 *   Outside leadership it is 0.
 * - a follower's `ballot` is read by no handler that changes anything: `observe`, `onPromise`,
 *   `onAccepted`, `onCatchup`, `heartbeat` and `lead` read it only as a candidate or leader,
 *   `campaign` takes its ballot above `highest` and `maxBal`, and `onRejected` compares it only to
 *   decide between ignoring a rejection and calling `observe`, which for a follower whose
 *   `highest` is at least the rejection's promise changes nothing either. A follower's ballot is
 *   ZERO.
 * - the fields the key already leaves out (`encodeMultiNodeState`: counters, replica, leader
 *   hint, the queue's representation) are not touched: they are not in the key.
 * A message:
 * - a `rejected` is read by `onRejected` for its `promised` alone, and no invariant reads
 *   rejections: its sender (kept for a node's message to itself, which the model loses), ballot
 *   and slot are blanked, so rejections carrying one promise to one node are one message.
 * - a `catchup` is read by `onCatchup` for its sender and slot, never its ballot (the `learn`
 *   it answers carries the leader's own ballot): the ballot is ZERO.
 * - a `learn` is read by `onLearn` for its sender, ballot, first slot and values, never its
 *   commit point: the commit is 0.
 * spec/check/multipaxos-reduction.spec.ts shows that the reachable states with normal forms are
 * exactly the normal forms of the reachable states without them.
 */
export const multiPaxosNormalForm: Normalize<MpState, MpMessage> = {
  state(s) {
    const l = s.leader;
    const prepareSlot = l.role === 'candidate' ? l.prepareSlot : 0;
    const next = l.role === 'leader' ? l.next : 0;
    const ballot = l.role === 'follower' ? ballots.ZERO : l.ballot;
    if (prepareSlot === l.prepareSlot && next === l.next && ballot === l.ballot) return s;
    return { ...s, leader: { ...l, prepareSlot, next, ballot } };
  },
  message(m) {
    switch (m.type) {
      case 'rejected': {
        const from = m.from === m.to ? m.from : 0;
        return from === m.from && m.ballot === ballots.ZERO && m.slot === 0 ? m : { ...m, from, ballot: ballots.ZERO, slot: 0 };
      }
      case 'catchup':
        return m.ballot === ballots.ZERO ? m : { ...m, ballot: ballots.ZERO };
      case 'learn':
        return m.commit === 0 ? m : { ...m, commit: 0 };
      default:
        return m;
    }
  },
};

/**
 * A reply its recipient will ignore forever (lib/multipaxos/leader.ts):
 * - a `rejected` whose promise is at most the recipient's own promise (`maxBal`). A node's
 *   `highest` is always at least its `maxBal` (`promise` raises both; a restart recovers
 *   `highest` from the persisted promise), and a candidate's or leader's ballot is its `maxBal`
 *   (`campaign` promises it; anything that raises the promise first calls `observe`, which steps
 *   down). So `onRejected` either ignores it or calls `observe` with a ballot not above `highest`
 *   and not above the node's own ballot: nothing changes, nothing is sent. `maxBal` never
 *   decreases and every later campaign takes a ballot above it, so this stays true.
 * - a `promise` for ballot b, unless its recipient is a candidate of b that has not counted its
 *   sender (`onPromise`). The recipient campaigned with b, so it promised b itself (persisted):
 *   its `maxBal` is at least b forever, every later campaign takes a ballot above it, and it
 *   never becomes a candidate of b again; while a candidate of b its promises only grow.
 * - a `heartbeat-ack` of ballot b and round r, unless its recipient leads b with round r open
 *   and has not counted its sender (`onHeartbeatAck` ignores it otherwise). The recipient sent
 *   the heartbeat as leader of b; once it stops leading b it never leads b again (a later
 *   campaign takes a higher ballot, and a restart forgets its rounds but must campaign too);
 *   while it leads b its round counter only grows, a round leaves `open` only when confirmed
 *   or pushed out, never to come back, and its acknowledgements only grow. No property reads
 *   acknowledgements.
 * No invariant reads rejections. A promise is read by PromiseKept, so removing one rests on the
 * argument that its verdict, checked in every stored state that held it, cannot change: it asks
 * that the acceptor's promise stays at least b and that it never votes between the vote it
 * reported and b, and `multiAcceptorSteps` checks on every step (a crash included) that an
 * acceptor's promise never decreases and that it votes only at or above its promise. The
 * checker verifies at each removal that the delivery is a no-op right then;
 * spec/check/multipaxos-reduction.spec.ts compares what is reachable with and without removal.
 */
export function obsoleteMultiReply(m: MpMessage, recipient: MpState): boolean {
  if (m.type === 'rejected') return !ballots.less(recipient.acceptor.maxBal, m.promised);
  if (m.type === 'heartbeat-ack') {
    const l = recipient.leader;
    return l.role !== 'leader' || !ballots.equals(l.ballot, m.ballot) || !recipient.reads.open.some((o) => o.round === m.round && !o.acks.includes(m.from));
  }
  if (m.type !== 'promise') return false;
  const l = recipient.leader;
  return l.role !== 'candidate' || !ballots.equals(l.ballot, m.ballot) || l.promises.some((p) => p.from === m.from);
}

/**
 * P1a as a step property of a Multi-Paxos node: its promise (`maxBal`) never decreases (a
 * restart included), and every vote it casts or changes in a step, in any slot, is at or above
 * the promise it had before the step. With removal of obsolete promises these settle
 * PromiseKept for a promise once removed.
 */
export const multiAcceptorSteps: StepProperty<MpState, MpMessage> = {
  name: 'acceptor steps (P1a)',
  check(before, after) {
    const a = before.acceptor;
    const z = after.acceptor;
    const out: Finding[] = [];
    if (ballots.less(z.maxBal, a.maxBal)) {
      out.push({ invariant: 'PromiseKept', description: `acceptor ${before.id} lowered its promise from ${ballots.format(a.maxBal)} to ${ballots.format(z.maxBal)}` });
    }
    if (z.votes !== a.votes) {
      for (let slot = 0; slot < Math.max(a.votes.size, z.votes.size); slot += 1) {
        const was = vec.get(a.votes, slot);
        const now = vec.get(z.votes, slot);
        if (now === was || now === undefined || (was !== undefined && ballots.equals(now.ballot, was.ballot))) continue;
        if (ballots.less(now.ballot, a.maxBal)) {
          out.push({ invariant: 'PromiseKept', description: `acceptor ${before.id} voted in ballot ${ballots.format(now.ballot)} at slot ${slot}, below its promise ${ballots.format(a.maxBal)}` });
        }
      }
    }
    return out;
  },
};

function range(n: number): NodeId[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

/** What the checker records of an effect: a message sent or handed to itself, or a note. */
function recorded(e: MpEffect): MpMessage | null {
  switch (e.type) {
    case 'send':
    case 'local':
      return e.message;
    case 'reply':
      if (e.reply.status !== 'ok') return null;
      // A read answered outside the log is not a command in the log: it is a read note
      // (ReadsLinearizable), never an acknowledgement (AckImpliesChosen).
      if (e.read !== undefined) return { type: 'read', from: e.node, to: e.node, client: e.client, seq: e.seq, result: e.reply.result };
      return { type: 'ack', from: e.node, to: e.node, client: e.client, seq: e.seq };
    case 'learned-by':
      return { type: 'learned', from: e.node, to: e.node, slot: e.slot, value: e.value };
    case 'chosen':
    case 'persist':
    case 'stage':
    case 'applied':
      return null;
    default:
      return assertNever(e, 'effect');
  }
}

// ---------------------------------------------------------------------------------------------
// The canonical fingerprint.

function b(x: Ballot): string {
  return `${x.round}.${x.node}`;
}

/** Commands are identified by (client, seq): the model hands out one operation per pair. */
function entry(e: Entry<KvOp>): string {
  return e.kind === 'noop' ? '~' : e.commands.map(commandKey).join('+');
}

function votes(v: Vector<Vote<Entry<KvOp>>>): string {
  const out: string[] = [];
  for (let slot = 0; slot < v.size; slot += 1) {
    const x = vec.get(v, slot);
    out.push(x === undefined ? '' : `${b(x.ballot)}=${entry(x.value)}`);
  }
  return out.join(',');
}

function log(l: Vector<Entry<KvOp>>): string {
  const out: string[] = [];
  for (let slot = 0; slot < l.size; slot += 1) {
    const x = vec.get(l, slot);
    out.push(x === undefined ? '' : entry(x));
  }
  return out.join(',');
}

function sortedIds(xs: readonly number[]): string {
  return (xs.length < 2 ? xs : [...xs].sort((x, y) => x - y)).join(',');
}

/**
 * The key of a node state. Left out, and why none of them can change what the node does next
 * or what an invariant reads:
 * - `counters`: diagnostics; no handler reads them except to increment them.
 * - `replica`: a function of `log` below `commit` (applied in order from the initial machine,
 *   exactly as `recoverMultiNode` rebuilds it), so two states with equal logs and commit points
 *   have equal replicas.
 * - `leader.current`: who the node believes leads; it is read only to fill the hint of a `redirect`
 *   reply, which changes no state and which the checker does not record (only "ok" replies
 *   are acknowledgements).
 * - the queue's representation (`leader.queue` vector and `leader.queueHead`): only the pending commands from
 *   the head on are ever read (proposed in order, or handed back on a step-down), so the key is
 *   that list.
 * Sets are keyed as sets: `promises` by sender (each sender once; `mergePromises` takes the
 * highest ballot per slot, and two reported votes of one slot and ballot carry one value until
 * OneValuePerBallot fails, where the search stops) and each in-flight slot's `acks` by id
 * (only membership and size are read).
 */
export function encodeMultiNodeState(s: MpState): string {
  const { acceptor: a, leader: l, learner: n, timer: t } = s;
  // With compaction the replica is no longer a function of the log (the prefix below the
  // snapshot is gone), so the snapshot's slot and replica are part of the key.
  const snap = n.snapshot === null ? '' : `|S${snapshotKey(n.snapshot)}`;
  let out = `${s.id}${l.role[0]}|${b(a.maxBal)}|${votes(a.votes)}|${log(n.log)}|${n.commit}|${b(l.ballot)}^${b(l.highest)}`;
  out += `|${l.prepareSlot}:${[...l.promises].sort((x, y) => x.from - y.from).map((p) => `${p.from}[${p.entries.map((e) => `${e.slot}@${b(e.ballot)}=${entry(e.value)}`).join(';')}]`).join(' ')}`;
  out += `|${l.inflight.map((p) => `${p.slot}=${entry(p.value)}[${sortedIds(p.acks)}]`).join(' ')}|${l.next}`;
  out += `|${vec.range(l.queue, l.queueHead).map((c) => (c === undefined ? '' : commandKey(c))).join(',')}`;
  out += `|${t.elapsed}/${t.timeoutAt}/${t.rng}/${n.asked}${snap}`;
  return out;
}

/** A snapshot as key text: its slot and its replica (store and sessions, sorted by key). */
function snapshotKey(x: { readonly slot: number; readonly replica: Replica<unknown, unknown> }): string {
  return `${x.slot}:${appliedText(x.replica as Replica<HashMap<unknown>, unknown>)}`;
}

export function encodeMultiMessage(m: MpMessage): string {
  const head = `${m.from}>${m.to}`;
  switch (m.type) {
    case 'prepare':
      return `P${head}@${b(m.ballot)}#${m.slot}`;
    case 'promise':
      return `R${head}@${b(m.ballot)}#${m.slot}[${m.entries.map((e) => `${e.slot}@${b(e.ballot)}=${entry(e.value)}`).join(';')}]${m.snapshot === undefined ? '' : `S${snapshotKey(m.snapshot)}`}`;
    case 'accept':
      return `A${head}@${b(m.ballot)}#${m.slot}=${entry(m.value)}^${m.commit}`;
    case 'accepted':
      return `V${head}@${b(m.ballot)}#${m.slot}=${entry(m.value)}`;
    case 'rejected':
      return `N${head}@${b(m.ballot)}#${m.slot}^${b(m.promised)}`;
    case 'heartbeat':
      return m.round === undefined ? `H${head}@${b(m.ballot)}^${m.commit}` : `H${head}@${b(m.ballot)}^${m.commit}r${m.round}`;
    case 'heartbeat-ack':
      return `Q${head}@${b(m.ballot)}r${m.round}`;
    case 'catchup':
      return `C${head}@${b(m.ballot)}#${m.slot}`;
    case 'learn':
      return `L${head}@${b(m.ballot)}#${m.slot}=${m.values.map(entry).join(',')}^${m.commit}`;
    case 'snapshot':
      return `S${head}@${b(m.ballot)}#${snapshotKey(m)}`;
    case 'ack':
      return `K${m.from}:${m.client}#${m.seq}`;
    case 'learned':
      return `D${m.from}#${m.slot}=${entry(m.value)}`;
    case 'read':
      return `Y${m.from}:${m.client}#${m.seq}=${JSON.stringify(m.result)}`;
    default:
      return assertNever(m, 'message');
  }
}

export function encodeMultiRecord(d: MpRecord | undefined): string {
  return d === undefined ? '' : `${b(d.promised)}|${votes(d.votes)}|${log(d.log)}${d.snapshot === undefined ? '' : `|S${snapshotKey(d.snapshot)}`}`;
}

export const multiPaxosCodec: Codec<MpState, MpMessage, MpRecord> = {
  state: encodeMultiNodeState,
  message: encodeMultiMessage,
  durable: encodeMultiRecord,
};

/**
 * The key of a node's read state (reads.ts), for models with reads: everything in it, since a
 * read round, a waiting read or a lease changes what the node does next. Without reads the
 * read state is never read (no request asks for a read mode, no lease is configured, so no
 * round is opened and `readyAt` is read by nobody), and the key leaves it out: every count of
 * the rows without reads stays what it was. Each round's acknowledgements are a set (only
 * membership and size are read).
 */
export function encodeReadState(r: MpState['reads']): string {
  const open = r.open.map((o) => `${o.round}@${o.clock}[${sortedIds(o.acks)}]`).join(' ');
  const waiting = r.waiting.map((w) => `${showCommand(w.command)}@${w.point}r${w.round}`).join(' ');
  return `R${r.readyAt}/${r.round}/${r.confirmed}/${open}/${waiting}/${r.leaseUntil}/${r.grantUntil}/${r.grantTo}/${r.clock}`;
}

/** The codec of a model with reads: the node key with its read state. */
export const readsCodec: Codec<MpState, MpMessage, MpRecord> = {
  state: (s) => `${encodeMultiNodeState(s)}|${encodeReadState(s.reads)}`,
  message: encodeMultiMessage,
  durable: encodeMultiRecord,
};

// ---------------------------------------------------------------------------------------------
// Properties.

function replicaView(s: MpState): ReplicaView<KvOp> {
  const view = { id: s.id, promised: s.acceptor.maxBal, votes: s.acceptor.votes, log: s.learner.log, commit: s.learner.commit };
  const snap = s.learner.snapshot;
  return snap === null ? view : { ...view, base: snap.slot, applied: appliedText(s.learner.replica) };
}

/** The protocol's messages (on the wire or local), without the notes. */
function wireMessages(messages: readonly MpMessage[]): MultiMessage<KvOp>[] {
  return messages.filter((m): m is MultiMessage<KvOp> => !isNote(m));
}

/**
 * ReadsLinearizable (lib/invariants/reads.ts) over the model: every read note is a read served,
 * its operation and what was acknowledged before it are those of the read command the client
 * invoked (`requested`, with the `after` the model wrote at invocation).
 */
export function readsInvariant(quorums: MultiPaxosConfig<KvState, KvOp, KvResult>['quorums']): AlwaysProperty<MpState, MpMessage, MpCommand> {
  return {
    name: 'ReadsLinearizable',
    check: (s) => {
      const reads: ServedRead<KvOp, KvResult>[] = [];
      for (const m of s.messages) {
        if (m.type !== 'read') continue;
        const c = s.requested.find((r) => r.client === m.client && r.seq === m.seq);
        if (c === undefined) throw new Error(`synod: a read note for ${m.client}#${m.seq}, which no client invoked`);
        reads.push({ node: m.from, client: m.client, seq: m.seq, op: c.op, result: m.result, after: c.after ?? [] });
      }
      const found = readsLinearizable({ quorums, machine: kvStore, messages: wireMessages(s.messages), reads });
      return found === null ? [] : [{ invariant: found.invariant, description: found.description }];
    },
    reads: { node: () => '', message: (m) => m.type === 'accepted' || m.type === 'read', requests: true },
  };
}

/** A read was answered outside the log (so the property is not vacuous). */
export function readServed(): SometimesProperty<MpState, MpMessage, MpCommand> {
  const served = (m: MpMessage): boolean => m.type === 'read';
  return {
    name: 'a read is served',
    holds: (s) => s.messages.some(served),
    reads: { node: () => '', message: served, requests: false },
  };
}

/**
 * Every invariant of lib/invariants/log.ts (`checkLog`: per slot Agreement, Validity,
 * OneValuePerBallot, PromiseKept, VotesSafe; LogPrefixAgreement; AckImpliesChosen) and
 * ChosenIsStable: every value a replica learned (a `learned` note) is still in its log.
 * With `forgetful` (learned records are not durable: the `volatile` option), a replica that
 * crashed may hold nothing in a slot it learned, until it learns it again; it may never hold a
 * different value there.
 */
export function logInvariants(quorums: MultiPaxosConfig<KvState, KvOp, KvResult>['quorums'], forgetful = false): AlwaysProperty<MpState, MpMessage, MpCommand> {
  return {
    name: 'log invariants',
    check: (s) => {
      const acks: Ack[] = [];
      for (const m of s.messages) if (m.type === 'ack') acks.push({ node: m.from, client: m.client, seq: m.seq });
      const found: Violation[] = checkLog({ quorums, nodes: s.states.map(replicaView), messages: wireMessages(s.messages), requested: s.requested, acks });
      const stable = chosenStable(s.states, s.messages, forgetful);
      const all = stable === null ? found : [...found, stable];
      return all.map((v) => ({ invariant: v.invariant, description: v.description }));
    },
    reads: {
      node: (s) => `${s.id}|${b(s.acceptor.maxBal)}|${votes(s.acceptor.votes)}|${log(s.learner.log)}|${s.learner.commit}${s.learner.snapshot === null ? '' : `|S${s.learner.snapshot.slot}|${appliedText(s.learner.replica)}`}`,
      message: (m) => m.type === 'promise' || m.type === 'accept' || m.type === 'accepted' || m.type === 'ack' || m.type === 'learned',
      requests: true,
    },
  };
}

function chosenStable(states: readonly MpState[], messages: readonly MpMessage[], forgetful: boolean): Violation | null {
  for (const m of messages) {
    if (m.type !== 'learned') continue;
    const learner = states.find((s) => s.id === m.from);
    // A slot below the replica's snapshot is folded into its applied state, which
    // LogPrefixAgreement compares (`applied`): it is no longer in the log to look at.
    if (learner !== undefined && m.slot < (learner.learner.snapshot?.slot ?? 0)) continue;
    const now = learner === undefined ? undefined : vec.get(learner.learner.log, m.slot);
    if (now === undefined && forgetful) continue;
    if (now === undefined || entry(now) !== entry(m.value)) {
      return {
        invariant: 'ChosenIsStable',
        slot: m.slot,
        ballots: [],
        nodes: [m.from],
        description: `replica ${m.from} learned ${entry(m.value)} at slot ${m.slot}, and now holds ${now === undefined ? 'nothing' : entry(now)} there`,
      };
    }
  }
  return null;
}

/** Some replica applied a client command (it is committed). */
export function commandApplied(): SometimesProperty<MpState, MpMessage, MpCommand> {
  // With compaction the applied commands may be in the snapshot: a client session shows them.
  const applied = (s: MpState): boolean =>
    vec.range(s.learner.log, 0, s.learner.commit).some((e) => e?.kind === 'batch') || (s.learner.snapshot !== null && Object.keys(toObject(s.learner.replica.sessions)).length > 0);
  return {
    name: 'a command is applied',
    holds: (s) => s.states.some(applied),
    reads: { node: (s) => (applied(s) ? 'A' : ''), message: () => false, requests: false },
  };
}

/** A node sent a compacted prefix as a snapshot: a `snapshot` message, or a promise carrying one. */
export function snapshotSent(): SometimesProperty<MpState, MpMessage, MpCommand> {
  const carries = (m: MpMessage): boolean => m.type === 'snapshot' || (m.type === 'promise' && m.snapshot !== undefined);
  return {
    name: 'a compacted prefix is sent as a snapshot',
    holds: (s) => s.messages.some(carries),
    reads: { node: () => '', message: carries, requests: false },
  };
}

/** A node leads after another node led (a leader change): it leads now, and another node sent accepts or heartbeats as leader. */
export function leaderChange(): SometimesProperty<MpState, MpMessage, MpCommand> {
  const ledBy = (m: MpMessage): boolean => (m.type === 'accept' || m.type === 'heartbeat') && m.from !== m.to;
  return {
    name: 'a new leader takes over',
    holds: (s) => s.states.some((n) => n.leader.role === 'leader' && s.messages.some((m) => ledBy(m) && m.from !== n.id)),
    reads: { node: (n) => (n.leader.role === 'leader' ? `L${n.id}` : ''), message: ledBy, requests: false },
  };
}

// ---------------------------------------------------------------------------------------------
// Running a check, and its report.

export function showMultiMessage(m: MpMessage): string {
  switch (m.type) {
    case 'ack':
      return `n${m.from} tells client ${m.client} that command ${m.seq} is done`;
    case 'learned':
      return `a replica learns slot ${m.slot} = ${entry(m.value)}`;
    case 'read':
      return `n${m.from} answers read ${m.client}#${m.seq} with ${JSON.stringify(m.result)}`;
    default:
      return m.from === m.to ? `(local) ${describeMessage(m)}` : describeMessage(m);
  }
}

export function showCommand(c: MpCommand): string {
  const read = c.read === undefined || c.read === 'log' ? '' : ` (${c.read}${c.after === undefined ? '' : `, after ${c.after.length === 0 ? 'nothing' : c.after.join(' ')} acknowledged`})`;
  return `${commandKey(c)} ${JSON.stringify(c.op)}${read}`;
}

export type MultiPaxosRun = { readonly ok: true; readonly report: CheckReport<MultiPaxosResolvedConfig> } | { readonly ok: false; readonly error: string };

export interface MultiPaxosRunOptions {
  readonly dfs?: boolean;
  readonly maxStates?: number;
  readonly prefix?: readonly Action<MpMessage, MpCommand>[];
  readonly progress?: (p: Progress) => void;
}

export function checkMultiPaxos(o: MultiPaxosCheckOptions, options: MultiPaxosRunOptions = {}): MultiPaxosRun {
  const built = multiPaxosModel(o);
  if (!built.ok) return built;
  const result = new ModelChecker(built.model).run(options);
  const config: MultiPaxosResolvedConfig = { ...resolved(o), search: options.dfs === true ? 'dfs' : 'bfs', prefix: options.prefix?.length ?? 0 };
  return { ok: true, report: toReport(config, result) };
}

export function checkMultiPaxosOrThrow(o: MultiPaxosCheckOptions, options: MultiPaxosRunOptions = {}): CheckReport<MultiPaxosResolvedConfig> {
  const run = checkMultiPaxos(o, options);
  if (!run.ok) throw new Error(`synod: ${run.error}`);
  return run.report;
}

function toReport(config: MultiPaxosResolvedConfig, r: CheckResult<MpMessage, MpCommand>): CheckReport<MultiPaxosResolvedConfig> {
  return toCheckReport(MULTIPAXOS_PROTOCOL, config, r, traceLines);
}

export function traceLines(trace: readonly TraceStep<MpMessage, MpCommand>[]): string[] {
  return formatTrace(trace, showMultiMessage, showCommand);
}

export function describeMultiPaxosConfig(c: MultiPaxosResolvedConfig): string {
  const parts = [
    `${c.nodes} nodes`,
    `${c.commands} ${c.commands === 1 ? 'command' : 'commands'}${c.target === 'first' ? ' to node 1' : ''}${c.retry ? ' (each also retried at another node)' : ''}`,
    c.timers === 1 ? 'a timer on node 1' : `timers on nodes 1..${c.timers}`,
    c.rounds === null ? `max round ${c.maxRound}` : `max round ${c.maxRound} (campaigns up to round ${c.rounds.join(', ')})`,
    `${c.crashes} crashes${c.crashes > 0 && c.crashable !== 'all' ? ` (of node ${c.crashable.join(', ')})` : ''}`,
    `${c.network} network`,
  ];
  if (c.snapshotEvery > 0) parts.push(`a snapshot every ${c.snapshotEvery} ${c.snapshotEvery === 1 ? 'slot' : 'slots'}`);
  if (c.reads !== undefined) {
    const at = c.reads.at === 'all' ? 'any node' : `node ${c.reads.at.join(', ')}`;
    parts.push(`${c.reads.count} ${c.reads.mode} ${c.reads.count === 1 ? 'read' : 'reads'} at ${at} (${c.reads.rounds} heartbeat ${c.reads.rounds === 1 ? 'round' : 'rounds'} per life)`);
  }
  if (c.volatile !== undefined) parts.push(`${c.volatile.join(' and ')} changes never durable`);
  if (c.ownVote !== undefined) parts.push("the leader's own vote by message, in parallel");
  if (c.mutant !== null) parts.push(`mutant ${c.mutant}`);
  else if (!c.normalize || !c.pruneObsolete) parts.push(!c.normalize && !c.pruneObsolete ? 'no reduction' : !c.normalize ? 'raw states' : 'obsolete replies kept');
  if (c.search === 'dfs') parts.push('depth-first');
  if (c.prefix > 0) parts.push(`searching from a directed start of ${c.prefix} actions`);
  return parts.join(', ');
}

export function multiPaxosReportLines(r: CheckReport<MultiPaxosResolvedConfig>): string[] {
  return reportLines(r, describeMultiPaxosConfig);
}

// ---------------------------------------------------------------------------------------------
// The bug zoo, Multi-Paxos part: each mutant of lib/zoo/multipaxos.ts at the smallest
// configuration at which the checker catches it (registered by lib/check/zoo.ts).

/** Each mutant's smallest configuration (bounds as in `MultiPaxosCheckOptions`). */
export const MULTIPAXOS_SMALLEST: Readonly<Record<Exclude<MultiPaxosMutantName, ReadMutantName | OwnVoteMutantName>, MultiPaxosCheckOptions>> = {
  // Proposing is enough: the leader says "done" in the step that proposes.
  'leader-acks-before-quorum': { nodes: 2, commands: 1, timers: 1, maxRound: 1, crashes: 0, network: 'set' },
  // A second leader that reuses slot 0 for its own command: two commands, two campaigns.
  'new-leader-skips-merge': { nodes: 3, commands: 2, timers: 2, maxRound: 1, crashes: 0, network: 'set' },
  // With 3 nodes a follower's acceptance and the leader's own vote are a majority: the entry is
  // chosen the moment the follower applies it, so the mutant is harmless there. With 4 nodes
  // (quorums of 3) it is not, and a client's retry at the follower is answered "done".
  'follower-applies-unchosen-entry': { nodes: 4, commands: 1, timers: 1, maxRound: 1, crashes: 0, network: 'set', retry: true },
  'candidate-counts-stale-promise': { nodes: 3, commands: 2, timers: 2, maxRound: 2, crashes: 0, network: 'set' },
  'leader-counts-stale-accepted': { nodes: 5, commands: 2, timers: 2, maxRound: 2, crashes: 0, network: 'set' },
  // Three ballots (1.1, 1.2, 2.1): node 1 votes its command in slot 0 at 1.1, node 2 its own at
  // 1.2, and node 1's second campaign hears both and must keep 1.2's.
  'merge-keeps-lower-ballot': { nodes: 3, commands: 2, timers: 2, maxRound: 2, rounds: [2, 1], crashes: 0, network: 'set' },
  // A snapshot every slot, both commands to node 1: node 1 leads 1.1, c1 is chosen in slot 0
  // by nodes 1 and 3 and node 1 compacts it; node 1 proposes c2 in slot 1; node 2, which never
  // voted, campaigns in 1.2 with node 1's promise (its vote in slot 1 and a snapshot below it)
  // and, ignoring the snapshot, sees a hole in slot 0 and fills it with a no-op. (With one
  // command, or one per node, there is no vote above the compacted slot: no hole, no no-op.)
  'follower-fills-hole-below-snapshot': { nodes: 3, commands: 2, timers: 2, maxRound: 1, crashes: 0, network: 'set', target: 'first', snapshotEvery: 1 },
};

/**
 * A directed start, as the actions of a run of the real roles at the model's configuration:
 * `script` drives a small driver (timeouts, requests, deliveries of messages in flight,
 * leaving the others in flight) and the actions it took are the prefix.
 */
function directedStart(nodes: number, script: (d: Driver) => void): readonly Action<MpMessage, MpCommand>[] {
  const driver = new Driver(multiPaxosProtocol(modelConfig(nodes)));
  script(driver);
  return driver.actions;
}

class Driver {
  readonly actions: Action<MpMessage, MpCommand>[] = [];
  private readonly states = new Map<NodeId, MultiNodeState<KvState, KvOp, KvResult>>();
  private readonly inFlight: MultiMessage<KvOp>[] = [];

  constructor(private readonly protocol: ReturnType<typeof multiPaxosProtocol<KvState, KvOp, KvResult>>) {
    for (const id of protocol.nodes) this.states.set(id, protocol.init(id));
  }

  state(node: NodeId): MultiNodeState<KvState, KvOp, KvResult> {
    return this.states.get(node)!;
  }

  private apply(node: NodeId, step: Step<MultiNodeState<KvState, KvOp, KvResult>, MultiEffect<KvOp, KvResult>>): void {
    this.states.set(node, step.state);
    for (const e of step.effects) if (e.type === 'send') this.inFlight.push(e.message);
  }

  /** Ticks `node` until `until` holds of it. */
  tickUntil(node: NodeId, until: (s: MultiNodeState<KvState, KvOp, KvResult>) => boolean): void {
    for (let i = 0; !until(this.state(node)); i += 1) {
      if (i === 10) throw new Error(`synod: directed start: node ${node} never got there`);
      this.actions.push({ type: 'timeout', node });
      this.apply(node, this.protocol.timeout(this.state(node)));
    }
  }

  request(node: NodeId, command: MpCommand): void {
    this.actions.push({ type: 'request', node, command });
    this.apply(node, this.protocol.request(this.state(node), command));
  }

  /** Delivers the in-flight messages that match, oldest first (new ones included). */
  deliver(match: (m: MultiMessage<KvOp>) => boolean): void {
    for (let i = this.inFlight.findIndex(match); i >= 0; i = this.inFlight.findIndex(match)) {
      const [m] = this.inFlight.splice(i, 1);
      this.actions.push({ type: 'deliver', message: m! });
      this.apply(m!.to, this.protocol.deliver(this.state(m!.to), m!));
    }
  }
}

/**
 * leader-counts-stale-accepted on five nodes (the smallest cluster where it matters: with three,
 * the leader and any one acceptance of its older ballot already are a quorum that voted the
 * same value): node 1 leads 1.1 (nodes 3-5 promise) and proposes x=1 in slot 0; node 4 accepts,
 * its acceptance stays in flight. Node 2, which never saw 1.1, leads 1.2 with nodes 3 and 5 and
 * proposes x=2 in slot 0; node 1 accepts it. Node 1 leads 2.1 with nodes 3 and 5, re-proposes
 * x=2 (its vote in 1.2 is the highest) and node 3 accepts. The search starts there, with node
 * 4's acceptance of 1.1 (for x=1) still in flight.
 */
export function staleAcceptedStart(): readonly Action<MpMessage, MpCommand>[] {
  return directedStart(5, staleAcceptedScript);
}

function staleAcceptedScript(d: Driver): void {
  const is = (type: MultiMessage<KvOp>['type'], from: NodeId, to: readonly NodeId[]) => (m: MultiMessage<KvOp>): boolean => m.type === type && m.from === from && to.includes(m.to);
  d.tickUntil(1, (s) => s.leader.role === 'candidate');
  d.deliver(is('prepare', 1, [3, 4, 5]));
  d.deliver(is('promise', 3, [1]));
  d.deliver(is('promise', 4, [1]));
  d.request(1, modelCommand(0));
  d.deliver(is('accept', 1, [4]));
  d.tickUntil(2, (s) => s.leader.role === 'candidate');
  d.deliver(is('prepare', 2, [3, 5]));
  d.deliver(is('promise', 3, [2]));
  d.deliver(is('promise', 5, [2]));
  d.request(2, modelCommand(1));
  d.deliver(is('accept', 2, [1]));
  d.tickUntil(1, (s) => s.leader.role === 'candidate');
  d.deliver(is('prepare', 1, [3, 5]));
  d.deliver((m) => m.type === 'promise' && m.to === 1 && m.ballot.round === 2);
  d.deliver((m) => m.type === 'accept' && m.from === 1 && m.to === 3 && m.ballot.round === 2);
}

/** Mutants searched from a directed start, and their controls checked on their first states only. */
const MULTIPAXOS_DIRECTED: Partial<Record<MultiPaxosMutantName, { readonly prefix?: () => readonly Action<MpMessage, MpCommand>[]; readonly boundedControl: number }>> = {
  'candidate-counts-stale-promise': { boundedControl: 150_000 },
  'leader-counts-stale-accepted': { prefix: staleAcceptedStart, boundedControl: 150_000 },
  // Its control is a long proof row of its own ("multipaxos: 2 slots, three ballots"): the zoo
  // runs it up to this many states, and `npm run proofs` checks the whole row.
  'merge-keeps-lower-ballot': { boundedControl: 500_000 },
};

function resolved(o: MultiPaxosCheckOptions): MultiPaxosResolvedConfig {
  return {
    nodes: o.nodes ?? 3,
    commands: o.commands,
    timers: o.timers,
    maxRound: o.maxRound,
    crashes: o.crashes,
    network: o.network,
    retry: o.retry === true,
    target: o.target ?? 'spread',
    crashable: o.crashable ?? 'all',
    rounds: o.rounds ?? null,
    mutant: o.mutant ?? null,
    normalize: normalizesMulti(o),
    pruneObsolete: prunesObsolete(o),
    snapshotEvery: o.snapshotEvery ?? 0,
    ...((o.reads ?? 0) > 0 ? { reads: { count: o.reads!, mode: o.readMode ?? 'read-index', at: o.readAt ?? 'all', rounds: o.readRounds ?? 2 } } : {}),
    ...(o.volatile === undefined || o.volatile.length === 0 ? {} : { volatile: [...o.volatile] }),
    ...(o.ownVote === 'parallel' ? { ownVote: 'parallel' as const } : {}),
    search: 'bfs',
    prefix: 0,
  };
}

/**
 * The log mutants' entries. The read mutants (lib/zoo/multipaxos.ts `READ_MUTANTS`) break
 * linearizability of reads answered outside the log: the simulator's linearizability check
 * catches them (spec/multipaxos/reads.spec.ts), and the checker's ReadsLinearizable catches the
 * two read-index ones (`multiPaxosReadZooEntries`, below).
 */
export function multiPaxosZooEntries(): ZooEntry[] {
  return MULTIPAXOS_MUTANTS.filter((m): m is typeof m & { name: Exclude<MultiPaxosMutantName, ReadMutantName | OwnVoteMutantName> } => !READ_MUTANTS.has(m.name)).map((m) => {
    const config = MULTIPAXOS_SMALLEST[m.name];
    const directed = MULTIPAXOS_DIRECTED[m.name];
    const start = directed?.prefix;
    const prefix = (): { prefix?: readonly Action<MpMessage, MpCommand>[] } => (start === undefined ? {} : { prefix: start() });
    return {
      name: m.name,
      breaks: m.breaks,
      protocol: MULTIPAXOS_PROTOCOL,
      smallest: describeMultiPaxosConfig({ ...resolved(config), prefix: start === undefined ? 0 : start().length }),
      run: (options = {}) => checkMultiPaxosOrThrow({ ...config, mutant: m.name }, { ...options, ...prefix() }),
      ...(directed === undefined ? {} : { boundedControl: directed.boundedControl }),
      // The checker takes no directed start with step properties, so a control searched from one
      // keeps every obsolete reply (normal forms stay on).
      control: (options = {}) => checkMultiPaxosOrThrow(start === undefined ? config : { ...config, pruneObsolete: false }, { ...options, ...prefix() }),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// The read mutants the checker catches: ReadsLinearizable with one read-index read.

/** The read mutants with a checker configuration (lease-past-drift-bound needs clocks that drift, which the model does not have). */
export type CheckedReadMutantName = Exclude<ReadMutantName, 'lease-past-drift-bound'>;

/** Each checked read mutant's smallest configuration found (bounds as in `MultiPaxosCheckOptions`). */
export const MULTIPAXOS_READS_SMALLEST: Readonly<Record<CheckedReadMutantName, MultiPaxosCheckOptions>> = {
  // Node 1 leads 1.1 and gets c1 chosen (its own ballot's entry: it may serve reads); node 2,
  // which never promised 1.1, leads 1.2 with node 3, re-proposes c1 and chooses c2 after it, and
  // tells its client; the read at node 1, which still believes it leads, answers x = 1 at once.
  // One command is not enough: node 1 must have applied an entry of its own ballot, and the
  // write it misses must be another one.
  'leader-reads-without-confirming': { nodes: 3, commands: 2, timers: 2, maxRound: 1, crashes: 0, network: 'set', reads: 1, readAt: [1], readRounds: 1 },
  // Node 1 leads 1.1, c1 is chosen with node 3 and acknowledged; node 2 leads 1.2 with node 3's
  // promise (its vote for c1), re-proposes c1, and before that is chosen answers a read from its
  // commit point 0, confirmed by node 3's acknowledgement: x is absent.
  'read-index-before-own-ballot-commit': { nodes: 3, commands: 1, timers: 2, maxRound: 1, crashes: 0, network: 'set', reads: 1, readAt: [2], readRounds: 1 },
};

/** Controls of read mutants too large to search whole: checked on their first states only. */
const READS_BOUNDED_CONTROL: Partial<Record<CheckedReadMutantName, number>> = {
  'leader-reads-without-confirming': 300_000,
};

/**
 * The read mutants as zoo entries. Not in the zoo's registry (lib/check/zoo.ts `zooEntries`):
 * every registered entry has a counterexample the browser replays (web/), whose trace format
 * has no reads; `npm run proofs` runs these beside the registry (`readZooEntries`).
 */
export function multiPaxosReadZooEntries(): ZooEntry[] {
  return MULTIPAXOS_MUTANTS.filter((m): m is typeof m & { name: CheckedReadMutantName } => m.name in MULTIPAXOS_READS_SMALLEST).map((m) => {
    const config = MULTIPAXOS_READS_SMALLEST[m.name];
    const bounded = READS_BOUNDED_CONTROL[m.name];
    return {
      name: m.name,
      breaks: m.breaks,
      protocol: MULTIPAXOS_PROTOCOL,
      smallest: describeMultiPaxosConfig({ ...resolved(config), prefix: 0 }),
      run: (options = {}) => checkMultiPaxosOrThrow({ ...config, mutant: m.name }, options),
      ...(bounded === undefined ? {} : { boundedControl: bounded }),
      control: (options = {}) => checkMultiPaxosOrThrow(config, options),
    };
  });
}
