/**
 * Read-only queries without a log entry: the Raft paper's section 8.
 *
 *   "Read-only operations can be handled without writing anything into the log. ... First, a
 *   leader must have the latest information on which entries are committed. ... Raft handles
 *   this by having each leader commit a blank no-op entry into the log at the start of its
 *   term. Second, a leader must check whether it has been deposed before processing a
 *   read-only request ... Raft handles this by having the leader exchange heartbeat messages
 *   with a majority of the cluster before responding to read-only requests. Alternatively, the
 *   leader could rely on the heartbeat mechanism to provide a form of lease, but this would
 *   rely on timing for safety (it assumes bounded clock skew)." (section 8)
 *
 * `read-index`: the leader notes its commitIndex, sends a round of AppendEntries carrying a
 * round number, and answers once a majority of the cluster (itself included) answered that round
 * (or a later one) in its term and the entry of its own term (the no-op of `becomeLeader`) is
 * committed, with the state machine applied past the noted index.
 *
 * `lease` (Ongaro's thesis, section 6.4.1; etcd's ReadOnlyLeaseBased with CheckQuorum): with
 * `config.reads.lease`, every AppendEntries a leader sends at a heartbeat opens a round, stamped
 * with the leader's clock (ticks it counted). A follower that accepts an AppendEntries of its
 * leader's term grants it `lease.ticks` of its own clock: until they run out it neither grants
 * a vote to another candidate (a RequestVote from one is dropped without even taking its term,
 * thesis section 4.2.3) nor times out into an election. Once a majority (the leader's own grant
 * counted) acknowledged a round, the leader holds the lease until its clock reaches the round's
 * stamp plus `raftLeaseTicks` (state.ts: shortened by the clock-drift bound), and answers a lease
 * read at once, without messages, from its state machine, provided it has committed an entry of
 * its term. An expired lease falls back to a read-index round. A server restarted from its
 * durable record grants nobody for a full lease (it may have granted one before the crash).
 *
 * `follower`: any server answers from what it applied, labelled stale.
 *
 * Every read outside the log is counted (`counters.reads`): served by mode, rounds started,
 * lease hits and expiries.
 */
import type { NodeId } from '../core/types';
import type { Command } from '../machine/command';
import type { RaftConfig, RaftLease, RaftNodeState, RaftReadCounters, RaftReads, RaftRound } from './state';
import { majority, raftLeaseTicks, termAt, ZERO_READ_COUNTERS } from './state';
import type { RaftStep } from './step';
import { Builder } from './step';

export type RaftReadMode = 'read-index' | 'lease' | 'follower';

/** At most this many rounds wait for their majority at once; an older one is given up. */
const OPEN_ROUNDS = 8;

const EMPTY: RaftReads<never> = { round: 0, open: [], confirmed: 0, waiting: [] };

function reads<S, Op, R>(b: Builder<S, Op, R>): RaftReads<Op> {
  return b.s.reads ?? EMPTY;
}

function setReads<S, Op, R>(b: Builder<S, Op, R>, patch: Partial<RaftReads<Op>>): void {
  b.update({ reads: { ...reads(b), ...patch } });
}

function setLease<S, Op, R>(b: Builder<S, Op, R>, patch: Partial<RaftLease>): void {
  const l = b.s.lease;
  if (l !== undefined) b.update({ lease: { ...l, ...patch } });
}

function countRead<S, Op, R>(b: Builder<S, Op, R>, change: (c: RaftReadCounters) => Partial<RaftReadCounters>): void {
  const c = b.s.counters.reads ?? ZERO_READ_COUNTERS;
  b.update({ counters: { ...b.s.counters, reads: { ...c, ...change(c) } } });
}

/** The leader has committed an entry of its current term: its commitIndex is the cluster's (section 8). */
export function committedInTerm<S, Op, R>(b: Builder<S, Op, R>): boolean {
  return b.s.commitIndex > 0 && termAt(b.s.log, b.s.commitIndex) === b.s.currentTerm;
}

