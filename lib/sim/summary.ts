/**
 * Many seeds at once: the totals, the failing seeds, and the liveness distribution.
 *
 * Liveness, stated honestly: safety holds in every schedule, progress only once the faults
 * stop. So each run is measured from its heal (partitions gone, every node up, no loss or
 * duplication) to the first step at which the subject's liveness goal holds. Runs where it
 * already held at the heal count as 0 ticks and are also counted apart (`settledAtHeal`),
 * so the percentiles of the runs that had to wait (`afterHeal`) can be read on their own.
 */
import type { SimResult } from './simulator';

export interface Distribution {
  readonly count: number;
  readonly min: number | null;
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
  readonly max: number | null;
  readonly mean: number | null;
}

export interface LivenessSummary {
  /** Runs whose faults stopped before the run ended. */
  readonly healed: number;
  /** Of those, runs where the goal already held at the heal. */
  readonly settledAtHeal: number;
  /** Ticks from heal to the goal, over every healed run that reached it (0 included). */
  readonly all: Distribution;
  /** The same over the runs that had to wait (goal not held at the heal). */
  readonly afterHeal: Distribution;
  /** Seeds whose goal never held after the heal, first 20. */
  readonly neverSettled: readonly number[];
  readonly neverSettledCount: number;
}

export interface Failure {
  readonly seed: number;
  readonly invariant: string;
  readonly description: string;
  readonly step: number;
}

/** Nearest-rank percentile of a sorted list. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((s, v) => s + v, 0);
  return {
    count: sorted.length,
    min: sorted[0] ?? null,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? null,
    mean: sorted.length === 0 ? null : Math.round((sum / sorted.length) * 100) / 100,
  };
}

/** Folds results one at a time, so a long range never holds every result in memory. */
export class Summary {
  runs = 0;
  stepsRun = 0;
  delivered = 0;
  dropped = 0;
  duplicated = 0;
  crashes = 0;
  partitions = 0;
  /** Runs at whose end a value was chosen. */
  chosenRuns = 0;
  /** Runs at whose end some node had learned a value. */
  decidedRuns = 0;
  /** Runs in which a value was chosen while the faults were still on. */
  chosenDuringFaults = 0;
  readonly failures: Failure[] = [];
  private readonly ticks: number[] = [];
  private readonly waited: number[] = [];
  private healed = 0;
  private settledAtHeal = 0;
  private readonly never: number[] = [];

  add(r: SimResult): void {
    this.runs += 1;
    this.stepsRun += r.stepsRun;
    this.delivered += r.stats.delivered;
    this.dropped += r.stats.dropped;
    this.duplicated += r.stats.duplicated;
    this.crashes += r.stats.crashes;
    this.partitions += r.stats.partitions;
    if (r.chosen > 0) this.chosenRuns += 1;
    if (r.decided > 0) this.decidedRuns += 1;
    if (r.chosenAtHeal !== null && r.chosenAtHeal > 0) this.chosenDuringFaults += 1;
    const v = r.violations[0];
    if (v !== undefined) this.failures.push({ seed: r.seed, invariant: v.invariant, description: v.description, step: v.step });
    if (r.healed === null || v !== undefined) return;
    this.healed += 1;
    const t = r.ticksToChosenAfterHeal;
    if (t === null) {
      this.never.push(r.seed);
      return;
    }
    this.ticks.push(t);
    if (t === 0) this.settledAtHeal += 1;
    else this.waited.push(t);
  }

  liveness(): LivenessSummary {
    return {
      healed: this.healed,
      settledAtHeal: this.settledAtHeal,
      all: distribution(this.ticks),
      afterHeal: distribution(this.waited),
      neverSettled: this.never.slice(0, 20),
      neverSettledCount: this.never.length,
    };
  }
}
