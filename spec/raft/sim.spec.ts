/**
 * Raft (lib/raft) in the deterministic simulator, `synod sim --protocol raft`: 500 seeds (300
 * at three servers, 200 at five) under crashes (also between a step's persist and its sends),
 * partitions, loss, duplication and reordering, with Raft's invariants after every step,
 * linearizable client histories, and every command committed after the heal; the Raft zoo's
 * mutants that random schedules reach, each caught within a pinned number of seeds.
 */
import { expect } from 'chai';
import { raftSubject } from '../../lib/sim/raft-subject';
import { simOptions } from '../../lib/sim/options';
import type { SimResult } from '../../lib/sim/simulator';
import { simulate } from '../../lib/sim/simulator';
import { RAFT_MUTANTS } from '../../lib/zoo/raft';
import { run } from '../helpers/cli';
import { FAULTS, expectSafeUnderFaults } from '../helpers/multipaxos-sim';

/**
 * The first seed (1200 steps, 4 clients, every fault) at which the simulator catches each
 * mutant. Figure 8 needs a leader to replicate an older term's entry to a majority before its
 * own no-op, and a rival with a later last term to win right after; random schedules did not
 * produce that in 300 seeds at three or five servers, so the model checker's directed search
 * catches it (spec/raft/check.spec.ts), not this.
 */
const FIRST_SEED: Readonly<Record<string, number | null>> = {
  'figure8-commit-by-counting': null,
  'vote-without-up-to-date-check': 1,
  'vote-not-persisted': 43,
  'follower-keeps-conflicting-suffix': 43,
};

describe('Raft in the simulator (synod sim --protocol raft)', function () {
  this.timeout(300_000);

  for (const [nodes, seeds] of [[3, 300], [5, 200]] as const) {
    it(`${nodes} servers, ${seeds} seeds under every fault: zero violations, linearizable histories, everything committed after the heal`, () => {
      expectSafeUnderFaults(raftSubject({ nodes }), seeds, 1200);
    });
  }

  for (const mutant of RAFT_MUTANTS) {
    const first = FIRST_SEED[mutant.name];
    if (first === null || first === undefined) continue;
    it(`catches ${mutant.name} at seed ${first}, by ${mutant.caughtBy.join(' / ')}`, () => {
      const subject = raftSubject({ nodes: 3, mutant: mutant.name });
      let caught: SimResult | null = null;
      let seed = 1;
      for (; seed <= first && caught === null; seed += 1) {
        const r = simulate(subject, simOptions({ seed, steps: 1200, clients: 4, commands: 100, ...FAULTS }));
        if (r.violations.length > 0) caught = r;
      }
      expect(caught, `${mutant.name} survived ${first} seeds`).to.not.equal(null);
      expect(caught!.seed).to.equal(first);
      expect(mutant.caughtBy).to.include(caught!.violations[0]!.invariant);
    });
  }

  it('synod sim --protocol raft runs a seed range and exits 0; a mutant exits 1; --policy is refused', async () => {
    const ok = await run('sim', '--protocol', 'raft', '--nodes', '3', '--seeds', '1-10', '--steps', '800', '--loss', '0.05', '--dup', '0.05', '--partitions', '--crashes');
    expect(ok.code, ok.out).to.equal(0);
    expect(ok.out).to.match(/^raft, 3 nodes, seeds 1-10: 10 runs/m);
    const broken = await run('sim', '--protocol', 'raft', '--mutant', 'vote-without-up-to-date-check', '--seeds', '1-10', '--steps', '1200', '--loss', '0.05', '--dup', '0.05', '--partitions', '--crashes');
    expect(broken.code).to.equal(1);
    expect(broken.out).to.match(/FAILED seed \d+: (LeaderCompleteness|StateMachineSafety|Agreement|ChosenIsStable)/);
    const policy = await run('sim', '--protocol', 'raft', '--policy', 'raft');
    expect(policy.code).to.equal(2);
  });
});
