/**
 * Multi-Paxos with a stable leader ("Paxos Made Simple", section 3), as one pure step function.
 *
 * Every node plays every role: acceptor, proposer (leader) and learner, over a log of slots.
 *
 * Acceptor. One promised ballot covers every slot (Paxos.tla's maxBal, shared), and each slot
 * keeps its own vote (maxVBal and maxVal per slot). A prepare names the first slot it covers;
 * the promise reports every vote the acceptor cast from there on. Both the promise and every
 * vote are persisted before the reply that depends on them leaves the node.
 *
 * Leader. A node whose election timer runs out becomes a candidate: it picks a ballot above
 * every ballot it has seen and runs phase 1 once, "for infinitely many instances", from its
 * first unchosen slot. With promises from a phase-1 quorum it merges them slot by slot: the
 * vote with the highest ballot wins (P2c, per slot); a slot nobody reported is a hole and gets
 * a no-op. It re-proposes every merged slot in its own ballot, then runs phase 2 alone for
 * each new command: in steady state there are no prepares at all, only accept and accepted.
 * Up to `window` slots are in flight at once (pipelining) and a slot carries up to `batch`
 * client commands (batching).
 *
 * Learner. A slot is chosen when a phase-2 quorum accepted it in one ballot; the leader counts
 * the acceptances and learns first. Its commit point (every slot below it is chosen) rides on
 * its next accept or heartbeat; a follower that voted for a slot in the leader's ballot learns
 * that slot from the commit point, and asks the leader (`catchup`) for any slot below it that
 * it cannot learn that way. Chosen slots are persisted, then applied in log order to the
 * replicated state machine, behind client sessions (lib/machine/replica.ts).
 *
 * Time. Logical: `timeout` is one tick. The leader sends heartbeats every `heartbeat` ticks
 * (retransmitting the accepts a follower has not acknowledged); a follower that hears nothing
 * from a leader for its election timeout (drawn at random in [T, 2T) from the seeded generator
 * kept in its state) campaigns. Any ballot above a node's own makes a leader or candidate step
 * down at once; a deposed leader never acknowledges its in-flight commands, it tells those
 * clients to retry, and the client sessions make the retry safe.
 */
import type { Protocol } from '../core/protocol';
import * as ballots from '../paxos/ballot';
import type { Ballot } from '../paxos/ballot';
import type { Vote } from '../paxos/messages';
import type { QuorumSystem } from '../paxos/quorum';
import type { NodeId, Step } from '../core/types';
import { assertNever, ignore, invariant } from '../core/types';
import type { Reply } from '../machine/command';
import type { Replica, StateMachine } from '../machine/replica';
import { applyBatch, cachedResult, initReplica } from '../machine/replica';
import type { Catchup, Entry, Heartbeat, Learn, MultiAccept, MultiAccepted, MultiMessage, MultiMessageType, MultiPrepare, MultiPromise, MultiRejected, SlotVote } from './messages';
import type { Command } from '../machine/command';
import { NOOP } from './messages';
import { drawBetween, seedFor } from '../core/random';
import type { LeaderPolicy, LogPosition } from '../raft/policy';
import { EMPTY_POSITION, PAXOS, atLeastAsUpToDate, commitsByCount, logMatches, restrictsVotes, stampTerm, termOf, usesTerms } from '../raft/policy';
import type { Vector } from '../core/vector';
import * as vec from '../core/vector';

export interface MultiPaxosConfig<S, Op, R> {
  /** Every node is an acceptor, a potential leader and a learner. */
  readonly quorums: QuorumSystem;
  readonly machine: StateMachine<S, Op, R>;
  /** Slots in flight at once (pipelining); >= 1. */
  readonly window: number;
  /** Client commands per slot; 1 turns batching off. */
  readonly batch: number;
  /** Ticks between a leader's heartbeats (and retransmissions). */
  readonly heartbeat: number;
  /** Base election timeout in ticks; each timeout is drawn from [T, 2T). */
  readonly electionTimeout: number;
  /** Seeds each node's election-timeout generator (with its node id). */
  readonly seed: number;
  /** Rounds already used before this run; the first ballot is round startRound + 1. */
  readonly startRound?: number;
  /** Most chosen values sent in one `learn`. */
  readonly catchupLimit?: number;
  /** Paxos's leader rules (the default) or Raft's (lib/raft/policy.ts). */
  readonly policy?: LeaderPolicy;
}

export type Role = 'follower' | 'candidate' | 'leader';

/** A slot the leader proposed in its ballot and has not yet seen chosen. */
export interface InFlight<Op> {
  readonly slot: number;
  readonly value: Entry<Op>;
  /** Acceptors that accepted it in the leader's ballot, the leader included, once each. */
  readonly acks: readonly NodeId[];
}

/** The stages of the seed lesson, in commands (not slots), plus elections and messages. */
export interface Counters {
  readonly proposed: number;
  readonly quorumAcknowledged: number;
  readonly committed: number;
  readonly applied: number;
  readonly electionsStarted: number;
  readonly electionsWon: number;
  readonly ballotChanges: number;
  readonly sent: Readonly<Record<MultiMessageType, number>>;
}

