/**
 * Multi-Paxos under the model checker: the small proof configurations with their state counts
 * pinned, every Multi-Paxos mutant of the zoo caught with a shortest counterexample of pinned
 * length while the correct code passes the same configuration, and the "sometimes" properties,
 * which fail where nothing can happen, so no check passes vacuously.
 */
import { expect } from 'chai';
import { check } from '../../lib/check/model-checker';
import { checkMultiPaxosOrThrow, encodeMultiNodeState, MULTIPAXOS_SMALLEST, multiPaxosModel } from '../../lib/check/multipaxos';
import type { MultiPaxosCheckOptions } from '../../lib/check/multipaxos';
import { zooEntries, zooEntry } from '../../lib/check/zoo';
import { MULTIPAXOS_MUTANTS as ALL_MULTIPAXOS_MUTANTS, READ_MUTANTS } from '../../lib/zoo/multipaxos';

/** The log mutants: the read mutants are the simulator's (spec/multipaxos/reads.spec.ts). */
const MULTIPAXOS_MUTANTS = ALL_MULTIPAXOS_MUTANTS.filter((m) => !READ_MUTANTS.has(m.name));
import { MULTIPAXOS_PINNED } from '../../proofs/configurations';

const small: MultiPaxosCheckOptions = { nodes: 3, commands: 1, timers: 2, maxRound: 1, crashes: 0, network: 'set' };

/** Shortest counterexample (number of actions) and the invariants that name it. */
const EXPECTED: Record<string, { readonly length: number; readonly invariants: readonly string[] }> = {
  'leader-acks-before-quorum': { length: 5, invariants: ['AckImpliesChosen'] },
  'new-leader-skips-merge': { length: 11, invariants: ['VotesSafe'] },
  'follower-applies-unchosen-entry': { length: 9, invariants: ['AckImpliesChosen'] },
  'candidate-counts-stale-promise': { length: 7, invariants: ['VotesSafe'] },
  // A directed start of 25 actions (lib/check/multipaxos.ts staleAcceptedStart), then 2 found by the search.
  'leader-counts-stale-accepted': { length: 27, invariants: ['AckImpliesChosen'] },
  'merge-keeps-lower-ballot': { length: 16, invariants: ['VotesSafe'] },
  // Two commands to node 1 and a snapshot after every slot (lib/check/multipaxos.ts MULTIPAXOS_SMALLEST).
  'follower-fills-hole-below-snapshot': { length: 13, invariants: ['VotesSafe'] },
};

/**
 * Controls checked here on their first 150,000 states only. That of merge-keeps-lower-ballot is
 * the row "multipaxos: 2 slots, three ballots" (6,511,280 states, exhaustive in `npm run
 * proofs`). The stale-ballot mutants need a second round (three ballots) too. (The control of
 * new-leader-skips-merge, the row "multipaxos: 2 slots, leader change", is exhaustive here:
 * 71,300 states with the model's reductions.) That of follower-fills-hole-below-snapshot is the
 * row "multipaxos: 2 slots to node 1, snapshots" (196,940 states, exhaustive in `npm run proofs`).
 */
const BOUNDED_CONTROL = new Set(['candidate-counts-stale-promise', 'leader-counts-stale-accepted', 'merge-keeps-lower-ballot', 'follower-fills-hole-below-snapshot']);

