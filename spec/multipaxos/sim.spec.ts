/**
 * Multi-Paxos in the deterministic simulator (lib/sim), `synod sim --protocol multipaxos`:
 * 500 seeds under crashes (also between a step's persist and its sends), partitions (symmetric
 * and one-way), loss, duplication and reordering; every invariant after every step; every
 * client history linearizable; after the faults stop, every command issued is committed and
 * applied. The bug zoo's variants are each caught within a bounded number of seeds.
 */
import { expect } from 'chai';
import { main } from '../../lib/cli/main';
import { multiPaxosSubject } from '../../lib/sim/multipaxos-subject';
import { simOptions } from '../../lib/sim/options';
import type { SimOptions } from '../../lib/sim/options';
import type { SimResult } from '../../lib/sim/simulator';
import { simulate } from '../../lib/sim/simulator';
import { MULTIPAXOS_MUTANTS, READ_MUTANTS } from '../../lib/zoo/multipaxos';
import { FAULTS, expectSafeUnderFaults } from '../helpers/multipaxos-sim';

/**
 * Mutants that need a schedule of their own. candidate-counts-stale-promise needs a promise to
 * a candidate's earlier ballot to arrive after the candidate campaigned again: message delays
 * longer than an election (1-100 ticks against timers every 5-10 ticks). Measured first failing
 * seeds at 3 nodes: 1, 2, 4, 6, 7 (VotesSafe); none in 200 seeds at 3 or 5 nodes under the
 * default faults.
 */
const HUNTS: Record<string, { readonly nodes: number; readonly bound: number; readonly options: Partial<SimOptions>; readonly snapshotEvery?: number }> = {
  // Needs compaction on: a snapshot every 2 slots. Measured first failing seeds: 1 at 3 nodes, 5 at 5 nodes.
  'follower-fills-hole-below-snapshot': { nodes: 5, bound: 10, options: {}, snapshotEvery: 2 },
  // Three ballots with different votes for one slot, which a random run rarely reaches (seed 37
  // is the first at 5 nodes); the checker's three-ballot rows catch it exhaustively.
  'merge-keeps-lower-ballot': { nodes: 5, bound: 40, options: {} },
  'candidate-counts-stale-promise': {
    nodes: 3,
    bound: 10,
    options: { delay: { min: 1, max: 100 }, timeout: { min: 5, max: 10 }, loss: 0.1, crashes: false, partitions: false },
  },
};

/**
 * leader-counts-stale-accepted needs three ballots on five nodes, the leader's vote overwritten
 * by a second leader's and an acceptance of its first ballot delivered in its third: random
 * schedules did not reach it (0 of 200 seeds under the default faults at 3 and 5 nodes, 0 of
 * 1,500 at 5 nodes with 1-30 tick delays, timers every 3-8 ticks, 20% loss and partitions).
 * It is caught on a directed schedule (spec/multipaxos/roles.spec.ts) and by the model checker
 * from a directed start (spec/check/multipaxos.spec.ts). The read mutants break no log
 * invariant: spec/multipaxos/reads.spec.ts hunts them with clients that read outside the log.
 */
const NOT_IN_SIMULATION = new Set(['leader-counts-stale-accepted', ...READ_MUTANTS]);

const snapshots = (hunt: { readonly snapshotEvery?: number } | undefined): { snapshotEvery?: number } =>
  hunt?.snapshotEvery === undefined ? {} : { snapshotEvery: hunt.snapshotEvery };

describe('Multi-Paxos in the simulator (synod sim --protocol multipaxos)', function () {
  this.timeout(300_000);

  for (const [nodes, seeds] of [[3, 300], [5, 200]] as const) {
    it(`${nodes} nodes, ${seeds} seeds under every fault: zero violations, linearizable histories, everything committed after the heal`, () => {
      const subject = multiPaxosSubject({ nodes });
      expectSafeUnderFaults(subject, seeds, 1200);
    });
  }

  for (const mutant of MULTIPAXOS_MUTANTS.filter((m) => !NOT_IN_SIMULATION.has(m.name))) {
    const hunt = HUNTS[mutant.name] ?? { nodes: 5, bound: 10, options: {} };
    const bound = hunt.bound;
    it(`catches ${mutant.name} within ${bound} seeds`, () => {
      const subject = multiPaxosSubject({ nodes: hunt.nodes, mutant: mutant.name, ...snapshots(hunt) });
      let caught: SimResult | null = null;
      for (let seed = 1; seed <= bound && caught === null; seed += 1) {
        const r = simulate(subject, simOptions({ seed, steps: 1500, clients: 5, commands: 100, ...FAULTS, ...hunt.options }));
        if (r.violations.length > 0) caught = r;
      }
      expect(caught, `${mutant.name} survived ${bound} seeds`).to.not.equal(null);
      expect(mutant.caughtBy).to.include(caught!.violations[0]!.invariant);
    });
  }

  for (const [name, hunt] of Object.entries(HUNTS)) {
    it(`the correct code holds every invariant on the schedule that catches ${name} (seeds 1-${hunt.bound})`, () => {
      const subject = multiPaxosSubject({ nodes: hunt.nodes, ...snapshots(hunt) });
      for (let seed = 1; seed <= hunt.bound; seed += 1) {
        const r = simulate(subject, simOptions({ seed, steps: 1500, clients: 5, commands: 100, ...FAULTS, ...hunt.options }));
        expect(r.violations.map((v) => v.invariant), `seed ${seed}`).to.deep.equal([]);
        expect(r.report?.ok, `seed ${seed}`).to.equal(true);
      }
    });
  }

  it('prints the Multi-Paxos fields in the JSON of one run, and exits 0 when everything held', async () => {
    let out = '';
    const io = { out: (s: string) => { out += s; }, err: () => undefined };
    const code = await main(
      ['sim', '--protocol', 'multipaxos', '--nodes', '5', '--clients', '8', '--commands', '2000', '--seed', '3', '--steps', '1500',
        '--loss', '0.05', '--dup', '0.05', '--partitions', '--crashes', '--json'],
      io,
    );
    const json = JSON.parse(out) as Record<string, unknown>;
    expect(code).to.equal(0);
    for (const field of ['committed', 'applied', 'acknowledged', 'elections', 'messagesPerCommand', 'linearizable']) expect(json).to.have.property(field);
    expect(json['linearizable']).to.equal(true);
    expect(json['committed']).to.be.greaterThan(0);
    expect(json['acknowledged']).to.be.at.most(json['committed'] as number);
  });

  it('exits 1 when a broken variant breaks an invariant', async () => {
    const io = { out: () => undefined, err: () => undefined };
    const code = await main(['sim', '--protocol', 'multipaxos', '--mutant', 'leader-acks-before-quorum', '--seed', '1', '--steps', '500', '--json'], io);
    expect(code).to.equal(1);
  });
});
