/**
 * The state of a Raft server, as Figure 2 of the paper lays it out ("State"), and the log.
 *
 * Persistent state on all servers ("Updated on stable storage before responding to RPCs"):
 * currentTerm, votedFor, log[]. Volatile state on all servers: commitIndex, lastApplied.
 * Volatile state on leaders ("Reinitialized after election"): nextIndex[], matchIndex[].
 *
 * Log indices start at 1, as in the paper; index 0 is the empty prefix, of term 0. Terms are
 * plain integers; term 0 is "before any election". Here lastApplied always equals commitIndex:
 * a step that raises commitIndex applies the newly committed entries in the same step ("If
 * commitIndex > lastApplied: increment lastApplied, apply log[lastApplied] to state machine").
 *
 * Persistence is a list of changes, never a whole record: the term and vote changed, entries
 * written from index i, the log cut from index i. `persistChange` folds one change into the
 * durable record; the driver applies a step's changes before that step's messages leave.
 */
import type { NodeId } from '../core/types';
import { invariant } from '../core/types';
import type { Replica, StateMachine } from '../machine/replica';
import { initReplica } from '../machine/replica';
import { drawBetween, seedFor } from '../core/random';
import type { Vector } from '../core/vector';
import * as vec from '../core/vector';
import type { RaftEntry, RaftMessageType } from './messages';
import type { Command } from '../machine/command';

export type { RaftEntry } from './messages';


/** The log, log[1] first (stored at position 0 of the vector). */
export type RaftLog<Op> = Vector<RaftEntry<Op>>;

export function lastIndex(log: RaftLog<unknown>): number {
  return log.size;
}

export function entryAt<Op>(log: RaftLog<Op>, index: number): RaftEntry<Op> | undefined {
  return index < 1 ? undefined : vec.get(log, index - 1);
}

/** The term of the entry at `index`; 0 for index 0; undefined past the end. */
export function termAt(log: RaftLog<unknown>, index: number): number | undefined {
  if (index === 0) return 0;
  return entryAt(log, index)?.term;
}

export function lastTerm(log: RaftLog<unknown>): number {
  return termAt(log, log.size) ?? 0;
}

/** The entries at indices [from, to], in order. */
export function entriesBetween<Op>(log: RaftLog<Op>, from: number, to: number): RaftEntry<Op>[] {
  return vec.range(log, from - 1, to).filter((e): e is RaftEntry<Op> => e !== undefined);
}

/** The log with `entries` written at indices index, index + 1, ...; what lies beyond is kept. */
export function writeEntries<Op>(log: RaftLog<Op>, index: number, entries: readonly RaftEntry<Op>[]): RaftLog<Op> {
  invariant(index >= 1 && index <= log.size + 1, `entries written at index ${index} of a log of ${log.size} entries leave a hole`);
  let out = log;
  entries.forEach((e, k) => {
    out = vec.set(out, index - 1 + k, e);
  });
  return out;
}

/** The log without its entries at `from` and after. */
export function truncateFrom<Op>(log: RaftLog<Op>, from: number): RaftLog<Op> {
  if (from > log.size) return log;
  return vec.fromArray(entriesBetween(log, 1, from - 1));
}

export interface RaftConfig<S, Op, R> {
  /** Every server, by id (whole numbers >= 1). */
  readonly servers: readonly NodeId[];
  readonly machine: StateMachine<S, Op, R>;
  /** Ticks between a leader's AppendEntries to each follower (heartbeat, retransmission). */
  readonly heartbeat: number;
  /** Base election timeout in ticks; each is drawn from [T, 2T) ("randomized election timeouts", section 5.2). */
  readonly electionTimeout: number;
  /** Seeds each server's timeout generator (with its id). */
  readonly seed: number;
  /** Most entries in one AppendEntries. */
  readonly maxEntries?: number;
  /**
   * Reads outside the log (reads.ts): the operations that only read. Without it every read is a
   * log entry. With `lease`, a follower that acknowledges an AppendEntries of its leader grants
   * it `ticks` of its own clock (it grants no vote to another candidate and does not campaign
   * until they run out), and every clock ticks at a rate within 1 +/- `drift` of real time (the
   * clock-drift bound the lease rests on); the leader holds the lease for fewer ticks of its own
   * clock (`raftLeaseTicks`).
   */
  readonly reads?: { query(op: Op): boolean; readonly lease?: RaftLeaseConfig };
}

/** A lease (reads.ts): the ticks a follower grants, and the clock-drift bound. */
export interface RaftLeaseConfig {
  readonly ticks: number;
  readonly drift: number;
}

/**
 * How long a leader holds a lease, in ticks of its own clock, from the tick it sent the round
 * a majority acknowledged: `(ticks - 2) x (1 - drift) / (1 + drift)`, whole ticks. A follower
 * received the round no earlier than it was sent and grants until its own clock advanced
 * `ticks`, which is at least `ticks - 1` periods of the fastest clock (rate 1 + drift); the
 * leader's clock shows a value below `from + L` for at most `L` periods of the slowest clock
 * (rate 1 - drift), and one more tick is kept for whole-tick clocks. The same bound as the
 * Multi-Paxos lease (lib/multipaxos/state.ts `leaseTicks`).
 */
