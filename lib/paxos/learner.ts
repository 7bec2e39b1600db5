/**
 * The learner (Paxos Made Simple, section 2.3; Voting.tla's `chosen`).
 *
 * "To learn that a value has been chosen, a learner must find out that a proposal has been
 * accepted by a majority of acceptors." The acceptances must be of one proposal: the same
 * ballot. Counting acceptances of equal values across different ballots is the classic
 * learner bug; the bug zoo keeps a variant that does it.
 */
import * as ballots from './ballot';
import type { Ballot } from './ballot';
import type { Effect } from './effects';
import type { Accepted, Message } from './messages';
import type { QuorumSystem } from './quorum';
import { isAcceptor } from './quorum';
import type { NodeId, Step } from '../core/types';
import { assertNever, ignore } from '../core/types';

/** The acceptors known to have accepted `value` in `ballot`. */
export interface Tally<V> {
  readonly ballot: Ballot;
  readonly value: V;
  readonly acceptors: readonly NodeId[];
}

export interface LearnerState<V> {
  readonly id: NodeId;
  readonly slot: number;
  readonly quorums: QuorumSystem;
  readonly tallies: readonly Tally<V>[];
  /** The value learned as chosen, with the ballot whose quorum chose it; never unlearned. */
  readonly chosen: { readonly ballot: Ballot; readonly value: V } | null;
}

export type LearnerStep<V> = Step<LearnerState<V>, Effect<V>>;

export function initLearner<V>(id: NodeId, slot: number, quorums: QuorumSystem): LearnerState<V> {
  return { id, slot, quorums, tallies: [], chosen: null };
}

/**
 * Counts one acceptance: "the acceptors could respond with their acceptances to some set of
 * distinguished learners" (section 2.3). When a phase-2 quorum has accepted in one ballot, its
 * value is chosen (Voting.tla: ChosenAt(b, v) == \E Q : \A a \in Q : VotedFor(a, b, v)).
 */
export function onLearnerAccepted<V>(state: LearnerState<V>, m: Accepted<V>): LearnerStep<V> {
  if (m.slot !== state.slot) return ignore(state, `accepted for slot ${m.slot}, this learner learns slot ${state.slot}`);
  if (state.chosen !== null) return ignore(state, `slot ${state.slot} already learned`);
  if (!isAcceptor(state.quorums, m.from)) return ignore(state, `accepted from ${m.from}, which is not an acceptor`);
  const index = state.tallies.findIndex((t) => ballots.equals(t.ballot, m.ballot));
  const tally: Tally<V> = index < 0 ? { ballot: m.ballot, value: m.value, acceptors: [] } : state.tallies[index]!;
  if (tally.acceptors.includes(m.from)) {
    return ignore(state, `duplicate accepted from ${m.from} for ballot ${ballots.format(m.ballot)}`);
  }
  const counted: Tally<V> = { ...tally, acceptors: [...tally.acceptors, m.from] };
  const tallies = index < 0 ? [...state.tallies, counted] : state.tallies.map((t, i) => (i === index ? counted : t));
  if (counted.acceptors.length < state.quorums.phase2) return { state: { ...state, tallies }, effects: [] };
  const chosen = { ballot: counted.ballot, value: counted.value };
  const learned: Effect<V> = { type: 'chosen', slot: state.slot, ballot: chosen.ballot, value: chosen.value };
  return { state: { ...state, tallies, chosen }, effects: [learned] };
}

/** The learner's dispatch: it listens only to acceptances. */
export function receiveLearner<V>(state: LearnerState<V>, m: Message<V>): LearnerStep<V> {
  switch (m.type) {
    case 'accepted':
      return onLearnerAccepted(state, m);
    case 'prepare':
    case 'promise':
    case 'accept':
    case 'rejected':
      return ignore(state, `a learner does not handle ${m.type} messages`);
    default:
      return assertNever(m, 'message');
  }
}
