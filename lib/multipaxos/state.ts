/**
 * The data of a Multi-Paxos node: its configuration, one record per role (acceptor, leader,
 * learner) plus its timer, the effects a step returns, and the durable record a crash keeps.
 * Everything here is plain data, so drivers can clone, compare, hash and encode it.
 */
import type { Ballot } from '../paxos/ballot';
import type { Vote } from '../paxos/messages';
import type { QuorumSystem } from '../paxos/quorum';
import type { NodeId, Step } from '../core/types';
import type { Command, Reply } from '../machine/command';
import type { Replica, StateMachine } from '../machine/replica';
import type { Vector } from '../core/vector';
import type { Entry, MultiAccepted, MultiMessage, MultiMessageType, MultiPromise, SlotVote, Snapshot } from './messages';

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
  /**
   * Log compaction: once this many slots past the last snapshot are applied, a node folds its
   * applied prefix into a snapshot and drops those log entries and votes (learner.ts
   * `compact`). Absent or 0: never.
   */
  readonly snapshotEvery?: number;
  /** Reads outside the log (read-index, leases, follower reads); without it every read is a log command. */
  readonly reads?: ReadsConfig<Op>;
  /**
   * How the leader's own acceptor votes for what the leader proposes (leader.ts `propose`).
   * `inline` (the default): in the step that proposes, so the vote is persisted before the
   * accepts leave and counts at once. `parallel`: the leader sends the accept to its own
   * acceptor like to any other ("Paxos Made Simple" section 2.2: the proposer sends its accept
   * requests to a set of acceptors), and counts its own acceptance only when the `accepted`
   * comes back, after the vote is durable; the accepts to the others leave at once, so a driver
   * writes the leader's vote to disk while the followers write theirs (Raft thesis 10.2.1).
   */
  readonly ownVote?: OwnVote;
}

export type OwnVote = 'inline' | 'parallel';
export const OWN_VOTES: readonly OwnVote[] = ['inline', 'parallel'];

/**
 * How a client asks to read (reads.ts). `log`: the read is a command in the log (the default);
 * `read-index`: the leader notes its commit point, confirms with one heartbeat round that a
 * quorum still accepts its ballot, and answers from its state machine once it applied up to the
 * noted point; `lease`: the leader answers at once while it holds a lease a quorum granted it;
 * `follower`: any node answers from what it has applied, which may be stale (labelled so).
 */
export type ReadMode = 'log' | 'read-index' | 'lease' | 'follower';

export const READ_MODES: readonly ReadMode[] = ['log', 'read-index', 'lease', 'follower'];

/** A client command, with the mode a read asks for (absent: `log`). */
export type ClientRequest<Op> = Command<Op> & { readonly read?: ReadMode };

export interface ReadsConfig<Op> {
  /** The operations that only read the state machine: only these are answered outside the log. */
  query(op: Op): boolean;
  /**
   * Leases. A follower that acknowledges a heartbeat round grants its leader `ticks` of its own
   * clock during which it supports no other leader (it promises no other candidate and does not
   * campaign); every clock ticks at a rate within 1 +/- `drift` of real time (the clock-drift
   * bound the lease rests on). The leader holds the lease for fewer ticks of its own clock,
   * shortened by the bound (reads.ts `leaseTicks`).
   */
  readonly lease?: { readonly ticks: number; readonly drift: number };
}

/** Checks a configuration; returns the reason it is unusable, or null. */
export function configProblem<S, Op, R>(config: MultiPaxosConfig<S, Op, R>): string | null {
  if (!Number.isInteger(config.window) || config.window < 1) return `window must be a whole number >= 1, got ${config.window}`;
  if (!Number.isInteger(config.batch) || config.batch < 1) return `batch must be a whole number >= 1, got ${config.batch}`;
  if (!Number.isInteger(config.heartbeat) || config.heartbeat < 1) return `heartbeat must be >= 1 tick, got ${config.heartbeat}`;
  if (!Number.isInteger(config.electionTimeout) || config.electionTimeout <= config.heartbeat) {
    return `the election timeout (${config.electionTimeout}) must be a whole number of ticks above the heartbeat (${config.heartbeat})`;
  }
  if (config.quorums.acceptors.some((id) => !Number.isInteger(id) || id < 1)) return 'node ids are whole numbers >= 1';
  const every = config.snapshotEvery ?? 0;
  if (!Number.isInteger(every) || every < 0) return `snapshotEvery must be a whole number of slots >= 0 (0: no compaction), got ${every}`;
  if (config.ownVote !== undefined && !OWN_VOTES.includes(config.ownVote)) return `ownVote must be one of ${OWN_VOTES.join(', ')}, got ${String(config.ownVote)}`;
  const lease = config.reads?.lease;
  if (lease !== undefined) {
    if (!(lease.drift >= 0 && lease.drift < 1)) return `the clock-drift bound must be from 0 to below 1, got ${lease.drift}`;
    if (!Number.isInteger(lease.ticks) || leaseTicks(lease) < 1) {
      return `a lease of ${lease.ticks} ticks leaves the leader no whole tick under a drift bound of ${lease.drift}: grant more ticks`;
    }
  }
  return null;
}

