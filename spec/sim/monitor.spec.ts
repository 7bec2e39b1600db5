/**
 * The incremental monitor (lib/sim/paxos-monitor.ts) must answer exactly what the definition
 * (`checkPaxos`, lib/invariants) answers, after every step. In `check: 'full'` mode the
 * simulator runs both after every step and throws on the first disagreement, so these runs
 * are the cross-check: the real roles (where both must say "holds" throughout) and every
 * mutant of the bug zoo (where both must flip to "fails" on the same step).
 */
import { expect } from 'chai';
import { PAXOS_MUTANTS } from '../../lib/zoo/paxos';
import { singleDecree } from '../../lib/sim/registry';
import { simulate } from '../../lib/sim/simulator';
import { chosenByVotes } from '../../lib/invariants/voting';
import { slotView } from '../../lib/invariants/paxos';
import { countChosen } from '../../lib/sim/paxos-monitor';
import type { PaxosSubject } from '../../lib/sim/paxos-subject';
import { paxosConfig } from '../../lib/sim/paxos-subject';
import { allFaults, contention } from '../../lib/sim/profiles';

describe('sim: the incremental monitor agrees with checkPaxos after every step', () => {
  for (const [nodes, seeds] of [[3, 100], [5, 60]] as const) {
    it(`real roles, ${nodes} nodes, ${seeds} seeds`, () => {
      const subject = singleDecree.build({ nodes });
      let steps = 0;
      for (let seed = 1; seed <= seeds; seed += 1) {
        const r = simulate(subject, allFaults(seed, { steps: 300, check: 'full' }));
        expect(r.violations).to.deep.equal([]);
        steps += r.stepsRun;
      }
      expect(steps).to.be.greaterThan(seeds * 50);
    });
  }

  for (const mutant of PAXOS_MUTANTS) {
    it(`${mutant.name}: both flip on the same step`, () => {
      const subject = singleDecree.build({ nodes: 3, mutant: mutant.name });
      let failing = 0;
      for (let seed = 1; seed <= 25; seed += 1) {
        const r = simulate(subject, contention(seed, { steps: 300, check: 'full' }));
        if (r.violations.length > 0) failing += 1;
        // The incremental mode (monitor first, definition for the report) stops at the same step.
        const fast = simulate(subject, contention(seed, { steps: 300 }));
        expect(fast).to.deep.equal(r);
      }
      if (mutant.name !== 'learner-mixes-ballots' && mutant.name !== 'proposer-picks-lowest-accepted-ballot') {
        expect(failing, 'the comparison saw failing snapshots too').to.be.greaterThan(0);
      }
    });
  }

  it('countChosen (read at the heal and the end of every run) counts what chosenByVotes counts', () => {
    let compared = 0;
    let nonZero = 0;
    for (const mutant of [undefined, 'ballots-not-unique-across-proposers', 'non-intersecting-quorums']) {
      const base = singleDecree.build({ nodes: 3, ...(mutant === undefined ? {} : { mutant }) }) as PaxosSubject;
      const config = paxosConfig({ nodes: 3, ...(mutant === 'non-intersecting-quorums' ? { quorums: { phase1: 1, phase2: 2 } } : {}) });
      const subject: PaxosSubject = {
        ...base,
        chosen: (snap) => {
          const definition = chosenByVotes(slotView({ config, nodes: snap.nodes, messages: snap.messages, proposed: snap.commands })).length;
          expect(countChosen(snap.messages, config.quorums.phase2)).to.equal(definition);
          compared += 1;
          if (definition > 0) nonZero += 1;
          return base.chosen(snap);
        },
      };
      for (let seed = 1; seed <= 40; seed += 1) simulate(subject, contention(seed, { check: 'none' }));
    }
    // Read twice a run: when the faults stop and at the end.
    expect(compared).to.equal(240);
    expect(nonZero).to.be.greaterThan(200);
  });

  it('check none runs the same schedule without looking', () => {
    const subject = singleDecree.build({ nodes: 3, mutant: 'proposer-ignores-promised-values' });
    const checked = simulate(subject, contention(1));
    const blind = simulate(subject, contention(1, { check: 'none' }));
    expect(checked.violations.length).to.be.greaterThan(0);
    expect(blind.violations).to.deep.equal([]);
    expect(blind.stepsRun).to.be.greaterThan(checked.stepsRun);
  });
});
