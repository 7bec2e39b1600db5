/**
 * The deterministic simulator: one seed, one schedule, every invariant after every step.
 *
 * Models: FoundationDB's simulation (everything that can go wrong is an event drawn from one
 * seeded generator), TigerBeetle's VOPR (logical ticks, a run replayed exactly from its seed)
 * and etcd raft's test network (drops, duplicates, partitions between node pairs).
 *
 * The simulator drives a `Subject` (./subject.ts) and nothing else: it calls the protocol's
 * step functions, makes each step's persists durable, then puts its sends on the network;
 * it knows no message type, no role and no invariant by name. All randomness comes from one
 * SplitMix32 generator (lib/harness/random.ts) seeded by the run's seed: no `Math.random`,
 * no clock. Every draw happens in an order fixed by the seed, so the same seed and options
 * give the same run, the same result and the same trace, byte for byte.
 *
 * The network: a message sent at tick t is lost with probability `loss` (while faults are
 * on), or cut by a partition, or delivered at t + delay (delay uniform in `delay`), and with
 * probability `dup` a second copy with its own delay follows it. Messages meeting in a tick
 * are delivered in an order drawn from the seed (`reorder`), so reordering comes from random
 * delays and random tie-breaks. A partition cuts directed links: a symmetric one both ways
 * between two groups, a one-way one only from the first group to the second. A message is
 * lost if its link is cut when it is sent or when it arrives. A node's message to itself
 * crosses no link, so no partition cuts it.
 *
 * Partitions drawn at random cut random sides, or with `isolate` one node at a time from all
 * the others. Drifting clocks (`drift`) tick at a steady rate each, drawn again every
 * `driftEvery` ticks while faults are on, if given.
 *
 * Crashes: a crashed node's volatile state is gone at once; it comes back, after a random
 * time, as `recover(durable record)`. Half of the random crashes happen between steps; the
 * other half arm the node to die inside its next step that persists something: after the
 * persist is durable and before any of that step's sends leave (the reason a promise must be
 * on disk before it is sent). Messages to a down node are lost; its timers stop.
 */
import { Random } from '../core/random';
import type { Violation } from '../invariants/voting';
import type { NodeId } from '../core/types';
import { assertNever } from '../core/types';
import type { Addressed } from '../core/protocol';
import type { ScheduledPartition, SimOptions } from './options';
import { EventQueue } from './queue';
import type { Journal, Monitor, Snapshot, StageName, Subject, SubjectReport } from './subject';
import type { DropReason, TraceEvent, TraceSink } from './trace';

/** Ticks are `key / TICK`: 2^21 tie-breaks per tick, ticks up to 2^32, keys exact doubles. */
const TICK = 0x20_0000;
const TIE_MASK = TICK - 1;

type Pending<M> =
  | { readonly kind: 'deliver'; readonly message: M }
  | { readonly kind: 'timer'; readonly node: number; readonly epoch: number }
  | { readonly kind: 'request'; readonly client: number; readonly k: number; readonly retry: boolean }
  | { readonly kind: 'crash' }
  | { readonly kind: 'restart'; readonly node: number }
  | { readonly kind: 'partition' }
  | { readonly kind: 'partition-start'; readonly spec: ScheduledPartition }
  | { readonly kind: 'partition-end'; readonly id: number }
  | { readonly kind: 'clock' };

/**
 * Why a run ended: a violation; the step budget spent ('step-limit'); nothing left that could
 * change anything ('quiescent', 'empty'); or the driver asked it to stop ('interrupted', SIGINT).
 */
export type EndedBy = 'violation' | 'step-limit' | 'quiescent' | 'empty' | 'interrupted';

/**
 * How a driver watches and stops a long run (the CLI's progress bar and SIGINT): `progress`
 * is called every `every` steps (default 4096) with the steps run and the budget; `stop` is
 * read before every step, and a run told to stop ends there, with `endedBy: 'interrupted'`.
 */
export interface RunControl {
  readonly every?: number;
  progress?(step: number, budget: number): void;
  stop?(): boolean;
}

