/**
 * Model-checker throughput: distinct states per second, exhaustive runs of the single-decree
 * proof configurations, medians of `--runs` runs (default 3), one JSON object.
 *
 * Measured per configuration: states, transitions, wall seconds, CPU seconds of this process
 * (the machine may be shared; states per CPU second excludes other jobs), distinct states and
 * transitions per second. The last two are the largest single-decree configurations that
 * `npm run proofs` exhausts in under a minute (nothing lost, symmetric over acceptors): ballots
 * up to round 2 with both proposers retrying, and up to round 3 with one retrying.
 * Then, on the first configuration:
 * - `withoutProperties`: the same search with no invariant or sometimes-property, so the
 *   difference is the cost of checking (memoized on the part of the state each one reads);
 * - `withoutMemo`: every local step recomputed by the protocol and every property recomputed
 *   in every state (a smaller configuration: it is slow), against the memoized run of it;
 * - `reductions`: the seconds to exhaust the same workload with no reduction (the baseline:
 *   the roles' states as they are, every message kept), with obsolete replies removed, with
 *   normal forms too (the default), and with symmetry over acceptors too, each with its ratio
 *   to the baseline measured in the same run.
 *
 * With `--long`, the largest configuration `npm run proofs:long` exhausts (three rounds, both
 * proposers retrying, nothing lost, symmetric: about 20 minutes) is measured too, once.
 *
 *   npm run bench:check [-- --runs 3 --quick --long]
 */
import type { Model } from '../lib/check/model-checker';
import { check } from '../lib/check/model-checker';
import type { SingleDecreeOptions } from '../lib/check/paxos';
import { singleDecreeModelOrThrow } from '../lib/check/paxos';

interface Measured {
  readonly states: number;
  readonly transitions: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly statesPerSecond: number;
  readonly statesPerCpuSecond: number;
  readonly transitionsPerSecond: number;
}

type AnyModel = Model<unknown, never, unknown, unknown, unknown>;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function measure(model: AnyModel, runs: number, options: { memoize?: boolean } = {}): Measured {
  const results: { states: number; transitions: number; seconds: number; cpu: number }[] = [];
  for (let i = 0; i < runs; i += 1) {
    const cpu0 = process.cpuUsage();
    const r = check(model, options);
    const cpu = process.cpuUsage(cpu0);
    if (!r.complete) throw new Error('bench: a run did not finish');
    results.push({ states: r.states, transitions: r.transitions, seconds: r.seconds, cpu: (cpu.user + cpu.system) / 1e6 });
  }
  const seconds = median(results.map((r) => r.seconds));
  const cpuSeconds = median(results.map((r) => r.cpu));
  const { states, transitions } = results[0]!;
  return {
    states,
    transitions,
    seconds: round(seconds),
    cpuSeconds: round(cpuSeconds),
    statesPerSecond: Math.round(states / seconds),
    statesPerCpuSecond: Math.round(states / cpuSeconds),
    transitionsPerSecond: Math.round(transitions / seconds),
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function model(o: SingleDecreeOptions): AnyModel {
  return singleDecreeModelOrThrow(o) as unknown as AnyModel;
}

function main(): void {
  const args = process.argv.slice(2);
  const at = args.indexOf('--runs');
  const runs = at >= 0 ? Number(args[at + 1]) : 3;
  const quick = args.includes('--quick');
  const core: SingleDecreeOptions = { acceptors: 3, proposers: 2, values: 2, maxRound: 1, network: 'set', crashes: 0 };
  const configurations: { name: string; options: SingleDecreeOptions }[] = [
    { name: 'majority, one round (set)', options: core },
    { name: 'Stateright-comparable (multiset)', options: { ...core, network: 'multiset' } },
    ...(quick
      ? []
      : [
          { name: 'TLC MCPaxosTiny-comparable (any value, set)', options: { ...core, assign: 'any' as const } },
          { name: 'two rounds, both retrying, nothing lost, symmetric (set)', options: { ...core, maxRound: 2, topology: 'separate' as const, symmetry: true } },
          { name: 'three rounds, one retrying, nothing lost, symmetric (set)', options: { ...core, maxRound: 3, timers: 1, topology: 'separate' as const, symmetry: true } },
        ]),
  ];
  const measured = configurations.map((c) => ({ name: c.name, options: c.options, ...measure(model(c.options), runs) }));
  if (args.includes('--long')) {
    const options: SingleDecreeOptions = { ...core, maxRound: 3, topology: 'separate', symmetry: true };
    measured.push({ name: 'three rounds, both retrying, nothing lost, symmetric (set): the largest, measured once', options, ...measure(model(options), 1) });
  }
  const bare = model(core);
  const withoutProperties = measure({ ...bare, always: [], sometimes: [] }, runs);
  const smallOptions: SingleDecreeOptions = { ...core, acceptors: 2, pruneObsolete: false, normalize: false };
  const small = model(smallOptions);
  const memoized = measure(small, runs);
  const withoutMemo = measure(small, 1, { memoize: false });
  const baseline = measure(model({ ...core, pruneObsolete: false, normalize: false }), runs);
  const pruned = measure(model({ ...core, normalize: false }), runs);
  const normal = measured[0]!;
  const symmetric = measure(model({ ...core, topology: 'separate', symmetry: true }), runs);
  const ratio = (m: Measured): number => round(baseline.seconds / m.seconds);
  process.stdout.write(
    `${JSON.stringify(
      {
        node: process.version,
        runs,
        configurations: measured,
        whereTheTimeGoes: {
          configuration: configurations[0]!.name,
          withProperties: measured[0],
          withoutProperties,
          memoComparison: { configuration: smallOptions, memoized, withoutMemo },
          reductions: {
            baseline: { reductions: 'none', ...baseline },
            obsoleteRepliesRemoved: { ...pruned, speedup: ratio(pruned) },
            plusNormalForms: { ...normal, speedup: ratio(normal) },
            plusSymmetryOverAcceptors: { ...symmetric, speedup: ratio(symmetric) },
          },
        },
      },
      null,
      2,
    )}\n`,
  );
}

main();
