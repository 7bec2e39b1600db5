/**
 * A Multi-Paxos node ("Paxos Made Simple", section 3): the composition of its roles, the
 * dispatch of each input to the role that handles it, and logical time.
 *
 *   "In normal operation, a single server is elected to be the leader, which acts as the
 *   distinguished proposer (the only one that tries to issue proposals) in all instances of
 *   the consensus algorithm." (section 3)
 *
 * Every node is an acceptor (acceptor.ts), a potential leader (leader.ts) and a learner with
 * its replica (learner.ts), over a log of slots; each role's state is its own record
 * (state.ts). A node is built from a `Roles` record (step.ts): `REAL_ROLES` is the paper, and
 * the bug zoo (lib/zoo/multipaxos.ts) swaps one function of it.
 *
 * Time is logical: `timeout` is one tick. A leader heartbeats every `heartbeat` ticks; a
 * follower or candidate that hears nothing from a leader for its election timeout (drawn at
 * random in [T, 2T) from the seeded generator kept in its state) campaigns.
 *
 * Durability: each persist effect names one change (state.ts `DurableChange`), and every
 * persist of a step comes before its sends; `foldChange` folds them into the durable record
 * that `recoverMultiNode` restarts from.
 */
import type { Protocol } from '../core/protocol';
import * as ballots from '../paxos/ballot';
import type { NodeId } from '../core/types';
import { assertNever, ignore } from '../core/types';
import type { Replica } from '../machine/replica';
import { drawBetween, seedFor } from '../core/random';
import type { MultiMessage } from './messages';
import type { MultiEffect, MultiNodeState, MultiPaxosConfig, MultiRecord, MultiStep } from './state';
import { configProblem, ZERO_COUNTERS } from './state';
import { persistedRecord } from './durable';
import type { Outcome, Roles } from './step';
import { StepBuilder } from './step';
import * as acceptor from './acceptor';
import * as leader from './leader';
import * as learner from './learner';
import * as reads from './reads';
import type { ClientRequest } from './state';

export type {
  AcceptorState,
  Counters,
  DurableChange,
  InFlight,
  LeaderState,
  LearnerState,
  MultiEffect,
  MultiNodeState,
  MultiPaxosConfig,
  MultiRecord,
  MultiStep,
  OwnVote,
  PromiseGathered,
  ReadCounters,
  ReadLabel,
  ReadMode,
  ReadRound,
  ReadsConfig,
  ReadState,
  Role,
  ClientRequest,
  TimerState,
  WaitingRead,
} from './state';
export { OWN_VOTES, READ_MODES, leaseTicks } from './state';
export type { Roles } from './step';
export { configProblem } from './state';
export { dropBelow, EMPTY_RECORD, foldChange, persistedRecord, record } from './durable';

/** The roles as the paper describes them. */
export const REAL_ROLES: Roles = {
  acceptor: { onPrepare: acceptor.onPrepare, onAccept: acceptor.onAccept, onHeartbeat: acceptor.onHeartbeat },
  leader: {
    campaign: leader.campaign,
    merge: leader.mergePromises,
    propose: leader.propose,
    onPromise: leader.onPromise,
    onAccepted: leader.onAccepted,
    onRejected: leader.onRejected,
    onCatchup: leader.onCatchup,
    onRequest: leader.onRequest,
    heartbeat: leader.heartbeat,
    observe: leader.observe,
    follow: leader.follow,
  },
  learner: {
    learn: learner.learn,
    learnFromCommit: learner.learnFromCommit,
    onLearn: learner.onLearn,
    install: learner.install,
    onSnapshot: learner.onSnapshot,
  },
  reads: { onRead: reads.onRead, startRound: reads.startRound, onHeartbeatAck: reads.onHeartbeatAck, serve: reads.serve, leaseEnd: reads.leaseEnd },
};

export function initMultiNode<S, Op, R>(config: MultiPaxosConfig<S, Op, R>, id: NodeId): MultiNodeState<S, Op, R> {
  const draw = drawBetween(seedFor(config.seed, id), config.electionTimeout, 2 * config.electionTimeout - 1);
  return {
    id,
    acceptor: acceptor.initAcceptor(),
    leader: leader.initLeader(ballots.of(config.startRound ?? 0, 0)),
    learner: learner.initLearner(config.machine),
    timer: { elapsed: 0, timeoutAt: draw.value, rng: draw.state },
    reads: reads.initReads(),
    counters: ZERO_COUNTERS,
  };
}

/**
 * A node after a crash: its promise, votes and chosen log, with the log replayed into the
 * machine; from its snapshot, if it has one (the replica and the commit point at its slot),
 * replaying only the log after it.
 */