export function raftLeaseTicks(lease: RaftLeaseConfig): number {
  return Math.floor(((lease.ticks - 2) * (1 - lease.drift)) / (1 + lease.drift));
}

/**
 * A server's lease record (reads.ts), present only when the configuration has leases: its own
 * clock, the lease it holds as leader, and the grant it gave as a follower (all volatile).
 */
export interface RaftLease {
  /** Ticks this server has counted since it started (or restarted). */
  readonly clock: number;
  /** Leader: it holds a lease while its clock is below this. */
  readonly leaseUntil: number;
  /** It supports no server but `grantTo` while its clock is below `grantUntil` (0: a grant from before a restart, to nobody it knows). */
  readonly grantUntil: number;
  readonly grantTo: NodeId;
}

/** A heartbeat round waiting for a majority: started at the leader's clock `clock` (0 without leases), the servers that acknowledged it (the leader first). */
export interface RaftRound {
  readonly round: number;
  readonly clock: number;
  readonly acks: readonly NodeId[];
}

/** The leader's read-index bookkeeping (reads.ts; section 8): absent until the first read outside the log (or the first lease round). */
export interface RaftReads<Op> {
  /** The last heartbeat round started, the rounds still waiting for a majority in this term, the highest confirmed. */
  readonly round: number;
  readonly open: readonly RaftRound[];
  readonly confirmed: number;
  /** Reads waiting: the commit index noted on arrival, and the round that must be confirmed. */
  readonly waiting: readonly { readonly command: Command<Op>; readonly index: number; readonly round: number }[];
}

export type RaftRole = 'follower' | 'candidate' | 'leader';

/** Reads answered outside the log, by mode; heartbeat rounds started for reads or leases; lease hits and expiries. */
export interface RaftReadCounters {
  readonly served: Readonly<Record<'read-index' | 'lease' | 'follower', number>>;
  readonly rounds: number;
  /** Lease reads answered at once, from a lease that had not run out. */
  readonly leaseHits: number;
  /** Lease reads that found the lease run out (answered through a heartbeat round instead). */
  readonly leaseExpiries: number;
}

export const ZERO_READ_COUNTERS: RaftReadCounters = { served: { 'read-index': 0, lease: 0, follower: 0 }, rounds: 0, leaseHits: 0, leaseExpiries: 0 };

export interface RaftCounters {
  readonly proposed: number;
  readonly committed: number;
  readonly applied: number;
  readonly electionsStarted: number;
  readonly electionsWon: number;
  readonly sent: Readonly<Record<RaftMessageType, number>>;
  /** Reads outside the log (reads.ts); absent until the first. */
  readonly reads?: RaftReadCounters;
}

export interface RaftNodeState<S, Op, R> {
  readonly id: NodeId;
  readonly role: RaftRole;
  // Persistent state on all servers.
  /** "latest term server has seen (initialized to 0 on first boot, increases monotonically)" */
  readonly currentTerm: number;
  /** "candidateId that received vote in current term (or null if none)": 0 for none. */
  readonly votedFor: NodeId;
  readonly log: RaftLog<Op>;
  // Volatile state on all servers.
  /** "index of highest log entry known to be committed"; the state machine has applied up to it. */
  readonly commitIndex: number;
  readonly replica: Replica<S, R>;
  /** The leader this server last heard from in its current term (0: unknown). */
  readonly leader: NodeId;
  // Candidates.
  /** Servers that granted this candidate their vote in its current term, itself included. */
  readonly votes: readonly NodeId[];
  // Leaders ("Reinitialized after election"), indexed by server id.
  readonly nextIndex: Readonly<Record<number, number>>;
  readonly matchIndex: Readonly<Record<number, number>>;
  // Time.
  /** Ticks since the leader was heard (follower), the election started (candidate) or the last heartbeat (leader). */
  readonly elapsed: number;
  readonly timeoutAt: number;
  /** The timeout generator's state (lib/core/random.ts). */
  readonly rng: number;
  readonly counters: RaftCounters;
  /** Reads outside the log (reads.ts), once there was one. */
  readonly reads?: RaftReads<Op>;
  /** Leases (reads.ts): present exactly when the configuration has them. */
  readonly lease?: RaftLease;
}

/** What survives a crash: Figure 2's persistent state. */
export interface RaftRecord<Op> {
  readonly currentTerm: number;
  readonly votedFor: NodeId;
  readonly log: RaftLog<Op>;
}

/** One change to the persistent state, written before any message that depends on it leaves. */
export type PersistChange<Op> =
  | { readonly kind: 'hard-state'; readonly currentTerm: number; readonly votedFor: NodeId }
  | { readonly kind: 'append'; readonly index: number; readonly entries: readonly RaftEntry<Op>[] }
  | { readonly kind: 'truncate'; readonly from: number };

const EMPTY_RECORD: RaftRecord<never> = { currentTerm: 0, votedFor: 0, log: vec.emptyVector() };

