/**
 * Runs a single-decree check and turns the result into what `synod check` prints: one JSON
 * object (`{ protocol, config, states, transitions, depth, seconds, complete, violations,
 * sometimes }`) and readable lines, with each counterexample as message lines and as replayable
 * trace events (lib/check/trace.ts).
 */
import type { Message } from '../paxos/messages';
import type { NodeState } from '../paxos/node';
import type { Action, CheckOptions, CheckResult, TraceStep } from './model-checker';
import { formatTrace, ModelChecker } from './model-checker';
import type { SingleDecreeOptions, Value } from './paxos';
import { normalizes, prunesObsolete, showMessage, singleDecreeModel } from './paxos';
import type { TraceEvent } from './trace';
import { traceEvents } from './trace';

export interface ViolationReport {
  readonly property: string;
  /** The invariants that broke in the last state, by name. */
  readonly invariants: readonly string[];
  readonly description: string;
  /** Number of actions from the initial state to the violating one. */
  readonly length: number;
  readonly trace: readonly string[];
  readonly events: readonly TraceEvent<Message<Value>, Value>[];
}

export interface SometimesReport {
  readonly holds: boolean;
  /** Actions to the first state found where it holds (the shortest such run under BFS). */
  readonly depth: number | null;
}

/** What every protocol's check prints; `Config` is the protocol's configuration, spelled out. */
export interface CheckReport<Config = ResolvedConfig> {
  readonly protocol: string;
  readonly config: Config;
  readonly states: number;
  readonly transitions: number;
  readonly depth: number;
  readonly seconds: number;
  readonly complete: boolean;
  readonly violations: readonly ViolationReport[];
  readonly sometimes: Readonly<Record<string, SometimesReport>>;
  /**
   * Per sometimes-property that holds, the shortest run (under BFS) to a state where it does,
   * as trace events (`synod check --witness-trace`). Left out of the CLI's JSON.
   */
  readonly witnesses?: Readonly<Record<string, readonly object[]>>;
}

/** Every option spelled out, defaults filled in, as printed in reports. */
export interface ResolvedConfig {
  readonly acceptors: number;
  readonly proposers: number;
  readonly values: number;
  readonly maxRound: number;
  readonly network: SingleDecreeOptions['network'];
  readonly crashes: number;
  readonly timers: number;
  readonly learners: number;
  readonly assign: NonNullable<SingleDecreeOptions['assign']>;
  readonly topology: NonNullable<SingleDecreeOptions['topology']>;
  /** Symmetry reduction over the acceptors: states are counted one per class. */
  readonly symmetry: boolean;
  /** Replies a proposer has moved past are removed from the network (real roles, set network). */
  readonly pruneObsolete: boolean;
  /** The real roles run on normal forms (`paxosNormalForm`): dead bookkeeping reset. */
  readonly normalize: boolean;
  readonly phase1: number;
  readonly phase2: number;
  readonly down: readonly number[];
  readonly lose: readonly string[];
  readonly mutant: string | null;
  readonly search: 'bfs' | 'dfs';
  /** Actions played before the search (a directed start), 0 for a search from the start. */
  readonly prefix: number;
}

export type CheckRun = { readonly ok: true; readonly report: CheckReport } | { readonly ok: false; readonly error: string };

/** Checks one single-decree configuration. */
export function checkSingleDecree(
  o: SingleDecreeOptions,
  options: CheckOptions<unknown, Message<Value>, Value> & { readonly dfs?: boolean } = {},
): CheckRun {
  const built = singleDecreeModel(o);
  if (!built.ok) return built;
  const result = new ModelChecker(built.model).run(options as CheckOptions<NodeState<Value>, Message<Value>, Value>);
  const config: ResolvedConfig = {
    acceptors: o.acceptors,
    proposers: o.proposers,
    values: o.values,
    maxRound: o.maxRound,
    network: o.network,
    crashes: o.crashes,
    timers: o.maxRound > 1 ? Math.min(o.timers ?? o.proposers, o.proposers) : 0,
    learners: o.learners ?? 0,
    assign: o.assign ?? 'own',
    topology: o.topology ?? 'colocated',
    symmetry: o.symmetry === true,
    pruneObsolete: prunesObsolete(o),
    normalize: normalizes(o),
    phase1: built.config.quorums.phase1,
    phase2: built.config.quorums.phase2,
    down: o.down ?? [],
    lose: o.lose ?? [],
    mutant: o.mutant ?? null,
    search: options.dfs === true ? 'dfs' : 'bfs',
    prefix: options.prefix?.length ?? 0,
  };
  return { ok: true, report: toReport('single-decree', config, result) };
}

export function checkSingleDecreeOrThrow(
  o: SingleDecreeOptions,
  options: { readonly dfs?: boolean; readonly maxStates?: number; readonly prefix?: readonly Action<Message<Value>, Value>[] } = {},
): CheckReport {
  const run = checkSingleDecree(o, options);
  if (!run.ok) throw new Error(`synod: ${run.error}`);
  return run.report;
}

/**
 * A checker result as every protocol's report: counts, each violation with its trace as
 * readable lines (`show`) and as trace events, and each sometimes-property with its depth.
 */
