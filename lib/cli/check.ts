/**
 * `synod check`: exhaustive model checking of the real roles, and the bug zoo.
 *
 *   synod check --protocol single-decree --acceptors 3 --proposers 2 --values 2 --max-round 1
 *               [--network set|multiset] [--crashes 1] [--timers 1] [--lose rejected,accepted]
 *               [--topology colocated|separate [--symmetry]] [--keep-obsolete] [--raw-states] [--mutant NAME]
 *               [--dfs] [--json]
 *   synod check --protocol multipaxos --nodes 3 --commands 2 --timers 2 --max-round 1 [--keep-obsolete] [--raw-states]
 *               [--crashes 1 [--crashable 1]] [--retry] [--target spread|first] [--mutant NAME]
 *   synod check --protocol raft --nodes 3 --commands 1 --timers 1 --max-term 1 [--crashes 1 [--crashable 1]] [--mutant NAME]
 *   synod check --list-mutants
 *   synod check --mutant NAME          (the mutant's smallest recorded configuration)
 *
 * Exit 0 when every invariant held in every reachable state and every sometimes-property was
 * witnessed; 1 otherwise (a counterexample is printed); 2 with one line for a bad argument or
 * an option the configuration cannot honor; 3 when the state budget (--max-states) stopped
 * the search before it was exhaustive, unless --bounded asked for a bounded run; 130 when
 * interrupted (Ctrl-C; the states counted so far are printed). Every --json object has `ok`,
 * and `reason` when not ok.
 *
 * --trace FILE writes the counterexample (or, with none, just the header) in the trace format
 * of lib/sim/trace.ts, which `synod replay` re-checks and `synod trace` prints;
 * --witness-trace FILE writes the shortest run to a state where the sometimes-property holds.
 */
import * as fs from 'node:fs';
import type { Command } from 'commander';
import type { Progress } from '../check/model-checker';
import { NETWORK_MODELS } from '../check/model-checker';
import type { MultiPaxosCheckOptions } from '../check/multipaxos';
import { checkMultiPaxos, MULTIPAXOS_PROTOCOL, multiPaxosReportLines, REQUEST_TARGETS } from '../check/multipaxos';
import type { MultiPaxosResolvedConfig } from '../check/multipaxos';
import { ASSIGNMENTS, TOPOLOGIES } from '../check/paxos';
import { MESSAGE_TYPES } from '../paxos/messages';
import type { SingleDecreeOptions } from '../check/paxos';
import type { CheckReport } from '../check/report';
import { checkSingleDecree, passed, reportLines } from '../check/report';
import { zooEntries, zooEntry } from '../check/zoo';
import { traceFileText } from '../sim/trace';
import type { RaftCheckOptions, RaftResolvedConfig } from '../check/raft';
import { checkRaftModel, RAFT_PROTOCOL, raftReportLines } from '../check/raft';
import { integer, oneOf, UsageError } from './args';
import type { CliContext } from './context';
import type { Report } from './output';
import { emit, EXIT, EXIT_HELP } from './output';
import { progress as progressDisplay } from './progress';
import { synodVersion } from './version';
import { assertNever } from '../core/types';

export const PROTOCOLS = ['single-decree', 'multipaxos', RAFT_PROTOCOL] as const;

export interface CheckFlags {
  protocol?: string;
  acceptors?: string;
  proposers?: string;
  values?: string;
  maxRound?: string;
  maxTerm?: string;
  network?: string;
  crashes?: string;
  learners?: string;
  assign?: string;
  topology?: string;
  symmetry?: boolean;
  keepObsolete?: boolean;
  rawStates?: boolean;
  phase1?: string;
  phase2?: string;
  down?: string;
  nodes?: string;
  commands?: string;
  timers?: string;
  lose?: string;
  retry?: boolean;
  target?: string;
  crashable?: string;
  mutant?: string;
  dfs?: boolean;
  maxStates?: string;
  bounded?: boolean;
  trace?: string;
  witnessTrace?: string;
  listMutants?: boolean;
  json?: boolean;
}