export interface SimViolation extends Violation {
  readonly seed: number;
  readonly step: number;
  readonly tick: number;
}

export interface SimStats {
  delivered: number;
  dropped: number;
  duplicated: number;
  crashes: number;
  restarts: number;
  partitions: number;
  timeouts: number;
  requests: number;
  commands: number;
  /** Commands acknowledged to their clients (closed-loop subjects only). */
  acks: number;
  sent: number;
  stages: Record<StageName, number>;
}

export interface SimResult {
  readonly seed: number;
  readonly protocol: string;
  readonly nodes: number;
  /** The step budget. */
  readonly steps: number;
  readonly stepsRun: number;
  readonly ticks: number;
  readonly stats: SimStats;
  /** Slots chosen (Voting.tla's sense) at the end. */
  readonly chosen: number;
  /** Slots some node has learned at the end. */
  readonly decided: number;
  /** When faults stopped, or null if the run ended first. */
  readonly healed: { readonly step: number; readonly tick: number } | null;
  /** Ticks from the heal until the liveness goal held (0: it held already); null if it never did. */
  readonly ticksToChosenAfterHeal: number | null;
  /** Slots chosen (Voting.tla's sense) when the faults stopped; null if they never did. */
  readonly chosenAtHeal: number | null;
  readonly endedBy: EndedBy;
  readonly violations: readonly SimViolation[];
  /** The subject's journal report (Multi-Paxos: counters and the history's linearizability), if it keeps one. */
  readonly report?: SubjectReport;
}

/** Runs one seed. `trace`, when given, receives every event. */
export function simulate<S, M extends Addressed, E, D, C>(
  subject: Subject<S, M, E, D, C>,
  options: SimOptions,
  trace: TraceSink | null = null,
  control: RunControl = {},
): SimResult {
  return new Simulation(subject, options, trace).run(control);
}

/**
 * `simulate`, yielding to the event loop every `chunk` steps, so that a driver's SIGINT handler
 * runs during a long run and its `stop` can end the run there. The same seed gives the same
 * result as `simulate`: yielding changes nothing the run reads.
 */
export function simulateAsync<S, M extends Addressed, E, D, C>(
  subject: Subject<S, M, E, D, C>,
  options: SimOptions,
  trace: TraceSink | null = null,
  control: RunControl = {},
  chunk = 2048,
): Promise<SimResult> {
  return new Simulation(subject, options, trace).runAsync(control, chunk);
}

function emptyStats(): SimStats {
  return {
    delivered: 0,
    dropped: 0,
    duplicated: 0,
    crashes: 0,
    restarts: 0,
    partitions: 0,
    timeouts: 0,
    requests: 0,
    commands: 0,
    acks: 0,
    sent: 0,
    stages: { proposed: 0, 'quorum-acknowledged': 0, chosen: 0, applied: 0 },
  };
}

class Simulation<S, M extends Addressed, E, D, C> {
  private readonly rng: Random;
  private readonly ids: readonly NodeId[];
  private readonly index: number[] = [];
  private readonly n: number;
  private readonly states: S[];
  private readonly durable: (D | undefined)[];
  private readonly up: boolean[];
  private readonly epoch: number[];
  /** The node's last input was a timeout that changed nothing, and nothing has changed it since. */
  private readonly idle: boolean[];
  /** Armed to crash inside its next step that persists. */
  private readonly armed: boolean[];
  /** Drifting clocks (`options.drift`): each node's period in ticks, and when its next tick is due (exact). */
  private readonly period: number[] | null;
  /** The period at rate 1 (the middle of `timeout`), which the drifting clocks' rates divide. */
  private readonly basePeriod: number;
  private readonly due: number[];
  /** How many active partitions cut the directed link from -> to (index from * n + to). */
  private readonly cut: Int32Array;
  private readonly partitionLinks = new Map<number, number[]>();
  private nextPartitionId = 1;
  private readonly queue = new EventQueue<Pending<M>>();
  private seq = 0;
  private now = 0;
  private step = 0;
  private faultsOn = true;
  private healed: { step: number; tick: number } | null = null;
  private settledTick: number | null = null;
  private chosenAtHeal: number | null = null;
  private pendingDeliveries = 0;
  private pendingRequests = 0;
  /** Per client: its latest command (-1 before the first), and whether a node acknowledged it. */
  private readonly lastCommand: number[];
  private readonly acknowledged: boolean[];
  /** Clients wait for acknowledgements and retry (the subject says which effect acknowledges). */
  private readonly closedLoop: boolean;
  private readonly messages: M[] = [];
  private readonly commands: C[] = [];
  private readonly observed: { node: NodeId; effect: E }[] = [];
  private readonly snapshot: Snapshot<S, M, E, C>;
  private readonly monitor: Monitor<S, M, E, C> | null;
  private readonly journal: Journal<S, E, C> | null;
  private readonly stats = emptyStats();
  private violations: SimViolation[] = [];

