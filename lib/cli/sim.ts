/**
 * `synod sim`: the deterministic simulator from the command line.
 *
 *   synod sim --protocol single-decree --nodes 5 --seed 42 --steps 5000 --loss 0.1 --dup 0.05 \
 *     --partitions --crashes --json
 *
 * One seed prints one result (one JSON object with --json) whose `reproduce` is the command
 * line that replays it byte for byte; `--seeds 1000-1999` runs a range and prints a summary
 * (totals, failing seeds, the liveness distribution). Exit 1 when any invariant failed, 2 with
 * one line for a bad argument.
 *
 * Every option is one row of SIM_FLAGS below: the commander flags, their defaults, the
 * `reproduce` line and the options in a trace's header are all derived from that table.
 * Exit codes: 0 every invariant held, 1 one did not (or a history was not linearizable), 2 a
 * bad argument (one line), 130 interrupted (the partial summary is printed). A run whose step
 * budget ran out before its work was done says so (`complete: false`, `shortfall`).
 */
import type { Command } from 'commander';
import { integer, oneOf, probability, seedRange, UsageError } from './args';
import type { CliContext } from './context';
import type { Output, Report } from './output';
import { emit, EXIT, EXIT_HELP } from './output';
import type { Interruption, ProgressOptions } from './progress';
import { interruption, progress } from './progress';
import { synodVersion } from './version';
import type { CheckMode, Range, ScheduledPartition, SimOptions } from '../sim/options';
import { DEFAULT_STEPS, DEFAULTS } from '../sim/options';
import type { SubjectEntry } from '../sim/registry';
import type { ReadChoice } from '../sim/multipaxos-subject';
import { READ_CHOICES } from '../sim/multipaxos-subject';
import { subjectEntry, subjectNames } from '../sim/registry';
import { replay } from '../sim/replay';
import { shrink } from '../sim/shrink';
import type { SimResult } from '../sim/simulator';
import { simulateAsync } from '../sim/simulator';
import type { AnySubject } from '../sim/subject';
import type { Addressed } from '../core/protocol';
import { shortfall, Summary } from '../sim/summary';
import type { TraceEvent } from '../sim/trace';
import { formatEvent, traceFileText, TraceRecorder } from '../sim/trace';

export interface SimCliOptions {
  protocol: string;
  nodes: string;
  proposers?: string;
  seed?: string;
  seeds?: string;
  steps?: string;
  healAt?: string;
  loss: string;
  dup: string;
  delay: string;
  timeout: string;
  reorder: boolean;
  partitions?: boolean;
  crashes?: boolean;
  partition: string[];
  crashEvery: string;
  down: string;
  partitionEvery: string;
  partitionLength: string;
  clients: string;
  commands: string;
  think: string;
  retry: string;
  mutant?: string;
  snapshotEvery?: string;
  reads?: string;
  drift?: string;
  driftBound?: string;
  check: string;
  trace?: string;
  history?: string;
  traceTail: string;
  shrink?: boolean;
  json?: boolean;
}

/** What a parsed command line runs: the subject to build and the options of every seed. */
export interface SimPlan {
  readonly entry: SubjectEntry;
  readonly nodes: number;
  readonly proposers: number | undefined;
  readonly mutant: string | undefined;
  /** multipaxos: log compaction every this many slots (--snapshot-every); undefined: off. */
  readonly snapshotEvery: number | undefined;
  /** How clients read (multipaxos, raft), and the clock-drift bound the leases rest on when it differs from --drift. */
  readonly reads: ReadChoice | undefined;
  readonly driftBound: number | undefined;
  /** The subject every seed runs (built once: it is immutable). */
  readonly subject: AnySubject;
  readonly seeds: { readonly first: number; readonly last: number };
  readonly range: boolean;
  readonly base: Omit<SimOptions, 'seed'>;
  readonly traceTail: number;
  readonly json: boolean;
  readonly traceFile: string | undefined;
  readonly historyFile: string | undefined;
  readonly shrink: boolean;
}

/** `1-5` or `3`: whole ticks. */
export function tickRange(option: string, raw: string): Range {
  const m = /^(\d+)(?:-(\d+))?$/.exec(raw.trim());
  if (m === null) throw new UsageError(`${option} takes ticks like 3 or 1-5, got '${raw}'`);
  const min = integer(option, m[1]!, 1, 10_000);
  const max = m[2] === undefined ? min : integer(option, m[2], 1, 10_000);
  if (max < min) throw new UsageError(`${option}: the range ${raw} is empty`);
  return { min, max };
}

