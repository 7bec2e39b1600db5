/**
 * The synod side of the cluster benchmarks: a 3-node cluster of `synod node` processes on
 * loopback (fsync on, no proxy), puts sent to the leader through the same JSON/HTTP client and
 * keep-alive agent as etcd's; and the floors that say where the time of one put goes, measured
 * in the same run: one 64-byte write + fdatasync on the same disk, and one JSON/HTTP round trip
 * on loopback to a server that does nothing.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { NodeId } from '../../lib/core/types';
import type { OwnVote } from '../../lib/multipaxos/state';
import { Cluster } from '../../jepsen/cluster';
import type { JsonHttp } from '../../jepsen/http';
import { closedLoop, percentile, type LoadResult } from './load';

export async function startSynod(basePort: number, http: JsonHttp, options: { readonly nodeFlags?: (id: NodeId) => readonly string[]; readonly ownVote?: OwnVote } = {}): Promise<{ cluster: Cluster; leader: string; leaderId: NodeId }> {
  const cluster = await Cluster.start({
    nodes: 3,
    basePort,
    proxy: false,
    ...(options.nodeFlags === undefined ? {} : { nodeFlags: options.nodeFlags }),
    ...(options.ownVote === undefined ? {} : { extraArgs: ['--own-vote', options.ownVote] }),
  });
  try {
    // The first command also opens the leader's window. On a loaded machine a starved follower
    // may campaign right after the first election: then ask again who leads, and retry.
    for (let attempt = 1; ; attempt += 1) {
      const leaderId = await cluster.ready(http, 20_000);
      const leader = cluster.clientAddresses().get(leaderId)!;
      try {
        await synodPut(http, leader, 'bench-ready', 1, 'ready', 'x');
        return { cluster, leader, leaderId };
      } catch (error) {
        if (attempt >= 5) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

/** One put through the leader; rejects unless it answers ok. */
export async function synodPut(h: JsonHttp, address: string, client: string, seq: number, key: string, value: string): Promise<void> {
  const answer = await h.post(address, '/v1/command', { client, seq, op: { type: 'put', key, value } }, 10_000);
  const body = answer.body as { status?: string } | null;
  if (answer.status !== 200 || body?.status !== 'ok') throw new Error(`synod put: HTTP ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`);
}

/**
 * The closed loop against the leader. A redirect (the leader changed: on a loaded machine a
 * starved follower may time out and campaign) moves every worker to the named leader and the
 * put is retried with the same (client, seq); its latency includes the detour, and `redirects`
 * counts them.
 */
export async function synodLoad(h: JsonHttp, cluster: Cluster, leader: string, concurrency: number, timing: { warmupMs: number; measureMs: number }, value: (w: number, n: number) => string): Promise<LoadResult & { redirects: number }> {
  const run = `r${concurrency}-${process.pid}`;
  const addresses = cluster.clientAddresses();
  let current = leader;
  let redirects = 0;
  const put = async (w: number, n: number): Promise<void> => {
    for (let attempt = 0; ; attempt += 1) {
      const answer = await h.post(current, '/v1/command', { client: `bench-${run}-${w}`, seq: n + 1, op: { type: 'put', key: `k${w}-${n % 100}`, value: value(w, n) } }, 10_000);
      const body = answer.body as { status?: string; leader?: number } | null;
      if (answer.status === 200 && body?.status === 'ok') return;
      const next = body?.status === 'redirect' || body?.status === 'indeterminate' ? addresses.get(body.leader ?? 0) : undefined;
      if (next === undefined || attempt >= 20) throw new Error(`synod put: HTTP ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`);
      redirects += 1;
      current = next;
    }
  };
  const result = await closedLoop(concurrency, timing, put);
  return { ...result, redirects };
}

/** Median and p99 of one 64-byte append + fdatasync, in a temporary file on the disk the nodes use. */
export function fsyncFloor(samples = 200): { p50Ms: number; p99Ms: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synod-fsync-'));
  const fd = fs.openSync(path.join(dir, 'wal'), 'a');
  const payload = Buffer.alloc(64, 1);
  const times: number[] = [];
  try {
    for (let i = 0; i < samples; i += 1) {
      const t0 = performance.now();
      fs.writeSync(fd, payload);
      fs.fdatasyncSync(fd);
      times.push(performance.now() - t0);
    }
  } finally {
    fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  times.sort((a, b) => a - b);
  return { p50Ms: Math.round(percentile(times, 50) * 1000) / 1000, p99Ms: Math.round(percentile(times, 99) * 1000) / 1000 };
}

/** A JSON/HTTP round trip on loopback through the same client, to a server that answers at once. */
export async function httpFloor(h: JsonHttp, port: number, timing: { warmupMs: number; measureMs: number }): Promise<LoadResult> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const body = JSON.stringify({ status: 'ok', result: { ok: true, value: null } });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  try {
    return await closedLoop(1, timing, (w, n) => synodPut(h, `127.0.0.1:${port}`, `floor-${w}`, n + 1, 'k', 'v'));
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A few figures from a node's Prometheus text: fsync count and total, commit latency (per stage) count and total, commands committed. */
export async function nodeMetrics(h: JsonHttp, address: string): Promise<Record<string, number>> {
  const answer = await h.get(address, '/metrics', 2000).catch(() => undefined);
  if (answer === undefined || answer.status !== 200) return {};
  const text = answer.text;
  const figures: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(synod_(?:fsync|commit_latency)_seconds_(?:sum|count)|synod_[a-z_]*(?:committed|applied|proposed)[a-z_]*)(?:\{([^}]*)\})? ([0-9.eE+-]+)$/.exec(line);
    if (m === null) continue;
    // The commit latency is kept apart per stage (to="quorum_acknowledged", to="applied").
    const to = /to="([a-z_]+)"/.exec(m[2] ?? '')?.[1];
    const key = to === undefined ? m[1]! : `${m[1]!}{${to}}`;
    figures[key] = (figures[key] ?? 0) + Number(m[3]);
  }
  return figures;
}
