/**
 * Leader election (section 5.2) and the election restriction (section 5.4.1).
 */
import { drawBetween } from '../core/random';
import type { RequestVote, VoteReply } from './messages';
import type { RaftLog } from './state';
import { lastTerm, majority } from './state';
import type { Builder } from './step';
import { appendAsLeader, broadcastAppend } from './replication';
import { advanceLeaderCommit } from './commit';
import { onLead } from './reads';

/**
 * Section 5.4.1: "Raft determines which of two logs is more up-to-date by comparing the index
 * and term of the last entries in the logs. If the logs have last entries with different
 * terms, then the log with the later term is more up-to-date. If the logs end with the same
 * term, then whichever log is longer is more up-to-date."
 */
export function atLeastAsUpToDate(candidate: { readonly lastLogTerm: number; readonly lastLogIndex: number }, log: RaftLog<unknown>): boolean {
  const mine = lastTerm(log);
  if (candidate.lastLogTerm !== mine) return candidate.lastLogTerm > mine;
  return candidate.lastLogIndex >= log.size;
}

/** A fresh election timeout, drawn from [T, 2T) with the generator kept in the state. */
export function resetElectionTimer<S, Op, R>(b: Builder<S, Op, R>): void {
  const draw = drawBetween(b.s.rng, b.config.electionTimeout, 2 * b.config.electionTimeout - 1);
  b.update({ elapsed: 0, timeoutAt: draw.value, rng: draw.state });
}

/**
 * Rules for candidates: "On conversion to candidate, start election: increment currentTerm;
 * vote for self; reset election timer; send RequestVote RPCs to all other servers". The new
 * term and the vote for itself are persisted before the requests leave.
 */
export function campaign<S, Op, R>(b: Builder<S, Op, R>): void {
  b.leaveLeadership(0);
  b.hardState(b.s.currentTerm + 1, b.s.id);
  b.update({
    role: 'candidate',
    leader: 0,
    votes: [b.s.id],
    nextIndex: {},
    matchIndex: {},
    counters: { ...b.s.counters, electionsStarted: b.s.counters.electionsStarted + 1 },
  });
  resetElectionTimer(b);
  const { id, currentTerm, log } = b.s;
  for (const to of b.peers()) b.send({ type: 'request-vote', from: id, to, term: currentTerm, lastLogIndex: log.size, lastLogTerm: lastTerm(log) });
  if (b.s.votes.length >= majority(b.config)) becomeLeader(b);
}

/**
 * RequestVote RPC, receiver implementation (Figure 2), for a request of the current term:
 * "If votedFor is null or candidateId, and candidate's log is at least as up-to-date as
 * receiver's log, grant vote (§5.2, §5.4)". The vote is persisted before the reply; a denial is
 * answered too, with the voter's term.
 */
export function onRequestVote<S, Op, R>(b: Builder<S, Op, R>, m: RequestVote): string | undefined {
  const free = b.s.votedFor === 0 || b.s.votedFor === m.from;
  const grant = free && b.s.role === 'follower' && atLeastAsUpToDate(m, b.s.log);
  if (grant) {
    b.hardState(b.s.currentTerm, m.from);
    // "If election timeout elapses without ... granting vote to candidate: convert to candidate".
    resetElectionTimer(b);
  }
  b.send({ type: 'vote', from: b.s.id, to: m.from, term: b.s.currentTerm, granted: grant });
  return undefined;
}

/**
 * Rules for candidates: "If votes received from majority of servers: become leader". Each
 * voter is counted once, so a duplicated reply cannot elect anyone.
 */
export function onVote<S, Op, R>(b: Builder<S, Op, R>, m: VoteReply): string | undefined {
  if (b.s.role !== 'candidate') return `vote of term ${m.term} from ${m.from}, but this server is a ${b.s.role}`;
  if (!m.granted) return `vote denied by ${m.from} in term ${m.term}`;
  if (b.s.votes.includes(m.from)) return `duplicate vote from ${m.from}`;
  b.update({ votes: [...b.s.votes, m.from] });
  if (b.s.votes.length >= majority(b.config)) becomeLeader(b);
  return undefined;
}

/**
 * A candidate with a majority becomes leader: nextIndex "initialized to leader last log index
 * + 1", matchIndex "initialized to 0"; then, section 8: "each leader [commits] a blank no-op
 * entry into the log at the start of its term", sent at once as the first AppendEntries.
 */
export function becomeLeader<S, Op, R>(b: Builder<S, Op, R>): void {
  const nextIndex: Record<number, number> = {};
  const matchIndex: Record<number, number> = {};
  for (const p of b.peers()) {
    nextIndex[p] = b.s.log.size + 1;
    matchIndex[p] = 0;
  }
  b.update({ role: 'leader', leader: b.s.id, votes: [], nextIndex, matchIndex, counters: { ...b.s.counters, electionsWon: b.s.counters.electionsWon + 1 } });
  b.emit({ type: 'elected', term: b.s.currentTerm });
  onLead(b);
  appendAsLeader(b, { term: b.s.currentTerm, kind: 'noop' });
  broadcastAppend(b);
  // A cluster of one commits by itself.
  advanceLeaderCommit(b);
}
