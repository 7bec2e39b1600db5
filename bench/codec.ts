/**
 * The codec benchmark: which schema library validates the messages of a real node faster,
 * TypeBox's compiled checker (TypeCompiler, the one lib/runtime/transport uses) or zod 4, on
 * the same corpus in the same run, as one JSON object (medians of several repetitions).
 *
 *   npx ts-node --transpile-only bench/codec.ts          (npm run bench:codec)
 *   npx ts-node --transpile-only bench/codec.ts --quick  (a smaller corpus, fewer repetitions)
 *
 * Corpus: every message sent in simulator runs of Multi-Paxos and of Raft (3 nodes, lib/sim's
 * `allFaults` profile: loss, duplication, partitions, crashes; seeds 1..N), each serialized as
 * the wire codec does and parsed back, so both libraries see exactly what a node receives. The
 * zod schemas below mirror lib/runtime/transport/schemas one for one (closed objects, integer
 * bounds, one schema per message type, dispatched on `type` like `messageValidator`); before
 * timing, both must accept every corpus message and reject every one of a set of broken copies,
 * so the race is between equivalent checks.
 *
 * Also measured, with the kept library: the whole receive path of one frame (HMAC check, JSON
 * parse, validation), split into its parts, so the cost of validation is seen beside the rest.
 */
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { subjectEntry } from '../lib/sim/registry';
import { simulate } from '../lib/sim/simulator';
import { allFaults } from '../lib/sim/profiles';
import { TraceRecorder } from '../lib/sim/trace';
import { MESSAGE_TYPES, type MultiMessageType } from '../lib/multipaxos/messages';
import { RAFT_MESSAGE_TYPES, type RaftMessageType } from '../lib/raft/messages';
import { multiPaxosMessage, raftMessage, type MessageValidator } from '../lib/runtime/transport/validate';
import { encodeFrame, FrameDecoder } from '../lib/runtime/transport/frame';

const quick = process.argv.includes('--quick');
const SEEDS = quick ? 4 : 12;
const REPETITIONS = quick ? 5 : 9;
/** Each repetition validates the corpus as many times as fill at least this long (calibrated per library). */
const REPETITION_MS = quick ? 40 : 150;

// --- the zod mirror of lib/runtime/transport/schemas ---
const count = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
const nodeId = z.int().min(1).max(0xffffffff);
const ballot = z.strictObject({ round: count, node: z.int().min(0).max(0xffffffff) });
const kvValue = z.union([z.string(), z.number()]);
const op = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('get'), key: z.string() }),
  z.strictObject({ type: z.literal('put'), key: z.string(), value: kvValue }),
  z.strictObject({ type: z.literal('delete'), key: z.string() }),
  z.strictObject({ type: z.literal('cas'), key: z.string(), expect: z.union([kvValue, z.null()]), value: kvValue }),
  z.strictObject({ type: z.literal('reserve'), suite: z.string(), booking: z.string() }),
  z.strictObject({ type: z.literal('confirm'), suite: z.string(), booking: z.string() }),
  z.strictObject({ type: z.literal('release'), suite: z.string(), booking: z.string() }),
]);
const command = z.strictObject({ client: z.string(), seq: count, op });
const entry = z.discriminatedUnion('kind', [z.strictObject({ kind: z.literal('noop') }), z.strictObject({ kind: z.literal('batch'), commands: z.array(command) })]);
const mp = { from: nodeId, to: nodeId, ballot };
const ZOD_MULTIPAXOS: Record<MultiMessageType, z.ZodType> = {
  prepare: z.strictObject({ ...mp, type: z.literal('prepare'), slot: count }),
  promise: z.strictObject({ ...mp, type: z.literal('promise'), slot: count, entries: z.array(z.strictObject({ slot: count, ballot, value: entry })) }),
  accept: z.strictObject({ ...mp, type: z.literal('accept'), slot: count, value: entry, commit: count }),
  accepted: z.strictObject({ ...mp, type: z.literal('accepted'), slot: count, value: entry }),
  rejected: z.strictObject({ ...mp, type: z.literal('rejected'), slot: count, promised: ballot }),
  heartbeat: z.strictObject({ ...mp, type: z.literal('heartbeat'), commit: count }),
  catchup: z.strictObject({ ...mp, type: z.literal('catchup'), slot: count }),
  learn: z.strictObject({ ...mp, type: z.literal('learn'), slot: count, values: z.array(entry), commit: count }),
};
const raftEntry = z.discriminatedUnion('kind', [
  z.strictObject({ term: count, kind: z.literal('noop') }),
  z.strictObject({ term: count, kind: z.literal('command'), command }),
]);
const rf = { from: nodeId, to: nodeId, term: count };
const ZOD_RAFT: Record<RaftMessageType, z.ZodType> = {
  'request-vote': z.strictObject({ ...rf, type: z.literal('request-vote'), lastLogIndex: count, lastLogTerm: count }),
  vote: z.strictObject({ ...rf, type: z.literal('vote'), granted: z.boolean() }),
  'append-entries': z.strictObject({ ...rf, type: z.literal('append-entries'), prevLogIndex: count, prevLogTerm: count, entries: z.array(raftEntry), leaderCommit: count }),
  'append-reply': z.strictObject({ ...rf, type: z.literal('append-reply'), success: z.boolean(), index: count, match: count, conflictIndex: count, conflictTerm: count }),
};

