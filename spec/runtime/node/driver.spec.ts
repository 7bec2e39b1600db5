/**
 * The node driver on a controlled clock (sinon's fake timers): three drivers on the
 * transport's MemoryNetwork (every message encoded and validated as TcpTransport does) with
 * the storage's MemoryLog. Elections, heartbeats and retransmission in
 * wall-clock time; persist before send, checked with spies on the log and the transport; a
 * failed sync stops the node before any send; snapshots recover.
 */
import { expect } from 'chai';
import * as sinon from 'sinon';
import type { Addressed } from '../../../lib/core/protocol';
import type { NodeId } from '../../../lib/core/types';
import type { HarborOp, HarborResult, HarborState } from '../../../lib/machine/harbor';
import type { Command } from '../../../lib/machine/command';
import type { ProtocolAdapter, ProtocolName } from '../../../lib/runtime/node/adapter';
import { multiPaxosNodeAdapter, raftNodeAdapter } from '../../../lib/runtime/node/config';
import type { Submitted } from '../../../lib/runtime/node/driver';
import { NodeDriver } from '../../../lib/runtime/node/driver';
import { MemoryDisk, MemoryLog, recoverMultiPaxos, recoverRaft } from '../../../lib/runtime/storage';
import type { MessageValidator } from '../../../lib/runtime/transport';
import { MemoryNetwork, multiPaxosMessage, raftMessage } from '../../../lib/runtime/transport';
import { toObject } from '../../../lib/core/hashmap';
import type { OwnVote } from '../../../lib/multipaxos/state';
import * as vec from '../../../lib/core/vector';

type Msg = Addressed & { type: string };

/** A memory network that records every message sent and every message a rule dropped. */
class Net {
  readonly network: MemoryNetwork<Msg>;
  readonly sent: Msg[] = [];
  readonly dropped: Msg[] = [];
  drop: (m: Msg) => boolean = () => false;

  constructor(protocol: ProtocolName) {
    const validate = (protocol === 'raft' ? raftMessage : multiPaxosMessage) as unknown as MessageValidator<Msg>;
    this.network = new MemoryNetwork<Msg>({ validate });
    this.network.dropWhen((m) => {
      const lost = this.drop(m);
      if (lost) this.dropped.push(m);
      return lost;
    });
  }

  transport(id: NodeId) {
    const t = this.network.transport(id);
    const send = t.send.bind(t);
    t.send = (to, m) => {
      this.sent.push(m);
      return send(to, m);
    };
    return t;
  }
}

const IDS: readonly NodeId[] = [1, 2, 3];
const TICK_MS = 10;
const HEARTBEAT_MS = 50;

type AnyAdapter = ProtocolAdapter<unknown, Msg, unknown, unknown, unknown, HarborOp, HarborResult>;

function adapterFor(protocol: ProtocolName, ownVote?: OwnVote): AnyAdapter {
  const options = { nodes: IDS, seed: 7, ...(ownVote === undefined ? {} : { ownVote }) };
  return (protocol === 'raft' ? raftNodeAdapter<HarborState, HarborOp, HarborResult>(options) : multiPaxosNodeAdapter<HarborState, HarborOp, HarborResult>(options)) as unknown as AnyAdapter;
}

interface Member {
  readonly driver: NodeDriver<unknown, Msg, unknown, unknown, unknown, HarborOp, HarborResult>;
  readonly log: MemoryLog<unknown, unknown>;
  readonly disk: MemoryDisk<unknown, unknown>;
}

/**
 * Every send must find every appended change durable, except lazy ones (docs/runtime.md: a
 * `learned` record may still be buffered; a promise or a vote never).
 */
interface Violation {
  readonly node: NodeId;
  readonly type: string;
}