export interface MultiNodeState<S, Op, R> {
  readonly id: NodeId;
  readonly role: Role;
  // Acceptor (durable).
  /** maxBal for every slot. Never decreases (except through a mutant that forgets it). */
  readonly promised: Ballot;
  /** maxVBal and maxVal, per slot. Every vote's ballot <= promised. */
  readonly votes: Vector<Vote<Entry<Op>>>;
  // Learner (durable log, volatile application state rebuilt from it).
  /** Chosen values; a hole is a slot not yet known chosen. */
  readonly log: Vector<Entry<Op>>;
  /** Every slot below `commit` is known chosen and applied: commit == applied. */
  readonly commit: number;
  readonly replica: Replica<S, R>;
  // Proposer and leader (volatile).
  /** The ballot this node leads or campaigns with; ZERO before its first campaign. */
  readonly ballot: Ballot;
  /** The highest ballot seen in any message. */
  readonly highest: Ballot;
  /** Who this node believes leads (0 if nobody known). */
  readonly leader: NodeId;
  /** Candidate: the first slot its prepare covers, and the promises gathered, one per acceptor. */
  readonly prepareSlot: number;
  readonly promises: readonly { readonly from: NodeId; readonly entries: readonly SlotVote<Op>[] }[];
  /** Leader: slots in flight, oldest first; the next free slot; commands not yet in a slot. */
  readonly inflight: readonly InFlight<Op>[];
  readonly next: number;
  readonly queue: Vector<Command<Op>>;
  readonly queueHead: number;
  // Time (volatile).
  /** Ticks since the leader was last heard (follower, candidate) or since the last broadcast (leader). */
  readonly elapsed: number;
  /** The election timeout drawn for this term of waiting. */
  readonly timeoutAt: number;
  /** The generator's state (random.ts). */
  readonly rng: number;
  /** The slot a catch-up was last asked from, until the next tick; -1 for none. */
  readonly asked: number;
  readonly counters: Counters;
}

/** What survives a crash: the acceptor's promise and votes, and the chosen log. */
export interface MultiRecord<Op> {
  readonly promised: Ballot;
  readonly votes: Vector<Vote<Entry<Op>>>;
  readonly log: Vector<Entry<Op>>;
}


export type MultiEffect<Op, R> =
  | { readonly type: 'send'; readonly message: MultiMessage<Op> }
  /** A node's own promise or vote, handled inside the step without the network. */
  | { readonly type: 'local'; readonly message: MultiPromise<Op> | MultiAccepted<Op> }
  | { readonly type: 'persist'; readonly record: MultiRecord<Op> }
  | {
      readonly type: 'stage';
      readonly stage: 'proposed' | 'quorum-acknowledged';
      readonly slot: number;
      readonly ballot: Ballot;
      readonly value: Entry<Op>;
    }
  | { readonly type: 'chosen'; readonly slot: number; readonly value: Entry<Op> }
  /** The slot was applied to the state machine, in log order (`commands` newly applied ones). */
  | { readonly type: 'applied'; readonly slot: number; readonly commands: number }
  | { readonly type: 'reply'; readonly node: NodeId; readonly client: string; readonly seq: number; readonly reply: Reply<R> };

export type MultiStep<S, Op, R> = Step<MultiNodeState<S, Op, R>, MultiEffect<Op, R>>;

/**
 * The handlers a node runs. `realHandlers` is the paper; the bug zoo (lib/zoo/multipaxos.ts)
 * wraps them, so a broken variant runs through the same code as the real one.
 */
export interface Handlers<S, Op, R> {
  deliver(config: MultiPaxosConfig<S, Op, R>, state: MultiNodeState<S, Op, R>, m: MultiMessage<Op>): MultiStep<S, Op, R>;
  timeout(config: MultiPaxosConfig<S, Op, R>, state: MultiNodeState<S, Op, R>): MultiStep<S, Op, R>;
  request(config: MultiPaxosConfig<S, Op, R>, state: MultiNodeState<S, Op, R>, c: Command<Op>): MultiStep<S, Op, R>;
}

/** The leader's promise merge: the value for each slot from `from` up to the last one reported. */
export type Merge<Op> = (promises: readonly { readonly entries: readonly SlotVote<Op>[] }[], from: number) => Entry<Op>[];

const ZERO_SENT: Readonly<Record<MultiMessageType, number>> = {
  prepare: 0,
  promise: 0,
  accept: 0,
  accepted: 0,
  rejected: 0,
  heartbeat: 0,
  catchup: 0,
  learn: 0,
};

const ZERO_COUNTERS: Counters = {
  proposed: 0,
  quorumAcknowledged: 0,
  committed: 0,
  applied: 0,
  electionsStarted: 0,
  electionsWon: 0,
  ballotChanges: 0,
  sent: ZERO_SENT,
};

/** Checks a configuration; returns the reason it is unusable, or null. */
export function configProblem(config: MultiPaxosConfig<unknown, unknown, unknown>): string | null {
  if (!Number.isInteger(config.window) || config.window < 1) return `window must be a whole number >= 1, got ${config.window}`;
  if (!Number.isInteger(config.batch) || config.batch < 1) return `batch must be a whole number >= 1, got ${config.batch}`;
  if (!Number.isInteger(config.heartbeat) || config.heartbeat < 1) return `heartbeat must be >= 1 tick, got ${config.heartbeat}`;
  if (!Number.isInteger(config.electionTimeout) || config.electionTimeout <= config.heartbeat) {
    return `the election timeout (${config.electionTimeout}) must be a whole number of ticks above the heartbeat (${config.heartbeat})`;
  }
  if (config.quorums.acceptors.some((id) => !Number.isInteger(id) || id < 1)) return 'node ids are whole numbers >= 1';
  return null;
}