export function toCheckReport<Config, M, C>(
  protocol: string,
  config: Config,
  r: CheckResult<M, C>,
  show: (trace: readonly TraceStep<M, C>[]) => string[],
): CheckReport<Config> {
  const sometimes: Record<string, SometimesReport> = {};
  const witnesses: Record<string, readonly object[]> = {};
  for (const [name, s] of Object.entries(r.sometimes)) {
    sometimes[name] = { holds: s.holds, depth: s.witness === null ? null : s.witness.length };
    if (s.witness !== null) witnesses[name] = traceEvents(s.witness);
  }
  return {
    protocol,
    config,
    states: r.states,
    transitions: r.transitions,
    depth: r.depth,
    seconds: Math.round(r.seconds * 1000) / 1000,
    complete: r.complete,
    violations: r.violations.map((v) => ({
      property: v.property,
      invariants: [...new Set(v.findings.map((f) => f.invariant))],
      description: v.findings.map((f) => `${f.invariant}: ${f.description}`).join('; '),
      length: v.trace.length,
      trace: show(v.trace),
      // The report type names single-decree events; other protocols' events are their own.
      events: traceEvents(v.trace) as unknown as ViolationReport['events'],
    })),
    sometimes,
    witnesses,
  };
}

function toReport(protocol: string, config: ResolvedConfig, r: CheckResult<Message<Value>, Value>): CheckReport {
  return toCheckReport(protocol, config, r, lines);
}

function defaultDescription(config: unknown): string {
  return isResolvedConfig(config) ? describeConfig(config) : otherConfig(config);
}

function isResolvedConfig(config: unknown): config is ResolvedConfig {
  return typeof config === 'object' && config !== null && 'acceptors' in config && 'proposers' in config && 'maxRound' in config;
}

function lines(trace: readonly TraceStep<Message<Value>, Value>[]): string[] {
  return formatTrace(trace, showMessage, (c) => c);
}

/** True when no invariant broke and every sometimes-property was witnessed. */
export function passed(r: CheckReport<unknown>): boolean {
  return r.violations.length === 0 && Object.values(r.sometimes).every((s) => s.holds);
}

export function describeConfig(c: ResolvedConfig): string {
  const parts = [
    `${c.acceptors} acceptors`,
    `${c.proposers} proposers`,
    `${c.values} values (${c.assign})`,
    `max round ${c.maxRound}`,
    `${c.timers} ${c.timers === 1 ? 'timer' : 'timers'}`,
    `${c.network} network`,
    `${c.crashes} crashes`,
    `${c.learners} learners`,
    `quorums ${c.phase1}/${c.phase2}`,
  ];
  if (c.topology === 'separate') parts.push('proposers on their own nodes');
  if (c.symmetry) parts.push('symmetry over acceptors (states counted one per class)');
  if (c.pruneObsolete) parts.push('obsolete replies removed');
  if (c.normalize) parts.push('normal forms');
  if (c.down.length > 0) parts.push(`down ${c.down.join(',')}`);
  if (c.lose.length > 0) parts.push(`the network loses every ${c.lose.join(' and ')} message`);
  if (c.mutant !== null) parts.push(`mutant ${c.mutant}`);
  if (c.search === 'dfs') parts.push('depth-first');
  if (c.prefix > 0) parts.push(`searching from a directed start of ${c.prefix} actions`);
  return parts.join(', ');
}

/** Another protocol's configuration, as `key value` pairs. */
function otherConfig(c: unknown): string {
  return Object.entries(c as Record<string, unknown>).map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(',') : String(v)}`).join(', ');
}

/** The readable form of a report; `describe` spells out the protocol's configuration. */
export function reportLines<Config>(r: CheckReport<Config>, describe: (config: Config) => string = defaultDescription): string[] {
  const out = [
    `${r.protocol}: ${describe(r.config)}`,
    `${r.states} states, ${r.transitions} transitions, depth ${r.depth}, ${r.seconds.toFixed(2)} s, ${
      r.complete ? 'exhaustive' : r.violations.length > 0 ? 'stopped at the first violation' : 'NOT exhaustive (state limit reached)'
    }`,
  ];
  for (const [name, s] of Object.entries(r.sometimes)) {
    out.push(`sometimes "${name}": ${s.holds ? `holds (first reached after ${s.depth} actions)` : 'NEVER holds in any reachable state'}`);
  }
  if (r.violations.length === 0) out.push(r.complete ? 'every invariant holds in every reachable state' : 'no violation in the states visited');
  for (const v of r.violations) {
    out.push('', `VIOLATION of ${v.invariants.join(', ')} after ${v.length} actions: ${v.description}`, ...v.trace);
  }
  return out;
}

/** One mutant of the bug zoo as the checker runs it (registered in ./zoo.ts by each protocol's model). */
export interface ZooEntry {
  readonly name: string;
  /** What it breaks, in one sentence. */
  readonly breaks: string;
  /** The protocol it is a variant of (`single-decree`, later `multi-paxos`, `raft`). */
  readonly protocol: string;
  /** The smallest configuration at which the checker catches it, in words. */
  readonly smallest: string;
  /** Checks the mutant at its smallest configuration (BFS: the shortest counterexample). */
  run(options?: { readonly dfs?: boolean; readonly maxStates?: number }): CheckReport<unknown>;
  /**
   * When the correct code's space at this configuration is too large to exhaust: the control
   * is checked on this many states (first found, breadth-first), and reports say so.
   */
  readonly boundedControl?: number;
  /** Checks the correct code at the same configuration: it must pass. */
  control(options?: { readonly dfs?: boolean; readonly maxStates?: number }): CheckReport<unknown>;
}
