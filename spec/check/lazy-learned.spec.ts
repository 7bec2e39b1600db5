/**
 * Lazy `learned` records (docs/runtime.md, lib/runtime/node/driver.ts): the rows of
 * proofs/configurations.ts `DURABILITY_PINNED` small enough for `npm test`. Multi-Paxos whose
 * durable record never keeps a `learned` change, with a crash: exhaustive, every invariant
 * holds, a command is applied and a leader change happens, counts as pinned. And the
 * deliberately broken variant (votes not durable either) is rejected with a counterexample in
 * which a node crashes: the check can fail.
 */
import { expect } from 'chai';
import { checkMultiPaxos, checkMultiPaxosOrThrow, multiPaxosReportLines } from '../../lib/check/multipaxos';
import { DURABILITY_PINNED, MULTIPAXOS_PINNED } from '../../proofs/configurations';
import { expectPinnedRow } from '../helpers/pinned-rows';

describe('check: lazy learned records (a crash loses every learned value)', () => {
  for (const c of DURABILITY_PINNED.filter((row) => row.inTests)) {
    it(`${c.name}: ${c.expect === 'pass' ? 'every invariant holds' : 'a counterexample'} (${c.states} states)`, () => {
      expectPinnedRow(c, (v) => {
        expect(v.trace.some((line) => /crashes and restarts/.test(line)), v.trace.join('\n')).to.equal(true);
        expect(v.invariants).to.include('PromiseKept');
      });
    });
  }

  it('losing learned records reaches more states than keeping them (the option changes the model), and says so in the report', () => {
    const kept = MULTIPAXOS_PINNED.find((row) => row.name === 'multipaxos: 1 command, a crash')!;
    const lazy = DURABILITY_PINNED.find((row) => row.name === 'multipaxos, lazy learned: 1 command, a crash')!;
    expect(lazy.options).to.deep.equal({ ...kept.options, volatile: ['learned'] });
    expect(lazy.states).to.be.above(kept.states);
    const r = checkMultiPaxosOrThrow(lazy.options, { maxStates: 10 });
    expect(multiPaxosReportLines(r).join('\n')).to.include('learned changes never durable');
  });

  it('refuses a kind of change it does not know', () => {
    const run = checkMultiPaxos({ nodes: 3, commands: 1, timers: 1, maxRound: 1, crashes: 1, network: 'set', volatile: ['snapshot' as never] });
    expect(run.ok).to.equal(false);
    expect(!run.ok && run.error).to.match(/volatile names persist changes/);
  });
});
