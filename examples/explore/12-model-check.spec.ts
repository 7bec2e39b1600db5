/**
 * Experiment 12 (docs/exploring.md): check every interleaving of a small configuration.
 * Question: the experiments above each try some schedules. For three acceptors, two proposers
 * and two values, can we try all of them, and would a passing check mean anything?
 */
import { expect } from 'chai';
import { checkSingleDecreeOrThrow, zooEntry } from '../../lib/check/index';
import type { SingleDecreeOptions } from '../../lib/check/index';

describe('explore 12: every interleaving of a small configuration', () => {
  const small: SingleDecreeOptions = { acceptors: 3, proposers: 2, values: 2, maxRound: 1, network: 'set', crashes: 0 };

  it('3 acceptors, 2 proposers, 2 values, one round: 8,146 states, all of them safe, and a value is chosen in some', () => {
    const r = checkSingleDecreeOrThrow(small);
    expect([r.complete, r.states, r.violations.length]).to.deep.equal([true, 8146, 0]);
    expect(r.sometimes['a value is chosen']?.holds).to.equal(true);
  });

  it('a check with nothing to choose passes its invariants vacuously, and the "sometimes" property says so', () => {
    const r = checkSingleDecreeOrThrow({ ...small, values: 0 });
    expect([r.complete, r.violations.length]).to.deep.equal([true, 0]);
    expect(r.sometimes['a value is chosen']?.holds).to.equal(false);
  });

  it('the proposer that ignores its promises: the shortest counterexample is 8 actions, and the real roles pass the same bounds', () => {
    const entry = zooEntry('proposer-ignores-promised-values')!;
    const broken = entry.run();
    expect(broken.violations[0]!.invariants).to.deep.equal(['Agreement', 'VotesSafe']);
    expect(broken.violations[0]!.length).to.equal(8);
    expect(broken.violations[0]!.trace.at(-2)).to.equal('  8. deliver n2 -> n1 : accept slot 1 ballot 1.2 = B');
    const control = entry.control();
    expect([control.complete, control.violations.length]).to.deep.equal([true, 0]);
  });
});
