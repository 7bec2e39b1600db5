/**
 * Finds, for each single-decree mutant of the bug zoo, the smallest configuration at which the
 * model checker catches it, and checks that the correct roles pass that configuration. Its
 * output is what lib/zoo/paxos.ts records as each mutant's `smallest`.
 *
 * "Smallest": the fewest acceptors + proposers + values + rounds + timers + crashes +
 * learners (a sum over the configuration's dimensions), ties broken by the fewer states the
 * mutant's run visits. Candidates: 1-3 acceptors (3 for a mutant that fixes its quorum sizes
 * for three), 1-2 proposers, 1-2 values, rounds 1-3, 1-2 timers when there are retries, 0-1
 * crashes, 0-1 learners, the set network, each proposer handed its own value, and a network
 * that loses rejections and acceptances, or only rejections, or nothing (a lossy network only
 * removes runs, so a counterexample found with one is a real run; it keeps long
 * counterexamples within reach). A candidate that visits more than 300,000 states without a
 * violation is given up.
 *
 *   npx ts-node --transpile-only proofs/zoo-search.ts [mutant ...]
 */
import type { MessageType } from '../lib/paxos/messages';
import type { PaxosSmallestConfig } from '../lib/zoo/paxos';
import { PAXOS_MUTANTS } from '../lib/zoo/paxos';
import { checkSingleDecreeOrThrow } from '../lib/check/report';

const LIMIT = 300_000;
const LOSSES: readonly (readonly MessageType[])[] = [['rejected', 'accepted'], ['rejected'], []];

function size(c: PaxosSmallestConfig): number {
  return c.acceptors + c.proposers + c.values + c.maxRound + c.timers + c.crashes + c.learners;
}

function candidates(fixedQuorums: boolean): PaxosSmallestConfig[] {
  const out: PaxosSmallestConfig[] = [];
  for (const acceptors of fixedQuorums ? [3] : [1, 2, 3])
    for (const proposers of [1, 2])
      for (const values of [1, 2])
        for (const maxRound of [1, 2, 3])
          for (const timers of maxRound === 1 ? [0] : [1, 2].filter((t) => t <= proposers))
            for (const crashes of [0, 1])
              for (const learners of [0, 1])
                for (const lose of LOSSES) out.push({ acceptors, proposers, values, maxRound, timers, network: 'set', crashes, learners, assign: 'own', lose });
  return out.sort((a, b) => size(a) - size(b));
}

const only = process.argv.slice(2);
for (const mutant of PAXOS_MUTANTS.filter((m) => only.length === 0 || only.includes(m.name))) {
  let best: { config: PaxosSmallestConfig; states: number; length: number; size: number } | null = null;
  for (const config of candidates(mutant.quorums !== undefined)) {
    if (best !== null && size(config) > best.size) break;
    const r = checkSingleDecreeOrThrow({ ...config, mutant: mutant.name }, { maxStates: LIMIT });
    const v = r.violations[0];
    if (v === undefined) continue;
    if (best === null || r.states < best.states) best = { config, states: r.states, length: v.length, size: size(config) };
  }
  if (best === null) {
    console.log(`${mutant.name}: NOT CAUGHT in any candidate configuration`);
    continue;
  }
  const control = checkSingleDecreeOrThrow(best.config, {});
  console.log(`${mutant.name}: ${JSON.stringify(best.config)} caught after ${best.states} states, trace ${best.length}; correct code: ${control.violations.length === 0 ? 'passes' : 'FAILS'} (${control.states} states, complete ${control.complete})`);
}