/** The same dispatch as `messageValidator`: look the type up, then check its schema. */
function zodValidator(schemas: Readonly<Record<string, z.ZodType>>): (value: unknown) => boolean {
  const table = new Map(Object.entries(schemas));
  return (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    const type: unknown = (value as { type?: unknown }).type;
    const schema = typeof type === 'string' ? table.get(type) : undefined;
    return schema !== undefined && schema.safeParse(value).success;
  };
}

function typeboxValidator<M>(v: MessageValidator<M>): (value: unknown) => boolean {
  return (value) => v(value).ok;
}

// --- the corpus ---
function corpus(protocol: string, seeds: number): { payloads: Buffer[]; values: unknown[]; types: Record<string, number> } {
  const entry = subjectEntry(protocol);
  if (entry === undefined) throw new Error(`no simulator subject '${protocol}'`);
  const payloads: Buffer[] = [];
  const types: Record<string, number> = {};
  for (let seed = 1; seed <= seeds; seed += 1) {
    const trace = new TraceRecorder();
    simulate(entry.build({ nodes: 3 }), allFaults(seed), trace);
    for (const e of trace.events) {
      if (e.type !== 'send') continue;
      const type = (e.message as { type: string }).type;
      types[type] = (types[type] ?? 0) + 1;
      payloads.push(Buffer.from(JSON.stringify(e.message), 'utf8'));
    }
  }
  return { payloads, values: payloads.map((p) => JSON.parse(p.toString('utf8')) as unknown), types };
}

