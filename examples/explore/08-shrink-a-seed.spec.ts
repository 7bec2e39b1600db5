/**
 * Experiment 8 (docs/exploring.md): shrink a failing seed.
 * Question: the simulator found a violation under every fault at once. Which of those faults
 * does the bug actually need, and what is the shortest run that still shows it?
 */
import { expect } from 'chai';
import type { SimResult } from '../../lib/sim/index';
import { allFaults, replay, shrink, simulate, subjectEntry } from '../../lib/sim/index';

describe('explore 8: shrink a failing seed', () => {
  const subject = subjectEntry('single-decree')!.build({ nodes: 3, mutant: 'proposer-ignores-promised-values' });

  function firstFailure(): SimResult {
    for (let seed = 1; seed <= 200; seed += 1) {
      const r = simulate(subject, allFaults(seed));
      if (r.violations.length > 0) return r;
    }
    throw new Error('no seed of 1-200 failed');
  }

  it('a proposer that ignores its promises fails under every fault; shrunk, it needs none of them', () => {
    const failing = firstFailure();
    const invariant = failing.violations[0]!.invariant;
    const s = shrink(subject, allFaults(failing.seed), failing);
    expect(s.result.violations[0]!.invariant).to.equal(invariant);
    expect([s.options.loss, s.options.dup, s.options.partitions, s.options.crashes]).to.deep.equal([0, 0, false, false]);
    expect(s.removed).to.include.members(['loss', 'duplication', 'random partitions', 'crashes']);
    // The shrunk run ends at its violation, and is shorter than the one we started from.
    expect(s.options.steps).to.equal(s.result.violations[0]!.step);
    // Pinned, as docs/exploring.md tells them: seed 1 fails VotesSafe at step 64; shrunk, one
    // client with 2 commands fails it at step 24 of seed 19.
    expect([failing.seed, invariant, failing.violations[0]!.step]).to.deep.equal([1, 'VotesSafe', 64]);
    expect([s.options.seed, s.options.clients, s.options.commands, s.result.violations[0]!.step]).to.deep.equal([19, 1, 2, 24]);
  });

  it('the shrunk options are a reproduction: replayed, the same violation at the same step, byte for byte', () => {
    const failing = firstFailure();
    const s = shrink(subject, allFaults(failing.seed), failing);
    const again = simulate(subject, s.options);
    expect(again.violations).to.deep.equal(s.result.violations);
    // replay throws if anything differs; its trace is the run, event by event, ending at the violation.
    const replayed = replay(subject, s.options, s.result);
    expect(replayed.trace.length).to.equal(70);
  });
});
