/**
 * What a simulated run is made of. Time is logical: a tick is the unit of message delay,
 * timers and fault durations; a step is one event the simulator carries out (a delivery, a
 * drop, a timeout, a client request, a crash, a restart, a partition or its healing). The
 * invariants are checked after every step.
 *
 * A run has two phases. Until step `healAt`, faults are on: loss, duplication, partitions
 * and crashes as configured. At `healAt` they stop for good: every partition heals, every
 * down node restarts, loss and duplication stop (delays and reordering stay, they are not
 * faults), and every client re-sends its latest command, as a client that heard nothing back
 * does. From then on the simulator measures how many ticks pass until the subject's liveness
 * goal holds, and ends the run when nothing can happen any more (nothing in flight and every
 * node's timeout changes nothing) or when the step budget is spent.
 *
 * Defaults, and why: delays of 1-5 ticks, so a ballot's two round trips take about 12 ticks;
 * timers fire every 20-60 ticks, long enough for a ballot to finish between two of them and
 * random enough that duelling proposers stop duelling; a crash about every 60 ticks and a
 * partition about every 80 while faults are on, each lasting 5-60 ticks, so most runs see a
 * few of each and a majority is usually, not always, reachable.
 */
export interface Range {
  readonly min: number;
  readonly max: number;
}

/** A partition fixed in advance: `from` cannot reach `to` (nor back, if symmetric) in [start, end). */
export interface ScheduledPartition {
  readonly start: number;
  readonly end: number;
  readonly from: readonly number[];
  readonly to: readonly number[];
  readonly symmetric: boolean;
}

/**
 * incremental: the subject's monitor after every step, `check` for the report (the default);
 * full: `check` after every step (and the monitor beside it, which must agree);
 * none: no checking (benchmarks only).
 */
export type CheckMode = 'incremental' | 'full' | 'none';

export interface SimOptions {
  readonly seed: number;
  /** The step budget. */
  readonly steps: number;
  /** The step at which faults stop; default half the budget. */
  readonly healAt: number;
  readonly delay: Range;
  /** Break ties inside a tick at random (true) or first-sent-first (false). */
  readonly reorder: boolean;
  readonly loss: number;
  readonly dup: number;
  /** Random partitions while faults are on. */
  readonly partitions: boolean;
  /**
   * Random partitions isolate one node, drawn at random, from every other node, both ways,
   * instead of cutting random sides (clients still reach every node): a leader cut off in a
   * minority of one while the others elect a new one, the Consul scenario. Default false.
   */
  readonly isolate?: boolean;
  readonly schedule: readonly ScheduledPartition[];
  /** Random crashes (and crashes between a step's persist and its sends) while faults are on. */
  readonly crashes: boolean;
  /** Mean ticks between two random crashes. */
  readonly crashEvery: number;
  /** How long a crashed node stays down, in ticks. */
  readonly down: Range;
  /** Mean ticks between two random partitions. */
  readonly partitionEvery: number;
  /** How long a random partition lasts, in ticks. */
  readonly partitionLength: Range;
  readonly timeout: Range;
  readonly clients: number;
  /**
   * The most commands a client issues. Clients issue commands until the heal, then only
   * re-send their latest: a steady workload keeps proposers busy through every fault.
   */
  readonly commands: number;
  /** Ticks between a client's commands (the first comes within `think.max` of the start). */
  readonly think: Range;
  /** Ticks before a closed-loop client re-sends an unacknowledged command. */
  readonly retry: Range;
  readonly check: CheckMode;
  /**
   * Drifting clocks: each node's timer fires at a steady period (the middle of `timeout`)
   * divided by its own rate, drawn once per run (or every `driftEvery` ticks) as 1 - drift or
   * 1 + drift (the extremes, slow or fast at random, or as `clocks` says), so a node's ticks
   * come at rate 1 +/- drift of real time (what a lease's clock-drift bound is about). Absent:
   * each gap is drawn from `timeout` on its own, with no bound on how far clocks drift apart.
   */
  readonly drift?: number;
  /**
   * With `drift`: mean ticks between two changes of clock rate while faults are on; at each
   * change every node draws its rate again (as at the start, by `clocks`). Absent: every node
   * keeps the rate drawn at the start.
   */
  readonly driftEvery?: number;
  /** How the rates are drawn (default random): see `ClockDraw`. */
  readonly clocks?: ClockDraw;
}

