/**
 * The Harbor Point read story: where the chosen log ends and a client's read begins.
 *
 *   1. harbor-2 leads ballot 41.2 and books S3 (an entry of its own ballot, chosen); with
 *      leases, harbor-1 and harbor-3 grant it a lease on every acknowledged heartbeat.
 *   2. A partition cuts harbor-2 off: it is in a minority and still believes it leads.
 *   3. Time passes: harbor-1 and harbor-3 run fast (rate 1.1), harbor-2 slow (rate 0.9), the
 *      edges of a 10% clock-drift bound. Once the lease they granted ran out on their own clocks,
 *      harbor-3 wins ballot 42.3 with harbor-1, and terminal B books S12 for #8849 there.
 *   4. Terminal C asks harbor-2, the old leader, who holds S12, in one read mode per run.
 *
 * Under the broken modes harbor-2 answers "free": a read that misses a booking already
 * acknowledged, which no linearizable history allows. Under read-index it cannot get its round
 * acknowledged, so it answers nothing until the partition heals, steps down on the first
 * refusal and redirects terminal C, whose retry at harbor-3 says "booked for #8849". Under a
 * lease within its bound the lease harbor-2 holds has run out on its own slow clock before the
 * grants ran out on the fast ones: it falls back to a round, and the same redirect follows. A
 * follower read answers "free" too, but says it may be stale.
 */
import { Cluster } from '../harness/cluster';
import { LogMonitor } from '../invariants/log';
import type { Violation } from '../invariants/voting';
import type { BookingOp, BookingResult, BookingState } from '../machine/booking';
import { bookingAuthority } from '../machine/booking';
import type { StateMachine } from '../machine/replica';
import { unknownOp } from '../machine/replica';
import type { MultiMessage } from '../multipaxos/messages';
import type { ClientRequest, MultiEffect, MultiNodeState, MultiPaxosConfig, MultiRecord, ReadLabel, ReadMode, Roles } from '../multipaxos/node';
import { multiPaxosProtocol, observedMessage } from '../multipaxos/node';
import * as ballots from '../paxos/ballot';
import { majorities } from '../paxos/quorum';
import type { NodeId } from '../core/types';
import { multiPaxosMutant } from '../zoo/multipaxos';

/** Who holds a suite: the read the story asks. */
export type HolderQuery = { readonly type: 'holder'; readonly suite: string };
export type ReadOp = BookingOp | HolderQuery;
export type ReadResult = BookingResult | { readonly holder: string | null };

/** The booking authority with one read-only operation, `holder`. */
export const readableBookings: StateMachine<BookingState, ReadOp, ReadResult> = {
  name: 'booking+holder',
  init: () => bookingAuthority.init(),
  apply(state, op) {
    switch (op.type) {
      case 'holder':
        return { state, result: { holder: state[op.suite]?.booking ?? null } };
      case 'reserve':
      case 'confirm':
      case 'release':
        return bookingAuthority.apply(state, op);
      default:
        return unknownOp(op);
    }
  },
};

/** The clock-drift bound the story's leases rest on, and the clocks' rates at its edges. */
export const STORY_DRIFT = 0.1;
const RATE: Readonly<Record<NodeId, number>> = { 1: 1 + STORY_DRIFT, 2: 1 - STORY_DRIFT, 3: 1 + STORY_DRIFT };

export const HARBOR_READ_CONFIG: MultiPaxosConfig<BookingState, ReadOp, ReadResult> = {
  quorums: majorities(3),
  machine: readableBookings,
  window: 4,
  batch: 1,
  heartbeat: 1,
  electionTimeout: 3,
  seed: 812,
  startRound: 40,
  reads: { query: (op) => op.type === 'holder', lease: { ticks: 6, drift: STORY_DRIFT } },
};

type State = MultiNodeState<BookingState, ReadOp, ReadResult>;
type Message = MultiMessage<ReadOp>;
type Effect = MultiEffect<ReadOp, ReadResult>;

/** One run of the story: how terminal C reads, and which roles the nodes run. */
export interface ReadRun {
  readonly title: string;
  readonly mode: Exclude<ReadMode, 'log'>;
  /** A read mutant of lib/zoo/multipaxos.ts, or none (the real roles). */
  readonly mutant?: string;
  /** What this mode promises, for the verdict. */
  readonly guarantee: string;
  /** Whether the mode is meant to be linearizable (so a stale answer fails the story). */
  readonly linearizable: boolean;
}

