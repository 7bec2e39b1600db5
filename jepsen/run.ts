/**
 * The Jepsen-style test of real processes: a cluster of `synod node` processes (real data
 * directories, fsync on) behind a fault-injecting proxy; several concurrent clients issuing
 * random key-value operations (get, put, delete, cas on a few keys) over the HTTP API; a
 * nemesis that, on a schedule, kill -9s and restarts nodes, pauses them (SIGSTOP/SIGCONT) and
 * partitions them; then every fault healed, a final read of every key through the log.
 *
 * The keys rotate as in Jepsen's `jepsen.independent` (jepsen/keys.ts): a few live keys at once,
 * each retired after `opsPerKey` operations or `keyMs`, so every key's history stays small and
 * the check finishes however long the run.
 *
 * The verdict: the history (written in the format of `synod sim --history`) is linearizable
 * under lib/history's checker, key by key, each within a search budget (a key whose search runs
 * out is 'unknown', never linearizable); no acknowledged write is lost; after each healed fault
 * an operation invoked after the heal completes within a bound; and something was done (writes
 * acknowledged, faults injected), so the run cannot pass vacuously.
 */
import * as path from 'node:path';
import type { NodeId } from '../lib/core/types';
import { Random } from '../lib/core/random';
import { checkHistory, type KeyVerdict, type Scalar } from '../lib/history/linearizability';
import type { KvOp } from '../lib/machine/kv';
import { ClusterClient } from './client';
import { Cluster, JEPSEN_SNAPSHOT_EVERY } from './cluster';
import { HistoryRecorder, lostWrites, recoveries, writeHistory, type Fault, type LostWrite, type Recovery } from './history';
import { JsonHttp } from './http';
import { KeyRotation, keyStats, type KeyStats } from './keys';

export type FaultKind = 'kill' | 'pause' | 'partition' | 'kill-two';
export const FAULT_KINDS: readonly FaultKind[] = ['kill', 'pause', 'partition', 'kill-two'];

export interface JepsenOptions {
  readonly seed: number;
  readonly nodes: number;
  readonly clients: number;
  /** Keys live at once (each client picks one at random per operation). */
  readonly keys: number;
  /** A key serves at most this many operations, then a fresh key replaces it. */
  readonly opsPerKey: number;
  /** A key is replaced once it has lived this long (ms), whatever its operation count. */
  readonly keyMs: number;
  /** The checker's search budget per key, in explored steps: a key that spends it is 'unknown'. */
  readonly checkBudget: number;
  /** How long the clients run at least (the nemesis acts inside this window). */
  readonly durationMs: number;
  /**
   * The nemesis goes on past `durationMs` until it has injected this many faults (default 0),
   * and the clients run until it is done: a bounded run then covers its faults however slowly
   * a loaded machine restarts processes.
   */
  readonly minFaults?: number;
  /** Ports basePort+1 .. basePort+20+n*n (nodes, their client ports, the proxy's links). */
  readonly basePort: number;
  readonly faults: readonly FaultKind[];
  /** How long a fault lasts, and the quiet time after each heal. */
  readonly faultMs: number;
  readonly quietMs: number;
  /** Bound on the time from a heal to the first completed operation invoked after it. */
  readonly progressBoundMs: number;
  readonly opTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** A client's pause between two operations (a random time up to this). */
  readonly thinkMs: number;
  /** Where to write the history (JSON lines); none if undefined. */
  readonly historyFile?: string;
  /** Extra flags for every node process. */
  readonly nodeArgs?: readonly string[];
  /** Run every node as jepsen/mutant-node.ts with this zoo mutant (to show the checks fail on a broken node). */
  readonly mutant?: string;
  readonly log?: (line: string) => void;
}

export const DEFAULTS: Omit<JepsenOptions, 'durationMs' | 'basePort'> = {
  seed: 1,
  nodes: 3,
  clients: 5,
  keys: 2,
  opsPerKey: 200,
  keyMs: 10_000,
  checkBudget: 5_000_000,
  faults: FAULT_KINDS,
  faultMs: 2500,
  quietMs: 2000,
  progressBoundMs: 10_000,
  opTimeoutMs: 4000,
  requestTimeoutMs: 1000,
  thinkMs: 20,
};

