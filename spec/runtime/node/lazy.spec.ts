/**
 * Lazy records (docs/runtime.md): a group commit whose changes are all lazy (Multi-Paxos:
 * `learned`) sends and replies without waiting for a sync; any other change still syncs first.
 * Sinon's fake clock and a stub on the log's sync (each sync takes 5 ms of fake time) show the
 * order of sync calls, sync completions and replies.
 */
import { expect } from 'chai';
import * as sinon from 'sinon';
import type { Protocol } from '../../../lib/core/protocol';
import type { NodeId, Step } from '../../../lib/core/types';
import type { Command, Reply } from '../../../lib/machine/command';
import type { ProtocolAdapter } from '../../../lib/runtime/node/adapter';
import { multiPaxosNodeAdapter, raftNodeAdapter } from '../../../lib/runtime/node/config';
import { NodeDriver } from '../../../lib/runtime/node/driver';
import { MemoryLog } from '../../../lib/runtime/storage';
import { MemoryNetwork } from '../../../lib/runtime/transport';

type Kind = 'learned' | 'vote' | 'promise';
interface Change {
  readonly kind: Kind;
  readonly n: number;
}
interface Msg {
  readonly type: 'note';
  readonly from: NodeId;
  readonly to: NodeId;
}
type Effect = { readonly type: 'persist'; readonly change: Change } | { readonly type: 'reply'; readonly client: string; readonly seq: number } | { readonly type: 'send'; readonly message: Msg };
/** The command says which changes its step persists; the step then replies (and sends a note to node 2). */
type Op = readonly Kind[];

let counter = 0;
const toyProtocol: Protocol<number, Msg, Effect, readonly Change[], Command<Op>> = {
  name: 'toy',
  nodes: [1, 2, 3],
  init: () => 0,
  recover: () => 0,
  deliver: (s) => ({ state: s, effects: [] }),
  timeout: (s) => ({ state: s, effects: [] }),
  request(s, c): Step<number, Effect> {
    const changes = c.op.map((kind): Effect => ({ type: 'persist', change: { kind, n: (counter += 1) } }));
    return { state: s + 1, effects: [...changes, { type: 'send', message: { type: 'note', from: 1, to: 2 } }, { type: 'reply', client: c.client, seq: c.seq }] };
  },
  sent: (e) => (e.type === 'send' ? e.message : null),
  persisted: (d, e) => (e.type === 'persist' ? [...(d ?? []), e.change] : d),
};

const toyAdapter: ProtocolAdapter<number, Msg, Effect, readonly Change[], Change, Op, string> = {
  name: 'multipaxos',
  protocol: toyProtocol,
  change: (e) => (e.type === 'persist' ? e.change : null),
  lazy: (c) => c.kind === 'learned',
  fold: (d, c) => [...(d ?? []), c],
  reply: (e): { client: string; seq: number; reply: Reply<string> } | null => (e.type === 'reply' ? { client: e.client, seq: e.seq, reply: { status: 'ok', result: 'done' } } : null),
  observed: () => null,
  view: () => ({ role: 'leader', ballot: { term: 1 }, ballotText: 'term 1', leader: 1, commit: 0, applied: 0, electionsStarted: 0, electionsWon: 0 }),
  messageType: (m) => m.type,
  rejection: () => null,
};

function toyNode(tickMs = 1_000_000) {
  const events: string[] = [];
  const log = new MemoryLog<Change, readonly Change[]>();
  const realSync = log.sync.bind(log);
  const sync = sinon.stub(log, 'sync').callsFake(async () => {
    events.push('sync called');
    await new Promise((resolve) => setTimeout(resolve, 5));
    await realSync();
    events.push(`sync resolved (${log.disk.changes.map((c) => c.load().kind).join(' ')})`);
  });
  const network = new MemoryNetwork<Msg>();
  const transport = network.transport(1);
  const peer = network.transport(2);
  void peer.start((m) => events.push(`sent ${m.type}`));
  const driver = new NodeDriver({ id: 1, adapter: toyAdapter, log, transport, timings: { tickMs } });
  let seq = 0;
  const submit = (op: Op): Promise<void> => {
    seq += 1;
    const n = seq;
    return driver.submit({ client: 'c', seq: n, op }).then((s) => {
      events.push(`reply ${n} ${s.status}`);
    });
  };
  return { events, log, sync, driver, submit };
}

