/**
 * What the read-mode specs of both protocols share (spec/multipaxos/reads.spec.ts,
 * spec/raft/sim-reads.spec.ts): the all-faults settings, the hunting settings for the read
 * mutants, a run of seeds, and the reads a run of seeds answered, by mode.
 */
import type { Addressed } from '../../lib/core/protocol';
import type { SimOptions } from '../../lib/sim/options';
import { simOptions } from '../../lib/sim/options';
import type { SimResult } from '../../lib/sim/simulator';
import { simulate } from '../../lib/sim/simulator';
import type { Subject } from '../../lib/sim/subject';

/** Every fault at once (crashes, partitions, loss, duplication, reordering), as the protocols' sim specs run them. */
export const FAULTS = { steps: 1200, clients: 4, commands: 100, loss: 0.05, dup: 0.05, partitions: true, crashes: true, reorder: true } as const;

/**
 * The read mutants' hunt: a deposed leader needs a partition long enough for an election on the
 * other side (50-200 ticks, timers every 5-10 ticks), and a read must reach it in that window
 * (clients think 1-5 ticks and retry every 5-15); no crashes.
 */
export const HUNT: Partial<SimOptions> = { timeout: { min: 5, max: 10 }, partitionLength: { min: 50, max: 200 }, crashes: false, retry: { min: 5, max: 15 }, think: { min: 1, max: 5 } };

/** Seeds 1..`seeds` of `subject` under every fault, with `options` on top. */
export function runSeeds<S, M extends Addressed, E, D, C>(subject: Subject<S, M, E, D, C>, seeds: number, options: Partial<SimOptions>): SimResult[] {
  const out: SimResult[] = [];
  for (let seed = 1; seed <= seeds; seed += 1) out.push(simulate(subject, simOptions({ seed, ...FAULTS, ...options })));
  return out;
}

/** The reads the runs answered, summed by the mode that answered them (the report's `reads`). */
export function readsOf(results: readonly SimResult[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const r of results) for (const [k, v] of Object.entries((r.report?.fields['reads'] ?? {}) as Record<string, number>)) total[k] = (total[k] ?? 0) + v;
  return total;
}
