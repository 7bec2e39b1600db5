/**
 * The model checker on Raft (lib/raft): every interleaving of a small, bounded configuration,
 * with Raft's invariants (lib/invariants/raft.ts) checked in every state, and the Raft zoo's
 * mutants (lib/zoo/raft.ts) at the configurations that catch them.
 *
 *   synod check --protocol raft --nodes 3 --commands 1 --timers 2 --max-term 2 [--crashes 1]
 *
 * The configuration: servers 1..N; `commands` client commands, the i-th handed to server
 * 1 + (i mod N) (a follower redirects, so only commands that reach a leader matter); the
 * election timers of servers 1..`timers` may fire; terms up to `maxTerm` (a step that would go
 * above is not taken); `crashes` crash-and-restart actions in total; the set network of
 * Paxos.tla (a message once sent may be delivered any number of times, or never).
 *
 * Time: a timer action is "time passes until this server's next timer fires": a follower or
 * candidate starts an election, a leader sends AppendEntries to every follower. Every such
 * action is a real run of the protocol (the ticks in between changed nothing but the clock),
 * so the timer fields (ticks elapsed, the drawn timeout, the generator) are left out of a
 * state's name, as are the counters and the replica (a function of the committed log).
 *
 * Properties: every invariant of lib/invariants/raft.ts that reads states and messages
 * (Election Safety, Leader Append-Only, Log Matching, Leader Completeness, State Machine
 * Safety), always; "an entry is committed" (and, with commands, "a command is committed"),
 * sometimes, so that a pass is not vacuous.
 */
import type { Protocol } from '../core/protocol';
import { canonicalKey } from './canonical';
import type { KvOp, KvResult, KvState } from '../machine/kv';
import { kvStore } from '../machine/kv';
import type { Command } from '../machine/command';
import type { RaftMessage, RaftMessageType } from '../raft/messages';
import { RAFT_MESSAGE_TYPES } from '../raft/messages';
import type { RaftConfig, RaftNodeState, RaftRecord } from '../raft/state';
import { entriesBetween } from '../raft/state';
import type { RaftEffect, RaftStep } from '../raft/step';
import type { RaftHandlers } from '../raft/node';
import { raftProtocol } from '../raft/node';
import type { RaftMutantName } from '../zoo/raft';
import { RAFT_MUTANTS, raftMutant } from '../zoo/raft';
import { checkRaft } from '../invariants/raft';
import { describeRaftMessage, raftView } from '../sim/raft-subject';
import type { Action, AlwaysProperty, CheckResult, Model, Progress, SometimesProperty, TraceStep } from './model-checker';
import { ModelChecker, formatTrace } from './model-checker';
import type { CheckReport } from './report';
import { reportLines, toCheckReport } from './report';
import type { ZooEntry } from './report';

export const RAFT_PROTOCOL = 'raft';

export type RaftCheckState = RaftNodeState<KvState, KvOp, KvResult>;
export type RaftCheckMessage = RaftMessage<KvOp>;
type Cmd = Command<KvOp>;

export interface RaftCheckOptions {
  readonly nodes: number;
  readonly commands: number;
  /** Servers 1..timers may time out. */
  readonly timers: number;
  readonly maxTerm: number;
  readonly crashes: number;
  /** Servers that may crash (default: all). */
  readonly crashable?: readonly number[];
  /** Message types the network always loses (to reach a deep counterexample in a smaller space). */
  readonly lose?: readonly RaftMessageType[];
  readonly mutant?: RaftMutantName;
}

export interface RaftResolvedConfig {
  readonly nodes: number;
  readonly commands: number;
  readonly timers: number;
  readonly maxTerm: number;
  readonly crashes: number;
  readonly crashable: readonly number[] | 'all';
  readonly lose: readonly RaftMessageType[];
  readonly network: 'set';
  readonly mutant: string | null;
  readonly search: 'bfs' | 'dfs';
  readonly prefix: number;
}

