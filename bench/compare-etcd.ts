/**
 * synod against etcd, same machine, same run: the load of bench/cluster.ts (3 nodes on
 * loopback, fsync on, closed-loop clients at concurrency 1, 16 and 64, 64-byte values) against
 * a 3-node synod cluster and against a 3-member etcd 3.4 (Debian's etcd-server, its data in a
 * temporary directory, removed at the end). etcd is driven through its HTTP/JSON gRPC gateway
 * (`POST /v3/kv/put`, base64 key and value) with the same client code and keep-alive agent as
 * synod, and both receive their puts at the leader. Prints one JSON object: both systems'
 * figures per concurrency and the ratios synod/etcd (throughput: above 1 is synod faster;
 * latency: below 1 is synod faster). Skips (exit 0, a message on stderr, `skipped` in the JSON)
 * when `etcd` is not on the PATH.
 *
 *   npm run bench:compare-etcd [-- --seconds 5 --warmup 5 --runs 3 --concurrency 1,16,64 --port 17400]
 *
 * The two systems alternate per concurrency (synod, etcd, synod, etcd, ...) so that a busy
 * moment of the shared machine does not land on one system only. Each level runs `--runs`
 * times for each system, each time on a fresh cluster; the figures compared are the medians
 * over the runs (throughput, p50, p90 and p99, each on its own), and every run is in the JSON (`every`).
 */
import { JsonHttp } from '../jepsen/http';
import { benchSynod, parseArgs } from './cluster';
import { etcdBinary, etcdPut, etcdVersion, startEtcd } from './lib/etcd';
import { closedLoop, value64, type LoadResult } from './lib/load';
import { fsyncFloor } from './lib/synod';


function brief(r: LoadResult): { putsPerSecond: number; p50Ms: number; p99Ms: number } {
  return { putsPerSecond: r.putsPerSecond, p50Ms: r.p50Ms, p99Ms: r.p99Ms };
}

function ratio(a: number, b: number): number {
  return Math.round((a / b) * 100) / 100;
}

/** The median of each figure over the runs of one level (the middle run of an odd count; the mean of the two middle ones of an even count). */
export function medianResult(runs: readonly LoadResult[]): LoadResult {
  const mid = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    const h = Math.floor(s.length / 2);
    return s.length % 2 === 1 ? s[h]! : Math.round(((s[h - 1]! + s[h]!) / 2) * 1000) / 1000;
  };
  const first = runs[0]!;
  return {
    concurrency: first.concurrency,
    puts: mid(runs.map((r) => r.puts)),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    seconds: first.seconds,
    putsPerSecond: mid(runs.map((r) => r.putsPerSecond)),
    p50Ms: mid(runs.map((r) => r.p50Ms)),
    p90Ms: mid(runs.map((r) => r.p90Ms)),
    p99Ms: mid(runs.map((r) => r.p99Ms)),
    meanMs: mid(runs.map((r) => r.meanMs)),
  };
}

async function main(): Promise<void> {
  const { timing, concurrencies, basePort, ownVote, runs } = parseArgs(process.argv.slice(2), 'bench:compare-etcd', { runs: 3 });
  const bin = etcdBinary();
  if (bin === undefined) {
    process.stderr.write('bench:compare-etcd: skipped: `etcd` is not on the PATH (Debian: apt-get install etcd-server)\n');
    process.stdout.write(`${JSON.stringify({ bench: 'compare-etcd', skipped: 'etcd is not on the PATH' })}\n`);
    return;
  }
  const http = new JsonHttp();
  const synod: LoadResult[] = [];
  const etcd: LoadResult[] = [];
  const every: { synod: LoadResult[]; etcd: LoadResult[] }[] = [];
  try {
    const fsync = fsyncFloor();
    for (const concurrency of concurrencies) {
      const level = { synod: [] as LoadResult[], etcd: [] as LoadResult[] };
      for (let run = 0; run < runs; run += 1) {
        level.synod.push(...(await benchSynod(http, [concurrency], timing, undefined, basePort, ownVote)).results);
        const cluster = await startEtcd(bin, basePort + 100, http);
        try {
          const leader = await cluster.leader(http);
          level.etcd.push(await closedLoop(concurrency, timing, (w, n) => etcdPut(http, leader, `k${w}-${n % 100}`, value64(w, n))));
        } finally {
          await cluster.stop();
        }
      }
      every.push(level);
      synod.push(medianResult(level.synod));
      etcd.push(medianResult(level.etcd));
    }
    const ratios = concurrencies.map((c, i) => ({
      concurrency: c,
      throughput: ratio(synod[i]!.putsPerSecond, etcd[i]!.putsPerSecond),
      p50: ratio(synod[i]!.p50Ms, etcd[i]!.p50Ms),
      p99: ratio(synod[i]!.p99Ms, etcd[i]!.p99Ms),
    }));
    process.stdout.write(`${JSON.stringify({
      bench: 'compare-etcd',
      nodes: 3,
      fsync: true,
      valueBytes: 64,
      measuredSeconds: timing.measureMs / 1000,
      warmupSeconds: timing.warmupMs / 1000,
      runs,
      ownVote,
      etcdVersion: etcdVersion(bin),
      floors: { fsyncP50Ms: fsync.p50Ms, fsyncP99Ms: fsync.p99Ms },
      synod,
      etcd,
      ratios,
      every: every.map((level, i) => ({ concurrency: concurrencies[i], synod: level.synod.map(brief), etcd: level.etcd.map(brief) })),
      targets: {
        throughputAtLeastEtcd: ratios.every((r) => r.throughput >= 1),
        p50AtConcurrency1NoWorse: (ratios.find((r) => r.concurrency === 1)?.p50 ?? Infinity) <= 1,
      },
    }, null, 2)}\n`);
  } finally {
    http.close();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench:compare-etcd: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