export const READ_RUNS: readonly ReadRun[] = [
  { title: 'the leader answers without confirming (the Consul bug)', mode: 'read-index', mutant: 'leader-reads-without-confirming', guarantee: 'none: a deposed leader answers from a stale state', linearizable: false },
  { title: 'read-index', mode: 'read-index', guarantee: 'linearizable: a quorum confirmed the ballot after the read arrived', linearizable: true },
  { title: `lease within its drift bound (${STORY_DRIFT})`, mode: 'lease', guarantee: `linearizable while every clock drifts less than ${STORY_DRIFT}`, linearizable: true },
  { title: 'lease held past its drift bound', mode: 'lease', mutant: 'lease-past-drift-bound', guarantee: 'none once clocks drift: the lease outlives the grants', linearizable: false },
  { title: 'follower read', mode: 'follower', guarantee: 'stale, and labelled so: what the replica applied', linearizable: false },
];

export interface ReadRunResult {
  readonly run: ReadRun;
  readonly lines: readonly string[];
  /** What terminal C was told, in order: the old leader's answer, then the retry's. */
  readonly told: readonly string[];
  /** The holder of S12 in the answer terminal C finally got (null: free). */
  readonly answer: string | null | undefined;
  /** The answer missed the acknowledged booking. */
  readonly stale: boolean;
  readonly violations: readonly Violation[];
  /** The run went as the mode promises: a linearizable mode saw #8849, a broken one did not. */
  readonly held: boolean;
}

const name = (node: NodeId): string => `harbor-${node}`;

function show(result: ReadResult): string {
  if ('holder' in result) return result.holder === null ? 'S12 is free' : `S12 is booked for ${result.holder}`;
  return result.ok ? `${result.status} ${result.suite} for ${result.booking}` : `refused: ${result.reason}`;
}

function label(read: ReadLabel | undefined): string {
  if (read === undefined) return '';
  return ` [${read.mode} read at applied slot ${read.applied}${read.stale ? ', may be stale' : ''}]`;
}