/** Answers a read from the state machine as this server applied it (the operation only reads). */
function answer<S, Op, R>(b: Builder<S, Op, R>, c: Command<Op>, mode: RaftReadMode): void {
  const result = b.config.machine.apply(b.s.replica.machine, c.op).result;
  countRead(b, (k) => ({ served: { ...k.served, [mode]: k.served[mode] + 1 } }));
  b.emit({ type: 'reply', node: b.s.id, client: c.client, seq: c.seq, reply: { status: 'ok', result }, read: { mode, applied: b.s.commitIndex, stale: mode === 'follower' } });
}

/** The leader holds a lease now: a majority acknowledged a round whose lease has not run out on its clock. */
export function holdsLease<S, Op, R>(s: RaftNodeState<S, Op, R>): boolean {
  return s.role === 'leader' && s.lease !== undefined && s.lease.clock < s.lease.leaseUntil;
}

/**
 * A read-only query outside the log. Returns the round the leader must now send (its
 * AppendEntries carry it), or null when nothing is to be sent.
 */
export function onRead<S, Op, R>(b: Builder<S, Op, R>, c: Command<Op>, mode: RaftReadMode): number | null {
  if (mode === 'follower') {
    answer(b, c, 'follower');
    return null;
  }
  if (b.s.role !== 'leader') {
    b.emit({ type: 'reply', node: b.s.id, client: c.client, seq: c.seq, reply: { status: 'redirect', leader: b.s.leader === b.s.id ? 0 : b.s.leader } });
    return null;
  }
  const lease = b.s.lease;
  if (mode === 'lease' && lease !== undefined) {
    if (committedInTerm(b) && holdsLease(b.s)) {
      countRead(b, (k) => ({ leaseHits: k.leaseHits + 1 }));
      answer(b, c, 'lease');
      return null;
    }
    if (lease.leaseUntil > 0 && lease.clock >= lease.leaseUntil) countRead(b, (k) => ({ leaseExpiries: k.leaseExpiries + 1 }));
  }
  const round = openRound(b);
  setReads(b, { waiting: [...reads(b).waiting, { command: c, index: b.s.commitIndex, round }] });
  return round;
}

/**
 * Opens the next heartbeat round (the leader's own acknowledgement counted, and with leases its
 * own grant) and returns its number; sends nothing.
 */
export function openRound<S, Op, R>(b: Builder<S, Op, R>): number {
  const r = reads(b);
  const round = r.round + 1;
  const clock = b.s.lease?.clock ?? 0;
  const open: RaftRound[] = [...r.open, { round, clock, acks: [b.s.id] }];
  setReads(b, { round, open: open.length > OPEN_ROUNDS ? open.slice(open.length - OPEN_ROUNDS) : open });
  countRead(b, (k) => ({ rounds: k.rounds + 1 }));
  const lease = b.config.reads?.lease;
  if (lease !== undefined) setLease(b, { grantUntil: clock + lease.ticks, grantTo: b.s.id });
  if (majority(b.config) <= 1) confirm(b, round);
  return round;
}

/** Whether the leader's next heartbeat opens a round: it keeps a lease, or reads wait for one. */
export function wantsRound<S, Op, R>(b: Builder<S, Op, R>): boolean {
  return b.s.lease !== undefined || (b.s.reads?.waiting.length ?? 0) > 0;
}

/**
 * A follower answered the AppendEntries of `round` in this leader's term: it counts for that
 * round and every earlier one still open (it answered after they were sent); the latest round
 * a majority acknowledged is confirmed.
 */
export function countReadAck<S, Op, R>(b: Builder<S, Op, R>, from: NodeId, round: number): void {
  const r = b.s.reads;
  if (r === undefined) return;
  const need = majority(b.config);
  let confirmed = 0;
  const open = r.open.map((o) => {
    if (o.round > round || o.acks.includes(from)) return o;
    const acks = [...o.acks, from];
    if (acks.length >= need) confirmed = Math.max(confirmed, o.round);
    return { ...o, acks };
  });
  b.update({ reads: { ...r, open } });
  if (confirmed > 0) confirm(b, confirmed);
}