export function initMultiNode<S, Op, R>(config: MultiPaxosConfig<S, Op, R>, id: NodeId): MultiNodeState<S, Op, R> {
  const start = ballots.of(config.startRound ?? 0, 0);
  const draw = drawBetween(seedFor(config.seed, id), config.electionTimeout, 2 * config.electionTimeout - 1);
  return {
    id,
    role: 'follower',
    promised: ballots.ZERO,
    votes: vec.emptyVector(),
    log: vec.emptyVector(),
    commit: 0,
    replica: initReplica(config.machine),
    ballot: ballots.ZERO,
    highest: start,
    leader: 0,
    prepareSlot: 0,
    promises: [],
    inflight: [],
    next: 0,
    queue: vec.emptyVector(),
    queueHead: 0,
    elapsed: 0,
    timeoutAt: draw.value,
    rng: draw.state,
    asked: -1,
    counters: ZERO_COUNTERS,
  };
}

/** A node after a crash: its promise, votes and chosen log, with the log replayed into the machine. */
export function recoverMultiNode<S, Op, R>(
  config: MultiPaxosConfig<S, Op, R>,
  id: NodeId,
  record: MultiRecord<Op> | undefined,
): MultiNodeState<S, Op, R> {
  const fresh = initMultiNode(config, id);
  if (record === undefined) return fresh;
  const b = new Builder(config, {
    ...fresh,
    promised: record.promised,
    votes: record.votes,
    log: record.log,
    highest: ballots.max(fresh.highest, record.promised),
    rng: (fresh.rng ^ Math.imul(record.promised.round + 1, 0x9e3779b9)) >>> 0,
  });
  b.advanceCommit();
  return { ...b.s, counters: ZERO_COUNTERS };
}

export function record<S, Op, R>(s: MultiNodeState<S, Op, R>): MultiRecord<Op> {
  return { promised: s.promised, votes: s.votes, log: s.log };
}

/**
 * One step under construction: the state so far and the effects so far. Local to a handler
 * call (never shared between steps), so the step as a whole stays a pure function.
 */
class Builder<S, Op, R> {
  readonly effects: MultiEffect<Op, R>[] = [];
  private durable = false;

  constructor(
    readonly config: MultiPaxosConfig<S, Op, R>,
    public s: MultiNodeState<S, Op, R>,
  ) {}

  /** True once `s` is a copy made by this builder, so later patches may write it in place. */
  private owned = false;

  /**
   * Patches the state. The first patch copies the state it was given; later ones write into
   * that copy, which nothing outside this step has seen: the input state is never changed.
   */
  update(patch: Partial<MultiNodeState<S, Op, R>>): void {
    if (this.owned) {
      Object.assign(this.s as { -readonly [K in keyof MultiNodeState<S, Op, R>]: MultiNodeState<S, Op, R>[K] }, patch);
      return;
    }
    this.s = { ...this.s, ...patch };
    this.owned = true;
  }

  send(message: MultiMessage<Op>): void {
    this.effects.push({ type: 'send', message });
  }

  /** Sends to every other node the message `make` builds for it (none where it builds null). */
  broadcast(make: (to: NodeId) => MultiMessage<Op> | null): void {
    for (const to of this.config.quorums.acceptors) {
      if (to === this.s.id) continue;
      const m = make(to);
      if (m !== null) this.send(m);
    }
  }

  emit(effect: MultiEffect<Op, R>): void {
    this.effects.push(effect);
  }

  markDurable(): void {
    this.durable = true;
  }

  /** Raises the promise (maxBal); counted as a ballot change. */
  promise(ballot: Ballot): void {
    if (!ballots.less(this.s.promised, ballot)) return;
    this.update({ promised: ballot, highest: ballots.max(this.s.highest, ballot), counters: { ...this.s.counters, ballotChanges: this.s.counters.ballotChanges + 1 } });
    this.durable = true;
  }

  vote(slot: number, ballot: Ballot, value: Entry<Op>): void {
    invariant(!ballots.less(ballot, this.s.promised), `a vote in ${ballots.format(ballot)} below the promise ${ballots.format(this.s.promised)}`);
    this.update({ votes: vec.set(this.s.votes, slot, { ballot, value }) });
    this.durable = true;
  }

  /** Learns that `slot` is chosen with `value`; applies every newly contiguous slot. */
  learn(slot: number, value: Entry<Op>): void {
    if (slot < this.s.commit || vec.get(this.s.log, slot) !== undefined) return;
    const commands = value.kind === 'batch' ? value.commands.length : 0;
    this.update({ log: vec.set(this.s.log, slot, value), counters: { ...this.s.counters, committed: this.s.counters.committed + commands } });
    this.durable = true;
    this.emit({ type: 'chosen', slot, value });
    this.advanceCommit();
  }

  /** Applies chosen slots in log order from the commit point; the leader replies to clients. */
  advanceCommit(): void {
    let { commit, replica } = this.s;
    let applied = 0;
    for (let entry = vec.get(this.s.log, commit); entry !== undefined; entry = vec.get(this.s.log, commit)) {
      const appliedBefore = applied;
      if (entry.kind === 'batch') {
        const batch = applyBatch(this.config.machine, replica, entry.commands);
        replica = batch.replica;
        batch.applied.forEach((outcome, i) => {
          if (outcome.outcome === 'applied') applied += 1;
          if (this.s.role !== 'leader' || outcome.outcome === 'stale') return;
          const command = entry.commands[i]!;
          const reply: Reply<R> = { status: 'ok', result: outcome.result };
          this.emit({ type: 'reply', node: this.s.id, client: command.client, seq: command.seq, reply });
        });
      }
      this.emit({ type: 'applied', slot: commit, commands: applied - appliedBefore });
      commit += 1;
    }
    if (commit === this.s.commit) return;
    this.update({ commit, replica, counters: { ...this.s.counters, applied: this.s.counters.applied + applied } });
  }

