/**
 * The cluster benchmark: a 3-node synod cluster of real processes on loopback (fsync on: the
 * node's default), closed-loop clients at concurrency 1, 16 and 64 putting 64-byte values
 * through the leader's HTTP API; puts per second and p50/p99 latency, as one JSON object.
 *
 *   npm run bench:cluster [-- --seconds 5 --warmup 5 --concurrency 1,16,64 --port 17400 --cpu-prof DIR
 *                             --own-vote parallel|inline --compare-own-vote]
 *
 * Baselines measured in the same run, the floors of one put: a 64-byte append + fdatasync on the
 * same disk (the durability floor: a put needs at least one, on a quorum), and one JSON/HTTP
 * round trip on loopback through the same client to a server that does nothing (the API
 * floor). `ofFloor` says how far the concurrency-1 latency is from their sum. The leader's
 * Prometheus figures after the run (fsyncs, their mean, commands committed) show the group
 * commit: fsyncs per put well below 1 at high concurrency means syncs are shared.
 * `--cpu-prof DIR` starts every node with Node.js's --cpu-prof (a profile per node and level,
 * written to DIR when the node exits: the nodes are then stopped with SIGTERM, not SIGKILL).
 * `--own-vote` picks how the leader's own acceptor votes (the node's `--own-vote`, default
 * parallel); `--compare-own-vote` also runs every level with `inline`, the baseline, in the same
 * run, and reports parallel over inline (throughput ratio, and p50 ratio: below 1 is faster).
 */
import { Command } from 'commander';
import * as path from 'node:path';
import { JsonHttp } from '../jepsen/http';
import type { LoadResult } from './lib/load';
import { value64 } from './lib/load';
import { fsyncFloor, httpFloor, nodeMetrics, startSynod, synodLoad } from './lib/synod';
import type { OwnVote } from '../lib/multipaxos/state';
import { OWN_VOTES } from '../lib/multipaxos/state';

export interface Timing {
  readonly warmupMs: number;
  readonly measureMs: number;
}

export const SYNOD_BASE_PORT = 17400;

export interface SynodBench {
  readonly results: readonly LoadResult[];
  readonly leaderMetrics: Record<string, number>;
}

/** Each concurrency on a fresh cluster (so one level's backlog never leaks into the next). */
export async function benchSynod(http: JsonHttp, concurrencies: readonly number[], timing: Timing, cpuProf?: string, basePort = SYNOD_BASE_PORT, ownVote?: OwnVote): Promise<SynodBench> {
  const results: LoadResult[] = [];
  let leaderMetrics: Record<string, number> = {};
  for (const concurrency of concurrencies) {
    const nodeFlags = cpuProf === undefined ? undefined : (id: number): readonly string[] => ['--cpu-prof', '--cpu-prof-dir', cpuProf, '--cpu-prof-name', `node-${id}-c${concurrency}.cpuprofile`];
    const { cluster, leader } = await startSynod(basePort, http, { ...(nodeFlags === undefined ? {} : { nodeFlags }), ...(ownVote === undefined ? {} : { ownVote }) });
    try {
      results.push(await synodLoad(http, cluster, leader, concurrency, timing, value64));
      const m = await nodeMetrics(http, cluster.clientAddresses().get((await cluster.ready(http, 10_000).catch(() => 0)) || 1)!);
      for (const [k, v] of Object.entries(m)) leaderMetrics[`c${concurrency}:${k}`] = v;
    } finally {
      await (cpuProf === undefined ? cluster.stop() : cluster.stopGently());
    }
  }
  leaderMetrics = Object.fromEntries(Object.entries(leaderMetrics).sort());
  return { results, leaderMetrics };
}

