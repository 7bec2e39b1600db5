/**
 * Tests written for the mutants Stryker left alive in lib/multipaxos (`npm run mutation`,
 * README "Mutation testing"): each title says what the code must do that a surviving mutant
 * did not. (The stale-ballot counts, re-learning a slot, the one-node cluster, the stale
 * command, the step-down redirects and `configProblem` have their own tests elsewhere.)
 */
import { expect } from 'chai';
import type { KvOp, KvResult, KvState } from '../../lib/machine/kv';
import { kvStore } from '../../lib/machine/kv';
import type { Command } from '../../lib/machine/command';
import type { MultiMessage } from '../../lib/multipaxos/messages';
import type { MultiEffect } from '../../lib/multipaxos/node';
import * as ballots from '../../lib/paxos/ballot';
import * as vec from '../../lib/core/vector';
import { majorities } from '../../lib/paxos/quorum';
import type { Scripted } from './helpers';
import { elect, expectNoViolations, harborConfig, request, scripted } from './helpers';
import type { MultiNodeState } from '../../lib/multipaxos/node';
import { multiPaxosProtocol } from '../../lib/multipaxos/node';
import { Cluster } from '../../lib/harness/cluster';

type Kv = Scripted<KvState, KvOp, KvResult>;

const put = (seq: number): Command<KvOp> => ({ client: 'c', seq, op: { type: 'put', key: 'k', value: seq } });

/** The messages among a step's effects. */
const sends = (effects: readonly MultiEffect<KvOp, KvResult>[]): MultiMessage<KvOp>[] =>
  effects.flatMap((e) => (e.type === 'send' ? [e.message] : []));

/** Node 1 leads and `count` commands are chosen everywhere. */
function committed(count: number, overrides: Parameters<typeof harborConfig<KvState, KvOp, KvResult>>[1] = {}): Kv {
  const t = scripted(harborConfig(kvStore, overrides));
  elect(t, 1);
  for (let seq = 1; seq <= count; seq += 1) {
    request(t, 1, put(seq));
    t.cluster.deliverAll();
  }
  expect(t.cluster.state(1).learner.commit).to.equal(count);
  return t;
}