  /** A ballot above this node's own ends its leadership or candidacy ("abandon", section 2.3). */
  observe(ballot: Ballot, from: NodeId): void {
    if (ballots.less(this.s.highest, ballot)) this.update({ highest: ballot });
    if (this.s.role !== 'follower' && ballots.less(this.s.ballot, ballot)) this.stepDown(ballot.node === 0 ? from : ballot.node);
  }

  /** Leadership ends: every command in flight or queued is handed back to its client, unacknowledged. */
  stepDown(leader: NodeId): void {
    const hint = leader === this.s.id ? 0 : leader;
    for (const p of this.s.inflight) {
      if (p.value.kind !== 'batch') continue;
      for (const c of p.value.commands) {
        this.emit({ type: 'reply', node: this.s.id, client: c.client, seq: c.seq, reply: { status: 'indeterminate', leader: hint } });
      }
    }
    for (const c of vec.range(this.s.queue, this.s.queueHead)) {
      if (c !== undefined) this.emit({ type: 'reply', node: this.s.id, client: c.client, seq: c.seq, reply: { status: 'redirect', leader: hint } });
    }
    this.update({ role: 'follower', leader: hint, promises: [], inflight: [], queue: vec.emptyVector(), queueHead: 0, elapsed: 0 });
  }

  /**
   * Phase 2a for one slot in the leader's ballot (Paxos.tla Phase2a): its own vote first
   * (Phase2b at itself, persisted), then the accepts, each carrying the commit point.
   */
  propose(slot: number, proposed: Entry<Op>): void {
    const { ballot, id } = this.s;
    const value = stampTerm(policyOf(this.config), proposed, ballot);
    this.emit({ type: 'stage', stage: 'proposed', slot, ballot, value });
    this.vote(slot, ballot, value);
    this.emit({ type: 'local', message: { type: 'accepted', from: id, to: id, ballot, slot, value } });
    const commands = value.kind === 'batch' ? value.commands.length : 0;
    this.update({
      inflight: [...this.s.inflight, { slot, value, acks: [id] }],
      counters: { ...this.s.counters, proposed: this.s.counters.proposed + commands },
      elapsed: 0,
    });
    const commit = this.s.commit;
    const extra = raftAcceptFields(this.config, this.s, slot);
    this.broadcast((to) => ({ type: 'accept', from: id, to, ballot, slot, value, commit, ...extra }));
    this.countAck(slot, id);
  }

  /** Counts one acceptance in the leader's ballot; a phase-2 quorum chooses the slot. */
  countAck(slot: number, from: NodeId): string | null {
    const index = this.s.inflight.findIndex((p) => p.slot === slot);
    const p = this.s.inflight[index];
    if (p === undefined) return `slot ${slot} is not in flight (already chosen, or never proposed here)`;
    const acks = p.acks.includes(from) ? p.acks : [...p.acks, from];
    const policy = policyOf(this.config);
    if (acks.length < this.config.quorums.phase2 || !commitsByCount(policy, p.value, this.s.ballot)) {
      if (acks !== p.acks) this.update({ inflight: this.s.inflight.map((q, i) => (i === index ? { ...q, acks } : q)) });
      return acks === p.acks ? `duplicate accepted from ${from} for slot ${slot}` : null;
    }
    // Raft (section 5.4.2): an entry of the current term commits every entry before it.
    const done = this.s.inflight.filter((q) => q.slot === slot || (policy.commit === 'current-term-only' && q.slot < slot));
    for (const q of done) {
      const commands = q.value.kind === 'batch' ? q.value.commands.length : 0;
      this.update({
        inflight: this.s.inflight.filter((x) => x.slot !== q.slot),
        counters: { ...this.s.counters, quorumAcknowledged: this.s.counters.quorumAcknowledged + commands },
      });
      this.emit({ type: 'stage', stage: 'quorum-acknowledged', slot: q.slot, ballot: this.s.ballot, value: q.value });
      this.learn(q.slot, q.value);
    }
    return null;
  }

  /** Proposes queued commands while the window has room, `batch` commands per slot. */
  fill(): void {
    while (this.s.role === 'leader' && this.s.inflight.length < this.config.window && this.s.queueHead < this.s.queue.size) {
      const end = Math.min(this.s.queue.size, this.s.queueHead + this.config.batch);
      const commands = vec.range(this.s.queue, this.s.queueHead, end).filter((c): c is Command<Op> => c !== undefined);
      const slot = this.s.next;
      this.update({ ...compactQueue(this.s.queue, end), next: slot + 1 });
      this.propose(slot, { kind: 'batch', commands });
    }
  }

  /** Learns every slot below the leader's commit point that this node voted for in the leader's ballot. */
  learnFromCommit(ballot: Ballot, commit: number, leader: NodeId): void {
    const limit = Math.min(commit, this.s.commit + 4096);
    for (let slot = this.s.commit; slot < limit; slot += 1) {
      const vote = vec.get(this.s.votes, slot);
      if (vote !== undefined && ballots.equals(vote.ballot, ballot)) this.learn(slot, vote.value);
    }
    if (this.s.commit < commit && this.s.asked !== this.s.commit) {
      this.send({ type: 'catchup', from: this.s.id, to: leader, ballot, slot: this.s.commit });
      this.update({ asked: this.s.commit });
    }
  }

  /** Hears from the leader of `ballot`: it is alive, so the election timer starts over. */
  heardLeader(leader: NodeId): void {
    if (this.s.role === 'follower') this.update({ leader, elapsed: 0 });
  }

