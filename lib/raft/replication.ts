/**
 * Log replication (section 5.3): AppendEntries with prevLogIndex and prevLogTerm, several
 * entries per message, conflict deletion, the follower's commitIndex, and the leader's
 * nextIndex and matchIndex with the step back on a refusal.
 */
import type { NodeId } from '../core/types';
import { invariant } from '../core/types';
import type { Command } from '../machine/command';
import type { AppendEntries, AppendReply } from './messages';
import type { RaftEntry } from './state';
import { entriesBetween, entryAt, termAt, writeEntries, truncateFrom } from './state';
import type { Builder } from './step';
import { advanceLeaderCommit, commitTo } from './commit';
import { countReadAck, grantLease, openRound, wantsRound } from './reads';

const DEFAULT_MAX_ENTRIES = 64;

/**
 * "If last log index >= nextIndex for a follower: send AppendEntries RPC with log entries
 * starting at nextIndex"; with no such entries the same message is the heartbeat ("Upon
 * election: send initial empty AppendEntries RPCs (heartbeat) to each server; repeat during
 * idle periods to prevent election timeouts (§5.2)").
 */
export function sendAppend<S, Op, R>(b: Builder<S, Op, R>, to: NodeId, round?: number): void {
  const s = b.s;
  const next = s.nextIndex[to] ?? s.log.size + 1;
  const prevLogIndex = next - 1;
  const prevLogTerm = termAt(s.log, prevLogIndex);
  invariant(prevLogTerm !== undefined, `nextIndex[${to}] = ${next} is past the leader's log of ${s.log.size} entries`);
  const last = Math.min(s.log.size, prevLogIndex + (b.config.maxEntries ?? DEFAULT_MAX_ENTRIES));
  const entries = entriesBetween(s.log, next, last);
  b.send({ type: 'append-entries', from: s.id, to, term: s.currentTerm, prevLogIndex, prevLogTerm, entries, leaderCommit: s.commitIndex, ...(round === undefined ? {} : { round }) });
}

/** AppendEntries to every follower; a round (reads.ts) when the leader keeps a lease or reads wait for one. */
export function broadcastAppend<S, Op, R>(b: Builder<S, Op, R>): void {
  const round = wantsRound(b) ? openRound(b) : undefined;
  for (const to of b.peers()) sendAppend(b, to, round);
  b.update({ elapsed: 0 });
}

/**
 * "If command received from client: append entry to local log, respond after entry applied to
 * state machine (§5.3)". The entry is of the leader's term; it is persisted, then sent.
 */
export function appendAsLeader<S, Op, R>(b: Builder<S, Op, R>, entry: RaftEntry<Op>): number {
  invariant(b.s.role === 'leader' && entry.term === b.s.currentTerm, 'only a leader appends, and only entries of its own term');
  const index = b.s.log.size + 1;
  b.update({ log: writeEntries(b.s.log, index, [entry]) });
  b.persist({ kind: 'append', index, entries: [entry] });
  b.emit({ type: 'stage', stage: 'proposed', slot: index, term: b.s.currentTerm, value: entry });
  if (entry.kind === 'command') b.update({ counters: { ...b.s.counters, proposed: b.s.counters.proposed + 1 } });
  return index;
}

/** The index of an uncommitted entry in this leader's log that carries `command`, or 0. */
export function pendingIndex<S, Op, R>(b: Builder<S, Op, R>, command: Command<Op>): number {
  for (let i = b.s.log.size; i > b.s.commitIndex; i -= 1) {
    const e = entryAt(b.s.log, i);
    if (e?.kind === 'command' && e.command.client === command.client && e.command.seq === command.seq) return i;
  }
  return 0;
}

function refuse<S, Op, R>(b: Builder<S, Op, R>, m: AppendEntries<Op>, conflictIndex: number, conflictTerm: number): void {
  b.send({ type: 'append-reply', from: b.s.id, to: m.from, term: b.s.currentTerm, success: false, index: m.prevLogIndex, match: 0, conflictIndex, conflictTerm, ...(m.round === undefined ? {} : { round: m.round }) });
}

/**
 * AppendEntries RPC, receiver implementation (Figure 2), for a request of the current term:
 * 2. "Reply false if log doesn't contain an entry at prevLogIndex whose term matches
 *    prevLogTerm (§5.3)", with the hint of section 5.3: the term of the conflicting entry and
 *    the first index it stores for that term (conflictTerm 0 and its log's end when too short).
 * 3. "If an existing entry conflicts with a new one (same index but different terms), delete
 *    the existing entry and all that follow it (§5.3)"
 * 4. "Append any new entries not already in the log"
 * 5. "If leaderCommit > commitIndex, set commitIndex = min(leaderCommit, index of last new entry)"
 * The log changes are persisted before the reply. (Rule 1, the stale term, is the node's.)
 */
