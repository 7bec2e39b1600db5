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
 *   npm run bench:compare-etcd [-- --seconds 5 --warmup 1 --concurrency 1,16,64 --port 17400]
 *
 * The two systems alternate per concurrency (synod, etcd, synod, etcd, ...) so that a busy
 * moment of the shared machine does not land on one system only.
 */
import { JsonHttp } from '../jepsen/http';
import { benchSynod, parseArgs } from './cluster';
import { etcdBinary, etcdPut, etcdVersion, startEtcd } from './lib/etcd';
import { closedLoop, value64, type LoadResult } from './lib/load';
import { fsyncFloor } from './lib/synod';


function ratio(a: number, b: number): number {
  return Math.round((a / b) * 100) / 100;
}

async function main(): Promise<void> {
  const { timing, concurrencies, basePort } = parseArgs(process.argv.slice(2), 'bench:compare-etcd');
  const bin = etcdBinary();
  if (bin === undefined) {
    process.stderr.write('bench:compare-etcd: skipped: `etcd` is not on the PATH (Debian: apt-get install etcd-server)\n');
    process.stdout.write(`${JSON.stringify({ bench: 'compare-etcd', skipped: 'etcd is not on the PATH' })}\n`);
    return;
  }
  const http = new JsonHttp();
  const synod: LoadResult[] = [];
  const etcd: LoadResult[] = [];
  try {
    const fsync = fsyncFloor();
    for (const concurrency of concurrencies) {
      synod.push(...(await benchSynod(http, [concurrency], timing, undefined, basePort)).results);
      const cluster = await startEtcd(bin, basePort + 100, http);
      try {
        const leader = await cluster.leader(http);
        etcd.push(await closedLoop(concurrency, timing, (w, n) => etcdPut(http, leader, `k${w}-${n % 100}`, value64(w, n))));
      } finally {
        await cluster.stop();
      }
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
      etcdVersion: etcdVersion(bin),
      floors: { fsyncP50Ms: fsync.p50Ms, fsyncP99Ms: fsync.p99Ms },
      synod,
      etcd,
      ratios,
      targets: {
        throughputAtLeastEtcd: ratios.every((r) => r.throughput >= 1),
        p50AtConcurrency1NoWorse: (ratios.find((r) => r.concurrency === 1)?.p50 ?? Infinity) <= 1,
      },
    }, null, 2)}\n`);
  } finally {
    http.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:compare-etcd: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
