/**
 * Log compaction on real nodes: three nodes started in this process by `startNode` (what
 * `synod node` runs: FileLog in a data directory, TcpTransport under the cluster secret, the
 * HTTP API), with `snapshotEvery` 8 slots so that a few dozen commands cross several snapshots.
 *
 * - A follower stopped while the others commit past several snapshots is brought up to date,
 *   once restarted, by a snapshot install over TCP: it received a `snapshot` message (counted
 *   in /metrics and /v1/status), its replica equals the leader's (the key-value store, the
 *   booking, the client sessions), and a retry of a command it never saw in its log gets its
 *   first result.
 * - A restart of all three nodes after compaction recovers every booking.
 * - The data directories hold the snapshot and only the log after it: the files stay within a
 *   bound set by `snapshotEvery`, not by the number of commands ever committed.
 *
 * Ports 29101-29103 (nodes) and 29201-29203 (clients).
 */
import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { toObject } from '../../lib/core/hashmap';
import { get as vecGet } from '../../lib/core/vector';
import type { HarborOp, HarborResult, HarborState } from '../../lib/machine/harbor';
import { cachedResult } from '../../lib/machine/replica';
import type { MultiNodeState } from '../../lib/multipaxos/state';
import { clusterStatus, statusLines } from '../../lib/cli/status';
import { ClusterClient } from '../../lib/runtime/node/client';
import { fileSnapshotChanges, WINDOW } from '../../lib/runtime/node/config';
import type { NodeStatus } from '../../lib/runtime/node/driver';
import type { NodeProcessConfig, RunningNode } from '../../lib/runtime/node/process';
import { LOG_PREALLOCATE, startNode } from '../../lib/runtime/node/process';
import { FileLog, multiPaxosCodecs, recoverMultiPaxos } from '../../lib/runtime/storage';

const IDS = [1, 2, 3] as const;
const SNAPSHOT_EVERY = 8;
const peer = (id: number) => `127.0.0.1:${29100 + id}`;
const clientAddress = (id: number) => `127.0.0.1:${29200 + id}`;

type State = MultiNodeState<HarborState, HarborOp, HarborResult>;
interface Inside {
  readonly protocolState: State | undefined;
  status(): NodeStatus;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function until(what: string, condition: () => boolean, ms = 20_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await pause(20);
  }
}

