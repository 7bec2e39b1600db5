/**
 * Raft's read-only queries (section 8, lib/raft/reads.ts) on a scripted cluster: a read-index
 * read costs one round of AppendEntries and no log entry, waits for the no-op of the leader's
 * term, is never answered by a leader cut off from the majority, and a follower read says it
 * may be stale. Leases (thesis 6.4.1): a lease read costs no message while the lease runs, falls
 * back to a round once it ran out; a follower that granted a lease votes for nobody else and
 * does not campaign until it runs out; a restarted server supports nobody for a full lease.
 */
import { expect } from 'chai';
import type { Command } from '../../lib/machine/command';
import type { KvOp } from '../../lib/machine/kv';
import { Cluster } from '../../lib/harness/cluster';
import { raftProtocol } from '../../lib/raft/node';
import type { RaftConfig } from '../../lib/raft/state';
import { raftConfigProblem, raftLeaseTicks } from '../../lib/raft/state';
import type { RaftHandlers } from '../../lib/raft/node';
import type { RaftMessage } from '../../lib/raft/messages';
import type { KvResult, KvState } from '../../lib/machine/kv';
import { KvClientHistory } from '../../lib/sim/kv-history';
import { raftSimMutant } from '../../lib/zoo/raft';
import type { KvCluster, KvEffect } from './helpers';
import { raftConfig } from './helpers';

type Reply = Extract<KvEffect, { type: 'reply' }>;

const CONFIG = raftConfig(3, { electionTimeout: 3, reads: { query: (op: KvOp) => op.type === 'get' } });
const read = (seq: number, mode: string): Command<KvOp> => ({ client: 'r', seq, op: { type: 'get', key: 'x' }, read: mode } as Command<KvOp>);

/** A cluster of `config` whose client replies are collected in `replies`. */
function watched(config: RaftConfig<KvState, KvOp, KvResult> = CONFIG): { c: KvCluster; replies: Reply[] } {
  const c: KvCluster = new Cluster(raftProtocol(config));
  const replies: Reply[] = [];
  c.on((e) => {
    if (e.type === 'effect' && e.effect.type === 'reply') replies.push(e.effect);
  });
  return { c, replies };
}

/** Server 1 times out until it leads; only the messages `pass` lets through are delivered (every one by default). */
function electOne(c: KvCluster, pass?: (m: RaftMessage<KvOp>) => boolean): void {
  while (c.state(1).role !== 'leader') {
    c.timeout(1);
    c.deliverAll(pass);
  }
}

const votesOnly = (m: RaftMessage<KvOp>): boolean => m.type === 'request-vote' || m.type === 'vote';

function elected(): { c: KvCluster; replies: Reply[] } {
  const w = watched();
  electOne(w.c);
  return w;
}

