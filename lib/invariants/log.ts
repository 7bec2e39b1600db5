/**
 * The log-level invariants of Multi-Paxos, and the per-slot ones of voting.ts applied to every
 * slot of the log.
 *
 * - `LogPrefixAgreement`: replicas apply the same commands in the same order; any two
 *   replicas' applied logs are prefixes of one another. With log compaction a replica no longer
 *   holds the slots below its snapshot: they are compared where some replica still holds them,
 *   and any two replicas that applied the same number of slots hold the same applied state
 *   (`applied`, the replica's machine and client sessions as text), which covers the slots
 *   every replica has compacted.
 * - `AckImpliesChosen`: a client is told "done" only for a command in a chosen slot (chosen by
 *   a phase-2 quorum of votes in one ballot, counted from the messages, not from any node's
 *   belief).
 * - `ChosenIsStable`: what a replica learned is never unlearned; its applied log only grows,
 *   across crashes too.
 * - per slot: `Agreement`, `Validity`, `OneValuePerBallot`, `PromiseKept`, `VotesSafe`
 *   (voting.ts), over a `SlotView` built for that slot from the global snapshot.
 *
 * `checkLog` checks a whole snapshot from scratch (for the model checker and small tests);
 * `LogMonitor` checks the same predicates incrementally after every step of a long run (for
 * the simulator), looking only at the slots the step touched.
 */
import * as ballots from '../paxos/ballot';
import type { Ballot } from '../paxos/ballot';
import type { Vote } from '../paxos/messages';
import type { QuorumSystem } from '../paxos/quorum';
import type { NodeId } from '../core/types';
import type { Command } from '../machine/command';
import type { Entry, MultiMessage, MultiPromise } from '../multipaxos/messages';
import { NOOP } from '../multipaxos/messages';
import { commandKey } from '../machine/command';
import type { Replica } from '../machine/replica';
import type { HashMap } from '../core/hashmap';
import { toObject } from '../core/hashmap';
import type { Vector } from '../core/vector';
import * as vec from '../core/vector';
import type { SlotView, Violation } from './voting';
import { checkSlot } from './voting';

/** What the invariants need of one replica. */
export interface ReplicaView<Op> {
  readonly id: NodeId;
  readonly promised: Ballot;
  readonly votes: Vector<Vote<Entry<Op>>>;
  readonly log: Vector<Entry<Op>>;
  /** Every slot below it is learned and applied. */
  readonly commit: number;
  /** With log compaction: the first slot still in the log (every slot below is in the snapshot). */
  readonly base?: number;
  /** With log compaction: the applied state at `commit`, as canonical text (`appliedText`). */
  readonly applied?: string;
}

const appliedTexts = new WeakMap<object, string>();

/**
 * The applied state of a key-value-shaped replica (machine and sessions both persistent hash
 * maps) as canonical text: entries sorted by key, so equal states give equal text whatever
 * order they were written in. Cached per replica object (a replica is immutable).
 */
export function appliedText(replica: Replica<HashMap<unknown>, unknown>): string {
  let text = appliedTexts.get(replica);
  if (text === undefined) {
    text = key([toObject(replica.machine), toObject(replica.sessions)]);
    appliedTexts.set(replica, text);
  }
  return text;
}

function appliedViolation(node: NodeId, owner: NodeId, commit: number): Violation {
  return {
    invariant: 'LogPrefixAgreement',
    slot: commit - 1,
    ballots: [],
    nodes: [owner, node],
    description: `replicas ${owner} and ${node} both applied slots 0..${commit - 1} but hold different states (machine or client sessions)`,
  };
}

/** A client acknowledgement: the command (client, seq) was reported done by `node`. */
export interface Ack {
  readonly node: NodeId;
  readonly client: string;
  readonly seq: number;
}

export interface LogSnapshot<Op> {
  readonly quorums: QuorumSystem;
  readonly nodes: readonly ReplicaView<Op>[];
  /** Every message ever sent, and every promise and vote a node handed itself. */
  readonly messages: readonly MultiMessage<Op>[];
  /** Every command a client sent. */
  readonly requested: readonly Command<Op>[];
  /** Every "done" a client was told. */
  readonly acks: readonly Ack[];
}

const key = (v: unknown): string => JSON.stringify(v);

/** True when every command in the entry was sent by a client (a no-op always is). */
function isProposable<Op>(value: Entry<Op>, requested: ReadonlySet<string>): boolean {
  return value.kind === 'noop' || value.commands.every((c) => requested.has(commandKey(c)));
}

/**
 * Per-slot message records, deduplicated (a retransmitted accept or a duplicated acceptance
 * is the same vote), from which one `SlotView` per slot is built.
 */
