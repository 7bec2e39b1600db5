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

/**
 * Leases under drifting clocks: the Consul scenario with clocks that keep the lease's promise
 * only within the drift bound. One node at a time, drawn at random, is cut off from every other
 * node for 100-200 ticks (clients still reach it: a leader cut off keeps answering them), and a
 * new isolation follows soon after the last heals; one clock, drawn at random, runs slow
 * (rate 1 - drift) beside fast ones (1 + drift), and every ~150 ticks the draw is made again,
 * so a leader elected while its clock ran fast can run slow beside fast followers; timers every
 * 5-10 ticks, clients that retry every 5-15 and think 1-5; 5% loss and duplication, no crashes.
 * 4,000 steps, the faults stop at step 2,000. Why each: spec/sim/lease.spec.ts.
 */
export function leaseDrift(seed: number, drift: number, overrides: Partial<SimOptions> = {}): SimOptions {
  return simOptions({
    seed,
    steps: 4000,
    clients: 4,
    commands: 100,
    loss: 0.05,
    dup: 0.05,
    partitions: true,
    isolate: true,
    partitionEvery: 20,
    partitionLength: { min: 100, max: 200 },
    crashes: false,
    timeout: { min: 5, max: 10 },
    retry: { min: 5, max: 15 },
    think: { min: 1, max: 5 },
    drift,
    clocks: 'one-slow',
    driftEvery: 150,
    ...overrides,
  });
}
