/**
 * Multi-Paxos under Raft's leader rules in the deterministic simulator: 500 seeds (300 at three
 * nodes, 200 at five) under crashes (also between a step's persist and its sends), partitions,
 * loss, duplication and reordering, with the learned-based invariants (lib/raft/learned.ts)
 * after every step, linearizable client histories, and every command committed after the heal.
 */
import { expect } from 'chai';
import { multiPaxosSubject } from '../../lib/sim/multipaxos-subject';
import { RAFT } from '../../lib/raft/policy';
import { run } from '../helpers/cli';
import { expectSafeUnderFaults } from '../helpers/multipaxos-sim';

describe('Multi-Paxos under the Raft leader policy in the simulator (synod sim --policy raft)', function () {
  this.timeout(300_000);

  for (const [nodes, seeds] of [[3, 300], [5, 200]] as const) {
    it(`${nodes} nodes, ${seeds} seeds under every fault: zero violations, linearizable histories, everything committed after the heal`, () => {
      const raft = multiPaxosSubject({ nodes, policy: RAFT });
      // Counts learned entries that carry their original term: the Raft rules are really in force.
      let termed = 0;
      const subject: typeof raft = {
        ...raft,
        stage(node, effect) {
          if (effect.type === 'chosen' && effect.value.term !== undefined) termed += 1;
          return raft.stage!(node, effect);
        },
      };
      expectSafeUnderFaults(subject, seeds, 2000);
      expect(termed, 'learned entries stamped with a term').to.be.greaterThan(10 * seeds);
    });
  }

  it('synod sim --protocol multipaxos --policy raft runs a seed range and exits 0; a bad policy exits 2', async () => {
    const ok = await run('sim', '--protocol', 'multipaxos', '--policy', 'raft', '--nodes', '3', '--seeds', '1-10', '--steps', '800', '--loss', '0.05', '--dup', '0.05', '--partitions', '--crashes');
    expect(ok.code, ok.out).to.equal(0);
    expect(ok.out).to.match(/^multipaxos \(policy raft\), 3 nodes, seeds 1-10: 10 runs/m);
    const bad = await run('sim', '--protocol', 'multipaxos', '--policy', 'zab');
    expect(bad).to.deep.equal({ code: 2, out: '', err: "synod: --policy must be one of paxos, raft, raft-without-current-term-rule, got 'zab'\n" });
    const single = await run('sim', '--protocol', 'single-decree', '--policy', 'raft');
    expect(single.code).to.equal(2);
    expect(single.err).to.match(/--policy applies to a protocol with a leader layer/);
  });
});
