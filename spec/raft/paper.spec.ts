/**
 * The Raft paper ("In Search of an Understandable Consensus Algorithm", extended version),
 * section by section, after the scenarios of etcd-io/raft's raft_paper_test.go: our own tests
 * of the same sentences, on lib/raft, driven server by server and on the scripted cluster.
 */
import { expect } from 'chai';
import * as vec from '../../lib/core/vector';
import { entryAt } from '../../lib/raft/state';
import { atLeastAsUpToDate } from '../../lib/raft/election';
import { deliverRaft, requestRaft, tickRaft } from '../../lib/raft/node';
import type { KvMessage, KvRaft } from './helpers';
import { clusterOf, elect, leader, logOf, persisted, put, raftConfig, sent, server, termsOf } from './helpers';

const config = raftConfig(3);

const appendFrom = (from: number, to: number, term: number, prevLogIndex: number, prevLogTerm: number, entryTerms: number[], leaderCommit: number): KvMessage => ({
  type: 'append-entries',
  from,
  to,
  term,
  prevLogIndex,
  prevLogTerm,
  entries: termsOf(logOf(entryTerms)).map((t) => ({ term: t, kind: 'noop' as const })),
  leaderCommit,
});

const voteRequest = (from: number, to: number, term: number, lastLogIndex: number, lastLogTerm: number): KvMessage => ({ type: 'request-vote', from, to, term, lastLogIndex, lastLogTerm });

describe('Raft paper, section 5.1: terms', () => {
  const messages = (term: number): KvMessage[] => [
    appendFrom(2, 1, term, 0, 0, [], 0),
    voteRequest(2, 1, term, 0, 0),
    { type: 'vote', from: 2, to: 1, term, granted: false },
    { type: 'append-reply', from: 2, to: 1, term, success: false, index: 0, match: 0, conflictIndex: 1, conflictTerm: 0 },
  ];

  for (const role of ['follower', 'candidate', 'leader'] as const) {
    it(`a ${role} that sees a higher term updates its term, persisted, and becomes a follower`, () => {
      for (const m of messages(5)) {
        const s = role === 'leader' ? leader(config, 1, 2) : server(config, 1, { role, currentTerm: 2, votedFor: role === 'candidate' ? 1 : 0 });
        const step = deliverRaft(config, s, m);
        expect(step.state.currentTerm, m.type).to.equal(5);
        expect(step.state.role, m.type).to.equal('follower');
        expect(persisted(step).filter((c) => c.kind === 'hard-state').pop(), m.type).to.deep.equal({ kind: 'hard-state', currentTerm: 5, votedFor: m.type === 'request-vote' ? 2 : 0 });
        if (m.type === 'append-entries') expect(step.state.leader).to.equal(2);
      }
    });
  }

  it('a request of a stale term is refused with the receiver\'s term; a stale reply is dropped', () => {
    const s = server(config, 1, { currentTerm: 4 });
    const [append, request, vote, reply] = messages(3);
    const refusedAppend = sent(deliverRaft(config, s, append!));
    expect(refusedAppend).to.have.length(1);
    expect(refusedAppend[0]).to.include({ type: 'append-reply', term: 4, success: false });
    expect(sent(deliverRaft(config, s, request!))[0]).to.include({ type: 'vote', term: 4, granted: false });
    expect(deliverRaft(config, s, vote!).ignored).to.match(/stale vote/);
    expect(deliverRaft(config, s, reply!).ignored).to.match(/stale append-reply/);
  });
});

