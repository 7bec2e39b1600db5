/**
 * Experiment 6 (docs/exploring.md): let a new Multi-Paxos leader skip the merge.
 * Question: a new leader runs phase 1 once for every slot from its first unchosen one, and
 * must re-propose, slot by slot, the highest-ballot vote its promises report. What breaks if
 * it ignores them and starts proposing fresh commands at its own commit point?
 */
import { expect } from 'chai';
import { zooEntry } from '../../lib/check/index';
import { allFaults, simulate, subjectEntry } from '../../lib/sim/index';
import { MULTIPAXOS_MUTANTS } from '../../lib/zoo/index';

describe('explore 6: a new leader that skips the merge', () => {
  const options = (seed: number) => allFaults(seed, { clients: 3, commands: 5 });

  it("is one of the zoo's Multi-Paxos variants, documented to break VotesSafe", () => {
    const mutant = MULTIPAXOS_MUTANTS.find((m) => m.name === 'new-leader-skips-merge');
    expect(mutant?.caughtBy).to.include('VotesSafe');
  });

  it('the simulator: seed 1 under every fault breaks VotesSafe; the real leader, same seed, is safe, linearizable and commits everything', () => {
    const entry = subjectEntry('multipaxos')!;
    const broken = simulate(entry.build({ nodes: 3, mutant: 'new-leader-skips-merge' }), options(1));
    expect(broken.violations[0]?.invariant).to.equal('VotesSafe');
    const real = simulate(entry.build({ nodes: 3 }), options(1));
    expect(real.violations).to.deep.equal([]);
    expect(real.report?.ok).to.equal(true);
    expect(real.report?.fields['linearizable']).to.equal(true);
    expect(real.report?.fields['committed']).to.equal(15);
  });

  it('the model checker: the shortest run is 11 actions on 3 nodes: n2 takes over after n1 proposed x=1 and proposes x=2 over it', () => {
    const report = zooEntry('new-leader-skips-merge')!.run();
    const v = report.violations[0]!;
    expect(v.invariants).to.deep.equal(['VotesSafe']);
    expect(v.length).to.equal(11);
    expect(v.trace.some((line) => line.includes('promise ballot 1.2 from slot 0 (1 votes)'))).to.equal(true);
  });
});
