/**
 * The acceptor of Multi-Paxos ("Paxos Made Simple", section 3; Paxos.tla's Phase1b and Phase2b).
 *
 *   "A newly chosen leader executes phase 1 for infinitely many instances of the consensus
 *   algorithm ... Using the same proposal number for all instances, it can do this by sending
 *   a single reasonably short message to the other servers. In phase 1, an acceptor responds
 *   with more than a simple OK only if it has already received a phase 2 message from some
 *   proposer." (section 3)
 *
 * One promise covers every slot: the acceptor's state is exactly Paxos.tla's `maxBal`, once,
 * and `maxVBal` and `maxVal` per slot. A prepare names the first slot it covers; the promise
 * reports every vote cast from there on, which is the "reasonably short message". Its guards
 * are the single-decree acceptor's, imported from lib/paxos/acceptor.ts (`mayPromise` for
 * `m.bal > maxBal`, `mayAccept` for `m.bal >= maxBal`), so each rule exists once in the code.
 * The promise and every vote are persisted before the reply that depends on them is sent.
 */
import * as ballots from '../paxos/ballot';
import type { Ballot } from '../paxos/ballot';
import { mayAccept, mayPromise } from '../paxos/acceptor';
import { invariant } from '../core/types';
import * as vec from '../core/vector';
import type { Entry, Heartbeat, MultiAccept, MultiPrepare, SlotVote } from './messages';
import type { AcceptorState } from './state';
import type { Outcome, StepBuilder } from './step';
import { snapshotPoint } from './learner';
import { acknowledgeRound, grantHeld } from './reads';

export function initAcceptor<Op>(): AcceptorState<Op> {
  return { maxBal: ballots.ZERO, votes: vec.emptyVector() };
}

/** Raises the promise (maxBal, persisted); counted as a ballot change. No-op unless `ballot` is higher. */
export function promise<S, Op, R>(b: StepBuilder<S, Op, R>, ballot: Ballot): void {
  if (!ballots.less(b.s.acceptor.maxBal, ballot)) return;
  b.setAcceptor({ maxBal: ballot });
  b.setLeader({ highest: ballots.max(b.s.leader.highest, ballot) });
  b.count('ballotChanges', 1);
  b.persist({ kind: 'promise', ballot });
}

/** Casts (and persists) a vote in `slot`: maxVBal and maxVal of that slot. Never below maxBal. */
export function vote<S, Op, R>(b: StepBuilder<S, Op, R>, slot: number, ballot: Ballot, value: Entry<Op>): void {
  invariant(mayAccept(ballot, b.s.acceptor.maxBal), `a vote in ${ballots.format(ballot)} below the promise ${ballots.format(b.s.acceptor.maxBal)}`);
  b.setAcceptor({ votes: vec.set(b.s.acceptor.votes, slot, { ballot, value }) });
  b.persist({ kind: 'vote', slot, ballot, value });
}

/** The votes this acceptor cast in slots >= `from`: what its promise reports. */
export function ownVotes<Op>(acceptor: AcceptorState<Op>, from: number): SlotVote<Op>[] {
  const entries: SlotVote<Op>[] = [];
  for (let slot = from; slot < acceptor.votes.size; slot += 1) {
    const v = vec.get(acceptor.votes, slot);
    if (v !== undefined) entries.push({ slot, ballot: v.ballot, value: v.value });
  }
  return entries;
}

/**
 * Phase 1b for every slot from the prepare's first (Paxos.tla Phase1b, `m.bal > maxBal[a]`):
 * promise, and report the votes cast there; persisted before the promise is sent. A lower
 * ballot is refused with the promise that refuses it. An acceptor that compacted slots the
 * prepare covers cannot report its votes there any more: those slots are chosen, and it
 * reports them as they are, its applied state (slot and replica at its commit point), which
 * the candidate installs before it merges (leader.ts `onPromise`), so a compacted slot is
 * never mistaken for a hole.
 */
