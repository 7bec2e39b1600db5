/**
 * The Raft leader rules, one sentence of the Raft paper per test, on the pure functions of
 * lib/raft/policy.ts and on the Multi-Paxos node that runs them (driven message by message on
 * the scripted cluster). Under the default policy nothing of this appears on the wire.
 */
import { expect } from 'chai';
import { Cluster } from '../../lib/harness/cluster';
import * as ballots from '../../lib/paxos/ballot';
import { majorities } from '../../lib/paxos/quorum';
import { kvStore } from '../../lib/machine/kv';
import type { MultiMessage } from '../../lib/multipaxos/messages';
import type { MultiPaxosConfig } from '../../lib/multipaxos/node';
import { multiPaxosProtocol } from '../../lib/multipaxos/node';
import * as vec from '../../lib/core/vector';
import type { KvOp, KvResult, KvState } from '../../lib/machine/kv';
import type { LeaderPolicy } from '../../lib/raft/policy';
import { PAXOS, RAFT, RAFT_WITHOUT_CURRENT_TERM_RULE, atLeastAsUpToDate, commitsByCount, logMatches, stampTerm } from '../../lib/raft/policy';

const b = ballots.of;

function cluster(policy: LeaderPolicy | undefined, nodes = 3) {
  const config: MultiPaxosConfig<KvState, KvOp, KvResult> = {
    quorums: majorities(nodes),
    machine: kvStore,
    window: 4,
    batch: 1,
    heartbeat: 2,
    electionTimeout: 10,
    seed: 3,
    ...(policy === undefined ? {} : { policy }),
  };
  return new Cluster(multiPaxosProtocol(config));
}

type C = ReturnType<typeof cluster>;

function campaign(c: C, node: number): void {
  for (let t = 0; t < 100 && c.state(node).role === 'follower'; t += 1) c.timeout(node);
}

const put = (client: string, value: number) => ({ client, seq: 1, op: { type: 'put' as const, key: 'k', value } });

