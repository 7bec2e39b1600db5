/**
 * Experiment 7 (docs/exploring.md): a property test with fast-check over random schedules.
 * Question: instead of scripting one interleaving, state what must hold after any schedule
 * (deliveries in any order, losses, timeouts, crashes) and let fast-check look for one that
 * breaks it. Does it find a real bug, and what does its shrunk counterexample look like?
 */
import { expect } from 'chai';
import fc from 'fast-check';
import type { paxos } from '../../lib/index';
import { paxosMutant } from '../../lib/zoo/index';
import { A, B, harbor } from './harbor';

type Action =
  | { readonly kind: 'deliver'; readonly pick: number }
  | { readonly kind: 'lose'; readonly pick: number }
  | { readonly kind: 'timeout'; readonly node: 2 | 3 }
  | { readonly kind: 'crash-and-restart'; readonly node: 1 | 2 | 3 };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 6, arbitrary: fc.nat(20).map((pick) => ({ kind: 'deliver', pick }) as const) },
  { weight: 1, arbitrary: fc.nat(20).map((pick) => ({ kind: 'lose', pick }) as const) },
  { weight: 1, arbitrary: fc.constantFrom(2 as const, 3 as const).map((node) => ({ kind: 'timeout', node }) as const) },
  { weight: 1, arbitrary: fc.constantFrom(1 as const, 2 as const, 3 as const).map((node) => ({ kind: 'crash-and-restart', node }) as const) },
);

/** Both terminals propose, then the schedule plays; returns the invariants' verdicts and what was learned. */
function play(schedule: readonly Action[], roles?: paxos.Roles<string>): { violations: string[]; learned: (string | null)[] } {
  const h = harbor(roles === undefined ? {} : { roles });
  h.propose(2, A);
  h.propose(3, B);
  for (const a of schedule) {
    const inFlight = h.cluster.inFlight;
    switch (a.kind) {
      case 'deliver': {
        const m = inFlight[a.pick % Math.max(1, inFlight.length)];
        if (m !== undefined) h.cluster.deliver((x) => x === m);
        break;
      }
      case 'lose': {
        const m = inFlight[a.pick % Math.max(1, inFlight.length)];
        if (m !== undefined) h.cluster.drop((x) => x === m);
        break;
      }
      case 'timeout':
        h.cluster.timeout(a.node);
        break;
      case 'crash-and-restart':
        h.cluster.crash(a.node);
        h.cluster.restart(a.node);
        break;
    }
  }
  return { violations: h.violations.map((v) => v.violation.invariant), learned: h.learned() };
}

const schedules = fc.array(action, { minLength: 1, maxLength: 60, size: 'max' });

describe('explore 7: a property test over random schedules', () => {
  it('the real roles: after 300 random schedules, every invariant held and no two nodes learned different bookings', () => {
    let somethingLearned = 0;
    fc.assert(
      fc.property(schedules, (schedule) => {
        const r = play(schedule);
        if (r.learned.some((v) => v !== null)) somethingLearned += 1;
        return r.violations.length === 0 && new Set(r.learned.filter((v) => v !== null)).size <= 1;
      }),
      { seed: 812, numRuns: 300 },
    );
    // Not vacuous: many of those schedules did choose a booking.
    expect(somethingLearned).to.be.greaterThan(30);
  });

  it("a proposer that ignores the values in its promises: fast-check finds a schedule that breaks it, and shrinks it", () => {
    const roles = paxosMutant('proposer-ignores-promised-values')!.roles<string>();
    const result = fc.check(fc.property(schedules, (schedule) => play(schedule, roles).violations.length === 0), { seed: 812, numRuns: 1000 });
    expect(result.failed).to.equal(true);
    const [shrunk] = result.counterexample!;
    const replayed = play(shrunk, roles);
    // VotesSafe sees it first: a vote for #8849 while #8841 may still be chosen, before anything is chosen twice.
    expect(replayed.violations[0]).to.equal('VotesSafe');
    // The shrunk schedule is short enough to read action by action.
    expect(shrunk.length).to.be.at.most(30);
    if (process.env['SYNOD_EXPLORE_SHOW'] !== undefined) console.log(JSON.stringify(shrunk));
  });
});