describe('Raft paper, section 5.2: leader election', () => {
  it('servers start as followers of term 0 with no vote', () => {
    const s = server(config, 1);
    expect(s).to.include({ role: 'follower', currentTerm: 0, votedFor: 0, commitIndex: 0 });
  });

  it('a leader sends AppendEntries to every follower each heartbeat', () => {
    const step = tickRaft(config, leader(config, 1, 1, logOf([1])));
    expect(sent(step).map((m) => [m.type, m.to])).to.deep.equal([['append-entries', 2], ['append-entries', 3]]);
  });

  for (const role of ['follower', 'candidate'] as const) {
    it(`a ${role} whose election timeout elapses starts an election in a new term, votes for itself, and asks every server`, () => {
      let s: KvRaft = server(config, 1, { role, currentTerm: 1, votedFor: role === 'candidate' ? 1 : 0 });
      let requests: KvMessage[] = [];
      for (let i = 0; i < 2 * config.electionTimeout && requests.length === 0; i += 1) {
        const step = tickRaft(config, s);
        s = step.state;
        requests = sent(step);
        if (requests.length > 0) expect(persisted(step)).to.deep.equal([{ kind: 'hard-state', currentTerm: 2, votedFor: 1 }]);
      }
      expect(s).to.include({ role: 'candidate', currentTerm: 2, votedFor: 1 });
      expect(requests.map((m) => [m.type, m.to, m.term])).to.deep.equal([['request-vote', 2, 2], ['request-vote', 3, 2]]);
    });
  }

  const oneRound: [servers: number, granted: number[], outcome: string][] = [
    [1, [], 'leader'],
    [3, [2, 3], 'leader'],
    [3, [2], 'leader'],
    [3, [], 'candidate'],
    [5, [2, 3, 4, 5], 'leader'],
    [5, [2, 3], 'leader'],
    [5, [2], 'candidate'],
    [5, [], 'candidate'],
  ];
  for (const [n, granted, outcome] of oneRound) {
    it(`election in one round: ${n} servers, ${granted.length} votes granted: ${outcome}`, () => {
      const c = raftConfig(n);
      let s = server(c, 1, { timeoutAt: 1 });
      s = tickRaft(c, s).state;
      for (let p = 2; p <= n; p += 1) s = deliverRaft(c, s, { type: 'vote', from: p, to: 1, term: 1, granted: granted.includes(p) }).state;
      expect(s.role).to.equal(outcome);
      expect(s.currentTerm).to.equal(1);
    });
  }

  const votes: [votedFor: number, candidate: number, granted: boolean][] = [
    [0, 2, true],
    [0, 3, true],
    [2, 2, true],
    [3, 3, true],
    [2, 3, false],
    [3, 2, false],
  ];
  for (const [votedFor, candidate, granted] of votes) {
    it(`a follower that voted for ${votedFor || 'nobody'} ${granted ? 'grants' : 'denies'} ${candidate} in the same term (first come, first served)`, () => {
      const s = server(config, 1, { currentTerm: 1, votedFor });
      const step = deliverRaft(config, s, voteRequest(candidate, 1, 1, 0, 0));
      expect(sent(step)).to.deep.equal([{ type: 'vote', from: 1, to: candidate, term: 1, granted }]);
      expect(step.state.votedFor).to.equal(granted ? candidate : votedFor);
      if (granted && votedFor === 0) expect(persisted(step)).to.deep.equal([{ kind: 'hard-state', currentTerm: 1, votedFor: candidate }]);
    });
  }

  for (const term of [1, 2]) {
    it(`a candidate that hears AppendEntries of term ${term} (its own term ${1}) ${term === 1 ? 'steps down' : 'steps down and adopts the term'}`, () => {
      const s = server(config, 1, { role: 'candidate', currentTerm: 1, votedFor: 1, votes: [1] });
      const step = deliverRaft(config, s, appendFrom(2, 1, term, 0, 0, [], 0));
      expect(step.state).to.include({ role: 'follower', currentTerm: term, leader: 2 });
    });
  }

  it('election timeouts are randomized in [T, 2T), and differ between servers', () => {
    const drawn = new Set<number>();
    for (let id = 1; id <= 20; id += 1) {
      const t = server(raftConfig(20), id).timeoutAt;
      expect(t).to.be.within(10, 19);
      drawn.add(t);
    }
    expect(drawn.size).to.be.greaterThan(3);
  });
});