describe('raft reads (section 8): read-index and follower reads', () => {
  it('read-index: "exchange heartbeat messages with a majority of the cluster before responding", no log entry', () => {
    const { c, replies } = elected();
    c.request(1, { client: 'w', seq: 1, op: { type: 'put', key: 'x', value: 7 } });
    c.deliverAll();
    const size = c.state(1).log.size;
    c.request(1, read(1, 'read-index'));
    expect(replies.filter((r) => r.client === 'r')).to.deep.equal([]);
    expect(c.inFlight.filter((m) => m.type === 'append-entries' && m.round !== undefined)).to.have.length(2);
    c.deliver((m) => m.type === 'append-entries' && m.to === 2);
    c.deliver((m) => m.type === 'append-reply' && m.from === 2);
    const reply = replies.find((r) => r.client === 'r')!;
    expect(reply.reply).to.deep.equal({ status: 'ok', result: { ok: true, value: 7 } });
    expect(reply.read).to.deep.equal({ mode: 'read-index', applied: size, stale: false });
    expect(c.state(1).log.size).to.equal(size);
  });

  it('"each leader commit[s] a blank no-op entry into the log at the start of its term" before it answers', () => {
    const { c, replies } = watched();
    electOne(c, votesOnly);
    c.drop((m) => m.type === 'append-entries');
    expect(c.state(1).commitIndex).to.equal(0);
    c.request(1, read(1, 'read-index'));
    // The round is answered, but the no-op of this term is not committed yet: no answer.
    c.deliverAll((m) => m.type === 'append-entries' && m.round !== undefined && m.to === 2);
    const refused = c.inFlight.filter((m) => m.type === 'append-reply');
    expect(refused.length).to.be.greaterThan(0);
    c.deliverAll();
    expect(c.state(1).commitIndex).to.equal(1);
    expect(replies.find((r) => r.client === 'r')!.read).to.deep.include({ mode: 'read-index' });
  });

  it('a leader cut off from the majority answers nothing, and redirects once a higher term reaches it', () => {
    const { c, replies } = elected();
    c.drop(() => true);
    c.request(1, read(1, 'read-index'));
    c.drop(() => true);
    while (c.state(2).role !== 'leader') {
      c.timeout(2);
      c.deliverAll((m) => m.to !== 1 && m.from !== 1);
    }
    expect(replies.filter((r) => r.client === 'r')).to.deep.equal([]);
    c.timeout(2);
    c.deliverAll();
    // The refusal of its heartbeat carries the higher term (the leader may still be unknown: hint 0).
    expect(replies.find((r) => r.client === 'r')!.reply.status).to.equal('redirect');
    expect(c.state(1).role).to.equal('follower');
  });

  it('a follower read is answered at once from what the server applied, labelled stale', () => {
    const { c, replies } = elected();
    c.request(3, read(1, 'follower'));
    expect(replies.find((r) => r.client === 'r')!.read).to.deep.include({ mode: 'follower', stale: true });
  });

  it('without a reads configuration a read with a mode is a log entry, as before', () => {
    const c: KvCluster = new Cluster(raftProtocol(raftConfig(3, { electionTimeout: 3 })));
    while (c.state(1).role !== 'leader') {
      c.timeout(1);
      c.deliverAll();
    }
    const size = c.state(1).log.size;
    c.request(1, read(1, 'read-index'));
    expect(c.state(1).log.size).to.equal(size + 1);
  });
});

const LEASE_CONFIG = raftConfig(3, { electionTimeout: 3, reads: { query: (op: KvOp) => op.type === 'get', lease: { ticks: 6, drift: 0.1 } } });

/** Server 1 leads with a lease: elected, x = 7 committed, one heartbeat round acknowledged by everyone. */
function leased(): { c: KvCluster; replies: Reply[] } {
  const { c, replies } = watched(LEASE_CONFIG);
  // The others wait out the grant a restarted server owes nobody: none here, they never crashed.
  electOne(c);
  c.request(1, { client: 'w', seq: 1, op: { type: 'put', key: 'x', value: 7 } });
  c.deliverAll();
  c.timeout(1);
  c.deliverAll();
  return { c, replies };
}

