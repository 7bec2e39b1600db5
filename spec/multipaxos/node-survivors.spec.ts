/**
 * The acceptor's, the learner's and the node's behavior that mutation testing
 * (`npm run mutation`, README "Mutation testing") found no test for: each title says what
 * lib/multipaxos must do that a surviving mutant did not. Every test runs the real roles.
 */
import { expect } from 'chai';
import type { KvOp, KvResult, KvState } from '../../lib/machine/kv';
import { kvStore } from '../../lib/machine/kv';
import type { Command } from '../../lib/machine/command';
import type { MultiMessage } from '../../lib/multipaxos/messages';
import { NOOP } from '../../lib/multipaxos/messages';
import type { DurableChange, MultiEffect, MultiNodeState } from '../../lib/multipaxos/node';
import { foldChange, initMultiNode, multiPaxosProtocol, REAL_ROLES, recoverMultiNode } from '../../lib/multipaxos/node';
import { StepBuilder } from '../../lib/multipaxos/step';
import { vote } from '../../lib/multipaxos/acceptor';
import * as ballots from '../../lib/paxos/ballot';
import * as vec from '../../lib/core/vector';
import { elect, expectNoViolations, harborConfig, okReplies, request, scripted } from './helpers';

type State = MultiNodeState<KvState, KvOp, KvResult>;
const put = (client: string, seq: number): Command<KvOp> => ({ client, seq, op: { type: 'put', key: 'k', value: seq } });
const sends = (effects: readonly MultiEffect<KvOp, KvResult>[]): MultiMessage<KvOp>[] => effects.flatMap((e) => (e.type === 'send' ? [e.message] : []));
const config = harborConfig(kvStore);
const protocol = multiPaxosProtocol(config);

/** `n` ticks of a node's logical time. */
function ticked(s: State, n: number): State {
  let out = s;
  for (let i = 0; i < n; i += 1) out = protocol.timeout(out).state;
  return out;
}