  constructor(
    private readonly subject: Subject<S, M, E, D, C>,
    private readonly options: SimOptions,
    private readonly trace: TraceSink | null,
  ) {
    // Mix the seed once, so neighbouring seeds start far apart in SplitMix32's sequence.
    this.rng = new Random(new Random(options.seed).nextUint32());
    const protocol = subject.protocol;
    this.ids = protocol.nodes;
    this.n = this.ids.length;
    this.ids.forEach((id, i) => {
      this.index[id] = i;
    });
    this.states = this.ids.map((id) => protocol.init(id));
    this.durable = this.ids.map(() => undefined);
    this.up = this.ids.map(() => true);
    this.epoch = this.ids.map(() => 0);
    this.idle = this.ids.map(() => false);
    this.armed = this.ids.map(() => false);
    const drift = options.drift;
    const base = (options.timeout.min + options.timeout.max) / 2;
    // The extremes of the bound, fast or slow at random (or one slow beside fast ones: `clocks`):
    // a lease must hold for any clocks within it, and a slow leader beside fast followers is the
    // hardest case.
    this.basePeriod = base;
    this.period = drift === undefined ? null : this.drawPeriods(drift);
    this.due = this.ids.map(() => 0);
    this.cut = new Int32Array(this.n * this.n);
    this.lastCommand = Array.from({ length: options.clients }, () => -1);
    this.acknowledged = Array.from({ length: options.clients }, () => false);
    this.closedLoop = subject.acked !== undefined;
    this.snapshot = { nodes: this.states, messages: this.messages, commands: this.commands, observed: this.observed };
    this.monitor = options.check === 'none' || subject.monitor === undefined ? null : subject.monitor();
    this.journal = subject.journal?.() ?? null;
    if (this.monitor !== null) this.states.forEach((s, i) => this.monitor!.state(i, s));
  }

  run(control: RunControl = {}): SimResult {
    this.start();
    let ended: EndedBy | null = null;
    while (ended === null) ended = this.advance(control, Number.POSITIVE_INFINITY);
    return this.result(ended);
  }