export interface JepsenSummary {
  readonly seed: number;
  readonly seconds: number;
  readonly ops: number;
  readonly ok: number;
  readonly fail: number;
  readonly info: number;
  readonly okWrites: number;
  readonly byF: Record<string, { ok: number; fail: number; info: number }>;
  readonly faults: number;
  readonly faultLog: readonly Fault[];
  readonly recoveries: readonly Recovery[];
  readonly linearizable: boolean | 'unknown';
  readonly linearizability?: string;
  /** The keys: how many, how many checked, linearizable, not, unknown (budget spent), sizes, contention. */
  readonly keys: KeySummary;
  readonly lostWrites: number;
  readonly lost: readonly LostWrite[];
  readonly finalReads: Record<string, Scalar | 'no answer'>;
  readonly historyFile: string | null;
  readonly historyRecords: number;
  readonly checkMs: number;
  /** The runner's peak resident memory (MB), the check included. */
  readonly peakRssMb: number;
  /** Every check held: linearizable, nothing lost, progress after every fault, something done. */
  readonly passed: boolean;
  /**
   * 'pass': every check held, every key checked; 'fail': a check failed (a violation, a lost
   * write, no progress, nothing done); 'unknown': nothing failed, but some key's check ran out of
   * budget, so the run proves nothing about that key.
   */
  readonly outcome: 'pass' | 'fail' | 'unknown';
  /** The verdict in one line. */
  readonly verdict: string;
  readonly problems: readonly string[];
}