  finish(ignored?: string): MultiStep<S, Op, R> {
    let sent: Record<MultiMessageType, number> | null = null;
    for (const e of this.effects) {
      if (e.type !== 'send') continue;
      sent ??= { ...this.s.counters.sent };
      sent[e.message.type] += 1;
    }
    if (sent !== null) this.update({ counters: { ...this.s.counters, sent } });
    // The persist goes first: the driver makes it durable before any send of this step leaves.
    if (this.durable) this.effects.unshift({ type: 'persist', record: record(this.s) });
    const { s: state, effects } = this;
    return ignored === undefined || effects.length > 0 ? { state, effects } : { state, effects, ignored };
  }
}

/**
 * The queue after taking everything below `head`: empty when drained; rebuilt from its
 * remainder once more than half of it is taken (so it stays shallow under constant load,
 * at an amortized constant cost per command); otherwise the same vector with a new head.
 */
function compactQueue<Op>(queue: Vector<Command<Op>>, head: number): { queue: Vector<Command<Op>>; queueHead: number } {
  if (head >= queue.size) return { queue: vec.emptyVector(), queueHead: 0 };
  if (head * 2 < queue.size) return { queue, queueHead: head };
  const rest = vec.range(queue, head).filter((c): c is Command<Op> => c !== undefined);
  return { queue: vec.fromArray(rest), queueHead: 0 };
}

// ---------------------------------------------------------------------------------------------
// Handlers.

/**
 * Phase 1a, once per leadership (section 3: the leader "executes phase 1 for infinitely many
 * instances"; Paxos.tla Phase1a): a ballot above every ballot seen, promised by this node's own
 * acceptor (persisted), sent as a prepare covering every slot from the first unchosen one.
 */
function campaign<S, Op, R>(b: Builder<S, Op, R>, merge: Merge<Op>): void {
  const s = b.s;
  const ballot = ballots.next(ballots.max(b.s.highest, b.s.promised), s.id);
  const draw = drawBetween(b.s.rng, b.config.electionTimeout, 2 * b.config.electionTimeout - 1);
  b.promise(ballot);
  const raft = restrictsVotes(policyOf(b.config));
  const entries = raft ? [] : ownVotes(b.s, b.s.commit);
  b.emit({ type: 'local', message: { type: 'promise', from: s.id, to: s.id, ballot, slot: b.s.commit, entries } });
  b.update({
    role: 'candidate',
    ballot,
    leader: 0,
    prepareSlot: b.s.commit,
    promises: [{ from: s.id, entries }],
    elapsed: 0,
    timeoutAt: draw.value,
    rng: draw.state,
    counters: { ...b.s.counters, electionsStarted: b.s.counters.electionsStarted + 1 },
  });
  const slot = b.s.commit;
  const last = lastPosition(b.s);
  b.broadcast((to) => (raft ? { type: 'prepare', from: s.id, to, ballot, slot, last } : { type: 'prepare', from: s.id, to, ballot, slot }));
  if (b.s.promises.length >= b.config.quorums.phase1) lead(b, merge);
}

function ownVotes<S, Op, R>(s: MultiNodeState<S, Op, R>, from: number): SlotVote<Op>[] {
  const entries: SlotVote<Op>[] = [];
  for (let slot = from; slot < s.votes.size; slot += 1) {
    const v = vec.get(s.votes, slot);
    if (v !== undefined) entries.push({ slot, ballot: v.ballot, value: v.value });
  }
  return entries;
}

/**
 * The promise merge (P2c, slot by slot): for each slot from `from` to the last one any promise
 * reported, the value voted in the highest ballot; a slot nobody voted in is a hole, and gets
 * a no-op.
 */
export function mergePromises<Op>(promises: readonly { readonly entries: readonly SlotVote<Op>[] }[], from: number): Entry<Op>[] {
  const best: (SlotVote<Op> | undefined)[] = [];
  for (const p of promises) {
    for (const e of p.entries) {
      if (e.slot < from) continue;
      const current = best[e.slot - from];
      if (current === undefined || ballots.less(current.ballot, e.ballot)) best[e.slot - from] = e;
    }
  }
  const values: Entry<Op>[] = [];
  for (let i = 0; i < best.length; i += 1) values.push(best[i]?.value ?? NOOP);
  return values;
}

/**
 * A phase-1 quorum promised (section 3: the leader "can then execute phase 2 for instances ...
 * for which it has learned the value", and fills the gaps "with a special no-op command"):
 * re-propose every merged slot in this ballot (Paxos.tla Phase2a), then serve new commands.
 */
function lead<S, Op, R>(b: Builder<S, Op, R>, merge: Merge<Op>): void {
  const raft = restrictsVotes(policyOf(b.config));
  const merged = raft ? ownLog(b.s, b.s.prepareSlot) : merge(b.s.promises, b.s.prepareSlot);
  const first = b.s.prepareSlot;
  b.update({
    role: 'leader',
    leader: b.s.id,
    promises: [],
    inflight: [],
    next: Math.max(b.s.commit, first + merged.length),
    elapsed: 0,
    counters: { ...b.s.counters, electionsWon: b.s.counters.electionsWon + 1 },
  });
  merged.forEach((value, i) => {
    if (first + i >= b.s.commit) b.propose(first + i, value);
  });
  if (raft) {
    // Raft section 8: a no-op of the leader's own term, whose commit commits everything before it.
    const slot = b.s.next;
    b.update({ next: slot + 1 });
    b.propose(slot, NOOP);
  }
  b.fill();
}

/**
 * Phase 1b (Paxos.tla Phase1b, `m.bal > maxBal[a]`): promise every slot from the prepare's
 * first slot, reporting the votes cast there; persisted before the promise is sent.
 */
