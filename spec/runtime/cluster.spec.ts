/**
 * The first "Done when", end to end on real processes: `synod cluster` (bin/synod.js on
 * dist/, so `npm run build` first; npm test builds before it runs the specs) starts three
 * nodes; suite S12 is booked once; kill -9 of the leader; a new leader with a higher ballot
 * still holds the booking for 8841; all stop, the cluster restarts on the same disks, and the
 * booking is still held by 8841. The client and status commands run in-process (the same code)
 * against the real nodes. Ports 17201-17203 (nodes) and 17211-17213 (clients).
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { run } from '../helpers/cli';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'synod.js');
const CLUSTER = '127.0.0.1:17211,127.0.0.1:17212,127.0.0.1:17213';

interface Started {
  readonly child: ChildProcessWithoutNullStreams;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

/** `synod cluster` on `dir`, resolved once it printed the export line (a leader is elected). */
async function startCluster(dir: string): Promise<Started> {
  const child = spawn(process.execPath, [BIN, 'cluster', '--nodes', '3', '--data', dir, '--base-port', '17201', '--client-base-port', '17211', '--log-level', 'info'], { stdio: 'pipe' });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = Date.now();
  while (!out.includes('export SYNOD_CLUSTER=')) {
    if (child.exitCode !== null) throw new Error(`synod cluster exited ${child.exitCode}:\n${out}`);
    if (Date.now() - started > 45_000) throw new Error(`synod cluster printed no export line in 45 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, output: () => out, exited };
}

/** Closing the cluster's stdin stops every node; resolves with its exit code. */
async function stopCluster(c: Started): Promise<number | null> {
  c.child.stdin.end();
  return c.exited;
}

interface Row {
  readonly reachable: boolean;
  readonly id: number;
  readonly pid: number;
  readonly role: string;
  readonly ballot: { readonly round: number; readonly node: number };
}

async function status(): Promise<Row[]> {
  const r = await run('status', '--cluster', CLUSTER, '--json', '--timeout-ms', '3000');
  return (JSON.parse(r.out) as { nodes: Row[] }).nodes;
}

async function leaderRow(notPid?: number): Promise<Row> {
  const started = Date.now();
  for (;;) {
    const rows = await status();
    const leader = rows.find((r) => r.reachable && r.role === 'leader' && r.pid !== notPid);
    if (leader !== undefined) return leader;
    if (Date.now() - started > 20_000) throw new Error(`no leader in 20 s: ${JSON.stringify(rows)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('runtime: a real 3-node cluster (synod cluster, kill -9, restart on the same disks)', function () {
  this.timeout(180_000);
  let dir = '';
  let cluster: Started | null = null;

  before(function () {
    if (!existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
    dir = mkdtempSync(path.join(tmpdir(), 'synod-e2e-'));
  });
  after(async () => {
    if (cluster !== null && cluster.child.exitCode === null) await stopCluster(cluster);
    rmSync(dir, { recursive: true, force: true });
  });

  it('books S12 once; the booking survives kill -9 of the leader and a restart of all three nodes', async () => {
    cluster = await startCluster(dir);
    const first = cluster.output();
    expect(first).to.match(/leader: node \d at ballot \d+\.\d/);
    expect(first).to.include('does not restart a node by itself');
    expect(first).to.include(`export SYNOD_CLUSTER=${CLUSTER}`);

    const booked = await run('client', 'book', 'S12', '8841', '--cluster', CLUSTER);
    expect(booked.out).to.match(/^ok: suite S12 reserved for booking 8841/);
    expect(booked.code).to.equal(0);
    const rival = await run('client', 'book', 'S12', '8849', '--cluster', CLUSTER);
    expect(rival.out).to.match(/^refused: suite S12 is already reserved for booking 8841/);
    expect(rival.code).to.equal(1);

    const old = await leaderRow();
    process.kill(old.pid, 'SIGKILL');
    const next = await leaderRow(old.pid);
    expect(next.id).to.not.equal(old.id);
    expect(next.ballot.round * 1000 + next.ballot.node).to.be.above(old.ballot.round * 1000 + old.ballot.node);
    const rows = await status();
    expect(rows.filter((r) => !r.reachable)).to.have.length(1);
    const got = await run('client', 'get', 'k', '--cluster', CLUSTER);
    expect(got.out).to.match(/^ok: k = absent/);
    const still = await run('client', 'book', 'S12', '8849', '--cluster', CLUSTER);
    expect(still.out).to.match(/^refused: suite S12 is already reserved for booking 8841/);
    expect(cluster.output()).to.match(new RegExp(`node ${old.id} \\(pid ${old.pid}\\) exited \\(signal SIGKILL\\)`));

    expect(await stopCluster(cluster)).to.equal(0);
    expect(cluster.output()).to.include('stopped 3 nodes');

    cluster = await startCluster(dir);
    expect(cluster.output()).to.include('restarted on the disks');
    const after = await run('client', 'book', 'S12', '8849', '--cluster', CLUSTER);
    expect(after.out).to.match(/^refused: suite S12 is already reserved for booking 8841/);
    const confirmed = await run('client', 'confirm', 'S12', '8841', '--cluster', CLUSTER);
    expect(confirmed.out).to.match(/^ok: suite S12 confirmed for booking 8841/);
    const again = await leaderRow();
    expect(again.ballot.round).to.be.at.least(next.ballot.round);
    expect(await stopCluster(cluster)).to.equal(0);
  });
});