export interface KeySummary extends KeyStats {
  readonly live: number;
  readonly opsPerKey: number;
  readonly keyMs: number;
  readonly checkBudget: number;
  readonly checked: number;
  readonly linearizable: number;
  readonly notLinearizable: number;
  readonly unknown: number;
  /** The keys whose check ran out of budget (the first 20). */
  readonly unknownKeys: readonly string[];
  /** The most steps one key's search explored. */
  readonly maxExplored: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One client: operations one at a time; after an `info` it continues as a new process. */
async function clientLoop(
  worker: number,
  options: JepsenOptions,
  client: ClusterClient,
  history: HistoryRecorder,
  keys: KeyRotation,
  random: Random,
  nextValue: () => number,
  nextProcess: () => number,
  stop: () => boolean,
): Promise<void> {
  const seen = new Map<string, number | null>();
  let process = nextProcess();
  let seq = 0;
  while (!stop()) {
    const key = keys.take(random.below(options.keys));
    const roll = random.next();
    const op: KvOp = roll < 0.3
      ? { type: 'get', key }
      : roll < 0.6
        ? { type: 'put', key, value: nextValue() }
        : roll < 0.85
          ? { type: 'cas', key, expect: seen.get(key) ?? null, value: nextValue() }
          : { type: 'delete', key };
    seq += 1;
    history.invoke(process, op);
    const outcome = await client.run(`jepsen-${worker}-p${process}`, seq, op);
    if (outcome.kind === 'applied') {
      history.applied(process, outcome.node, outcome.result);
      const after = op.type === 'get' ? outcome.result.value
        : op.type === 'delete' ? null
          : op.type === 'put' || outcome.result.ok ? op.value : outcome.result.value;
      seen.set(key, typeof after === 'number' ? after : null);
    } else {
      history.info(process);
      process = nextProcess();
      seq = 0;
    }
    await sleep(random.below(options.thinkMs + 1));
  }
}

/** The current leader as the nodes see it (0 if none answers). */
async function currentLeader(cluster: Cluster, http: JsonHttp): Promise<NodeId> {
  for (const id of cluster.members.keys()) {
    if (!cluster.running(id) || cluster.paused(id)) continue;
    const s = await cluster.status(http, id, 500);
    if (s !== undefined && s.leader !== 0) return s.leader;
  }
  return 0;
}

async function nemesis(
  options: JepsenOptions,
  cluster: Cluster,
  http: JsonHttp,
  random: Random,
  now: () => number,
  end: number,
  log: (line: string) => void,
): Promise<Fault[]> {
  const faults: Fault[] = [];
  const ids = [...cluster.members.keys()];
  let turn = random.below(options.faults.length);
  await sleep(options.quietMs);
  while (now() + options.faultMs + options.quietMs <= end || faults.length < (options.minFaults ?? 0)) {
    const kind = options.faults[turn % options.faults.length]!;
    turn += 1;
    const leader = await currentLeader(cluster, http);
    const first = leader !== 0 && random.chance(0.5) ? leader : random.pick(ids);
    const nodes = kind === 'kill-two' ? [first, random.pick(ids.filter((i) => i !== first))] : [first];
    const at = now();
    switch (kind) {
      case 'kill':
      case 'kill-two':
        for (const n of nodes) await cluster.kill(n);
        break;
      case 'pause':
        cluster.pause(first);
        break;
      case 'partition':
        cluster.proxy!.partition([[first], ids.filter((i) => i !== first)]);
        break;
    }
    log(`nemesis: ${kind} ${nodes.join(',')}${nodes.includes(leader) ? ' (the leader)' : ''} at ${Math.round(at)} ms`);
    await sleep(options.faultMs);
    let restartedAt: number | undefined;
    switch (kind) {
      case 'kill':
      case 'kill-two':
        for (const n of nodes) cluster.restart(n);
        restartedAt = now();
        // the heal is complete when the restarted nodes are up (recovered, serving): process
        // start-up is the machine's, not the protocol's, and on a loaded machine it is seconds
        for (const n of nodes) await cluster.waitUp(http, n, 60_000);
        break;
      case 'pause':
        cluster.resume(first);
        break;
      case 'partition':
        cluster.proxy!.heal();
        break;
    }
    const healedAt = now();
    const startupMs = restartedAt === undefined ? undefined : Math.round(healedAt - restartedAt);
    faults.push({ kind, nodes, at: Math.round(at), healedAt: Math.round(healedAt), ...(startupMs === undefined ? {} : { startupMs }) });
    log(`nemesis: healed ${kind} ${nodes.join(',')} at ${Math.round(healedAt)} ms${startupMs === undefined ? '' : ` (restarted processes up after ${startupMs} ms)`}`);
    await sleep(options.quietMs);
  }
  return faults;
}

export async function runJepsen(options: JepsenOptions): Promise<JepsenSummary> {
  const log = options.log ?? ((): void => undefined);
  const random = new Random(options.seed);
  const http = new JsonHttp();
  const started = performance.now();
  const cluster = await Cluster.start({
    nodes: options.nodes,
    basePort: options.basePort,
    proxy: true,
    snapshotEvery: JEPSEN_SNAPSHOT_EVERY,
    ...(options.nodeArgs === undefined ? {} : { extraArgs: options.nodeArgs }),
    ...(options.mutant === undefined ? {} : { entry: ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'mutant-node.ts'), options.mutant] }),
  });
  try {
    const leader = await cluster.ready(http, 20_000);
    log(`cluster: ${options.nodes} nodes up, node ${leader} leads (after ${Math.round(performance.now() - started)} ms)`);
    const t0 = performance.now();
    const now = (): number => performance.now() - t0;
    const history = new HistoryRecorder(t0);
    const keys = new KeyRotation({ live: options.keys, opsPerKey: options.opsPerKey, keyMs: options.keyMs }, now);
    let value = 0;
    let processes = 0;
    let stopped = false;
    let nemesisDone = false;
    const end = options.durationMs;
    const addresses = cluster.clientAddresses();
    const clientOptions = { nodes: addresses, opTimeoutMs: options.opTimeoutMs, requestTimeoutMs: options.requestTimeoutMs };
    const clients = Array.from({ length: options.clients }, (_, w) => clientLoop(
      w, options, new ClusterClient(http, clientOptions, leader), history, keys, new Random(options.seed * 1000 + w + 1),
      () => (value += 1), () => processes++, () => stopped || (nemesisDone && now() >= end),
    ));
    const faults = await nemesis(options, cluster, http, random, now, end, log);
    nemesisDone = true;
    await Promise.all(clients);
    stopped = true;

    // Every fault healed; then a final read of every key, through the log.
    cluster.healAll();
    const restartedAt = now();
    for (const id of cluster.members.keys()) await cluster.waitUp(http, id, 60_000);
    const healedAt = now();
    log(`final: every node up and the network healed at ${Math.round(healedAt)} ms`);
    const finalClient = new ClusterClient(http, { ...clientOptions, opTimeoutMs: options.progressBoundMs });
    const finals = new Map<string, Scalar>();
    const finalReads: Record<string, Scalar | 'no answer'> = {};
    // every key the run used, retired ones included, by `clients` readers at once
    const pending = [...keys.keys()];
    const reader = async (): Promise<void> => {
      for (let key = pending.shift(); key !== undefined; key = pending.shift()) {
        const process = processes++;
        history.invoke(process, { type: 'get', key });
        const outcome = await finalClient.run(`jepsen-final-p${process}`, 1, { type: 'get', key });
        if (outcome.kind === 'applied') {
          history.applied(process, outcome.node, outcome.result);
          finals.set(key, outcome.result.value);
          finalReads[key] = outcome.result.value;
        } else {
          history.info(process);
          finalReads[key] = 'no answer';
        }
      }
    };
    await Promise.all(Array.from({ length: options.clients }, reader));
    log(`final: read all ${keys.keys().length} keys by ${Math.round(now())} ms`);
    const records = history.history();
    if (options.historyFile !== undefined) {
      writeHistory(options.historyFile, records);
      log(`history: ${records.length} records written to ${options.historyFile}`);
    }
    const allFaults = [...faults, { kind: 'final-heal', nodes: [...cluster.members.keys()], at: Math.round(restartedAt), healedAt: Math.round(healedAt), startupMs: Math.round(healedAt - restartedAt) }];
    return summarize(options, records, allFaults, finals, finalReads, now() / 1000, faults.length, log);
  } finally {
    await cluster.stop();
    http.close();
  }
}

