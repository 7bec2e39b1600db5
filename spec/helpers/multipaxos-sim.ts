/**
 * The Multi-Paxos fault runs (spec/multipaxos/sim.spec.ts): seeds under every fault, each
 * required to hold every invariant, give a linearizable history and commit everything after
 * the heal.
 */
import { expect } from 'chai';
import type { SimResult } from '../../lib/sim/simulator';
import { simulate } from '../../lib/sim/simulator';
import { simOptions } from '../../lib/sim/options';
import type { Subject } from '../../lib/sim/subject';
import type { Addressed } from '../../lib/core/protocol';

export const FAULTS = { loss: 0.05, dup: 0.05, partitions: true, crashes: true, reorder: true } as const;

/** Why a run failed (a violation, a bad report, commands left uncommitted), or null. */
export function failure(r: SimResult): string | null {
  const v = r.violations[0];
  if (v !== undefined) return `seed ${r.seed}: ${v.invariant} at step ${v.step}: ${v.description}`;
  if (r.report?.ok !== true) return `seed ${r.seed}: ${JSON.stringify(r.report?.fields)}`;
  if (r.healed === null || r.ticksToChosenAfterHeal === null) return `seed ${r.seed}: commands were not all committed after the faults stopped`;
  return null;
}

/**
 * Runs seeds 1..seeds under every fault and asserts each run held; then asserts the faults
 * and the work really happened, so the runs are not vacuous.
 */
export function expectSafeUnderFaults<S, M extends Addressed, E, D, C>(subject: Subject<S, M, E, D, C>, seeds: number, steps: number): void {
  const failures: string[] = [];
  let committed = 0;
  let crashes = 0;
  let partitions = 0;
  let elections = 0;
  for (let seed = 1; seed <= seeds; seed += 1) {
    const r = simulate(subject, simOptions({ seed, steps, clients: 4, commands: 100, ...FAULTS }));
    const f = failure(r);
    if (f !== null) failures.push(f);
    committed += Number(r.report?.fields['committed'] ?? 0);
    elections += Number(r.report?.fields['elections'] ?? 0);
    crashes += r.stats.crashes;
    partitions += r.stats.partitions;
    expect(r.report?.fields['linearizable'], `seed ${seed}`).to.equal(true);
  }
  expect(failures).to.deep.equal([]);
  expect(crashes, 'crashes').to.be.greaterThan(2 * seeds);
  expect(partitions, 'partitions').to.be.greaterThan(2 * seeds);
  expect(elections, 'elections').to.be.greaterThan(seeds);
  expect(committed, 'commands committed').to.be.greaterThan(10 * seeds);
}
