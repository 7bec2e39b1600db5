/**
 * Many seeds at once: the totals, the failing seeds, and the liveness distribution.
 *
 * Liveness, stated honestly: safety holds in every schedule, progress only once the faults
 * stop. So each run is measured from its heal (partitions gone, every node up, no loss or
 * duplication) to the first step at which the subject's liveness goal holds. Runs where it
 * already held at the heal count as 0 ticks and are also counted apart (`settledAtHeal`),
 * so the percentiles of the runs that had to wait (`afterHeal`) can be read on their own.
 */
import type { SimOptions } from './options';
import type { SimResult } from './simulator';

/**
 * What a run that spent its whole step budget left undone, in words: commands never issued,
 * commands never acknowledged, faults that never stopped, a liveness goal never reached.
 * Empty when the run finished its work (or ended for another reason than the budget).
 */
export function shortfall(r: SimResult, options: Pick<SimOptions, 'clients' | 'commands'>): string[] {
  if (r.endedBy !== 'step-limit') return [];
  const out: string[] = [];
  const asked = options.clients * options.commands;
  const unit = `the step budget (${r.steps}) ran out`;
  if (r.healed === null) out.push(`${unit} before the faults stopped`);
  else if (r.ticksToChosenAfterHeal === null) out.push(`${unit} before the liveness goal held after the heal`);
  if (r.stats.acks > 0 || r.report !== undefined) {
    if (r.stats.commands < asked) out.push(`${r.stats.commands} of the ${asked} commands asked for were issued`);
    if (r.stats.acks < r.stats.commands) out.push(`${r.stats.acks} of ${r.stats.commands} issued commands were acknowledged`);
  }
  return out;
}

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
  /** Runs whose report failed (a history that is not linearizable), first 20 kept. */
  readonly reportFailures: { readonly seed: number; readonly fields: Readonly<Record<string, unknown>> }[] = [];
  private reportFailed = 0;
  /** Runs cut short by their step budget (first 20 kept), and what they left undone. */
  readonly incomplete: { readonly seed: number; readonly shortfall: readonly string[] }[] = [];
  private incompleteCount = 0;
  /** Runs with a journal report (Multi-Paxos), and their totals. */
  reportRuns = 0;
  committed = 0;
  acknowledged = 0;
  linearizableRuns = 0;
  private readonly ticks: number[] = [];
  private readonly waited: number[] = [];
  private healed = 0;
  private settledAtHeal = 0;
  private readonly never: number[] = [];

  /** Runs that failed: an invariant, or a report (a history that is not linearizable). */
  failing(): number {
    return this.failures.length + this.reportFailed;
  }

  /** Runs that failed their report alone (no invariant failed): a history that is not linearizable. */
  reportFailedRuns(): number {
    return this.reportFailed;
  }

  /** How many runs were cut short by their budget. */
  incompleteRuns(): number {
    return this.incompleteCount;
  }

  add(r: SimResult, options?: Pick<SimOptions, 'clients' | 'commands'>): void {
    this.runs += 1;
    if (options !== undefined) {
      const short = shortfall(r, options);
      if (short.length > 0) {
        this.incompleteCount += 1;
        if (this.incomplete.length < 20) this.incomplete.push({ seed: r.seed, shortfall: short });
      }
    }
    if (r.report !== undefined) {
      this.reportRuns += 1;
      const f = r.report.fields;
      if (typeof f.committed === 'number') this.committed += f.committed;
      if (typeof f.acknowledged === 'number') this.acknowledged += f.acknowledged;
      if (f.linearizable === true) this.linearizableRuns += 1;
      // A run that failed an invariant already counts as failing; its report is not counted twice.
      if (!r.report.ok && r.violations.length === 0) {
        this.reportFailed += 1;
        if (this.reportFailures.length < 20) this.reportFailures.push({ seed: r.seed, fields: f });
      }
    }
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
