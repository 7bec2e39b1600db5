/**
 * The write-ahead log's benchmark (lib/runtime/storage), on this machine's disk, as one JSON
 * object:
 * - `fdatasync`: the latency of one append and fdatasync on a raw file (the floor of any durable
 *   write here), and of `FileLog.append` + `sync` of one change (the log's own overhead), taken
 *   in turns, sample by sample.
 * - `groupCommit`: changes made durable per second when each sync carries 1, 16 or 64 changes,
 *   and with 64 concurrent writers that each append one change and await `sync` (the node's
 *   pattern: the log coalesces them); the baseline is one sync per change, measured in the
 *   same run, and `vsOneSyncPerChange` is each row's ratio to it.
 * - `preallocation`: fdatasync after a record-sized write at the end of a growing file (each
 *   sync must also make the new file size durable: a metadata journal commit) against the same
 *   write over a region written with zeros and synced beforehand (only the data block is
 *   flushed), in turns, sample by sample; `growingVsPreallocated` is the ratio of medians.
 * - `codec`: the cost of encoding (JSON, frame, CRC-32C) and decoding (scan, check, parse) one
 *   Multi-Paxos vote carrying one command with a 64-byte value, and CRC-32C alone.
 * Every figure is the median of `repetitions` runs; the group-commit modes take turns, one run
 * each per round, so that load from other work on a shared disk falls on all of them alike.
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

function newLog(dir: string): FileLog<Change, MultiRecord<Op>> {
  return new FileLog<Change, MultiRecord<Op>>({ directory: dir, cluster: 'bench', node: 1, ...multiPaxosCodecs<Op>() });
}

/**
 * fdatasync latency, sample by sample in turns: a raw write of one framed vote's size at the end
 * of a file and its fdatasync, then `FileLog.append` of one vote and `sync`. Taking turns puts
 * both under the same load from other work.
 */
async function syncLatency(): Promise<Record<'raw' | 'fileLog', { medianMs: number; p99Ms: number }> & { fileLogVsRaw: number }> {
  const dir = tempDir();
  const handle = await fs.promises.open(path.join(dir, 'raw'), 'w');
  const log = newLog(path.join(dir, 'log'));
  await log.open();
  const bytes = Buffer.alloc(227, 1);
  const raw: number[] = [];
  const viaLog: number[] = [];
  try {
    for (let i = 0; i < FSYNCS; i += 1) {
      let t = performance.now();
      await handle.write(bytes, 0, bytes.length, i * bytes.length);
      await handle.datasync();
      raw.push(performance.now() - t);
      t = performance.now();
      log.append([change(i)]);
      await log.sync();
      viaLog.push(performance.now() - t);
    }
  } finally {
    await handle.close();
    await log.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return {
    raw: { medianMs: round3(median(raw)), p99Ms: round3(percentile(raw, 99)) },
    fileLog: { medianMs: round3(median(viaLog)), p99Ms: round3(percentile(viaLog, 99)) },
    fileLogVsRaw: round3(median(viaLog) / median(raw)),
  };
}

/** fdatasync of an append that grows the file against an overwrite in a preallocated (zero-filled, synced) region. */
async function preallocation(): Promise<{ growing: { medianMs: number; p99Ms: number }; preallocated: { medianMs: number; p99Ms: number }; growingVsPreallocated: number }> {
  const dir = tempDir();
  const bytes = Buffer.alloc(227, 1);
  const region = Math.max(1, FSYNCS) * bytes.length;
  const growing = await fs.promises.open(path.join(dir, 'growing'), 'w');
  const pre = await fs.promises.open(path.join(dir, 'preallocated'), 'w');
  const grow: number[] = [];
  const over: number[] = [];
  try {
    await pre.write(Buffer.alloc(region), 0, region, 0);
    await pre.sync();
    for (let i = 0; i < FSYNCS; i += 1) {
      let t = performance.now();
      await growing.write(bytes, 0, bytes.length, i * bytes.length);
      await growing.datasync();
      grow.push(performance.now() - t);
      t = performance.now();
      await pre.write(bytes, 0, bytes.length, i * bytes.length);
      await pre.datasync();
      over.push(performance.now() - t);
    }
  } finally {
    await growing.close();
    await pre.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return {
    growing: { medianMs: round3(median(grow)), p99Ms: round3(percentile(grow, 99)) },
    preallocated: { medianMs: round3(median(over)), p99Ms: round3(percentile(over, 99)) },
    growingVsPreallocated: round3(median(grow) / median(over)),
  };
}

type Mode = { readonly perSync: number } | { readonly writers: number };

/** One run: `CHANGES` changes with `perSync` changes in each sync (sequential), or from `writers` concurrent one-change writers. */
async function throughputRun(mode: Mode): Promise<{ changes: number; flushes: number; seconds: number }> {
  const dir = tempDir();
  let flushes = 0;
  const log = new FileLog<Change, MultiRecord<Op>>({ directory: dir, cluster: 'bench', node: 1, ...multiPaxosCodecs<Op>(), onSync: () => (flushes += 1) });
  await log.open();
  const t = performance.now();
  if ('perSync' in mode) {
    for (let i = 0; i < CHANGES; i += mode.perSync) {
      log.append(Array.from({ length: mode.perSync }, (_, k) => change(i + k)));
      await log.sync();
    }
  } else {
    let next = 0;
    const writer = async (): Promise<void> => {
      while (next < CHANGES) {
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
  return { changes: CHANGES, flushes, seconds };
}

/**
 * Every mode, repetition by repetition (round robin), so that the disk's load from other work,
 * which changes over seconds on a shared machine, falls on every mode alike.
 */
async function throughput(modes: Readonly<Record<string, Mode>>): Promise<Record<string, { changesPerSecond: number; syncsPerSecond: number }>> {
  const runs: Record<string, { changes: number; flushes: number; seconds: number }[]> = {};
  for (let r = 0; r < REPETITIONS; r += 1) {
    for (const [name, mode] of Object.entries(modes)) (runs[name] ??= []).push(await throughputRun(mode));
  }
  return Object.fromEntries(
    Object.entries(runs).map(([name, xs]) => [
      name,
      { changesPerSecond: Math.round(median(xs.map((x) => x.changes / x.seconds))), syncsPerSecond: Math.round(median(xs.map((x) => x.flushes / x.seconds))) },
    ]),
  );
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
  const latency = await syncLatency();
  const prealloc = await preallocation();
  const measured = await throughput({ '1 per sync': { perSync: 1 }, '16 per sync': { perSync: 16 }, '64 per sync': { perSync: 64 }, '64 concurrent writers': { writers: 64 } });
  const baseline = measured['1 per sync']?.changesPerSecond ?? NaN;
  const rows = Object.fromEntries(Object.entries(measured).map(([name, m]) => [name, { ...m, vsOneSyncPerChange: round3(m.changesPerSecond / baseline) }]));
  const result = {
    benchmark: 'storage',
    directory: base,
    quick,
    repetitions: REPETITIONS,
    changesPerRun: CHANGES,
    fdatasync: latency,
    preallocation: prealloc,
    groupCommit: { baseline: 'one sync per change (1 per sync), same run', rows },
    codec: codecCost(),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
