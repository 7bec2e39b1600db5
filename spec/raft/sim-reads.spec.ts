/**
 * Raft's reads in the simulator, `synod sim --protocol raft --reads ...`: read-index, leases
 * within their clock-drift bound, a mix of every mode, and follower reads, each under every
 * fault (crashes, partitions, loss, duplication, reordering): zero violations, linearizable
 * histories (follower reads left out, counted as stale), everything in the log committed after
 * the heal, and reads answered in the modes asked for. The read mutants of the Raft zoo
 * (lib/zoo/raft.ts RAFT_READ_MUTANTS) break no invariant of the log, only linearizability: the
 * history checker catches each within a pinned number of seeds, and the real code holds on
 * the same seeds.
 */
import { expect } from 'chai';
import type { ReadChoice } from '../../lib/sim/multipaxos-subject';
import { raftSubject } from '../../lib/sim/raft-subject';
import type { SimOptions } from '../../lib/sim/options';
import { simOptions } from '../../lib/sim/options';
import { leaseDrift } from '../../lib/sim/profiles';
import type { SimResult } from '../../lib/sim/simulator';
import { simulate } from '../../lib/sim/simulator';
import { RAFT_READ_MUTANTS } from '../../lib/zoo/raft';
import { FAULTS, HUNT, readsOf, runSeeds } from '../helpers/sim-reads';
import { run } from '../helpers/cli';

function runs(reads: ReadChoice, seeds: number, options: Partial<SimOptions>, mutant?: string, driftBound?: number): SimResult[] {
  const subject = raftSubject({ nodes: 3, reads, ...(mutant === undefined ? {} : { mutant }), ...(driftBound === undefined ? {} : { driftBound }) });
  return runSeeds(subject, seeds, options);
}


describe('raft reads in the simulator, under every fault', function () {
  this.timeout(300_000);

  const modes: readonly { reads: ReadChoice; seeds: number; options: Partial<SimOptions>; served: Readonly<Record<string, number>> }[] = [
    { reads: 'read-index', seeds: 100, options: {}, served: { 'read-index': 100 } },
    { reads: 'lease', seeds: 100, options: { drift: 0.1 }, served: { lease: 30 } },
    { reads: 'mix', seeds: 60, options: { drift: 0.1 }, served: { log: 5, 'read-index': 5, lease: 5, follower: 5 } },
  ];
  for (const m of modes) {
    it(`${m.reads} reads${m.options.drift === undefined ? '' : ` (clocks drift ${m.options.drift}, within the bound)`}: ${m.seeds} seeds, zero violations, linearizable histories, settled after the heal`, () => {
      // The lease's bound is the drift the clocks run at: within the bound, and not a hair more.
      const results = runs(m.reads, m.seeds, m.options, undefined, m.options.drift);
      const failures = results.filter((r) => r.violations.length > 0 || r.report?.ok !== true || r.ticksToChosenAfterHeal === null).map((r) => `seed ${r.seed}: ${r.violations[0]?.description ?? JSON.stringify(r.report?.fields)}`);
      expect(failures).to.deep.equal([]);
      expect(results.every((r) => r.report?.fields['linearizable'] === true)).to.equal(true);
      const served = readsOf(results);
      // Not vacuous: reads were answered in the modes asked for, and faults happened.
      for (const [mode, least] of Object.entries(m.served)) expect(served[mode] ?? 0, `${mode} reads served`).to.be.greaterThan(least);
      expect(results.reduce((n, r) => n + r.stats.crashes, 0)).to.be.greaterThan(m.seeds);
      expect(results.reduce((n, r) => n + r.stats.partitions, 0)).to.be.greaterThan(m.seeds);
    });
  }

  it('log reads: the same runs as without --reads (a get in the log)', () => {
    const plain = raftSubject({ nodes: 3 });
    const logged = raftSubject({ nodes: 3, reads: 'log' });
    for (let seed = 1; seed <= 5; seed += 1) {
      const a = simulate(plain, simOptions({ seed, ...FAULTS }));
      const b = simulate(logged, simOptions({ seed, ...FAULTS }));
      expect(b.report?.fields).to.deep.equal(a.report?.fields);
      expect(b.stats).to.deep.equal(a.stats);
    }
  });

  it('follower reads are left out of the linearizability check and counted as stale reads', () => {
    const results = runs('follower', 20, {});
    expect(results.every((r) => r.report?.ok === true)).to.equal(true);
    const stale = results.reduce((n, r) => n + Number(r.report?.fields['staleReads'] ?? 0), 0);
    expect(stale).to.be.greaterThan(20);
    expect(readsOf(results)['follower']).to.equal(stale);
  });
});

