/**
 * The bug zoo, Raft part: named broken variants of lib/raft, each built from outside by
 * wrapping the real handlers (so everything else is the code under test), never active by
 * default. The checker (lib/check/raft.ts) and the simulator must catch each one.
 */
import type { RaftMessage } from '../raft/messages';
import type { RaftHandlers } from '../raft/node';
import { raftHandlers } from '../raft/node';
import { commitAt, replicatedOn } from '../raft/commit';
import type { RaftConfig, RaftNodeState } from '../raft/state';
import { majority, persistChange } from '../raft/state';
import type { RaftEffect, RaftStep } from '../raft/step';
import type { Command } from '../machine/command';
import { serveWithoutOwnTermCommit } from '../raft/reads';

export type RaftMutantName = 'figure8-commit-by-counting' | 'vote-without-up-to-date-check' | 'vote-not-persisted' | 'follower-keeps-conflicting-suffix';

export interface RaftMutant {
  readonly name: RaftMutantName;
  /** What it breaks, in one sentence. */
  readonly breaks: string;
  /** The invariants expected to catch it. */
  readonly caughtBy: readonly string[];
  handlers<S, Op, R>(): RaftHandlers<S, Op, R>;
}

/**
 * Figure 8: the leader commits any entry stored on a majority, of an older term too ("commit by
 * counting replicas"), not only entries of its own term.
 */
function commitByCounting<S, Op, R>(): RaftHandlers<S, Op, R> {
  const real = raftHandlers<S, Op, R>();
  const counting = (config: RaftConfig<S, Op, R>, step: RaftStep<S, Op, R>): RaftStep<S, Op, R> => {
    const s = step.state;
    if (s.role !== 'leader') return step;
    let n = s.log.size;
    while (n > s.commitIndex && replicatedOn(config, s, n) < majority(config)) n -= 1;
    if (n <= s.commitIndex) return step;
    const more = commitAt(config, s, n);
    return { state: more.state, effects: [...step.effects, ...more.effects] };
  };
  return {
    deliver: (config, s, m) => counting(config, real.deliver(config, s, m)),
    timeout: (config, s) => counting(config, real.timeout(config, s)),
    request: (config, s, c) => counting(config, real.request(config, s, c)),
  };
}

/** A voter that skips section 5.4.1's check: it sees every candidate's log as up to date. */
function noUpToDateCheck<S, Op, R>(): RaftHandlers<S, Op, R> {
  const real = raftHandlers<S, Op, R>();
  return {
    ...real,
    deliver: (config, s, m: RaftMessage<Op>) =>
      real.deliver(config, s, m.type === 'request-vote' ? { ...m, lastLogTerm: Number.MAX_SAFE_INTEGER, lastLogIndex: Number.MAX_SAFE_INTEGER } : m),
  };
}

/** The vote goes out, but votedFor never reaches stable storage: after a crash the server may vote again in the same term. */
function voteNotPersisted<S, Op, R>(): RaftHandlers<S, Op, R> {
  const real = raftHandlers<S, Op, R>();
  const forget = (step: RaftStep<S, Op, R>): RaftStep<S, Op, R> => ({
    state: step.state,
    effects: step.effects.map((e): RaftEffect<Op, R> => (e.type === 'persist' && e.change.kind === 'hard-state' ? { type: 'persist', change: { ...e.change, votedFor: 0 } } : e)),
  });
  return {
    deliver: (config, s, m) => forget(real.deliver(config, s, m)),
    timeout: (config, s) => forget(real.timeout(config, s)),
    request: (config, s, c) => forget(real.request(config, s, c)),
  };
}

/**
 * A follower writes the leader's entries over its own but does not delete the conflicting
 * entries after them (Figure 2's receiver rule 3 skipped): its log keeps a stale suffix.
 */
function keepsSuffix<S, Op, R>(): RaftHandlers<S, Op, R> {
  const real = raftHandlers<S, Op, R>();
  return {
    ...real,
    deliver: (config, s: RaftNodeState<S, Op, R>, m) => {
      const step = real.deliver(config, s, m);
      if (!step.effects.some((e) => e.type === 'persist' && e.change.kind === 'truncate')) return step;
      const effects = step.effects.filter((e) => !(e.type === 'persist' && e.change.kind === 'truncate'));
      let log = s.log;
      for (const e of effects) if (e.type === 'persist' && e.change.kind === 'append') log = persistChange({ currentTerm: 0, votedFor: 0, log }, e.change).log;
      return { state: { ...step.state, log }, effects };
    },
  };
}

export const RAFT_MUTANTS: readonly RaftMutant[] = [
  {
    name: 'figure8-commit-by-counting',
    breaks: 'section 5.4.2: a leader commits an entry of an older term by counting the servers that store it (Figure 8)',
    caughtBy: ['LeaderCompleteness', 'StateMachineSafety', 'Agreement', 'ChosenIsStable'],
    handlers: commitByCounting,
  },
  {
    name: 'vote-without-up-to-date-check',
    breaks: "section 5.4.1: a server votes for a candidate whose log is less up to date than its own",
    caughtBy: ['LeaderCompleteness', 'StateMachineSafety', 'Agreement', 'ChosenIsStable'],
    handlers: noUpToDateCheck,
  },
  {
    name: 'vote-not-persisted',
    breaks: 'Figure 2: votedFor is not on stable storage when the vote is sent, so a restarted server votes twice in one term',
    caughtBy: ['ElectionSafety', 'LeaderAppendOnly', 'LeaderCompleteness', 'LogMatching', 'StateMachineSafety', 'Agreement', 'ChosenIsStable'],
    handlers: voteNotPersisted,
  },
  {
    name: 'follower-keeps-conflicting-suffix',
    breaks: 'Figure 2, AppendEntries rule 3: a follower overwrites conflicting entries but keeps the ones after them',
    caughtBy: ['LogMatching', 'LeaderCompleteness', 'StateMachineSafety', 'Agreement', 'ChosenIsStable'],
    handlers: keepsSuffix,
  },
];

