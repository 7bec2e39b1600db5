/**
 * `synod compare` and the scenarios behind it (lib/demo/scenarios.ts): each scenario played on
 * the real Multi-Paxos and the real Raft (and the Figure-8 broken Raft), step for step, with
 * the verdict the invariants reached while the code ran.
 */
import { expect } from 'chai';
import { runScenario, SCENARIOS, sidesOf } from '../../lib/demo/scenarios';
import { compareRuns, scenarioTools, wrap } from '../../lib/cli/compare';
import { MAPPING } from '../../lib/raft/mapping';
import { run } from '../helpers/cli';

describe('synod compare (Multi-Paxos and Raft side by side)', function () {
  this.timeout(60_000);

  it('Raft: X, on a majority in a later term, is not committed by counting, and S5 may replace it', () => {
    const [, raft, broken] = compareRuns('figure8');
    expect(raft!.side).to.equal('raft');
    expect(raft!.safe).to.equal(true);
    expect(raft!.steps[3]!.label).to.match(/S1 does not commit it by counting/);
    expect(raft!.steps[5]!.committed.join(' ')).to.not.match(/x#1/);
    expect(broken!.side).to.equal('raft-figure8-broken');
    expect(broken!.steps[3]!.label).to.match(/S1 commits it/);
    expect(broken!.violations.map((v) => v.invariant)).to.include('Agreement');
    expect(broken!.ok, 'the broken variant shows its violation').to.equal(true);
  });

  it('Multi-Paxos: the new leader re-proposes X in its own ballot, and the next leader keeps it', () => {
    const mp = compareRuns('figure8')[0]!;
    expect(mp.side).to.equal('multipaxos');
    expect(mp.safe).to.equal(true);
    expect(mp.steps[5]!.committed[0]).to.equal('0:x#1');
  });

  it('Raft: the node whose log lacks #8841 cannot win; the one holding it leads', () => {
    const raft = compareRuns('slot812')[1]!;
    expect(raft.steps[3]!.label).to.match(/harbor-2 leads/);
    expect(raft.expectations.every((e) => e.held)).to.equal(true);
    const mp = compareRuns('slot812')[0]!;
    expect(mp.steps[3]!.label, 'under Multi-Paxos harbor-3 may lead: the merge finds #8841').to.match(/harbor-3 leads/);
  });

  it("partitioned-leader: the stale epoch's proposal is never acknowledged nor committed, on both", () => {
    for (const r of compareRuns('partitioned-leader')) {
      expect(r.safe, r.side).to.equal(true);
      expect(r.expectations.map((e) => [e.description, e.held]), r.side).to.deep.include(['Y, proposed in the stale epoch, was never acknowledged', true]);
    }
  });

  it('every step names a row of the mapping table', () => {
    const names = new Set(MAPPING.map((r) => r.name));
    for (const scenario of SCENARIOS) {
      for (const side of sidesOf(scenario)) {
        const r = runScenario(scenario, side, { ...scenarioTools(), describeMultiPaxos: () => '' });
        for (const s of r.steps) expect(names, `${scenario} ${side}: ${s.row}`).to.include(s.row);
      }
    }
  });

  for (const scenario of SCENARIOS) {
    it(`synod compare --scenario ${scenario}: a verdict per protocol, a legend, lines of at most 100 columns, exit 0`, async () => {
      const r = await run('compare', '--scenario', scenario);
      expect(r.code, r.out).to.equal(0);
      expect(r.out).to.match(/^ok {3}multipaxos: SAFE \(expected safe\)$/m);
      expect(r.out).to.match(/^ok {3}raft: SAFE \(expected safe\)$/m);
      expect(r.out).to.match(/^legend: /m);
      expect(r.out).to.match(/^ {2}mapping: /m);
      for (const line of r.out.split('\n')) expect(line.length, line).to.be.at.most(100);
      if (scenario === 'figure8') expect(r.out).to.match(/^ok {3}raft-figure8-broken: UNSAFE: Agreement/m);
    });
  }

  it('--json prints every run; a bad scenario is one line and exit 2', async () => {
    const r = await run('compare', '--scenario', 'slot812', '--json');
    const report = JSON.parse(r.out) as { ok: boolean; runs: { side: string; safe: boolean }[] };
    expect(report.ok).to.equal(true);
    expect(report.runs.map((x) => [x.side, x.safe])).to.deep.equal([['multipaxos', true], ['raft', true]]);
    const bad = await run('compare', '--scenario', 'figure9');
    expect(bad.code).to.equal(2);
    expect(bad.err.trim().split('\n')).to.have.length(1);
  });

  it('wraps at spaces and indents what follows', () => {
    expect(wrap('aaa bbb ccc', 7, '  ')).to.deep.equal(['aaa bbb', '  ccc']);
    expect(wrap('  x', 10)).to.deep.equal(['  x']);
  });
});
