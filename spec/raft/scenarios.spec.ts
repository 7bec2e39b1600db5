import { expect } from 'chai';
import { PAXOS, RAFT, RAFT_WITHOUT_CURRENT_TERM_RULE } from '../../lib/raft/policy';
import { runScenario } from '../../lib/raft/scenarios';

describe('Raft side by side: scripted scenarios under each leader policy', () => {
  describe('figure8 (Raft paper, Figure 8)', () => {
    it('Paxos: the re-proposal of X in ballot 4 is chosen and the next leader keeps it', () => {
      const run = runScenario('figure8', PAXOS);
      expect(run.violations).to.deep.equal([]);
      expect(run.safe).to.equal(true);
      expect(run.ok).to.equal(true);
      const last = run.steps[run.steps.length - 1]!;
      expect(last.committed.some((c) => c.includes('x#1'))).to.equal(true);
    });

    it('Raft: X sits on a majority but is never committed, so overwriting it is safe (section 5.4.2)', () => {
      const run = runScenario('figure8', RAFT);
      expect(run.expectations.every((e) => e.held), JSON.stringify(run.expectations)).to.equal(true);
      expect(run.violations).to.deep.equal([]);
      expect(run.ok).to.equal(true);
      const last = run.steps[run.steps.length - 1]!;
      expect(last.committed.some((c) => c.includes('x#1'))).to.equal(false);
      expect(last.committed.some((c) => c.includes('y#1'))).to.equal(true);
    });

    it('Raft without the current-term rule: S1 commits X by counting replicas, and X is lost', () => {
      const run = runScenario('figure8', RAFT_WITHOUT_CURRENT_TERM_RULE);
      expect(run.safe).to.equal(false);
      expect(run.expectedSafe).to.equal(false);
      expect(run.ok).to.equal(true);
      const lost = run.violations.find((v) => v.invariant === 'Agreement');
      expect(lost, 'an Agreement violation').to.not.equal(undefined);
      expect(lost!.description).to.match(/committed entry x#1@t2\.1 is lost/);
      expect(lost!.nodes).to.include(1);
    });
  });

  describe('slot812 (crash after quorum acceptance)', () => {
    for (const policy of [PAXOS, RAFT, RAFT_WITHOUT_CURRENT_TERM_RULE]) {
      it(`${policy.name}: the next leader keeps #8841 and #8849 is refused`, () => {
        const run = runScenario('slot812', policy);
        expect(run.violations).to.deep.equal([]);
        expect(run.expectations.map((e) => e.held)).to.deep.equal([true, true, true]);
        expect(run.ok).to.equal(true);
      });
    }

    it('Raft: the node whose log lacks #8841 cannot win; the one holding it leads', () => {
      const run = runScenario('slot812', RAFT);
      expect(run.steps.some((s) => s.label.startsWith('harbor-2 leads'))).to.equal(true);
      const paxos = runScenario('slot812', PAXOS);
      expect(paxos.steps.some((s) => s.label.startsWith('harbor-3 leads'))).to.equal(true);
    });
  });

  describe('partitioned-leader (a stale leader is fenced)', () => {
    for (const policy of [PAXOS, RAFT, RAFT_WITHOUT_CURRENT_TERM_RULE]) {
      it(`${policy.name}: the stale ballot's proposal is never acknowledged nor learned`, () => {
        const run = runScenario('partitioned-leader', policy);
        expect(run.violations).to.deep.equal([]);
        expect(run.expectations.map((e) => e.held)).to.deep.equal([true, true, true, true]);
        expect(run.ok).to.equal(true);
      });
    }
  });
});