export function raftModelConfig(nodes: number): RaftConfig<KvState, KvOp, KvResult> {
  return { servers: Array.from({ length: nodes }, (_, i) => i + 1), machine: kvStore, heartbeat: 1, electionTimeout: 2, seed: 1, maxEntries: 1 };
}

/** The i-th command of a model: a put of its own value. */
export function raftModelCommand(i: number): Cmd {
  return { client: `c${i}`, seq: 1, op: { type: 'put', key: 'x', value: i + 1 } };
}

/** The protocol with a timer action that lets time pass until the server's next timer fires. */
function untilTimerFires(base: Protocol<RaftCheckState, RaftCheckMessage, RaftEffect<KvOp, KvResult>, RaftRecord<KvOp>, Cmd>): typeof base {
  return {
    ...base,
    timeout(s): RaftStep<KvState, KvOp, KvResult> {
      let step = base.timeout(s);
      for (let i = 0; i < 64 && step.effects.length === 0; i += 1) step = base.timeout(step.state);
      return step;
    },
  };
}

/** A server's name in the search: its state without the clock, the counters and the replica. */
function stateKey(s: RaftCheckState): string {
  return canonicalKey({ ...s, elapsed: undefined, timeoutAt: undefined, rng: undefined, counters: undefined, replica: undefined });
}

const raftInvariants: AlwaysProperty<RaftCheckState, RaftCheckMessage, Cmd> = {
  name: 'Raft invariants',
  check: (snapshot) =>
    checkRaft({ servers: snapshot.states.map(raftView), messages: snapshot.messages, commits: [], acks: [] }).map((v) => ({ invariant: v.invariant, description: v.description })),
};

/** Something is committed (a command, or a leader's no-op): a pass is not vacuous. */
const entryCommitted: SometimesProperty<RaftCheckState, RaftCheckMessage, Cmd> = {
  name: 'an entry is committed',
  holds: (snapshot) => snapshot.states.some((s) => s.commitIndex > 0),
};

/** A client's command is committed. */
const commandCommitted: SometimesProperty<RaftCheckState, RaftCheckMessage, Cmd> = {
  name: 'a command is committed',
  holds: (snapshot) => snapshot.states.some((s) => entriesBetween(s.log, 1, s.commitIndex).some((e) => e.kind === 'command')),
};

export function optionsProblem(o: RaftCheckOptions): string | null {
  if (!Number.isInteger(o.nodes) || o.nodes < 1 || o.nodes > 5) return `--nodes must be 1..5, got ${o.nodes}`;
  if (!Number.isInteger(o.commands) || o.commands < 0 || o.commands > 4) return `--commands must be 0..4, got ${o.commands}`;
  if (!Number.isInteger(o.timers) || o.timers < 0 || o.timers > o.nodes) return `--timers must be 0..${o.nodes}, got ${o.timers}`;
  if (!Number.isInteger(o.maxTerm) || o.maxTerm < 1 || o.maxTerm > 9) return `--max-term must be 1..9, got ${o.maxTerm}`;
  if (!Number.isInteger(o.crashes) || o.crashes < 0 || o.crashes > 9) return `--crashes must be 0..9, got ${o.crashes}`;
  if (o.mutant !== undefined && raftMutant(o.mutant) === undefined) return `no raft mutant named '${o.mutant}'`;
  return null;
}

export function raftModel(o: RaftCheckOptions): Model<RaftCheckState, RaftCheckMessage, RaftEffect<KvOp, KvResult>, RaftRecord<KvOp>, Cmd> {
  const problem = optionsProblem(o);
  if (problem !== null) throw new Error(`synod: ${problem}`);
  const handlers: RaftHandlers<KvState, KvOp, KvResult> | undefined = o.mutant === undefined ? undefined : raftMutant(o.mutant)!.handlers<KvState, KvOp, KvResult>();
  const protocol = untilTimerFires(raftProtocol(raftModelConfig(o.nodes), handlers));
  const lose = new Set(o.lose ?? []);
  return {
    protocol,
    network: 'set',
    requests: Array.from({ length: o.commands }, (_, i) => ({ node: 1 + (i % o.nodes), choices: [raftModelCommand(i)] })),
    timeouts: Array.from({ length: o.timers }, (_, i) => i + 1),
    crashes: o.crashes,
    ...(o.crashable === undefined ? {} : { crashable: o.crashable }),
    within: (s) => s.currentTerm <= o.maxTerm,
    codec: { state: stateKey, message: canonicalKey, durable: canonicalKey },
    ...(lose.size === 0 ? {} : { lost: (m: RaftCheckMessage) => lose.has(m.type) }),
    always: [raftInvariants],
    sometimes: o.commands > 0 ? [entryCommitted, commandCommitted] : [entryCommitted],
  };
}