function onPrepare<S, Op, R>(b: Builder<S, Op, R>, m: MultiPrepare): string | undefined {
  const order = ballots.compare(m.ballot, b.s.promised);
  if (order === 0) return `duplicate prepare for ballot ${ballots.format(m.ballot)}`;
  if (order < 0) {
    b.send({ type: 'rejected', from: b.s.id, to: m.from, ballot: m.ballot, slot: m.slot, promised: b.s.promised });
    return undefined;
  }
  b.observe(m.ballot, m.from);
  const raft = restrictsVotes(policyOf(b.config));
  const own = lastPosition(b.s);
  if (raft && !atLeastAsUpToDate(m.last ?? EMPTY_POSITION, own)) {
    return `candidate ${m.from}'s log (last ${formatPosition(m.last ?? EMPTY_POSITION)}) is less up to date than this one (last ${formatPosition(own)})`;
  }
  b.promise(m.ballot);
  b.update({ leader: m.ballot.node, elapsed: 0 });
  b.send({ type: 'promise', from: b.s.id, to: m.from, ballot: m.ballot, slot: m.slot, entries: raft ? [] : ownVotes(b.s, m.slot) });
  return undefined;
}

/**
 * The candidate counts one promise per acceptor (section 3: "the leader ... receives responses
 * from a majority"); with a phase-1 quorum it leads, and its first act is Paxos.tla's Phase2a
 * for every slot the promises reported (`lead`).
 */
function onPromise<S, Op, R>(b: Builder<S, Op, R>, m: MultiPromise<Op>, merge: Merge<Op>): string | undefined {
  if (b.s.role !== 'candidate') return `promise for ${ballots.format(m.ballot)}, but this node is a ${b.s.role}`;
  if (!ballots.equals(m.ballot, b.s.ballot)) return `stale promise for ballot ${ballots.format(m.ballot)}, campaigning with ${ballots.format(b.s.ballot)}`;
  if (b.s.promises.some((p) => p.from === m.from)) return `duplicate promise from ${m.from}`;
  b.update({ promises: [...b.s.promises, { from: m.from, entries: m.entries }] });
  if (b.s.promises.length >= b.config.quorums.phase1) lead(b, merge);
  return undefined;
}

/**
 * Phase 2b (Paxos.tla Phase2b, `m.bal >= maxBal[a]`): accept unless a higher ballot was
 * promised; the vote is persisted before the acceptance is sent. The commit point the accept
 * carries teaches this node which slots are chosen.
 */
function onAccept<S, Op, R>(b: Builder<S, Op, R>, m: MultiAccept<Op>): string | undefined {
  if (ballots.less(m.ballot, b.s.promised)) {
    b.send({ type: 'rejected', from: b.s.id, to: m.from, ballot: m.ballot, slot: m.slot, promised: b.s.promised });
    return undefined;
  }
  b.observe(m.ballot, m.from);
  if (b.s.role !== 'follower') return `accept for ${ballots.format(m.ballot)} at a ${b.s.role} of the same ballot`;
  b.promise(m.ballot);
  const mismatch = usesTerms(policyOf(b.config)) ? raftAppend(b, m) : null;
  if (mismatch !== null) {
    b.heardLeader(m.from);
    return mismatch;
  }
  b.vote(m.slot, m.ballot, m.value);
  b.send({ type: 'accepted', from: b.s.id, to: m.from, ballot: m.ballot, slot: m.slot, value: m.value });
  b.heardLeader(m.from);
  b.learnFromCommit(m.ballot, m.commit, m.from);
  return undefined;
}

/**
 * The leader learns (section 2.3: "a learner must find out that a proposal has been accepted by
 * a majority of acceptors"; Voting.tla's `chosen`): it counts acceptances of its own ballot, one
 * per acceptor, and a phase-2 quorum chooses the slot.
 */
function onAccepted<S, Op, R>(b: Builder<S, Op, R>, m: MultiAccepted<Op>): string | undefined {
  if (b.s.role !== 'leader') return `accepted for slot ${m.slot}, but this node is a ${b.s.role}`;
  if (!ballots.equals(m.ballot, b.s.ballot)) return `stale accepted for ballot ${ballots.format(m.ballot)}, leading ${ballots.format(b.s.ballot)}`;
  const reason = b.countAck(m.slot, m.from);
  if (reason !== null) return reason;
  b.fill();
  return undefined;
}

/**
 * A higher promise refused this node's ballot: a leader or candidate abandons it (section 2.3,
 * "the acceptor ... should inform the proposer, who should then abandon its proposal").
 */
function onRejected<S, Op, R>(b: Builder<S, Op, R>, m: MultiRejected): string | undefined {
  if (!ballots.less(b.s.highest, m.promised) && !ballots.less(b.s.ballot, m.promised)) {
    return `stale rejection: ${ballots.format(m.promised)} is not above ${ballots.format(b.s.ballot)}`;
  }
  b.observe(m.promised, m.promised.node);
  return undefined;
}

/**
 * The leader is alive; its commit point says which slots are chosen (section 3's learners,
 * told by the leader). A heartbeat below this acceptor's promise is a stale leader's: the
 * rejection fences it (Paxos.tla's guard `m.bal >= maxBal[a]`, applied to leadership).
 */
function onHeartbeat<S, Op, R>(b: Builder<S, Op, R>, m: Heartbeat): string | undefined {
  if (ballots.less(m.ballot, b.s.promised)) {
    b.send({ type: 'rejected', from: b.s.id, to: m.from, ballot: m.ballot, slot: m.commit, promised: b.s.promised });
    return undefined;
  }
  b.observe(m.ballot, m.from);
  if (b.s.role !== 'follower') return `heartbeat of ${ballots.format(m.ballot)} at a ${b.s.role} of the same ballot`;
  b.heardLeader(m.from);
  b.learnFromCommit(m.ballot, m.commit, m.from);
  return undefined;
}