export function onPrepare<S, Op, R>(b: StepBuilder<S, Op, R>, m: MultiPrepare): Outcome {
  const { maxBal } = b.s.acceptor;
  if (ballots.equals(m.ballot, maxBal)) return `duplicate prepare for ballot ${ballots.format(m.ballot)}`;
  if (!mayPromise(m.ballot, maxBal)) {
    b.send({ type: 'rejected', from: b.s.id, to: m.from, ballot: m.ballot, slot: m.slot, promised: maxBal });
    return undefined;
  }
  const granted = grantHeld(b, m.from);
  if (granted !== null) return `prepare for ${ballots.format(m.ballot)} not answered: ${granted}`;
  b.roles.leader.observe(b, m.ballot, m.from);
  promise(b, m.ballot);
  b.setLeader({ current: m.ballot.node });
  b.setTimer({ elapsed: 0 });
  const entries = ownVotes(b.s.acceptor, m.slot);
  const { commit, replica } = b.s.learner;
  const compacted = snapshotPoint(b.s.learner) > m.slot;
  b.send({ type: 'promise', from: b.s.id, to: m.from, ballot: m.ballot, slot: m.slot, entries, ...(compacted ? { snapshot: { slot: commit, replica } } : {}) });
  return undefined;
}

/**
 * Phase 2b for one slot (Paxos.tla Phase2b, `m.bal >= maxBal[a]`): accept unless a higher
 * ballot was promised; the vote is persisted before the acceptance is sent. The commit point
 * the accept carries then teaches the learner which slots are chosen.
 */
export function onAccept<S, Op, R>(b: StepBuilder<S, Op, R>, m: MultiAccept<Op>): Outcome {
  if (!mayAccept(m.ballot, b.s.acceptor.maxBal)) {
    b.send({ type: 'rejected', from: b.s.id, to: m.from, ballot: m.ballot, slot: m.slot, promised: b.s.acceptor.maxBal });
    return undefined;
  }
  // A slot below the snapshot is chosen and compacted here: a vote there could only repeat
  // the chosen value, and no promise would ever report it; a late accept is dropped.
  if (m.slot < snapshotPoint(b.s.learner)) return `accept for slot ${m.slot}, which this node compacted into its snapshot (chosen)`;
  if (m.from === b.s.id) {
    // The leader's accept to its own acceptor (`ownVote: 'parallel'`, leader.ts `propose`): the
    // same guard and the same persisted vote as at any acceptor; it already follows itself.
    promise(b, m.ballot);
    vote(b, m.slot, m.ballot, m.value);
    b.send({ type: 'accepted', from: b.s.id, to: b.s.id, ballot: m.ballot, slot: m.slot, value: m.value });
    return undefined;
  }
  b.roles.leader.observe(b, m.ballot, m.from);
  if (b.s.leader.role !== 'follower') return `accept for ${ballots.format(m.ballot)} at a ${b.s.leader.role} of the same ballot`;
  promise(b, m.ballot);
  vote(b, m.slot, m.ballot, m.value);
  b.send({ type: 'accepted', from: b.s.id, to: m.from, ballot: m.ballot, slot: m.slot, value: m.value });
  b.roles.leader.follow(b, m.from);
  b.roles.learner.learnFromCommit(b, m.ballot, m.commit, m.from);
  return undefined;
}

/**
 * The leader is alive and tells its commit point. A heartbeat below this acceptor's promise is
 * a stale leader's: the rejection fences it (the accept guard, `m.bal >= maxBal[a]`, applied
 * to leadership).
 */
export function onHeartbeat<S, Op, R>(b: StepBuilder<S, Op, R>, m: Heartbeat): Outcome {
  if (!mayAccept(m.ballot, b.s.acceptor.maxBal)) {
    b.send({ type: 'rejected', from: b.s.id, to: m.from, ballot: m.ballot, slot: m.commit, promised: b.s.acceptor.maxBal });
    return undefined;
  }
  b.roles.leader.observe(b, m.ballot, m.from);
  if (b.s.leader.role !== 'follower') return `heartbeat of ${ballots.format(m.ballot)} at a ${b.s.leader.role} of the same ballot`;
  b.roles.leader.follow(b, m.from);
  b.roles.learner.learnFromCommit(b, m.ballot, m.commit, m.from);
  acknowledgeRound(b, m);
  return undefined;
}
