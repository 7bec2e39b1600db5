/**
 * The simulator benchmark: simulated message deliveries per second, with and without the
 * invariant checks, for 3 and 5 nodes, as one JSON object (median of several runs).
 *
 *   npx ts-node --transpile-only bench/sim.ts        (npm run bench:sim)
 *   npx ts-node --transpile-only bench/sim.ts --quick (fewer seeds and repetitions)
 *
 * Workload: single-decree Paxos under every fault (10% loss, 5% duplication, partitions,
 * crashes), 3 clients with up to 10 commands each, 1,000-step runs over a fixed range of
 * seeds; every repetition runs the same schedules, so the runs differ only in the machine.
 * Check modes: none (the simulator and the protocol alone), incremental (the monitor after
 * every step, the definition only for a report: what the specs and the CLI run), and full
 * (lib/invariants' `checkPaxos` after every step, on fewer seeds: the price of the
 * definition, and why the monitor exists).
 *
 * The ceiling: `protocolDeliverOnly` replays every delivery of a batch straight into the
 * protocol's `deliver`, with nothing else around it.
 *
 * Where the time goes: one extra pass runs under V8's sampling profiler (node:inspector) and
 * splits self time by source folder: lib/paxos (the protocol's step functions), lib/sim (the
 * network, the queue, the monitor), lib/invariants, lib/harness (the random generator), and
 * the rest (V8 internals and garbage collection, which the profiler reports as such).
 * Wall-clock time appears here only, never inside a simulated run.
 */
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import type { CheckMode, SimOptions } from '../lib/sim/options';
import { allFaults } from '../lib/sim/profiles';
import { singleDecree } from '../lib/sim/registry';
import { simulate } from '../lib/sim/simulator';
import type { AnySubject } from '../lib/sim/subject';
import type { Addressed } from '../lib/core/protocol';

interface Measurement {
  readonly nodes: number;
  readonly check: CheckMode;
  readonly seeds: number;
  readonly deliveries: number;
  readonly steps: number;
  readonly repetitionsMs: readonly number[];
  readonly medianMs: number;
  readonly deliveriesPerSecond: number;
  readonly stepsPerSecond: number;
}

const quick = process.argv.includes('--quick');
const REPETITIONS = quick ? 3 : 5;
const SEEDS = quick ? 200 : 1000;
const FULL_SEEDS = quick ? 20 : 60;

function workload(seed: number, check: CheckMode): SimOptions {
  return allFaults(seed, { check });
}

function batch(subject: AnySubject, seeds: number, check: CheckMode): { deliveries: number; steps: number; violations: number } {
  let deliveries = 0;
  let steps = 0;
  let violations = 0;
  for (let seed = 1; seed <= seeds; seed += 1) {
    const r = simulate(subject, workload(seed, check));
    deliveries += r.stats.delivered;
    steps += r.stepsRun;
    violations += r.violations.length;
  }
  return { deliveries, steps, violations };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function measure(nodes: number, check: CheckMode, seeds: number): Measurement {
  const subject = singleDecree.build({ nodes });
  batch(subject, Math.min(seeds, 50), check); // warm up the JIT
  const times: number[] = [];
  let totals = { deliveries: 0, steps: 0, violations: 0 };
  for (let i = 0; i < REPETITIONS; i += 1) {
    const start = performance.now();
    totals = batch(subject, seeds, check);
    times.push(performance.now() - start);
  }
  if (totals.violations > 0) throw new Error(`synod bench: the real protocol failed a check (${nodes} nodes)`);
  const ms = median(times);
  return {
    nodes,
    check,
    seeds,
    deliveries: totals.deliveries,
    steps: totals.steps,
    repetitionsMs: times.map((t) => Math.round(t)),
    medianMs: Math.round(ms),
    deliveriesPerSecond: Math.round(totals.deliveries / (ms / 1000)),
    stepsPerSecond: Math.round(totals.steps / (ms / 1000)),
  };
}

/**
 * The protocol alone: every (state, message) a batch delivered, recorded, then replayed
 * straight into `protocol.deliver` in a tight loop, with no network, queue or checks. No
 * simulator built on these step functions can deliver faster than this on this machine.
 */
function protocolOnly(nodes: number, seeds: number): { deliveries: number; medianMs: number; deliveriesPerSecond: number } {
  const subject = singleDecree.build({ nodes });
  const tape: { state: unknown; message: Addressed }[] = [];
  const protocol = subject.protocol;
  const recording: AnySubject = {
    ...subject,
    protocol: {
      ...protocol,
      deliver: (state, message) => {
        tape.push({ state, message });
        return protocol.deliver(state, message);
      },
    },
  };
  for (let seed = 1; seed <= seeds; seed += 1) simulate(recording, workload(seed, 'none'));
  const times: number[] = [];
  let sink = 0;
  for (let i = 0; i < REPETITIONS + 1; i += 1) {
    const start = performance.now();
    for (const { state, message } of tape) sink += protocol.deliver(state, message).effects.length;
    if (i > 0) times.push(performance.now() - start);
  }
  if (sink === 0) throw new Error('synod bench: the tape delivered nothing');
  const ms = median(times);
  return { deliveries: tape.length, medianMs: Math.round(ms), deliveriesPerSecond: Math.round(tape.length / (ms / 1000)) };
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly url: string; readonly functionName: string };
}