/**
 * The verdict of a finished run: the check of every key (within the budget, with progress on
 * `log`), lost writes, progress after each fault, the keys' sizes, and the outcome in one line.
 */
export function summarize(
  options: JepsenOptions,
  records: ReturnType<HistoryRecorder['history']>,
  faults: readonly Fault[],
  finals: ReadonlyMap<string, Scalar>,
  finalReads: Record<string, Scalar | 'no answer'>,
  seconds: number,
  injected: number,
  log: (line: string) => void,
): JepsenSummary {
  const byF: Record<string, { ok: number; fail: number; info: number }> = {};
  let ok = 0;
  let fail = 0;
  let info = 0;
  let okWrites = 0;
  for (const r of records) {
    if (r.type === 'invoke') continue;
    const row = (byF[r.f] ??= { ok: 0, fail: 0, info: 0 });
    row[r.type] += 1;
    if (r.type === 'ok') ok += 1;
    if (r.type === 'fail') fail += 1;
    if (r.type === 'info') info += 1;
    if (r.type === 'ok' && (r.f === 'write' || r.f === 'cas')) okWrites += 1;
  }
  const t = performance.now();
  let reported = t;
  let bad = 0;
  let unknown = 0;
  log(`check: ${records.length} records, each key's history alone (search budget ${options.checkBudget} steps per key)`);
  const verdict = checkHistory(records, {
    budget: options.checkBudget,
    onKey: (k: KeyVerdict, done: number, total: number) => {
      if (k.linearizable === false) bad += 1;
      if (k.linearizable === 'unknown') {
        unknown += 1;
        log(`check: key ${k.key} (${k.operations} operations) UNKNOWN: ${k.reason}`);
      }
      const at = performance.now();
      if (at - reported >= 2000 || done === total) {
        reported = at;
        log(`check: ${done}/${total} keys, ${bad} not linearizable, ${unknown} unknown, ${((at - t) / 1000).toFixed(1)} s, ${Math.round(process.memoryUsage().rss / 1e6)} MB resident`);
      }
    },
  });
  const checkMs = Math.round(performance.now() - t);
  const problem = verdict.keys.find((k) => k.linearizable === false) ?? verdict.keys.find((k) => k.linearizable !== true);
  const unknownKeys = verdict.keys.filter((k) => k.linearizable === 'unknown').map((k) => k.key);
  const lost = lostWrites(records, finals);
  const recovered = recoveries(records, faults);
  const problems: string[] = [];
  if (verdict.linearizable === false) problems.push(`not linearizable: ${problem !== undefined && 'reason' in problem ? problem.reason : verdict.errors.join('; ')}`);
  if (lost.length > 0) problems.push(`${lost.length} acknowledged writes lost, e.g. ${JSON.stringify(lost[0])}`);
  for (const r of recovered) {
    if (r.progressAfterMs === null || r.progressAfterMs > options.progressBoundMs) {
      problems.push(`no progress within ${options.progressBoundMs} ms after healing ${r.fault} (at ${r.healedAt} ms): ${r.progressAfterMs === null ? 'none at all' : `${r.progressAfterMs} ms`}`);
    }
  }
  for (const [key, v] of Object.entries(finalReads)) if (v === 'no answer') problems.push(`the final read of ${key} got no answer`);
  if (okWrites === 0) problems.push('no write was acknowledged: the run proves nothing');
  if (injected === 0) problems.push('no fault was injected: the run proves nothing');
  const stats = keyStats(records, faults.filter((f) => f.kind !== 'final-heal'));
  const keys: KeySummary = {
    live: options.keys,
    opsPerKey: options.opsPerKey,
    keyMs: options.keyMs,
    checkBudget: options.checkBudget,
    ...stats,
    checked: verdict.keys.length,
    linearizable: verdict.keys.filter((k) => k.linearizable === true).length,
    notLinearizable: verdict.keys.filter((k) => k.linearizable === false).length,
    unknown: unknownKeys.length,
    unknownKeys: unknownKeys.slice(0, 20),
    maxExplored: verdict.keys.reduce((m, k) => Math.max(m, k.explored), 0),
  };
  const outcome = problems.length > 0 ? 'fail' : unknownKeys.length > 0 ? 'unknown' : 'pass';
  const checked = `${keys.checked} keys checked: ${keys.linearizable} linearizable, ${keys.notLinearizable} not, ${keys.unknown} unknown; ` +
    `biggest key ${stats.biggest === null ? 'none' : `${stats.biggest.key} (${stats.biggest.operations} operations, ${stats.biggest.info} info)`}; ` +
    `${lost.length} acknowledged writes lost`;
  const verdictLine = outcome === 'pass'
    ? `PASS: ${checked}; progress after every fault`
    : outcome === 'fail'
      ? `FAIL: ${problems.slice(0, 5).map((p) => (p.length > 300 ? `${p.slice(0, 300)}...` : p)).join(' | ')}${problems.length > 5 ? ` | and ${problems.length - 5} more problems` : ''} (${checked})`
      : `UNKNOWN: nothing failed, but ${keys.unknown} key(s) ran out of the search budget (${options.checkBudget} steps) and were NOT checked: ${unknownKeys.slice(0, 20).join(', ')} (${checked})`;
  return {
    seed: options.seed,
    seconds: Math.round(seconds * 10) / 10,
    ops: records.filter((r) => r.type === 'invoke').length,
    ok,
    fail,
    info,
    okWrites,
    byF,
    faults: injected,
    faultLog: faults,
    recoveries: recovered,
    linearizable: verdict.linearizable,
    ...(problem !== undefined && 'reason' in problem ? { linearizability: problem.reason.slice(0, 2000) } : {}),
    keys,
    lostWrites: lost.length,
    lost: lost.slice(0, 10),
    finalReads,
    historyFile: options.historyFile ?? null,
    historyRecords: records.length,
    checkMs,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    passed: outcome === 'pass',
    outcome,
    verdict: verdictLine,
    problems,
  };
}