describe('runtime: log compaction on real nodes (FileLog, TcpTransport, snapshot install)', function () {
  this.timeout(120_000);
  let dir = '';
  const running = new Map<number, RunningNode>();
  const client = new ClusterClient({ addresses: IDS.map(clientAddress), timeoutMs: 20_000, backoffMs: 50 });
  let seq = 0;
  const bookings: Record<string, { booking: string; status: string }> = {};

  const config = (id: number, tickMs = 10): NodeProcessConfig => ({
    id,
    listen: peer(id),
    peers: new Map(IDS.filter((p) => p !== id).map((p) => [p, peer(p)])),
    clientAddresses: new Map(IDS.map((p) => [p, clientAddress(p)])),
    data: path.join(dir, `node-${id}`),
    secretFile: path.join(dir, 'secret'),
    protocol: 'multipaxos',
    logLevel: 'silent',
    snapshotEvery: SNAPSHOT_EVERY,
    timings: { tickMs },
  });
  const inside = (id: number): Inside => running.get(id)!.driver as unknown as Inside;
  const state = (id: number): State => inside(id).protocolState!;
  const start = async (id: number, tickMs?: number) => running.set(id, await startNode(config(id, tickMs)));
  const stop = async (id: number) => {
    await running.get(id)!.stop();
    running.delete(id);
  };
  const leader = (): number | undefined => [...running.keys()].find((id) => inside(id).status().role === 'leader');
  const snapshotPoint = (id: number) => state(id).learner.snapshot?.slot ?? 0;

  async function ok(clientId: string, s: number, op: HarborOp): Promise<HarborResult> {
    const answer = await client.command(clientId, s, op);
    if (answer.status !== 'ok') throw new Error(`${clientId}#${s} ${JSON.stringify(op)}: ${JSON.stringify(answer)}`);
    return answer.result;
  }
  /** `n` puts, one after the other, over the same 5 keys (the store does not grow: the log does). */
  async function puts(n: number): Promise<void> {
    for (let i = 0; i < n; i += 1) {
      seq += 1;
      await ok('writer', seq, { type: 'put', key: `k${seq % 5}`, value: `v${seq}` });
    }
  }
  async function book(s: number, suite: string, booking: string): Promise<HarborResult> {
    const result = await ok('booker', s, { type: 'reserve', suite, booking });
    bookings[suite] = { booking, status: 'reserved' };
    return result;
  }
  async function metric(id: number, pattern: RegExp): Promise<number> {
    const text = await (await fetch(`http://${clientAddress(id)}/metrics`)).text();
    const m = pattern.exec(text);
    return m === null ? 0 : Number(m[1]);
  }
  /** Every running node has applied what the leader has, and all hold the same replica. */
  async function converged(): Promise<number> {
    await until('a leader', () => leader() !== undefined);
    const l = leader()!;
    await until('every node applying up to the leader', () => [...running.keys()].every((id) => state(id).learner.commit === state(l).learner.commit));
    return l;
  }
  function replicaOf(id: number) {
    const r = state(id).learner.replica;
    return { kv: toObject(r.machine.kv), bookings: r.machine.bookings, sessions: toObject(r.sessions) };
  }

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'synod-compaction-'));
    writeFileSync(path.join(dir, 'secret'), `${'ab'.repeat(32)}\n`, { mode: 0o600 });
    await Promise.all(IDS.map((id) => start(id)));
    await until('a leader', () => leader() !== undefined);
  });

  after(async () => {
    await Promise.all([...running.keys()].map(stop));
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  let first: HarborResult;

  it('a follower stopped while the others commit past several snapshots is brought up to date by a snapshot install', async () => {
    first = await book(1, 'S12', '8841');
    await puts(5);
    const l = await converged();
    const follower = IDS.find((id) => id !== l)!;
    const commitAtStop = state(follower).learner.commit;
    expect(snapshotPoint(follower)).to.be.below(commitAtStop + 1);
    await stop(follower);

    await puts(3 * SNAPSHOT_EVERY);
    // The others restart while it is down: the frames they had queued for it (TcpTransport
    // keeps up to 1024 per unreachable peer, and would hand them over on reconnection) go with
    // their processes, so the slots committed so far can reach it only as a snapshot.
    const others = [...running.keys()];
    await Promise.all(others.map(stop));
    await Promise.all(others.map((id) => start(id)));
    await puts(3 * SNAPSHOT_EVERY);
    const ahead = Math.max(...[...running.keys()].map(snapshotPoint));
    // The others compacted well past the follower: the slots it lacks are gone from their logs.
    expect(ahead).to.be.at.least(commitAtStop + 4 * SNAPSHOT_EVERY);
    for (const id of running.keys()) expect(inside(id).status().commit - snapshotPoint(id)).to.be.below(SNAPSHOT_EVERY + 1);

    // Restarted with a slower clock (an election timeout of 1.5 to 3 s instead of 150 to 300
    // ms), so that it hears the leader before it campaigns: it asks the leader for the slots it
    // lacks (catchup), and the leader, which compacted them, answers with its snapshot. (A
    // node that campaigned first would install the snapshot its promises carry instead.)
    await start(follower, 100);
    const newLeader = await converged();
    expect(newLeader).to.not.equal(follower);
    expect(state(follower).learner.commit).to.be.at.least(ahead);
    // The install: a `snapshot` message (or a promise that carried one) moved its snapshot point.
    const status = (await (await fetch(`http://${clientAddress(follower)}/v1/status`)).json()) as { snapshot: { slot: number; installed: number; taken: number; filesWritten: number } };
    expect(status.snapshot.installed).to.be.at.least(1);
    expect(status.snapshot.slot).to.be.at.least(ahead);
    expect(await metric(follower, /^synod_snapshots_total\{[^}]*kind="installed"[^}]*\} (\d+)$/m)).to.be.at.least(1);
    expect(await metric(follower, /^synod_messages_received_total\{[^}]*type="snapshot"[^}]*\} (\d+)$/m)).to.be.at.least(1);
    expect(await metric(follower, /^synod_snapshot_slot\{[^}]*\} (\d+)$/m)).to.equal(snapshotPoint(follower));
    // `synod status` shows the snapshot point and where the snapshots came from.
    const row = statusLines(await clusterStatus(IDS.map(clientAddress))).find((line) => line.startsWith(`${follower} `));
    expect(row).to.match(new RegExp(` ${status.snapshot.slot} \\(\\d+ taken, [1-9]\\d* installed\\) `));
    // The leader's own snapshots are counted as taken.
    expect(await metric(newLeader, /^synod_snapshots_total\{[^}]*kind="taken"[^}]*\} (\d+)$/m)).to.be.at.least(1);

    // Its applied state is the leader's: the store, the booking and every client session.
    expect(replicaOf(follower)).to.deep.equal(replicaOf(newLeader));
    expect(replicaOf(follower).bookings.S12).to.deep.equal({ booking: '8841', status: 'reserved' });
    expect(replicaOf(follower).sessions.writer?.seq).to.equal(seq);
    // The booking's slot is below its snapshot: it knows the booking only from the install,
    // and a retry of that command gets its first result (from the installed session).
    const retry = cachedResult(state(follower).learner.replica, { client: 'booker', seq: 1, op: { type: 'reserve', suite: 'S12', booking: '8841' } });
    expect(retry).to.deep.equal({ outcome: 'duplicate', result: first });
    expect(await ok('booker', 1, { type: 'reserve', suite: 'S12', booking: '8841' })).to.deep.equal(first);
    expect(await ok('other', 1, { type: 'reserve', suite: 'S12', booking: '8849' })).to.deep.equal({ ok: false, suite: 'S12', reason: 'suite S12 is already reserved for booking 8841' });
  });

  it('a restart of all three nodes after compaction recovers every booking', async () => {
    for (const [i, suite] of ['S1', 'S2', 'S3', 'S4'].entries()) {
      await book(2 + i, suite, `90${i}`);
      await puts(SNAPSHOT_EVERY);
    }
    const l = await converged();
    const before = replicaOf(l);
    expect(before.bookings).to.deep.equal(bookings);
    await Promise.all(IDS.map(stop));
    await Promise.all(IDS.map((id) => start(id)));
    for (const id of IDS) {
      // Straight from its disk: the snapshot and the log after it.
      expect(snapshotPoint(id)).to.be.above(0);
      expect(state(id).learner.replica.machine.bookings).to.include.keys(Object.keys(bookings).filter((s) => s !== 'S4'));
    }
    await converged();
    for (const id of IDS) expect(replicaOf(id)).to.deep.equal(before);
    for (const [suite, hold] of Object.entries(bookings)) {
      expect(await ok('other', 1 + Object.keys(bookings).indexOf(suite) + 1, { type: 'reserve', suite, booking: '7777' })).to.deep.equal({ ok: false, suite, reason: `suite ${suite} is already reserved for booking ${hold.booking}` });
    }
  });

  it("the data directories hold only the log after the snapshot: their size is bounded by snapshotEvery, not by the commands committed", async () => {
    const measure = async () => {
      const l = await converged();
      const slots = state(l).learner.commit;
      await Promise.all(IDS.map(stop));
      const out = [];
      for (const id of IDS) {
        const data = path.join(dir, `node-${id}`);
        const files = readdirSync(data).filter((f) => /^(log|snapshot)-\d+$/.test(f));
        // A log's preallocated zeros (LOG_PREALLOCATE ahead of its last record) are space, not
        // data: counted apart, and bounded by the preallocation alone.
        const zerosOf = (f: string): number => {
          if (!f.startsWith('log-')) return 0;
          const b = readFileSync(path.join(data, f));
          let end = b.length;
          while (end > 0 && b[end - 1] === 0) end -= 1;
          return b.length - end;
        };
        const zeros = files.reduce((sum, f) => sum + zerosOf(f), 0);
        expect(zeros, `node ${id}: zeros ahead`).to.be.at.most(LOG_PREALLOCATE);
        const bytes = files.reduce((sum, f) => sum + statSync(path.join(data, f)).size, 0) - zeros;
        out.push({ id, files, bytes });
      }
      return { slots, nodes: out };
    };
    // The cluster id is the digest of the secret: read it from a running node before stopping.
    const clusterId = running.get(1)!.clusterId;
    const check = async () => {
      const m = await measure();
      const result = [];
      for (const n of m.nodes) {
        const log = new FileLog({ directory: path.join(dir, `node-${n.id}`), cluster: clusterId, node: n.id, ...multiPaxosCodecs<HarborOp>() });
        const recovered = await log.open();
        await log.close();
        const record = recoverMultiPaxos(recovered)!;
        const snapSlot = record.snapshot?.slot ?? 0;
        // One generation: a snapshot file and the log after it.
        expect(n.files.filter((f) => f.startsWith('log-'))).to.have.length(1);
        expect(snapSlot).to.be.above(m.slots - 2 * SNAPSHOT_EVERY - 1);
        // The record holds no slot below its snapshot, and few above it.
        let kept = 0;
        for (let s = 0; s < Math.min(snapSlot, record.log.size); s += 1) expect(vecGet(record.log, s), `slot ${s}`).to.equal(undefined);
        for (let s = 0; s < Math.min(snapSlot, record.votes.size); s += 1) expect(vecGet(record.votes, s), `vote ${s}`).to.equal(undefined);
        for (let s = snapSlot; s < record.log.size; s += 1) if (vecGet(record.log, s) !== undefined) kept += 1;
        expect(kept).to.be.at.most(SNAPSHOT_EVERY + WINDOW);
        // The log file holds at most one file-snapshot interval of changes (plus one group commit's).
        expect(recovered.changes.length).to.be.at.most(fileSnapshotChanges(SNAPSHOT_EVERY) + 4 * WINDOW);
        result.push(n.bytes);
      }
      await Promise.all(IDS.map((id) => start(id)));
      return { slots: m.slots, bytes: Math.max(...result) };
    };
    const a = await check();
    await puts(12 * SNAPSHOT_EVERY);
    const b = await check();
    expect(b.slots).to.be.at.least(a.slots + 12 * SNAPSHOT_EVERY);
    // Twelve more snapshots' worth of commands; the files did not grow with them (the replica
    // grew by one session at most; a whole uncompacted log would have added about 96 learned
    // and 96 vote records, some 40 kB).
    expect(b.bytes).to.be.below(a.bytes + 8_000);
    expect(b.bytes).to.be.below(32_000);
  });
});