function resolved(o: RaftCheckOptions, search: 'bfs' | 'dfs', prefix: number): RaftResolvedConfig {
  return {
    nodes: o.nodes,
    commands: o.commands,
    timers: o.timers,
    maxTerm: o.maxTerm,
    crashes: o.crashes,
    crashable: o.crashable ?? 'all',
    lose: o.lose ?? [],
    network: 'set',
    mutant: o.mutant ?? null,
    search,
    prefix,
  };
}

export interface RaftRunOptions {
  readonly dfs?: boolean;
  readonly maxStates?: number;
  readonly prefix?: readonly Action<RaftCheckMessage, Cmd>[];
  readonly progress?: (p: Progress) => void;
}

function traceLines(trace: readonly TraceStep<RaftCheckMessage, Cmd>[]): string[] {
  return formatTrace(trace, describeRaftMessage, (c) => `${c.client}#${c.seq}`);
}

export function checkRaftModel(o: RaftCheckOptions, options: RaftRunOptions = {}): CheckReport<RaftResolvedConfig> {
  const result: CheckResult<RaftCheckMessage, Cmd> = new ModelChecker(raftModel(o)).run({
    ...(options.dfs === true ? { dfs: true } : {}),
    ...(options.maxStates === undefined ? {} : { maxStates: options.maxStates }),
    ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
    ...(options.progress === undefined ? {} : { progress: options.progress }),
  });
  return toCheckReport(RAFT_PROTOCOL, resolved(o, options.dfs === true ? 'dfs' : 'bfs', options.prefix?.length ?? 0), result, traceLines);
}

export function describeRaftConfig(c: RaftResolvedConfig): string {
  const parts = [
    `${c.nodes} servers`,
    `${c.commands} ${c.commands === 1 ? 'command' : 'commands'}`,
    c.timers === 1 ? 'a timer on server 1' : `timers on servers 1..${c.timers}`,
    `terms up to ${c.maxTerm}`,
    `${c.crashes} crashes${c.crashes > 0 && c.crashable !== 'all' ? ` (of server ${c.crashable.join(', ')})` : ''}`,
    `${c.network} network`,
  ];
  if (c.lose.length > 0) parts.push(`losing every ${c.lose.join(', ')}`);
  if (c.mutant !== null) parts.push(`mutant ${c.mutant}`);
  if (c.search === 'dfs') parts.push('depth-first');
  if (c.prefix > 0) parts.push(`searching from a directed start of ${c.prefix} actions`);
  return parts.join(', ');
}

export function raftReportLines(r: CheckReport<RaftResolvedConfig>): string[] {
  return reportLines(r, describeRaftConfig);
}

export const LOSABLE: readonly RaftMessageType[] = RAFT_MESSAGE_TYPES;

// ---------------------------------------------------------------------------------------------
// The bug zoo, Raft part: each mutant at a configuration at which the checker catches it.

export interface RaftSmallest {
  readonly options: RaftCheckOptions;
  /** The correct code's space here is too large to exhaust: its control is checked on this many states. */
  readonly boundedControl?: number;
  /** A directed start, for a counterexample too deep for breadth-first search from the start. */
  readonly prefix?: readonly Action<RaftCheckMessage, Cmd>[];
}

