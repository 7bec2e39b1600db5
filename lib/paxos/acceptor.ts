/**
 * The acceptor (Paxos Made Simple, section 2.2; Paxos.tla actions Phase1b and Phase2b).
 *
 * An acceptor remembers two things: the highest ballot it has promised (`promised`, maxBal)
 * and the highest-numbered proposal it has accepted (`accepted`, maxVBal and maxVal). Both
 * are persisted before the reply that depends on them is sent.
 *
 *   P1.  An acceptor must accept the first proposal that it receives.
 *   P1a. An acceptor can accept a proposal numbered n iff it has not responded to a prepare
 *        request having a number greater than n.
 */
import * as ballots from './ballot';
import type { Ballot } from './ballot';
import type { AcceptorRecord, Effect } from './effects';
import { send } from './effects';
import type { Accept, Message, Prepare, Vote } from './messages';
import type { NodeId, Step } from '../core/types';
import { assertNever, ignore } from '../core/types';

export interface AcceptorState<V> {
  readonly id: NodeId;
  /** Where `accepted` replies go besides the proposer that asked: the learners. */
  readonly learners: readonly NodeId[];
  /** maxBal: the highest ballot promised. Never decreases. */
  readonly promised: Ballot;
  /** maxVBal and maxVal: the highest-numbered proposal accepted; its ballot <= promised. */
  readonly accepted: Vote<V> | null;
}

export type AcceptorStep<V> = Step<AcceptorState<V>, Effect<V>>;

export function initAcceptor<V>(id: NodeId, learners: readonly NodeId[]): AcceptorState<V> {
  return { id, learners, promised: ballots.ZERO, accepted: null };
}

/** An acceptor after a restart: exactly what it persisted, nothing else. */
export function recoverAcceptor<V>(
  id: NodeId,
  learners: readonly NodeId[],
  record: AcceptorRecord<V> | undefined,
): AcceptorState<V> {
  if (record === undefined) return initAcceptor(id, learners);
  return { id, learners, promised: record.promised, accepted: record.accepted };
}

export function record<V>(state: AcceptorState<V>): AcceptorRecord<V> {
  return { promised: state.promised, accepted: state.accepted };
}

/**
 * The prepare guard, quoted once for every acceptor of synod (this one and Multi-Paxos's):
 * "If an acceptor receives a prepare request with number n greater than that of any prepare
 * request to which it has already responded, then it responds to the request with a promise"
 * (section 2.2; Paxos.tla Phase1b, `m.bal > maxBal[a]`). Strictly greater: a second prepare of
 * the promised ballot is a duplicate, not a new promise.
 */
export function mayPromise(ballot: Ballot, maxBal: Ballot): boolean {
  return ballots.less(maxBal, ballot);
}

/**
 * The accept guard, quoted once for every acceptor of synod: "it accepts the proposal unless
 * it has already responded to a prepare request having a number greater than n" (section 2.2;
 * P1a; Paxos.tla Phase2b, `m.bal >= maxBal[a]`). Equal is allowed: the ballot it promised.
 */
export function mayAccept(ballot: Ballot, maxBal: Ballot): boolean {
  return !ballots.less(ballot, maxBal);
}

/**
 * "If an acceptor receives a prepare request with number n greater than that of any prepare
 * request to which it has already responded, then it responds to the request with a promise
 * not to accept any more proposals numbered less than n and with the highest-numbered
 * proposal (if any) that it has accepted." (section 2.2; Paxos.tla Phase1b, `m.bal > maxBal[a]`)
 */
export function onPrepare<V>(state: AcceptorState<V>, m: Prepare): AcceptorStep<V> {
  if (ballots.equals(m.ballot, state.promised)) return ignore(state, `duplicate prepare for ballot ${ballots.format(m.ballot)}`);
  if (!mayPromise(m.ballot, state.promised)) return { state, effects: [reject(state, m)] };
  const next: AcceptorState<V> = { ...state, promised: m.ballot };
  const promise: Message<V> = {
    type: 'promise',
    from: state.id,
    to: m.from,
    slot: m.slot,
    ballot: m.ballot,
    accepted: state.accepted,
  };
  return { state: next, effects: [persist(next), send(promise)] };
}

/**
 * "If an acceptor receives an accept request for a proposal numbered n, it accepts the
 * proposal unless it has already responded to a prepare request having a number greater
 * than n." (section 2.2; Paxos.tla Phase2b, `m.bal >= maxBal[a]`)
 */
export function onAccept<V>(state: AcceptorState<V>, m: Accept<V>): AcceptorStep<V> {
  if (!mayAccept(m.ballot, state.promised)) return { state, effects: [reject(state, m)] };
  const next: AcceptorState<V> = {
    ...state,
    promised: m.ballot,
    accepted: { ballot: m.ballot, value: m.value },
  };
  const effects: Effect<V>[] = [persist(next)];
  for (const to of audience(state, m.from)) {
    effects.push(
      send({ type: 'accepted', from: state.id, to, slot: m.slot, ballot: m.ballot, value: m.value }),
    );
  }
  return { state: next, effects };
}

/** The acceptor's dispatch: prepares and accepts are for it; anything else is not. */
export function receiveAcceptor<V>(state: AcceptorState<V>, m: Message<V>): AcceptorStep<V> {
  switch (m.type) {
    case 'prepare':
      return onPrepare(state, m);
    case 'accept':
      return onAccept(state, m);
    case 'promise':
    case 'accepted':
    case 'rejected':
      return ignore(state, `an acceptor does not handle ${m.type} messages`);
    default:
      return assertNever(m, 'message');
  }
}

function persist<V>(state: AcceptorState<V>): Effect<V> {
  return { type: 'persist', role: 'acceptor', record: record(state) };
}

function reject<V>(state: AcceptorState<V>, m: Prepare | Accept<V>): Effect<V> {
  return send({
    type: 'rejected',
    from: state.id,
    to: m.from,
    slot: m.slot,
    ballot: m.ballot,
    promised: state.promised,
  });
}

/** The proposer that asked, then every learner, each once. */
function audience<V>(state: AcceptorState<V>, proposer: NodeId): NodeId[] {
  return [proposer, ...state.learners.filter((l) => l !== proposer)];
}
