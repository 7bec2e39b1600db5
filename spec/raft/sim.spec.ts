/**
 * Multi-Paxos under Raft's leader rules in the deterministic simulator: 500 seeds (300 at three
 * nodes, 200 at five) under crashes (also between a step's persist and its sends), partitions,
 * loss, duplication and reordering, with the learned-based invariants (lib/raft/learned.ts)
 * after every step, linearizable client histories, and every command committed after the heal.
 */
import { expect } from 'chai';
import { multiPaxosSubject } from '../../lib/sim/multipaxos-subject';
import { RAFT } from '../../lib/raft/policy';
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
});