class SlotRecords<Op> {
  readonly votes: { acceptor: NodeId; ballot: Ballot; value: Entry<Op> }[] = [];
  readonly accepts: { from: NodeId; ballot: Ballot; value: Entry<Op> }[] = [];
  private readonly seen = new Set<string>();

  addVote(acceptor: NodeId, ballot: Ballot, value: Entry<Op>): boolean {
    const k = `v${acceptor}|${ballots.format(ballot)}|${key(value)}`;
    if (this.seen.has(k)) return false;
    this.seen.add(k);
    this.votes.push({ acceptor, ballot, value });
    return true;
  }

  addAccept(from: NodeId, ballot: Ballot, value: Entry<Op>): boolean {
    const k = `a${ballots.format(ballot)}|${key(value)}`;
    if (this.seen.has(k)) return false;
    this.seen.add(k);
    this.accepts.push({ from, ballot, value });
    return true;
  }
}

/** Each promise's entries by slot, built once per promise (a promise can carry a whole log). */
const promisedEntries = new WeakMap<MultiPromise<unknown>, ReadonlyMap<number, MultiPromise<unknown>['entries'][number]>>();

function entryAt<Op>(p: MultiPromise<Op>, slot: number): MultiPromise<Op>['entries'][number] | undefined {
  let bySlot = promisedEntries.get(p);
  if (bySlot === undefined) {
    bySlot = new Map(p.entries.map((e) => [e.slot, e]));
    promisedEntries.set(p, bySlot);
  }
  return bySlot.get(slot) as MultiPromise<Op>['entries'][number] | undefined;
}

function view<Op>(
  slot: number,
  quorums: QuorumSystem,
  nodes: readonly ReplicaView<Op>[],
  records: SlotRecords<Op> | undefined,
  promises: readonly MultiPromise<Op>[],
  requested: ReadonlySet<string>,
): SlotView<Entry<Op>> {
  const accepts = records?.accepts ?? [];
  return {
    slot,
    quorums,
    acceptors: nodes.map((n) => ({ id: n.id, promised: n.promised, accepted: vec.get(n.votes, slot) ?? null })),
    votes: records?.votes ?? [],
    accepts,
    // A promise whose snapshot covers the slot reports it as chosen (the applied state), not
    // as a vote or the lack of one: it says nothing of this slot's votes.
    promises: promises
      .filter((p) => p.slot <= slot && (p.snapshot === undefined || p.snapshot.slot <= slot))
      .map((p) => {
        const e = entryAt(p, slot);
        return { acceptor: p.from, ballot: p.ballot, accepted: e === undefined ? null : { ballot: e.ballot, value: e.value } };
      }),
    // Validity in a log: a slot may hold a no-op or a batch of commands that clients sent. So
    // every value seen for this slot (sent, voted, held or learned) that is made only of
    // requested commands counts as proposed, and Validity catches any other.
    proposed: [
      NOOP,
      ...[...accepts, ...(records?.votes ?? []), ...nodes.flatMap((n) => [vec.get(n.votes, slot), { value: vec.get(n.log, slot) }])]
        .flatMap((a) => (a?.value === undefined || !isProposable(a.value, requested) ? [] : [a.value])),
    ],
    learned: nodes.flatMap((n) => {
      const value = vec.get(n.log, slot);
      return value === undefined ? [] : [{ learner: n.id, value }];
    }),
  };
}

/** LogPrefixAgreement over the replicas' applied logs, compared with a reference log (slot -> entry). */
function prefixViolation<Op>(node: NodeId, slot: number, mine: Entry<Op>, reference: Entry<Op>, owner: NodeId): Violation {
  return {
    invariant: 'LogPrefixAgreement',
    slot,
    ballots: [],
    nodes: [owner, node],
    description: `replica ${node} applied ${key(mine)} at slot ${slot}, but replica ${owner} applied ${key(reference)} there`,
  };
}

/** LogPrefixAgreement: any two replicas' applied logs agree on every slot both applied. */
export function logPrefixAgreement<Op>(nodes: readonly ReplicaView<Op>[]): Violation | null {
  const reference = new Map<number, { value: Entry<Op>; text: string; owner: NodeId }>();
  const states = new Map<number, { text: string; owner: NodeId }>();
  for (const n of nodes) {
    if (n.applied !== undefined) {
      const ref = states.get(n.commit);
      if (ref === undefined) states.set(n.commit, { text: n.applied, owner: n.id });
      else if (ref.text !== n.applied) return appliedViolation(n.id, ref.owner, n.commit);
    }
    for (let slot = n.base ?? 0; slot < n.commit; slot += 1) {
      const value = vec.get(n.log, slot);
      if (value === undefined) {
        return {
          invariant: 'LogPrefixAgreement',
          slot,
          ballots: [],
          nodes: [n.id],
          description: `replica ${n.id} applied up to slot ${n.commit - 1} with slot ${slot} missing`,
        };
      }
      const ref = reference.get(slot);
      if (ref === undefined) reference.set(slot, { value, text: key(value), owner: n.id });
      else if (ref.text !== key(value)) return prefixViolation(n.id, slot, value, ref.value, ref.owner);
    }
  }
  return null;
}