/** `START-END:1,2|3,4` cuts 1,2 from 3,4 both ways; `START-END:1,2>3` only from 1,2 to 3. */
export function partitionSpec(raw: string, nodes: number): ScheduledPartition {
  const m = /^(\d+)-(\d+):([\d,]+)([|>])([\d,]+)$/.exec(raw.trim());
  if (m === null) throw new UsageError(`--partition takes START-END:A|B or START-END:A>B (nodes comma-separated), got '${raw}'`);
  const start = integer('--partition', m[1]!, 0);
  const end = integer('--partition', m[2]!, 0);
  if (end <= start) throw new UsageError(`--partition: END must be after START, got '${raw}'`);
  const side = (list: string): number[] => list.split(',').map((x) => integer('--partition', x, 1, nodes));
  const from = side(m[3]!);
  const to = side(m[5]!);
  const both = from.find((n) => to.includes(n));
  if (both !== undefined) throw new UsageError(`--partition: node ${both} is on both sides of '${raw}' (a node's messages to itself cross no link)`);
  return { start, end, from, to, symmetric: m[4] === '|' };
}

/** The most seeds one range may run: a larger request is refused with its estimate. */
export const MAX_SEEDS = 1_000_000;

/**
 * The step budget when --steps is not given: 5000, or for a protocol whose clients wait for
 * replies (multipaxos) enough for every command asked for to be issued before the heal (about
 * 6 steps per node per command, measured under the README's faults) and settled after it.
 */
export function defaultSteps(subject: AnySubject, nodes: number, clients: number, commands: number): number {
  if (subject.acked === undefined) return DEFAULT_STEPS;
  return Math.min(100_000_000, Math.max(DEFAULT_STEPS, 2 * clients * commands * 6 * nodes));
}

export function simPlan(o: SimCliOptions): SimPlan {
  const entry = subjectEntry(o.protocol);
  if (entry === undefined) throw new UsageError(`--protocol must be one of ${subjectNames().join(', ')}, got '${o.protocol}'`);
  const nodes = integer('--nodes', o.nodes, Math.max(1, entry.minNodes), 64);
  const proposers = o.proposers === undefined ? undefined : integer('--proposers', o.proposers, 1, nodes);
  if (o.seed !== undefined && o.seeds !== undefined) throw new UsageError('give --seed or --seeds, not both');
  const seeds = o.seeds !== undefined ? seedRange('--seeds', o.seeds) : { first: integer('--seed', o.seed ?? '1', 0, 0xffff_ffff), last: -1 };
  const range = o.seeds !== undefined;
  if (range && seeds.last > 0xffff_ffff) throw new UsageError(`--seeds must stay below 4294967296, got '${o.seeds}'`);
  const mutant = o.mutant === undefined ? undefined : oneOf('--mutant', o.mutant, entry.mutants);
  const snapshotEvery = o.snapshotEvery === undefined ? undefined : integer('--snapshot-every', o.snapshotEvery, 1, 1_000_000);
  const reads = o.reads === undefined ? undefined : oneOf<ReadChoice>('--reads', o.reads, READ_CHOICES);
  const drift = o.drift === undefined ? undefined : probability('--drift', o.drift);
  if (drift !== undefined && drift >= 1) throw new UsageError(`--drift must be below 1, got ${o.drift}`);
  const driftBound = o.driftBound === undefined ? undefined : probability('--drift-bound', o.driftBound);
  if (driftBound !== undefined && driftBound >= 1) throw new UsageError(`--drift-bound must be below 1, got ${o.driftBound}`);
  if ((reads === 'lease' || reads === 'mix') && drift === undefined) {
    throw new UsageError(`--reads ${reads}: a lease rests on a bound on clock drift; give --drift (0 for clocks that keep time exactly)`);
  }
  if (driftBound !== undefined && drift === undefined) throw new UsageError('--drift-bound sets the bound the leases assume: give --drift too (how the clocks really drift)');
  const bound = driftBound ?? drift;
  const subject = buildSubject(entry, nodes, proposers, mutant, snapshotEvery, reads, bound);
  const clients = integer('--clients', o.clients, 1, 1000);
  const commands = integer('--commands', o.commands, 1, 100_000);
  const steps = o.steps === undefined ? defaultSteps(subject, nodes, clients, commands) : integer('--steps', o.steps, 1, 100_000_000);
  const healAt = o.healAt === undefined ? Math.floor(steps / 2) : integer('--heal-at', o.healAt, 0, steps);
  const check = oneOf<CheckMode>('--check', o.check, ['incremental', 'full', 'none']);
  if (range && o.trace !== undefined) throw new UsageError('--trace writes the trace of one run: use it with --seed, not --seeds');
  if (range && o.history !== undefined) throw new UsageError('--history writes the history of one run: use it with --seed, not --seeds');
  if (range && o.shrink === true) throw new UsageError('--shrink shrinks one failing run: use it with --seed, not --seeds');
  if (o.history !== undefined && subject.journal === undefined) throw new UsageError(`--history: ${entry.name} keeps no client history (multipaxos does)`);
  if (range && seeds.last - seeds.first + 1 > MAX_SEEDS) {
    const runs = seeds.last - seeds.first + 1;
    // A 5000-step run takes about 5 ms on this reference's machine: the estimate scales with the budget.
    const hours = (runs * (steps / 5000) * 0.005) / 3600;
    throw new UsageError(
      `--seeds ${o.seeds} is ${runs} runs, about ${hours < 48 ? `${hours.toFixed(0)} hours` : `${(hours / 24).toFixed(0)} days`} at ~5 ms a run of ${steps} steps; run at most ${MAX_SEEDS} seeds at a time`,
    );
  }
  const base: Omit<SimOptions, 'seed'> = {
    steps,
    healAt,
    delay: tickRange('--delay', o.delay),
    reorder: o.reorder,
    loss: probability('--loss', o.loss),
    dup: probability('--dup', o.dup),
    partitions: o.partitions === true,
    schedule: o.partition.map((p) => partitionSpec(p, nodes)),
    crashes: o.crashes === true,
    crashEvery: integer('--crash-every', o.crashEvery, 1, 1_000_000),
    down: tickRange('--down', o.down),
    partitionEvery: integer('--partition-every', o.partitionEvery, 1, 1_000_000),
    partitionLength: tickRange('--partition-length', o.partitionLength),
    timeout: tickRange('--timeout', o.timeout),
    clients,
    commands,
    think: tickRange('--think', o.think),
    retry: tickRange('--retry', o.retry),
    check,
    ...(drift === undefined ? {} : { drift }),
  };
  return {
    entry,
    nodes,
    proposers,
    mutant,
    snapshotEvery,
    reads,
    driftBound,
    subject,
    seeds: range ? seeds : { first: seeds.first, last: seeds.first },
    range,
    base,
    traceTail: integer('--trace-tail', o.traceTail, 0, 1_000_000),
    json: o.json === true,
    traceFile: o.trace,
    historyFile: o.history,
    shrink: o.shrink === true,
  };
}