function cluster(protocol: ProtocolName, options: { snapshotEvery?: number; requestTimeoutMs?: number; everythingLazy?: boolean; ownVote?: OwnVote } = {}) {
  const hub = new Net(protocol);
  const adapter = adapterFor(protocol, options.ownVote);
  // The deliberately broken driver: every change lazy, so promises and votes go out unsynced.
  const driven: AnyAdapter = options.everythingLazy === true ? { ...adapter, lazy: () => true } : adapter;
  const violations: Violation[] = [];
  const members = new Map<NodeId, Member>();
  for (const id of IDS) {
    const disk = new MemoryDisk<unknown, unknown>();
    const log = new MemoryLog<unknown, unknown>({ disk });
    // How many changes were appended up to and including the last one that is not lazy.
    let mustBeDurable = 0;
    const append = log.append.bind(log);
    log.append = (changes) => {
      const before = log.stats().appended;
      changes.forEach((ch, k) => {
        if (!adapter.lazy(ch)) mustBeDurable = before + k + 1;
      });
      append(changes);
    };
    const transport = hub.transport(id);
    const send = transport.send.bind(transport);
    transport.send = (to, m) => {
      if (log.stats().durableChanges < mustBeDurable) violations.push({ node: id, type: m.type });
      return send(to, m);
    };
    const driver = new NodeDriver({ id, adapter: driven, log, transport, timings: { tickMs: TICK_MS, snapshotEvery: options.snapshotEvery ?? 50_000, requestTimeoutMs: options.requestTimeoutMs ?? 2000 } });
    members.set(id, { driver, log, disk });
  }
  const leaders = () => [...members.values()].filter((m) => m.driver.status().role === 'leader').map((m) => m.driver);
  return { hub, adapter, members, violations, leaders };
}

const isAccept = (m: Msg): boolean =>
  m.type === 'accept' || (m.type === 'append-entries' && (m as unknown as { entries: unknown[] }).entries.length > 0);

const reserve = (seq: number, booking: string): Command<HarborOp> => ({ client: 'c1', seq, op: { type: 'reserve', suite: 'S12', booking } });

function settled<T>(p: Promise<T>): { value: T | undefined } {
  const box: { value: T | undefined } = { value: undefined };
  void p.then((v) => { box.value = v; });
  return box;
}