describe('runtime: lazy records (a learned value needs no sync before its reply)', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    counter = 0;
    clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'Date'] });
  });
  afterEach(() => {
    clock.restore();
    sinon.restore();
  });

  it('a group of learned records only: its send and reply go out before any sync; with nothing else to carry it, a sync of its own within two ticks', async () => {
    const t = toyNode(10);
    await t.driver.start();
    void t.submit(['learned']);
    await clock.tickAsync(1);
    expect(t.events).to.deep.equal(['sent note', 'reply 1 reply']);
    expect(t.sync.callCount).to.equal(0);
    expect(t.log.stats().buffered).to.equal(1);
    expect(t.driver.status().counters.lazyGroups).to.equal(1);
    // The first tick (at 10 ms) finds it unsynced; the second (at 20 ms) syncs it.
    await clock.tickAsync(15);
    expect(t.sync.callCount).to.equal(0);
    await clock.tickAsync(15);
    expect(t.events).to.deep.equal(['sent note', 'reply 1 reply', 'sync called', 'sync resolved (learned)']);
    expect(t.log.stats().buffered).to.equal(0);
    // Nothing left to make durable: later ticks sync nothing.
    await clock.tickAsync(100);
    expect(t.sync.callCount).to.equal(1);
    await t.driver.stop();
  });

  it('a mixed group (a learned record and a vote): the reply waits for the sync, which holds both', async () => {
    const t = toyNode();
    await t.driver.start();
    void t.submit(['learned', 'vote']);
    await clock.tickAsync(1);
    expect(t.events).to.deep.equal(['sync called']);
    await clock.tickAsync(10);
    expect(t.events).to.deep.equal(['sync called', 'sync resolved (learned vote)', 'sent note', 'reply 1 reply']);
    await t.driver.stop();
  });

  it('a learned record then a vote: the vote’s sync makes both durable, in order (the log prefix)', async () => {
    const t = toyNode();
    await t.driver.start();
    void t.submit(['learned']);
    await clock.tickAsync(1);
    void t.submit(['vote']);
    await clock.tickAsync(1);
    expect(t.events).to.deep.equal(['sent note', 'reply 1 reply', 'sync called']);
    await clock.tickAsync(10);
    expect(t.events).to.deep.equal(['sent note', 'reply 1 reply', 'sync called', 'sync resolved (learned vote)', 'sent note', 'reply 2 reply']);
    expect(t.sync.callCount).to.equal(1);
    await t.driver.stop();
  });

  it('a learned record in the same turn as a promise is not lazy: one group, one sync before both replies', async () => {
    const t = toyNode();
    await t.driver.start();
    void t.submit(['learned']);
    void t.submit(['promise']);
    await clock.tickAsync(1);
    expect(t.events).to.deep.equal(['sync called']);
    await clock.tickAsync(10);
    expect(t.events).to.deep.equal(['sync called', 'sync resolved (learned promise)', 'sent note', 'reply 1 reply', 'sent note', 'reply 2 reply']);
    await t.driver.stop();
  });

  it('stop makes lazy records durable before it closes the log', async () => {
    const t = toyNode();
    await t.driver.start();
    void t.submit(['learned']);
    await clock.tickAsync(1);
    expect(t.log.disk.changes).to.have.length(0);
    const stopped = t.driver.stop();
    await clock.tickAsync(10);
    await stopped;
    expect(t.log.disk.changes.map((c) => c.load().kind)).to.deep.equal(['learned']);
  });

  it('the adapters: Multi-Paxos calls learned records lazy and nothing else; Raft nothing', () => {
    const mp = multiPaxosNodeAdapter({ nodes: [1, 2, 3], seed: 1 });
    const ballot = { round: 1, node: 1 };
    const value = { kind: 'noop' } as const;
    expect(mp.lazy({ kind: 'learned', slot: 0, value })).to.equal(true);
    expect(mp.lazy({ kind: 'vote', slot: 0, ballot, value })).to.equal(false);
    expect(mp.lazy({ kind: 'promise', ballot })).to.equal(false);
    const raft = raftNodeAdapter({ nodes: [1, 2, 3], seed: 1 });
    expect(raft.lazy({ kind: 'hard-state', term: 1, votedFor: 0 } as never)).to.equal(false);
    expect(raft.lazy({ kind: 'append', from: 1, entries: [] } as never)).to.equal(false);
  });
});
