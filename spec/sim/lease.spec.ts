/**
 * A lease held past its clock-drift bound, caught in the simulator (issue 16).
 *
 * The stale read needs four things to line up: a leader holding a lease while its clock runs
 * slow; followers whose clocks run fast, so their grants run out early and they elect another
 * leader; that leader committing a write a client sees acknowledged; and a read of the same key
 * reaching the old leader before its lease runs out by its slow clock. Under the all-faults
 * settings they almost never do (0 of 100 seeds at drift 0.3 and 0.5): random partitions often
 * leave no connected majority; the rates were drawn once per run, and a fast clock campaigns
 * first, so the slow node hardly ever led beside two fast ones (2.5% of leader ticks at 0.3);
 * a 6-tick lease leaves a gap of about 6 x (slow - fast period) ~ 30 ticks at 0.3, which the
 * election (the second follower drops prepares until its own grant runs out) mostly eats; and
 * one command in four is a get, so a read hardly ever reaches the old leader in that gap.
 *
 * `leaseDrift` (lib/sim/profiles.ts) gives each its chance without knowing which node leads:
 * one node at a time cut off from the others (clients still reach it), one slow clock beside
 * fast ones drawn again every ~150 ticks, a 12-tick lease and a read-heavy workload. The mutant
 * is then caught within the bound pinned in its zoo entry; the real roles, with the lease
 * shortened by the same bound the clocks keep, stay linearizable on the same settings; and the
 * real roles told a bound below the real drift are caught too.
 */
import { expect } from 'chai';
import { multiPaxosSubject, kvCommand } from '../../lib/sim/multipaxos-subject';
import type { MultiPaxosSubjectOptions } from '../../lib/sim/multipaxos-subject';
import { leaseDrift } from '../../lib/sim/profiles';
import { simOptions } from '../../lib/sim/options';
import { replay } from '../../lib/sim/replay';
import type { SimResult } from '../../lib/sim/simulator';
import { simulate } from '../../lib/sim/simulator';
import type { TraceEvent } from '../../lib/sim/trace';
import { multiPaxosMutant } from '../../lib/zoo/multipaxos';

const MUTANT = 'lease-past-drift-bound';
const hunt = multiPaxosMutant(MUTANT)!.hunt!;

function subject(extra: Partial<MultiPaxosSubjectOptions> = {}) {
  return multiPaxosSubject({ nodes: 3, reads: 'lease', driftBound: hunt.drift, leaseTicks: hunt.leaseTicks, readHeavy: hunt.readHeavy, ...extra });
}

/** The first seed in 1..bound whose history is not linearizable, or null. */
function firstCaught(s: ReturnType<typeof subject>, bound: number): SimResult | null {
  for (let seed = 1; seed <= bound; seed += 1) {
    const r = simulate(s, leaseDrift(seed, hunt.drift));
    if (r.report?.ok === false || r.violations.length > 0) return r;
  }
  return null;
}

describe('sim: a lease past its drift bound is caught', function () {
  this.timeout(300_000);

  it(`${MUTANT}: a history that is not linearizable within ${hunt.bound} seeds of the lease-drift profile; it replays exactly`, () => {
    expect(hunt.profile).to.equal('lease-drift');
    const s = subject({ mutant: MUTANT });
    const caught = firstCaught(s, hunt.bound);
    expect(caught, `${MUTANT} survived ${hunt.bound} seeds`).to.not.equal(null);
    const r = caught!;
    console.log(`      seed ${r.seed}: linearizable ${String(r.report!.fields['linearizable'])}, reads ${JSON.stringify(r.report!.fields['reads'])}`);
    expect(r.violations, 'no log invariant breaks: only the reads are wrong').to.deep.equal([]);
    expect(r.report!.fields['linearizable']).to.equal(false);
    const again = replay(s, leaseDrift(r.seed, hunt.drift), r);
    expect(again.result.report).to.deep.equal(r.report);
  });

  it('the real roles, the lease shortened by the bound the clocks keep: 200 seeds of the same profile, zero violations, linearizable, settled; the report counts lease hits and expiries', () => {
    const s = subject();
    const failures: string[] = [];
    let lease = 0;
    let expiries = 0;
    let partitions = 0;
    for (let seed = 1; seed <= 200; seed += 1) {
      const r = simulate(s, leaseDrift(seed, hunt.drift));
      if (r.violations.length > 0 || r.report?.ok !== true || r.ticksToChosenAfterHeal === null) failures.push(`seed ${seed}: ${r.violations[0]?.description ?? JSON.stringify(r.report?.fields)}`);
      const served = Number((r.report?.fields['reads'] as Record<string, number> | undefined)?.['lease'] ?? 0);
      const counters = r.report?.fields['readCounters'] as { rounds: number; leaseHits: number; leaseExpiries: number };
      // No crashes in this profile, so the nodes' counters cover the whole run: every hit is a reply.
      if (counters.leaseHits !== served) failures.push(`seed ${seed}: ${counters.leaseHits} lease hits, ${served} lease reads answered`);
      lease += served;
      expiries += counters.leaseExpiries;
      partitions += r.stats.partitions;
    }
    expect(failures).to.deep.equal([]);
    // Not vacuous: most reads were answered from a lease, some found it expired, and nodes were cut off again and again.
    expect(lease).to.be.greaterThan(200 * 50);
    expect(expiries).to.be.greaterThan(200);
    expect(partitions).to.be.greaterThan(200 * 3);
  });

  it('the real roles told a bound below the real drift (clocks drift 0.3, the lease assumes 0) serve a stale read too', () => {
    const caught = firstCaught(subject({ driftBound: 0 }), hunt.bound);
    expect(caught, 'a lease outside its bound survived').to.not.equal(null);
    expect(caught!.violations).to.deep.equal([]);
    expect(caught!.report!.fields['linearizable']).to.equal(false);
  });
});