function bucket(url: string, fn: string): string {
  for (const dir of ['lib/paxos', 'lib/sim', 'lib/invariants', 'lib/harness', 'lib/protocol']) {
    if (url.includes(`/${dir}`)) return dir;
  }
  if (fn === '(garbage collector)') return 'garbage collection';
  if (fn === '(program)' || fn === '(idle)') return 'V8 and runtime';
  return url === '' ? 'V8 and runtime' : 'other JavaScript';
}

/** Self time by source folder, as percentages, under V8's sampling profiler. */
async function whereTimeGoes(nodes: number, check: CheckMode, seeds: number): Promise<Record<string, number>> {
  const subject = singleDecree.build({ nodes });
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  batch(subject, seeds, check);
  const { profile } = (await session.post('Profiler.stop')) as unknown as {
    profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  };
  session.disconnect();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const time = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const dt = profile.timeDeltas[i] ?? 0;
    const key = node === undefined ? 'V8 and runtime' : bucket(node.callFrame.url, node.callFrame.functionName);
    time.set(key, (time.get(key) ?? 0) + dt);
    total += dt;
  });
  const shares: Record<string, number> = {};
  for (const [k, t] of [...time.entries()].sort((a, b) => b[1] - a[1])) shares[k] = Math.round((1000 * t) / total) / 10;
  return shares;
}

async function main(): Promise<void> {
  const results: Measurement[] = [];
  for (const nodes of [3, 5]) {
    results.push(measure(nodes, 'none', SEEDS));
    results.push(measure(nodes, 'incremental', SEEDS));
    results.push(measure(nodes, 'full', FULL_SEEDS));
  }
  const protocolAlone = { '3 nodes': protocolOnly(3, SEEDS), '5 nodes': protocolOnly(5, SEEDS) };
  const profile = {
    '5 nodes, check none': await whereTimeGoes(5, 'none', SEEDS),
    '5 nodes, check incremental': await whereTimeGoes(5, 'incremental', SEEDS),
    '5 nodes, check full': await whereTimeGoes(5, 'full', FULL_SEEDS),
  };
  const out = {
    benchmark: 'sim',
    node: process.version,
    repetitions: REPETITIONS,
    workload: 'single-decree, loss 0.1, dup 0.05, partitions, crashes, 3 clients x 10 commands, 1000-step runs',
    targets: { withoutChecks: 1_000_000, withFullChecks: 200_000 },
    results,
    protocolDeliverOnly: protocolAlone,
    timeShareByFolder: profile,
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
