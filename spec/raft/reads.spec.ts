/**
 * Raft's read-only queries (section 8, lib/raft/reads.ts) on a scripted cluster: a read-index
 * read costs one round of AppendEntries and no log entry, waits for the no-op of the leader's
 * term, is never answered by a leader cut off from the majority, and a follower read says it
 * may be stale.
 */
import { expect } from 'chai';
import type { Command } from '../../lib/machine/command';
import type { KvOp } from '../../lib/machine/kv';
import { Cluster } from '../../lib/harness/cluster';
import { raftProtocol } from '../../lib/raft/node';
import type { KvCluster, KvEffect } from './helpers';
import { raftConfig } from './helpers';

type Reply = Extract<KvEffect, { type: 'reply' }>;

const CONFIG = raftConfig(3, { electionTimeout: 3, reads: { query: (op: KvOp) => op.type === 'get' } });
const read = (seq: number, mode: string): Command<KvOp> => ({ client: 'r', seq, op: { type: 'get', key: 'x' }, read: mode } as Command<KvOp>);

function elected(): { c: KvCluster; replies: Reply[] } {
  const c: KvCluster = new Cluster(raftProtocol(CONFIG));
  const replies: Reply[] = [];
  c.on((e) => {
    if (e.type === 'effect' && e.effect.type === 'reply') replies.push(e.effect);
  });
  while (c.state(1).role !== 'leader') {
    c.timeout(1);
    c.deliverAll();
  }
  return { c, replies };
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
    const c: KvCluster = new Cluster(raftProtocol(CONFIG));
    const replies: Reply[] = [];
    c.on((e) => {
      if (e.type === 'effect' && e.effect.type === 'reply') replies.push(e.effect);
    });
    while (c.state(1).role !== 'leader') {
      c.timeout(1);
      c.deliverAll((m) => m.type === 'request-vote' || m.type === 'vote');
    }
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