describe('runtime: the node driver on a fake clock', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'Date'] });
  });
  afterEach(() => {
    clock.restore();
    sinon.restore();
  });

  for (const protocol of ['multipaxos', 'raft'] as const) {
    describe(protocol, () => {
      it('elects one leader within a second of wall-clock time, and its heartbeats keep it', async () => {
        const c = cluster(protocol);
        for (const m of c.members.values()) await m.driver.start();
        expect(c.leaders()).to.have.length(0);
        await clock.tickAsync(1000);
        const [leader, ...others] = c.leaders();
        expect(others).to.have.length(0);
        expect(leader).to.not.equal(undefined);
        for (const m of c.members.values()) expect(m.driver.status().leader).to.equal(leader!.id);
        const ballot = leader!.status().ballotText;
        const started = [...c.members.values()].reduce((n, m) => n + m.driver.status().counters.electionsStarted, 0);
        const sentBefore = c.hub.sent.length;
        await clock.tickAsync(5000);
        expect(c.leaders().map((d) => d.id)).to.deep.equal([leader!.id]);
        expect(leader!.status().ballotText).to.equal(ballot);
        expect([...c.members.values()].reduce((n, m) => n + m.driver.status().counters.electionsStarted, 0)).to.equal(started);
        // 5 s of heartbeats every 50 ms to two followers: about 200 messages from the leader.
        const fromLeader = c.hub.sent.slice(sentBefore).filter((m) => m.from === leader!.id).length;
        expect(fromLeader).to.be.within(180, 220);
        expect(c.violations).to.deep.equal([]);
        for (const m of c.members.values()) await m.driver.stop();
      });

      it('retransmits a dropped accept after the heartbeat interval, and the command is chosen', async () => {
        const c = cluster(protocol);
        for (const m of c.members.values()) await m.driver.start();
        await clock.tickAsync(1000);
        const leader = c.leaders()[0]!;
        const firstAccepts = new Set<NodeId>();
        c.hub.drop = (m) => {
          if (!isAccept(m) || firstAccepts.has(m.to)) return false;
          firstAccepts.add(m.to);
          return true;
        };
        const t0 = Date.now();
        const answer = settled(leader.submit(reserve(1, '8841')));
        await clock.tickAsync(TICK_MS * 2);
        expect(c.hub.dropped.filter(isAccept).map((m) => m.to).sort()).to.deep.equal(IDS.filter((id) => id !== leader.id));
        expect(answer.value, 'no quorum without the dropped accepts').to.equal(undefined);
        await clock.tickAsync(HEARTBEAT_MS + TICK_MS * 2);
        expect(answer.value).to.deep.equal({ status: 'reply', reply: { status: 'ok', result: { ok: true, suite: 'S12', booking: '8841', status: 'reserved' } } });
        const resent = c.hub.sent.filter((m) => isAccept(m) && m.to !== leader.id);
        expect(resent.length).to.be.at.least(4);
        expect(Date.now() - t0).to.be.at.most(HEARTBEAT_MS + TICK_MS * 4);
        // Every node applies it: the booking is held by 8841 on all three.
        await clock.tickAsync(HEARTBEAT_MS * 3);
        for (const m of c.members.values()) {
          const s = m.driver.protocolState as { learner?: { replica: { machine: HarborState } }; replica?: { machine: HarborState } };
          const machine = (s.learner?.replica ?? s.replica)!.machine;
          expect(machine.bookings.S12, `node ${m.driver.id}`).to.deep.equal({ booking: '8841', status: 'reserved' });
          expect(m.driver.status().counters.applied).to.equal(1);
        }
        expect(leader.status().counters.proposed).to.equal(1);
        expect(leader.status().counters.quorumAcknowledged).to.equal(1);
        // A retry with the same (client, seq) is answered with the first result; a rival booking is refused.
        const retry = settled(leader.submit(reserve(1, '8841')));
        const rival = settled(leader.submit({ client: 'c2', seq: 1, op: { type: 'reserve', suite: 'S12', booking: '8849' } }));
        await clock.tickAsync(HEARTBEAT_MS);
        expect(retry.value).to.deep.equal(answer.value);
        expect(rival.value).to.deep.equal({ status: 'reply', reply: { status: 'ok', result: { ok: false, suite: 'S12', reason: 'suite S12 is already reserved for booking 8841' } } });
        expect(c.violations).to.deep.equal([]);
        // Every message passed the transport's schemas (the booking operations included).
        for (const m of c.members.values()) expect(m.driver.status().transport.rejected, `node ${m.driver.id}`).to.deep.equal({});
        for (const m of c.members.values()) await m.driver.stop();
      });

      it(protocol === 'multipaxos' ? "the leader answers with its learned record still buffered (lazy); a sync within two ticks makes it durable" : 'the leader answers only once every change of its step is durable (Raft has no lazy record)', async () => {
        const c = cluster(protocol);
        for (const m of c.members.values()) await m.driver.start();
        await clock.tickAsync(1000);
        const leader = c.leaders()[0]!;
        const log = c.members.get(leader.id)!.log;
        const answered: { buffered: number; durable: number; appended: number }[] = [];
        const first = leader.submit(reserve(1, '8841')).then((s) => {
          const st = log.stats();
          answered.push({ buffered: st.buffered, durable: st.durableChanges, appended: st.appended });
          return s;
        });
        await clock.tickAsync(TICK_MS * 2);
        expect((await first).status).to.equal('reply');
        expect(answered).to.have.length(1);
        const at = answered[0]!;
        if (protocol === 'multipaxos') {
          // The learned record of the command's slot was appended and not yet synced.
          expect(at.buffered).to.be.at.least(1);
          expect(at.durable).to.be.below(at.appended);
          const kinds = (m: Member): string[] => m.disk.changes.map((ch) => (ch.load() as { kind: string }).kind);
          await clock.tickAsync(TICK_MS * 3);
          expect(log.stats().buffered).to.equal(0);
          expect(kinds(c.members.get(leader.id)!)).to.include('learned');
          expect(leader.status().counters.lazyGroups).to.be.at.least(1);
        } else {
          expect(at.buffered).to.equal(0);
          expect(at.durable).to.equal(at.appended);
          expect(leader.status().counters.lazyGroups).to.equal(0);
        }
        expect(c.violations).to.deep.equal([]);
        for (const m of c.members.values()) await m.driver.stop();
      });

      if (protocol === 'multipaxos') {
        /**
         * A started cluster whose leader's syncs all wait for the test (a slow disk), with one
         * follower that never hears an accept (a quorum then needs the leader's own acceptance),
         * and booking #8841 submitted at the leader, three ticks ago.
         */
        const slowLeaderDisk = async (options: Parameters<typeof cluster>[1]) => {
          const c = cluster(protocol, options);
          for (const m of c.members.values()) await m.driver.start();
          await clock.tickAsync(1000);
          const leader = c.leaders()[0]!;
          const { log } = c.members.get(leader.id)!;
          const held: (() => void)[] = [];
          const sync = log.sync.bind(log);
          log.sync = () => new Promise<void>((resolve, reject) => held.push(() => void sync().then(resolve, reject)));
          const [silent, other] = IDS.filter((id) => id !== leader.id) as [NodeId, NodeId];
          c.hub.drop = (m) => m.type === 'accept' && m.to === silent;
          const before = c.hub.sent.length;
          const answer = settled(leader.submit(reserve(1, '8841')));
          await clock.tickAsync(TICK_MS * 3);
          const release = (): void => {
            while (held.length > 0) held.shift()!();
          };
          const stop = async (): Promise<void> => {
            release();
            log.sync = sync;
            for (const m of c.members.values()) await m.driver.stop();
          };
          return { c, leader, log, held, silent, other, answer, sent: c.hub.sent.slice(before), release, stop };
        };

        for (const ownVote of ['parallel', 'inline'] as const) {
          it(ownVote === 'parallel'
            ? "own vote in parallel (the node's default): the accepts leave while the leader's vote is still being synced, and its acceptance counts only once the sync is done"
            : 'own vote inline: no accept leaves before the leader\'s vote is durable', async () => {
            const t = await slowLeaderDisk({ ownVote });
            const stats = t.log.stats();
            expect(t.held.length, 'the leader waits for the sync of its vote').to.be.at.least(1);
            expect(stats.durableChanges, 'its vote is appended, not durable').to.be.below(stats.appended);
            expect(t.answer.value, 'not chosen: one follower voted, the leader\'s vote is not durable').to.equal(undefined);
            if (ownVote === 'parallel') {
              expect(t.sent.filter((m) => m.type === 'accept').map((m) => m.to).sort()).to.deep.equal([t.silent, t.other].sort());
              expect(t.sent.some((m) => m.type === 'accepted' && m.from === t.other), 'the other follower already voted').to.equal(true);
              expect(t.leader.status().counters.loopback, 'the accept to itself').to.be.at.least(1);
            } else {
              expect(t.sent.filter((m) => m.type === 'accept'), 'inline: the accepts wait for the sync').to.deep.equal([]);
              expect(t.leader.status().counters.loopback).to.equal(0);
            }
            t.release();
            await clock.tickAsync(TICK_MS * 3);
            t.release();
            await clock.tickAsync(TICK_MS * 3);
            expect(t.answer.value).to.deep.equal({ status: 'reply', reply: { status: 'ok', result: { ok: true, suite: 'S12', booking: '8841', status: 'reserved' } } });
            expect(t.c.violations).to.deep.equal([]);
            await t.stop();
          });
        }

        it('own vote in parallel, and a broken driver that does not wait for the vote\'s sync: the leader answers before its vote is durable, which the test above rejects', async () => {
          const t = await slowLeaderDisk({ everythingLazy: true });
          const stats = t.log.stats();
          expect(stats.durableChanges).to.be.below(stats.appended);
          expect(t.answer.value?.status).to.equal('reply');
          await t.stop();
        });
      }

      it('the persist-before-send check catches a driver that treats every change as lazy', async () => {
        const c = cluster(protocol, { everythingLazy: true });
        for (const m of c.members.values()) await m.driver.start();
        await clock.tickAsync(1000);
        expect(c.violations.length).to.be.above(0);
        expect(c.violations.map((v) => v.type)).to.include(protocol === 'raft' ? 'vote' : 'promise');
        for (const m of c.members.values()) await m.driver.stop();
      });

      it('a follower redirects to the leader; a cut-off leader answers timeout at the deadline', async () => {
        const c = cluster(protocol, { requestTimeoutMs: 500 });
        for (const m of c.members.values()) await m.driver.start();
        await clock.tickAsync(1000);
        const leader = c.leaders()[0]!;
        const follower = [...c.members.values()].find((m) => m.driver.id !== leader.id)!.driver;
        const redirected = settled(follower.submit(reserve(1, '8841')));
        await clock.tickAsync(TICK_MS);
        expect(redirected.value).to.deep.equal({ status: 'reply', reply: { status: 'redirect', leader: leader.id } });
        c.hub.drop = (m) => m.from === leader.id || m.to === leader.id;
        const cut = settled<Submitted<HarborResult>>(leader.submit(reserve(2, '8841')));
        await clock.tickAsync(490);
        expect(cut.value).to.equal(undefined);
        await clock.tickAsync(20);
        expect(cut.value?.status === 'timeout' || (cut.value?.status === 'reply' && cut.value.reply.status === 'indeterminate')).to.equal(true);
        for (const m of c.members.values()) await m.driver.stop();
      });

      it('writes the whole durable record as a snapshot past the bound, and a node restarts from it', async () => {
        const c = cluster(protocol, { snapshotEvery: 5 });
        for (const m of c.members.values()) await m.driver.start();
        await clock.tickAsync(1000);
        const leader = c.leaders()[0]!;
        for (let seq = 1; seq <= 6; seq += 1) {
          const put = settled(leader.submit({ client: 'c1', seq, op: { type: 'put', key: `k${seq}`, value: seq } }));
          await clock.tickAsync(TICK_MS * 3);
          expect(put.value?.status).to.equal('reply');
        }
        const m = c.members.get(leader.id)!;
        expect(m.driver.status().counters.snapshots).to.be.at.least(1);
        expect(m.disk.snapshot).to.not.equal(undefined);
        await m.driver.stop();
        // The node restarts from its disk alone (on a network of its own): the snapshot and the
        // changes after it rebuild a record that holds all six commands.
        const alone = new Net(protocol);
        const again = new NodeDriver({ id: leader.id, adapter: c.adapter, log: new MemoryLog<unknown, unknown>({ disk: m.disk }), transport: alone.transport(leader.id), timings: { tickMs: TICK_MS } });
        const recovered = await again.start();
        expect(recovered.snapshot).to.not.equal(undefined);
        const puts = (entries: readonly unknown[]): string[] =>
          JSON.stringify(entries).match(/"key":"k\d"/g) ?? [];
        if (protocol === 'raft') {
          const record = recoverRaft(recovered as never)!;
          expect(puts(vec.range(record.log, 0))).to.have.length(6);
        } else {
          const record = recoverMultiPaxos(recovered as never)!;
          expect(puts(vec.range(record.log, 0))).to.have.length(6);
          const s = again.protocolState as { learner: { commit: number; replica: { machine: HarborState } } };
          expect(s.learner.commit).to.be.at.least(6);
          expect(toObject(s.learner.replica.machine.kv)).to.deep.equal({ k1: 1, k2: 2, k3: 3, k4: 4, k5: 5, k6: 6 });
        }
        await again.stop();
        for (const other of c.members.values()) await other.driver.stop();
      });
    });
  }
});

