/**
 * The simulator's main claim: under every fault at once, single-decree Paxos keeps every
 * invariant after every step of thousands of seeded schedules, and once the faults stop it
 * decides. The liveness numbers are printed, not only asserted, so a reader can see them.
 */
import { expect } from 'chai';
import { singleDecree } from '../../lib/sim/registry';
import { simulate } from '../../lib/sim/simulator';
import { Summary } from '../../lib/sim/summary';
import type { SimOptions } from '../../lib/sim/options';
import { allFaults } from '../../lib/sim/profiles';

function runSeeds(nodes: number, first: number, last: number, profile: (seed: number) => SimOptions): Summary {
  const subject = singleDecree.build({ nodes });
  const summary = new Summary();
  for (let seed = first; seed <= last; seed += 1) summary.add(simulate(subject, profile(seed)));
  return summary;
}

function report(label: string, s: Summary): string {
  const l = s.liveness();
  const d = l.all;
  const w = l.afterHeal;
  return (
    `${label}: ${s.runs} runs, ${s.stepsRun} steps, ${s.delivered} deliveries, ${s.dropped} drops, ${s.crashes} crashes, ` +
    `${s.partitions} partitions; chosen in ${s.chosenRuns}/${s.runs} (${((100 * s.chosenRuns) / s.runs).toFixed(2)}%), ` +
    `${s.chosenDuringFaults} while faults were on; ` +
    `ticks from heal to a learned value: p50 ${d.p50} p90 ${d.p90} p99 ${d.p99} max ${d.max}; ` +
    `${l.settledAtHeal} had learned by the heal, the other ${w.count}: p50 ${w.p50} p90 ${w.p90} p99 ${w.p99} max ${w.max}; ` +
    `never: ${l.neverSettledCount}`
  );
}

describe('sim: single-decree Paxos under every fault', () => {
  for (const [nodes, first, last] of [[5, 1, 2000], [3, 10_001, 11_000]] as const) {
    it(`${nodes} nodes, seeds ${first}-${last}: no invariant fails, and a value is chosen once faults stop`, () => {
      const s = runSeeds(nodes, first, last, allFaults);
      console.log(`      ${report(`${nodes} nodes`, s)}`);
      expect(s.failures, JSON.stringify(s.failures.slice(0, 3))).to.deep.equal([]);
      expect(s.runs).to.equal(last - first + 1);
      // The faults really happened, many times per run.
      expect(s.crashes).to.be.greaterThan(s.runs);
      expect(s.partitions).to.be.greaterThan(s.runs);
      expect(s.dropped).to.be.greaterThan(s.runs * 5);
      const l = s.liveness();
      expect(l.healed, 'every run reaches its heal').to.equal(s.runs);
      // A value is chosen in every run, and in nearly every run already while the faults were
      // on. A run can reach the heal with its value chosen and yet no live node knowing it:
      // learners and proposers keep nothing across a crash, so if every node that knew crashed
      // after the clients were done, the value waits for the clients' re-sends at the heal.
      expect(s.chosenRuns).to.equal(s.runs);
      expect(s.chosenDuringFaults / s.runs).to.be.greaterThan(0.99);
      expect(l.settledAtHeal / s.runs).to.be.greaterThan(0.8);
      expect(l.neverSettledCount, `seeds that never decided: ${l.neverSettled.join(', ')}`).to.equal(0);
      expect(l.all.max!).to.be.at.most(300);
    });
  }
});

describe('sim: liveness once faults stop', () => {
  /**
   * Faults harsh enough that almost no run decides while they last (40% loss, a partition
   * and a crash every ~20 ticks, faults stopped at step 150), so the time from the heal to a
   * learned value is measured on runs that really had to wait for it.
   */
  const harsh = (seed: number): SimOptions =>
    allFaults(seed, { loss: 0.4, partitionEvery: 20, crashEvery: 20, healAt: 150 });

  it('5 nodes, seeds 1-1000: every run learns a value within 300 ticks of the heal', () => {
    const s = runSeeds(5, 1, 1000, harsh);
    console.log(`      ${report('harsh, 5 nodes', s)}`);
    expect(s.failures).to.deep.equal([]);
    const l = s.liveness();
    expect(l.healed).to.equal(1000);
    expect(l.afterHeal.count, 'most runs had not decided when the faults stopped').to.be.greaterThan(900);
    expect(l.neverSettledCount).to.equal(0);
    expect(l.afterHeal.p50!).to.be.at.most(30);
    expect(l.afterHeal.p99!).to.be.at.most(150);
    expect(l.afterHeal.max!).to.be.at.most(300);
  });
});
