/**
 * The proposer (Paxos Made Simple, section 2.2; Paxos.tla actions Phase1a and Phase2a).
 *
 * Phase 1: "A proposer selects a proposal number n and sends a prepare request with number n
 * to a majority of acceptors." Phase 2: "If the proposer receives a response to its prepare
 * requests (numbered n) from a majority of acceptors, then it sends an accept request to each
 * of those acceptors for a proposal numbered n with a value v, where v is the value of the
 * highest-numbered proposal among the responses, or is any value if the responses reported
 * no proposals."
 *
 * A proposer counts each acceptor once per ballot, ignores replies to a ballot it has left
 * (with a reason), and never issues the same ballot twice: the ballot is persisted before the
 * prepare that carries it is sent (section 2.3: "a proposer ... must remember the
 * highest-numbered proposal it has tried to issue").
 */
import * as ballots from './ballot';
import type { Ballot } from './ballot';
import type { Effect, ProposerRecord } from './effects';
import { send } from './effects';
import type { Accepted, Message, PromiseMessage, Rejected, Vote } from './messages';
import type { QuorumSystem } from './quorum';
import { isAcceptor } from './quorum';
import type { NodeId, Step } from '../core/types';
import { assertNever, ignore } from '../core/types';

/**
 * idle: no ballot in progress (no value yet, or the last ballot was abandoned; a timeout
 *       starts the next one). preparing: phase 1. accepting: phase 2.
 * acknowledged: a phase-2 quorum accepted the proposal; this proposer is done.
 */
export type ProposerPhase = 'idle' | 'preparing' | 'accepting' | 'acknowledged';

export interface PromiseReceived<V> {
  readonly from: NodeId;
  readonly accepted: Vote<V> | null;
}

export interface ProposerState<V> {
  readonly id: NodeId;
  readonly slot: number;
  readonly quorums: QuorumSystem;
  readonly phase: ProposerPhase;
  /** The value a client asked this proposer to propose; null until one is asked. */
  readonly value: V | null;
  /** The ballot in progress (or last used); ZERO before the first. */
  readonly ballot: Ballot;
  /** The highest ballot seen anywhere: the next ballot goes above it. */
  readonly highest: Ballot;
  /** Promises for `ballot`, one per acceptor. */
  readonly promises: readonly PromiseReceived<V>[];
  /** The value sent in phase 2 of `ballot`. */
  readonly proposal: V | null;
  /** Acceptors that accepted `proposal` in `ballot`, one entry each. */
  readonly acks: readonly NodeId[];
}

export type ProposerStep<V> = Step<ProposerState<V>, Effect<V>>;

export function initProposer<V>(id: NodeId, slot: number, quorums: QuorumSystem): ProposerState<V> {
  return {
    id,
    slot,
    quorums,
    phase: 'idle',
    value: null,
    ballot: ballots.ZERO,
    highest: ballots.ZERO,
    promises: [],
    proposal: null,
    acks: [],
  };
}

/** A proposer after a restart: it forgets its value, and remembers the ballots it used. */
export function recoverProposer<V>(
  id: NodeId,
  slot: number,
  quorums: QuorumSystem,
  record: ProposerRecord | undefined,
): ProposerState<V> {
  const fresh = initProposer<V>(id, slot, quorums);
  if (record === undefined) return fresh;
  return { ...fresh, ballot: record.ballot, highest: record.ballot };
}

/**
 * P2c's consequence for the proposer: "v is the value of the highest-numbered proposal among
 * the responses, or is any value if the responses reported no proposals" (section 2.2): the
 * value of the highest-numbered proposal among the promises, or the proposer's own value if
 * none reported one. Of two reports of one ballot the first is kept (they carry one value).
 * Multi-Paxos's leader makes the same choice slot by slot, with a no-op as its own value
 * (lib/multipaxos/leader.ts `mergePromises`).
 */
export function chooseValue<V>(promises: readonly PromiseReceived<V>[], own: V): V {
  let best: Vote<V> | null = null;
  for (const p of promises) {
    if (p.accepted !== null && (best === null || ballots.less(best.ballot, p.accepted.ballot))) {
      best = p.accepted;
    }
  }
  return best === null ? own : best.value;
}

/**
 * A client asks this proposer to propose `value`: "A proposer ... sends a prepare request"
 * (section 2.2, phase 1(a); Paxos.tla Phase1a). The value waits for phase 2.
 */
export function propose<V>(state: ProposerState<V>, value: V): ProposerStep<V> {
  if (state.value !== null) return ignore(state, 'this proposer already has a value to propose');
  const started = startBallot({ ...state, value });
  const proposed: Effect<V> = { type: 'stage', stage: 'proposed', slot: state.slot, ballot: null, value };
  return { state: started.state, effects: [proposed, ...started.effects] };
}

/**
 * The proposer's timer fired: its ballot made no progress, so it tries a higher one. "A
 * proposer can make multiple proposals, so long as it follows the algorithm for each one"
 * (section 2.2; Paxos.tla Phase1a with a new b). Retrying on a timer is what section 2.4's
 * distinguished proposer does; the driver decides when timers fire.
 */
export function timeout<V>(state: ProposerState<V>): ProposerStep<V> {
  if (state.value === null) return ignore(state, 'no value to propose');
  if (state.phase === 'acknowledged') return ignore(state, 'proposal already acknowledged by a quorum');
  return startBallot(state);
}