/**
 * The read mutants, hunted as spec/multipaxos/reads.spec.ts hunts its own: partitions of 50-200
 * ticks, timers every 5-10, clients that think 1-5 ticks and retry every 5-15, no crashes.
 * Measured over seeds 1-100: leader-reads-without-heartbeat first fails at seed 1 (13 of 100
 * seeds fail), read-index-before-own-term-commit at seed 7 (1 of 100); the real code fails none.
 * lease-without-grants was not reached with these settings (0 of 200 seeds, lease reads, drift 0
 * and 0.1): the simulator's lease (3-4 ticks) is no longer than the election timeout (3-5
 * ticks), so the election timeout alone nearly covers it. It is caught on a directed schedule
 * (spec/raft/reads.spec.ts, "the checks bite") and at random under the lease-drift profile below.
 */
const FIRST_SEED: Readonly<Record<string, number | null>> = {
  'leader-reads-without-heartbeat': 1,
  'read-index-before-own-term-commit': 7,
  'lease-without-grants': null, // hunted under the lease-drift profile: LEASE_FIRST_SEED below
};

describe('the Raft read mutants are caught by the linearizability checker', function () {
  this.timeout(300_000);

  it('pins a first seed for every read mutant', () => {
    expect(Object.keys(FIRST_SEED).sort()).to.deep.equal(RAFT_READ_MUTANTS.map((m) => m.name).sort());
    for (const [name, first] of Object.entries(FIRST_SEED)) expect(first !== null || LEASE_FIRST_SEED[name] !== undefined, `${name} has a pinned seed`).to.equal(true);
  });

  for (const m of RAFT_READ_MUTANTS) {
    const first = FIRST_SEED[m.name];
    if (first === null || first === undefined) continue;
    it(`${m.name}: a history that is not linearizable first at seed ${first}; the real code holds on those seeds`, () => {
      const subject = raftSubject({ nodes: 3, reads: 'read-index', mutant: m.name });
      let caught: SimResult | null = null;
      for (let seed = 1; seed <= first && caught === null; seed += 1) {
        const r = simulate(subject, simOptions({ seed, ...FAULTS, ...HUNT }));
        if (r.report?.ok === false || r.violations.length > 0) caught = r;
      }
      expect(caught, `${m.name} survived ${first} seeds`).to.not.equal(null);
      expect(caught!.seed).to.equal(first);
      expect(caught!.violations, 'no log invariant breaks: only the reads are wrong').to.deep.equal([]);
      expect(caught!.report!.fields['linearizable']).to.equal(false);
      expect(m.caughtBy).to.deep.equal(['Linearizability']);
      const real = runs('read-index', first, HUNT);
      expect(real.filter((r) => r.report?.ok !== true || r.violations.length > 0).map((r) => r.seed)).to.deep.equal([]);
    });
  }
});

/**
 * Leases under the lease-drift profile (lib/sim/profiles.ts `leaseDrift`, the one that catches
 * Multi-Paxos's lease-past-drift-bound: one node at a time cut off while clients still reach it,
 * one slow clock beside fast ones drawn again every ~150 ticks), a 12-tick grant and a read-heavy
 * workload, clocks drifting 0.3. Measured over seeds 1-100: lease-without-grants fails 6 (first
 * seed 10); the real code told a bound of 0 (a lease past its drift bound) fails 2 (first seed
 * 20); the real code with the bound the clocks keep fails none.
 */
const LEASE_DRIFT = 0.3;
const LEASE_FIRST_SEED: Readonly<Record<string, number>> = { 'lease-without-grants': 10 };
const PAST_BOUND_FIRST_SEED = 20;