function buildSubject(entry: SubjectEntry, nodes: number, proposers: number | undefined, mutant: string | undefined, snapshotEvery: number | undefined, reads?: ReadChoice, driftBound?: number): AnySubject {
  try {
    return entry.build({
      nodes,
      ...(proposers === undefined ? {} : { proposers }),
      ...(mutant === undefined ? {} : { mutant }),
      ...(snapshotEvery === undefined ? {} : { snapshotEvery }),
      ...(reads === undefined ? {} : { reads }),
      ...(driftBound === undefined ? {} : { driftBound }),
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message.replace(/^synod: /, '') : String(error));
  }
}

function showRange(r: Range): string {
  return r.min === r.max ? String(r.min) : `${r.min}-${r.max}`;
}

type OptionValue = string | boolean | readonly string[] | undefined;

/**
 * One option of `synod sim`. `reproduce`: always in the reproduce line, only when it differs
 * from its default ('changed'), or never (options about output, not about the run).
 */
export interface SimFlag {
  readonly key: keyof SimCliOptions;
  readonly flags: string;
  readonly help: string;
  readonly default?: string | boolean;
  readonly reproduce: 'always' | 'changed' | 'never';
  /** A repeatable option (each value is its own flag in the reproduce line). */
  readonly repeat?: boolean;
}

/** Every option of `synod sim`, in the order of the reproduce line. */
export const SIM_FLAGS: readonly SimFlag[] = [
  { key: 'protocol', flags: '--protocol <name>', help: 'the protocol', default: 'single-decree', reproduce: 'always' },
  { key: 'nodes', flags: '--nodes <n>', help: 'cluster size (single-decree: all acceptors and learners, the first min(n, 3) proposers)', default: '5', reproduce: 'always' },
  { key: 'proposers', flags: '--proposers <k>', help: 'how many nodes propose (the protocol decides by default)', reproduce: 'changed' },
  { key: 'mutant', flags: '--mutant <name>', help: 'run a broken variant from the bug zoo (single-decree, multipaxos)', reproduce: 'changed' },
  { key: 'snapshotEvery', flags: '--snapshot-every <n>', help: 'multipaxos: compact the log into a snapshot every n applied slots (default off)', reproduce: 'changed' },
  { key: 'reads', flags: '--reads <mode>', help: 'multipaxos, raft: how clients read: log (a get in the log), read-index, lease, follower (stale, left out of the linearizability check), mix', reproduce: 'changed' },
  { key: 'drift', flags: '--drift <d>', help: "drifting clocks: each node ticks at a steady rate within 1 +/- d (and leases assume d, unless --drift-bound)", reproduce: 'changed' },
  { key: 'driftBound', flags: '--drift-bound <d>', help: 'the clock-drift bound the leases rest on, when it differs from --drift (a lease outside its bound)', reproduce: 'changed' },
  { key: 'seed', flags: '--seed <n>', help: 'the seed of one run (default 1)', reproduce: 'always' },
  { key: 'seeds', flags: '--seeds <range>', help: 'a range of seeds, like 1000-1999: run each, print a summary', reproduce: 'never' },
  { key: 'steps', flags: '--steps <n>', help: `the step budget of a run (default ${DEFAULT_STEPS}; multipaxos: enough for the commands asked for, 12 x nodes x clients x commands)`, reproduce: 'always' },
  { key: 'healAt', flags: '--heal-at <step>', help: 'the step at which faults stop (default half the budget, or earlier once the cluster is quiet)', reproduce: 'changed' },
  { key: 'loss', flags: '--loss <p>', help: 'probability that a message is lost while faults are on', default: String(DEFAULTS.loss), reproduce: 'changed' },
  { key: 'dup', flags: '--dup <p>', help: 'probability that a message is delivered twice while faults are on', default: String(DEFAULTS.dup), reproduce: 'changed' },
  { key: 'delay', flags: '--delay <ticks>', help: 'message delay range in ticks', default: showRange(DEFAULTS.delay), reproduce: 'changed' },
  { key: 'timeout', flags: '--timeout <ticks>', help: 'range of ticks between two timeouts of a node', default: showRange(DEFAULTS.timeout), reproduce: 'changed' },
  { key: 'down', flags: '--down <ticks>', help: 'how long a crashed node stays down', default: showRange(DEFAULTS.down), reproduce: 'changed' },
  { key: 'partitionLength', flags: '--partition-length <ticks>', help: 'how long a random partition lasts', default: showRange(DEFAULTS.partitionLength), reproduce: 'changed' },
  { key: 'think', flags: '--think <ticks>', help: 'ticks between two commands of a client', default: showRange(DEFAULTS.think), reproduce: 'changed' },
  { key: 'retry', flags: '--retry <ticks>', help: 'ticks before a client re-sends an unacknowledged command (protocols that acknowledge)', default: showRange(DEFAULTS.retry), reproduce: 'changed' },
  { key: 'reorder', flags: '--no-reorder', help: 'deliver the messages of one tick in send order (reordering then comes from delays alone)', default: true, reproduce: 'changed' },
  { key: 'partitions', flags: '--partitions', help: 'random partitions (symmetric and one-way) while faults are on', default: false, reproduce: 'changed' },
  { key: 'crashes', flags: '--crashes', help: "random crashes, some between a step's persist and its sends, while faults are on", default: false, reproduce: 'changed' },
  { key: 'partition', flags: '--partition <spec>', help: 'a scheduled partition START-END:A|B (both ways) or START-END:A>B (one way); repeatable', reproduce: 'changed', repeat: true },
  { key: 'crashEvery', flags: '--crash-every <ticks>', help: 'mean ticks between two random crashes', default: String(DEFAULTS.crashEvery), reproduce: 'changed' },
  { key: 'partitionEvery', flags: '--partition-every <ticks>', help: 'mean ticks between two random partitions', default: String(DEFAULTS.partitionEvery), reproduce: 'changed' },
  { key: 'clients', flags: '--clients <n>', help: 'clients', default: String(DEFAULTS.clients), reproduce: 'changed' },
  { key: 'commands', flags: '--commands <n>', help: 'commands per client', default: String(DEFAULTS.commands), reproduce: 'changed' },
  { key: 'check', flags: '--check <mode>', help: 'incremental (monitor, then the definition for the report), full (the definition every step), none', default: DEFAULTS.check, reproduce: 'changed' },
  { key: 'trace', flags: '--trace <file>', help: "write the run's trace (header, then one event a line) for synod replay and synod trace", reproduce: 'never' },
  { key: 'history', flags: '--history <file>', help: "multipaxos: write the clients' history in Jepsen's JSON form (docs/history.md)", reproduce: 'never' },
  { key: 'traceTail', flags: '--trace-tail <n>', help: 'trace events shown with a violation', default: '40', reproduce: 'never' },
  { key: 'shrink', flags: '--shrink', help: 'on a violation, search for a simpler failing run (fewer faults, clients and steps) and show all of it', reproduce: 'never' },
  { key: 'json', flags: '--json', help: 'print one JSON object', default: false, reproduce: 'changed' },
];

function flagName(f: SimFlag): string {
  return f.flags.split(' ')[0]!;
}

/** The commander defaults, by option key. */
export const SIM_DEFAULTS: Readonly<Record<string, string | boolean>> = Object.fromEntries(
  SIM_FLAGS.filter((f) => f.default !== undefined).map((f) => [f.key, f.default!]),
);

/** Every option of `plan`'s run of `seed`, as the command line spells it (what a trace header keeps). */
export function planOptions(plan: SimPlan, seed: number): Partial<Record<keyof SimCliOptions, OptionValue>> {
  const b = plan.base;
  return {
    protocol: plan.entry.name,
    nodes: String(plan.nodes),
    proposers: plan.proposers === undefined ? undefined : String(plan.proposers),
    mutant: plan.mutant,
    snapshotEvery: plan.snapshotEvery === undefined ? undefined : String(plan.snapshotEvery),
    reads: plan.reads,
    drift: b.drift === undefined ? undefined : String(b.drift),
    driftBound: plan.driftBound === undefined ? undefined : String(plan.driftBound),
    seed: String(seed),
    steps: String(b.steps),
    healAt: b.healAt === Math.floor(b.steps / 2) ? undefined : String(b.healAt),
    loss: String(b.loss),
    dup: String(b.dup),
    delay: showRange(b.delay),
    timeout: showRange(b.timeout),
    down: showRange(b.down),
    partitionLength: showRange(b.partitionLength),
    think: showRange(b.think),
    retry: showRange(b.retry),
    reorder: b.reorder,
    partitions: b.partitions,
    crashes: b.crashes,
    partition: b.schedule.map((p) => `${p.start}-${p.end}:${p.from.join(',')}${p.symmetric ? '|' : '>'}${p.to.join(',')}`),
    crashEvery: String(b.crashEvery),
    partitionEvery: String(b.partitionEvery),
    clients: String(b.clients),
    commands: String(b.commands),
    check: b.check,
    json: plan.json,
  };
}

/** The options commander would hand over for `overrides` (a trace header's options). */
export function cliOptions(overrides: Readonly<Record<string, unknown>>): SimCliOptions {
  const o: Record<string, unknown> = { ...SIM_DEFAULTS, partition: [] };
  for (const f of SIM_FLAGS) {
    const v = overrides[f.key];
    if (v === undefined) continue;
    const ok = f.repeat === true ? Array.isArray(v) && v.every((x) => typeof x === 'string') : !f.flags.includes('<') ? typeof v === 'boolean' : typeof v === 'string';
    if (!ok) throw new UsageError(`the trace header's option ${f.key} has the wrong type: ${JSON.stringify(v)}`);
    o[f.key] = v;
  }
  return o as unknown as SimCliOptions;
}

/**
 * The command line that replays `seed` under `plan`: the options marked 'always', and every
 * other when it differs from its default, so the line stays readable.
 */
export function reproduceCommand(plan: SimPlan, seed: number): string {
  const values = planOptions(plan, seed);
  const words = ['synod', 'sim'];
  for (const f of SIM_FLAGS) {
    if (f.reproduce === 'never') continue;
    const v = values[f.key];
    if (v === undefined || (f.reproduce === 'changed' && v === f.default)) continue;
    if (f.repeat === true) for (const x of v as readonly string[]) words.push(flagName(f), x);
    else if (typeof v === 'boolean') words.push(flagName(f));
    else words.push(flagName(f), v as string);
  }
  return words.map((w) => (/^[\w.,:=/+-]+$/.test(w) ? w : `'${w}'`)).join(' ');
}

function traceLines(subject: AnySubject, events: readonly TraceEvent[]): string[] {
  return events.map((e) => formatEvent(e, (m) => subject.describe(m as Addressed)));
}

/** What a long run needs from the command: progress, and whether to stop. */
export interface RunWatch {
  progress(done: number, total: number | null, status?: string): void;
  readonly interrupted: boolean;
}

const UNWATCHED: RunWatch = { progress: () => undefined, interrupted: false };

/** One seed: the result, and for a violation the replayed trace that led to it. */
export async function seedReport(plan: SimPlan, seed: number, trace: TraceRecorder | null, watch: RunWatch = UNWATCHED): Promise<Report & { readonly result: SimResult }> {
  const subject = plan.subject;
  const options: SimOptions = { ...plan.base, seed };
  const result = await simulateAsync(subject, options, trace, { progress: (step, budget) => watch.progress(step, budget, `seed ${seed}`), stop: () => watch.interrupted });
  const reproduce = reproduceCommand(plan, seed);
  let tail: readonly TraceEvent[] = [];
  if (result.violations.length > 0) {
    const events = trace !== null ? trace.events : replay(subject, options, result).trace;
    tail = events.slice(Math.max(0, events.length - plan.traceTail));
  }
  const tailLines = traceLines(subject, tail);
  const violations = result.violations.map((v) => ({ ...v, trace: tail, lines: tailLines }));
  const shrunk = plan.shrink && result.violations.length > 0 ? shrunkReport(plan, options, result) : undefined;
  const short = shortfall(result, options);
  const interrupted = result.endedBy === 'interrupted';
  const ok = result.violations.length === 0 && result.report?.ok !== false;
  const reason = result.violations.length > 0
    ? `${result.violations[0]!.invariant} failed at step ${result.violations[0]!.step}`
    : result.report?.ok === false ? `the run's report failed: ${JSON.stringify(result.report.fields)}` : undefined;
  const json = {
    ok,
    ...(reason === undefined ? {} : { reason }),
    ...(interrupted ? { interrupted: true } : {}),
    complete: short.length === 0,
    ...(short.length === 0 ? {} : { shortfall: short }),
    seed,
    protocol: result.protocol,
    ...(plan.mutant === undefined ? {} : { mutant: plan.mutant }),
    ...(plan.snapshotEvery === undefined ? {} : { snapshotEvery: plan.snapshotEvery }),
    nodes: result.nodes,
    steps: result.steps,
    stepsRun: result.stepsRun,
    ticks: result.ticks,
    delivered: result.stats.delivered,
    dropped: result.stats.dropped,
    duplicated: result.stats.duplicated,
    crashes: result.stats.crashes,
    restarts: result.stats.restarts,
    partitions: result.stats.partitions,
    timeouts: result.stats.timeouts,
    requests: result.stats.requests,
    commandsAsked: options.clients * options.commands,
    commands: result.stats.commands,
    acks: result.stats.acks,
    stages: result.stats.stages,
    chosen: result.chosen,
    decided: result.decided,
    healed: result.healed,
    ticksToChosenAfterHeal: result.ticksToChosenAfterHeal,
    chosenAtHeal: result.chosenAtHeal,
    endedBy: result.endedBy,
    violations,
    ...(result.report?.fields ?? {}),
    ...(shrunk === undefined ? {} : { shrunk: shrunk.json }),
    reproduce,
  };
  const reportLines = result.report === undefined
    ? []
    : [
      `${Object.entries(result.report.fields).map(([k, v]) => `${k} ${typeof v === "object" && v !== null ? JSON.stringify(v) : String(v)}`).join(', ')}${result.report.ok ? '' : ' -- FAILED'}`,
      ...(result.report.ok ? [] : ['the run FAILED its report (a history that is not linearizable)']),
    ];
  const budgetLines = short.length === 0 ? [] : [`INCOMPLETE: ${short.join('; ')}`];
  const lines = [...seedLines(plan, result, reproduce, tailLines), ...reportLines, ...budgetLines, ...(shrunk?.lines ?? [])];
  return { lines, json, ok, result, ...(interrupted ? { exit: EXIT.interrupted } : {}), ...(reason === undefined ? {} : { reason }) };
}

/** `--shrink`: a simpler failing run, with its own reproduce line and the trace of all of it. */
function shrunkReport(plan: SimPlan, options: SimOptions, result: SimResult) {
  const subject = plan.subject;
  const s = shrink(subject, options, result);
  const { seed, ...base } = s.options;
  const reproduce = reproduceCommand({ ...plan, base }, seed);
  const v = s.result.violations[0]!;
  const trace = replay(subject, s.options, s.result).trace;
  const lines = traceLines(subject, trace);
  const json = { seed, step: v.step, invariant: v.invariant, description: v.description, removed: s.removed, runs: s.runs, reproduce, trace, lines };
  const text = [
    `shrunk (${s.runs} runs): ${v.invariant} at step ${v.step} of seed ${seed}` +
      `${s.removed.length === 0 ? ', nothing could be taken away' : `, without ${s.removed.join(', ')}`}`,
    ...lines.map((l) => `  ${l}`),
    `reproduce the shrunk run: ${reproduce}`,
  ];
  return { json, lines: text };
}

function seedLines(plan: SimPlan, r: SimResult, reproduce: string, tail: readonly string[]): string[] {
  const s = r.stats;
  const lines = [
    `${r.protocol}${variant(plan)}, ${r.nodes} nodes, seed ${r.seed}: ${r.stepsRun} of ${r.steps} steps, ${r.ticks} ticks, ended by ${r.endedBy}`,
    `network: ${s.sent} sent, ${s.delivered} delivered, ${s.dropped} dropped, ${s.duplicated} duplicated, ${s.partitions} partitions`,
    `nodes: ${s.crashes} crashes, ${s.restarts} restarts, ${s.timeouts} timeouts; clients: ${s.commands} commands, ${s.requests} requests`,
    `stages: ${Object.entries(s.stages).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `chosen: ${r.chosen}, learned: ${r.decided}`,
    r.healed === null
      ? 'faults never stopped in this run (the budget ended first)'
      : `faults stopped at step ${r.healed.step} (tick ${r.healed.tick}); ` +
        (r.ticksToChosenAfterHeal === null ? 'the liveness goal never held after that' : `liveness goal held ${r.ticksToChosenAfterHeal} ticks after`),
  ];
  for (const v of r.violations) lines.push(`VIOLATION ${v.invariant} at step ${v.step} (tick ${v.tick}): ${v.description}`);
  if (r.violations.length > 0) lines.push(`the last ${tail.length} trace events:`, ...tail.map((l) => `  ${l}`));
  if (r.endedBy === 'interrupted') lines.push(`INTERRUPTED at step ${r.stepsRun}: the figures above are those of the partial run`);
  lines.push(r.violations.length === 0 ? 'every invariant held after every step' : 'an invariant FAILED', `reproduce: ${reproduce}`);
  return lines;
}

/** A range of seeds: totals, failing seeds with their reproduce lines, liveness; stops after the seed running at SIGINT. */
export async function rangeReport(plan: SimPlan, watch: RunWatch = UNWATCHED): Promise<Report> {
  const subject = plan.subject;
  const summary = new Summary();
  const { first, last } = plan.seeds;
  const total = last - first + 1;
  let interrupted = false;
  let yielded = Date.now();
  for (let seed = first; seed <= last; seed += 1) {
    if (Date.now() - yielded > 50) {
      // A turn of the event loop, so that SIGINT (and the progress timer) can be heard.
      await new Promise<void>((resolve) => setImmediate(resolve));
      yielded = Date.now();
    }
    if (watch.interrupted) {
      interrupted = true;
      break;
    }
    const options = { ...plan.base, seed };
    const result = await simulateAsync(subject, options, null, { stop: () => false });
    summary.add(result, options);
    watch.progress(seed - first + 1, total, summary.failing() > 0 ? `${summary.failing()} failing` : '');
  }
  const failures = summary.failures.slice(0, 20).map((f) => ({ ...f, reproduce: reproduceCommand(plan, f.seed) }));
  const reportFailures = summary.reportFailures.slice(0, 20).map((f) => ({ ...f, reproduce: reproduceCommand(plan, f.seed) }));
  const liveness = summary.liveness();
  const failing = summary.failing();
  const ok = failing === 0;
  const ran = summary.runs === 0 ? '' : `${first}-${first + summary.runs - 1}`;
  const reason = ok ? undefined : `${failing} of ${summary.runs} runs failed`;
  const json = {
    ok,
    ...(reason === undefined ? {} : { reason }),
    ...(interrupted ? { interrupted: true, seedsRun: ran } : {}),
    protocol: plan.entry.name,
    ...(plan.mutant === undefined ? {} : { mutant: plan.mutant }),
    ...(plan.snapshotEvery === undefined ? {} : { snapshotEvery: plan.snapshotEvery }),
    nodes: plan.nodes,
    seeds: `${first}-${last}`,
    runs: summary.runs,
    steps: plan.base.steps,
    stepsRun: summary.stepsRun,
    delivered: summary.delivered,
    dropped: summary.dropped,
    duplicated: summary.duplicated,
    crashes: summary.crashes,
    partitions: summary.partitions,
    chosenRuns: summary.chosenRuns,
    chosenFraction: summary.runs === 0 ? 0 : summary.chosenRuns / summary.runs,
    chosenDuringFaults: summary.chosenDuringFaults,
    incompleteRuns: summary.incompleteRuns(),
    ...(summary.incomplete.length === 0 ? {} : { incomplete: summary.incomplete.slice(0, 20) }),
    ...(summary.reportRuns === 0 ? {} : { committed: summary.committed, acknowledged: summary.acknowledged, linearizableRuns: summary.linearizableRuns, historyRuns: summary.reportRuns }),
    failingRuns: failing,
    failures,
    ticksToChosenAfterHeal: liveness,
    ...(reportFailures.length === 0 ? {} : { reportFailures }),
  };
  const d = liveness.afterHeal;
  const lines = [
    `${plan.entry.name}${variant(plan)}, ${plan.nodes} nodes, seeds ${first}-${last}: ${summary.runs} runs, ${summary.stepsRun} steps, ${summary.delivered} deliveries`,
    `chosen in ${summary.chosenRuns} of ${summary.runs} runs (${((100 * json.chosenFraction) || 0).toFixed(2)}%), ` +
      `in ${summary.chosenDuringFaults} already while the faults were on`,
    `liveness after the heal: ${liveness.settledAtHeal} of ${liveness.healed} healed runs had a value learned already; ` +
      `the other ${d.count} learned one after p50 ${d.p50 ?? '-'} / p90 ${d.p90 ?? '-'} / p99 ${d.p99 ?? '-'} / max ${d.max ?? '-'} ticks; ` +
      `${liveness.neverSettledCount} never did${liveness.neverSettled.length > 0 ? ` (seeds ${liveness.neverSettled.join(', ')})` : ''}`,
    ...(summary.reportRuns === 0
      ? []
      : [`clients: ${summary.committed} commands committed, ${summary.acknowledged} acknowledged; history linearizable in ${summary.linearizableRuns} of ${summary.reportRuns} runs`]),
    ...(summary.incomplete.length === 0
      ? []
      : [`INCOMPLETE: ${summary.incompleteRuns()} runs spent their step budget before their work was done (first: seed ${summary.incomplete[0]!.seed}: ${summary.incomplete[0]!.shortfall.join('; ')}); raise --steps`]),
    ...failures.map((f) => `FAILED seed ${f.seed}: ${f.invariant} at step ${f.step}: ${f.description}\n  reproduce: ${f.reproduce}`),
    ...reportFailures.map((f) => `FAILED seed ${f.seed}: ${JSON.stringify(f.fields)}\n  reproduce: ${f.reproduce}`),
    ...(interrupted ? [`INTERRUPTED after ${summary.runs} of ${total} seeds (${ran || 'none'}): the figures above are those of the seeds run`] : []),
    summary.failures.length === 0 ? 'every invariant held after every step of every run' : `${summary.failures.length} runs FAILED an invariant`,
    ...(summary.reportFailedRuns() === 0 ? [] : [`${summary.reportFailedRuns()} runs FAILED their report (a history that is not linearizable)${summary.reportFailedRuns() > reportFailures.length ? `; the first ${reportFailures.length} are listed` : ''}`]),
  ];
  return { lines, json, ok, ...(interrupted ? { exit: EXIT.interrupted } : {}), ...(reason === undefined ? {} : { reason }) };
}

/** The progress and SIGINT of a run on the command line; `dispose` when it is over. */
export function watchRun(io: Output, label: string, catchSigint: boolean, options: ProgressOptions = {}): RunWatch & { dispose(): void } {
  const bar = progress(io, label, options);
  const sigint: Interruption | null = catchSigint ? interruption() : null;
  return {
    progress: (done, total, status) => bar.update(done, total, status),
    get interrupted() {
      return sigint?.interrupted ?? false;
    },
    dispose() {
      bar.finish();
      sigint?.dispose();
    },
  };
}

export function registerSim(cli: Command, context: CliContext): void {
  const collect = (value: string, previous: string[]): string[] => [...previous, value];
  const command = cli
    .command('sim')
    .description('deterministic simulation: seeded faults, every invariant after every step, exact replay')
    .addHelpText('after', `\n${EXIT_HELP}`);
  for (const f of SIM_FLAGS) {
    const help = f.key === 'protocol' ? `${f.help} (${subjectNames().join(', ')})` : f.help;
    if (f.repeat === true) command.option(f.flags, help, collect, [] as string[]);
    else if (typeof f.default === 'string') command.option(f.flags, help, f.default);
    else command.option(f.flags, help);
  }
  command.action(async (options: SimCliOptions) => {
    const plan = simPlan(options);
    const watch = watchRun(context.io, `sim ${plan.entry.name}`, context.catchSigint === true, context.progress);
    try {
      if (!plan.range) {
        const seed = plan.seeds.first;
        const recorder = plan.traceFile === undefined ? null : new TraceRecorder();
        const report = await seedReport(plan, seed, recorder, watch);
        if (recorder !== null && plan.traceFile !== undefined) {
          await writeFile('--trace', plan.traceFile, simTraceText(plan, seed, recorder.events));
        }
        if (plan.historyFile !== undefined) await writeFile('--history', plan.historyFile, historyText(report.result));
        context.exitCode = emit(report, plan.json, context.io);
        return;
      }
      context.exitCode = emit(await rangeReport(plan, watch), plan.json, context.io);
    } finally {
      watch.dispose();
    }
  });
}

/** A sim trace file: the header (every option, the reproduce line), then the events. */
export function simTraceText(plan: SimPlan, seed: number, events: readonly TraceEvent[]): string {
  const options = Object.fromEntries(Object.entries(planOptions({ ...plan, json: false }, seed)).filter(([, v]) => v !== undefined));
  return traceFileText(
    { synod: synodVersion(), command: 'sim', protocol: plan.entry.name, seed, options, reproduce: reproduceCommand({ ...plan, json: false }, seed) },
    events,
  );
}

/**
 * The clients' history of one run as JSON lines, one Jepsen operation a line, in real-time
 * order (docs/history.md): `{"index":0,"process":0,"type":"invoke","f":"write","key":"k1","value":"v1"}`.
 */
export function historyText(result: SimResult): string {
  const history = result.report?.history ?? [];
  return history.map((h, index) => `${JSON.stringify({ index, ...h })}\n`).join('');
}

/** ` (mutant x)`: what sets the run apart from the protocol's default. */
function variant(plan: SimPlan): string {
  const parts: string[] = [];
  if (plan.mutant !== undefined) parts.push(`mutant ${plan.mutant}`);
  if (plan.reads !== undefined && plan.reads !== 'log') parts.push(`${plan.reads} reads`);
  if (plan.base.drift !== undefined) parts.push(`clocks drift ${plan.base.drift}${plan.driftBound === undefined ? '' : `, leases assume ${plan.driftBound}`}`);
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}

async function writeFile(option: string, file: string, text: string): Promise<void> {
  const fs = await import('node:fs/promises');
  try {
    await fs.writeFile(file, text);
  } catch (error) {
    throw new UsageError(`${option}: cannot write ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
