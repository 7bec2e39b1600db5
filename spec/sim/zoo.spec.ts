/**
 * A check that cannot fail proves nothing: the simulator must find every broken variant of
 * the bug zoo (lib/zoo/paxos.ts), each within a pinned number of seeds, with an invariant the
 * variant is documented to break. The bounds are pinned from measured first failures (with
 * headroom), like Stateright's pinned state counts: a change to the simulator that makes a
 * bug harder to find shows up here.
 */
import { expect } from 'chai';
import { PAXOS_MUTANTS } from '../../lib/zoo/paxos';
import type { SimOptions } from '../../lib/sim/options';
import { singleDecree } from '../../lib/sim/registry';
import { replay } from '../../lib/sim/replay';
import type { SimResult } from '../../lib/sim/simulator';
import { simulate } from '../../lib/sim/simulator';
import { allFaults, contention } from '../../lib/sim/profiles';

interface Hunt {
  readonly profile: (seed: number) => SimOptions;
  readonly nodes: number;
  /** Seeds 1..bound are tried; the first failure must come within them. */
  readonly bound: number;
}

/**
 * Measured first failing seed, in brackets: accepts-below-promise [1], promise-not-persisted
 * [1], ignores-promised-values [1], ballots-not-unique [2], non-intersecting-quorums [3],
 * picks-lowest [87], learner-mixes-ballots [1062]. The last is the rarest by far: it needs
 * one value voted by different acceptors in two ballots and another value chosen in a third,
 * so it gets the hardest contention (30% loss, timeouts every 5-15 ticks) and a wide bound.
 */
const HUNTS: Record<string, Hunt> = {
  'acceptor-accepts-below-promise': { profile: contention, nodes: 3, bound: 20 },
  'promise-not-persisted-before-reply': { profile: contention, nodes: 3, bound: 20 },
  'proposer-ignores-promised-values': { profile: contention, nodes: 3, bound: 20 },
  'ballots-not-unique-across-proposers': { profile: contention, nodes: 3, bound: 30 },
  'non-intersecting-quorums': { profile: contention, nodes: 3, bound: 30 },
  'proposer-picks-lowest-accepted-ballot': { profile: contention, nodes: 3, bound: 200 },
  'learner-mixes-ballots': {
    profile: (seed) => contention(seed, { loss: 0.3, timeout: { min: 5, max: 15 } }),
    nodes: 3,
    bound: 1200,
  },
};

describe('sim: the bug zoo is caught', () => {
  it('has a hunt for every single-decree mutant', () => {
    expect(Object.keys(HUNTS).sort()).to.deep.equal(PAXOS_MUTANTS.map((m) => m.name).sort());
  });

  for (const mutant of PAXOS_MUTANTS) {
    const hunt = HUNTS[mutant.name]!;
    it(`${mutant.name}: a violation within ${hunt.bound} seeds, by ${mutant.caughtBy.join(' / ')}`, () => {
      const subject = singleDecree.build({ nodes: hunt.nodes, mutant: mutant.name });
      let found: SimResult | null = null;
      for (let seed = 1; seed <= hunt.bound && found === null; seed += 1) {
        const r = simulate(subject, hunt.profile(seed));
        if (r.violations.length > 0) found = r;
      }
      expect(found, `no violation in seeds 1-${hunt.bound}`).to.not.equal(null);
      const r = found!;
      console.log(`      seed ${r.seed}, step ${r.violations[0]!.step}: ${r.violations[0]!.invariant}: ${r.violations[0]!.description}`);
      expect(r.endedBy).to.equal('violation');
      expect(r.violations.some((v) => mutant.caughtBy.includes(v.invariant))).to.equal(true);
      // The failure replays exactly, and the trace ends at the failing step.
      const again = replay(subject, hunt.profile(r.seed), r);
      expect(again.result.violations).to.deep.equal(r.violations);
      const last = again.trace[again.trace.length - 1]!;
      expect(last.type).to.equal('violation');
      expect(last.step).to.equal(r.violations[0]!.step);
      // The real roles survive the very same seed.
      const real = simulate(singleDecree.build({ nodes: hunt.nodes }), hunt.profile(r.seed));
      expect(real.violations).to.deep.equal([]);
    });
  }

  it('a needs-crash mutant shows nothing without crashes', () => {
    const subject = singleDecree.build({ nodes: 3, mutant: 'promise-not-persisted-before-reply' });
    for (let seed = 1; seed <= 100; seed += 1) {
      expect(simulate(subject, contention(seed, { crashes: false })).violations).to.deep.equal([]);
    }
    // ...and allFaults (which crashes) finds it.
    const found = Array.from({ length: 50 }, (_, i) => simulate(subject, allFaults(i + 1))).some((r) => r.violations.length > 0);
    expect(found).to.equal(true);
  });
});
