/**
 * The leader's behavior that mutation testing (`npm run mutation`, README "Mutation testing")
 * found no test for: each title says what lib/multipaxos/leader.ts must do that a surviving
 * mutant did not. Every test runs the real roles, on the scripted cluster or on one node.
 */
import { expect } from 'chai';
import type { KvOp, KvResult, KvState } from '../../lib/machine/kv';
import { kvStore } from '../../lib/machine/kv';
import type { Command } from '../../lib/machine/command';
import type { MultiMessage } from '../../lib/multipaxos/messages';
import { NOOP } from '../../lib/multipaxos/messages';
import type { MultiEffect } from '../../lib/multipaxos/node';
import { multiPaxosProtocol } from '../../lib/multipaxos/node';
import type { NodeId } from '../../lib/core/types';
import { majorities } from '../../lib/paxos/quorum';
import * as ballots from '../../lib/paxos/ballot';
import type { Scripted } from './helpers';
import { campaign, elect, expectNoViolations, harborConfig, request, scripted } from './helpers';

type Kv = Scripted<KvState, KvOp, KvResult>;

const put = (client: string, seq: number): Command<KvOp> => ({ client, seq, op: { type: 'put', key: 'k', value: seq } });
const sends = (effects: readonly MultiEffect<KvOp, KvResult>[]): MultiMessage<KvOp>[] => effects.flatMap((e) => (e.type === 'send' ? [e.message] : []));
const fromTo = (type: MultiMessage<KvOp>['type'], from: NodeId, to: NodeId) => (m: MultiMessage<KvOp>): boolean => m.type === type && m.from === from && m.to === to;

/** Node 1 leads and one command is chosen and known chosen everywhere. */
function committed1(): Kv {
  const t = scripted(harborConfig(kvStore));
  elect(t, 1);
  request(t, 1, put('c', 1));
  t.cluster.deliverAll();
  for (let i = 0; i < t.config.heartbeat; i += 1) t.cluster.timeout(1);
  t.cluster.deliverAll();
  expect([1, 2, 3].map((n) => t.cluster.state(n).learner.commit)).to.deep.equal([1, 1, 1]);
  return t;
}

