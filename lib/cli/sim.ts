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
 * The progress bar is a hand-written one-line `\r` counter on stderr, drawn only when stdout
 * is a terminal and a range runs: a library would bring a dependency (and its own TTY and
 * timer handling) for twenty lines, and stderr keeps it out of the JSON on stdout.
 */
import type { Command } from 'commander';
import { integer, oneOf, probability, seedRange, UsageError } from './args';
import type { CliContext } from './main';
import type { Output, Report } from './output';
import { emit, processOutput } from './output';
import type { CheckMode, Range, ScheduledPartition, SimOptions } from '../sim/options';
import { DEFAULTS } from '../sim/options';
import type { SubjectEntry } from '../sim/registry';
import { subjectEntry, subjectNames } from '../sim/registry';
import { replay } from '../sim/replay';
import { shrink } from '../sim/shrink';
import type { SimResult } from '../sim/simulator';
import { simulate } from '../sim/simulator';
import type { AnySubject } from '../sim/subject';
import type { Addressed } from '../core/protocol';
import { Summary } from '../sim/summary';
import type { TraceEvent } from '../sim/trace';
import { formatEvent, TraceRecorder } from '../sim/trace';

export interface SimCliOptions {
  protocol: string;
  nodes: string;
  proposers?: string;
  seed?: string;
  seeds?: string;
  steps: string;
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
  check: string;
  trace?: string;
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
  readonly seeds: { readonly first: number; readonly last: number };
  readonly range: boolean;
  readonly base: Omit<SimOptions, 'seed'>;
  readonly traceTail: number;
  readonly json: boolean;
  readonly traceFile: string | undefined;
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
  return { start, end, from: side(m[3]!), to: side(m[5]!), symmetric: m[4] === '|' };
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
  const steps = integer('--steps', o.steps, 1, 100_000_000);
  const healAt = o.healAt === undefined ? Math.floor(steps / 2) : integer('--heal-at', o.healAt, 0, steps);
  const check = oneOf<CheckMode>('--check', o.check, ['incremental', 'full', 'none']);
  if (range && o.trace !== undefined) throw new UsageError('--trace writes the trace of one run: use it with --seed, not --seeds');
  if (range && o.shrink === true) throw new UsageError('--shrink shrinks one failing run: use it with --seed, not --seeds');
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
    clients: integer('--clients', o.clients, 1, 1000),
    commands: integer('--commands', o.commands, 1, 100_000),
    think: tickRange('--think', o.think),
    retry: tickRange('--retry', o.retry),
    check,
  };
  return {
    entry,
    nodes,
    proposers,
    mutant,
    seeds: range ? seeds : { first: seeds.first, last: seeds.first },
    range,
    base,
    traceTail: integer('--trace-tail', o.traceTail, 0, 1_000_000),
    json: o.json === true,
    traceFile: o.trace,
    shrink: o.shrink === true,
  };
}