/** `extra.runs`: the command takes `--runs N` (runs per level), with this default. */
export function parseArgs(argv: readonly string[], name: string, extra: { readonly runs?: number } = {}): { timing: Timing; concurrencies: number[]; basePort: number; cpuProf?: string; ownVote: OwnVote; compareOwnVote: boolean; runs: number } {
  const program = new Command(name);
  if (extra.runs !== undefined) program.option('--runs <n>', 'runs per concurrency and system, each on a fresh cluster; the medians are compared', String(extra.runs));
  program
    .option('--seconds <n>', 'measured seconds per concurrency', '5')
    .option('--warmup <n>', 'warm-up seconds per concurrency (V8 compiles the hot paths of a fresh node during the first seconds of load)', '5')
    .option('--concurrency <list>', 'closed-loop clients', '1,16,64')
    .option('--port <n>', 'first of the ports the clusters listen on (synod: n..n+99, etcd in bench:compare-etcd: n+100..n+199)', String(SYNOD_BASE_PORT))
    .option('--cpu-prof <dir>', 'profile every synod node (Node.js --cpu-prof) into this directory')
    .option('--own-vote <how>', "how the synod leader's own acceptor votes: parallel (the node's default) or inline", 'parallel')
    .option('--compare-own-vote', 'also run every level with --own-vote inline, in the same run, and report the ratios')
    .parse(['node', name, ...argv]);
  const o = program.opts<{ seconds: string; warmup: string; concurrency: string; port: string; cpuProf?: string; ownVote: string; compareOwnVote?: boolean; runs?: string }>();
  const runs = Number(o.runs ?? 1);
  if (!Number.isInteger(runs) || runs < 1 || runs > 20) {
    process.stderr.write(`${name}: --runs takes a whole number from 1 to 20, got '${o.runs}'\n`);
    process.exit(2);
  }
  const basePort = Number(o.port);
  const seconds = Number(o.seconds);
  const warmup = Number(o.warmup);
  const concurrencies = o.concurrency.split(',').map(Number);
  if (!(seconds > 0) || !(warmup >= 0) || concurrencies.some((c) => !Number.isInteger(c) || c <= 0) || !Number.isInteger(basePort) || basePort < 1024 || basePort > 65_000) {
    process.stderr.write(`${name}: --seconds and --warmup take numbers, --concurrency a list of positive integers, --port a port in [1024, 65000]\n`);
    process.exit(2);
  }
  const ownVote = OWN_VOTES.find((v) => v === o.ownVote);
  if (ownVote === undefined) {
    process.stderr.write(`${name}: --own-vote takes ${OWN_VOTES.join(' or ')}, got '${o.ownVote}'\n`);
    process.exit(2);
  }
  return {
    runs,
    ownVote,
    compareOwnVote: o.compareOwnVote === true,
    timing: { warmupMs: warmup * 1000, measureMs: seconds * 1000 },
    concurrencies,
    basePort,
    ...(o.cpuProf === undefined ? {} : { cpuProf: path.resolve(o.cpuProf) }),
  };
}

async function main(): Promise<void> {
  const { timing, concurrencies, cpuProf, basePort, ownVote, compareOwnVote } = parseArgs(process.argv.slice(2), 'bench:cluster');
  const http = new JsonHttp();
  try {
    const fsync = fsyncFloor();
    const api = await httpFloor(http, basePort + 90, timing);
    const synod = await benchSynod(http, concurrencies, timing, cpuProf, basePort, ownVote);
    const inline = compareOwnVote ? await benchSynod(http, concurrencies, timing, cpuProf, basePort, 'inline') : null;
    const c1 = synod.results.find((r) => r.concurrency === 1);
    process.stdout.write(`${JSON.stringify({
      bench: 'cluster',
      nodes: 3,
      fsync: true,
      valueBytes: 64,
      measuredSeconds: timing.measureMs / 1000,
      floors: { fsyncP50Ms: fsync.p50Ms, fsyncP99Ms: fsync.p99Ms, httpRoundTripP50Ms: api.p50Ms, httpRoundTripsPerSecond: api.putsPerSecond },
      ownVote,
      synod: synod.results,
      ...(inline === null ? {} : { inline: inline.results, overInline: overBaseline(synod.results, inline.results) }),
      ...(c1 === undefined ? {} : { c1OfFloor: Math.round((c1.p50Ms / (fsync.p50Ms + api.p50Ms)) * 100) / 100 }),
      leaderMetrics: synod.leaderMetrics,
      ...(cpuProf === undefined ? {} : { cpuProfiles: cpuProf }),
    }, null, 2)}\n`);
  } finally {
    http.close();
  }
}

/** Each level against the same level of the baseline run: throughput ratio, and p50 ratio (below 1 is faster). */
function overBaseline(results: readonly LoadResult[], baseline: readonly LoadResult[]): { concurrency: number; throughput: number; p50: number }[] {
  const round = (x: number): number => Math.round(x * 100) / 100;
  return results.flatMap((r) => {
    const b = baseline.find((x) => x.concurrency === r.concurrency);
    return b === undefined ? [] : [{ concurrency: r.concurrency, throughput: round(r.putsPerSecond / b.putsPerSecond), p50: round(r.p50Ms / b.p50Ms) }];
  });
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench:cluster: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