describe('lib/multipaxos/leader: what the surviving mutants got away with', () => {
  describe('stepping down', () => {
    /**
     * Node 1 leads and proposes c#1 (slot 0) and c#2 (slot 1); only node 2 gets the accept for
     * slot 1. Node 2 leads with node 3's promise: slot 0 is a hole (a no-op), slot 1 keeps c#2.
     * Both are in flight at node 2 when node 3's higher prepare deposes it.
     */
    function deposedWithNoop(): Kv {
      const t = scripted(harborConfig(kvStore));
      elect(t, 1);
      request(t, 1, put('a', 1));
      request(t, 1, put('b', 1));
      t.cluster.deliver((m) => m.type === 'accept' && m.slot === 1 && m.to === 2);
      t.cluster.drop(() => true);
      campaign(t, 2);
      t.cluster.drop(fromTo('prepare', 2, 1));
      t.cluster.deliverAll((m) => m.type === 'prepare' || m.type === 'promise');
      expect(t.cluster.state(2).leader.inflight.map((p) => [p.slot, p.value.kind])).to.deep.equal([[0, 'noop'], [1, 'batch']]);
      t.cluster.drop(() => true);
      return t;
    }

    it('a deposed leader with a no-op in flight answers only the clients of its batches, indeterminate, naming the new leader', () => {
      const t = deposedWithNoop();
      const before = t.replies.length;
      campaign(t, 3);
      t.cluster.deliver(fromTo('prepare', 3, 2));
      expect(t.cluster.state(2).leader, 'nothing of its leadership is kept').to.deep.include({ role: 'follower', current: 3, inflight: [], promises: [], queueHead: 0 });
      expect(t.replies.slice(before).map((r) => [r.node, r.client, r.seq, r.reply])).to.deep.equal([[2, 'b', 1, { status: 'indeterminate', leader: 3 }]]);
      expectNoViolations(t);
    });
  });

  it('a leader deposed by a rejection starts its election timer over', () => {
    const t = scripted(harborConfig(kvStore, { heartbeat: 3, electionTimeout: 8 }));
    elect(t, 1);
    t.cluster.deliverAll();
    t.cluster.timeout(1);
    t.cluster.timeout(1);
    expect(t.cluster.state(1).timer.elapsed).to.equal(2);
    const { ballot } = t.cluster.state(1).leader;
    const promised = { round: ballot.round + 1, node: 3 };
    t.cluster.protocol.deliver(t.cluster.state(1), { type: 'rejected', from: 2, to: 1, ballot, slot: 0, promised });
    const step = t.cluster.protocol.deliver(t.cluster.state(1), { type: 'rejected', from: 2, to: 1, ballot, slot: 0, promised });
    expect(step.state.leader).to.deep.include({ role: 'follower', current: 3 });
    expect(step.state.timer.elapsed).to.equal(0);
  });

  describe('requests', () => {
    it('a follower redirects a command to the leader it knows; a node that knows none redirects to 0; neither queues it', () => {
      const t = scripted(harborConfig(kvStore));
      const fresh = t.cluster.protocol.request(t.cluster.state(3), put('c', 1));
      expect(fresh.effects).to.deep.equal([{ type: 'reply', node: 3, client: 'c', seq: 1, reply: { status: 'redirect', leader: 0 } }]);
      expect(fresh.state.leader.queue.size).to.equal(0);
      elect(t, 2);
      const known = t.cluster.protocol.request(t.cluster.state(3), put('c', 1));
      expect(known.effects).to.deep.equal([{ type: 'reply', node: 3, client: 'c', seq: 1, reply: { status: 'redirect', leader: 2 } }]);
      expect(known.state.leader.queue.size).to.equal(0);
    });
  });

  describe('a command\'s stages (the seed lesson)', () => {
    it('the leader emits proposed, then quorum-acknowledged, then chosen, for each slot with its ballot and value, and applied in log order with the commands each slot applied', () => {
      const t = scripted(harborConfig(kvStore, { window: 2, batch: 2 }));
      const stages: string[] = [];
      t.cluster.on((e) => {
        if (e.type !== 'effect' || e.node !== 1) return;
        const x = e.effect;
        if (x.type === 'stage') stages.push(`${x.stage} ${x.slot} ${ballots.format(x.ballot)} ${x.value.kind === 'batch' ? x.value.commands.map((c) => c.seq).join('+') : 'noop'}`);
        if (x.type === 'chosen') stages.push(`chosen ${x.slot}`);
        if (x.type === 'applied') stages.push(`applied ${x.slot}: ${x.commands}`);
      });
      elect(t, 1);
      for (let seq = 1; seq <= 4; seq += 1) request(t, 1, put('a', seq));
      // Slot 1 is chosen before slot 0 (and frees the window for 3+4): both are applied when slot 0 is.
      t.cluster.deliverAll((m) => 'slot' in m && m.slot === 1);
      t.cluster.deliverAll();
      expect(stages).to.deep.equal([
        'proposed 0 41.1 1',
        'proposed 1 41.1 2',
        'quorum-acknowledged 1 41.1 2',
        'chosen 1',
        'proposed 2 41.1 3+4',
        'quorum-acknowledged 0 41.1 1',
        'chosen 0',
        'applied 0: 1',
        'applied 1: 1',
        'quorum-acknowledged 2 41.1 3+4',
        'chosen 2',
        'applied 2: 2',
      ]);
      expectNoViolations(t);
    });
  });

  describe('inputs the leader role ignores, each with its reason and without an effect', () => {
    it('a promise at a leader or a follower, and a second promise from one acceptor at a candidate', () => {
      const t = scripted(harborConfig(kvStore, { quorums: majorities(5) }));
      campaign(t, 1);
      const { ballot } = t.cluster.state(1).leader;
      const promise = (from: NodeId, to: NodeId): MultiMessage<KvOp> => ({ type: 'promise', from, to, ballot, slot: 0, entries: [] });
      t.cluster.deliver(fromTo('prepare', 1, 2));
      t.cluster.deliver(fromTo('promise', 2, 1), { keep: true });
      const duplicate = t.cluster.protocol.deliver(t.cluster.state(1), promise(2, 1));
      expect([duplicate.ignored, duplicate.effects]).to.deep.equal(['duplicate promise from 2', []]);
      expect(t.cluster.state(1).leader.promises.map((p) => p.from)).to.deep.equal([1, 2]);
      const atFollower = t.cluster.protocol.deliver(t.cluster.state(4), promise(2, 4));
      expect([atFollower.ignored, atFollower.effects]).to.deep.equal(['promise for 41.1, but this node is a follower', []]);
      t.cluster.deliverAll((m) => m.type === 'prepare' || m.type === 'promise');
      const atLeader = t.cluster.protocol.deliver(t.cluster.state(1), promise(5, 1));
      expect(t.cluster.state(1).leader.role).to.equal('leader');
      expect([atLeader.ignored, atLeader.effects]).to.deep.equal(['promise for 41.1, but this node is a leader', []]);
    });

    it('an acceptance at a follower, a second acceptance from one acceptor, and one for a slot already chosen', () => {
      const t = scripted(harborConfig(kvStore, { quorums: majorities(5) }));
      elect(t, 1);
      t.cluster.deliverAll();
      request(t, 1, put('c', 1));
      const { ballot } = t.cluster.state(1).leader;
      const accepted = (from: NodeId, to: NodeId): MultiMessage<KvOp> => ({ type: 'accepted', from, to, ballot, slot: 0, value: { kind: 'batch', commands: [put('c', 1)] } });
      const atFollower = t.cluster.protocol.deliver(t.cluster.state(2), accepted(3, 2));
      expect([atFollower.ignored, atFollower.effects]).to.deep.equal(['accepted for slot 0, but this node is a follower', []]);
      t.cluster.deliver(fromTo('accept', 1, 2));
      expect(t.cluster.deliver(fromTo('accepted', 2, 1)).ignored, 'a new acceptance below the quorum is counted, not ignored').to.equal(undefined);
      const duplicate = t.cluster.protocol.deliver(t.cluster.state(1), accepted(2, 1));
      expect([duplicate.ignored, duplicate.effects]).to.deep.equal(['duplicate accepted from 2 for slot 0', []]);
      expect(t.cluster.state(1).leader.inflight.map((p) => p.acks)).to.deep.equal([[1, 2]]);
      t.cluster.deliverAll();
      expect(t.cluster.state(1).learner.commit).to.equal(1);
      const chosen = t.cluster.protocol.deliver(t.cluster.state(1), accepted(2, 1));
      expect([chosen.ignored, chosen.effects]).to.deep.equal(['slot 0 is not in flight (already chosen, or never proposed here)', []]);
      expectNoViolations(t);
    });
  });

  describe('election timeouts', () => {
    it('a node starts with, and each campaign draws, an election timeout in [T, 2T) (both ends reached over 200 seeds); a campaign starts the timer over', () => {
      const T = 5;
      const drawn = new Set<number>();
      const initial = new Set<number>();
      for (let seed = 1; seed <= 200; seed += 1) {
        const protocol = multiPaxosProtocol(harborConfig(kvStore, { seed, electionTimeout: T }));
        let s = protocol.init(1);
        initial.add(s.timer.timeoutAt);
        while (s.leader.role === 'follower') s = protocol.timeout(s).state;
        expect(s.leader.role).to.equal('candidate');
        expect(s.timer.elapsed).to.equal(0);
        drawn.add(s.timer.timeoutAt);
      }
      expect([...drawn].sort((a, b) => a - b)).to.deep.equal([5, 6, 7, 8, 9]);
      expect([...initial].sort((a, b) => a - b)).to.deep.equal([5, 6, 7, 8, 9]);
    });

    it('a follower campaigns at the very tick its election timeout runs out, not one tick later', () => {
      const protocol = multiPaxosProtocol(harborConfig(kvStore));
      let s = protocol.init(2);
      for (let i = 1; i < s.timer.timeoutAt; i += 1) s = protocol.timeout(s).state;
      expect(s.leader.role).to.equal('follower');
      expect(s.timer.elapsed).to.equal(s.timer.timeoutAt - 1);
      expect(protocol.timeout(s).state.leader.role).to.equal('candidate');
    });
  });

  describe('campaigns and following', () => {
    it('a campaign hands the candidate its own promise (a local effect, with its votes from the first unchosen slot)', () => {
      const t = committed1();
      campaign(t, 2);
      const step = t.cluster.events.filter((e) => e.type === 'effect' && e.node === 2 && e.effect.type === 'local').map((e) => (e.type === 'effect' ? e.effect : null));
      const ballot = t.cluster.state(2).leader.ballot;
      expect(step).to.deep.equal([{ type: 'local', message: { type: 'promise', from: 2, to: 2, ballot, slot: 1, entries: [] } }]);
    });

    it('a follower that missed the new leader\'s prepare learns who leads from its first accept or heartbeat, and redirects there', () => {
      const t = scripted(harborConfig(kvStore));
      elect(t, 1);
      t.cluster.deliverAll();
      campaign(t, 2);
      t.cluster.drop(fromTo('prepare', 2, 3));
      t.cluster.deliverAll((m) => m.type === 'prepare' || m.type === 'promise');
      expect(t.cluster.state(2).leader.role).to.equal('leader');
      expect(t.cluster.state(3).leader.current).to.equal(1);
      for (let i = 0; i < t.config.heartbeat; i += 1) t.cluster.timeout(2);
      t.cluster.deliver(fromTo('heartbeat', 2, 3));
      expect(t.cluster.state(3).leader.current).to.equal(2);
      expect(t.cluster.request(3, put('c', 1)).effects).to.deep.equal([{ type: 'reply', node: 3, client: 'c', seq: 1, reply: { status: 'redirect', leader: 2 } }]);
    });

    it('a learn from an older ballot neither lowers the highest ballot a follower has seen nor restarts its election timer', () => {
      const t = committed1();
      t.cluster.timeout(3);
      const s = t.cluster.state(3);
      const highest = s.leader.highest;
      const step = t.cluster.protocol.deliver(s, { type: 'learn', from: 2, to: 3, ballot: { round: 40, node: 2 }, slot: 1, values: [NOOP], commit: 2 });
      expect(step.state.learner.commit).to.equal(2);
      expect(step.state.leader.highest).to.deep.equal(highest);
      expect(step.state.leader.current).to.equal(1);
      expect(step.state.timer.elapsed).to.equal(1);
      const newer = t.cluster.protocol.deliver(s, { type: 'learn', from: 2, to: 3, ballot: { round: 45, node: 2 }, slot: 1, values: [NOOP], commit: 2 });
      expect(newer.state.leader).to.deep.include({ highest: { round: 45, node: 2 }, current: 1, role: 'follower' });
      expect(newer.state.timer.elapsed).to.equal(1);
    });
  });

  describe('heartbeats', () => {
    it('a leader\'s heartbeat timer starts at its election and at each proposal: no heartbeat while it sends accepts', () => {
      const t = scripted(harborConfig(kvStore, { heartbeat: 3, electionTimeout: 8 }));
      campaign(t, 1);
      t.cluster.timeout(1);
      t.cluster.timeout(1);
      t.cluster.deliverAll((m) => m.type === 'prepare' || m.type === 'promise');
      expect(t.cluster.state(1).leader.role).to.equal('leader');
      expect(t.cluster.state(1).timer.elapsed, 'elected').to.equal(0);
      expect(t.cluster.state(1).leader.promises, 'a leader keeps no promises').to.deep.equal([]);
      t.cluster.timeout(1);
      t.cluster.timeout(1);
      request(t, 1, put('c', 1));
      expect(t.cluster.state(1).timer.elapsed, 'proposed').to.equal(0);
      const sent = [1, 2, 3].map(() => sends(t.cluster.timeout(1).effects).map((m) => m.type));
      expect(sent).to.deep.equal([[], [], ['accept', 'accept']]);
    });

    it('an acceptance of one in-flight slot is counted for that slot alone', () => {
      const t = scripted(harborConfig(kvStore, { quorums: majorities(5), heartbeat: 1, electionTimeout: 8 }));
      elect(t, 1);
      t.cluster.deliverAll();
      request(t, 1, put('c', 1));
      request(t, 1, put('c', 2));
      t.cluster.deliver((m) => m.type === 'accept' && m.slot === 1 && m.to === 2);
      t.cluster.deliver(fromTo('accepted', 2, 1));
      t.cluster.deliver((m) => m.type === 'accept' && m.slot === 0 && m.to === 3);
      t.cluster.deliver(fromTo('accepted', 3, 1));
      t.cluster.drop(() => true);
      expect(t.cluster.state(1).leader.inflight.map((p) => [p.slot, p.acks])).to.deep.equal([[0, [1, 3]], [1, [1, 2]]]);
      const resent = sends(t.cluster.timeout(1).effects).map((m) => (m.type === 'accept' ? `accept ${m.slot} to ${m.to}` : `${m.type} to ${m.to}`));
      expect(resent).to.deep.equal(['accept 0 to 2', 'accept 0 to 4', 'accept 0 to 5', 'accept 1 to 3', 'accept 1 to 4', 'accept 1 to 5']);
    });

    it('a heartbeat carries the leader\'s ballot and commit point, and goes out only after `heartbeat` ticks', () => {
      const t = scripted(harborConfig(kvStore, { heartbeat: 3, electionTimeout: 8 }));
      elect(t, 1);
      for (let seq = 1; seq <= 2; seq += 1) request(t, 1, put('c', seq));
      t.cluster.deliverAll();
      const { ballot } = t.cluster.state(1).leader;
      const ticks = [1, 2, 3].map(() => sends(t.cluster.timeout(1).effects));
      expect(ticks.slice(0, 2)).to.deep.equal([[], []]);
      expect(ticks[2]).to.deep.equal([2, 3].map((to) => ({ type: 'heartbeat', from: 1, to, ballot, commit: 2 })));
    });
  });
});