/** A lone node in a 3-node cluster, and a message that makes it persist and then answer. */
function lone(protocol: ProtocolName) {
  const hub = new Net(protocol);
  const events: string[] = [];
  const log = new MemoryLog<unknown, unknown>();
  const realSync = log.sync.bind(log);
  const sync = sinon.stub(log, 'sync').callsFake(async () => {
    events.push('sync called');
    await new Promise((resolve) => setTimeout(resolve, 5));
    await realSync();
    events.push(`sync resolved (${log.disk.changes.length} durable)`);
  });
  const transport = hub.transport(1);
  const send = sinon.spy(transport, 'send');
  const peer = hub.network.transport(2);
  void peer.start((m) => events.push(`sent ${m.type}`));
  const post = (m: Msg) => peer.send(1, m);
  const onFatal = sinon.spy();
  const driver = new NodeDriver({ id: 1, adapter: adapterFor(protocol), log, transport, onFatal, timings: { tickMs: 1_000_000 } });
  const trigger: Msg =
    protocol === 'raft'
      ? ({ type: 'request-vote', from: 2, to: 1, term: 5, lastLogIndex: 0, lastLogTerm: 0 } as Msg)
      : ({ type: 'prepare', from: 2, to: 1, ballot: { round: 5, node: 2 }, slot: 0 } as Msg);
  return { post, events, log, sync, send, driver, trigger, onFatal };
}