/** The leader sends the chosen values a learner is missing (section 3: a server "that has not learned" a command asks). */
function onCatchup<S, Op, R>(b: Builder<S, Op, R>, m: Catchup): string | undefined {
  if (b.s.role !== 'leader') return `catch-up request, but this node is a ${b.s.role}`;
  if (m.slot >= b.s.commit) return `catch-up from slot ${m.slot}, which is not chosen here yet`;
  const end = Math.min(b.s.commit, m.slot + (b.config.catchupLimit ?? 64));
  const values = vec.range(b.s.log, m.slot, end).filter((v): v is Entry<Op> => v !== undefined);
  invariant(values.length === end - m.slot, 'every slot below the commit point is in the log');
  b.send({ type: 'learn', from: b.s.id, to: m.from, ballot: b.s.ballot, slot: m.slot, values, commit: b.s.commit });
  return undefined;
}

/** Chosen values from a leader: true whatever its ballot, so they are learned as they are. */
function onLearn<S, Op, R>(b: Builder<S, Op, R>, m: Learn<Op>): string | undefined {
  b.observe(m.ballot, m.from);
  if (b.s.role === 'leader') return 'a leader learns from its own quorum';
  const before = b.s.commit;
  m.values.forEach((value, i) => b.learn(m.slot + i, value));
  b.update({ asked: -1 });
  if (b.s.commit === before) return `nothing new in learn for slots ${m.slot}..${m.slot + m.values.length - 1}`;
  return undefined;
}

export function deliverMessage<S, Op, R>(
  config: MultiPaxosConfig<S, Op, R>,
  state: MultiNodeState<S, Op, R>,
  m: MultiMessage<Op>,
  merge: Merge<Op> = mergePromises,
): MultiStep<S, Op, R> {
  if (m.to !== state.id) return ignore(state, `message for node ${m.to} delivered to node ${state.id}`);
  const b = new Builder(config, state);
  let ignored: string | undefined;
  switch (m.type) {
    case 'prepare':
      ignored = onPrepare(b, m);
      break;
    case 'promise':
      ignored = onPromise(b, m, merge);
      break;
    case 'accept':
      ignored = onAccept(b, m);
      break;
    case 'accepted':
      ignored = onAccepted(b, m);
      break;
    case 'rejected':
      ignored = onRejected(b, m);
      break;
    case 'heartbeat':
      ignored = onHeartbeat(b, m);
      break;
    case 'catchup':
      ignored = onCatchup(b, m);
      break;
    case 'learn':
      ignored = onLearn(b, m);
      break;
    default:
      return assertNever(m, 'message');
  }
  return b.finish(ignored);
}

/**
 * One tick of logical time. A leader broadcasts a heartbeat every `heartbeat` ticks without
 * other traffic and retransmits each in-flight accept to the acceptors that have not
 * acknowledged it; a follower or candidate whose election timeout ran out campaigns.
 */
export function tick<S, Op, R>(
  config: MultiPaxosConfig<S, Op, R>,
  state: MultiNodeState<S, Op, R>,
  merge: Merge<Op> = mergePromises,
): MultiStep<S, Op, R> {
  const b = new Builder(config, { ...state, elapsed: state.elapsed + 1, asked: -1 });
  const s = b.s;
  switch (s.role) {
    case 'leader': {
      if (s.elapsed < config.heartbeat) return b.finish();
      const { id, ballot, commit } = s;
      const resent = new Set<NodeId>();
      for (const p of s.inflight) {
        for (const to of config.quorums.acceptors) {
          if (p.acks.includes(to)) continue;
          b.send({ type: 'accept', from: id, to, ballot, slot: p.slot, value: p.value, commit, ...raftAcceptFields(config, s, p.slot) });
          resent.add(to);
        }
      }
      b.broadcast((to) => (resent.has(to) ? null : { type: 'heartbeat', from: id, to, ballot, commit }));
      b.update({ elapsed: 0 });
      return b.finish();
    }
    case 'follower':
    case 'candidate':
      if (s.elapsed >= s.timeoutAt) campaign(b, merge);
      return b.finish();
    default:
      return assertNever(s.role, 'role');
  }
}

/** A client command. The leader queues and proposes it; any node answers a command it already applied. */
export function requestCommand<S, Op, R>(
  config: MultiPaxosConfig<S, Op, R>,
  state: MultiNodeState<S, Op, R>,
  command: Command<Op>,
): MultiStep<S, Op, R> {
  const b = new Builder(config, state);
  const cached = cachedResult(state.replica, command);
  if (cached !== null) {
    if (cached.outcome === 'stale') return ignore(state, `command ${command.client}#${command.seq} is older than the client's last`);
    b.emit({ type: 'reply', node: state.id, client: command.client, seq: command.seq, reply: { status: 'ok', result: cached.result } });
    return b.finish();
  }
  if (state.role !== 'leader') {
    b.emit({ type: 'reply', node: state.id, client: command.client, seq: command.seq, reply: { status: 'redirect', leader: state.leader } });
    return b.finish();
  }
  b.update({ queue: vec.set(state.queue, state.queue.size, command) });
  b.fill();
  return b.finish();
}

/** The handlers of the paper; `merge` is replaceable only so that the bug zoo can break it. */
export function realHandlers<S, Op, R>(merge: Merge<Op> = mergePromises): Handlers<S, Op, R> {
  return {
    deliver: (config, state, m) => deliverMessage(config, state, m, merge),
    timeout: (config, state) => tick(config, state, merge),
    request: requestCommand,
  };
}