describe('check: Multi-Paxos, exhaustively', () => {
  for (const pinned of MULTIPAXOS_PINNED.filter((p) => p.inTests)) {
    it(`${pinned.name}: ${pinned.states} states, every invariant holds, a command is applied, a new leader takes over`, () => {
      const r = checkMultiPaxosOrThrow(pinned.options);
      expect(r.complete, 'exhaustive').to.equal(true);
      expect(r.violations.map((v) => v.description)).to.deep.equal([]);
      expect([r.states, r.transitions, r.depth]).to.deep.equal([pinned.states, pinned.transitions, pinned.depth]);
      expect(r.sometimes).to.deep.equal({
        'a command is applied': { holds: true, depth: 7 },
        'a new leader takes over': { holds: true, depth: 10 },
      });
    });
  }

  it('memoization is exact: without it the counts are the same', () => {
    const built = multiPaxosModel(small);
    if (!built.ok) throw new Error(built.error);
    const memo = check(built.model);
    const plain = check(built.model, { memoize: false });
    expect([plain.states, plain.transitions, plain.depth]).to.deep.equal([memo.states, memo.transitions, memo.depth]);
  });

  it('the state key ignores the counters and the leader hint, and keeps the timer and the generator', () => {
    const built = multiPaxosModel(small);
    if (!built.ok) throw new Error(built.error);
    const s = built.model.protocol.init(1);
    const key = encodeMultiNodeState(s);
    expect(encodeMultiNodeState({ ...s, counters: { ...s.counters, proposed: 7 }, leader: { ...s.leader, current: 3 } })).to.equal(key);
    expect(encodeMultiNodeState({ ...s, timer: { ...s.timer, rng: s.timer.rng + 1 } })).to.not.equal(key);
    expect(encodeMultiNodeState({ ...s, timer: { ...s.timer, elapsed: s.timer.elapsed + 1 } })).to.not.equal(key);
  });

  describe('"sometimes": a check in which nothing can happen fails', () => {
    it('with no client commands nothing is applied', () => {
      const r = checkMultiPaxosOrThrow({ ...small, commands: 0 });
      expect([r.complete, r.violations.length]).to.deep.equal([true, 0]);
      expect(r.sometimes['a command is applied']).to.deep.equal({ holds: false, depth: null });
    });

    it('with one timer there is no leader change to witness, and the property is not claimed', () => {
      const r = checkMultiPaxosOrThrow({ ...small, timers: 1 });
      expect(Object.keys(r.sometimes)).to.deep.equal(['a command is applied']);
    });
  });

  it('refuses the multiset network: a leader resends on every tick, so copies in flight are unbounded', () => {
    expect(multiPaxosModel({ ...small, network: 'multiset' })).to.deep.include({ ok: false });
  });

  it('follower-applies-unchosen-entry is harmless with 3 nodes: an acceptance plus the leader\'s vote is a majority', () => {
    const r = checkMultiPaxosOrThrow({ ...small, retry: true, mutant: 'follower-applies-unchosen-entry' });
    expect([r.complete, r.violations.length, r.states]).to.deep.equal([true, 0, 105_321]);
  });
});

describe('check: the Multi-Paxos bug zoo', () => {
  it('registers every Multi-Paxos mutant of lib/zoo, each with a smallest configuration', () => {
    expect(zooEntries().filter((e) => e.protocol === 'multipaxos').map((e) => e.name)).to.deep.equal(MULTIPAXOS_MUTANTS.map((m) => m.name));
    expect(Object.keys(EXPECTED).sort()).to.deep.equal(Object.keys(MULTIPAXOS_SMALLEST).sort());
  });

  for (const m of MULTIPAXOS_MUTANTS) {
    const expected = EXPECTED[m.name]!;
    it(`${m.name}: caught with a ${expected.length}-action counterexample; the correct code passes the same configuration`, () => {
      const entry = zooEntry(m.name)!;
      const caught = entry.run();
      expect(caught.violations, 'a counterexample').to.have.length(1);
      const v = caught.violations[0]!;
      expect([v.length, v.invariants]).to.deep.equal([expected.length, expected.invariants]);
      expect(v.events).to.have.length(expected.length);
      const bounded = BOUNDED_CONTROL.has(m.name);
      const control = entry.control(bounded ? { maxStates: 150_000 } : {});
      expect([control.complete, control.violations.length]).to.deep.equal([!bounded, 0]);
      expect(control.sometimes['a command is applied']?.holds).to.equal(true);
    });
  }
});