/** The flags that describe a configuration; `--mutant` alone means "its smallest one". */
const CONFIG_FLAGS: readonly (keyof CheckFlags)[] = [
  'protocol', 'acceptors', 'proposers', 'values', 'maxRound', 'network', 'crashes', 'learners', 'assign', 'topology', 'symmetry', 'keepObsolete', 'rawStates', 'lose', 'phase1', 'phase2', 'down',
  'nodes', 'commands', 'timers', 'retry', 'target', 'crashable', 'maxTerm',
];

/** Flags of one protocol only: given with the other, they are a usage error rather than ignored. */
const SINGLE_DECREE_ONLY: readonly (keyof CheckFlags)[] = ['acceptors', 'proposers', 'values', 'learners', 'assign', 'topology', 'symmetry', 'keepObsolete', 'rawStates', 'lose', 'phase1', 'phase2', 'down'];
const MULTIPAXOS_ONLY: readonly (keyof CheckFlags)[] = ['nodes', 'commands', 'retry', 'target', 'crashable'];

function flagName(f: keyof CheckFlags): string {
  return `--${f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

function refuse(flags: CheckFlags, only: readonly (keyof CheckFlags)[], protocol: string): void {
  const bad = only.find((f) => flags[f] !== undefined);
  if (bad !== undefined) throw new UsageError(`${flagName(bad)} does not apply to --protocol ${protocol}`);
}

/** The multipaxos configuration the flags describe (defaults: 3 nodes, 2 commands, 2 timers, round 1). */
export function parseMultiPaxosFlags(flags: CheckFlags): MultiPaxosCheckOptions {
  refuse(flags, SINGLE_DECREE_ONLY.filter((f) => f !== 'keepObsolete' && f !== 'rawStates'), MULTIPAXOS_PROTOCOL);
  const nodes = integer('--nodes', flags.nodes ?? '3', 1, 5);
  const crashable =
    flags.crashable === undefined || flags.crashable.trim() === ''
      ? undefined
      : flags.crashable.split(',').map((d) => integer('--crashable', d.trim(), 1, nodes));
  const o: MultiPaxosCheckOptions = {
    nodes,
    commands: integer('--commands', flags.commands ?? '2', 0, 2),
    timers: integer('--timers', flags.timers ?? '2', 1, nodes),
    maxRound: integer('--max-round', flags.maxRound ?? '1', 1, 9),
    crashes: integer('--crashes', flags.crashes ?? '0', 0, 9),
    network: oneOf('--network', flags.network ?? 'set', ['set'] as const),
    retry: flags.retry === true,
    target: oneOf('--target', flags.target ?? 'spread', REQUEST_TARGETS),
    ...(crashable === undefined ? {} : { crashable }),
    ...(flags.keepObsolete === true ? { pruneObsolete: false } : {}),
    ...(flags.rawStates === true ? { normalize: false } : {}),
  };
  if (flags.mutant === undefined) return o;
  const entry = zooEntry(flags.mutant);
  if (entry === undefined) throw new UsageError(`--mutant: no mutant named '${flags.mutant}' (see synod check --list-mutants)`);
  if (entry.protocol !== MULTIPAXOS_PROTOCOL) throw new UsageError(`--mutant ${flags.mutant} belongs to ${entry.protocol}, not ${MULTIPAXOS_PROTOCOL}`);
  return { ...o, mutant: flags.mutant as NonNullable<MultiPaxosCheckOptions['mutant']> };
}

/** The raft configuration the flags describe (defaults: 3 servers, 1 command, 1 timer, term 1). */
export function parseRaftFlags(flags: CheckFlags): RaftCheckOptions {
  refuse(flags, [...SINGLE_DECREE_ONLY, 'retry', 'target', 'maxRound'], RAFT_PROTOCOL);
  const nodes = integer('--nodes', flags.nodes ?? '3', 1, 5);
  const crashable =
    flags.crashable === undefined || flags.crashable.trim() === '' ? undefined : flags.crashable.split(',').map((d) => integer('--crashable', d.trim(), 1, nodes));
  const o: RaftCheckOptions = {
    nodes,
    commands: integer('--commands', flags.commands ?? '1', 0, 4),
    timers: integer('--timers', flags.timers ?? '1', 0, nodes),
    maxTerm: integer('--max-term', flags.maxTerm ?? '1', 1, 9),
    crashes: integer('--crashes', flags.crashes ?? '0', 0, 9),
    ...(crashable === undefined ? {} : { crashable }),
  };
  if (flags.mutant === undefined) return o;
  const entry = zooEntry(flags.mutant);
  if (entry === undefined) throw new UsageError(`--mutant: no mutant named '${flags.mutant}' (see synod check --list-mutants)`);
  if (entry.protocol !== RAFT_PROTOCOL) throw new UsageError(`--mutant ${flags.mutant} belongs to ${entry.protocol}, not ${RAFT_PROTOCOL}`);
  return { ...o, mutant: flags.mutant as NonNullable<RaftCheckOptions['mutant']> };
}

/**
 * A state budget so that a configuration too large to finish stops, says so, and frees the
 * machine: large enough for every proof row (the largest has 9,628,808 states, about 1 GB).
 */
export const DEFAULT_MAX_STATES = 20_000_000;

export function listMutantsReport(): Report {
  const entries = zooEntries();
  return {
    lines: entries.map((e) => `${e.name}  ${e.breaks}  [${e.protocol}]`),
    json: { mutants: entries.map((e) => ({ name: e.name, breaks: e.breaks, protocol: e.protocol, smallest: e.smallest })) },
    ok: true,
  };
}

/** Turns the flags into a configuration, or a UsageError naming the bad one. */
export function parseCheckFlags(flags: CheckFlags): SingleDecreeOptions {
  if (flags.protocol !== undefined) oneOf('--protocol', flags.protocol, PROTOCOLS);
  refuse(flags, MULTIPAXOS_ONLY, 'single-decree');
  const down =
    flags.down === undefined || flags.down.trim() === ''
      ? undefined
      : flags.down.split(',').map((d) => integer('--down', d.trim(), 1, 9));
  const acceptors = integer('--acceptors', flags.acceptors ?? '3', 1, 9);
  const proposers = integer('--proposers', flags.proposers ?? '2', 1, 9);
  const maxRound = integer('--max-round', flags.maxRound ?? '1', 1, 1000);
  const topology = oneOf('--topology', flags.topology ?? 'colocated', TOPOLOGIES);
  const nodes = topology === 'separate' ? acceptors + proposers : Math.max(acceptors, proposers);
  if (flags.timers !== undefined) {
    const timers = integer('--timers', flags.timers, 0, proposers);
    if (maxRound === 1 && timers > 0) throw new UsageError(`--timers ${timers}: with --max-round 1 no proposer retries, so no timer can fire; give --max-round 2 or more`);
  }
  const o: SingleDecreeOptions = {
    acceptors,
    proposers,
    values: integer('--values', flags.values ?? '2', 1, 26),
    maxRound,
    network: oneOf('--network', flags.network ?? 'set', NETWORK_MODELS),
    crashes: integer('--crashes', flags.crashes ?? '0', 0, 100),
    learners: integer('--learners', flags.learners ?? '0', 0, nodes),
    assign: oneOf('--assign', flags.assign ?? 'own', ASSIGNMENTS),
    topology,
    ...(flags.timers === undefined ? {} : { timers: integer('--timers', flags.timers, 0, 9) }),
    ...(flags.lose === undefined || flags.lose.trim() === '' ? {} : { lose: flags.lose.split(',').map((l) => oneOf('--lose', l.trim(), MESSAGE_TYPES)) }),
    ...(flags.symmetry === true ? { symmetry: true } : {}),
    ...(flags.keepObsolete === true ? { pruneObsolete: false } : {}),
    ...(flags.rawStates === true ? { normalize: false } : {}),
    ...(flags.phase1 === undefined ? {} : { phase1: integer('--phase1', flags.phase1, 1, 9) }),
    ...(flags.phase2 === undefined ? {} : { phase2: integer('--phase2', flags.phase2, 1, 9) }),
    ...(down === undefined ? {} : { down }),
  };
  if (flags.mutant !== undefined) {
    const entry = zooEntry(flags.mutant);
    if (entry === undefined) throw new UsageError(`--mutant: no mutant named '${flags.mutant}' (see synod check --list-mutants)`);
    if (entry.protocol !== 'single-decree') throw new UsageError(`--mutant ${flags.mutant} belongs to ${entry.protocol}; run it alone to use its smallest configuration`);
    return { ...o, mutant: flags.mutant as NonNullable<SingleDecreeOptions['mutant']> };
  }
  return o;
}

/** The report as printed: the JSON with `ok`, `reason` and `exhaustive` first (and without the witness traces). */
function toReport(r: CheckReport<unknown>, header: readonly string[], bounded: boolean): Report {
  const lines =
    r.protocol === MULTIPAXOS_PROTOCOL ? multiPaxosReportLines(r as CheckReport<MultiPaxosResolvedConfig>)
      : r.protocol === RAFT_PROTOCOL ? raftReportLines(r as CheckReport<RaftResolvedConfig>)
        : reportLines(r as CheckReport);
  const ok = passed(r);
  const cut = !r.complete && r.violations.length === 0;
  const never = Object.entries(r.sometimes).filter(([, s]) => !s.holds).map(([name]) => name);
  const reason = r.violations.length > 0
    ? `${r.violations[0]!.invariants.join(', ')} violated after ${r.violations[0]!.length} actions`
    : never.length > 0 ? `never reached: ${never.join(', ')}` : cut && !bounded ? `not exhaustive: the state budget stopped the search at ${r.states} states` : undefined;
  const { witnesses: _witnesses, ...json } = r;
  const budget = cut ? [bounded ? 'bounded run (--bounded): exit 0 although not exhaustive' : `NOT EXHAUSTIVE: the state budget stopped the search at ${r.states} states (exit ${EXIT.incomplete}; raise --max-states, or pass --bounded to accept a bounded run)`] : [];
  return {
    lines: [...header, ...lines, ...budget],
    json: { ok: ok && (!cut || bounded), ...(reason === undefined ? {} : { reason }), ...(cut ? { bounded } : {}), ...json },
    ok: ok && (!cut || bounded),
    ...(ok && cut && !bounded ? { exit: EXIT.incomplete } : {}),
    ...(reason === undefined ? {} : { reason }),
  };
}

/** The progress display (after 2 s) fed by the checker's progress calls (about once a second), for a check run in this thread. */
function watchCheck(context: CliContext): { options: { progress: (p: Progress) => void }; dispose(): void } {
  const display = progressDisplay(context.io, 'check', context.progress ?? {});
  return {
    options: {
      progress: (p) => {
        const rate = p.seconds > 0 ? Math.round(p.states / p.seconds) : 0;
        display.update(p.states, null, `states, ${p.queue} queued, ${rate} states/s`);
      },
    },
    dispose() {
      display.finish();
    },
  };
}

/** What a check run was asked, as the trace header keeps it (the output options left out). */
function configFlags(flags: CheckFlags): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(flags)) if (v !== undefined && !['trace', 'witnessTrace', 'json', 'listMutants'].includes(k)) out[k] = v;
  return out;
}

/** `synod check ...` spelled out from its flags. */
export function checkCommandLine(flags: Readonly<Record<string, unknown>>): string {
  const words = ['synod', 'check'];
  for (const [k, v] of Object.entries(flags)) {
    const name = flagName(k as keyof CheckFlags);
    if (v === true) words.push(name);
    else if (typeof v === 'string') words.push(name, v);
  }
  return words.map((w) => (/^[\w.,:=/+-]+$/.test(w) ? w : `'${w}'`)).join(' ');
}

/** The trace events of a check report: its counterexample, or the witness of a sometimes-property. */
export function checkEvents(report: CheckReport<unknown>, what: string): readonly object[] {
  const raw: readonly object[] = what === 'counterexample' ? (report.violations[0]?.events ?? []) : (report.witnesses?.[what.replace(/^witness:/, '')] ?? []);
  return raw.map((e, i) => ({ step: i + 1, tick: i + 1, ...e }));
}

/** A check trace file for `what` ('counterexample' or 'witness:<property>'). */
export function checkTraceText(flags: CheckFlags, report: CheckReport<unknown>, what: string): string {
  const options = configFlags(flags);
  return traceFileText({ synod: synodVersion(), command: 'check', protocol: report.protocol, seed: null, options, reproduce: checkCommandLine(options), what }, checkEvents(report, what));
}

/** Runs the check the flags describe and returns its report (no output files). */
export function checkRun(flags: CheckFlags, watch: { progress?: (p: Progress) => void } = {}): { report: CheckReport<unknown>; header: string[] } {
  const maxStates = integer('--max-states', flags.maxStates ?? String(DEFAULT_MAX_STATES), 1);
  const dfs = flags.dfs === true;
  const alone = flags.mutant !== undefined && CONFIG_FLAGS.every((f) => flags[f] === undefined);
  if (alone) {
    const entry = zooEntry(flags.mutant!);
    if (entry === undefined) throw new UsageError(`--mutant: no mutant named '${flags.mutant}' (see synod check --list-mutants)`);
    const header = [`mutant ${entry.name} (${entry.breaks})`, `at its smallest recorded configuration: ${entry.smallest}`];
    return { report: entry.run({ dfs }), header };
  }
  if ((flags.protocol ?? (flags.mutant === undefined ? undefined : zooEntry(flags.mutant)?.protocol)) === RAFT_PROTOCOL) {
    return { report: checkRaftModel(parseRaftFlags(flags), { dfs, maxStates, ...watch }), header: [] };
  }
  if ((flags.protocol ?? (flags.mutant === undefined ? undefined : zooEntry(flags.mutant)?.protocol)) === MULTIPAXOS_PROTOCOL) {
    const run = checkMultiPaxos(parseMultiPaxosFlags(flags), { dfs, maxStates, ...watch });
    if (!run.ok) throw new UsageError(run.error);
    return { report: run.report, header: [] };
  }
  const run = checkSingleDecree(parseCheckFlags(flags), { dfs, maxStates, ...watch });
  if (!run.ok) throw new UsageError(run.error);
  return { report: run.report, header: [] };
}

/** The report of an interrupted check: the states visited so far, not exhaustive, exit 130. */
function interruptedReport(p: Progress): Report {
  const reason = `interrupted after ${p.states} states (${p.transitions} transitions, ${p.seconds.toFixed(0)} s): not exhaustive`;
  return {
    lines: [`INTERRUPTED: ${reason}; no violation in the states visited so far`],
    json: { ok: false, reason, interrupted: true, complete: false, states: p.states, transitions: p.transitions, queue: p.queue, seconds: p.seconds },
    ok: false,
    reason,
    exit: EXIT.interrupted,
  };
}

/** What the check's worker thread (./check-worker.ts) posts to the main thread. */
export type WorkerMessage =
  | { readonly type: 'progress'; readonly progress: Progress }
  | { readonly type: 'done'; readonly report: unknown; readonly header: string[] }
  | { readonly type: 'interrupted'; readonly last: Progress }
  | { readonly type: 'usage'; readonly message: string }
  | { readonly type: 'error'; readonly message: string };

/**
 * The check in a worker thread (./check-worker.ts), for the real process: SIGINT sets a flag
 * in shared memory that the worker reads at its next progress report, and the partial figures
 * come back. Resolves to the report and header, or to the interrupted report.
 */
async function runCheckInWorker(flags: CheckFlags, context: CliContext): Promise<{ report: CheckReport<unknown>; header: string[] } | Report> {
  const { Worker } = await import('node:worker_threads');
  const path = await import('node:path');
  const v8 = await import('node:v8');
  const fromSource = __filename.endsWith('.ts');
  const stop = new SharedArrayBuffer(4);
  const flag = new Int32Array(stop);
  const display = progressDisplay(context.io, 'check', context.progress ?? {});
  const worker = new Worker(path.join(__dirname, `check-worker${fromSource ? '.ts' : '.js'}`), {
    workerData: { flags, stop },
    execArgv: fromSource ? ['--require', 'ts-node/register/transpile-only'] : [],
    env: { ...process.env, ...(fromSource ? { TS_NODE_PROJECT: path.join(__dirname, '..', '..', 'tsconfig.json') } : {}) },
    resourceLimits: { maxOldGenerationSizeMb: Math.floor(v8.getHeapStatistics().heap_size_limit / 2 ** 20) },
  });
  const onSigint = (): void => {
    if (Atomics.load(flag, 0) === 1) {
      void worker.terminate();
      process.removeListener('SIGINT', onSigint);
      process.kill(process.pid, 'SIGINT');
      return;
    }
    Atomics.store(flag, 0, 1);
    process.stderr.write('\nsynod: interrupted; stopping at the next progress report (Ctrl-C again to quit at once)\n');
  };
  process.on('SIGINT', onSigint);
  try {
    return await new Promise((resolve, reject) => {
      worker.on('message', (m: WorkerMessage) => {
        switch (m.type) {
          case 'progress': {
            const p = m.progress;
            const rate = p.seconds > 0 ? Math.round(p.states / p.seconds) : 0;
            display.update(p.states, null, `states, ${p.queue} queued, ${rate} states/s`);
            break;
          }
          case 'done':
            resolve({ report: m.report as CheckReport<unknown>, header: m.header });
            break;
          case 'interrupted':
            resolve(interruptedReport(m.last));
            break;
          case 'usage':
            reject(new UsageError(m.message));
            break;
          case 'error':
            reject(new Error(m.message));
            break;
          default:
            assertNever(m, 'worker message');
        }
      });
      worker.on('error', reject);
      worker.on('exit', (code) => {
        if (code !== 0) reject(new Error(`synod: the check's worker exited with code ${code}`));
      });
    });
  } finally {
    process.removeListener('SIGINT', onSigint);
    display.finish();
    await worker.terminate();
  }
}