/** Broken copies of real messages: each must be rejected by both libraries. */
function broken(values: readonly unknown[]): unknown[] {
  const out: unknown[] = [];
  values.slice(0, 200).forEach((v, i) => {
    const m = v as Record<string, unknown>;
    out.push({ ...m, extra: 1 }, { ...m, from: 0 }, { ...m, to: -1 }, { ...m, from: 1.5 }, { ...m, type: 'nope' }, { ...m, type: undefined });
    const keys = Object.keys(m).filter((k) => k !== 'type');
    const k = keys[i % keys.length] as string;
    out.push({ ...m, [k]: 'x' });
  });
  return out;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Passes over the corpus that take at least REPETITION_MS (doubling from one). */
function calibrate(values: readonly unknown[], check: (v: unknown) => boolean): number {
  for (let passes = 1; ; passes *= 2) {
    const t0 = performance.now();
    for (let p = 0; p < passes; p += 1) for (const v of values) check(v);
    if (performance.now() - t0 >= REPETITION_MS || passes >= 1 << 16) return passes;
  }
}

/** Median messages per second of `check` over the corpus (every message must pass). */
function measure(values: readonly unknown[], check: (v: unknown) => boolean): { messagesPerSecond: number; bestMessagesPerSecond: number; passes: number; repetitionsMs: number[] } {
  const PASSES = calibrate(values, check);
  const repetitionsMs: number[] = [];
  for (let r = 0; r < REPETITIONS; r += 1) {
    let accepted = 0;
    const t0 = performance.now();
    for (let p = 0; p < PASSES; p += 1) for (const v of values) if (check(v)) accepted += 1;
    repetitionsMs.push(performance.now() - t0);
    if (accepted !== values.length * PASSES) throw new Error('a corpus message was rejected');
  }
  const rate = (ms: number): number => Math.round((values.length * PASSES) / (ms / 1000));
  // The median is the figure; the best repetition is shown beside it because on a shared machine a descheduled repetition inflates the median.
  return { messagesPerSecond: rate(median(repetitionsMs)), bestMessagesPerSecond: rate(Math.min(...repetitionsMs)), passes: PASSES, repetitionsMs: repetitionsMs.map((x) => Math.round(x * 10) / 10) };
}

/** The receive path of the kept library, per message: HMAC check, JSON parse, validation (microseconds, medians). */
function receivePath(payloads: readonly Buffer[], validate: MessageValidator<unknown>): Record<string, number> {
  const secret = Buffer.from('bench-secret-0123456789');
  const frames = Buffer.concat(payloads.map((p) => encodeFrame(1, p, secret)));
  const times = { hmacAndFraming: [] as number[], jsonParse: [] as number[], validate: [] as number[] };
  for (let r = 0; r < REPETITIONS; r += 1) {
    let t0 = performance.now();
    const decoded = new FrameDecoder({ secret }).push(frames);
    times.hmacAndFraming.push(performance.now() - t0);
    t0 = performance.now();
    const values = decoded.map((d) => (d.kind === 'frame' ? (JSON.parse(d.payload.toString('utf8')) as unknown) : null));
    times.jsonParse.push(performance.now() - t0);
    t0 = performance.now();
    let ok = 0;
    for (const v of values) if (validate(v).ok) ok += 1;
    times.validate.push(performance.now() - t0);
    if (ok !== payloads.length) throw new Error('the receive path rejected a corpus message');
  }
  const per = (ms: number[]): number => Math.round((median(ms) * 1000 * 100) / payloads.length) / 100;
  return { hmacAndFramingUs: per(times.hmacAndFraming), jsonParseUs: per(times.jsonParse), validateUs: per(times.validate) };
}

function run(): void {
  const protocols = [
    { name: 'multipaxos', typebox: multiPaxosMessage as MessageValidator<unknown>, zod: zodValidator(ZOD_MULTIPAXOS), types: MESSAGE_TYPES as readonly string[] },
    { name: 'raft', typebox: raftMessage as MessageValidator<unknown>, zod: zodValidator(ZOD_RAFT), types: RAFT_MESSAGE_TYPES as readonly string[] },
  ];
  const results = protocols.map((p) => {
    const c = corpus(p.name, SEEDS);
    const missing = p.types.filter((t) => c.types[t] === undefined);
    const tb = typeboxValidator(p.typebox);
    for (const v of c.values) if (!tb(v) || !p.zod(v)) throw new Error(`${p.name}: a corpus message was rejected: ${JSON.stringify(v).slice(0, 200)}`);
    const bad = broken(c.values);
    for (const v of bad) if (tb(v) || p.zod(v)) throw new Error(`${p.name}: a broken message was accepted: ${JSON.stringify(v).slice(0, 200)}`);
    const zod = measure(c.values, p.zod);
    const typebox = measure(c.values, tb);
    return {
      protocol: p.name,
      messages: c.values.length,
      bytes: c.payloads.reduce((n, b) => n + b.length, 0),
      types: c.types,
      typesMissingFromCorpus: missing,
      brokenCopiesRejectedByBoth: bad.length,
      typebox,
      zod,
      typeboxOverZod: Math.round((typebox.messagesPerSecond / zod.messagesPerSecond) * 100) / 100,
      typeboxOverZodBest: Math.round((typebox.bestMessagesPerSecond / zod.bestMessagesPerSecond) * 100) / 100,
      receivePathWithTypebox: receivePath(c.payloads, p.typebox),
    };
  });
  const faster = results.every((r) => r.typeboxOverZod >= 1) ? 'typebox' : results.every((r) => r.typeboxOverZod <= 1) ? 'zod' : 'mixed';
  console.log(
    JSON.stringify(
      {
        bench: 'codec',
        node: process.version,
        quick,
        seeds: SEEDS,
        repetitions: REPETITIONS,
        repetitionMs: REPETITION_MS,
        faster,
        kept: 'typebox (@sinclair/typebox TypeCompiler) in lib/runtime/transport; zod only here, as a devDependency',
        results,
      },
      null,
      2,
    ),
  );
}

run();
