/**
 * The stronger history (docs/history.md: every completion says what its command observed, and
 * failed cas operations take part) against the weaker one it replaced (`{ observed: false }`),
 * on the same simulated runs, with the invariant checks off (`--check none`), so the history
 * alone must catch the bug:
 *
 *   synod sim --protocol multipaxos --nodes 3 --mutant M --check none --seeds 1-250 \
 *     --loss 0.1 --dup 0.05 --partitions --crashes
 *
 * Measured on seeds 1-250 (figures for the report; the spec pins seeds 1-20):
 * leader-acks-before-quorum: 250 of 250 flagged (weak check: 198); new-leader-skips-merge: 250
 * of 250 (weak: 124); correct code: 0 of 250 either way.
 */
import { expect } from 'chai';
import type { HistoryRecord } from '../../lib/history/linearizability';
import { checkHistory } from '../../lib/history/linearizability';
import { multiPaxosSubject } from '../../lib/sim/multipaxos-subject';
import { simOptions } from '../../lib/sim/options';
import { simulate } from '../../lib/sim/simulator';

const SEEDS = 20;

/** The CLI's run for `--nodes 3 --check none --loss 0.1 --dup 0.05 --partitions --crashes` (3 clients of 100 commands, 10,800 steps). */
function histories(mutant: string | undefined): HistoryRecord[][] {
  const subject = multiPaxosSubject({ nodes: 3, ...(mutant === undefined ? {} : { mutant }) });
  const out: HistoryRecord[][] = [];
  for (let seed = 1; seed <= SEEDS; seed += 1) {
    const r = simulate(subject, simOptions({ seed, steps: 10_800, clients: 3, commands: 100, loss: 0.1, dup: 0.05, partitions: true, crashes: true, check: 'none' }));
    expect(r.violations, 'no invariant is checked').to.deep.equal([]);
    const history = (r.report?.history ?? []) as HistoryRecord[];
    expect(r.report?.ok, `seed ${seed}: the run's verdict is the stronger check's`).to.equal(checkHistory(history).linearizable === true);
    out.push(history);
  }
  return out;
}

const flagged = (hs: readonly HistoryRecord[][], observed: boolean): number => hs.filter((h) => checkHistory(h, { observed }).linearizable !== true).length;

describe('the stronger history catches Multi-Paxos bugs with the invariant checks off', function () {
  this.timeout(120_000);

  it(`correct code: every history of seeds 1-${SEEDS} is linearizable, and records what each command observed`, () => {
    const hs = histories(undefined);
    expect(flagged(hs, true)).to.equal(0);
    const completions = hs.flat().filter((h) => h.type === 'ok' || h.type === 'fail');
    expect(completions.filter((h) => h.f !== 'read' && h.observed === undefined), 'every write, delete and cas says what it saw').to.deep.equal([]);
    expect(completions.filter((h) => h.type === 'fail' && h.f === 'cas').length, 'failed cas operations happen').to.be.greaterThan(0);
  });

  for (const [mutant, weak] of [['leader-acks-before-quorum', 16], ['new-leader-skips-merge', 9]] as const) {
    it(`${mutant}: flagged in all of seeds 1-${SEEDS} (the weaker history flags ${weak})`, () => {
      const hs = histories(mutant);
      expect(flagged(hs, true)).to.equal(SEEDS);
      expect(flagged(hs, false)).to.equal(weak);
    });
  }
});