export function buildSubject(plan: SimPlan): AnySubject {
  try {
    return plan.entry.build({
      nodes: plan.nodes,
      ...(plan.proposers === undefined ? {} : { proposers: plan.proposers }),
      ...(plan.mutant === undefined ? {} : { mutant: plan.mutant }),
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message.replace(/^synod: /, '') : String(error));
  }
}

function showRange(r: Range): string {
  return r.min === r.max ? String(r.min) : `${r.min}-${r.max}`;
}

/** The CLI's defaults, as option strings: the simulator's own defaults (lib/sim/options.ts). */
export const SIM_DEFAULTS = {
  protocol: 'single-decree',
  nodes: '5',
  steps: String(DEFAULTS.steps),
  loss: String(DEFAULTS.loss),
  dup: String(DEFAULTS.dup),
  delay: showRange(DEFAULTS.delay),
  timeout: showRange(DEFAULTS.timeout),
  crashEvery: String(DEFAULTS.crashEvery),
  down: showRange(DEFAULTS.down),
  partitionEvery: String(DEFAULTS.partitionEvery),
  partitionLength: showRange(DEFAULTS.partitionLength),
  clients: String(DEFAULTS.clients),
  commands: String(DEFAULTS.commands),
  think: showRange(DEFAULTS.think),
  retry: showRange(DEFAULTS.retry),
  check: DEFAULTS.check,
  traceTail: '40',
} as const;

/**
 * The command line that replays `seed` under `plan`: the protocol, cluster, seed and budget
 * always, every other option when it differs from its default, so the line stays readable.
 */
export function reproduceCommand(plan: SimPlan, seed: number): string {
  const b = plan.base;
  const words = ['synod', 'sim', '--protocol', plan.entry.name, '--nodes', String(plan.nodes)];
  if (plan.proposers !== undefined) words.push('--proposers', String(plan.proposers));
  if (plan.mutant !== undefined) words.push('--mutant', plan.mutant);
  words.push('--seed', String(seed), '--steps', String(b.steps));
  if (b.healAt !== Math.floor(b.steps / 2)) words.push('--heal-at', String(b.healAt));
  if (b.loss !== 0) words.push('--loss', String(b.loss));
  if (b.dup !== 0) words.push('--dup', String(b.dup));
  const ranges: [string, Range, string][] = [
    ['--delay', b.delay, SIM_DEFAULTS.delay],
    ['--timeout', b.timeout, SIM_DEFAULTS.timeout],
    ['--down', b.down, SIM_DEFAULTS.down],
    ['--partition-length', b.partitionLength, SIM_DEFAULTS.partitionLength],
    ['--think', b.think, SIM_DEFAULTS.think],
    ['--retry', b.retry, SIM_DEFAULTS.retry],
  ];
  for (const [flag, r, d] of ranges) if (showRange(r) !== d) words.push(flag, showRange(r));
  if (!b.reorder) words.push('--no-reorder');
  if (b.partitions) words.push('--partitions');
  if (b.crashes) words.push('--crashes');
  for (const p of b.schedule) words.push('--partition', `${p.start}-${p.end}:${p.from.join(',')}${p.symmetric ? '|' : '>'}${p.to.join(',')}`);
  const counts: [string, number, string][] = [
    ['--crash-every', b.crashEvery, SIM_DEFAULTS.crashEvery],
    ['--partition-every', b.partitionEvery, SIM_DEFAULTS.partitionEvery],
    ['--clients', b.clients, SIM_DEFAULTS.clients],
    ['--commands', b.commands, SIM_DEFAULTS.commands],
  ];
  for (const [flag, v, d] of counts) if (String(v) !== d) words.push(flag, String(v));
  if (b.check !== SIM_DEFAULTS.check) words.push('--check', b.check);
  if (plan.json) words.push('--json');
  return words.map((w) => (/^[\w.,:=/+-]+$/.test(w) ? w : `'${w}'`)).join(' ');
}

function traceLines(subject: AnySubject, events: readonly TraceEvent[]): string[] {
  return events.map((e) => formatEvent(e, (m) => subject.describe(m as Addressed)));
}

/** One seed: the result, and for a violation the replayed trace that led to it. */
export function seedReport(plan: SimPlan, subject: AnySubject, seed: number, trace: TraceRecorder | null): Report {
  const options: SimOptions = { ...plan.base, seed };
  const result = simulate(subject, options, trace);
  const reproduce = reproduceCommand(plan, seed);
  let tail: readonly TraceEvent[] = [];
  if (result.violations.length > 0) {
    const events = trace !== null ? trace.events : replay(subject, options, result).trace;
    tail = events.slice(Math.max(0, events.length - plan.traceTail));
  }
  const tailLines = traceLines(subject, tail);
  const violations = result.violations.map((v) => ({ ...v, trace: tail, lines: tailLines }));
  const shrunk = plan.shrink && result.violations.length > 0 ? shrunkReport(plan, subject, options, result) : undefined;
  const json = {
    seed,
    protocol: result.protocol,
    ...(plan.mutant === undefined ? {} : { mutant: plan.mutant }),
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
    : [`${Object.entries(result.report.fields).map(([k, v]) => `${k} ${String(v)}`).join(', ')}${result.report.ok ? '' : ' -- FAILED'}`];
  const lines = [...seedLines(plan, result, reproduce, tailLines), ...reportLines, ...(shrunk?.lines ?? [])];
  return { lines, json, ok: result.violations.length === 0 && result.report?.ok !== false };
}

/** `--shrink`: a simpler failing run, with its own reproduce line and the trace of all of it. */
function shrunkReport(plan: SimPlan, subject: AnySubject, options: SimOptions, result: SimResult) {
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
  lines.push(r.violations.length === 0 ? 'every invariant held after every step' : 'an invariant FAILED', `reproduce: ${reproduce}`);
  return lines;
}

/** A range of seeds: totals, failing seeds with their reproduce lines, liveness. */
export function rangeReport(plan: SimPlan, subject: AnySubject, progress: (done: number, total: number) => void): Report {
  const summary = new Summary();
  const { first, last } = plan.seeds;
  const total = last - first + 1;
  const reportFailures: { seed: number; fields: Readonly<Record<string, unknown>> }[] = [];
  for (let seed = first; seed <= last; seed += 1) {
    const result = simulate(subject, { ...plan.base, seed });
    summary.add(result);
    if (result.report?.ok === false) reportFailures.push({ seed, fields: result.report.fields });
    progress(seed - first + 1, total);
  }
  const failures = summary.failures.slice(0, 20).map((f) => ({ ...f, reproduce: reproduceCommand(plan, f.seed) }));
  const liveness = summary.liveness();
  const json = {
    protocol: plan.entry.name,
    ...(plan.mutant === undefined ? {} : { mutant: plan.mutant }),
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
    failingRuns: summary.failures.length,
    failures,
    ticksToChosenAfterHeal: liveness,
    ...(reportFailures.length === 0 ? {} : { reportFailures: reportFailures.slice(0, 20).map((f) => ({ ...f, reproduce: reproduceCommand(plan, f.seed) })) }),
    ok: summary.failures.length === 0 && reportFailures.length === 0,
  };
  const d = liveness.afterHeal;
  const lines = [
    `${plan.entry.name}${variant(plan)}, ${plan.nodes} nodes, seeds ${first}-${last}: ${summary.runs} runs, ${summary.stepsRun} steps, ${summary.delivered} deliveries`,
    `chosen in ${summary.chosenRuns} of ${summary.runs} runs (${((100 * json.chosenFraction) || 0).toFixed(2)}%), ` +
      `in ${summary.chosenDuringFaults} already while the faults were on`,
    `liveness after the heal: ${liveness.settledAtHeal} of ${liveness.healed} healed runs had a value learned already; ` +
      `the other ${d.count} learned one after p50 ${d.p50 ?? '-'} / p90 ${d.p90 ?? '-'} / p99 ${d.p99 ?? '-'} / max ${d.max ?? '-'} ticks; ` +
      `${liveness.neverSettledCount} never did${liveness.neverSettled.length > 0 ? ` (seeds ${liveness.neverSettled.join(', ')})` : ''}`,
    ...failures.map((f) => `FAILED seed ${f.seed}: ${f.invariant} at step ${f.step}: ${f.description}\n  reproduce: ${f.reproduce}`),
    summary.failures.length === 0 ? 'every invariant held after every step of every run' : `${summary.failures.length} runs FAILED`,
    ...reportFailures.slice(0, 20).map((f) => `FAILED seed ${f.seed}: ${JSON.stringify(f.fields)}\n  reproduce: ${reproduceCommand(plan, f.seed)}`),
  ];
  return { lines, json, ok: summary.failures.length === 0 && reportFailures.length === 0 };
}

/** A one-line progress counter on stderr, redrawn at most ten times a second. */
export function progressBar(
  io: Output,
  label: string,
  clock: () => number = Date.now,
): { update(done: number, total: number): void; finish(): void } {
  let last = -Infinity;
  let drawn = false;
  return {
    update(done, total) {
      const now = clock();
      if (done < total && now - last < 100) return;
      last = now;
      drawn = true;
      const width = 30;
      const filled = Math.round((width * done) / total);
      io.err(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
    },
    finish() {
      if (drawn) io.err('\n');
    },
  };
}

export function registerSim(cli: Command, context: CliContext): void {
  const collect = (value: string, previous: string[]): string[] => [...previous, value];
  const d = SIM_DEFAULTS;
  cli
    .command('sim')
    .description('deterministic simulation: seeded faults, every invariant after every step, exact replay')
    .option('--protocol <name>', `the protocol (${subjectNames().join(', ')})`, d.protocol)
    .option('--nodes <n>', 'cluster size (single-decree: all acceptors and learners, the first min(n, 3) proposers)', d.nodes)
    .option('--proposers <k>', 'how many nodes propose (the protocol decides by default)')
    .option('--seed <n>', 'the seed of one run (default 1)')
    .option('--seeds <range>', 'a range of seeds, like 1000-1999: run each, print a summary')
    .option('--steps <n>', 'the step budget of a run', d.steps)
    .option('--heal-at <step>', 'the step at which faults stop (default half the budget, or earlier once the cluster is quiet)')
    .option('--loss <p>', 'probability that a message is lost while faults are on', d.loss)
    .option('--dup <p>', 'probability that a message is delivered twice while faults are on', d.dup)
    .option('--delay <ticks>', 'message delay range in ticks', d.delay)
    .option('--no-reorder', 'deliver the messages of one tick in send order (reordering then comes from delays alone)')
    .option('--timeout <ticks>', 'range of ticks between two timeouts of a node', d.timeout)
    .option('--partitions', 'random partitions (symmetric and one-way) while faults are on')
    .option('--partition <spec>', 'a scheduled partition START-END:A|B (both ways) or START-END:A>B (one way); repeatable', collect, [] as string[])
    .option('--crashes', 'random crashes, some between a step\'s persist and its sends, while faults are on')
    .option('--crash-every <ticks>', 'mean ticks between two random crashes', d.crashEvery)
    .option('--down <ticks>', 'how long a crashed node stays down', d.down)
    .option('--partition-every <ticks>', 'mean ticks between two random partitions', d.partitionEvery)
    .option('--partition-length <ticks>', 'how long a random partition lasts', d.partitionLength)
    .option('--clients <n>', 'clients', d.clients)
    .option('--commands <n>', 'commands per client', d.commands)
    .option('--think <ticks>', 'ticks between two commands of a client', d.think)
    .option('--retry <ticks>', 'ticks before a client re-sends an unacknowledged command (protocols that acknowledge)', d.retry)
    .option('--mutant <name>', 'run a broken variant from the bug zoo (single-decree, multipaxos)')
    .option('--check <mode>', 'incremental (monitor, then the definition for the report), full (the definition every step), none', d.check)
    .option('--trace <file>', 'write the run\'s trace as JSON lines')
    .option('--trace-tail <n>', 'trace events shown with a violation', d.traceTail)
    .option('--shrink', 'on a violation, search for a simpler failing run (fewer faults, clients and steps) and show all of it')
    .option('--json', 'print one JSON object')
    .action(async (options: SimCliOptions) => {
      const plan = simPlan(options);
      const subject = buildSubject(plan);
      if (!plan.range) {
        const recorder = plan.traceFile === undefined ? null : new TraceRecorder();
        const report = seedReport(plan, subject, plan.seeds.first, recorder);
        if (recorder !== null && plan.traceFile !== undefined) await writeTrace(plan.traceFile, recorder.jsonLines());
        context.exitCode = emit(report, plan.json, context.io);
        return;
      }
      const tty = context.io === processOutput && process.stdout.isTTY === true;
      const bar = progressBar(context.io, `sim ${plan.entry.name}`);
      const report = rangeReport(plan, subject, tty ? bar.update : () => undefined);
      bar.finish();
      context.exitCode = emit(report, plan.json, context.io);
    });
}

/** ` (mutant x)`: what sets the run apart from the protocol's default. */
function variant(plan: SimPlan): string {
  return plan.mutant === undefined ? '' : ` (mutant ${plan.mutant})`;
}

async function writeTrace(file: string, text: string): Promise<void> {
  const { writeFile } = await import('node:fs/promises');
  try {
    await writeFile(file, text);
  } catch (error) {
    throw new UsageError(`--trace: cannot write ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