describe('sim: the options the lease-drift profile adds', () => {
  /** Timer firings per node over a run (the protocol's ticks), counted through the subject. */
  function ticks(options: Parameters<typeof simOptions>[0]): { counts: number[]; events: TraceEvent[]; result: SimResult } {
    const base = multiPaxosSubject({ nodes: 3 });
    const counts = [0, 0, 0];
    const protocol = { ...base.protocol, timeout: (st: Parameters<typeof base.protocol.timeout>[0]) => {
      counts[st.id - 1]! += 1;
      return base.protocol.timeout(st);
    } };
    const events: TraceEvent[] = [];
    const result = simulate({ ...base, protocol }, simOptions(options), { record: (e) => events.push(e) });
    return { counts, events, result };
  }

  it('clocks one-slow: one node ticks at rate 1 - drift, the others at 1 + drift', () => {
    const { counts, result } = ticks({ seed: 5, steps: 3000, drift: 0.5, clocks: 'one-slow', timeout: { min: 5, max: 15 } });
    const sorted = [...counts].sort((a, b) => a - b);
    // Periods 20 and 6.67: the fast ones tick three times as often as the slow one.
    expect(sorted[1]! / sorted[0]!).to.be.within(2.7, 3.3);
    expect(sorted[2]! / sorted[1]!).to.be.within(0.95, 1.05);
    expect(sorted[0]! * 20).to.be.within(result.ticks - 40, result.ticks + 40);
  });

  it('driftEvery: the rates are drawn again while faults are on, so every node spends time slow', () => {
    const fixed = ticks({ seed: 5, steps: 6000, healAt: 6000, drift: 0.5, clocks: 'one-slow', timeout: { min: 5, max: 15 } });
    const moving = ticks({ seed: 5, steps: 6000, healAt: 6000, drift: 0.5, clocks: 'one-slow', driftEvery: 100, timeout: { min: 5, max: 15 } });
    const spread = (c: number[]): number => Math.max(...c) / Math.min(...c);
    expect(spread(fixed.counts)).to.be.greaterThan(2.7);
    expect(spread(moving.counts)).to.be.lessThan(1.5);
  });

  it('isolate: every random partition cuts one node off from all the others, both ways, one at a time', () => {
    const { events } = ticks({ seed: 3, steps: 3000, partitions: true, isolate: true, partitionEvery: 20, partitionLength: { min: 30, max: 60 } });
    const cuts = events.filter((e): e is Extract<TraceEvent, { type: 'partition' }> => e.type === 'partition');
    expect(cuts.length).to.be.greaterThan(5);
    let open = 0;
    for (const e of events) {
      if (e.type === 'partition') {
        expect([e.kind, e.from.length, e.to.length, open]).to.deep.equal(['symmetric', 1, 2, 0]);
        open += 1;
      }
      if (e.type === 'heal-partition') open -= 1;
    }
    expect(new Set(cuts.map((e) => e.from[0])).size, 'each node is cut off at some point').to.equal(3);
  });

  it('refuses a driftEvery or one-slow clocks without drift', () => {
    expect(() => simOptions({ seed: 1, driftEvery: 100 })).to.throw(/driftEvery/);
    expect(() => simOptions({ seed: 1, clocks: 'one-slow' })).to.throw(/one-slow needs drift/);
    expect(() => simOptions({ seed: 1, drift: 0.1, driftEvery: 0 })).to.throw(/driftEvery/);
  });

  it('a read-heavy workload: three gets in four, the same command for the same (client, k); the default workload unchanged', () => {
    const gets = (heavy: boolean): number => Array.from({ length: 1200 }, (_, k) => kvCommand(k % 4, k, heavy)).filter((c) => c.op.type === 'get').length;
    expect(gets(true) / 1200).to.be.within(0.7, 0.8);
    expect(gets(false) / 1200).to.be.within(0.2, 0.3);
    expect(kvCommand(2, 7, true)).to.deep.equal(kvCommand(2, 7, true));
    expect(kvCommand(2, 7)).to.deep.equal(kvCommand(2, 7, false));
  });
});
