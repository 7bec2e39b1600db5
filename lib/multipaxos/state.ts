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
}

/** Checks a configuration; returns the reason it is unusable, or null. */
export function configProblem(config: MultiPaxosConfig<unknown, unknown, unknown>): string | null {
  if (!Number.isInteger(config.window) || config.window < 1) return `window must be a whole number >= 1, got ${config.window}`;
  if (!Number.isInteger(config.batch) || config.batch < 1) return `batch must be a whole number >= 1, got ${config.batch}`;
  if (!Number.isInteger(config.heartbeat) || config.heartbeat < 1) return `heartbeat must be >= 1 tick, got ${config.heartbeat}`;
  if (!Number.isInteger(config.electionTimeout) || config.electionTimeout <= config.heartbeat) {
    return `the election timeout (${config.electionTimeout}) must be a whole number of ticks above the heartbeat (${config.heartbeat})`;
  }
  if (config.quorums.acceptors.some((id) => !Number.isInteger(id) || id < 1)) return 'node ids are whole numbers >= 1';
  const every = config.snapshotEvery ?? 0;
  if (!Number.isInteger(every) || every < 0) return `snapshotEvery must be a whole number of slots >= 0 (0: no compaction), got ${every}`;
  return null;
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
  readonly sent: Readonly<Record<MultiMessageType, number>>;
}

const ZERO_SENT: Readonly<Record<MultiMessageType, number>> = { prepare: 0, promise: 0, accept: 0, accepted: 0, rejected: 0, heartbeat: 0, catchup: 0, learn: 0, snapshot: 0 };

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
  | { readonly type: 'reply'; readonly node: NodeId; readonly client: string; readonly seq: number; readonly reply: Reply<R> };

export type MultiStep<S, Op, R> = Step<MultiNodeState<S, Op, R>, MultiEffect<Op, R>>;