describe('lib/multipaxos: what the surviving mutants got away with', () => {
  describe('catch-up', () => {
    it('the leader answers a catch-up with the chosen values from the slot asked, at most catchupLimit of them, and its commit point', () => {
      const t = committed(5, { catchupLimit: 2 });
      const leader = t.cluster.state(1);
      const step = t.cluster.protocol.deliver(leader, { type: 'catchup', from: 3, to: 1, ballot: leader.leader.ballot, slot: 1 });
      const learn = sends(step.effects);
      expect(learn).to.have.length(1);
      expect(learn[0]).to.deep.include({ type: 'learn', from: 1, to: 3, slot: 1, commit: 5, ballot: leader.leader.ballot });
      expect(learn[0]?.type === 'learn' ? learn[0].values : null).to.deep.equal([2, 3].map((seq) => ({ kind: 'batch', commands: [put(seq)] })));
      const tail = sends(t.cluster.protocol.deliver(leader, { type: 'catchup', from: 3, to: 1, ballot: leader.leader.ballot, slot: 4 }).effects);
      expect(tail[0]?.type === 'learn' ? tail[0].values : null).to.deep.equal([{ kind: 'batch', commands: [put(5)] }]);
    });

    it('without catchupLimit, a learn carries at most 64 values', () => {
      const t = committed(66, { window: 8 });
      const leader = t.cluster.state(1);
      const [learn] = sends(t.cluster.protocol.deliver(leader, { type: 'catchup', from: 2, to: 1, ballot: leader.leader.ballot, slot: 1 }).effects);
      expect(learn?.type === 'learn' ? learn.values.length : null).to.equal(64);
    });

    it('refuses a catch-up from a slot not chosen yet, and at a node that does not lead', () => {
      const t = committed(2);
      const leader = t.cluster.state(1);
      const beyond = t.cluster.protocol.deliver(leader, { type: 'catchup', from: 3, to: 1, ballot: leader.leader.ballot, slot: 2 });
      expect(beyond.ignored).to.equal('catch-up from slot 2, which is not chosen here yet');
      expect(beyond.effects).to.deep.equal([]);
      const follower = t.cluster.protocol.deliver(t.cluster.state(2), { type: 'catchup', from: 3, to: 2, ballot: leader.leader.ballot, slot: 0 });
      expect(follower.ignored).to.equal('catch-up request, but this node is a follower');
    });
  });

  describe('rejections', () => {
    it('a leader ignores a rejection whose promise is not above its ballot, and steps down for one that is, naming the new leader', () => {
      const t = committed(0);
      const leader = t.cluster.state(1);
      const ballot = leader.leader.ballot;
      const stale = t.cluster.protocol.deliver(leader, { type: 'rejected', from: 2, to: 1, ballot, slot: 0, promised: ballot });
      expect(stale.ignored).to.equal(`stale rejection: ${ballots.format(ballot)} is not above ${ballots.format(ballot)}`);
      expect(stale.state.leader.role).to.equal('leader');
      const higher = ballots.of(ballot.round + 2, 3);
      const deposed = t.cluster.protocol.deliver(leader, { type: 'rejected', from: 2, to: 1, ballot, slot: 0, promised: higher });
      expect(deposed.ignored).to.equal(undefined);
      expect(deposed.state.leader).to.deep.include({ role: 'follower', current: 3, highest: higher });
    });
  });

  describe('heartbeats', () => {
    it('every `heartbeat` ticks, the leader resends each in-flight accept to the acceptors that have not acknowledged it, and heartbeats the others', () => {
      const t = scripted(harborConfig(kvStore, { quorums: majorities(5), heartbeat: 3, electionTimeout: 8 }));
      elect(t, 1);
      t.cluster.deliverAll();
      request(t, 1, put(1));
      t.cluster.drop((m) => m.type === 'accept' && m.to !== 2);
      t.cluster.deliverAll();
      expect(t.cluster.state(1).leader.inflight.map((p) => p.acks)).to.deep.equal([[1, 2]]);
      const ticks = [1, 2, 3].map(() => t.cluster.timeout(1));
      expect(ticks.slice(0, 2).flatMap((s) => sends(s.effects))).to.deep.equal([]);
      const sent = sends(ticks[2]!.effects).map((m) => `${m.type} to ${m.to}`);
      expect(sent).to.deep.equal(['accept to 3', 'accept to 4', 'accept to 5', 'heartbeat to 2']);
      expect(t.cluster.state(1).timer.elapsed).to.equal(0);
      t.cluster.deliverAll();
      expect(t.cluster.state(1).learner.commit).to.equal(1);
      expectNoViolations(t);
    });
  });

  describe('learn messages', () => {
    it('a leader does not take chosen values from a learn; a follower says when a learn told it nothing new', () => {
      const t = committed(2);
      const leader = t.cluster.state(1);
      const values = [{ kind: 'batch' as const, commands: [put(1)] }];
      const atLeader = t.cluster.protocol.deliver(leader, { type: 'learn', from: 2, to: 1, ballot: leader.leader.ballot, slot: 0, values, commit: 1 });
      expect(atLeader.ignored).to.equal('a leader learns from its own quorum');
      const atFollower = t.cluster.protocol.deliver(t.cluster.state(2), { type: 'learn', from: 1, to: 2, ballot: leader.leader.ballot, slot: 0, values, commit: 1 });
      expect(atFollower.ignored).to.equal('nothing new in learn for slots 0..0');
    });
  });

  describe('counters (the stages of the seed lesson)', () => {
    it('count commands, not slots, at each stage, once each; elections and ballot changes once; every message sent by type', () => {
      const t = scripted(harborConfig(kvStore, { window: 1, batch: 2 }));
      elect(t, 1);
      // Window 1: c#1 goes into slot 0 at once, c#2 and c#3 wait and then share slot 1.
      for (let seq = 1; seq <= 3; seq += 1) request(t, 1, put(seq));
      t.cluster.deliverAll();
      for (let i = 0; i < 2; i += 1) t.cluster.timeout(1);
      t.cluster.deliverAll();
      const none = { prepare: 0, promise: 0, accept: 0, accepted: 0, rejected: 0, heartbeat: 0, catchup: 0, learn: 0, snapshot: 0 };
      expect(t.cluster.state(1).counters).to.deep.equal({
        proposed: 3,
        quorumAcknowledged: 3,
        committed: 3,
        applied: 3,
        electionsStarted: 1,
        electionsWon: 1,
        ballotChanges: 1,
        sent: { ...none, prepare: 2, accept: 4, heartbeat: 2 },
      });
      for (const follower of [2, 3]) {
        expect(t.cluster.state(follower).counters).to.deep.equal({
          proposed: 0,
          quorumAcknowledged: 0,
          committed: 3,
          applied: 3,
          electionsStarted: 0,
          electionsWon: 0,
          ballotChanges: 1,
          sent: { ...none, promise: 1, accepted: 2 },
        });
      }
      expect(t.cluster.state(1).learner.commit).to.equal(2);
      expectNoViolations(t);
    });
  });

  describe('steps are pure', () => {
    /** Freezes a state and everything in it, so a step that writes into the state it was given throws. */
    function deepFreeze<T>(value: T): T {
      if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
        Object.freeze(value);
        for (const v of Object.values(value)) deepFreeze(v);
      }
      return value;
    }

    it('no step writes into the state it was given (every input state deep-frozen), and the run is the same as the unfrozen one', () => {
      type S = MultiNodeState<KvState, KvOp, KvResult>;
      const config = harborConfig(kvStore, { window: 2, batch: 2 });
      const real = multiPaxosProtocol(config);
      const frozen = {
        ...real,
        deliver: (s: S, m: MultiMessage<KvOp>) => real.deliver(deepFreeze(s), m),
        timeout: (s: S) => real.timeout(deepFreeze(s)),
        request: (s: S, c: Command<KvOp>) => real.request(deepFreeze(s), c),
      };
      const runs = [real, frozen].map((protocol) => {
        const c = new Cluster(protocol);
        for (let i = 0; i < 10 && c.state(2).leader.role !== 'leader'; i += 1) {
          c.timeout(2);
          c.deliverAll();
        }
        for (let seq = 1; seq <= 5; seq += 1) c.request(2, put(seq));
        c.deliverAll();
        for (let i = 0; i < 4; i += 1) c.timeout(2);
        c.deliverAll();
        return [1, 2, 3].map((n) => c.state(n));
      });
      expect(runs[1]!.map((s) => s.learner.commit)).to.deep.equal([5, 5, 5].map(() => runs[1]![1]!.learner.commit));
      expect(runs[1]![1]!.learner.commit).to.be.greaterThan(0);
      expect(JSON.stringify(runs[1])).to.equal(JSON.stringify(runs[0]));
    });
  });

  describe('a follower behind the commit point', () => {
    it('asks the leader for a catch-up once per tick, from its first unchosen slot, and again after a tick or a learn', () => {
      const protocol = multiPaxosProtocol(harborConfig(kvStore));
      const ballot = ballots.of(41, 1);
      const heartbeat = { type: 'heartbeat', from: 1, to: 3, ballot, commit: 3 } as const;
      const catchups = (effects: readonly MultiEffect<KvOp, KvResult>[]) => sends(effects).filter((m) => m.type === 'catchup');
      const first = protocol.deliver(protocol.init(3), heartbeat);
      expect(catchups(first.effects)).to.deep.equal([{ type: 'catchup', from: 3, to: 1, ballot, slot: 0 }]);
      const again = protocol.deliver(first.state, heartbeat);
      expect(catchups(again.effects)).to.deep.equal([]);
      const ticked = protocol.timeout(again.state);
      expect(ticked.state.leader.role).to.equal('follower');
      expect(catchups(protocol.deliver(ticked.state, heartbeat).effects)).to.have.length(1);
      const learned = protocol.deliver(again.state, { type: 'learn', from: 1, to: 3, ballot, slot: 0, values: [{ kind: 'noop' }], commit: 3 });
      expect(learned.state.learner.commit).to.equal(1);
      expect(catchups(protocol.deliver(learned.state, heartbeat).effects)).to.deep.equal([{ type: 'catchup', from: 3, to: 1, ballot, slot: 1 }]);
    });
  });

  describe('the queue behind a full window', () => {
    it('keeps every queued command, in order, while the queue is compacted (window 1, six commands waiting)', () => {
      const t = scripted(harborConfig(kvStore, { window: 1, batch: 1 }));
      elect(t, 1);
      t.cluster.deliverAll();
      for (let seq = 1; seq <= 7; seq += 1) request(t, 1, put(seq));
      expect(t.cluster.state(1).leader.queue.size - t.cluster.state(1).leader.queueHead).to.equal(6);
      t.cluster.deliverAll();
      const log = vec.range(t.cluster.state(1).learner.log, 0, t.cluster.state(1).learner.commit);
      expect(log.map((e) => (e?.kind === 'batch' ? e.commands.map((c) => c.seq) : []))).to.deep.equal([1, 2, 3, 4, 5, 6, 7].map((seq) => [seq]));
      expectNoViolations(t);
    });
  });

  describe('the protocol record', () => {
    it('is named multipaxos, lists its nodes in id order, refuses a bad configuration, and ignores a message for another node', () => {
      const protocol = multiPaxosProtocol(harborConfig(kvStore, { quorums: { acceptors: [3, 1, 2], phase1: 2, phase2: 2 } }));
      expect(protocol.name).to.equal('multipaxos');
      expect(protocol.nodes).to.deep.equal([1, 2, 3]);
      expect(() => multiPaxosProtocol(harborConfig(kvStore, { window: 0 }))).to.throw('synod: window must be a whole number >= 1, got 0');
      const s = protocol.init(2);
      const step = protocol.deliver(s, { type: 'heartbeat', from: 1, to: 3, ballot: ballots.of(41, 1), commit: 0 });
      expect(step.ignored).to.equal('message for node 3 delivered to node 2');
      expect(step.state).to.equal(s);
    });
  });
});