/** A majority acknowledged `round`: it and every earlier round are confirmed; with leases, the lease runs from its stamp. */
function confirm<S, Op, R>(b: Builder<S, Op, R>, round: number): void {
  const r = reads(b);
  const o = r.open.find((x) => x.round === round);
  setReads(b, { confirmed: Math.max(r.confirmed, round), open: r.open.filter((x) => x.round > round) });
  const lease = b.config.reads?.lease;
  const l = b.s.lease;
  if (lease !== undefined && l !== undefined && o !== undefined) setLease(b, { leaseUntil: Math.max(l.leaseUntil, o.clock + raftLeaseTicks(lease)) });
}

/** A new leader: no open round, no lease, until a majority acknowledges a round of its term. */
export function onLead<S, Op, R>(b: Builder<S, Op, R>): void {
  if (b.s.reads !== undefined) setReads(b, { open: [], confirmed: b.s.reads.round });
  setLease(b, { leaseUntil: 0 });
}

/**
 * After every step: a leader answers the reads whose round a majority confirmed, once it has
 * committed an entry of its term and applied past their noted index; a server that no longer
 * leads redirects the reads it held, and its rounds and lease are gone.
 */
export function settleReads<S, Op, R>(b: Builder<S, Op, R>): void {
  if (b.s.role !== 'leader') {
    const r = b.s.reads;
    if (r !== undefined && (r.waiting.length > 0 || r.open.length > 0)) {
      for (const w of r.waiting) b.emit({ type: 'reply', node: b.s.id, client: w.command.client, seq: w.command.seq, reply: { status: 'redirect', leader: b.s.leader } });
      b.update({ reads: { ...r, waiting: [], open: [] } });
    }
    if ((b.s.lease?.leaseUntil ?? 0) !== 0) setLease(b, { leaseUntil: 0 });
    return;
  }
  if (committedInTerm(b)) serveConfirmed(b);
}

/** Answers every waiting read whose round is confirmed and whose noted index is applied. */
function serveConfirmed<S, Op, R>(b: Builder<S, Op, R>): void {
  const r = b.s.reads;
  if (r === undefined || r.waiting.length === 0) return;
  const keep = r.waiting.filter((w) => w.round > r.confirmed || w.index > b.s.commitIndex);
  if (keep.length === r.waiting.length) return;
  for (const w of r.waiting) if (!keep.includes(w)) answer(b, w.command, 'read-index');
  setReads(b, { waiting: keep });
}

/**
 * Exposed for the bug zoo (lib/zoo/raft.ts): the leader answers its confirmed reads whether or
 * not it committed an entry of its own term, as a leader without section 8's no-op rule would.
 */
export function serveWithoutOwnTermCommit<S, Op, R>(config: RaftConfig<S, Op, R>, state: RaftNodeState<S, Op, R>): RaftStep<S, Op, R> {
  const b = new Builder(config, state);
  if (b.s.role === 'leader') serveConfirmed(b);
  return b.finish();
}

/**
 * Why this server may not support `candidate` now (grant it a vote, or campaign itself): it
 * granted a lease to another server that has not run out on its clock, or it restarted and
 * waits out a lease it may have granted. Null when it may.
 */
export function grantHeld(s: RaftNodeState<unknown, unknown, unknown>, candidate: NodeId): string | null {
  const l = s.lease;
  if (l === undefined || l.clock >= l.grantUntil || l.grantTo === candidate) return null;
  return `lease granted to ${l.grantTo === 0 ? 'a leader before the restart' : `server ${l.grantTo}`} until tick ${l.grantUntil} (now ${l.clock})`;
}

/** A follower accepted an AppendEntries of `leader`, its leader in this term: with leases, a grant of `ticks` of its clock. */
export function grantLease<S, Op, R>(b: Builder<S, Op, R>, leader: NodeId): void {
  const lease = b.config.reads?.lease;
  const l = b.s.lease;
  if (lease !== undefined && l !== undefined) setLease(b, { grantUntil: Math.max(l.clock + lease.ticks, l.grantTo === leader ? l.grantUntil : 0), grantTo: leader });
}

/** One tick of this server's clock (kept only with leases). */
export function tickClock<S, Op, R>(b: Builder<S, Op, R>): void {
  const l = b.s.lease;
  if (l !== undefined) setLease(b, { clock: l.clock + 1 });
}