export async function runCheck(flags: CheckFlags, context: CliContext): Promise<Report> {
  if (flags.listMutants === true) {
    const other = Object.entries(flags).find(([k, v]) => v !== undefined && k !== 'listMutants' && k !== 'json');
    if (other !== undefined) throw new UsageError(`--list-mutants takes no other option, got ${flagName(other[0] as keyof CheckFlags)}`);
    return listMutantsReport();
  }
  let run: { report: CheckReport<unknown>; header: string[] };
  if (context.catchSigint === true) {
    const outcome = await runCheckInWorker(flags, context);
    if (!('report' in outcome)) return outcome;
    run = outcome;
  } else {
    // In this thread (tests, and callers of `main` with their own output) nothing interrupts the search.
    const watch = watchCheck(context);
    try {
      run = checkRun(flags, watch.options);
    } finally {
      watch.dispose();
    }
  }
  const { report, header } = run;
  if (flags.trace !== undefined) {
    const v = report.violations[0];
    writeOut('--trace', flags.trace, checkTraceText(flags, report, 'counterexample'));
    header.push(v === undefined ? `no counterexample; ${flags.trace} holds only the trace header` : `counterexample trace (${v.events.length} events) written to ${flags.trace}`);
  }
  if (flags.witnessTrace !== undefined) {
    const name = Object.keys(report.sometimes)[0];
    if (name === undefined || report.witnesses?.[name] === undefined) throw new UsageError(`--witness-trace: no sometimes-property was witnessed in this run`);
    writeOut('--witness-trace', flags.witnessTrace, checkTraceText(flags, report, `witness:${name}`));
    header.push(`witness of "${name}" (${report.witnesses[name]!.length} events) written to ${flags.witnessTrace}`);
  }
  return toReport(report, header, flags.bounded === true);
}

