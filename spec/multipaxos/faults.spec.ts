/**
 * Multi-Paxos under every fault at once: crashes (also between a step's persist and its
 * sends), partitions, loss, duplication and reordering, on seeded runs of the test world
 * (./world.ts). Every invariant is checked after every step; every client history must be
 * linearizable; once the faults stop, commands must commit again. The bug zoo's variants must
 * each be caught within a bounded number of seeds.
 */
import { expect } from 'chai';
import { MULTIPAXOS_MUTANTS } from '../../lib/zoo/multipaxos';
import type { WorldOptions, WorldResult } from './world';
import { DEFAULT_WORLD, runWorld } from './world';

function describeFailure(r: WorldResult): string {
  const v = r.violations[0];
  if (v !== undefined) return `seed ${r.seed}: ${v.invariant}: ${v.description}`;
  if (r.linearizable !== true) return `seed ${r.seed}: history not linearizable (${String(r.linearizable)})`;
  return `seed ${r.seed}: ${r.probesAcknowledged} of ${r.probes} commands after healing acknowledged`;
}

describe('Multi-Paxos under crashes, partitions, loss, duplication and reordering', function () {
  this.timeout(300_000);

  const runs: [string, Partial<WorldOptions>, number][] = [
    ['3 nodes, 3 clients, batching off', { nodes: 3, batch: 1 }, 250],
    ['3 nodes, 3 clients, batches of 4', { nodes: 3, batch: 4 }, 150],
    ['5 nodes, 4 clients, heavier loss', { nodes: 5, clients: 4, loss: 0.1, dup: 0.1 }, 100],
  ];

  for (const [label, options, seeds] of runs) {
    it(`${label}: ${seeds} seeds, zero violations, every history linearizable, commands commit after the faults stop`, () => {
      const failures: string[] = [];
      let crashes = 0;
      let partitions = 0;
      let elections = 0;
      let committed = 0;
      let infos = 0;
      for (let seed = 1; seed <= seeds; seed += 1) {
        const r = runWorld({ ...DEFAULT_WORLD, ...options, seed });
        crashes += r.crashes;
        partitions += r.partitions;
        elections += r.elections;
        committed += r.committed;
        infos += r.history.filter((h) => h.type === 'info').length;
        const ok = r.violations.length === 0 && r.linearizable === true && r.probes > 0 && r.probesAcknowledged === r.probes;
        if (!ok) failures.push(describeFailure(r));
        expect(r.acknowledged, `seed ${seed}: acknowledged <= committed`).to.be.at.most(r.committed);
      }
      expect(failures).to.deep.equal([]);
      // The faults really happened, and so did the work: the runs are not vacuous.
      expect(crashes, 'crashes').to.be.greaterThan(seeds);
      expect(partitions, 'partitions').to.be.greaterThan(seeds);
      expect(elections, 'elections').to.be.greaterThan(2 * seeds);
      expect(committed, 'commands committed').to.be.greaterThan(10 * seeds);
      expect(infos, 'some operations timed out (info) and were checked as such').to.be.greaterThan(0);
    });
  }

  const hunts: [string, Partial<WorldOptions>, number][] = [
    ['leader-acks-before-quorum', {}, 3],
    ['new-leader-skips-merge', { clients: 8, commands: 10, loss: 0.15 }, 10],
    ['follower-applies-unchosen-entry', { nodes: 5, clients: 8, commands: 10, loss: 0.15 }, 20],
  ];
  for (const [name, options, bound] of hunts) {
    const mutant = MULTIPAXOS_MUTANTS.find((m) => m.name === name)!;
    it(`catches ${name} within ${bound} seeds (${mutant.caughtBy.join(' / ')})`, () => {
      let caught: WorldResult | null = null;
      for (let seed = 1; seed <= bound && caught === null; seed += 1) {
        const r = runWorld({ ...DEFAULT_WORLD, ...options, seed, handlers: mutant.handlers() });
        if (r.violations.length > 0) caught = r;
      }
      expect(caught, `${name} survived ${bound} seeds`).to.not.equal(null);
      expect(mutant.caughtBy).to.include(caught!.violations[0]!.invariant);
    });
  }
});
