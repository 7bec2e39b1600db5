/**
 * Raft under the model checker (lib/check/raft.ts): the pinned configurations of
 * proofs/configurations.ts that fit in `npm test`, exhaustively, every invariant in every
 * state; and the Raft zoo, each mutant caught with a pinned counterexample, the correct code
 * passing the same configuration (exhaustively, or on its first states where the space is
 * too large: `npm run proofs` says which).
 */
import { expect } from 'chai';
import { RAFT_PINNED } from '../../proofs/configurations';
import { checkRaftModel, raftModel } from '../../lib/check/raft';
import { zooEntries, zooEntry } from '../../lib/check/zoo';
import { RAFT_MUTANTS } from '../../lib/zoo/raft';

/** Shortest counterexample (actions, the directed start included) and the invariants that name it. */
const EXPECTED: Record<string, { readonly length: number; readonly invariants: readonly string[] }> = {
  'vote-not-persisted': { length: 7, invariants: ['ElectionSafety'] },
  'vote-without-up-to-date-check': { length: 8, invariants: ['LeaderCompleteness'] },
  'follower-keeps-conflicting-suffix': { length: 8, invariants: ['LogMatching'] },
  'figure8-commit-by-counting': { length: 20, invariants: ['LeaderCompleteness'] },
};

describe('check: Raft, exhaustively', function () {
  this.timeout(120_000);

  for (const pinned of RAFT_PINNED.filter((p) => p.inTests)) {
    it(`${pinned.name}: ${pinned.states} states, every invariant holds, an entry is committed`, () => {
      const r = checkRaftModel(pinned.options);
      expect(r.complete, 'exhaustive').to.equal(true);
      expect(r.violations.map((v) => v.description)).to.deep.equal([]);
      expect([r.states, r.transitions, r.depth]).to.deep.equal([pinned.states, pinned.transitions, pinned.depth]);
      expect(r.sometimes['an entry is committed']?.holds).to.equal(true);
      if (pinned.options.commands > 0) expect(r.sometimes['a command is committed']?.holds).to.equal(true);
    });
  }

  it('registers every Raft mutant in the zoo', () => {
    expect(zooEntries().filter((e) => e.protocol === 'raft').map((e) => e.name)).to.deep.equal(RAFT_MUTANTS.map((m) => m.name));
    expect(Object.keys(EXPECTED).sort()).to.deep.equal(RAFT_MUTANTS.map((m) => m.name).sort());
  });

  for (const m of RAFT_MUTANTS) {
    const expected = EXPECTED[m.name]!;
    it(`${m.name}: caught with a ${expected.length}-action counterexample; the correct code passes the same configuration`, () => {
      const entry = zooEntry(m.name)!;
      const caught = entry.run();
      expect(caught.violations, 'a counterexample').to.have.length(1);
      const v = caught.violations[0]!;
      expect(v.length).to.equal(expected.length);
      expect([...new Set(v.invariants)]).to.deep.equal(expected.invariants);
      const bound = entry.boundedControl;
      const control = entry.control(bound === undefined ? {} : { maxStates: bound });
      expect([control.complete, control.violations.length]).to.deep.equal([bound === undefined, 0]);
      expect(control.sometimes['an entry is committed']?.holds).to.equal(true);
    });
  }

  it('refuses a configuration out of bounds with one sentence', () => {
    expect(() => raftModel({ nodes: 6, commands: 0, timers: 1, maxTerm: 1, crashes: 0 })).to.throw(/--nodes must be 1..5/);
    expect(() => raftModel({ nodes: 3, commands: 0, timers: 4, maxTerm: 1, crashes: 0 })).to.throw(/--timers must be 0..3/);
  });
});
