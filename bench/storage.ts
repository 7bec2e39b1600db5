/**
 * The write-ahead log's benchmark (lib/runtime/storage), on this machine's disk, as one JSON
 * object:
 * - `fdatasync`: the latency of one 64-byte append and fdatasync on a raw file (the floor of
 *   any durable write here), and of `FileLog.sync` with one change (the log's own overhead).
 * - `groupCommit`: changes made durable per second when each sync carries 1, 16 or 64 changes,
 *   and with 64 concurrent writers that each append one change and await `sync` (the node's
 *   pattern: the log coalesces them); the baseline is one sync per change, measured in the
 *   same run, and `vsOneSyncPerChange` is each row's ratio to it.
 * - `codec`: the cost of encoding (JSON, frame, CRC-32C) and decoding (scan, check, parse) one
 *   Multi-Paxos vote carrying one command with a 64-byte value, and CRC-32C alone.
 * Every figure is the median of `repetitions` runs.
 *
 *   npx ts-node --transpile-only bench/storage.ts          (npm run bench:storage)
 *   npx ts-node --transpile-only bench/storage.ts --quick  (fewer changes and repetitions)
 *   npx ts-node --transpile-only bench/storage.ts --dir /path/on/another/disk
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DurableChange, MultiRecord } from '../lib/multipaxos/state';
import { FileLog, multiPaxosCodecs } from '../lib/runtime/storage';
import { checksum, frame, scanRecords } from '../lib/runtime/storage/format';

type Op = { readonly set: string; readonly value: string };
type Change = DurableChange<Op>;

const quick = process.argv.includes('--quick');
const dirFlag = process.argv.indexOf('--dir');
const base = dirFlag >= 0 ? process.argv[dirFlag + 1] ?? os.tmpdir() : os.tmpdir();
const REPETITIONS = quick ? 3 : 5;
const CHANGES = quick ? 256 : 1024;
const FSYNCS = quick ? 100 : 400;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

function change(i: number): Change {
  return {
    kind: 'vote',
    slot: i,
    ballot: { round: 41, node: 2 },
    value: { kind: 'batch', commands: [{ client: 'terminal-a', seq: i, op: { set: 'S12', value: 'x'.repeat(64) } }] },
  };
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(base, 'synod-bench-storage-'));
}

async function rawFdatasync(): Promise<{ medianMs: number; p99Ms: number }> {
  const dir = tempDir();
  const handle = await fs.promises.open(path.join(dir, 'raw'), 'w');
  const bytes = Buffer.alloc(64, 1);
  const samples: number[] = [];
  try {
    for (let i = 0; i < FSYNCS; i += 1) {
      await handle.write(bytes, 0, bytes.length, i * bytes.length);
      const t = performance.now();
      await handle.datasync();
      samples.push(performance.now() - t);
    }
  } finally {
    await handle.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { medianMs: round3(median(samples)), p99Ms: round3(percentile(samples, 99)) };
}

function newLog(dir: string): FileLog<Change, MultiRecord<Op>> {
  return new FileLog<Change, MultiRecord<Op>>({ directory: dir, cluster: 'bench', node: 1, ...multiPaxosCodecs<Op>() });
}

async function logSyncLatency(): Promise<{ medianMs: number; p99Ms: number }> {
  const dir = tempDir();
  const log = newLog(dir);
  await log.open();
  const samples: number[] = [];
  for (let i = 0; i < FSYNCS; i += 1) {
    const t = performance.now();
    log.append([change(i)]);
    await log.sync();
    samples.push(performance.now() - t);
  }
  await log.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return { medianMs: round3(median(samples)), p99Ms: round3(percentile(samples, 99)) };
}

/** Changes per second with `perSync` changes in each sync (sequential), or `writers` concurrent one-change writers. */
async function throughput(mode: { perSync: number } | { writers: number }): Promise<{ changesPerSecond: number; syncsPerSecond: number }> {
  const runs: { changes: number; flushes: number; seconds: number }[] = [];
  const changes = CHANGES;
  for (let r = 0; r < REPETITIONS; r += 1) {
    const dir = tempDir();
    let flushes = 0;
    const log = new FileLog<Change, MultiRecord<Op>>({ directory: dir, cluster: 'bench', node: 1, ...multiPaxosCodecs<Op>(), onSync: () => (flushes += 1) });
    await log.open();
    const t = performance.now();
    if ('perSync' in mode) {
      for (let i = 0; i < changes; i += mode.perSync) {
        log.append(Array.from({ length: mode.perSync }, (_, k) => change(i + k)));
        await log.sync();
      }
    } else {
      let next = 0;
      const writer = async (): Promise<void> => {
        while (next < changes) {
          next += 1;
          log.append([change(next)]);
          await log.sync();
        }
      };
      await Promise.all(Array.from({ length: mode.writers }, writer));
    }
    const seconds = (performance.now() - t) / 1000;
    await log.close();
    fs.rmSync(dir, { recursive: true, force: true });
    runs.push({ changes, flushes, seconds });
  }
  return {
    changesPerSecond: Math.round(median(runs.map((x) => x.changes / x.seconds))),
    syncsPerSecond: Math.round(median(runs.map((x) => x.flushes / x.seconds))),
  };
}

