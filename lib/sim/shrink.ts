/**
 * Shrinking a failing run: a search for a smaller run that fails the same way.
 *
 * A run is a function of (options, seed); change an option and every later random draw moves,
 * so the original schedule cannot be cut event by event and replayed. What can be done, and
 * what this does: keep the failing invariant fixed and search simpler options, each with a few
 * seeds, greedily, for as long as one still fails that invariant:
 *   1. each fault kind switched off in turn (loss, duplication, random partitions, the
 *      scheduled ones, crashes), then fewer clients and fewer commands, each candidate tried
 *      on `seedsPerTry` seeds from the current one with the original budget;
 *   2. among more seeds of the final options, the one that fails soonest;
 *   3. the budget cut to the failing step (the same run, ended where it fails).
 * The result is a different, shorter schedule with fewer moving parts, and its own seed:
 * "this bug needs no crash and shows in 40 steps" is what a reader wants to know first.
 */
import type { Addressed } from '../core/protocol';
import type { SimOptions } from './options';
import type { SimResult } from './simulator';
import { simulate } from './simulator';
import type { Subject } from './subject';

export interface Shrunk {
  readonly options: SimOptions;
  readonly result: SimResult;
  /** What was taken away, in order. */
  readonly removed: readonly string[];
  /** Runs tried. */
  readonly runs: number;
}

interface Candidate {
  readonly what: string;
  readonly options: Omit<SimOptions, 'seed'>;
}

function candidates(o: Omit<SimOptions, 'seed'>): Candidate[] {
  const out: Candidate[] = [];
  if (o.loss > 0) out.push({ what: 'loss', options: { ...o, loss: 0 } });
  if (o.dup > 0) out.push({ what: 'duplication', options: { ...o, dup: 0 } });
  if (o.partitions) out.push({ what: 'random partitions', options: { ...o, partitions: false } });
  if (o.schedule.length > 0) out.push({ what: 'scheduled partitions', options: { ...o, schedule: [] } });
  if (o.crashes) out.push({ what: 'crashes', options: { ...o, crashes: false } });
  if (o.clients > 1) out.push({ what: `a client (${o.clients} -> ${o.clients - 1})`, options: { ...o, clients: o.clients - 1 } });
  if (o.commands > 2) {
    const fewer = Math.max(2, Math.floor(o.commands / 2));
    out.push({ what: `commands (${o.commands} -> ${fewer})`, options: { ...o, commands: fewer } });
  }
  return out;
}

/**
 * Shrinks a failing `result` of `options`. Each candidate gets `seedsPerTry` seeds, starting
 * at the original seed; a candidate is kept when one of them fails the same invariant.
 */
export function shrink<S, M extends Addressed, E, D, C>(
  subject: Subject<S, M, E, D, C>,
  options: SimOptions,
  result: SimResult,
  seedsPerTry = 50,
): Shrunk {
  const target = result.violations[0];
  if (target === undefined) throw new Error('synod: only a failing run can be shrunk');
  let runs = 0;
  const fails = (o: SimOptions): SimResult | null => {
    runs += 1;
    const r = simulate(subject, o);
    return r.violations.some((v) => v.invariant === target.invariant) ? r : null;
  };
  /** The first seed from `from` that fails under `o` (a budget of `seedsPerTry`), or null. */
  const firstFailing = (o: Omit<SimOptions, 'seed'>, from: number): { options: SimOptions; result: SimResult } | null => {
    for (let i = 0; i < seedsPerTry; i += 1) {
      const seed = (from + i) >>> 0;
      const withSeed = { ...o, seed };
      const r = fails(withSeed);
      if (r !== null) return { options: withSeed, result: r };
    }
    return null;
  };
  const removed: string[] = [];
  const budget = options.steps;
  const heal = options.healAt;
  /** The options of a failing run, its budget cut at the failing step (the same run, shorter). */
  const cutAt = (o: SimOptions, r: SimResult): SimOptions => {
    const step = r.violations[0]!.step;
    return { ...o, steps: step, healAt: Math.min(o.healAt, step) };
  };
  let best = { options: cutAt(options, result), result };
  // Greedily take away whatever the failure does not need (each try with the full budget).
  for (let progress = true; progress; ) {
    progress = false;
    for (const c of candidates(best.options)) {
      const found = firstFailing({ ...c.options, steps: budget, healAt: heal }, best.options.seed);
      if (found === null) continue;
      best = { options: cutAt(found.options, found.result), result: found.result };
      removed.push(c.what);
      progress = true;
      break;
    }
  }
  // Among a few more seeds of the final options, the one that fails soonest.
  for (let i = 1; i <= seedsPerTry; i += 1) {
    const seed = (best.options.seed + i) >>> 0;
    const r = fails({ ...best.options, steps: budget, healAt: heal, seed });
    if (r !== null && r.violations[0]!.step < best.result.violations[0]!.step) best = { options: cutAt({ ...best.options, healAt: heal, seed }, r), result: r };
  }
  const final = fails(best.options);
  if (final === null || final.violations[0]!.step !== best.result.violations[0]!.step) {
    throw new Error('synod: the shrunk run does not fail where it did: the simulator is not deterministic');
  }
  return { options: best.options, result: final, removed, runs };
}