/** The durable record after one change: the one function every driver folds persists with. */
export function persistChange<Op>(durable: RaftRecord<Op> | undefined, change: PersistChange<Op>): RaftRecord<Op> {
  const d: RaftRecord<Op> = durable ?? EMPTY_RECORD;
  switch (change.kind) {
    case 'hard-state':
      return { ...d, currentTerm: change.currentTerm, votedFor: change.votedFor };
    case 'append':
      return { ...d, log: writeEntries(d.log, change.index, change.entries) };
    case 'truncate':
      return { ...d, log: truncateFrom(d.log, change.from) };
    default: {
      const never: never = change;
      throw new Error(`synod: unknown persist change ${JSON.stringify(never)}`);
    }
  }
}

const ZERO_SENT: Readonly<Record<RaftMessageType, number>> = { 'request-vote': 0, vote: 0, 'append-entries': 0, 'append-reply': 0 };

export const ZERO_COUNTERS: RaftCounters = { proposed: 0, committed: 0, applied: 0, electionsStarted: 0, electionsWon: 0, sent: ZERO_SENT };

/** Checks a configuration; returns the reason it is unusable, or null. */
export function raftConfigProblem(config: RaftConfig<unknown, unknown, unknown>): string | null {
  if (config.servers.length === 0) return 'a Raft cluster needs at least one server';
  if (config.servers.some((id) => !Number.isInteger(id) || id < 1)) return 'server ids are whole numbers >= 1';
  if (new Set(config.servers).size !== config.servers.length) return 'server ids must be distinct';
  if (!Number.isInteger(config.heartbeat) || config.heartbeat < 1) return `heartbeat must be >= 1 tick, got ${config.heartbeat}`;
  if (!Number.isInteger(config.electionTimeout) || config.electionTimeout <= config.heartbeat) {
    return `the election timeout (${config.electionTimeout}) must be a whole number of ticks above the heartbeat (${config.heartbeat})`;
  }
  if (config.maxEntries !== undefined && (!Number.isInteger(config.maxEntries) || config.maxEntries < 1)) return `maxEntries must be >= 1, got ${config.maxEntries}`;
  const lease = config.reads?.lease;
  if (lease !== undefined) {
    if (!(lease.drift >= 0 && lease.drift < 1)) return `the clock-drift bound must be from 0 to below 1, got ${lease.drift}`;
    if (!Number.isInteger(lease.ticks) || raftLeaseTicks(lease) < 1) return `a lease of ${lease.ticks} ticks leaves the leader no whole tick under a drift bound of ${lease.drift}: grant more ticks`;
  }
  return null;
}

/** "initialized to 0 on first boot": a server that has never run. */
export function initRaftNode<S, Op, R>(config: RaftConfig<S, Op, R>, id: NodeId): RaftNodeState<S, Op, R> {
  const draw = drawBetween(seedFor(config.seed, id), config.electionTimeout, 2 * config.electionTimeout - 1);
  return {
    id,
    role: 'follower',
    currentTerm: 0,
    votedFor: 0,
    log: vec.emptyVector(),
    commitIndex: 0,
    replica: initReplica(config.machine),
    leader: 0,
    votes: [],
    nextIndex: {},
    matchIndex: {},
    elapsed: 0,
    timeoutAt: draw.value,
    rng: draw.state,
    counters: ZERO_COUNTERS,
    ...(config.reads?.lease === undefined ? {} : { lease: { clock: 0, leaseUntil: 0, grantUntil: 0, grantTo: 0 } }),
  };
}

/**
 * A server restarted from its persistent state alone: a follower with commitIndex 0 (volatile;
 * a leader will tell it again), an empty state machine it rebuilds as entries commit. With
 * leases it supports nobody for a full lease: it may have granted one before the crash, and a
 * grant is volatile.
 */
export function recoverRaftNode<S, Op, R>(config: RaftConfig<S, Op, R>, id: NodeId, record: RaftRecord<Op> | undefined): RaftNodeState<S, Op, R> {
  const init = initRaftNode(config, id);
  const lease = config.reads?.lease;
  const fresh = lease === undefined ? init : { ...init, lease: { clock: 0, leaseUntil: 0, grantUntil: lease.ticks, grantTo: 0 } };
  if (record === undefined) return fresh;
  const rng = (fresh.rng ^ Math.imul(record.currentTerm + 1, 0x9e3779b9)) >>> 0;
  const draw = drawBetween(rng, config.electionTimeout, 2 * config.electionTimeout - 1);
  return { ...fresh, currentTerm: record.currentTerm, votedFor: record.votedFor, log: record.log, timeoutAt: draw.value, rng: draw.state };
}

export function raftRecord<S, Op, R>(s: RaftNodeState<S, Op, R>): RaftRecord<Op> {
  return { currentTerm: s.currentTerm, votedFor: s.votedFor, log: s.log };
}

/** A majority of the servers. */
export function majority(config: RaftConfig<unknown, unknown, unknown>): number {
  return Math.floor(config.servers.length / 2) + 1;
}
