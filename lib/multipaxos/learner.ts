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
 *
 * Compaction (`snapshotEvery` in the configuration; off by default): once that many slots past
 * the last snapshot are applied, the node folds its applied prefix into a snapshot (the replica
 * with its client sessions, and the slot it covers up to), persists it, and drops the log
 * entries and the votes below it. A learner too far behind a leader that compacted is sent the
 * leader's applied state (`snapshot`) instead of the values it asked for, and installs it; so
 * does a candidate whose promises report one (leader.ts `onPromise`). Paxos Made Live, section
 * 5.5: a replica that lagged behind a snapshot "obtains" the snapshot from another replica,
 * installs it, and then catches up the log after it.
 */
import * as ballots from '../paxos/ballot';
import type { Ballot } from '../paxos/ballot';
import type { NodeId } from '../core/types';
import type { Command, Reply } from '../machine/command';
import type { StateMachine } from '../machine/replica';
import { applyBatch, cachedResult, initReplica } from '../machine/replica';
import * as vec from '../core/vector';
import type { Entry, Learn, MultiSnapshot } from './messages';
import type { Replica } from '../machine/replica';
import type { LearnerState } from './state';
import { dropBelow } from './durable';
import type { Outcome, StepBuilder } from './step';

/** A follower learns from the commit point at most this many slots ahead in one step. */
const LEARN_AHEAD = 4096;

export function initLearner<S, Op, R>(machine: StateMachine<S, Op, R>): LearnerState<S, Op, R> {
  return { log: vec.emptyVector(), commit: 0, replica: initReplica(machine), asked: -1, snapshot: null };
}

/** The first slot this node still holds in its log and votes: every slot below is in its snapshot. */
export function snapshotPoint(learner: LearnerState<unknown, unknown, unknown>): number {
  return learner.snapshot?.slot ?? 0;
}

/** Learns that `slot` is chosen with `value` (persisted); applies every newly contiguous slot. */
export function learn<S, Op, R>(b: StepBuilder<S, Op, R>, slot: number, value: Entry<Op>): void {
  if (slot < b.s.learner.commit || vec.get(b.s.learner.log, slot) !== undefined) return;
  b.setLearner({ log: vec.set(b.s.learner.log, slot, value) });
  b.count('committed', value.kind === 'batch' ? value.commands.length : 0);
  b.persist({ kind: 'learned', slot, value });
  b.emit({ type: 'chosen', slot, value });
  advanceCommit(b);
  compact(b);
}

/**
 * Log compaction: once `snapshotEvery` slots past the last snapshot are applied, the applied
 * prefix becomes a snapshot (the replica, sessions included, at the commit point), persisted,
 * and the log entries and the acceptor's votes below the commit point are dropped.
 *
 * Why dropping them is safe: every slot below the commit point is chosen, so
 * - the learner never reads them again (it learns and applies only at and above its commit
 *   point, and the replica already holds their effect, client sessions included, so a retry
 *   of a compacted command still gets its cached reply, leader.ts `onRequest`);
 * - a vote there is read only by a promise that reports it to a new leader, and a promise
 *   that would have reported a compacted vote carries this node's applied state instead
 *   (acceptor.ts `onPrepare`), which the new leader installs before it proposes anything, so it
 *   never re-proposes (or fills with a no-op) a slot chosen here;
 * - a leader asked for a compacted slot sends its applied state instead (leader.ts `onCatchup`).
 */
export function compact<S, Op, R>(b: StepBuilder<S, Op, R>): void {
  const every = b.config.snapshotEvery ?? 0;
  const { commit, replica } = b.s.learner;
  if (every === 0 || commit - snapshotPoint(b.s.learner) < every) return;
  foldInto(b, commit, replica);
}

/** The snapshot at `slot` becomes the node's: persisted, and the log and votes below it dropped. */
function foldInto<S, Op, R>(b: StepBuilder<S, Op, R>, slot: number, replica: Replica<S, R>): void {
  b.setLearner({ snapshot: { slot, replica }, log: dropBelow(b.s.learner.log, slot) });
  b.setAcceptor({ votes: dropBelow(b.s.acceptor.votes, slot) });
  b.persist({ kind: 'snapshot', slot, replica });
}

/**
 * Installs a snapshot from another node, the applied state of every slot below `slot` (all
 * chosen): the replica and its client sessions, the commit point, persisted; then whatever this
 * node had already learned beyond it is applied. A snapshot not ahead of the commit point
 * changes nothing. Returns whether it was installed.
 */
export function install<S, Op, R>(b: StepBuilder<S, Op, R>, slot: number, replica: Replica<unknown, unknown>): boolean {
  if (slot <= b.s.learner.commit) return false;
  // The cluster runs one machine: a peer's replica is this node's kind of replica.
  const mine = replica as Replica<S, R>;
  b.setLearner({ commit: slot, replica: mine });
  foldInto(b, slot, mine);
  advanceCommit(b);
  compact(b);
  return true;
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

/**
 * A leader's applied state, sent for slots it compacted (the catch-up answer when `learn`
 * cannot be): installed when it is ahead of this node's commit point; an older or duplicate
 * one changes nothing.
 */
export function onSnapshot<S, Op, R>(b: StepBuilder<S, Op, R>, m: MultiSnapshot): Outcome {
  b.roles.leader.observe(b, m.ballot, m.from);
  if (b.s.leader.role === 'leader') return 'a leader learns from its own quorum';
  if (!b.roles.learner.install(b, m.slot, m.replica)) return `snapshot of the slots below ${m.slot} is not ahead of the commit point ${b.s.learner.commit}`;
  b.setLearner({ asked: -1 });
  return undefined;
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

/**
 * A command the client sessions already know: a retry of the client's last command is answered
 * with its first result (applied once), an older one is refused with the reason. Returns null
 * for a command the replica has not seen, which the caller goes on to handle.
 */
export function answerFromSession<S, Op, R>(b: StepBuilder<S, Op, R>, c: Command<Op>): { readonly outcome: Outcome } | null {
  const cached = cachedResult(b.s.learner.replica, c);
  if (cached === null) return null;
  if (cached.outcome === 'stale') return { outcome: `command ${c.client}#${c.seq} is older than the client's last` };
  b.emit({ type: 'reply', node: b.s.id, client: c.client, seq: c.seq, reply: { status: 'ok', result: cached.result } });
  return { outcome: undefined };
}
