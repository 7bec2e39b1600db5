/**
 * The checker rows of proofs/configurations.ts that must pass or must be rejected
 * (`DurabilityProofConfiguration`: the lazy learned rows, the own-vote rows), run the same way
 * by spec/check/lazy-learned.spec.ts and spec/multipaxos/own-vote.spec.ts: a passing row is
 * exhaustive, breaks nothing, witnesses a command applied and a leader change, at its pinned
 * counts; a rejected row has its counterexample at the pinned size, which `counterexample`
 * checks further.
 */
import { expect } from 'chai';
import type { ViolationReport } from '../../lib/check/report';
import { checkMultiPaxosOrThrow } from '../../lib/check/multipaxos';
import type { DurabilityProofConfiguration } from '../../proofs/configurations';

export function expectPinnedRow(c: DurabilityProofConfiguration, counterexample: (v: ViolationReport) => void): void {
  const r = checkMultiPaxosOrThrow(c.options);
  if (c.expect === 'pass') {
    expect(r.complete).to.equal(true);
    expect(r.violations).to.deep.equal([]);
    for (const [name, s] of Object.entries(r.sometimes)) expect(s.holds, name).to.equal(true);
    expect(Object.keys(r.sometimes)).to.include.members(['a command is applied', 'a new leader takes over']);
    expect({ states: r.states, transitions: r.transitions, depth: r.depth }).to.deep.equal({ states: c.states, transitions: c.transitions, depth: c.depth });
    return;
  }
  const v = r.violations[0];
  expect(v, 'the broken variant must be rejected').to.not.equal(undefined);
  expect(v!.length).to.equal(c.depth);
  expect(r.states).to.equal(c.states);
  counterexample(v!);
}
