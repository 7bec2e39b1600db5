import { expect } from 'chai';
import { run } from '../helpers/cli';

describe('synod compare (Paxos and Raft leader rules side by side)', () => {
  it('figure8: both correct policies are safe, the broken variant shows the lost committed entry; exit 0', async () => {
    const r = await run('compare', '--scenario', 'figure8');
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.match(/^step 1: S1 leads term 2/m);
    expect(r.out).to.match(/^ok {3}paxos: SAFE \(expected safe\)$/m);
    expect(r.out).to.match(/^ok {3}raft: SAFE \(expected safe\)$/m);
    expect(r.out).to.match(/^ok {3}raft-without-current-term-rule: UNSAFE: Agreement: node 1 learned x#1@t2\.1 at slot 1, .*the committed entry x#1@t2\.1 is lost/m);
    expect(r.out).to.match(/raft-without-current-term-rule VIOLATION Agreement/);
    // Each step shows every node under each policy, side by side, and what each policy committed.
    expect(r.out).to.match(/^ {2}paxos +\| raft +\| raft-without-current-term-rule$/m);
    expect(r.out).to.match(/S1\(down\) F p4\.1 c2 \[0:noop@t2\.1\* 1:x#1@t2\.1\* 2:noop@t4\.1\/4\.1\]/);
    expect(r.out).to.match(/committed: 0:x#1 +\| committed: 0:noop@t2\.1 +\| committed: 0:noop@t2\.1 1:x#1@t2\.1/);
  });

  for (const scenario of ['slot812', 'partitioned-leader']) {
    it(`${scenario}: every policy is safe and every expectation held; exit 0`, async () => {
      const r = await run('compare', '--scenario', scenario);
      expect(r.code, r.out).to.equal(0);
      for (const p of ['paxos', 'raft', 'raft-without-current-term-rule']) expect(r.out).to.match(new RegExp(`^ok {3}${p}: SAFE \\(expected safe\\)$`, 'm'));
      expect(r.out).to.not.match(/VIOLATION/);
    });
  }

  it('--json prints one object with every run, its steps and its verdict', async () => {
    const r = await run('compare', '--scenario', 'figure8', '--json');
    expect(r.code).to.equal(0);
    const report = JSON.parse(r.out) as { scenario: string; ok: boolean; runs: { policy: string; safe: boolean; steps: { label: string; messages: string[] }[] }[] };
    expect(report.scenario).to.equal('figure8');
    expect(report.ok).to.equal(true);
    expect(report.runs.map((x) => [x.policy, x.safe])).to.deep.equal([
      ['paxos', true],
      ['raft', true],
      ['raft-without-current-term-rule', false],
    ]);
    expect(report.runs[1]!.steps[0]!.messages).to.include('accept 1>2 2.1 s0 noop@t2.1');
  });

  it('a bad or missing scenario exits 2 with a one-line error', async () => {
    const bad = await run('compare', '--scenario', 'figure9');
    expect(bad).to.deep.equal({ code: 2, out: '', err: "synod: --scenario must be one of figure8, slot812, partitioned-leader, got 'figure9'\n" });
    const missing = await run('compare');
    expect(missing.code).to.equal(2);
    expect(missing.err.trim().split('\n')).to.have.length(1);
  });
});
