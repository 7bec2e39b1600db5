/**
 * The learner of Multi-Paxos ("Paxos Made Simple", section 3), with the replica it feeds.
 *
 *   "The leader, as well as any other server that learns all the commands the leader knows,
 *   can now execute commands 1–135. However, it can't execute commands 138–140, which it also
 *   knows, because commands 136 and 137 have yet to be chosen." (section 3)
 *
 * A slot is chosen when a phase-2 quorum accepted it in one ballot; the leader counts those
 * acceptances (leader.ts) and learns first. Its commit point (every slot below it is chosen)
 * rides on its next accept or heartbeat; a follower that voted for a slot in the leader's
 * ballot learns that slot from the commit point, and asks the leader (`catchup`) for any slot
 * below it that it cannot learn that way. Chosen slots are persisted, then applied in log
 * order, never past a hole, to the replicated state machine behind client sessions
 * (lib/machine/replica.ts); the leader replies to the clients whose commands it applied.
 */
import * as ballots from '../paxos/ballot';
import type { Ballot } from '../paxos/ballot';
import type { NodeId } from '../core/types';
import type { Reply } from '../machine/command';
import type { StateMachine } from '../machine/replica';
import { applyBatch, initReplica } from '../machine/replica';
import * as vec from '../core/vector';
import type { Entry, Learn } from './messages';
import type { LearnerState } from './state';
import type { Outcome, StepBuilder } from './step';

/** A follower learns from the commit point at most this many slots ahead in one step. */
const LEARN_AHEAD = 4096;

export function initLearner<S, Op, R>(machine: StateMachine<S, Op, R>): LearnerState<S, Op, R> {
  return { log: vec.emptyVector(), commit: 0, replica: initReplica(machine), asked: -1 };
}

/** Learns that `slot` is chosen with `value` (persisted); applies every newly contiguous slot. */
export function learn<S, Op, R>(b: StepBuilder<S, Op, R>, slot: number, value: Entry<Op>): void {
  if (slot < b.s.learner.commit || vec.get(b.s.learner.log, slot) !== undefined) return;
  b.setLearner({ log: vec.set(b.s.learner.log, slot, value) });
  b.count('committed', value.kind === 'batch' ? value.commands.length : 0);
  b.persist({ kind: 'learned', slot, value });
  b.emit({ type: 'chosen', slot, value });
  advanceCommit(b);
}

/**
 * Applies chosen slots in log order from the commit point, never past a hole ("it can't execute
 * commands 138–140 ... because commands 136 and 137 have yet to be chosen"); the leader replies
 * to the clients whose commands it applied.
 */
export function advanceCommit<S, Op, R>(b: StepBuilder<S, Op, R>): void {
  let { commit, replica } = b.s.learner;
  const { log } = b.s.learner;
  const leads = b.s.leader.role === 'leader';
  let applied = 0;
  for (let entry = vec.get(log, commit); entry !== undefined; entry = vec.get(log, commit)) {
    const appliedBefore = applied;
    if (entry.kind === 'batch') {
      const batch = applyBatch(b.config.machine, replica, entry.commands);
      replica = batch.replica;
      batch.applied.forEach((outcome, i) => {
        if (outcome.outcome === 'applied') applied += 1;
        if (!leads || outcome.outcome === 'stale') return;
        const command = entry.commands[i]!;
        const reply: Reply<R> = { status: 'ok', result: outcome.result };
        b.emit({ type: 'reply', node: b.s.id, client: command.client, seq: command.seq, reply });
      });
    }
    b.emit({ type: 'applied', slot: commit, commands: applied - appliedBefore });
    commit += 1;
  }
  if (commit === b.s.learner.commit) return;
  b.setLearner({ commit, replica });
  b.count('applied', applied);
}

/**
 * Learns every slot below the leader's commit point that this node voted for in the leader's
 * ballot (those votes are the leader's chosen values); asks the leader for the rest, once per
 * tick.
 */
export function learnFromCommit<S, Op, R>(b: StepBuilder<S, Op, R>, ballot: Ballot, commit: number, leader: NodeId): void {
  const limit = Math.min(commit, b.s.learner.commit + LEARN_AHEAD);
  for (let slot = b.s.learner.commit; slot < limit; slot += 1) {
    const v = vec.get(b.s.acceptor.votes, slot);
    if (v !== undefined && ballots.equals(v.ballot, ballot)) b.roles.learner.learn(b, slot, v.value);
  }
  const known = b.s.learner.commit;
  if (known < commit && b.s.learner.asked !== known) {
    b.send({ type: 'catchup', from: b.s.id, to: leader, ballot, slot: known });
    b.setLearner({ asked: known });
  }
}

/** Chosen values from a leader: true whatever its ballot, so they are learned as they are. */
export function onLearn<S, Op, R>(b: StepBuilder<S, Op, R>, m: Learn<Op>): Outcome {
  b.roles.leader.observe(b, m.ballot, m.from);
  if (b.s.leader.role === 'leader') return 'a leader learns from its own quorum';
  const before = b.s.learner.commit;
  m.values.forEach((value, i) => b.roles.learner.learn(b, m.slot + i, value));
  b.setLearner({ asked: -1 });
  if (b.s.learner.commit === before) return `nothing new in learn for slots ${m.slot}..${m.slot + m.values.length - 1}`;
  return undefined;
}