describe('raft lease reads (thesis 6.4.1): grants, the drift bound, expiry', () => {
  it('the lease is shortened by the drift bound: (ticks - 2) x (1 - d) / (1 + d), and a lease too short is refused', () => {
    expect(raftLeaseTicks({ ticks: 6, drift: 0.1 })).to.equal(3);
    expect(raftLeaseTicks({ ticks: 6, drift: 0 })).to.equal(4);
    expect(raftLeaseTicks({ ticks: 12, drift: 0.3 })).to.equal(5);
    const reads = { query: (op: KvOp) => op.type === 'get' };
    expect(raftConfigProblem(raftConfig(3, { reads: { ...reads, lease: { ticks: 3, drift: 0.1 } } }))).to.match(/leaves the leader no whole tick/);
    expect(raftConfigProblem(raftConfig(3, { reads: { ...reads, lease: { ticks: 6, drift: 1 } } }))).to.match(/clock-drift bound/);
    expect(() => raftProtocol(raftConfig(3, { reads: { ...reads, lease: { ticks: 2, drift: 0 } } }))).to.throw(/no whole tick/);
  });

  it('a lease read is answered at once, with no message, while the lease runs; counted as a lease hit', () => {
    const { c, replies } = leased();
    const lease = c.state(1).lease!;
    expect(lease.leaseUntil).to.be.greaterThan(lease.clock);
    const sent = c.inFlight.length;
    c.request(1, read(1, 'lease'));
    const reply = replies.find((r) => r.client === 'r')!;
    expect(reply.reply).to.deep.equal({ status: 'ok', result: { ok: true, value: 7 } });
    expect(reply.read).to.deep.include({ mode: 'lease', stale: false });
    expect(c.inFlight.length).to.equal(sent);
    expect(c.state(1).counters.reads).to.deep.include({ leaseHits: 1, leaseExpiries: 0 });
    expect(c.state(1).counters.reads!.served.lease).to.equal(1);
  });

  it('once the lease ran out (no majority heard), a lease read waits for a round and is answered as read-index; counted as an expiry', () => {
    const { c, replies } = leased();
    // The leader's heartbeats are lost for longer than its lease.
    for (let i = 0; i < 4; i += 1) {
      c.timeout(1);
      c.drop(() => true);
    }
    const l = c.state(1).lease!;
    expect(l.clock).to.be.at.least(l.leaseUntil);
    c.request(1, read(1, 'lease'));
    expect(replies.filter((r) => r.client === 'r')).to.deep.equal([]);
    expect(c.state(1).counters.reads).to.deep.include({ leaseExpiries: 1, leaseHits: 0 });
    c.deliverAll();
    expect(replies.find((r) => r.client === 'r')!.read).to.deep.include({ mode: 'read-index' });
    // The round that answered renewed the lease: the next lease read is a hit again.
    c.request(1, read(2, 'lease'));
    expect(replies.filter((r) => r.client === 'r').map((r) => r.read?.mode)).to.deep.equal(['read-index', 'lease']);
  });

  it('no lease read before the no-op of the term is committed: the new leader waits for it', () => {
    const { c, replies } = watched(LEASE_CONFIG);
    electOne(c, votesOnly);
    c.drop(() => true);
    c.request(1, read(1, 'lease'));
    expect(replies.filter((r) => r.client === 'r')).to.deep.equal([]);
    c.deliverAll();
    expect(c.state(1).commitIndex).to.equal(1);
    expect(replies.find((r) => r.client === 'r')!.reply.status).to.equal('ok');
  });

  it('a follower that granted a lease votes for no other candidate, does not take its term, and does not campaign until it runs out', () => {
    const { c } = leased();
    const term = c.state(2).currentTerm;
    // Server 1 goes silent; server 3 campaigns as soon as its own grant runs out.
    c.drop(() => true);
    const grant2 = c.state(2).lease!;
    expect(grant2.grantTo).to.equal(1);
    // Server 2's timer passes its election timeout but its grant holds: no campaign.
    c.timeout(2);
    c.timeout(2);
    c.timeout(2);
    expect(c.state(2).role).to.equal('follower');
    expect(c.state(2).counters.electionsStarted).to.equal(0);
    while (c.state(3).role !== 'candidate') c.timeout(3);
    expect(c.state(3).lease!.clock).to.be.at.least(c.state(3).lease!.grantUntil);
    const before = c.state(2);
    expect(before.lease!.clock).to.be.below(before.lease!.grantUntil);
    const step = c.deliver((m) => m.type === 'request-vote' && m.to === 2);
    expect(step?.ignored ?? '').to.match(/lease granted to server 1/);
    expect(c.state(2).currentTerm).to.equal(term);
    expect(c.state(2).votedFor).to.equal(before.votedFor);
    // Once server 2's grant ran out it campaigns or votes again: the cluster elects a new leader.
    for (let i = 0; i < 30 && ![2, 3].some((n) => c.state(n).role === 'leader'); i += 1) {
      c.timeout(2);
      c.timeout(3);
      c.deliverAll((m) => m.to !== 1 && m.from !== 1);
    }
    expect([2, 3].some((n) => c.state(n).role === 'leader')).to.equal(true);
  });

  it('a server restarted from its durable record supports nobody for a full lease (it may have granted one it cannot remember)', () => {
    const { c } = leased();
    c.crash(2);
    c.restart(2);
    const l = c.state(2).lease!;
    expect([l.clock, l.grantUntil, l.grantTo]).to.deep.equal([0, 6, 0]);
    c.drop(() => true);
    for (let i = 0; i < 5; i += 1) c.timeout(2);
    expect(c.state(2).role).to.equal('follower');
    c.timeout(2);
    expect(c.state(2).role).to.equal('candidate');
  });
});

