/**
 * `synod check`: exhaustive model checking of the real roles, and the bug zoo.
 *
 *   synod check --protocol single-decree --acceptors 3 --proposers 2 --values 2 --max-round 1
 *               [--network set|multiset] [--crashes 1] [--timers 1] [--lose rejected,accepted]
 *               [--topology colocated|separate [--symmetry]] [--keep-obsolete] [--raw-states] [--mutant NAME]
 *               [--dfs] [--json]
 *   synod check --protocol multipaxos --nodes 3 --commands 2 --timers 2 --max-round 1
 *               [--crashes 1 [--crashable 1]] [--retry] [--target spread|first] [--mutant NAME]
 *   synod check --protocol raft --nodes 3 --commands 1 --timers 1 --max-term 1 [--crashes 1 [--crashable 1]] [--mutant NAME]
 *   synod check --list-mutants
 *   synod check --mutant NAME          (the mutant's smallest recorded configuration)
 *
 * Exit 0 when every invariant held in every state visited and every sometimes-property was
 * witnessed; 1 otherwise (a counterexample is printed); 2 with one line for a bad argument.
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
import { toJsonLines } from '../check/trace';
import { zooEntries, zooEntry } from '../check/zoo';
import type { RaftCheckOptions, RaftResolvedConfig } from '../check/raft';
import { checkRaftModel, RAFT_PROTOCOL, raftReportLines } from '../check/raft';
import { integer, oneOf, UsageError } from './args';
import type { CliContext } from './main';
import type { Report } from './output';
import { emit } from './output';

export const PROTOCOLS = ['single-decree', 'multipaxos', RAFT_PROTOCOL] as const;

interface CheckFlags {
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
  trace?: string;
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
  refuse(flags, SINGLE_DECREE_ONLY, MULTIPAXOS_PROTOCOL);
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
  const o: SingleDecreeOptions = {
    acceptors: integer('--acceptors', flags.acceptors ?? '3', 1, 9),
    proposers: integer('--proposers', flags.proposers ?? '2', 1, 9),
    values: integer('--values', flags.values ?? '2', 0, 26),
    maxRound: integer('--max-round', flags.maxRound ?? '1', 1, 1000),
    network: oneOf('--network', flags.network ?? 'set', NETWORK_MODELS),
    crashes: integer('--crashes', flags.crashes ?? '0', 0, 100),
    learners: integer('--learners', flags.learners ?? '0', 0, 9),
    assign: oneOf('--assign', flags.assign ?? 'own', ASSIGNMENTS),
    topology: oneOf('--topology', flags.topology ?? 'colocated', TOPOLOGIES),
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

function toReport(r: CheckReport<unknown>, header: readonly string[]): Report {
  const lines =
    r.protocol === MULTIPAXOS_PROTOCOL ? multiPaxosReportLines(r as CheckReport<MultiPaxosResolvedConfig>)
      : r.protocol === RAFT_PROTOCOL ? raftReportLines(r as CheckReport<RaftResolvedConfig>)
        : reportLines(r as CheckReport);
  return { lines: [...header, ...lines], json: r, ok: passed(r) };
}

/** A progress line on a terminal: states, queue, states per second. */
function progressLine(context: CliContext): { progress?: (p: Progress) => void } {
  if (process.stderr.isTTY !== true) return {};
  return {
    progress: (p) => {
      const rate = p.seconds > 0 ? Math.round(p.states / p.seconds) : 0;
      context.io.err(`\r${p.states} states, ${p.queue} queued, ${rate} states/s, ${p.seconds.toFixed(0)} s `);
    },
  };
}

export function runCheck(flags: CheckFlags, context: CliContext): Report {
  if (flags.listMutants === true) return listMutantsReport();
  const maxStates = integer('--max-states', flags.maxStates ?? String(DEFAULT_MAX_STATES), 1);
  const dfs = flags.dfs === true;
  const progress = progressLine(context);
  const alone = flags.mutant !== undefined && CONFIG_FLAGS.every((f) => flags[f] === undefined);
  let report: CheckReport<unknown>;
  let header: string[] = [];
  if (alone) {
    const entry = zooEntry(flags.mutant!);
    if (entry === undefined) throw new UsageError(`--mutant: no mutant named '${flags.mutant}' (see synod check --list-mutants)`);
    header = [`mutant ${entry.name} (${entry.breaks})`, `at its smallest recorded configuration: ${entry.smallest}`];
    report = entry.run({ dfs });
  } else if ((flags.protocol ?? (flags.mutant === undefined ? undefined : zooEntry(flags.mutant)?.protocol)) === RAFT_PROTOCOL) {
    report = checkRaftModel(parseRaftFlags(flags), { dfs, maxStates, ...progress });
  } else if ((flags.protocol ?? (flags.mutant === undefined ? undefined : zooEntry(flags.mutant)?.protocol)) === MULTIPAXOS_PROTOCOL) {
    const run = checkMultiPaxos(parseMultiPaxosFlags(flags), { dfs, maxStates, ...progress });
    if (!run.ok) throw new UsageError(run.error);
    report = run.report;
  } else {
    const run = checkSingleDecree(parseCheckFlags(flags), { dfs, maxStates, ...progress });
    if (!run.ok) throw new UsageError(run.error);
    report = run.report;
  }
  if (progress.progress !== undefined) context.io.err('\n');
  if (flags.trace !== undefined) {
    const v = report.violations[0];
    fs.writeFileSync(flags.trace, v === undefined ? '' : toJsonLines(v.events));
    header.push(v === undefined ? `no counterexample; ${flags.trace} left empty` : `counterexample trace (${v.events.length} events, JSON lines) written to ${flags.trace}`);
  }
  return toReport(report, header);
}

export function registerCheck(cli: Command, context: CliContext): void {
  cli
    .command('check')
    .description('model-check every interleaving of a small configuration of the real roles; the bug zoo')
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
    .option('--keep-obsolete', 'keep rejections and promises a proposer has moved past in the network (by default they are removed: nobody can act on them)')
    .option('--raw-states', "check the roles' states as they are (by default they are put in normal form: bookkeeping a proposer never reads again, and a rejection's sender, are reset)")
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
    .option('--max-states <n>', `stop after this many states (default ${DEFAULT_MAX_STATES}); the report then says not exhaustive`)
    .option('--trace <file>', 'write the counterexample as JSON lines, one event each')
    .option('--list-mutants', 'list the bug zoo: name, then what it breaks')
    .option('--json', 'print one JSON object')
    .action((flags: CheckFlags) => {
      context.exitCode = emit(runCheck(flags, context), flags.json === true, context.io);
    });
}