/**
 * How long a leader holds a lease, in ticks of its own clock, from the tick it started the
 * heartbeat round the quorum acknowledged. A follower's grant of L ticks of its clock lasts at
 * least (L - 1) / (1 + d) periods of real time from receipt (its first tick may come at once
 * after the heartbeat), and the leader's H ticks at most H / (1 - d) periods from sending; so
 * H <= (L - 1)(1 - d)/(1 + d), less one more tick for the driver's whole-tick clocks.
 */
export function leaseTicks(lease: { readonly ticks: number; readonly drift: number }): number {
  return Math.floor(((lease.ticks - 2) * (1 - lease.drift)) / (1 + lease.drift));
}

/** The acceptor: exactly Paxos.tla's acceptor state, with one promise for every slot. */
export interface AcceptorState<Op> {
  /** maxBal, for every slot at once. Never decreases. */
  readonly maxBal: Ballot;
  /** maxVBal and maxVal, per slot (a slot with no vote has none). Every vote's ballot <= maxBal. */
  readonly votes: Vector<Vote<Entry<Op>>>;
}

export type Role = 'follower' | 'candidate' | 'leader';

/** A slot the leader proposed in its ballot and has not yet seen chosen. */
export interface InFlight<Op> {
  readonly slot: number;
  readonly value: Entry<Op>;
  /** Acceptors that accepted it in the leader's ballot, the leader included, once each. */
  readonly acks: readonly NodeId[];
}

/** A promise a candidate gathered: the acceptor's votes from the prepare's first slot on. */
export interface PromiseGathered<Op> {
  readonly from: NodeId;
  readonly entries: readonly SlotVote<Op>[];
}

/** The stable leader (the distinguished proposer), and what a follower knows of the leader. */
export interface LeaderState<Op> {
  readonly role: Role;
  /** The ballot this node leads or campaigns with; ZERO before its first campaign. */
  readonly ballot: Ballot;
  /** The highest ballot seen in any message: the next campaign goes above it. */
  readonly highest: Ballot;
  /** Who this node believes leads (0 if nobody known). */
  readonly current: NodeId;
  /** Candidate: the first slot its prepare covers, and the promises gathered, one per acceptor. */
  readonly prepareSlot: number;
  readonly promises: readonly PromiseGathered<Op>[];
  /** Leader: slots in flight, oldest first; the next free slot; commands not yet in a slot. */
  readonly inflight: readonly InFlight<Op>[];
  readonly next: number;
  readonly queue: Vector<Command<Op>>;
  readonly queueHead: number;
}

/** The learner: the chosen log, the commit point, and the replica the log is applied to. */
export interface LearnerState<S, Op, R> {
  /** Chosen values; a hole is a slot not yet known chosen. */
  readonly log: Vector<Entry<Op>>;
  /** Every slot below `commit` is known chosen and applied: commit == applied. */
  readonly commit: number;
  readonly replica: Replica<S, R>;
  /** The slot a catch-up was last asked from, until the next tick; -1 for none. */
  readonly asked: number;
  /**
   * The last snapshot (compaction or install): the replica after every slot below its `slot`.
   * The log and the acceptor's votes hold nothing below that slot; null before the first.
   */
  readonly snapshot: Snapshot<S, R> | null;
}

/** A heartbeat round the leader started, and the nodes that acknowledged it (the leader first). */
export interface ReadRound {
  readonly round: number;
  /** The leader's clock when it started the round (a lease runs from here). */
  readonly clock: number;
  readonly acks: readonly NodeId[];
}

/** A read-index read waiting for its round to be confirmed and its point to be applied. */
export interface WaitingRead<Op> {
  readonly command: ClientRequest<Op>;
  /** The commit point noted when it arrived: it is answered once every slot below is applied. */
  readonly point: number;
  /** The first round started after it arrived: a quorum must acknowledge it (or a later one). */
  readonly round: number;
}

/** The read roles' record (reads.ts): rounds and waiting reads at a leader, lease grants at a follower. */
export interface ReadState<Op> {
  /** Ticks this node has counted since it started (volatile; counted only with leases). */
  readonly clock: number;
  /**
   * Leader: reads count only at or above this commit point: one past the last slot of its own
   * ballot proposed when it took over (so every earlier leader's chosen slot is below it); -1
   * until it proposed one.
   */
  readonly readyAt: number;
  /** Leader: the last round started, rounds not yet confirmed, the highest confirmed. */
  readonly round: number;
  readonly open: readonly ReadRound[];
  readonly confirmed: number;
  readonly waiting: readonly WaitingRead<Op>[];
  /** Leader: it holds a lease while its clock is below this. */
  readonly leaseUntil: number;
  /** Follower: it supports no leader but `grantTo` while its clock is below `grantUntil` (0: none after a restart). */
  readonly grantUntil: number;
  readonly grantTo: NodeId;
}