/**
 * The story of a deposed lease holder, on a directed schedule with clocks the test drives:
 * server 1 leads with a lease and x = 7, then is cut off; servers 2 and 3 tick (server 1 once
 * every `leaderEvery` of their ticks: a slower clock) until one of them leads and acknowledges
 * x = 8; then a client asks server 1 for x with a lease read. The clients' history is checked
 * by the linearizability checker the simulator uses (lib/sim/kv-history.ts).
 */
function deposedLeaseRead(config: RaftConfig<KvState, KvOp, KvResult>, leaderEvery: number, handlers?: RaftHandlers<KvState, KvOp, KvResult>) {
  const c: KvCluster = new Cluster(raftProtocol(config, handlers));
  const history = new KvClientHistory();
  const replies: Reply[] = [];
  c.on((e) => {
    if (e.type !== 'effect' || e.effect.type !== 'reply') return;
    replies.push(e.effect);
    if (e.effect.reply.status === 'ok') history.ok(e.effect.node, e.effect.client, e.effect.seq, e.effect.reply.result, e.effect.read?.mode);
  });
  const ask = (node: number, command: Command<KvOp>): void => {
    history.invoke(command);
    c.request(node, command);
  };
  electOne(c);
  ask(1, { client: 'w', seq: 1, op: { type: 'put', key: 'x', value: 7 } });
  c.deliverAll();
  c.timeout(1);
  c.deliverAll();
  expect(c.state(1).lease!.leaseUntil).to.be.greaterThan(c.state(1).lease!.clock);
  const majority = (m: { from: number; to: number }): boolean => m.from !== 1 && m.to !== 1;
  let ticks = 0;
  while (![2, 3].some((n) => c.state(n).role === 'leader') && ticks < 100) {
    ticks += 1;
    c.timeout(2);
    c.timeout(3);
    if (ticks % leaderEvery === 0) c.timeout(1);
    c.drop((m) => !majority(m));
    c.deliverAll(majority);
  }
  const leader = [2, 3].find((n) => c.state(n).role === 'leader')!;
  ask(leader, { client: 'v', seq: 1, op: { type: 'put', key: 'x', value: 8 } });
  c.deliverAll(majority);
  c.drop((m) => !majority(m));
  expect(replies.find((r) => r.client === 'v')?.reply.status, 'x = 8 acknowledged by the new leader').to.equal('ok');
  ask(1, read(1, 'lease'));
  c.drop((m) => !majority(m));
  const answer = replies.find((r) => r.client === 'r');
  return { ticks, answer: answer?.reply.status === 'ok' ? answer.reply.result.value : undefined, linearizable: history.verdict(0, 0).ok };
}

describe('raft leases: the checks bite (directed)', () => {
  const reads = { query: (op: KvOp) => op.type === 'get' };

  it('lease-without-grants: followers that vote before their grant ran out elect a new leader while the old one still answers "7": not linearizable; the real code answers nothing', () => {
    // A lease longer than the election timeout (10 ticks of lease, timeouts of 3-5): only the grants keep the followers from electing.
    const config = raftConfig(3, { electionTimeout: 3, reads: { ...reads, lease: { ticks: 12, drift: 0 } } });
    const broken = deposedLeaseRead(config, 1, raftSimMutant('lease-without-grants')!.handlers<KvState, KvOp, KvResult>());
    expect(broken.answer).to.equal(7);
    expect(broken.linearizable).to.equal(false);
    const real = deposedLeaseRead(config, 1);
    expect(real.ticks, 'the followers waited out their grants').to.be.at.least(12);
    expect(real.answer).to.equal(undefined);
    expect(real.linearizable).to.equal(true);
  });

  it('a lease past its drift bound: the old leader\'s clock runs at a third of the others\' (drift 0.5); a lease that assumes no drift answers "7", one that assumes 0.5 does not', () => {
    const past = deposedLeaseRead(raftConfig(3, { electionTimeout: 3, reads: { ...reads, lease: { ticks: 6, drift: 0 } } }), 3);
    expect(past.answer).to.equal(7);
    expect(past.linearizable).to.equal(false);
    const within = deposedLeaseRead(raftConfig(3, { electionTimeout: 3, reads: { ...reads, lease: { ticks: 6, drift: 0.5 } } }), 3);
    expect(within.answer).to.equal(undefined);
    expect(within.linearizable).to.equal(true);
  });
});
