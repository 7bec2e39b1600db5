/**
 * Leader policies: Paxos's rules and Raft's rules as alternatives inside one leader layer
 * (lib/multipaxos/node.ts), so that both can run the same scenario and be compared.
 *
 * The skeleton is shared: a newer epoch (ballot, term) fences every older one, quorums
 * intersect, and a new leader must carry every committed entry forward. The policies differ
 * in three places only:
 *
 * 1. How a new leader gets every chosen entry (`election`). Paxos: any node may lead; its
 *    promises carry the voters' entries and it merges them slot by slot (highest ballot wins).
 *    Raft (section 5.4.1): a node votes only for a candidate whose log is at least as up to
 *    date as its own (last entry's term, then its index), so the winner already holds every
 *    committed entry and its promises carry nothing.
 * 2. Which epoch an entry carries (`entryTerm`). Paxos: a re-proposed entry takes the new
 *    leader's ballot. Raft: an entry keeps the term in which it was first proposed, and log
 *    matching (an accept names the term of the entry before it) keeps followers' logs
 *    prefixes of the leader's.
 * 3. When an entry from an older epoch may count as committed (`commit`). Paxos: a phase-2
 *    quorum of the leader's ballot chooses the slot, whatever it holds, because the leader
 *    re-proposed it in its own ballot. Raft (section 5.4.2): replicas are counted only for
 *    entries of the leader's current term; older entries commit indirectly, when a later
 *    entry of the current term commits. `replica-count` drops that rule: it is the bug of the
 *    paper's Figure 8, kept only for the bug zoo and `synod compare`.
 *
 * This module holds the pure rules; it imports only types from lib/multipaxos, so that
 * node.ts can import it without a cycle.
 */
import * as ballots from '../paxos/ballot';
import type { Ballot } from '../paxos/ballot';
import { assertNever } from '../core/types';

export interface LeaderPolicy {
  readonly name: PolicyName;
  readonly election: 'merge-promises' | 'vote-for-up-to-date-log';
  readonly entryTerm: 'leader-ballot' | 'original-term';
  readonly commit: 'phase-2-quorum' | 'current-term-only' | 'replica-count';
}

export type PolicyName = 'paxos' | 'raft' | 'raft-without-current-term-rule';

/** Paxos Made Simple: the default of every run. */
export const PAXOS: LeaderPolicy = Object.freeze({
  name: 'paxos',
  election: 'merge-promises',
  entryTerm: 'leader-ballot',
  commit: 'phase-2-quorum',
});

/** Raft: vote restriction, original terms, and the current-term commit rule. */
export const RAFT: LeaderPolicy = Object.freeze({
  name: 'raft',
  election: 'vote-for-up-to-date-log',
  entryTerm: 'original-term',
  commit: 'current-term-only',
});

/** Raft without section 5.4.2: commits any entry stored on a quorum. Unsafe (Figure 8). */
export const RAFT_WITHOUT_CURRENT_TERM_RULE: LeaderPolicy = Object.freeze({
  name: 'raft-without-current-term-rule',
  election: 'vote-for-up-to-date-log',
  entryTerm: 'original-term',
  commit: 'replica-count',
});

export const POLICIES: readonly LeaderPolicy[] = [PAXOS, RAFT, RAFT_WITHOUT_CURRENT_TERM_RULE];

export function policyNamed(name: string): LeaderPolicy | undefined {
  return POLICIES.find((p) => p.name === name);
}

/** True when entries carry their original term (every Raft rule depends on it). */
export function usesTerms(policy: LeaderPolicy): boolean {
  switch (policy.entryTerm) {
    case 'leader-ballot':
      return false;
    case 'original-term':
      return true;
    default:
      return assertNever(policy.entryTerm, 'entry-term rule');
  }
}

/** The position of a log's last entry: Raft's (lastLogTerm, lastLogIndex). */
export interface LogPosition {
  readonly slot: number;
  readonly term: Ballot;
}

/** The position of an empty log: below every real one. */
export const EMPTY_POSITION: LogPosition = Object.freeze({ slot: -1, term: ballots.ZERO });

/**
 * Raft's up-to-date test (section 5.4.1): "If the logs have last entries with different
 * terms, then the log with the later term is more up-to-date. If the logs end with the same
 * term, then whichever log is longer is more up-to-date." A voter promises only when the
 * candidate's log is at least as up to date as its own.
 */
export function atLeastAsUpToDate(candidate: LogPosition, voter: LogPosition): boolean {
  const order = ballots.compare(candidate.term, voter.term);
  return order !== 0 ? order > 0 : candidate.slot >= voter.slot;
}

/** An entry's term, as stamped by the leader that first proposed it (ZERO if unstamped). */
export function termOf(entry: { readonly term?: Ballot }): Ballot {
  return entry.term ?? ballots.ZERO;
}

/**
 * The entry a leader proposes: under Raft a new entry is stamped with the leader's ballot
 * (its term) and a re-proposed one keeps the term it already carries; under Paxos the entry
 * is returned as is, so no `term` field ever appears.
 */
export function stampTerm<E extends { readonly kind: string; readonly term?: Ballot }>(policy: LeaderPolicy, entry: E, ballot: Ballot): E {
  if (!usesTerms(policy) || entry.term !== undefined) return entry;
  return { ...entry, term: ballot };
}

/**
 * Raft's log-matching check on an accept (AppendEntries' prevLogIndex/prevLogTerm): the
 * follower's entry just before the slot must carry the term the leader names. `prev` null
 * means the slot is the first of the log; `below` says the slot before is already committed
 * at this follower, which (State Machine Safety) holds the leader's entry there.
 */
export function logMatches(prev: { readonly term: Ballot } | null, own: { readonly term?: Ballot } | undefined, below: boolean): boolean {
  if (prev === null || below) return true;
  return own !== undefined && ballots.equals(termOf(own), prev.term);
}

/**
 * May a phase-2 quorum of the leader's ballot commit this entry by counting? Paxos: always
 * (the entry was re-proposed in the leader's ballot). Raft: only an entry of the leader's own
 * term (section 5.4.2); older ones wait for a later one of the current term. The broken
 * variant: always, which is what Figure 8 shows to be unsafe.
 */
export function commitsByCount(policy: LeaderPolicy, entry: { readonly term?: Ballot }, leaderBallot: Ballot): boolean {
  switch (policy.commit) {
    case 'phase-2-quorum':
    case 'replica-count':
      return true;
    case 'current-term-only':
      return ballots.equals(termOf(entry), leaderBallot);
    default:
      return assertNever(policy.commit, 'commit rule');
  }
}

/** True when the policy elects by vote restriction (promises carry no entries). */
export function restrictsVotes(policy: LeaderPolicy): boolean {
  switch (policy.election) {
    case 'merge-promises':
      return false;
    case 'vote-for-up-to-date-log':
      return true;
    default:
      return assertNever(policy.election, 'election rule');
  }
}