describe('runtime: persist before send (spies on the storage and the transport)', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'Date'] });
  });
  afterEach(() => {
    clock.restore();
    sinon.restore();
  });

  for (const protocol of ['multipaxos', 'raft'] as const) {
    it(`${protocol}: the sync of a step resolves before that step's first send`, async () => {
      const t = lone(protocol);
      await t.driver.start();
      t.post(t.trigger);
      await clock.tickAsync(1);
      expect(t.sync.callCount).to.equal(1);
      expect(t.send.callCount, 'nothing leaves while the sync is in flight').to.equal(0);
      await clock.tickAsync(10);
      expect(t.send.callCount).to.equal(1);
      expect(t.sync.calledBefore(t.send)).to.equal(true);
      // Raft persists the new term and then the vote (two changes); Multi-Paxos the promise.
      expect(t.events).to.deep.equal(['sync called', `sync resolved (${protocol === 'raft' ? 2 : 1} durable)`, `sent ${protocol === 'raft' ? 'vote' : 'promise'}`]);
      const answer = t.send.firstCall.args[1] as unknown as { type: string; granted?: boolean };
      if (protocol === 'raft') expect(answer.granted).to.equal(true);
      await t.driver.stop();
    });

    it(`${protocol}: a sync that rejects stops the node before any send`, async () => {
      const t = lone(protocol);
      await t.driver.start();
      t.log.failNextSync(new Error('EIO: fdatasync failed'));
      t.post(t.trigger);
      await clock.tickAsync(20);
      expect(t.sync.callCount).to.equal(1);
      expect(t.send.callCount).to.equal(0);
      expect(t.onFatal.callCount).to.equal(1);
      expect((t.onFatal.firstCall.args[0] as Error).message).to.match(/EIO/);
      expect(t.driver.stopped).to.equal(true);
      expect(t.driver.status().stopped).to.equal(true);
      // Stopped for good: a later message, tick or command changes nothing and sends nothing.
      t.post({ ...t.trigger, from: 3 } as Msg);
      expect(await t.driver.submit({ client: 'c', seq: 1, op: { type: 'get', key: 'k' } })).to.deep.equal({ status: 'stopped' });
      await clock.tickAsync(1000);
      expect(t.send.callCount).to.equal(0);
    });
  }

  it('the check catches a driver that sends before its sync resolves', async () => {
    // The deliberately broken variant: the same lone node, with a log whose sync claims to be
    // done at once while the disk is written later. The event order the test above asserts
    // then fails: the send comes before the change is durable.
    const t = lone('multipaxos');
    const realSync = t.sync.wrappedMethod.bind(t.log);
    t.sync.callsFake(() => {
      t.events.push('sync called');
      setTimeout(() => void realSync().then(() => t.events.push(`sync resolved (${t.log.disk.changes.length} durable)`)), 5);
      return Promise.resolve();
    });
    await t.driver.start();
    t.post(t.trigger);
    await clock.tickAsync(20);
    expect(t.events).to.not.deep.equal(['sync called', 'sync resolved (1 durable)', 'sent promise']);
    expect(t.events).to.deep.equal(['sync called', 'sent promise', 'sync resolved (1 durable)']);
    await t.driver.stop();
  });
});
