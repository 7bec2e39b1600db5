/**
 * Read-only queries without a log entry: the Raft paper's section 8.
 *
 *   "Read-only operations can be handled without writing anything into the log. ... First, a
 *   leader must have the latest information on which entries are committed. ... Raft handles
 *   this by having each leader commit a blank no-op entry into the log at the start of its
 *   term. Second, a leader must check whether it has been deposed before processing a
 *   read-only request ... Raft handles this by having the leader exchange heartbeat messages
 *   with a majority of the cluster before responding to read-only requests." (section 8)
 *
 * `read-index`: the leader notes its commitIndex, sends a round of AppendEntries carrying a
 * round number, and answers once a majority of the cluster (itself included) answered that round
 * in its term and the entry of its own term (the no-op of `becomeLeader`) is committed, with
 * the state machine applied past the noted index. `follower`: any server answers from what it
 * applied, labelled stale. A `lease` read is answered as `read-index` here: Raft's lease
 * ("the leader would use the normal heartbeat mechanism to maintain a lease", section 8) is the
 * Multi-Paxos layer's (lib/multipaxos/reads.ts) and is not built for Raft.
 */
import type { NodeId } from '../core/types';
import type { Command } from '../machine/command';
import type { RaftReads } from './state';
import { termAt } from './state';
import type { Builder } from './step';

export type RaftReadMode = 'read-index' | 'lease' | 'follower';

const EMPTY: RaftReads<never> = { round: 0, acks: [], confirmed: 0, waiting: [] };

function reads<S, Op, R>(b: Builder<S, Op, R>): RaftReads<Op> {
  return b.s.reads ?? EMPTY;
}

/** The leader has committed an entry of its current term: its commitIndex is the cluster's (section 8). */
export function committedInTerm<S, Op, R>(b: Builder<S, Op, R>): boolean {
  return b.s.commitIndex > 0 && termAt(b.s.log, b.s.commitIndex) === b.s.currentTerm;
}

function answer<S, Op, R>(b: Builder<S, Op, R>, c: Command<Op>, mode: 'read-index' | 'follower'): void {
  const result = b.config.machine.apply(b.s.replica.machine, c.op).result;
  b.emit({ type: 'reply', node: b.s.id, client: c.client, seq: c.seq, reply: { status: 'ok', result }, read: { mode, applied: b.s.commitIndex, stale: mode === 'follower' } });
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
  const r = reads(b);
  const round = r.round + 1;
  b.update({ reads: { ...r, round, acks: [b.s.id], waiting: [...r.waiting, { command: c, index: b.s.commitIndex, round }] } });
  if (2 > b.config.servers.length) b.update({ reads: { ...reads(b), confirmed: round } });
  return round;
}

/** A follower answered the AppendEntries of `round` in this leader's term. */
export function countReadAck<S, Op, R>(b: Builder<S, Op, R>, from: NodeId, round: number): void {
  const r = b.s.reads;
  if (r === undefined || round !== r.round || r.acks.includes(from)) return;
  const acks = [...r.acks, from];
  const majority = Math.floor(b.config.servers.length / 2) + 1;
  b.update({ reads: { ...r, acks, confirmed: acks.length >= majority ? Math.max(r.confirmed, round) : r.confirmed } });
}

/**
 * After every step: a leader answers the reads whose round a majority confirmed, once it has
 * committed an entry of its term and applied past their noted index; a server that no longer
 * leads redirects the reads it held.
 */
export function settleReads<S, Op, R>(b: Builder<S, Op, R>): void {
  const r = b.s.reads;
  if (r === undefined || r.waiting.length === 0) return;
  if (b.s.role !== 'leader') {
    for (const w of r.waiting) b.emit({ type: 'reply', node: b.s.id, client: w.command.client, seq: w.command.seq, reply: { status: 'redirect', leader: b.s.leader } });
    b.update({ reads: { ...r, waiting: [], acks: [] } });
    return;
  }
  if (!committedInTerm(b)) return;
  const keep = r.waiting.filter((w) => w.round > r.confirmed || w.index > b.s.commitIndex);
  if (keep.length === r.waiting.length) return;
  for (const w of r.waiting) if (!keep.includes(w)) answer(b, w.command, 'read-index');
  b.update({ reads: { ...r, waiting: keep } });
}
