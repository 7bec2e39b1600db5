/**
 * Named schedules for the simulator: the specs and the benchmark run these, each saying which
 * it uses and why.
 */
import type { SimOptions } from './options';
import { simOptions } from './options';

/**
 * Every fault at once: 10% loss, 5% duplication, random symmetric and one-way partitions,
 * crashes (half of them between a step's persist and its sends), random delays and
 * reordering; 3 clients with up to 10 commands each. 1,000 steps: the faults stop at step 500
 * (or earlier once the cluster is quiet), the rest is for the cluster to decide.
 */
export function allFaults(seed: number, overrides: Partial<SimOptions> = {}): SimOptions {
  return simOptions({
    seed,
    steps: 1000,
    loss: 0.1,
    dup: 0.05,
    partitions: true,
    crashes: true,
    commands: 10,
    think: { min: 1, max: 20 },
    ...overrides,
  });
}

/**
 * Contention: proposers time out every 5-20 ticks, about as long as a ballot takes, so
 * ballots overtake each other constantly and promises report values from several ballots.
 * The bugs that need a proposer to weigh two earlier votes show here first.
 */
export function contention(seed: number, overrides: Partial<SimOptions> = {}): SimOptions {
  return allFaults(seed, { loss: 0.2, timeout: { min: 5, max: 20 }, ...overrides });
}