function writeOut(option: string, file: string, text: string): void {
  try {
    fs.writeFileSync(file, text);
  } catch (error) {
    throw new UsageError(`${option}: cannot write ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export function registerCheck(cli: Command, context: CliContext): void {
  cli
    .command('check')
    .description('model-check every interleaving of a small configuration of the real roles; the bug zoo')
    .addHelpText('after', `\n${EXIT_HELP}`)
    .option('--protocol <name>', `protocol to check: ${PROTOCOLS.join(', ')}`)
    .option('--acceptors <n>', 'acceptors (nodes 1..n; default 3)')
    .option('--proposers <n>', 'proposers (nodes 1..n, sharing the acceptors\' processes; default 2)')
    .option('--values <n>', 'values clients propose: A, B, ... (default 2)')
    .option('--max-round <n>', 'no ballot above this round (default 1: no retries)')
    .option('--max-term <n>', 'raft: no term above this one (default 1)')
    .option('--network <model>', 'set (Paxos.tla msgs: any message any number of times) or multiset (each copy once; single-decree only); default set')
    .option('--crashes <n>', 'crash-and-restart actions per run (default 0)')
    .option('--learners <n>', 'nodes 1..n also learn (default 0)')
    .option('--assign <how>', 'own: proposer i is handed value i; any: any value (default own)')
    .option('--topology <where>', 'colocated: proposers on acceptor nodes 1..p; separate: on nodes of their own after the acceptors (default colocated)')
    .option('--symmetry', 'symmetry reduction over the acceptors (needs --topology separate): one state per class of states equal up to renaming acceptors')
    .option('--keep-obsolete', 'keep rejections and promises a proposer (multipaxos: a candidate or leader) has moved past in the network (by default they are removed: nobody can act on them)')
    .option('--raw-states', "check the roles' states as they are (by default they are put in normal form: bookkeeping a proposer (multipaxos: a node) never reads again, and a rejection's sender, are reset)")
    .option('--phase1 <n>', 'phase-1 quorum size (default majority)')
    .option('--phase2 <n>', 'phase-2 quorum size (default majority)')
    .option('--down <ids>', 'nodes that never run, comma-separated')
    .option('--nodes <n>', 'multipaxos: nodes 1..n, each acceptor, leader and replica (default 3)')
    .option('--commands <n>', 'multipaxos: client commands, 0-2, each handed once to a timer node (default 2)')
    .option('--timers <n>', 'multipaxos: nodes 1..n have election timers (default 2); single-decree: the first n proposers may retry (default all)')
    .option('--lose <types>', 'single-decree: message types the network always loses, comma-separated (e.g. rejected,accepted)')
    .option('--retry', 'multipaxos: each command is also handed once to the next node (a client retry)')
    .option('--target <how>', 'multipaxos: spread (command i to timer node i) or first (all to node 1); default spread')
    .option('--crashable <ids>', 'multipaxos: nodes that may crash, comma-separated (default all)')
    .option('--mutant <name>', 'check a bug-zoo variant; alone: at its smallest recorded configuration')
    .option('--dfs', 'depth-first search (traces are then not the shortest)')
    .option('--max-states <n>', `stop after this many states (default ${DEFAULT_MAX_STATES}); the report then says not exhaustive, and exits 3`)
    .option('--bounded', 'a bounded run on purpose: exit 0, not 3, when --max-states stops the search')
    .option('--trace <file>', 'write the counterexample (header, then one event a line) for synod replay and synod trace')
    .option('--witness-trace <file>', 'write the shortest run to a state where the sometimes-property holds, same format')
    .option('--list-mutants', 'list the bug zoo: name, then what it breaks')
    .option('--json', 'print one JSON object')
    .action(async (flags: CheckFlags) => {
      context.exitCode = emit(await runCheck(flags, context), flags.json === true, context.io);
    });
}