/** Exposed for the bug zoo: learn a value as chosen in one step, whether or not it is. */
export function learnAsChosen<S, Op, R>(
  config: MultiPaxosConfig<S, Op, R>,
  state: MultiNodeState<S, Op, R>,
  slot: number,
  value: Entry<Op>,
): MultiStep<S, Op, R> {
  const b = new Builder(config, state);
  b.learn(slot, value);
  return b.finish();
}

/** The node's durable record after one effect. */
export function persistedRecord<Op, R>(
  durable: MultiRecord<Op> | undefined,
  effect: MultiEffect<Op, R>,
): MultiRecord<Op> | undefined {
  return effect.type === 'persist' ? effect.record : durable;
}

export type MultiPaxosProtocol<S, Op, R> = Protocol<
  MultiNodeState<S, Op, R>,
  MultiMessage<Op>,
  MultiEffect<Op, R>,
  MultiRecord<Op>,
  Command<Op>
>;

/** Multi-Paxos as a `Protocol`: the one interface every driver uses. */
export function multiPaxosProtocol<S, Op, R>(
  config: MultiPaxosConfig<S, Op, R>,
  handlers: Handlers<S, Op, R> = realHandlers(),
): MultiPaxosProtocol<S, Op, R> {
  const problem = configProblem(config);
  if (problem !== null) throw new Error(`synod: ${problem}`);
  return {
    name: 'multipaxos',
    nodes: [...config.quorums.acceptors].sort((a, x) => a - x),
    init: (id) => initMultiNode(config, id),
    recover: (id, durable) => recoverMultiNode(config, id, durable),
    deliver: (s, m) => handlers.deliver(config, s, m),
    timeout: (s) => handlers.timeout(config, s),
    request: (s, c) => handlers.request(config, s, c),
    sent: (e) => (e.type === 'send' ? e.message : null),
    persisted: persistedRecord,
  };
}

/** The message an effect puts on the wire or hands to the node itself (for invariant views), or null. */
export function observedMessage<Op, R>(e: MultiEffect<Op, R>): MultiMessage<Op> | null {
  return e.type === 'send' || e.type === 'local' ? e.message : null;
}

// ---------------------------------------------------------------------------------------------
// Hooks of the Raft leader policies (lib/raft/policy.ts); none of them runs under Paxos.

function policyOf(config: MultiPaxosConfig<unknown, unknown, unknown>): LeaderPolicy {
  return config.policy ?? PAXOS;
}

/** This node's entry at `slot`: the chosen one if learned, else its vote. */
function entryAt<S, Op, R>(s: MultiNodeState<S, Op, R>, slot: number): Entry<Op> | undefined {
  return vec.get(s.log, slot) ?? vec.get(s.votes, slot)?.value;
}

/** Raft's (lastLogIndex, lastLogTerm): the highest slot this node holds an entry for. */
function lastPosition<S, Op, R>(s: MultiNodeState<S, Op, R>): LogPosition {
  for (let slot = Math.max(s.log.size, s.votes.size) - 1; slot >= 0; slot -= 1) {
    const entry = entryAt(s, slot);
    if (entry !== undefined) return { slot, term: termOf(entry) };
  }
  return EMPTY_POSITION;
}

function formatPosition(p: LogPosition): string {
  return p.slot < 0 ? 'empty' : `slot ${p.slot}, term ${ballots.format(p.term)}`;
}

/** A Raft leader's own log from `from` to its last entry, terms kept (a hole, never expected, is a no-op). */
function ownLog<S, Op, R>(s: MultiNodeState<S, Op, R>, from: number): Entry<Op>[] {
  const out: Entry<Op>[] = [];
  for (let slot = from; slot <= lastPosition(s).slot; slot += 1) out.push(entryAt(s, slot) ?? NOOP);
  return out;
}

/** The `prev` an accept carries under Raft (AppendEntries' prevLogTerm); nothing under Paxos. */
function raftAcceptFields<S, Op, R>(config: MultiPaxosConfig<S, Op, R>, s: MultiNodeState<S, Op, R>, slot: number): { prev?: { term: Ballot } | null } {
  if (!usesTerms(policyOf(config))) return {};
  if (slot === 0) return { prev: null };
  const before = entryAt(s, slot - 1);
  invariant(before !== undefined, `a Raft leader proposes slot ${slot} without an entry at slot ${slot - 1}`);
  return { prev: { term: termOf(before) } };
}

/**
 * Raft's log matching on an accept: refuse unless this node holds the leader's entry before
 * the slot (the leader retransmits, and catch-up fills a committed gap); on a conflicting
 * term at the slot, delete this node's votes after it ("delete the existing entry and all
 * that follow it", section 5.3).
 */
function raftAppend<S, Op, R>(b: Builder<S, Op, R>, m: MultiAccept<Op>): string | null {
  const prev = m.prev ?? null;
  const before = m.slot === 0 ? undefined : entryAt(b.s, m.slot - 1);
  if (!logMatches(prev, before, m.slot - 1 < b.s.commit)) {
    return `log mismatch at slot ${m.slot - 1}: the leader's entry has term ${prev === null ? '-' : ballots.format(prev.term)}, this node's ${before === undefined ? 'nothing' : ballots.format(termOf(before))}`;
  }
  const existing = vec.get(b.s.votes, m.slot);
  if (existing !== undefined && !ballots.equals(termOf(existing.value), termOf(m.value)) && b.s.votes.size > m.slot + 1) {
    let votes = vec.emptyVector<Vote<Entry<Op>>>();
    for (let slot = 0; slot <= m.slot; slot += 1) {
      const v = vec.get(b.s.votes, slot);
      if (v !== undefined) votes = vec.set(votes, slot, v);
    }
    b.update({ votes });
    b.markDurable();
  }
  return null;
}