function codecCost(): { encodeUs: number; decodeUs: number; crc32cUs: number; recordBytes: number } {
  const { changeCodec } = multiPaxosCodecs<Op>();
  const n = quick ? 20000 : 100000;
  const items = Array.from({ length: 256 }, (_, i) => change(i));
  const encodeRuns: number[] = [];
  const decodeRuns: number[] = [];
  const crcRuns: number[] = [];
  let framed: Buffer[] = [];
  for (let r = 0; r < REPETITIONS; r += 1) {
    let t = performance.now();
    framed = [];
    for (let i = 0; i < n; i += 1) framed.push(frame(changeCodec.encode(items[i % items.length] as Change)));
    encodeRuns.push(((performance.now() - t) * 1000) / n);
    const file = Buffer.concat(framed);
    t = performance.now();
    const scan = scanRecords(file, 0, 'bench', 1 << 20);
    let slots = 0;
    for (const p of scan.payloads) slots += (changeCodec.decode(p) as { slot: number }).slot;
    decodeRuns.push(((performance.now() - t) * 1000) / n);
    if (slots < 0) throw new Error('unreachable');
    t = performance.now();
    let x = 0;
    for (const p of scan.payloads) x ^= checksum(p);
    crcRuns.push(((performance.now() - t) * 1000) / n);
    if (x === 0.5) throw new Error('unreachable');
  }
  return {
    encodeUs: round3(median(encodeRuns)),
    decodeUs: round3(median(decodeRuns)),
    crc32cUs: round3(median(crcRuns)),
    recordBytes: (framed[0] as Buffer).length,
  };
}

async function main(): Promise<void> {
  const raw = await rawFdatasync();
  const logSync = await logSyncLatency();
  const baseline = await throughput({ perSync: 1 });
  const rows: Record<string, { changesPerSecond: number; syncsPerSecond: number; vsOneSyncPerChange: number }> = {};
  for (const perSync of [1, 16, 64]) {
    const m = perSync === 1 ? baseline : await throughput({ perSync });
    rows[`${perSync} per sync`] = { ...m, vsOneSyncPerChange: round3(m.changesPerSecond / baseline.changesPerSecond) };
  }
  const concurrent = await throughput({ writers: 64 });
  rows['64 concurrent writers'] = { ...concurrent, vsOneSyncPerChange: round3(concurrent.changesPerSecond / baseline.changesPerSecond) };
  const result = {
    benchmark: 'storage',
    directory: base,
    quick,
    repetitions: REPETITIONS,
    changesPerRun: CHANGES,
    fdatasync: { raw64Bytes: raw, fileLogSyncOneChange: logSync },
    groupCommit: { baseline: 'one sync per change (1 per sync), same run', rows },
    codec: codecCost(),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
