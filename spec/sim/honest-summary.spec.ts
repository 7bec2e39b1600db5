/**
 * Honest summaries (issue 14, item 5): a run whose history is not linearizable counts as
 * failing in every summary, text and JSON, single run and seed range, beyond the 20 failures
 * a summary lists; and every protocol that keeps a history (Multi-Paxos, Raft) goes through the
 * same count.
 */
import { expect } from 'chai';
import { Summary } from '../../lib/sim/summary';
import type { SimResult } from '../../lib/sim/simulator';
import { run } from '../helpers/cli';

const BROKEN = ['sim', '--protocol', 'multipaxos', '--nodes', '3', '--mutant', 'new-leader-skips-merge', '--check', 'none', '--steps', '3000', '--loss', '0.1', '--dup', '0.05', '--partitions', '--crashes'];

describe('summaries count a run that is not linearizable as failing', function () {
  this.timeout(120_000);

  it('a seed range: JSON failingRuns and the text count every such run, not only the 20 listed', async () => {
    const j = JSON.parse((await run(...BROKEN, '--seeds', '1-40', '--json')).out) as Record<string, unknown>;
    const notLinearizable = 40 - (j.linearizableRuns as number);
    expect(notLinearizable).to.be.greaterThan(20);
    expect(j).to.deep.include({ ok: false, historyRuns: 40, failingRuns: notLinearizable, reason: `${notLinearizable} of 40 runs failed` });
    expect((j.reportFailures as unknown[]).length).to.equal(20);
    const text = await run(...BROKEN, '--seeds', '1-40');
    expect(text.code).to.equal(1);
    expect(text.out).to.contain(`${notLinearizable} runs FAILED their report (a history that is not linearizable); the first 20 are listed`);
    expect(text.out).to.contain(`history linearizable in ${40 - notLinearizable} of 40 runs`);
  });

  it('a single run: ok false with the reason in JSON, a FAILED line in the text, exit 1', async () => {
    const json = await run(...BROKEN, '--seed', '3', '--json');
    const j = JSON.parse(json.out) as Record<string, unknown>;
    expect([json.code, j.ok, j.linearizable]).to.deep.equal([1, false, false]);
    expect(j.reason).to.match(/^the run's report failed/);
    const text = await run(...BROKEN, '--seed', '3');
    expect(text.code).to.equal(1);
    expect(text.out).to.contain('the run FAILED its report (a history that is not linearizable)');
  });

  it('the Summary counts failed reports of any protocol, past the 20 it keeps', () => {
    const summary = new Summary();
    const base = { violations: [], stats: { delivered: 0, dropped: 0, duplicated: 0, crashes: 0, partitions: 0, commands: 1, acks: 1 }, stepsRun: 10, endedBy: 'quiescent', healed: null, chosen: 1, decided: 1, chosenAtHeal: null, ticksToChosenAfterHeal: null };
    for (let seed = 1; seed <= 30; seed += 1) {
      const protocol = seed % 2 === 0 ? 'raft' : 'multipaxos';
      summary.add({ ...base, seed, protocol, report: { fields: { committed: 1, linearizable: seed > 25 }, ok: seed > 25 } } as unknown as SimResult);
    }
    expect([summary.failing(), summary.reportFailedRuns(), summary.reportFailures.length, summary.linearizableRuns]).to.deep.equal([25, 25, 20, 5]);
  });

  it('a Raft range reports its histories in the same summary', async () => {
    const j = JSON.parse((await run('sim', '--protocol', 'raft', '--nodes', '3', '--seeds', '1-3', '--steps', '800', '--loss', '0.05', '--json')).out) as Record<string, unknown>;
    expect(j).to.deep.include({ ok: true, historyRuns: 3, linearizableRuns: 3, failingRuns: 0 });
  });
});