/**
 * random: each node's clock runs fast or slow at random; one-slow: one node's clock, drawn at
 * random, runs slow and every other node's fast (a slow leader beside fast followers is the
 * hardest case for a lease).
 */
export type ClockDraw = 'random' | 'one-slow';

export const DEFAULT_STEPS = 5000;

/** Every option but the seed, at its default (the heal at half the default budget). */
export const DEFAULTS: Omit<SimOptions, 'seed'> = {
  steps: DEFAULT_STEPS,
  healAt: Math.floor(DEFAULT_STEPS / 2),
  delay: { min: 1, max: 5 },
  reorder: true,
  loss: 0,
  dup: 0,
  partitions: false,
  schedule: [],
  crashes: false,
  crashEvery: 60,
  down: { min: 5, max: 60 },
  partitionEvery: 80,
  partitionLength: { min: 5, max: 60 },
  timeout: { min: 20, max: 60 },
  clients: 3,
  commands: 100,
  think: { min: 1, max: 40 },
  retry: { min: 20, max: 60 },
  check: 'incremental',
};

/** Options from overrides; the heal defaults to half of the budget given. Throws on bad ones. */
export function simOptions(overrides: Partial<SimOptions> & { readonly seed: number }): SimOptions {
  const steps = overrides.steps ?? DEFAULTS.steps;
  const options: SimOptions = { ...DEFAULTS, healAt: Math.floor(steps / 2), ...overrides };
  const problem = validate(options);
  if (problem !== null) throw new Error(`synod: ${problem}`);
  return options;
}

/** Why these options cannot run, or null. */
export function validate(o: SimOptions): string | null {
  const whole = (n: number, min: number): boolean => Number.isSafeInteger(n) && n >= min;
  if (!whole(o.seed, 0) || o.seed > 0xffff_ffff) return `seed must be a whole number from 0 to 4294967295, got ${o.seed}`;
  if (!whole(o.steps, 1)) return `steps must be a whole number >= 1, got ${o.steps}`;
  if (!whole(o.healAt, 0)) return `healAt must be a whole number >= 0, got ${o.healAt}`;
  for (const [name, p] of [['loss', o.loss], ['dup', o.dup]] as const) {
    if (!(p >= 0 && p <= 1)) return `${name} must be a probability from 0 to 1, got ${p}`;
  }
  for (const [name, r, min] of [['delay', o.delay, 1], ['down', o.down, 1], ['partitionLength', o.partitionLength, 1], ['timeout', o.timeout, 1], ['think', o.think, 1], ['retry', o.retry, 1]] as const) {
    if (!whole(r.min, min) || !whole(r.max, r.min) || r.max > 10_000) return `${name} must be a range of whole ticks from ${min} to 10000 with min <= max, got ${r.min}-${r.max}`;
  }
  if (!whole(o.crashEvery, 1) || !whole(o.partitionEvery, 1)) return 'crashEvery and partitionEvery must be whole ticks >= 1';
  if (o.drift !== undefined && !(o.drift >= 0 && o.drift < 1)) return `drift must be from 0 to below 1, got ${o.drift}`;
  if (o.driftEvery !== undefined && (!whole(o.driftEvery, 1) || o.drift === undefined)) return `driftEvery must be whole ticks >= 1, with drift, got ${o.driftEvery}`;
  if (o.clocks !== undefined && o.clocks !== 'random' && o.clocks !== 'one-slow') return `clocks must be random or one-slow, got ${String(o.clocks)}`;
  if (o.clocks === 'one-slow' && o.drift === undefined) return 'clocks one-slow needs drift (how far the clocks drift)';
  if (!whole(o.clients, 1) || !whole(o.commands, 1)) return `clients and commands must be whole numbers >= 1, got ${o.clients} and ${o.commands}`;
  for (const p of o.schedule) {
    if (!whole(p.start, 0) || !whole(p.end, p.start + 1)) return `a scheduled partition needs ticks start < end, got ${p.start}-${p.end}`;
    if (p.from.length === 0 || p.to.length === 0) return 'a scheduled partition needs nodes on both sides';
  }
  return null;
}