  /** The same run, giving the event loop a turn every `chunk` steps (so that SIGINT can be heard). */
  async runAsync(control: RunControl, chunk: number): Promise<SimResult> {
    this.start();
    let ended: EndedBy | null = null;
    while (ended === null) {
      ended = this.advance(control, this.step + chunk);
      if (ended === null) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return this.result(ended);
  }

  private reported = 0;

  /** Runs steps until the run ends (its reason) or `pause` steps have run (null). */
  private advance(control: RunControl, pause: number): EndedBy | null {
    const every = control.every ?? 4096;
    while (this.step < this.options.steps) {
      if (this.step >= pause) return null;
      if (control.stop?.() === true) return 'interrupted';
      if (control.progress !== undefined && this.step - this.reported >= every) {
        this.reported = this.step;
        control.progress(this.step, this.options.steps);
      }
      if (this.healed === null && (this.step >= this.options.healAt || this.quiet())) {
        this.heal();
      } else {
        if (this.queue.size === 0) return 'empty';
        const key = this.queue.peekKey();
        const event = this.queue.pop();
        this.now = Math.floor(key / TICK);
        if (!this.process(event)) continue;
      }
      this.step += 1;
      if (this.checkInvariants()) return 'violation';
      if (this.healed !== null && this.afterHeal()) return 'quiescent';
    }
    return 'step-limit';
  }

  private result(endedBy: EndedBy): SimResult {
    const healed = this.healed;
    return {
      seed: this.options.seed,
      protocol: this.subject.protocol.name,
      nodes: this.n,
      steps: this.options.steps,
      stepsRun: this.step,
      ticks: this.now,
      stats: this.stats,
      chosen: this.subject.chosen(this.snapshot),
      decided: this.subject.decided(this.states),
      healed,
      ticksToChosenAfterHeal: healed === null || this.settledTick === null ? null : this.settledTick - healed.tick,
      chosenAtHeal: this.chosenAtHeal,
      endedBy,
      violations: this.violations,
      ...(this.journal === null ? {} : { report: this.journal.report({ nodes: this.states, messages: this.stats.sent }) }),
    };
  }

  // ---- scheduling ----------------------------------------------------------------------

  private at(tick: number, event: Pending<M>): void {
    const tie = this.options.reorder ? this.rng.nextUint32() & TIE_MASK : this.seq++ & TIE_MASK;
    this.queue.push(tick * TICK + tie, event);
  }

  private between(range: { readonly min: number; readonly max: number }): number {
    return this.rng.between(range.min, range.max);
  }

  /** A gap with the given mean, in whole ticks >= 1. */
  private gap(mean: number): number {
    return this.rng.between(1, 2 * mean - 1);
  }

  private start(): void {
    const o = this.options;
    for (let i = 0; i < this.n; i += 1) {
      // Drifting clocks start out of phase: the first tick comes somewhere within one period.
      const phase = this.period === null ? 0 : this.rng.next() * this.period[i]!;
      this.at(this.firstTick(i, phase), { kind: 'timer', node: i, epoch: 0 });
    }
    for (let c = 0; c < o.clients; c += 1) {
      this.pendingRequests += 1;
      this.at(this.rng.between(0, o.think.max), { kind: 'request', client: c, k: 0, retry: false });
    }
    if (o.crashes) this.at(this.gap(o.crashEvery), { kind: 'crash' });
    if (o.partitions) this.at(this.gap(o.partitionEvery), { kind: 'partition' });
    for (const spec of o.schedule) this.at(spec.start, { kind: 'partition-start', spec });
    if (this.period !== null && o.driftEvery !== undefined) this.at(this.gap(o.driftEvery), { kind: 'clock' });
  }

  /**
   * Every clock's period: the base period divided by a rate at one extreme of the bound. `random`:
   * each node fast or slow at random; `one-slow`: one node, drawn at random, slow, every other fast.
   */
  private drawPeriods(drift: number): number[] {
    const slow = this.options.clocks === 'one-slow' ? this.rng.below(this.n) : -1;
    return this.ids.map((_, i) => this.basePeriod / (1 + (slow >= 0 ? (i === slow ? -drift : drift) : this.rng.chance(0.5) ? drift : -drift)));
  }

  /**
   * The clocks change rate (`driftEvery`): every node draws its rate again, from its next tick
   * on. Rates still stay within the bound: a lease must hold for any clocks within it, however
   * they wander, and a leader elected while its clock ran fast can run slow later, beside
   * followers that run fast.
   */
  private clockChange(): boolean {
    this.at(this.now + this.gap(this.options.driftEvery!), { kind: 'clock' });
    const next = this.drawPeriods(this.options.drift!);
    const changed = next.some((p, i) => p !== this.period![i]);
    next.forEach((p, i) => {
      this.period![i] = p;
    });
    return changed;
  }

  // ---- one event -----------------------------------------------------------------------

  /** Carries out one event; false when it was stale and did nothing (not a step). */
  private process(event: Pending<M>): boolean {
    switch (event.kind) {
      case 'deliver':
        this.pendingDeliveries -= 1;
        this.deliver(event.message);
        return true;
      case 'timer':
        if (!this.up[event.node] || this.epoch[event.node] !== event.epoch) return false;
        this.fire(event.node);
        return true;
      case 'request':
        this.pendingRequests -= 1;
        return this.request(event.client, event.k, event.retry);
      case 'crash':
        return this.faultsOn && this.randomCrash();
      case 'restart':
        if (this.up[event.node]) return false;
        this.restart(event.node);
        return true;
      case 'partition':
        return this.faultsOn && this.randomPartition();
      case 'partition-start':
        if (!this.faultsOn) return false;
        this.startPartition(event.spec);
        return true;
      case 'partition-end':
        return this.endPartition(event.id);
      case 'clock':
        return this.faultsOn && this.clockChange();
      default:
        return assertNever(event, 'simulator event');
    }
  }

  private deliver(m: M): void {
    const to = this.index[m.to]!;
    const from = this.index[m.from]!;
    if (this.cut[from * this.n + to]! > 0) return this.drop(m, 'partition');
    if (!this.up[to]) return this.drop(m, 'down');
    this.stats.delivered += 1;
    const step = this.subject.protocol.deliver(this.states[to]!, m);
    if (this.trace !== null) {
      this.record(step.ignored === undefined
        ? { step: this.step + 1, tick: this.now, type: 'deliver', message: m }
        : { step: this.step + 1, tick: this.now, type: 'deliver', message: m, ignored: step.ignored });
    }
    this.apply(to, step.state, step.effects);
  }

  private fire(node: number): void {
    this.stats.timeouts += 1;
    const before = this.states[node]!;
    const step = this.subject.protocol.timeout(before);
    const noop = step.effects.length === 0 && (step.state === before || step.ignored !== undefined);
    if (!noop && this.trace !== null) this.record({ step: this.step + 1, tick: this.now, type: 'timeout', node: this.ids[node]! });
    this.apply(node, step.state, step.effects);
    this.idle[node] = noop;
    this.at(this.nextTick(node), { kind: 'timer', node, epoch: this.epoch[node]! });
  }

  /** When a node (just started or restarted) first ticks: a drawn gap, or with drifting clocks one of its periods. */
  private firstTick(node: number, phase = 0): number {
    if (this.period === null) return this.now + this.between(this.options.timeout);
    this.due[node] = this.now + this.period[node]! - phase;
    return Math.max(this.now + 1, Math.round(this.due[node]!));
  }

  /** The tick after the one that just fired: a drawn gap, or one more period on the node's own clock. */
  private nextTick(node: number): number {
    if (this.period === null) return this.now + this.between(this.options.timeout);
    this.due[node]! += this.period[node]!;
    return Math.max(this.now + 1, Math.round(this.due[node]!));
  }

  /**
   * A client sends command k to a random target. Open loop (the subject has no `acked`): the
   * client issues its next command after a think time whatever happened to this one. Closed
   * loop: it re-sends this one every `retry` ticks until a node acknowledges it, and only
   * then thinks and issues the next. False when a retry is stale (already acknowledged).
   */
  private request(client: number, k: number, retry: boolean): boolean {
    if (retry && this.closedLoop && (this.acknowledged[client] || this.lastCommand[client] !== k)) return false;
    const command = this.subject.command(client, k);
    if (!retry) {
      this.commands.push(command);
      this.stats.commands += 1;
      this.monitor?.command(command);
      this.journal?.command(command);
      this.lastCommand[client] = k;
      this.acknowledged[client] = false;
      if (!this.closedLoop && this.faultsOn && k + 1 < this.options.commands) {
        this.pendingRequests += 1;
        this.at(this.now + this.between(this.options.think), { kind: 'request', client, k: k + 1, retry: false });
      }
    }
    if (this.closedLoop) {
      this.pendingRequests += 1;
      this.at(this.now + this.between(this.options.retry), { kind: 'request', client, k, retry: true });
    }
    this.stats.requests += 1;
    const id = this.rng.pick(this.subject.targets);
    const node = this.index[id]!;
    const lost = !this.up[node];
    if (this.trace !== null) this.record({ step: this.step + 1, tick: this.now, type: 'request', client, node: id, command, retry, lost });
    if (lost) return true;
    const step = this.subject.protocol.request(this.states[node]!, command);
    this.apply(node, step.state, step.effects);
    return true;
  }

  /** A node acknowledged a client's command: the client thinks, then issues its next one. */
  private acknowledge(node: NodeId, client: number, k: number): void {
    if (this.lastCommand[client] !== k || this.acknowledged[client]) return;
    this.acknowledged[client] = true;
    this.stats.acks += 1;
    if (this.trace !== null) this.record({ step: this.step + 1, tick: this.now, type: 'ack', node, client, k });
    if (this.faultsOn && k + 1 < this.options.commands) {
      this.pendingRequests += 1;
      this.at(this.now + this.between(this.options.think), { kind: 'request', client, k: k + 1, retry: false });
    }
  }

  /**
   * A step's outcome: persists first (the durable record is what survives), then, unless the
   * node is armed to crash here, the new state and the sends.
   */
  private apply(node: number, state: S, effects: readonly E[]): void {
    const protocol = this.subject.protocol;
    const id = this.ids[node]!;
    this.idle[node] = false;
    let durable = this.durable[node];
    let persistedAny = false;
    for (const effect of effects) {
      const next = protocol.persisted(durable, effect);
      if (next !== durable) {
        durable = next;
        persistedAny = true;
        if (this.trace !== null) this.record({ step: this.step + 1, tick: this.now, type: 'persist', node: id, record: next });
      }
    }
    this.durable[node] = durable;
    if (persistedAny && this.armed[node]) {
      let lostSends = 0;
      for (const effect of effects) if (protocol.sent(effect) !== null) lostSends += 1;
      this.crash(node, true, lostSends);
      return;
    }
    if (state !== this.states[node]) {
      this.states[node] = state;
      this.monitor?.state(node, state);
    }
    for (const effect of effects) {
      const message = protocol.sent(effect);
      if (message !== null) {
        this.send(message);
        continue;
      }
      this.noteEffect(id, effect);
    }
  }

  private noteEffect(id: NodeId, effect: E): void {
    this.journal?.effect(id, effect);
    const stage = this.subject.stage?.(id, effect) ?? null;
    if (stage !== null) {
      this.stats.stages[stage.stage] += 1;
      if (this.trace !== null) {
        this.record(stage.ballot === undefined
          ? { step: this.step + 1, tick: this.now, type: 'stage', node: id, stage: stage.stage, slot: stage.slot, value: stage.value }
          : { step: this.step + 1, tick: this.now, type: 'stage', node: id, stage: stage.stage, slot: stage.slot, value: stage.value, ballot: stage.ballot });
      }
    }
    const ack = this.subject.acked?.(id, effect) ?? null;
    if (ack !== null) this.acknowledge(id, ack.client, ack.k);
    if (this.trace !== null) {
      const answer = this.subject.replied?.(id, effect) ?? null;
      if (answer !== null) this.record({ step: this.step + 1, tick: this.now, type: 'reply', node: id, client: answer.client, seq: answer.seq, status: answer.status });
    }
    if (this.subject.observe?.(effect) === true) {
      this.observed.push({ node: id, effect });
      this.monitor?.observed(id, effect);
    }
  }

  private send(m: M): void {
    this.messages.push(m);
    this.stats.sent += 1;
    this.monitor?.sent(m);
    if (this.trace !== null) this.record({ step: this.step + 1, tick: this.now, type: 'send', message: m });
    const o = this.options;
    if (this.faultsOn && o.loss > 0 && this.rng.next() < o.loss) return this.drop(m, 'loss');
    const from = this.index[m.from]!;
    const to = this.index[m.to]!;
    if (this.cut[from * this.n + to]! > 0) return this.drop(m, 'partition');
    this.pendingDeliveries += 1;
    this.at(this.now + this.between(o.delay), { kind: 'deliver', message: m });
    if (this.faultsOn && o.dup > 0 && this.rng.next() < o.dup) {
      this.stats.duplicated += 1;
      if (this.trace !== null) this.record({ step: this.step + 1, tick: this.now, type: 'duplicate', message: m });
      this.pendingDeliveries += 1;
      this.at(this.now + this.between(o.delay), { kind: 'deliver', message: m });
    }
  }

  private drop(m: M, reason: DropReason): void {
    this.stats.dropped += 1;
    if (this.trace !== null) this.record({ step: this.step + 1, tick: this.now, type: 'drop', reason, message: m });
  }

  // ---- faults --------------------------------------------------------------------------

  private randomCrash(): boolean {
    this.at(this.now + this.gap(this.options.crashEvery), { kind: 'crash' });
    const live: number[] = [];
    for (let i = 0; i < this.n; i += 1) if (this.up[i] && !this.armed[i]) live.push(i);
    if (live.length === 0) return false;
    const node = this.rng.pick(live);
    if (this.rng.chance(0.5)) {
      this.armed[node] = true;
      return false;
    }
    this.crash(node, false, 0);
    return true;
  }

  private crash(node: number, afterPersist: boolean, lostSends: number): void {
    const id = this.ids[node]!;
    this.up[node] = false;
    this.armed[node] = false;
    this.idle[node] = false;
    this.epoch[node]! += 1;
    this.stats.crashes += 1;
    const recovered = this.subject.protocol.recover(id, this.durable[node]);
    this.states[node] = recovered;
    this.monitor?.state(node, recovered);
    if (this.trace !== null) this.record({ step: this.step + 1, tick: this.now, type: 'crash', node: id, afterPersist, lostSends });
    this.at(this.now + this.between(this.options.down), { kind: 'restart', node });
  }

  private restart(node: number): void {
    this.up[node] = true;
    this.idle[node] = false;
    this.epoch[node]! += 1;
    this.stats.restarts += 1;
    if (this.trace !== null) this.record({ step: this.step + 1, tick: this.now, type: 'restart', node: this.ids[node]! });
    this.at(this.firstTick(node), { kind: 'timer', node, epoch: this.epoch[node]! });
  }

  private randomPartition(): boolean {
    const o = this.options;
    this.at(this.now + this.gap(o.partitionEvery), { kind: 'partition' });
    if (o.isolate === true) {
      // One node at a time, drawn at random, cut off from every other node both ways (clients
      // still reach it): while one is cut off, the others stay a connected majority.
      if (this.partitionLinks.size > 0) return false;
      const node = this.rng.below(this.n);
      const id = this.cutLinks([this.ids[node]!], this.ids.filter((_, i) => i !== node), true);
      this.at(this.now + this.between(o.partitionLength), { kind: 'partition-end', id });
      return true;
    }
    const side: boolean[] = this.ids.map(() => this.rng.chance(0.5));
    const inA = side.filter((s) => s).length;
    if (inA === 0 || inA === this.n) side[this.rng.below(this.n)] = inA === 0;
    const from = this.ids.filter((_, i) => side[i]);
    const to = this.ids.filter((_, i) => !side[i]);
    const symmetric = this.rng.chance(0.5);
    const id = this.cutLinks(from, to, symmetric);
    this.at(this.now + this.between(o.partitionLength), { kind: 'partition-end', id });
    return true;
  }

  private startPartition(spec: ScheduledPartition): void {
    const id = this.cutLinks(spec.from, spec.to, spec.symmetric);
    this.at(Math.max(spec.end, this.now + 1), { kind: 'partition-end', id });
  }

  private cutLinks(from: readonly NodeId[], to: readonly NodeId[], symmetric: boolean): number {
    const id = this.nextPartitionId++;
    const links: number[] = [];
    for (const a of from) {
      for (const b of to) {
        const ia = this.index[a];
        const ib = this.index[b];
        if (ia === undefined || ib === undefined || ia === ib) continue;
        links.push(ia * this.n + ib);
        if (symmetric) links.push(ib * this.n + ia);
      }
    }
    for (const l of links) this.cut[l]! += 1;
    this.partitionLinks.set(id, links);
    this.stats.partitions += 1;
    if (this.trace !== null) {
      this.record({ step: this.step + 1, tick: this.now, type: 'partition', id, kind: symmetric ? 'symmetric' : 'one-way', from: [...from], to: [...to] });
    }
    return id;
  }

  private endPartition(id: number): boolean {
    const links = this.partitionLinks.get(id);
    if (links === undefined) return false;
    for (const l of links) this.cut[l]! -= 1;
    this.partitionLinks.delete(id);
    if (this.trace !== null) this.record({ step: this.step + 1, tick: this.now, type: 'heal-partition', id });
    return true;
  }

  /** Faults stop for good: partitions heal, every node comes up, clients re-send. */
  private heal(): void {
    this.faultsOn = false;
    this.healed = { step: this.step + 1, tick: this.now };
    this.chosenAtHeal = this.subject.chosen(this.snapshot);
    if (this.trace !== null) this.record({ step: this.step + 1, tick: this.now, type: 'heal' });
    for (const id of [...this.partitionLinks.keys()]) this.endPartition(id);
    this.armed.fill(false);
    for (let i = 0; i < this.n; i += 1) if (!this.up[i]) this.restart(i);
    this.lastCommand.forEach((k, client) => {
      if (k < 0 || this.closedLoop) return;
      this.pendingRequests += 1;
      this.at(this.now + this.between(this.options.delay), { kind: 'request', client, k, retry: true });
    });
  }

  // ---- after each step -----------------------------------------------------------------

  /** True when an invariant failed (the run stops). */
  private checkInvariants(): boolean {
    const mode = this.options.check;
    if (mode === 'none') return false;
    const monitor = this.monitor;
    let found: Violation[];
    if (mode === 'incremental' && monitor !== null) {
      if (!monitor.violated()) return false;
      found = this.subject.check(this.snapshot);
      if (found.length === 0) throw this.disagreement(true);
    } else {
      found = this.subject.check(this.snapshot);
      if (monitor !== null && monitor.violated() !== found.length > 0) throw this.disagreement(!(found.length > 0));
      const names = monitor?.failing?.();
      if (names !== undefined && names.join() !== found.map((v) => v.invariant).join()) {
        throw new Error(
          `synod: the ${this.subject.protocol.name} monitor names [${names.join(', ')}] but check() names ` +
            `[${found.map((v) => v.invariant).join(', ')}] (seed ${this.options.seed}, step ${this.step})`,
        );
      }
    }
    if (found.length === 0) return false;
    this.violations = found.map((v) => ({ ...v, seed: this.options.seed, step: this.step, tick: this.now }));
    if (this.trace !== null) {
      for (const v of found) this.record({ step: this.step, tick: this.now, type: 'violation', invariant: v.invariant, description: v.description });
    }
    return true;
  }

  private disagreement(monitorSaysViolated: boolean): Error {
    return new Error(
      `synod: the ${this.subject.protocol.name} monitor says the invariants ${monitorSaysViolated ? 'fail' : 'hold'} ` +
        `but check() says they ${monitorSaysViolated ? 'hold' : 'fail'} (seed ${this.options.seed}, step ${this.step})`,
    );
  }

  /** Liveness bookkeeping once faults stopped; true when nothing can happen any more. */
  private afterHeal(): boolean {
    if (this.settledTick === null && this.subject.settled(this.states, this.commands)) this.settledTick = this.now;
    return this.quiet();
  }

  /**
   * Nothing in flight, no client request to come, every node up and its timeout a no-op:
   * only faults could still happen, and faults on a quiet cluster change nothing the protocol
   * would act on, so the fault phase ends early; after the heal, the run ends.
   */
  private quiet(): boolean {
    if (this.pendingDeliveries > 0 || this.pendingRequests > 0) return false;
    for (let i = 0; i < this.n; i += 1) if (!this.idle[i] || !this.up[i]) return false;
    return true;
  }

  private record(event: TraceEvent): void {
    this.trace!.record(event);
  }
}
