/**
 * Branches of the Multi-Paxos roles that no other test ran (issue 14, item 4: survivors of
 * mutation testing): the reject branches for a promise or an acceptance of an older ballot
 * (each with the zoo mutant that takes it away, and the invariant that mutant then breaks on a
 * directed schedule), re-learning a chosen slot, a one-node cluster, a stale command, the
 * redirect of a deposed leader's queue, and every configuration `configProblem` refuses.
 */
import { expect } from 'chai';
import type { KvOp, KvResult, KvState } from '../../lib/machine/kv';
import { kvStore } from '../../lib/machine/kv';
import type { Command } from '../../lib/machine/command';
import type { Entry, MultiMessage } from '../../lib/multipaxos/messages';
import type { MultiPaxosConfig } from '../../lib/multipaxos/node';
import { configProblem, initMultiNode, REAL_ROLES } from '../../lib/multipaxos/node';
import { StepBuilder } from '../../lib/multipaxos/step';
import { learn } from '../../lib/multipaxos/learner';
import { multiPaxosMutant } from '../../lib/zoo/multipaxos';
import { majorities } from '../../lib/paxos/quorum';
import * as ballots from '../../lib/paxos/ballot';
import type { NodeId } from '../../lib/core/types';
import type { Scripted } from './helpers';
import { campaign, elect, harborConfig, okReplies, request, scripted } from './helpers';

type T = Scripted<KvState, KvOp, KvResult>;
const put = (client: string, seq: number, value: number): Command<KvOp> => ({ client, seq, op: { type: 'put', key: 'x', value } });
const batch = (c: Command<KvOp>): Entry<KvOp> => ({ kind: 'batch', commands: [c] });
const fromTo = (type: MultiMessage<KvOp>['type'], from: NodeId, node: NodeId) => (m: MultiMessage<KvOp>): boolean => m.type === type && m.from === from && m.to === node;
const roles = (name: string) => multiPaxosMutant(name)!.roles;