const rv = (from: number, to: number, term: number, lastLogIndex: number, lastLogTerm: number): RaftCheckMessage => ({ type: 'request-vote', from, to, term, lastLogIndex, lastLogTerm });
const granted = (from: number, to: number, term: number): RaftCheckMessage => ({ type: 'vote', from, to, term, granted: true });

/**
 * Figure 8 of the Raft paper on three servers, the directed start: S1 leads term 1 (S2's vote)
 * and appends X after its no-op, alone; S3 leads term 2 (S2's vote) with its no-op, alone; S1
 * hears S3's term, then leads term 3 (S2's vote) and appends its no-op. From there the search
 * finds the rest: S1 brings S2's log up to X, one entry per message, and the broken rule
 * commits X (term 1) by counting S1 and S2; S3, whose last entry (term 2) is more up to date
 * than S2's (term 1), wins term 4 with S2's vote without X.
 */
export const FIGURE8_PREFIX: readonly Action<RaftCheckMessage, Cmd>[] = [
  { type: 'timeout', node: 1 },
  { type: 'deliver', message: rv(1, 2, 1, 0, 0) },
  { type: 'deliver', message: granted(2, 1, 1) },
  { type: 'request', node: 1, command: raftModelCommand(0) },
  { type: 'timeout', node: 3 },
  { type: 'timeout', node: 3 },
  { type: 'deliver', message: rv(3, 2, 2, 0, 0) },
  { type: 'deliver', message: granted(2, 3, 2) },
  { type: 'deliver', message: rv(3, 1, 2, 0, 0) },
  { type: 'timeout', node: 1 },
  { type: 'deliver', message: rv(1, 2, 3, 2, 1) },
  { type: 'deliver', message: granted(2, 1, 3) },
];

/**
 * Three servers with two terms or more is a space of millions of states (every AppendEntries
 * and refusal of two leaders stays in the set network): the controls of the mutants that need
 * a second term are checked on their first 200,000 states, breadth-first, and say so.
 */
export const CONTROL_BOUND = 200_000;

/** S1 leads term 1 with S2's vote: the start the term-2 mutants are searched from. */
export const S1_LEADS: readonly Action<RaftCheckMessage, Cmd>[] = [
  { type: 'timeout', node: 1 },
  { type: 'deliver', message: rv(1, 2, 1, 0, 0) },
  { type: 'deliver', message: granted(2, 1, 1) },
];

export const RAFT_SMALLEST: Readonly<Record<RaftMutantName, RaftSmallest>> = {
  'vote-not-persisted': { options: { nodes: 3, commands: 0, timers: 3, maxTerm: 1, crashes: 1 } },
  'vote-without-up-to-date-check': { options: { nodes: 3, commands: 0, timers: 2, maxTerm: 2, crashes: 0 }, prefix: S1_LEADS, boundedControl: CONTROL_BOUND },
  'follower-keeps-conflicting-suffix': { options: { nodes: 3, commands: 1, timers: 2, maxTerm: 2, crashes: 0 }, prefix: S1_LEADS, boundedControl: CONTROL_BOUND },
  'figure8-commit-by-counting': { options: { nodes: 3, commands: 1, timers: 3, maxTerm: 4, crashes: 0 }, prefix: FIGURE8_PREFIX, boundedControl: CONTROL_BOUND },
};

export function raftZooEntries(): ZooEntry[] {
  return RAFT_MUTANTS.map((m) => {
    const { options, prefix, boundedControl } = RAFT_SMALLEST[m.name];
    const directed = prefix === undefined ? {} : { prefix };
    return {
      name: m.name,
      breaks: m.breaks,
      protocol: RAFT_PROTOCOL,
      smallest: describeRaftConfig(resolved(options, 'bfs', prefix?.length ?? 0)),
      run: (run = {}) => checkRaftModel({ ...options, mutant: m.name }, { ...run, ...directed }),
      ...(boundedControl === undefined ? {} : { boundedControl }),
      control: (run = {}) => checkRaftModel(options, { ...run, ...directed }),
    };
  });
}