describe('lib/multipaxos acceptor, learner and node: what the surviving mutants got away with', () => {
  describe('the acceptor', () => {
    it('a promise makes the candidate the leader the acceptor knows, and starts its election timer over', () => {
      const s = ticked(protocol.init(3), 3);
      expect(s.timer.elapsed).to.equal(3);
      const step = protocol.deliver(s, { type: 'prepare', from: 2, to: 3, ballot: ballots.of(41, 2), slot: 0 });
      expect(step.state.leader.current).to.equal(2);
      expect(step.state.timer.elapsed).to.equal(0);
      expect(protocol.request(step.state, put('c', 1)).effects).to.deep.equal([{ type: 'reply', node: 3, client: 'c', seq: 1, reply: { status: 'redirect', leader: 2 } }]);
    });

    it('a heartbeat below the promise is refused with the promise, and the stale leader it fences steps down', () => {
      const t = scripted(harborConfig(kvStore));
      elect(t, 1);
      t.cluster.deliverAll();
      const old = t.cluster.state(1).leader.ballot;
      const promised = ballots.of(old.round + 1, 2);
      const at3 = protocol.deliver(t.cluster.state(3), { type: 'prepare', from: 2, to: 3, ballot: promised, slot: 0 }).state;
      const step = protocol.deliver(at3, { type: 'heartbeat', from: 1, to: 3, ballot: old, commit: 0 });
      expect(step.effects).to.deep.equal([{ type: 'send', message: { type: 'rejected', from: 3, to: 1, ballot: old, slot: 0, promised } }]);
      expect(step.state.leader.current, 'it still follows the ballot it promised').to.equal(2);
      const [rejected] = sends(step.effects);
      const deposed = protocol.deliver(t.cluster.state(1), rejected!);
      expect(deposed.state.leader).to.deep.include({ role: 'follower', current: 2, highest: promised });
    });

    it('a vote below the promise stops the step with a sentence that names both ballots', () => {
      const s = protocol.deliver(protocol.init(3), { type: 'prepare', from: 2, to: 3, ballot: ballots.of(42, 2), slot: 0 }).state;
      const b = new StepBuilder(config, REAL_ROLES, s);
      expect(() => vote(b, 0, ballots.of(41, 1), NOOP)).to.throw('a vote in 41.1 below the promise 42.2');
    });
  });

  describe('the learner', () => {
    it('a command that reaches the log after a newer command of its client is neither applied nor answered', () => {
      const t = scripted(harborConfig(kvStore, { window: 1, batch: 2 }));
      elect(t, 1);
      t.cluster.deliverAll();
      request(t, 1, put('x', 1));
      request(t, 1, put('c', 2));
      request(t, 1, put('c', 1));
      t.cluster.deliverAll();
      expect(t.cluster.state(1).learner.commit).to.equal(2);
      expect(okReplies(t, 'c', 2)).to.deep.equal([{ ok: true, value: 1 }]);
      expect(t.replies.filter((r) => r.client === 'c' && r.seq === 1)).to.deep.equal([]);
      expect(t.cluster.state(1).counters.applied).to.equal(2);
      expectNoViolations(t);
    });

    it('a node recovered with a chosen prefix asks for the rest from its first unchosen slot at the first heartbeat', () => {
      const log = vec.fromArray([NOOP]);
      const s = recoverMultiNode(config, 3, { promised: ballots.of(41, 1), votes: vec.emptyVector(), log });
      expect(s.learner.commit).to.equal(1);
      const step = protocol.deliver(s, { type: 'heartbeat', from: 1, to: 3, ballot: ballots.of(41, 1), commit: 3 });
      expect(sends(step.effects)).to.deep.equal([{ type: 'catchup', from: 3, to: 1, ballot: ballots.of(41, 1), slot: 1 }]);
    });

    it('after a learn that filled nothing below the commit point, the learner may ask again at once', () => {
      const ballot = ballots.of(41, 1);
      const heartbeat = { type: 'heartbeat', from: 1, to: 3, ballot, commit: 3 } as const;
      const asked = protocol.deliver(protocol.init(3), heartbeat).state;
      expect(protocol.deliver(asked, heartbeat).effects).to.deep.equal([]);
      const learned = protocol.deliver(asked, { type: 'learn', from: 1, to: 3, ballot, slot: 1, values: [NOOP], commit: 3 });
      expect(learned.state.learner.commit).to.equal(0);
      expect(sends(protocol.deliver(learned.state, heartbeat).effects)).to.deep.equal([{ type: 'catchup', from: 3, to: 1, ballot, slot: 0 }]);
    });
  });

  describe('the node', () => {
    it('a recovered node draws election timeouts of its own (not the ones its first life drew), pinned for seed 812', () => {
      const fresh = initMultiNode(config, 3);
      const recovered = recoverMultiNode(config, 3, { promised: ballots.of(41, 1), votes: vec.emptyVector(), log: vec.emptyVector() });
      expect(recovered.timer).to.deep.include({ elapsed: 0, timeoutAt: fresh.timer.timeoutAt });
      expect(recovered.timer.rng).to.not.equal(fresh.timer.rng);
      /** The timeouts a lone node draws at its first six campaigns. */
      const draws = (s: State): number[] => {
        const out: number[] = [];
        for (let x = s; out.length < 6; ) {
          x = protocol.timeout(x).state;
          if (x.timer.elapsed === 0) out.push(x.timer.timeoutAt);
        }
        return out;
      };
      expect(draws(fresh)).to.deep.equal([8, 8, 6, 6, 6, 6]);
      expect(draws(recovered)).to.deep.equal([9, 9, 9, 5, 5, 9]);
    });

    it('a step reports its input ignored only when it has no effect; otherwise the step has no `ignored` key at all', () => {
      const ballot = ballots.of(41, 1);
      const quiet = protocol.timeout(protocol.init(3));
      expect(quiet.effects).to.deep.equal([]);
      expect(Object.keys(quiet)).to.deep.equal(['state', 'effects']);
      // A learn above a hole: learned (effects), though the commit point did not move.
      const learned = protocol.deliver(protocol.init(3), { type: 'learn', from: 1, to: 3, ballot, slot: 1, values: [NOOP], commit: 3 });
      expect(learned.state.learner.commit).to.equal(0);
      expect(learned.effects.map((e) => e.type)).to.deep.equal(['persist', 'chosen']);
      expect(Object.keys(learned)).to.deep.equal(['state', 'effects']);
      const again = protocol.deliver(learned.state, { type: 'learn', from: 1, to: 3, ballot, slot: 1, values: [NOOP], commit: 3 });
      expect(again).to.deep.include({ effects: [], ignored: 'nothing new in learn for slots 1..1' });
    });

    it('an input of a kind no handler knows stops the step with a sentence that names it', () => {
      const s = protocol.init(1);
      expect(() => protocol.deliver(s, { type: 'gossip', from: 2, to: 1 } as unknown as MultiMessage<KvOp>)).to.throw('unexpected message: {"type":"gossip","from":2,"to":1}');
      expect(() => protocol.timeout({ ...s, leader: { ...s.leader, role: 'observer' as 'leader' } })).to.throw('unexpected role: "observer"');
      expect(() => foldChange(undefined, { kind: 'checkpoint' } as unknown as DurableChange<KvOp>)).to.throw('unexpected durable change: {"kind":"checkpoint"}');
    });
  });
});