export function onAppendEntries<S, Op, R>(b: Builder<S, Op, R>, m: AppendEntries<Op>): string | undefined {
  // A candidate that hears the leader of its term steps down (section 5.2); a follower's timer restarts.
  b.becomeFollower(m.from);
  grantLease(b, m.from);
  const log = b.s.log;
  const prevTerm = termAt(log, m.prevLogIndex);
  if (prevTerm === undefined) {
    refuse(b, m, log.size + 1, 0);
    return undefined;
  }
  if (prevTerm !== m.prevLogTerm) {
    let first = m.prevLogIndex;
    while (first > 1 && termAt(log, first - 1) === prevTerm) first -= 1;
    refuse(b, m, first, prevTerm);
    return undefined;
  }
  let next = log;
  let k = 0;
  for (; k < m.entries.length; k += 1) {
    const index = m.prevLogIndex + 1 + k;
    const existing = termAt(next, index);
    if (existing === undefined) break;
    if (existing !== m.entries[k]!.term) {
      // Never at or below commitIndex under Raft's rules (Leader Completeness); a broken
      // variant can get here, and the invariants (State Machine Safety) report it.
      next = truncateFrom(next, index);
      b.persist({ kind: 'truncate', from: index });
      break;
    }
  }
  if (k < m.entries.length) {
    const index = m.prevLogIndex + 1 + k;
    const fresh = m.entries.slice(k);
    next = writeEntries(next, index, fresh);
    b.persist({ kind: 'append', index, entries: fresh });
  }
  if (next !== log) b.update({ log: next });
  const lastNew = m.prevLogIndex + m.entries.length;
  if (m.leaderCommit > b.s.commitIndex) commitTo(b, Math.min(m.leaderCommit, lastNew));
  b.send({ type: 'append-reply', from: b.s.id, to: m.from, term: b.s.currentTerm, success: true, index: m.prevLogIndex, match: lastNew, conflictIndex: 0, conflictTerm: 0, ...(m.round === undefined ? {} : { round: m.round }) });
  return undefined;
}

/**
 * Rules for leaders (Figure 2): "If successful: update nextIndex and matchIndex for follower
 * (§5.3)"; "If AppendEntries fails because of log inconsistency: decrement nextIndex and
 * retry (§5.3)", stepping back by the hint ("one AppendEntries RPC will be required for each
 * term with conflicting entries, rather than one RPC per entry"); then the commit rule.
 */
export function onAppendReply<S, Op, R>(b: Builder<S, Op, R>, m: AppendReply): string | undefined {
  if (b.s.role !== 'leader') return `AppendEntries reply of term ${m.term}, but this server is a ${b.s.role}`;
  if (m.round !== undefined) countReadAck(b, m.from, m.round);
  const next = b.s.nextIndex[m.from] ?? 1;
  const match = b.s.matchIndex[m.from] ?? 0;
  if (m.success) {
    if (m.match <= match) return `stale AppendEntries reply from ${m.from}: it matches ${m.match}, already known to match ${match}`;
    b.update({ matchIndex: { ...b.s.matchIndex, [m.from]: m.match }, nextIndex: { ...b.s.nextIndex, [m.from]: Math.max(next, m.match + 1) } });
    advanceLeaderCommit(b);
    if (b.s.log.size >= (b.s.nextIndex[m.from] ?? 1)) sendAppend(b, m.from);
    return undefined;
  }
  if (m.index !== next - 1) return `stale refusal from ${m.from} of prevLogIndex ${m.index}; nextIndex is ${next}`;
  let stepBack = m.conflictIndex;
  if (m.conflictTerm > 0) {
    // The leader's last entry of the conflicting term, if it has one: the logs agree up to it.
    for (let i = Math.min(m.index, b.s.log.size); i >= 1; i -= 1) {
      const t = termAt(b.s.log, i)!;
      if (t === m.conflictTerm) {
        stepBack = i + 1;
        break;
      }
      if (t < m.conflictTerm) break;
    }
  }
  const nextIndex = Math.max(match + 1, Math.min(stepBack, next - 1));
  b.update({ nextIndex: { ...b.s.nextIndex, [m.from]: nextIndex } });
  sendAppend(b, m.from);
  return undefined;
}