/**
 * Read mutants (section 8, lib/raft/reads.ts): they break no invariant of the log, only the
 * client's contract, so the linearizability checker of the simulator catches them (spec/raft/
 * sim-reads.spec.ts), not the model checker, whose zoo (lib/check/raft.ts) has the log mutants.
 */
export type RaftReadMutantName = 'leader-reads-without-heartbeat' | 'read-index-before-own-term-commit' | 'lease-without-grants';

export interface RaftReadMutant extends Omit<RaftMutant, 'name'> {
  readonly name: RaftReadMutantName;
}

type ReadRequest<Op> = Command<Op> & { readonly read?: string };

/**
 * The Consul bug: a leader answers a read-index read at once from its state machine, without
 * the round of heartbeats that would tell it whether it was deposed. A leader cut off in a
 * minority keeps answering while the majority elects another and commits writes.
 */
function readsWithoutHeartbeat<S, Op, R>(): RaftHandlers<S, Op, R> {
  const real = raftHandlers<S, Op, R>();
  return {
    ...real,
    request: (config, s, c: ReadRequest<Op>) => {
      if (s.role !== 'leader' || c.read !== 'read-index' || config.reads?.query(c.op) !== true) return real.request(config, s, c);
      const result = config.machine.apply(s.replica.machine, c.op).result;
      return { state: s, effects: [{ type: 'reply', node: s.id, client: c.client, seq: c.seq, reply: { status: 'ok', result }, read: { mode: 'read-index', applied: s.commitIndex, stale: false } }] };
    },
  };
}

/**
 * Section 8's first rule skipped: a new leader answers the reads a majority confirmed as soon
 * as it applied up to the commitIndex it noted, before the no-op of its term is committed. Its
 * commitIndex may still lag entries an earlier leader committed and acknowledged.
 */
function readsBeforeOwnTermCommit<S, Op, R>(): RaftHandlers<S, Op, R> {
  const real = raftHandlers<S, Op, R>();
  const early = (config: RaftConfig<S, Op, R>, step: RaftStep<S, Op, R>): RaftStep<S, Op, R> => {
    if (step.state.role !== 'leader' || (step.state.reads?.waiting.length ?? 0) === 0) return step;
    const more = serveWithoutOwnTermCommit(config, step.state);
    return more.effects.length === 0 ? step : { state: more.state, effects: [...step.effects, ...more.effects] };
  };
  return {
    deliver: (config, s, m) => early(config, real.deliver(config, s, m)),
    timeout: (config, s) => early(config, real.timeout(config, s)),
    request: (config, s, c) => early(config, real.request(config, s, c)),
  };
}

/**
 * Leases without the followers' side (thesis 6.4.1 skipped): a server forgets the lease it
 * granted before it handles a RequestVote or a tick, so it votes for another candidate and
 * campaigns on its election timeout as plain Raft does, while the leader still answers lease
 * reads from a lease a majority granted.
 */
function leaseWithoutGrants<S, Op, R>(): RaftHandlers<S, Op, R> {
  const real = raftHandlers<S, Op, R>();
  const forget = (s: RaftNodeState<S, Op, R>): RaftNodeState<S, Op, R> => (s.lease === undefined || s.role === 'leader' || s.lease.grantUntil === 0 ? s : { ...s, lease: { ...s.lease, grantUntil: 0 } });
  return {
    ...real,
    deliver: (config, s, m) => real.deliver(config, m.type === 'request-vote' ? forget(s) : s, m),
    timeout: (config, s) => real.timeout(config, forget(s)),
  };
}

export const RAFT_READ_MUTANTS: readonly RaftReadMutant[] = [
  {
    name: 'leader-reads-without-heartbeat',
    breaks: 'section 8: a leader answers a read-index read without exchanging heartbeats with a majority, so a deposed leader serves stale reads (the Consul bug)',
    caughtBy: ['Linearizability'],
    handlers: readsWithoutHeartbeat,
  },
  {
    name: 'read-index-before-own-term-commit',
    breaks: 'section 8: a new leader answers read-index reads before it committed the no-op of its term, from a commitIndex that may lag',
    caughtBy: ['Linearizability'],
    handlers: readsBeforeOwnTermCommit,
  },
  {
    name: 'lease-without-grants',
    breaks: 'thesis 6.4.1: the leader answers lease reads, but followers that acknowledged its heartbeats vote for another candidate and campaign before the lease they granted runs out',
    caughtBy: ['Linearizability'],
    handlers: leaseWithoutGrants,
  },
];

export function raftMutant(name: string): RaftMutant | undefined {
  return RAFT_MUTANTS.find((m) => m.name === name);
}

/** A broken variant the simulator runs, by name: a log mutant or a read mutant. */
export function raftSimMutant(name: string): RaftMutant | RaftReadMutant | undefined {
  return raftMutant(name) ?? RAFT_READ_MUTANTS.find((m) => m.name === name);
}
