/**
 * Scripted-schedule helpers for the Multi-Paxos specs: a Harbor Point cluster (harbor-1..3,
 * rounds up to 40 already used, so the first ballot is 41.x) driven message by message with
 * lib/harness/cluster.ts, every reply recorded, and every invariant checked after every event.
 */
import { expect } from 'chai';
import { Cluster } from '../../lib/harness/cluster';
import { LogMonitor } from '../../lib/invariants/log';
import type { Violation } from '../../lib/invariants/voting';
import type { StateMachine } from '../../lib/machine/replica';
import type { Command } from '../../lib/machine/command';
import type { Entry, MultiMessage } from '../../lib/multipaxos/messages';
import type { Roles, MultiEffect, MultiNodeState, MultiPaxosConfig, MultiRecord } from '../../lib/multipaxos/node';
import type { Reply } from '../../lib/machine/command';
import { multiPaxosProtocol, observedMessage } from '../../lib/multipaxos/node';
import * as vec from '../../lib/core/vector';
import { majorities } from '../../lib/paxos/quorum';
import type { NodeId } from '../../lib/core/types';

export type TestCluster<S, Op, R> = Cluster<MultiNodeState<S, Op, R>, MultiMessage<Op>, MultiEffect<Op, R>, MultiRecord<Op>, Command<Op>>;

export interface Scripted<S, Op, R> {
  readonly cluster: TestCluster<S, Op, R>;
  readonly config: MultiPaxosConfig<S, Op, R>;
  /** Every reply any node gave, in order. */
  readonly replies: { node: NodeId; client: string; seq: number; reply: Reply<R> }[];
  readonly violations: Violation[];
  readonly monitor: LogMonitor<Op>;
}

export function harborConfig<S, Op, R>(
  machine: StateMachine<S, Op, R>,
  overrides: Partial<MultiPaxosConfig<S, Op, R>> = {},
): MultiPaxosConfig<S, Op, R> {
  return { quorums: majorities(3), machine, window: 4, batch: 1, heartbeat: 2, electionTimeout: 5, seed: 812, startRound: 40, ...overrides };
}

export function scripted<S, Op, R>(config: MultiPaxosConfig<S, Op, R>, roles?: Roles): Scripted<S, Op, R> {
  const cluster: TestCluster<S, Op, R> = new Cluster(multiPaxosProtocol(config, roles));
  const monitor = new LogMonitor<Op>(config.quorums);
  const out: Scripted<S, Op, R> = { cluster, config, replies: [], violations: [], monitor };
  cluster.on((e) => {
    if (e.type === 'effect') {
      const m = observedMessage(e.effect);
      if (m !== null) monitor.message(m);
      if (e.effect.type === 'reply') {
        out.replies.push({ node: e.effect.node, client: e.effect.client, seq: e.effect.seq, reply: e.effect.reply });
        if (e.effect.reply.status === 'ok') monitor.ack(e.effect);
      }
    }
    out.violations.push(...monitor.check([...cluster.states.values()].map((s) => ({ id: s.id, promised: s.acceptor.maxBal, votes: s.acceptor.votes, log: s.learner.log, commit: s.learner.commit }))));
  });
  return out;
}

/** Hands a command to a node, recording it as requested. */
export function request<S, Op, R>(t: Scripted<S, Op, R>, node: NodeId, command: Command<Op>): void {
  t.monitor.request(command);
  t.cluster.request(node, command);
}

/** Ticks `node` until its election timer fires and it campaigns; returns the ticks it took. */
export function campaign<S, Op, R>(t: Scripted<S, Op, R>, node: NodeId): number {
  for (let ticks = 1; ticks <= 4 * t.config.electionTimeout; ticks += 1) {
    t.cluster.timeout(node);
    if (t.cluster.state(node).leader.role === 'candidate' || t.cluster.state(node).leader.role === 'leader') return ticks;
  }
  throw new Error(`node ${node} never campaigned`);
}

/** `node` campaigns and every prepare and promise is delivered: it leads. */
export function elect<S, Op, R>(t: Scripted<S, Op, R>, node: NodeId): void {
  campaign(t, node);
  t.cluster.deliverAll((m) => m.type === 'prepare' || m.type === 'promise');
  expect(t.cluster.state(node).leader.role, `node ${node} leads`).to.equal('leader');
}

/** The chosen log of a node, up to its commit point. */
export function logOf<S, Op, R>(t: Scripted<S, Op, R>, node: NodeId): Entry<Op>[] {
  const s = t.cluster.state(node);
  return vec.range(s.learner.log, 0, s.learner.commit).map((e) => {
    if (e === undefined) throw new Error(`hole below the commit point of node ${node}`);
    return e;
  });
}

export function okReplies<S, Op, R>(t: Scripted<S, Op, R>, client: string, seq: number): R[] {
  return t.replies.filter((r) => r.client === client && r.seq === seq && r.reply.status === 'ok').map((r) => (r.reply as { result: R }).result);
}

export function expectNoViolations<S, Op, R>(t: Scripted<S, Op, R>): void {
  expect(t.violations.map((v) => `${v.invariant}: ${v.description}`)).to.deep.equal([]);
}

/** Ticks the leader until its heartbeat goes out, then delivers everything. */
export function heartbeat<S, Op, R>(t: Scripted<S, Op, R>, leader: NodeId): void {
  for (let i = 0; i < t.config.heartbeat; i += 1) t.cluster.timeout(leader);
  t.cluster.deliverAll();
}