/** Logical time: the election timer. */
export interface TimerState {
  /** Ticks since the leader was last heard (follower, candidate) or since the last broadcast (leader). */
  readonly elapsed: number;
  /** The election timeout drawn for this term of waiting. */
  readonly timeoutAt: number;
  /** The generator's state (lib/core/random.ts). */
  readonly rng: number;
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
  readonly sent: SentCounts;
  /** Reads outside the log, once there was one (absent before: today's counters stay as they were). */
  readonly reads?: ReadCounters;
}

/** Messages sent, by type; a heartbeat acknowledgement is counted once one was sent. */
export type SentCounts = Readonly<Record<Exclude<MultiMessageType, 'heartbeat-ack'>, number>> & { readonly 'heartbeat-ack'?: number };

/** Reads answered, by the mode that answered them; heartbeat rounds started; lease hits and expiries. */
export interface ReadCounters {
  readonly served: Readonly<Record<ReadMode, number>>;
  readonly rounds: number;
  readonly leaseHits: number;
  /** Lease reads that found the lease expired (answered through a heartbeat round instead). */
  readonly leaseExpiries: number;
}

export const ZERO_READ_COUNTERS: ReadCounters = { served: { log: 0, 'read-index': 0, lease: 0, follower: 0 }, rounds: 0, leaseHits: 0, leaseExpiries: 0 };

const ZERO_SENT: SentCounts = { prepare: 0, promise: 0, accept: 0, accepted: 0, rejected: 0, heartbeat: 0, catchup: 0, learn: 0, snapshot: 0 };

export const ZERO_COUNTERS: Counters = {
  proposed: 0,
  quorumAcknowledged: 0,
  committed: 0,
  applied: 0,
  electionsStarted: 0,
  electionsWon: 0,
  ballotChanges: 0,
  sent: ZERO_SENT,
};

/** A node plays every role; each role's state is its own record. */
export interface MultiNodeState<S, Op, R> {
  readonly id: NodeId;
  readonly acceptor: AcceptorState<Op>;
  readonly leader: LeaderState<Op>;
  readonly learner: LearnerState<S, Op, R>;
  readonly timer: TimerState;
  readonly reads: ReadState<Op>;
  readonly counters: Counters;
}

/**
 * What survives a crash: the acceptor's promise and votes, and the chosen log; with
 * compaction, the last snapshot too, and then the votes and the log start at its slot.
 */
export interface MultiRecord<Op> {
  readonly promised: Ballot;
  readonly votes: Vector<Vote<Entry<Op>>>;
  readonly log: Vector<Entry<Op>>;
  readonly snapshot?: Snapshot;
}

/**
 * What one persist effect makes durable: the promise raised, the vote cast at a slot, the
 * value learned at a slot, or a snapshot (the replica after every slot below `slot`, which
 * replaces that prefix of the log and of the votes), so a write-ahead log appends one record
 * per change. `foldChange` (durable.ts) folds them into a `MultiRecord`.
 */
export type DurableChange<Op> =
  | { readonly kind: 'promise'; readonly ballot: Ballot }
  | { readonly kind: 'vote'; readonly slot: number; readonly ballot: Ballot; readonly value: Entry<Op> }
  | { readonly kind: 'learned'; readonly slot: number; readonly value: Entry<Op> }
  | ({ readonly kind: 'snapshot' } & Snapshot);

export type MultiEffect<Op, R> =
  | { readonly type: 'send'; readonly message: MultiMessage<Op> }
  /** A node's own promise or vote, handled inside the step without the network. */
  | { readonly type: 'local'; readonly message: MultiPromise<Op> | MultiAccepted<Op> }
  | { readonly type: 'persist'; readonly change: DurableChange<Op> }
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
  | {
      readonly type: 'reply';
      readonly node: NodeId;
      readonly client: string;
      readonly seq: number;
      readonly reply: Reply<R>;
      /** A read answered outside the log: how, at which applied point, and whether it may be stale. */
      readonly read?: ReadLabel;
    };

/** What a read answered outside the log says of itself. */
export interface ReadLabel {
  readonly mode: Exclude<ReadMode, 'log'>;
  /** Every slot below it was applied when the read was answered. */
  readonly applied: number;
  /** A follower read: it may miss writes already acknowledged. */
  readonly stale: boolean;
}

export type MultiStep<S, Op, R> = Step<MultiNodeState<S, Op, R>, MultiEffect<Op, R>>;
