/**
 * The bug zoo under the model checker: every mutant is caught at its smallest recorded
 * configuration, breadth-first, so the counterexample is a shortest one and its length is
 * pinned; the correct code passes that same configuration, exhaustively. A check that cannot
 * fail proves nothing; these show that each invariant the proofs rely on can.
 */
import { expect } from 'chai';
import { zooEntries, zooEntry, registerMutant } from '../../lib/check/zoo';
import { checkPaxos } from '../../lib/invariants/paxos';
import { paxosProtocol } from '../../lib/paxos/node';
import { quorumSystemOrThrow } from '../../lib/paxos/quorum';
import { PAXOS_MUTANTS } from '../../lib/zoo/paxos';
import { replay } from '../../lib/check/trace';
import type { Message } from '../../lib/paxos/messages';
import type { TraceEvent } from '../../lib/check/trace';

/** Shortest counterexample (number of actions) and the invariants that name it. */
const EXPECTED: Record<string, { readonly length: number; readonly invariants: readonly string[] }> = {
  'acceptor-accepts-below-promise': { length: 6, invariants: ['PromiseKept'] },
  'promise-not-persisted-before-reply': { length: 3, invariants: ['PromiseKept'] },
  'proposer-ignores-promised-values': { length: 8, invariants: ['Agreement', 'VotesSafe'] },
  'proposer-picks-lowest-accepted-ballot': { length: 18, invariants: ['VotesSafe'] },
  'learner-mixes-ballots': { length: 27, invariants: ['Agreement'] },
  'ballots-not-unique-across-proposers': { length: 6, invariants: ['OneValuePerBallot'] },
  'non-intersecting-quorums': { length: 10, invariants: ['Agreement'] },
};

/**
 * Controls too large for `npm test`: the correct code is checked on the first 150,000 states
 * here, and exhaustively by `npm run proofs` (learner-mixes-ballots: 4,050,684 states).
 */
const BOUNDED_CONTROL = new Set(['learner-mixes-ballots']);

describe('check: the bug zoo', () => {
  it('registers every single-decree mutant of lib/zoo, each with a smallest configuration', () => {
    expect(zooEntries().filter((e) => e.protocol === 'single-decree').map((e) => e.name)).to.deep.equal(PAXOS_MUTANTS.map((m) => m.name));
    expect(Object.keys(EXPECTED).sort()).to.deep.equal(PAXOS_MUTANTS.map((m) => m.name).sort());
  });

  it('refuses a second mutant of the same name', () => {
    const entry = zooEntry('non-intersecting-quorums')!;
    expect(() => registerMutant(entry)).to.throw(/already has a mutant/);
  });

  for (const m of PAXOS_MUTANTS) {
    const expected = EXPECTED[m.name]!;
    it(`${m.name}: caught with a ${expected.length}-action counterexample; the correct code passes the same configuration`, () => {
      const entry = zooEntry(m.name)!;
      const caught = entry.run();
      expect(caught.violations, 'a counterexample').to.have.length(1);
      const v = caught.violations[0]!;
      expect(v.length).to.equal(expected.length);
      expect(v.invariants).to.deep.equal(expected.invariants);
      expect(v.trace.length).to.be.greaterThan(v.length - 1);
      const bounded = BOUNDED_CONTROL.has(m.name);
      const control = entry.control(bounded ? { maxStates: 150_000 } : {});
      expect([control.complete, control.violations.length]).to.deep.equal([!bounded, 0]);
      expect(control.sometimes['a value is chosen']?.holds).to.equal(true);
    });
  }

  it('a counterexample replays on the scripted cluster (lib/harness) and breaks the same invariants there', () => {
    for (const name of ['proposer-ignores-promised-values', 'ballots-not-unique-across-proposers', 'promise-not-persisted-before-reply']) {
      const m = PAXOS_MUTANTS.find((x) => x.name === name)!;
      const v = zooEntry(name)!.run().violations[0]!;
      const c = m.smallest;
      const ids = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);
      const config = { slot: 1, quorums: quorumSystemOrThrow({ acceptors: ids(c.acceptors) }), proposers: ids(c.proposers), learners: ids(c.learners) };
      const cluster = replay(paxosProtocol<string>(config, m.roles<string>()), v.events as readonly TraceEvent<Message<string>, string>[]);
      const found = checkPaxos({ config, nodes: [...cluster.states.values()], messages: cluster.sent, proposed: cluster.requests });
      expect(found.map((f) => f.invariant), name).to.deep.equal(v.invariants);
    }
  });
});