/**
 * Phase 1(a): "A proposer selects a proposal number n and sends a prepare request with number
 * n to a majority of acceptors." (Paxos.tla Phase1a) The ballot is persisted first.
 */
function startBallot<V>(state: ProposerState<V>): ProposerStep<V> {
  const ballot = ballots.next(state.highest, state.id);
  const next: ProposerState<V> = {
    ...state,
    phase: 'preparing',
    ballot,
    highest: ballot,
    promises: [],
    proposal: null,
    acks: [],
  };
  const effects: Effect<V>[] = [{ type: 'persist', role: 'proposer', record: { ballot } }];
  for (const to of state.quorums.acceptors) {
    effects.push(send({ type: 'prepare', from: state.id, to, slot: state.slot, ballot }));
  }
  return { state: next, effects };
}

/**
 * Phase 2(a): with promises from a phase-1 quorum, send an accept request for "the value of
 * the highest-numbered proposal among the responses, or ... any value" (Paxos.tla Phase2a).
 */
export function onPromise<V>(state: ProposerState<V>, m: PromiseMessage<V>): ProposerStep<V> {
  const stale = staleReply(state, m, 'preparing');
  if (stale !== null) return ignore(state, stale);
  if (state.promises.some((p) => p.from === m.from)) {
    return ignore(state, `duplicate promise from ${m.from} for ballot ${ballots.format(m.ballot)}`);
  }
  const promises = [...state.promises, { from: m.from, accepted: m.accepted }];
  if (promises.length < state.quorums.phase1) return { state: { ...state, promises }, effects: [] };
  const own = state.value;
  // Stryker disable next-line StringLiteral: unreachable, a proposer only leaves idle with a value (propose sets it first)
  if (own === null) throw new Error('synod: a proposer in phase 1 always has a value');
  const proposal = chooseValue(promises, own);
  const effects: Effect<V>[] = state.quorums.acceptors.map((to) =>
    send<V>({ type: 'accept', from: state.id, to, slot: state.slot, ballot: state.ballot, value: proposal }),
  );
  return { state: { ...state, phase: 'accepting', promises, proposal }, effects };
}

/**
 * Counts acceptances of the proposal: once a phase-2 quorum accepted it in this ballot, "the
 * value is chosen" (section 2.2) and the proposer can tell its client so. Paxos.tla has no
 * action for this; it is the proposer acting as a learner of its own ballot (Voting.tla's
 * ChosenAt(b, v)).
 */
export function onAccepted<V>(state: ProposerState<V>, m: Accepted<V>): ProposerStep<V> {
  const stale = staleReply(state, m, 'accepting');
  if (stale !== null) return ignore(state, stale);
  if (state.acks.includes(m.from)) {
    return ignore(state, `duplicate accepted from ${m.from} for ballot ${ballots.format(m.ballot)}`);
  }
  const acks = [...state.acks, m.from];
  if (acks.length < state.quorums.phase2) return { state: { ...state, acks }, effects: [] };
  const proposal = state.proposal;
  // Stryker disable next-line StringLiteral: unreachable, a proposer only reaches accepting with a proposal
  if (proposal === null) throw new Error('synod: a proposer in phase 2 always has a proposal');
  const reached: Effect<V> = {
    type: 'stage',
    stage: 'quorum-acknowledged',
    slot: state.slot,
    ballot: state.ballot,
    value: proposal,
  };
  return { state: { ...state, phase: 'acknowledged', acks }, effects: [reached] };
}

/**
 * "If an acceptor ignores a prepare or accept request because it has already received a
 * prepare request with a higher number, then it should probably inform the proposer, who
 * should then abandon its proposal" (section 2.3). An optimization with no Paxos.tla action:
 * the proposer drops the ballot, remembers the higher one, and waits for its timer to retry.
 */
export function onRejected<V>(state: ProposerState<V>, m: Rejected): ProposerStep<V> {
  if (!ballots.equals(m.ballot, state.ballot) || (state.phase !== 'preparing' && state.phase !== 'accepting')) {
    return ignore(state, `stale rejection of ballot ${ballots.format(m.ballot)}`);
  }
  return { state: { ...state, phase: 'idle', highest: ballots.max(state.highest, m.promised) }, effects: [] };
}

/** The proposer's dispatch. */
export function receiveProposer<V>(state: ProposerState<V>, m: Message<V>): ProposerStep<V> {
  switch (m.type) {
    case 'promise':
      return onPromise(state, m);
    case 'accepted':
      return onAccepted(state, m);
    case 'rejected':
      return onRejected(state, m);
    case 'prepare':
    case 'accept':
      return ignore(state, `a proposer does not handle ${m.type} messages`);
    default:
      return assertNever(m, 'message');
  }
}

/** Why a reply cannot count toward the current ballot, or null if it can. */
function staleReply<V>(
  state: ProposerState<V>,
  m: PromiseMessage<V> | Accepted<V>,
  phase: ProposerPhase,
): string | null {
  if (m.slot !== state.slot) return `${m.type} for slot ${m.slot}, this proposer runs slot ${state.slot}`;
  if (!isAcceptor(state.quorums, m.from)) return `${m.type} from ${m.from}, which is not an acceptor`;
  if (!ballots.equals(m.ballot, state.ballot)) {
    return `stale ${m.type} for ballot ${ballots.format(m.ballot)}, current is ${ballots.format(state.ballot)}`;
  }
  if (state.phase !== phase) return `late ${m.type}: the proposer is ${state.phase}, no longer ${phase}`;
  return null;
}