describe('Raft leader rules (lib/raft/policy.ts)', () => {
  describe('the rules as pure functions', () => {
    it('5.4.1 "If the logs have last entries with different terms, then the log with the later term is more up-to-date"', () => {
      expect(atLeastAsUpToDate({ slot: 0, term: b(3, 1) }, { slot: 9, term: b(2, 5) })).to.equal(true);
      expect(atLeastAsUpToDate({ slot: 9, term: b(2, 5) }, { slot: 0, term: b(3, 1) })).to.equal(false);
    });

    it('5.4.1 "If the logs end with the same term, then whichever log is longer is more up-to-date"', () => {
      expect(atLeastAsUpToDate({ slot: 4, term: b(2, 1) }, { slot: 3, term: b(2, 1) })).to.equal(true);
      expect(atLeastAsUpToDate({ slot: 3, term: b(2, 1) }, { slot: 3, term: b(2, 1) })).to.equal(true);
      expect(atLeastAsUpToDate({ slot: 2, term: b(2, 1) }, { slot: 3, term: b(2, 1) })).to.equal(false);
    });

    it('an entry keeps the term in which it was first proposed; Paxos adds no term at all', () => {
      const fresh = { kind: 'noop' as const };
      expect(stampTerm(PAXOS, fresh, b(4, 1))).to.equal(fresh);
      expect(stampTerm(RAFT, fresh, b(4, 1))).to.deep.equal({ kind: 'noop', term: b(4, 1) });
      expect(stampTerm(RAFT, { kind: 'noop' as const, term: b(2, 1) }, b(4, 1))).to.deep.equal({ kind: 'noop', term: b(2, 1) });
    });

    it('5.4.2 "Raft never commits log entries from previous terms by counting replicas"; the broken variant does', () => {
      const old = { term: b(2, 1) };
      expect(commitsByCount(RAFT, old, b(4, 1))).to.equal(false);
      expect(commitsByCount(RAFT, { term: b(4, 1) }, b(4, 1))).to.equal(true);
      expect(commitsByCount(RAFT_WITHOUT_CURRENT_TERM_RULE, old, b(4, 1))).to.equal(true);
      expect(commitsByCount(PAXOS, {}, b(4, 1))).to.equal(true);
    });

    it('5.3 log matching: the entry before the slot must carry the term the leader names', () => {
      expect(logMatches(null, undefined, false)).to.equal(true);
      expect(logMatches({ term: b(2, 1) }, { term: b(2, 1) }, false)).to.equal(true);
      expect(logMatches({ term: b(2, 1) }, { term: b(1, 3) }, false)).to.equal(false);
      expect(logMatches({ term: b(2, 1) }, undefined, false)).to.equal(false);
      expect(logMatches({ term: b(2, 1) }, undefined, true)).to.equal(true);
    });
  });

  describe('in the node', () => {
    it('under the default policy no term, last position or prev appears in any message', () => {
      const c = cluster(undefined);
      campaign(c, 1);
      c.deliverAll();
      c.request(1, put('a', 1));
      c.deliverAll();
      expect(c.state(1).commit).to.equal(1);
      for (const m of c.sent) expect(JSON.stringify(m)).to.not.match(/"(term|last|prev)"/);
    });

    it('5.4.1 a voter denies its vote to a candidate whose log is less up to date, and says why', () => {
      const c = cluster(RAFT);
      campaign(c, 1);
      c.deliverAll();
      c.request(1, put('a', 1));
      // Node 2 stores the entry; node 3 never hears of it.
      c.deliverAll((m) => m.to !== 3 && m.from !== 3);
      c.drop(() => true);
      c.crash(1);
      campaign(c, 3);
      const step = c.deliver((m: MultiMessage<KvOp>) => m.type === 'prepare' && m.to === 2);
      expect(step.ignored).to.match(/^candidate 3's log \(last slot 0, term \d+\.1\) is less up to date than this one \(last slot 1, term \d+\.1\)$/);
      expect(c.state(2).promised.node).to.equal(1);
      expect(c.inFlight.filter((m) => m.type === 'promise')).to.deep.equal([]);
    });

    it('5.3 a follower refuses an accept whose previous entry it lacks', () => {
      const c = cluster(RAFT);
      campaign(c, 1);
      c.deliverAll();
      c.request(1, put('a', 1));
      c.request(1, put('b', 2));
      const skip = c.deliver((m) => m.type === 'accept' && m.to === 3 && m.slot === 2);
      expect(skip.ignored).to.match(/^log mismatch at slot 1: the leader's entry has term \d+\.1, this node's nothing$/);
      expect(vec.get(c.state(3).votes, 2)).to.equal(undefined);
      c.deliver((m) => m.type === 'accept' && m.to === 3 && m.slot === 1);
      expect(vec.get(c.state(3).votes, 1)?.value.term).to.deep.equal(c.state(1).ballot);
    });

    it('5.3 "If an existing entry conflicts with a new one (same index but different terms), delete the existing entry and all that follow it"', () => {
      const c = cluster(RAFT);
      campaign(c, 1);
      c.deliverAll();
      // Node 1 appends a and b (term of node 1) locally only, and crashes.
      c.request(1, put('a', 1));
      c.request(1, put('b', 2));
      c.drop(() => true);
      expect(vec.get(c.state(1).votes, 2)?.value.kind).to.equal('batch');
      c.crash(1);
      // Node 2 leads a newer term with node 3; its accepts to node 1 wait in the network.
      campaign(c, 2);
      c.deliverAll((m) => m.from !== 1 && m.to !== 1);
      const term2 = c.state(2).ballot;
      expect(c.state(2).role).to.equal('leader');
      c.restart(1);
      c.deliverAll((m) => m.type === 'accept' && m.to === 1);
      const s1 = c.state(1);
      expect(vec.get(s1.votes, 1)?.value).to.deep.equal({ kind: 'noop', term: term2 });
      expect(vec.get(s1.votes, 2), 'the conflicting suffix is deleted').to.equal(undefined);
    });
  });
});