function leaseSubject(extra: { mutant?: string; driftBound: number }) {
  return raftSubject({ nodes: 3, reads: 'lease', leaseTicks: 12, readHeavy: true, ...extra });
}

function firstCaught(subject: ReturnType<typeof leaseSubject>, bound: number): SimResult | null {
  for (let seed = 1; seed <= bound; seed += 1) {
    const r = simulate(subject, leaseDrift(seed, LEASE_DRIFT));
    if (r.report?.ok === false || r.violations.length > 0) return r;
  }
  return null;
}

describe('Raft leases under the lease-drift profile', function () {
  this.timeout(300_000);

  for (const [name, first] of Object.entries(LEASE_FIRST_SEED)) {
    it(`${name}: a history that is not linearizable first at seed ${first}`, () => {
      const caught = firstCaught(leaseSubject({ mutant: name, driftBound: LEASE_DRIFT }), first);
      expect(caught, `${name} survived ${first} seeds`).to.not.equal(null);
      expect(caught!.seed).to.equal(first);
      expect(caught!.violations, 'no log invariant breaks: only the reads are wrong').to.deep.equal([]);
      expect(caught!.report!.fields['linearizable']).to.equal(false);
    });
  }

  it(`a lease past its drift bound (the real code told a bound of 0 while clocks drift ${LEASE_DRIFT}): not linearizable first at seed ${PAST_BOUND_FIRST_SEED}`, () => {
    const caught = firstCaught(leaseSubject({ driftBound: 0 }), PAST_BOUND_FIRST_SEED);
    expect(caught, `survived ${PAST_BOUND_FIRST_SEED} seeds`).to.not.equal(null);
    expect(caught!.seed).to.equal(PAST_BOUND_FIRST_SEED);
    expect(caught!.report!.fields['linearizable']).to.equal(false);
  });

  it(`the real code with the bound the clocks keep: 100 seeds of the same profile, zero violations, linearizable, lease reads served`, () => {
    const subject = leaseSubject({ driftBound: LEASE_DRIFT });
    const failures: number[] = [];
    let lease = 0;
    for (let seed = 1; seed <= 100; seed += 1) {
      const r = simulate(subject, leaseDrift(seed, LEASE_DRIFT));
      if (r.report?.ok !== true || r.violations.length > 0) failures.push(seed);
      lease += Number((r.report?.fields['reads'] as Record<string, number> | undefined)?.['lease'] ?? 0);
    }
    expect(failures).to.deep.equal([]);
    expect(lease, 'lease reads served').to.be.greaterThan(100);
  });
});

describe('synod sim --protocol raft --reads and --drift', () => {
  it('reports reads by mode in the JSON of one run; a read mutant exits 1', async () => {
    const r = await run('sim', '--protocol', 'raft', '--nodes', '3', '--reads', 'mix', '--drift', '0.1', '--seed', '2', '--steps', '1500', '--json');
    expect(r.code, r.err).to.equal(0);
    const json = JSON.parse(r.out) as Record<string, unknown>;
    expect(json['linearizable']).to.equal(true);
    expect(Object.keys(json['reads'] as object).length).to.be.greaterThan(1);
    const broken = await run('sim', '--protocol', 'raft', '--nodes', '3', '--reads', 'read-index', '--mutant', 'leader-reads-without-heartbeat', '--seed', '1', '--steps', '1200', '--clients', '4',
      '--loss', '0.05', '--dup', '0.05', '--partitions', '--timeout', '5-10', '--partition-length', '50-200', '--retry', '5-15', '--think', '1-5');
    expect(broken.code, broken.out + broken.err).to.equal(1);
  });

  it('refuses a lease without a clock-drift bound, and a mode it does not know', async () => {
    const lease = await run('sim', '--protocol', 'raft', '--reads', 'lease', '--seed', '1');
    expect(lease.code).to.equal(2);
    expect(lease.err).to.match(/a lease rests on a bound on clock drift/);
    expect((await run('sim', '--protocol', 'raft', '--reads', 'quorum', '--seed', '1')).code).to.equal(2);
  });
});
