/**
 * Shrinking: for every broken variant, a failing run shrinks to one that fails the same
 * invariant with no more moving parts, and the bugs that need no fault are shown to need none.
 */
import { expect } from 'chai';
import { singleDecree } from '../../lib/sim/registry';
import { shrink } from '../../lib/sim/shrink';
import { simulate } from '../../lib/sim/simulator';
import { contention } from '../../lib/sim/profiles';

describe('sim: shrinking a failing run', () => {
  for (const [mutant, needs] of [
    ['acceptor-accepts-below-promise', []],
    ['proposer-ignores-promised-values', []],
    ['ballots-not-unique-across-proposers', []],
    ['promise-not-persisted-before-reply', ['crashes']],
  ] as const) {
    it(`${mutant}: shrinks to a run without ${needs.length === 0 ? 'any fault' : 'every fault but crashes'}`, () => {
      const subject = singleDecree.build({ nodes: 3, mutant });
      let seed = 1;
      let failing = simulate(subject, contention(seed));
      while (failing.violations.length === 0) failing = simulate(subject, contention((seed += 1)));
      const s = shrink(subject, contention(seed), failing);
      const o = s.options;
      expect(s.result.violations[0]!.invariant).to.equal(failing.violations[0]!.invariant);
      expect(o.loss).to.equal(0);
      expect(o.dup).to.equal(0);
      expect(o.partitions).to.equal(false);
      expect(o.crashes).to.equal(needs.length > 0);
      expect(o.clients).to.be.at.most(failing.stats.commands);
      // The shrunk options replay to the same failure, at the same step.
      const again = simulate(subject, o);
      expect(again.violations).to.deep.equal(s.result.violations);
      expect(o.steps).to.equal(again.violations[0]!.step);
    });
  }

  it('refuses a run that did not fail', () => {
    const subject = singleDecree.build({ nodes: 3 });
    expect(() => shrink(subject, contention(1), simulate(subject, contention(1)))).to.throw(/only a failing run/);
  });
});