describe('Multi-Paxos roles: the branches mutation testing found untested', () => {
  describe('a promise answered to the candidate\'s earlier ballot (section 3: a quorum of promises "for" the new ballot)', () => {
    /**
     * Node 1 campaigns in 41.1; node 3's promise for 41.1 is delayed. Node 2 (which never saw
     * 41.1) leads in 41.2 with node 3, and x=2 is chosen in slot 0 by {2, 3}; node 1 promises
     * 41.2 (it voted for nothing) and later campaigns again (42.1); the late promise for 41.1
     * arrives, reporting no votes: node 3's vote for x=2 is not in it.
     */
    function scenario(t: T): void {
      campaign(t, 1);
      t.cluster.deliver(fromTo('prepare', 1, 3));
      t.cluster.drop(fromTo('prepare', 1, 2));
      campaign(t, 2);
      t.cluster.deliverAll((m) => (m.type === 'prepare' && m.from === 2 && m.to === 3) || (m.type === 'promise' && m.to === 2 && m.from === 3));
      expect(t.cluster.state(2).leader.role).to.equal('leader');
      request(t, 2, put('c2', 1, 2));
      t.cluster.deliverAll((m) => (m.type === 'accept' && m.to === 3) || (m.type === 'accepted' && m.to === 2));
      expect(okReplies(t, 'c2', 1), 'x=2 is chosen and acknowledged').to.have.length(1);
      // Node 1 hears of 42.2 (it abandons 41.1), then campaigns again, above it.
      t.cluster.deliver(fromTo('prepare', 2, 1));
      t.cluster.drop((m) => m.to === 2 || m.from === 2);
      expect(t.cluster.state(1).leader.role).to.equal('follower');
      campaign(t, 1);
      expect(ballots.format(t.cluster.state(2).leader.ballot)).to.equal('41.2');
      expect(ballots.format(t.cluster.state(1).leader.ballot)).to.equal('42.1');
      t.cluster.drop((m) => m.type === 'prepare' && m.from === 1);
      t.cluster.deliver((m) => m.type === 'promise' && m.from === 3 && m.to === 1 && m.ballot.round === 41);
    }

    it('the real candidate ignores it and does not lead', () => {
      const t = scripted(harborConfig(kvStore));
      scenario(t);
      expect(t.cluster.state(1).leader.role).to.equal('candidate');
      expect(t.cluster.events.filter((e) => e.type === 'deliver').at(-1)).to.deep.include({ type: 'deliver', ignored: 'stale promise for ballot 41.1, campaigning with 42.1' });
      expect(t.violations).to.deep.equal([]);
    });

    it('candidate-counts-stale-promise counts it, leads without node 3\'s vote, and overwrites the chosen slot (VotesSafe)', () => {
      const t = scripted(harborConfig(kvStore), roles('candidate-counts-stale-promise'));
      scenario(t);
      expect(t.cluster.state(1).leader.role).to.equal('leader');
      request(t, 1, put('c1', 1, 1));
      t.cluster.deliverAll();
      expect(t.violations.map((v) => v.invariant)).to.include('VotesSafe');
    });
  });

  describe('an acceptance of the leader\'s older ballot ("chosen" needs a quorum of acceptances in one ballot)', () => {
    /**
     * Five nodes. Node 1 leads 41.1 and proposes x=1 in slot 0; node 4 accepts (its accepted is
     * delayed). Node 2 leads 42.2 with nodes 3 and 5 (none voted) and proposes x=2 in slot 0;
     * only node 1 accepts. Node 1 leads 43.1 with nodes 3 and 5 and re-proposes x=2 (its own vote
     * in 42.2 is the highest); node 3 accepts. Then node 4's acceptance of 41.1, for x=1, arrives.
     */
    function scenario(t: T): void {
      elect(t, 1);
      request(t, 1, put('c1', 1, 1));
      t.cluster.deliver(fromTo('accept', 1, 4));
      t.cluster.drop((m) => m.type === 'accept' && m.from === 1);
      campaign(t, 2);
      t.cluster.deliverAll((m) => (m.type === 'prepare' && m.from === 2 && [3, 5].includes(m.to)) || (m.type === 'promise' && m.to === 2));
      t.cluster.drop((m) => m.type === 'prepare' && m.from === 2);
      expect(t.cluster.state(2).leader.role).to.equal('leader');
      request(t, 2, put('c2', 1, 2));
      t.cluster.deliver(fromTo('accept', 2, 1));
      t.cluster.drop((m) => m.from === 2 || (m.from === 1 && m.type !== 'accepted'));
      expect(t.cluster.state(1).leader.role).to.equal('follower');
      campaign(t, 1);
      t.cluster.deliverAll((m) => (m.type === 'prepare' && m.from === 1 && [3, 5].includes(m.to)) || (m.type === 'promise' && m.to === 1));
      t.cluster.drop((m) => m.type === 'prepare' && m.from === 1);
      expect(t.cluster.state(1).leader.role).to.equal('leader');
      t.cluster.deliver(fromTo('accept', 1, 3));
      t.cluster.deliver(fromTo('accepted', 3, 1));
      t.cluster.drop((m) => m.type === 'accept');
      t.cluster.deliver((m) => m.type === 'accepted' && m.from === 4 && m.to === 1 && m.ballot.round === 41);
    }

    it('the real leader ignores it: x=2 is not chosen by {1, 3} and an acceptance of x=1', () => {
      const t = scripted(harborConfig(kvStore, { quorums: majorities(5) }));
      scenario(t);
      expect(t.cluster.events.filter((e) => e.type === 'deliver').at(-1)).to.deep.include({ type: 'deliver', ignored: `stale accepted for ballot 41.1, leading ${ballots.format(t.cluster.state(1).leader.ballot)}` });
      expect(okReplies(t, 'c2', 1)).to.deep.equal([]);
      expect(t.violations).to.deep.equal([]);
    });

    it('leader-counts-stale-accepted counts it and acknowledges x=2, which no quorum accepted in any ballot (AckImpliesChosen)', () => {
      const t = scripted(harborConfig(kvStore, { quorums: majorities(5) }), roles('leader-counts-stale-accepted'));
      scenario(t);
      expect(okReplies(t, 'c2', 1)).to.have.length(1);
      expect(t.violations.map((v) => v.invariant)).to.include('AckImpliesChosen');
    });
  });

  it('re-learning a chosen slot neither counts it twice nor emits `chosen` again, and never replaces it', () => {
    const config = harborConfig(kvStore);
    const b = new StepBuilder(config, REAL_ROLES, initMultiNode(config, 2));
    learn(b, 1, batch(put('c1', 1, 1)));
    learn(b, 1, batch(put('c1', 1, 1)));
    learn(b, 1, batch(put('c9', 1, 9)));
    const first = b.finish();
    expect(first.effects.filter((e) => e.type === 'chosen')).to.have.length(1);
    expect(first.effects.filter((e) => e.type === 'persist')).to.have.length(1);
    expect(first.state.counters.committed).to.equal(1);
    expect(first.state.learner.log.size).to.equal(2);
    // Below the commit point too: slot 0 chosen, both slots applied, then slot 0 learned again.
    const c = new StepBuilder(config, REAL_ROLES, first.state);
    learn(c, 0, batch(put('c0', 1, 5)));
    expect(c.s.learner.commit).to.equal(2);
    const before = c.effects.length;
    learn(c, 0, batch(put('c0', 1, 5)));
    learn(c, 0, batch(put('c8', 1, 8)));
    expect(c.effects.length).to.equal(before);
    const second = c.finish();
    expect(second.effects.filter((e) => e.type === 'chosen')).to.have.length(1);
    expect(second.effects.filter((e) => e.type === 'persist')).to.have.length(1);
    expect(second.state.counters.committed).to.equal(2);
  });

  it('a one-node cluster (phase-1 and phase-2 quorums of 1) elects itself, chooses, applies and answers', () => {
    const t = scripted(harborConfig(kvStore, { quorums: majorities(1) }));
    campaign(t, 1);
    expect(t.cluster.state(1).leader.role, 'its own promise is a quorum').to.equal('leader');
    request(t, 1, put('c1', 1, 7));
    request(t, 1, { client: 'c1', seq: 2, op: { type: 'get', key: 'x' } });
    expect(okReplies(t, 'c1', 1)).to.deep.equal([{ ok: true, value: null }]);
    expect(okReplies(t, 'c1', 2)).to.deep.equal([{ ok: true, value: 7 }]);
    expect(t.cluster.state(1).learner.commit).to.equal(2);
    expect(t.cluster.sent.filter((m) => m.to !== 1), 'nothing to send to anyone').to.deep.equal([]);
    expect(t.violations).to.deep.equal([]);
  });

  it('a stale command (older than the client\'s last) is not answered ok, nor proposed', () => {
    const t = scripted(harborConfig(kvStore, { quorums: majorities(1) }));
    campaign(t, 1);
    request(t, 1, put('c1', 1, 1));
    request(t, 1, put('c1', 2, 2));
    const replies = t.replies.length;
    const step = t.cluster.request(1, put('c1', 1, 1));
    expect(step.ignored).to.equal('command c1#1 is older than the client\'s last');
    expect(t.replies.length).to.equal(replies);
    expect(okReplies(t, 'c1', 1)).to.have.length(1);
    // The latest command is answered again from the session, unapplied.
    t.cluster.request(1, put('c1', 2, 2));
    expect(okReplies(t, 'c1', 2)).to.deep.equal([{ ok: true, value: 1 }, { ok: true, value: 1 }]);
    expect(t.cluster.state(1).learner.commit).to.equal(2);
  });

  it('a leader that steps down tells its in-flight clients "indeterminate" and its queued clients "redirect" to the new leader', () => {
    const t = scripted(harborConfig(kvStore, { window: 1 }));
    elect(t, 1);
    for (let c = 1; c <= 3; c += 1) request(t, 1, put(`c${c}`, 1, c));
    expect(t.cluster.state(1).leader.inflight).to.have.length(1);
    campaign(t, 2);
    t.cluster.deliver(fromTo('prepare', 2, 1));
    expect(t.cluster.state(1).leader.role).to.equal('follower');
    const of = (client: string) => t.replies.filter((r) => r.client === client).map((r) => r.reply);
    expect(of('c1')).to.deep.equal([{ status: 'indeterminate', leader: 2 }]);
    expect(of('c2')).to.deep.equal([{ status: 'redirect', leader: 2 }]);
    expect(of('c3')).to.deep.equal([{ status: 'redirect', leader: 2 }]);
    expect(t.cluster.state(1).leader.queue.size).to.equal(0);
  });

  describe('configProblem refuses each bad configuration, with its sentence', () => {
    const good: MultiPaxosConfig<KvState, KvOp, KvResult> = harborConfig(kvStore);
    const cases: [Partial<MultiPaxosConfig<KvState, KvOp, KvResult>>, string][] = [
      [{ window: 0 }, 'window must be a whole number >= 1, got 0'],
      [{ window: 1.5 }, 'window must be a whole number >= 1, got 1.5'],
      [{ batch: 0 }, 'batch must be a whole number >= 1, got 0'],
      [{ batch: 2.5 }, 'batch must be a whole number >= 1, got 2.5'],
      [{ heartbeat: 0 }, 'heartbeat must be >= 1 tick, got 0'],
      [{ heartbeat: 1.5 }, 'heartbeat must be >= 1 tick, got 1.5'],
      [{ heartbeat: 2, electionTimeout: 2 }, 'the election timeout (2) must be a whole number of ticks above the heartbeat (2)'],
      [{ electionTimeout: 5.5 }, 'the election timeout (5.5) must be a whole number of ticks above the heartbeat (2)'],
      [{ quorums: { ...majorities(3), acceptors: [0, 1, 2] } }, 'node ids are whole numbers >= 1'],
      [{ quorums: { ...majorities(3), acceptors: [1, 2.5, 3] } }, 'node ids are whole numbers >= 1'],
    ];
    it('accepts the good one', () => expect(configProblem(good)).to.equal(null));
    for (const [patch, sentence] of cases) {
      it(`${JSON.stringify(patch.quorums?.acceptors ?? patch)}: "${sentence}"`, () => {
        expect(configProblem({ ...good, ...patch })).to.equal(sentence);
      });
    }
  });
});
