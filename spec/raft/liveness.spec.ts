/**
 * bench/liveness.ts on a few seeds: both protocols elect, and commit every command after the
 * faults stop; the distributions are computed from real runs (nothing is chosen vacuously).
 */
import { expect } from 'chai';
import { distribution, liveness, markdown } from '../../bench/liveness';

describe('liveness, side by side (bench/liveness.ts)', function () {
  this.timeout(120_000);

  it('on 5 seeds, Multi-Paxos and Raft elect, commit everything after the heal, and break nothing', () => {
    const rows = liveness(5);
    expect(rows.map((r) => `${r.protocol}/${r.nodes}`)).to.deep.equal(['multipaxos/3', 'raft/3', 'multipaxos/5', 'raft/5']);
    for (const r of rows) {
      expect([r.unsettled, r.failed], `${r.protocol}/${r.nodes}`).to.deep.equal([0, 0]);
      expect(r.ticksToElect.runs).to.equal(5);
      expect(r.ticksToCommitAfterHeal.runs).to.equal(5);
      expect(r.messagesPerCommand.p50).to.be.greaterThan(1);
    }
    expect(markdown(rows, 5).split('\n')).to.have.length(6);
  });

  it('distribution: median, 90th percentile, max and mean', () => {
    expect(distribution([5, 1, 3, 2, 4])).to.deep.equal({ runs: 5, p50: 3, p90: 5, max: 5, mean: 3 });
    expect(distribution([])).to.deep.equal({ runs: 0, p50: null, p90: null, max: null, mean: null });
  });
});