/** The commands in slots chosen by a phase-2 quorum of votes in one ballot, from the messages. */
export function chosenCommands<Op>(quorums: QuorumSystem, messages: readonly MultiMessage<Op>[]): Set<string> {
  const tallies = new Map<string, { voters: Set<NodeId>; value: Entry<Op> }>();
  const chosen = new Set<string>();
  for (const m of messages) {
    if (m.type !== 'accepted') continue;
    const k = `${m.slot}|${ballots.format(m.ballot)}|${key(m.value)}`;
    const t = tallies.get(k) ?? { voters: new Set<NodeId>(), value: m.value };
    t.voters.add(m.from);
    tallies.set(k, t);
    if (t.voters.size >= quorums.phase2 && t.value.kind === 'batch') for (const c of t.value.commands) chosen.add(commandKey(c));
  }
  return chosen;
}

function ackViolation(ack: Ack): Violation {
  return {
    invariant: 'AckImpliesChosen',
    slot: -1,
    ballots: [],
    nodes: [ack.node],
    description: `node ${ack.node} told client ${ack.client} that command ${ack.seq} is done, but no slot holding it is chosen`,
  };
}

/** AckImpliesChosen: every acknowledged command is in a chosen slot. */
export function ackImpliesChosen<Op>(s: LogSnapshot<Op>): Violation | null {
  const chosen = chosenCommands(s.quorums, s.messages);
  const bad = s.acks.find((a) => !chosen.has(commandKey(a)));
  return bad === undefined ? null : ackViolation(bad);
}

/**
 * ChosenIsStable between two snapshots of the same run: no replica's applied log shrank, and
 * every slot it had learned still holds the same value.
 */
export function chosenIsStable<Op>(before: readonly ReplicaView<Op>[], after: readonly ReplicaView<Op>[]): Violation | null {
  for (const old of before) {
    const now = after.find((n) => n.id === old.id);
    if (now === undefined) continue;
    if (now.commit < old.commit) return shrank(old.id, old.commit, now.commit);
    for (let slot = now.base ?? 0; slot < old.log.size; slot += 1) {
      const was = vec.get(old.log, slot);
      if (was === undefined) continue;
      const is = vec.get(now.log, slot);
      if (is === undefined || key(is) !== key(was)) return unlearned(old.id, slot, was, is);
    }
  }
  return null;
}

function shrank(node: NodeId, from: number, to: number): Violation {
  return {
    invariant: 'ChosenIsStable',
    slot: to,
    ballots: [],
    nodes: [node],
    description: `replica ${node}'s applied log shrank from ${from} to ${to} slots`,
  };
}

function unlearned<Op>(node: NodeId, slot: number, was: Entry<Op>, is: Entry<Op> | undefined): Violation {
  return {
    invariant: 'ChosenIsStable',
    slot,
    ballots: [],
    nodes: [node],
    description: `replica ${node} had learned ${key(was)} at slot ${slot}, and now holds ${is === undefined ? 'nothing' : key(is)}`,
  };
}

/** Every per-slot and log-level violation in one snapshot (from scratch). */
export function checkLog<Op>(s: LogSnapshot<Op>): Violation[] {
  const requested = new Set(s.requested.map(commandKey));
  const records = new Map<number, SlotRecords<Op>>();
  const promises: MultiPromise<Op>[] = [];
  const slots = new Set<number>();
  for (const m of s.messages) {
    if (m.type === 'promise') promises.push(m);
    if (m.type !== 'accept' && m.type !== 'accepted') continue;
    const r = records.get(m.slot) ?? new SlotRecords<Op>();
    records.set(m.slot, r);
    if (m.type === 'accept') r.addAccept(m.from, m.ballot, m.value);
    else r.addVote(m.from, m.ballot, m.value);
    slots.add(m.slot);
  }
  for (const n of s.nodes) for (let slot = 0; slot < n.log.size; slot += 1) if (vec.get(n.log, slot) !== undefined) slots.add(slot);
  const out: Violation[] = [];
  for (const slot of [...slots].sort((a, b) => a - b)) {
    out.push(...checkSlot(view(slot, s.quorums, s.nodes, records.get(slot), promises, requested)));
  }
  for (const v of [logPrefixAgreement(s.nodes), ackImpliesChosen(s)]) if (v !== null) out.push(v);
  return out;
}