/** One run, fully scripted: real time advances in steps of a tenth of a period; each node ticks at its own rate. */
export function playReadRun(run: ReadRun): ReadRunResult {
  let roles: Roles | undefined;
  if (run.mutant !== undefined) {
    const m = multiPaxosMutant(run.mutant);
    if (m === undefined) throw new Error(`synod: unknown multipaxos mutant '${run.mutant}'`);
    roles = m.roles;
  }
  const cluster = new Cluster<State, Message, Effect, MultiRecord<ReadOp>, ClientRequest<ReadOp>>(multiPaxosProtocol(HARBOR_READ_CONFIG, roles));
  const monitor = new LogMonitor<ReadOp>(HARBOR_READ_CONFIG.quorums);
  const lines: string[] = [];
  const violations: Violation[] = [];
  const told: string[] = [];
  let answer: string | null | undefined;
  cluster.on((e) => {
    if (e.type === 'effect') {
      const m = observedMessage(e.effect);
      if (m !== null) monitor.message(m);
      if (e.effect.type === 'reply') {
        const f = e.effect;
        if (f.reply.status === 'ok' && f.read === undefined) monitor.ack(f);
        if (f.client === 'terminal-c') {
          const what = f.reply.status === 'ok' ? `${show(f.reply.result)}${label(f.read)}` : `${f.reply.status}: try ${f.reply.leader === 0 ? 'another node' : name(f.reply.leader)}`;
          told.push(`${name(e.node)}: ${what}`);
          lines.push(`${name(e.node)} : tells terminal C ${what}`);
          if (f.reply.status === 'ok' && 'holder' in f.reply.result) answer = f.reply.result.holder;
        } else if (f.client === 'terminal-b') {
          lines.push(`${name(e.node)} : tells terminal B ${f.reply.status === 'ok' ? show(f.reply.result) : f.reply.status}`);
        }
      }
      return;
    }
    if (e.type === 'send' || e.type === 'deliver') return;
    violations.push(...monitor.check([...cluster.states.values()].map((s) => ({ id: s.id, promised: s.acceptor.maxBal, votes: s.acceptor.votes, log: s.learner.log, commit: s.learner.commit }))));
  });
  const cut = new Set<NodeId>();
  const across = (m: Message): boolean => cut.has(m.from) !== cut.has(m.to);
  const settle = (): void => {
    for (let i = 0; i < 1000; i += 1) {
      cluster.drop(across);
      if (!cluster.inFlight.some((m) => !across(m))) break;
      cluster.deliver((m) => !across(m));
    }
    cluster.drop(across);
  };
  // Real time, in tenths of a period: node n has ticked floor(rate(n) * t) times by time t.
  let t = 0;
  const advance = (tenths: number, until?: () => boolean): void => {
    for (let i = 0; i < tenths && until?.() !== true; i += 1) {
      t += 1;
      for (const id of [1, 2, 3] as const) {
        const due = Math.floor((RATE[id]! * t) / 10) - Math.floor((RATE[id]! * (t - 1)) / 10);
        for (let k = 0; k < due; k += 1) cluster.timeout(id);
      }
      settle();
    }
  };
  const request = (node: NodeId, c: ClientRequest<ReadOp>): void => {
    monitor.request(c);
    cluster.request(node, c);
    settle();
  };

  while (cluster.state(2).leader.role === 'follower') cluster.timeout(2);
  settle();
  lines.push(`harbor-2 leads ballot ${ballots.format(cluster.state(2).leader.ballot)}`);
  request(2, { client: 'front-desk', seq: 1, op: { type: 'reserve', suite: 'S3', booking: '#7001' } });
  advance(12);
  const lease = cluster.state(2).reads;
  lines.push(`harbor-2 booked S3 in its own ballot; ${run.mode === 'lease' ? `its lease runs to tick ${lease.leaseUntil} of its clock (now ${lease.clock}); the followers granted ${HARBOR_READ_CONFIG.reads!.lease!.ticks} ticks of theirs` : 'heartbeats keep the followers'}`);
  lines.push('-- a partition cuts harbor-2 off: it is in a minority and still believes it leads');
  cut.add(2);
  advance(200, () => cluster.state(3).leader.role === 'leader');
  lines.push(`-- clocks: harbor-1 and harbor-3 run at ${RATE[1]}, harbor-2 at ${RATE[2]}; after ${t / 10} periods harbor-3 leads ballot ${ballots.format(cluster.state(3).leader.ballot)} with harbor-1`);
  lines.push('-- terminal B asks harbor-3 to reserve S12 for #8849');
  request(3, { client: 'terminal-b', seq: 1, op: { type: 'reserve', suite: 'S12', booking: '#8849' } });
  const old = cluster.state(2);
  lines.push(`-- terminal C asks harbor-2 who holds S12 (a ${run.mode} read); harbor-2 is a ${old.leader.role} of ${ballots.format(old.leader.ballot)}, its clock at ${old.reads.clock}${run.mode === 'lease' ? `, its lease to ${old.reads.leaseUntil}` : ''}`);
  const read: ClientRequest<ReadOp> = { client: 'terminal-c', seq: 1, op: { type: 'holder', suite: 'S12' }, read: run.mode };
  request(2, read);
  if (answer === undefined) {
    lines.push('-- no answer yet: harbor-2 waits for a quorum to acknowledge its round; the partition heals');
    cut.clear();
    advance(30, () => told.length > 0);
    const redirect = told.length > 0 && !told[told.length - 1]!.includes(': S12');
    if (redirect) {
      lines.push('-- terminal C retries at harbor-3');
      request(3, { ...read, seq: 2 });
      advance(10, () => answer !== undefined);
    }
  }
  const stale = answer !== '#8849';
  const held = violations.length === 0 && (run.linearizable ? answer === '#8849' : answer === null);
  return { run, lines, told, answer, stale, violations, held };
}

export interface ReadStory {
  readonly runs: readonly ReadRunResult[];
  readonly held: boolean;
  /** One line: which guarantee each mode gave. */
  readonly verdict: string;
}

/** Every run of the story. */
export function harborPointReads(): ReadStory {
  const runs = READ_RUNS.map(playReadRun);
  const verdict = runs.map((r) => `${r.run.title}: ${r.answer === undefined ? 'no answer' : r.answer === null ? '"free"' : `"booked for ${r.answer}"`} (${r.run.guarantee})`).join('; ');
  return { runs, held: runs.every((r) => r.held), verdict };
}