describe('Raft paper, section 5.3: log replication', () => {
  it('the leader appends a client command to its log, persisted, and sends it to every follower', () => {
    const s = leader(config, 1, 1, logOf([1]));
    const step = requestRaft(config, s, put('a', 1, 10));
    expect(step.state.log.size).to.equal(2);
    expect(persisted(step)).to.deep.equal([{ kind: 'append', index: 2, entries: [{ term: 1, kind: 'command', command: put('a', 1, 10) }] }]);
    expect(sent(step).map((m) => (m.type === 'append-entries' ? [m.to, m.prevLogIndex, m.prevLogTerm, m.entries.length, m.leaderCommit] : []))).to.deep.equal([
      [2, 1, 1, 1, 0],
      [3, 1, 1, 1, 0],
    ]);
  });

  it('the leader commits an entry once it is on a majority, applies it, and answers the client', () => {
    let s = leader(config, 1, 1, logOf([1]));
    s = requestRaft(config, s, put('a', 1, 10)).state;
    const step = deliverRaft(config, s, { type: 'append-reply', from: 2, to: 1, term: 1, success: true, index: 0, match: 2, conflictIndex: 0, conflictTerm: 0 });
    expect(step.state.commitIndex).to.equal(2);
    expect(step.effects.filter((e) => e.type === 'reply')).to.deep.equal([{ type: 'reply', node: 1, client: 'a', seq: 1, reply: { status: 'ok', result: { ok: true, value: null } } }]);
    expect(step.effects.filter((e) => e.type === 'chosen').map((e) => (e as { slot: number }).slot)).to.deep.equal([1, 2]);
  });

  for (const [servers, acks, committed] of [[1, [], true], [3, [], false], [3, [2], true], [5, [2], false], [5, [2, 3], true], [5, [2, 3, 4, 5], true]] as [number, number[], boolean][]) {
    it(`acknowledgement: ${servers} servers, ${acks.length} followers stored the entry: ${committed ? 'committed' : 'not committed'}`, () => {
      const c = raftConfig(servers);
      let s = leader(c, 1, 1, logOf([1]));
      s = { ...s, matchIndex: Object.fromEntries(c.servers.filter((p) => p !== 1).map((p) => [p, 1])), commitIndex: 1 };
      s = requestRaft(c, s, put('a', 1, 1)).state;
      for (const p of acks) s = deliverRaft(c, s, { type: 'append-reply', from: p, to: 1, term: 1, success: true, index: 1, match: 2, conflictIndex: 0, conflictTerm: 0 }).state;
      expect(s.commitIndex).to.equal(committed ? 2 : 1);
    });
  }

  it('committing an entry of its term commits the entries before it, of older terms too', () => {
    const s = leader(config, 1, 3, logOf([1, 2, 3]));
    const step = deliverRaft(config, s, { type: 'append-reply', from: 3, to: 1, term: 3, success: true, index: 0, match: 3, conflictIndex: 0, conflictTerm: 0 });
    expect(step.state.commitIndex).to.equal(3);
  });

  it('a follower commits up to min(leaderCommit, index of last new entry) and applies in order', () => {
    const s = server(config, 2, { currentTerm: 1, log: logOf([1], true) });
    const m: KvMessage = {
      type: 'append-entries',
      from: 1,
      to: 2,
      term: 1,
      prevLogIndex: 1,
      prevLogTerm: 1,
      entries: [{ term: 1, kind: 'command', command: put('a', 1, 5) }],
      leaderCommit: 5,
    };
    const step = deliverRaft(config, s, m);
    expect(step.state.commitIndex).to.equal(2);
    expect(step.effects.filter((e) => e.type === 'applied').map((e) => (e as { slot: number }).slot)).to.deep.equal([1, 2]);
    const heartbeat = deliverRaft(config, step.state, appendFrom(1, 2, 1, 0, 0, [], 2));
    expect(heartbeat.state.commitIndex, 'a heartbeat that covers nothing new').to.equal(2);
  });

  const checks: [prevLogIndex: number, prevLogTerm: number, success: boolean, conflictIndex: number, conflictTerm: number][] = [
    [0, 0, true, 0, 0],
    [2, 2, true, 0, 0],
    [1, 1, true, 0, 0],
    [1, 2, false, 1, 1],
    [3, 3, false, 3, 0],
  ];
  for (const [prevLogIndex, prevLogTerm, success, conflictIndex, conflictTerm] of checks) {
    it(`a follower with log terms [1, 2] ${success ? 'accepts' : 'refuses, with a hint,'} AppendEntries at prevLogIndex ${prevLogIndex}, prevLogTerm ${prevLogTerm}`, () => {
      const s = server(config, 2, { currentTerm: 2, log: logOf([1, 2]) });
      const replies = sent(deliverRaft(config, s, appendFrom(1, 2, 2, prevLogIndex, prevLogTerm, [], 0)));
      expect(replies).to.have.length(1);
      expect(replies[0]).to.include({ type: 'append-reply', term: 2, success, index: prevLogIndex, conflictIndex, conflictTerm });
    });
  }

  const appends: [prevLogIndex: number, prevLogTerm: number, entries: number[], result: number[], truncated: boolean][] = [
    [2, 2, [3], [1, 2, 3], false],
    [1, 1, [3, 4], [1, 3, 4], true],
    [0, 0, [1], [1, 2], false],
    [0, 0, [3], [3], true],
  ];
  for (const [prevLogIndex, prevLogTerm, entries, result, truncated] of appends) {
    it(`a follower with log terms [1, 2] given entries ${JSON.stringify(entries)} after index ${prevLogIndex} holds ${JSON.stringify(result)} (conflicts deleted, the rest appended)`, () => {
      const s = server(config, 2, { currentTerm: 4, log: logOf([1, 2]) });
      const step = deliverRaft(config, s, appendFrom(1, 2, 4, prevLogIndex, prevLogTerm, entries, 0));
      expect(termsOf(step.state.log)).to.deep.equal(result);
      expect(persisted(step).some((p) => p.kind === 'truncate')).to.equal(truncated);
    });
  }

  const figure7: Record<string, number[]> = {
    a: [1, 1, 1, 4, 4, 5, 5, 6, 6],
    b: [1, 1, 1, 4],
    c: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
    d: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
    e: [1, 1, 1, 4, 4, 4, 4],
    f: [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
  };
  const leaderLog = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
  for (const [name, terms] of Object.entries(figure7)) {
    it(`Figure 7 (${name}): the leader of term 8 brings follower ${name}'s log to its own`, () => {
      const c = raftConfig(3);
      const followerTerm = Math.max(...terms);
      const cluster = clusterOf(c, [
        server(c, 1, { currentTerm: 7, log: logOf(leaderLog) }),
        server(c, 2, { currentTerm: followerTerm, log: logOf(terms) }),
        server(c, 3, { currentTerm: 7, log: logOf(leaderLog) }),
      ]);
      // Server 1 wins term 8 with server 3's vote (server 2 may refuse it: d's log is more up to date).
      cluster.drop(() => true);
      for (let i = 0; i < 100 && cluster.state(1).role === 'follower'; i += 1) cluster.timeout(1);
      if (cluster.state(1).currentTerm < 8) {
        cluster.drop(() => true);
        for (let i = 0; i < 100 && cluster.state(1).currentTerm < 8; i += 1) cluster.timeout(1);
      }
      cluster.deliverAll((m) => m.type !== 'append-entries' || m.to === 3);
      cluster.deliverAll();
      for (let beat = 0; beat < 3; beat += 1) {
        cluster.timeout(1);
        cluster.deliverAll();
      }
      const lead = cluster.state(1);
      expect(lead).to.include({ role: 'leader' });
      expect(lead.currentTerm).to.be.at.least(8);
      expect(termsOf(cluster.state(2).log)).to.deep.equal(termsOf(lead.log));
      expect(cluster.state(2).commitIndex).to.equal(lead.log.size);
      const durable = cluster.durable.get(2);
      expect(termsOf(durable!.log), 'the durable log converged too').to.deep.equal(termsOf(lead.log));
    });
  }
});

describe('Raft paper, section 5.4: safety', () => {
  it('5.4.1: a candidate sends its last log index and term', () => {
    const s = server(config, 1, { currentTerm: 2, log: logOf([1, 2]), timeoutAt: 1 });
    for (const m of sent(tickRaft(config, s))) expect(m).to.include({ type: 'request-vote', term: 3, lastLogIndex: 2, lastLogTerm: 2 });
  });

  const voter: [lastLogTerm: number, lastLogIndex: number, granted: boolean][] = [
    [2, 2, true],
    [2, 3, true],
    [2, 1, false],
    [3, 1, true],
    [3, 3, true],
    [1, 5, false],
    [1, 2, false],
  ];
  for (const [lastLogTerm, lastLogIndex, granted] of voter) {
    it(`5.4.1: a voter with log terms [1, 2] ${granted ? 'grants' : 'denies'} a candidate whose log ends at index ${lastLogIndex}, term ${lastLogTerm}`, () => {
      const s = server(config, 2, { currentTerm: 3, log: logOf([1, 2]) });
      expect(atLeastAsUpToDate({ lastLogTerm, lastLogIndex }, s.log)).to.equal(granted);
      const replies = sent(deliverRaft(config, s, voteRequest(1, 2, 3, lastLogIndex, lastLogTerm)));
      expect(replies).to.deep.equal([{ type: 'vote', from: 2, to: 1, term: 3, granted }]);
    });
  }

  for (const [index, committed] of [[1, false], [2, false], [3, true]] as [number, boolean][]) {
    it(`5.4.2: a leader of term 3 counting replicas of index ${index} ${committed ? 'commits it (its own term)' : 'does not commit it (an older term)'}`, () => {
      const s = leader(config, 1, 3, logOf([1, 2, 3]));
      const step = deliverRaft(config, s, { type: 'append-reply', from: 2, to: 1, term: 3, success: true, index: 0, match: index, conflictIndex: 0, conflictTerm: 0 });
      expect(step.state.commitIndex).to.equal(committed ? index : 0);
    });
  }

  it('section 8: a new leader appends a no-op of its term and commits it, with every entry before it', () => {
    const c = raftConfig(3);
    const cluster = clusterOf(c, [server(c, 1, { currentTerm: 1, log: logOf([1, 1], true) }), server(c, 2, { currentTerm: 1, log: logOf([1, 1], true) })]);
    elect(cluster, 1);
    const s = cluster.state(1);
    expect(s.role).to.equal('leader');
    expect(entryAt(s.log, 3)).to.deep.equal({ term: 2, kind: 'noop' });
    expect(s.commitIndex).to.equal(3);
    expect(vec.range(cluster.state(3).log, 0)).to.have.length(3);
  });
});

describe('Raft clients', () => {
  it('a follower redirects to the leader it knows', () => {
    const s = server(config, 2, { currentTerm: 1, leader: 1 });
    expect(requestRaft(config, s, put('a', 1, 1)).effects).to.deep.equal([{ type: 'reply', node: 2, client: 'a', seq: 1, reply: { status: 'redirect', leader: 1 } }]);
  });

  it('a deposed leader answers indeterminate for the commands it appended and never saw committed', () => {
    let s = leader(config, 1, 1, logOf([1]));
    s = requestRaft(config, s, put('a', 1, 1)).state;
    const step = deliverRaft(config, s, appendFrom(2, 1, 2, 0, 0, [], 0));
    expect(step.effects.filter((e) => e.type === 'reply')).to.deep.equal([{ type: 'reply', node: 1, client: 'a', seq: 1, reply: { status: 'indeterminate', leader: 2 } }]);
  });

  it('a retry with the same (client, seq) is appended once and applied once', () => {
    const cluster = clusterOf(raftConfig(3));
    elect(cluster, 1);
    cluster.request(1, put('a', 1, 1));
    expect(cluster.request(1, put('a', 1, 1)).ignored).to.match(/already in the log/);
    cluster.deliverAll();
    const again = cluster.request(1, put('a', 1, 1));
    expect(again.effects).to.deep.equal([{ type: 'reply', node: 1, client: 'a', seq: 1, reply: { status: 'ok', result: { ok: true, value: null } } }]);
    expect(cluster.state(1).counters.applied).to.equal(1);
  });

  it('one follower lags far behind and the other crashes: the leader steps the laggard up and acknowledges the command', () => {
    const c = raftConfig(3);
    const cluster = clusterOf(c, [server(c, 1, { currentTerm: 3, log: logOf([1, 1, 2, 3, 3], true) }), server(c, 3, { currentTerm: 3, log: logOf([1, 1, 2, 3, 3], true) })]);
    elect(cluster, 1);
    cluster.crash(3);
    cluster.drop(() => true);
    const acked: unknown[] = [];
    cluster.on((e) => {
      if (e.type === 'effect' && e.effect.type === 'reply') acked.push(e.effect.reply);
    });
    cluster.request(1, put('a', 1, 7));
    for (let beat = 0; beat < 10 && acked.length === 0; beat += 1) {
      cluster.timeout(1);
      cluster.deliverAll();
    }
    expect(acked).to.deep.equal([{ status: 'ok', result: { ok: true, value: 5 } }]);
    expect(termsOf(cluster.state(2).log)).to.deep.equal(termsOf(cluster.state(1).log));
  });

  it('a crash keeps currentTerm, votedFor and the log, and nothing volatile', () => {
    const cluster = clusterOf(raftConfig(3));
    elect(cluster, 1);
    cluster.request(1, put('a', 1, 1));
    cluster.deliverAll();
    const before = cluster.state(2);
    cluster.crash(2);
    const after = cluster.state(2);
    expect(after).to.include({ currentTerm: before.currentTerm, votedFor: before.votedFor, commitIndex: 0, role: 'follower' });
    expect(termsOf(after.log)).to.deep.equal(termsOf(before.log));
  });
});