/**
 * The same invariants, checked incrementally: feed it every request, message (sent or local)
 * and acknowledgement as they happen, then call `check` with the replicas after each step.
 * It re-checks only the slots the step touched, so a run of thousands of steps stays cheap.
 */
export class LogMonitor<Op> {
  private readonly records = new Map<number, SlotRecords<Op>>();
  private readonly promises: MultiPromise<Op>[] = [];
  private readonly requested = new Set<string>();
  private readonly tallies = new Map<string, Set<NodeId>>();
  /** Command keys in slots chosen by votes. */
  private readonly chosen = new Set<string>();
  private readonly chosenSlots = new Map<number, Entry<Op>>();
  /** The applied log as the first replica to apply each slot applied it. */
  private readonly reference = new Map<number, { value: Entry<Op>; text: string; owner: NodeId }>();
  private readonly applied = new Map<NodeId, number>();
  /** With compaction: the applied state at each commit point, as the first replica there held it. */
  private readonly states = new Map<number, { text: string; owner: NodeId }>();
  private dirty = new Set<number>();
  private readonly pending: Violation[] = [];

  constructor(readonly quorums: QuorumSystem) {}

  request(command: Command<Op>): void {
    this.requested.add(commandKey(command));
  }

  message(m: MultiMessage<Op>): void {
    switch (m.type) {
      case 'promise':
        this.promises.push(m);
        for (const e of m.entries) this.dirty.add(e.slot);
        return;
      case 'accept':
        if (this.slot(m.slot).addAccept(m.from, m.ballot, m.value)) this.dirty.add(m.slot);
        return;
      case 'accepted':
        if (!this.slot(m.slot).addVote(m.from, m.ballot, m.value)) return;
        this.dirty.add(m.slot);
        this.tally(m.slot, m.from, m.ballot, m.value);
        return;
      default:
        return;
    }
  }

  /** A client was told "done": AckImpliesChosen is checked at once. */
  ack(a: Ack): void {
    if (!this.chosen.has(commandKey(a))) this.pending.push(ackViolation(a));
  }

  /** Is this command in a slot chosen by a quorum of votes? */
  isChosen(command: { readonly client: string; readonly seq: number }): boolean {
    return this.chosen.has(commandKey(command));
  }

  /** Client commands in slots chosen by a quorum of votes so far. */
  chosenCommandCount(): number {
    return this.chosen.size;
  }

  /** Slots chosen by a quorum of votes so far. */
  chosenCount(): number {
    return this.chosenSlots.size;
  }

  /** Every violation since the last check, given the replicas after the step. */
  check(nodes: readonly ReplicaView<Op>[]): Violation[] {
    const out = this.pending.splice(0);
    for (const n of nodes) {
      const before = this.applied.get(n.id) ?? 0;
      if (n.commit < before) out.push(shrank(n.id, before, n.commit));
      for (let slot = Math.min(before, n.commit); slot < n.commit; slot += 1) {
        this.dirty.add(slot);
        const value = vec.get(n.log, slot);
        if (value === undefined) continue;
        const ref = this.reference.get(slot);
        const text = key(value);
        if (ref === undefined) this.reference.set(slot, { value, text, owner: n.id });
        else if (ref.text !== text) out.push(prefixViolation(n.id, slot, value, ref.value, ref.owner));
      }
      this.applied.set(n.id, Math.max(before, n.commit));
      if (n.applied !== undefined && n.commit !== before) {
        const ref = this.states.get(n.commit);
        if (ref === undefined) this.states.set(n.commit, { text: n.applied, owner: n.id });
        else if (ref.text !== n.applied) out.push(appliedViolation(n.id, ref.owner, n.commit));
      }
    }
    const dirty = this.dirty;
    this.dirty = new Set();
    for (const slot of dirty) {
      out.push(...checkSlot(view(slot, this.quorums, nodes, this.records.get(slot), this.promises, this.requested)));
    }
    return out;
  }

  private slot(slot: number): SlotRecords<Op> {
    let r = this.records.get(slot);
    if (r === undefined) {
      r = new SlotRecords<Op>();
      this.records.set(slot, r);
    }
    return r;
  }

  private tally(slot: number, from: NodeId, ballot: Ballot, value: Entry<Op>): void {
    const k = `${slot}|${ballots.format(ballot)}|${key(value)}`;
    const voters = this.tallies.get(k) ?? new Set<NodeId>();
    voters.add(from);
    this.tallies.set(k, voters);
    if (voters.size < this.quorums.phase2 || this.chosenSlots.has(slot)) return;
    this.chosenSlots.set(slot, value);
    if (value.kind === 'batch') for (const c of value.commands) this.chosen.add(commandKey(c));
  }
}