export function recoverMultiNode<S, Op, R>(config: MultiPaxosConfig<S, Op, R>, id: NodeId, record: MultiRecord<Op> | undefined): MultiNodeState<S, Op, R> {
  const fresh = initMultiNode(config, id);
  if (record === undefined) {
    if (config.reads?.lease === undefined) return fresh;
    const w = new StepBuilder(config, REAL_ROLES, fresh);
    reads.afterRestart(w);
    return w.s;
  }
  // The cluster runs one machine: the snapshot's replica is this node's kind of replica.
  const snapshot = record.snapshot === undefined ? null : { slot: record.snapshot.slot, replica: record.snapshot.replica as Replica<S, R> };
  const restored = snapshot === null ? { log: record.log } : { log: record.log, snapshot, commit: snapshot.slot, replica: snapshot.replica };
  const b = new StepBuilder(config, REAL_ROLES, {
    ...fresh,
    acceptor: { maxBal: record.promised, votes: record.votes },
    leader: { ...fresh.leader, highest: ballots.max(fresh.leader.highest, record.promised) },
    learner: { ...fresh.learner, ...restored },
    timer: { ...fresh.timer, rng: (fresh.timer.rng ^ Math.imul(record.promised.round + 1, 0x9e3779b9)) >>> 0 },
  });
  learner.advanceCommit(b);
  reads.afterRestart(b);
  return { ...b.s, counters: ZERO_COUNTERS };
}

/** A message arrives: the role that handles its type runs. */
export function deliverMessage<S, Op, R>(config: MultiPaxosConfig<S, Op, R>, state: MultiNodeState<S, Op, R>, m: MultiMessage<Op>, roles: Roles = REAL_ROLES): MultiStep<S, Op, R> {
  if (m.to !== state.id) return ignore(state, `message for node ${m.to} delivered to node ${state.id}`);
  const b = new StepBuilder(config, roles, state);
  return b.finish(dispatch(b, m));
}

function dispatch<S, Op, R>(b: StepBuilder<S, Op, R>, m: MultiMessage<Op>): Outcome {
  const { acceptor: a, leader: l, learner: n } = b.roles;
  switch (m.type) {
    case 'prepare':
      return a.onPrepare(b, m);
    case 'promise':
      return l.onPromise(b, m);
    case 'accept':
      return a.onAccept(b, m);
    case 'accepted':
      return l.onAccepted(b, m);
    case 'rejected':
      return l.onRejected(b, m);
    case 'heartbeat':
      return a.onHeartbeat(b, m);
    case 'catchup':
      return l.onCatchup(b, m);
    case 'learn':
      return n.onLearn(b, m);
    case 'snapshot':
      return n.onSnapshot(b, m);
    case 'heartbeat-ack':
      return b.roles.reads.onHeartbeatAck(b, m);
    default:
      return assertNever(m, 'message');
  }
}

/** One tick of logical time: a leader's heartbeat, or a follower's or candidate's election timer. */
export function tick<S, Op, R>(config: MultiPaxosConfig<S, Op, R>, state: MultiNodeState<S, Op, R>, roles: Roles = REAL_ROLES): MultiStep<S, Op, R> {
  const b = new StepBuilder(config, roles, state);
  b.setTimer({ elapsed: state.timer.elapsed + 1 });
  b.setLearner({ asked: -1 });
  reads.tickClock(b);
  const role = b.s.leader.role;
  switch (role) {
    case 'leader':
      roles.leader.heartbeat(b);
      return b.finish();
    case 'follower':
    case 'candidate':
      // A node that granted another leader a lease does not campaign until it runs out (reads.ts).
      if (b.s.timer.elapsed >= b.s.timer.timeoutAt && reads.grantHeld(b, b.s.id) === null) roles.leader.campaign(b);
      return b.finish();
    default:
      return assertNever(role, 'role');
  }
}

/**
 * A client command: the leader's to propose (leader.ts `onRequest`). A read-only command that
 * asks for another read mode goes to the read roles (reads.ts) when the node has reads
 * configured; every other command, and every read without that, goes through the log.
 */
export function requestCommand<S, Op, R>(config: MultiPaxosConfig<S, Op, R>, state: MultiNodeState<S, Op, R>, command: ClientRequest<Op>, roles: Roles = REAL_ROLES): MultiStep<S, Op, R> {
  const b = new StepBuilder(config, roles, state);
  const mode = reads.readMode(command);
  if (mode === 'log' || config.reads === undefined || !config.reads.query(command.op)) return b.finish(roles.leader.onRequest(b, command));
  return b.finish(roles.reads.onRead(b, command, mode));
}

export type MultiPaxosProtocol<S, Op, R> = Protocol<MultiNodeState<S, Op, R>, MultiMessage<Op>, MultiEffect<Op, R>, MultiRecord<Op>, ClientRequest<Op>>;

/** Multi-Paxos as a `Protocol`, the one interface every driver uses; `roles` defaults to the paper's. */
export function multiPaxosProtocol<S, Op, R>(config: MultiPaxosConfig<S, Op, R>, roles: Roles = REAL_ROLES): MultiPaxosProtocol<S, Op, R> {
  const problem = configProblem(config);
  if (problem !== null) throw new Error(`synod: ${problem}`);
  return {
    name: 'multipaxos',
    nodes: [...config.quorums.acceptors].sort((a, x) => a - x),
    init: (id) => initMultiNode(config, id),
    recover: (id, durable) => recoverMultiNode(config, id, durable),
    deliver: (s, m) => deliverMessage(config, s, m, roles),
    timeout: (s) => tick(config, s, roles),
    request: (s, c) => requestCommand(config, s, c, roles),
    sent: (e) => (e.type === 'send' ? e.message : null),
    persisted: persistedRecord,
  };
}

/** The message an effect puts on the wire or hands to the node itself (for invariant views), or null. */
export function observedMessage<Op, R>(e: MultiEffect<Op, R>): MultiMessage<Op> | null {
  return e.type === 'send' || e.type === 'local' ? e.message : null;
}
