/**
 * Reads outside the log: where a chosen log ends and a client's linearizable read begins.
 *
 * A read sent as a command in the log (`log`, the default) is linearizable by construction: it
 * is ordered among the writes like any command, at the price of a slot and a phase 2. The
 * modes here answer from a replica's state machine without a slot, and each says what it rests
 * on (docs/reads.md):
 *
 * - `read-index` (Raft section 8, etcd's ReadIndex): the leader notes its commit point, starts
 *   a heartbeat round, and answers once a phase-2 quorum acknowledged the round in its ballot
 *   (so no higher ballot had completed phase 1 at those acceptors when they answered: no other
 *   leader could have chosen anything it does not know) and it applied up to the noted point.
 *   A new leader's commit point may lag what earlier leaders chose: it first gets an entry of
 *   its own ballot chosen (the re-proposed slots of its merge, or a no-op), and notes no point
 *   below it (`readyAt`).
 * - `lease` ("Paxos Made Live" master leases, Raft section 8): every acknowledged round is also
 *   a grant: the follower supports no other leader (promises no other candidate, does not
 *   campaign) for `lease.ticks` of its own clock. The leader answers at once, without messages,
 *   while its lease runs: fewer ticks of its own clock, shortened by the clock-drift bound
 *   (state.ts `leaseTicks`). A node restarted from its durable record grants nobody for a full
 *   lease (it may have granted one before the crash that it cannot remember). An expired lease
 *   falls back to a read-index round.
 * - `follower`: any node answers from what it has applied: fast and possibly stale, and the
 *   reply says so (`stale: true`).
 *
 * An operation the state machine would change is never answered here: `config.reads.query`
 * names the read-only ones, and any other command goes through the log whatever its mode.
 */
import * as ballots from '../paxos/ballot';
import type { NodeId } from '../core/types';
import { answerFromSession } from './learner';
import type { HeartbeatAck, Heartbeat } from './messages';
import { NOOP } from './messages';
import type { ClientRequest, ReadMode, ReadRound, ReadState } from './state';
import { leaseTicks } from './state';
import type { Outcome, StepBuilder } from './step';

/** At most this many rounds wait for their quorum at once; an older one is given up. */
const OPEN_ROUNDS = 8;

export function initReads<Op>(): ReadState<Op> {
  return { clock: 0, readyAt: -1, round: 0, open: [], confirmed: 0, waiting: [], leaseUntil: 0, grantUntil: 0, grantTo: 0 };
}

/** The mode a request asks for (`log` unless it says otherwise). */
export function readMode<Op>(c: ClientRequest<Op>): ReadMode {
  return c.read ?? 'log';
}

/**
 * Why this node may not support `candidate` now: it granted a lease to another leader that has
 * not run out on its clock (or it restarted and waits out a lease it may have granted). Null
 * when it may.
 */
export function grantHeld<S, Op, R>(b: StepBuilder<S, Op, R>, candidate: NodeId): string | null {
  if (b.config.reads?.lease === undefined) return null;
  const r = b.s.reads;
  if (r.clock >= r.grantUntil || r.grantTo === candidate) return null;
  return `lease granted to ${r.grantTo === 0 ? 'a leader before the restart' : `n${r.grantTo}`} until tick ${r.grantUntil} (now ${r.clock})`;
}

/** One tick of this node's clock (counted only with leases, which are the only readers). */
export function tickClock<S, Op, R>(b: StepBuilder<S, Op, R>): void {
  if (b.config.reads?.lease !== undefined) b.setReads({ clock: b.s.reads.clock + 1 });
}

/** A node restarted from its durable record: with leases, it supports nobody for a full lease. */
export function afterRestart<S, Op, R>(b: StepBuilder<S, Op, R>): void {
  const lease = b.config.reads?.lease;
  if (lease !== undefined) b.setReads({ grantUntil: lease.ticks, grantTo: 0 });
}

/**
 * A read-only request in a mode other than `log`. A retry of a command this replica already
 * applied is answered from its session, as in `onRequest`; a follower read is answered here; a
 * node that does not lead redirects; the leader answers from its lease, or waits for a round.
 */
export function onRead<S, Op, R>(b: StepBuilder<S, Op, R>, c: ClientRequest<Op>, mode: Exclude<ReadMode, 'log'>): Outcome {
  const { id } = b.s;
  const known = answerFromSession(b, c);
  if (known !== null) return known.outcome;
  if (mode === 'follower') {
    answer(b, c, 'follower');
    return undefined;
  }
  const l = b.s.leader;
  if (l.role !== 'leader') {
    b.emit({ type: 'reply', node: id, client: c.client, seq: c.seq, reply: { status: 'redirect', leader: l.current } });
    return undefined;
  }
  const r = b.s.reads;
  if (mode === 'lease' && b.config.reads?.lease !== undefined) {
    if (ready(b) && r.clock < r.leaseUntil) {
      b.countRead('leaseHits', 1);
      answer(b, c, 'lease');
      return undefined;
    }
    if (r.leaseUntil > 0 && r.clock >= r.leaseUntil) b.countRead('leaseExpiries', 1);
  }
  if (b.s.reads.readyAt < 0) {
    // No entry of this ballot yet: propose the no-op whose commit makes the commit point current.
    const slot = l.next;
    b.setLeader({ next: slot + 1 });
    b.roles.leader.propose(b, slot, NOOP);
  }
  const point = Math.max(b.s.learner.commit, b.s.reads.readyAt);
  b.setReads({ waiting: [...b.s.reads.waiting, { command: c, point, round: b.s.reads.round + 1 }] });
  b.roles.reads.startRound(b);
  b.roles.reads.serve(b);
  return undefined;
}

/** Answers a read from this replica's state machine, as it is now (the operation only reads). */
function answer<S, Op, R>(b: StepBuilder<S, Op, R>, c: ClientRequest<Op>, mode: Exclude<ReadMode, 'log'>): void {
  const { replica, commit } = b.s.learner;
  const result = b.config.machine.apply(replica.machine, c.op).result;
  b.countServed(mode);
  b.emit({ type: 'reply', node: b.s.id, client: c.client, seq: c.seq, reply: { status: 'ok', result }, read: { mode, applied: commit, stale: mode === 'follower' } });
}

/** The leader's commit point counts for reads: an entry of its own ballot, after the merge, is chosen. */
function ready<S, Op, R>(b: StepBuilder<S, Op, R>): boolean {
  const { readyAt } = b.s.reads;
  return readyAt >= 0 && b.s.learner.commit >= readyAt;
}

/** Opens the next heartbeat round (the leader's own acknowledgement counted) and returns its number; sends nothing. */
export function openRound<S, Op, R>(b: StepBuilder<S, Op, R>): number {
  const r = b.s.reads;
  const round = r.round + 1;
  const open: ReadRound[] = [...r.open, { round, clock: r.clock, acks: [b.s.id] }];
  b.setReads({ round, open: open.length > OPEN_ROUNDS ? open.slice(open.length - OPEN_ROUNDS) : open });
  b.countRead('rounds', 1);
  if (b.config.quorums.phase2 <= 1) confirm(b, round);
  return round;
}

/** Starts a heartbeat round now: every other node is asked to acknowledge it. */
export function startRound<S, Op, R>(b: StepBuilder<S, Op, R>): number {
  const round = openRound(b);
  const { id } = b.s;
  const { ballot } = b.s.leader;
  const { commit } = b.s.learner;
  b.broadcast((to) => ({ type: 'heartbeat', from: id, to, ballot, commit, round }));
  return round;
}

/** Whether the leader's next heartbeat opens a round: it keeps a lease, or reads wait for one. */
export function wantsRound<S, Op, R>(b: StepBuilder<S, Op, R>): boolean {
  return b.config.reads?.lease !== undefined || b.s.reads.waiting.length > 0;
}

/**
 * A follower that still accepts the leader's ballot acknowledges a heartbeat round; with
 * leases the acknowledgement is a grant: it supports no other leader for `lease.ticks` of its
 * clock. Called by the acceptor's `onHeartbeat` once it accepted the heartbeat.
 */
export function acknowledgeRound<S, Op, R>(b: StepBuilder<S, Op, R>, m: Heartbeat): void {
  if (m.round === undefined) return;
  const lease = b.config.reads?.lease;
  if (lease !== undefined) b.setReads({ grantUntil: b.s.reads.clock + lease.ticks, grantTo: m.from });
  b.send({ type: 'heartbeat-ack', from: b.s.id, to: m.from, ballot: m.ballot, round: m.round });
}

/** An acknowledgement of a round in the leader's ballot: counted once per node; a quorum confirms the round. */
export function onHeartbeatAck<S, Op, R>(b: StepBuilder<S, Op, R>, m: HeartbeatAck): Outcome {
  const l = b.s.leader;
  if (l.role !== 'leader') return `heartbeat-ack for round ${m.round}, but this node is a ${l.role}`;
  if (!ballots.equals(m.ballot, l.ballot)) return `stale heartbeat-ack for ballot ${ballots.format(m.ballot)}, leading ${ballots.format(l.ballot)}`;
  const { open } = b.s.reads;
  const index = open.findIndex((o) => o.round === m.round);
  const o = open[index];
  if (o === undefined) return `heartbeat-ack for round ${m.round}, which is not open`;
  if (o.acks.includes(m.from)) return `duplicate heartbeat-ack from ${m.from} for round ${m.round}`;
  const acks = [...o.acks, m.from];
  if (acks.length < b.config.quorums.phase2) {
    b.setReads({ open: open.map((x, i) => (i === index ? { ...x, acks } : x)) });
    return undefined;
  }
  confirm(b, m.round);
  b.roles.reads.serve(b);
  return undefined;
}

/** A quorum acknowledged `round`: it and every earlier round are confirmed; with leases, the lease runs from its start. */
function confirm<S, Op, R>(b: StepBuilder<S, Op, R>, round: number): void {
  const r = b.s.reads;
  const o = r.open.find((x) => x.round === round);
  const lease = b.config.reads?.lease;
  const leaseUntil = lease === undefined || o === undefined ? r.leaseUntil : Math.max(r.leaseUntil, b.roles.reads.leaseEnd(b, o.clock));
  b.setReads({ confirmed: Math.max(r.confirmed, round), open: r.open.filter((x) => x.round > round), leaseUntil });
}

/** The end of a lease whose round started at clock `from`: shortened by the drift bound. */
export function leaseEnd<S, Op, R>(b: StepBuilder<S, Op, R>, from: number): number {
  const lease = b.config.reads?.lease;
  return lease === undefined ? 0 : from + leaseTicks(lease);
}

/** Answers every waiting read whose round is confirmed and whose noted point is applied. */
export function serve<S, Op, R>(b: StepBuilder<S, Op, R>): void {
  const r = b.s.reads;
  if (r.waiting.length === 0 || b.s.leader.role !== 'leader' || !ready(b)) return;
  const { commit } = b.s.learner;
  const keep = r.waiting.filter((w) => w.round > r.confirmed || w.point > commit);
  if (keep.length === r.waiting.length) return;
  for (const w of r.waiting) if (!keep.includes(w)) answer(b, w.command, 'read-index');
  b.setReads({ waiting: keep });
}

/** A new leader: no round, no lease, no read until an entry of its ballot at or past `readyAt` is chosen (-1: none proposed yet). */
export function onLead<S, Op, R>(b: StepBuilder<S, Op, R>, readyAt: number): void {
  const r = b.s.reads;
  b.setReads({ readyAt, open: [], confirmed: r.round, waiting: [], leaseUntil: 0 });
}

/** The leader proposed an entry of its own ballot in `slot`: the first one sets `readyAt` when the merge left none. */
export function ownEntry<S, Op, R>(b: StepBuilder<S, Op, R>, slot: number): void {
  if (b.s.reads.readyAt < 0) b.setReads({ readyAt: slot + 1 });
}

/** Leadership ends: waiting reads are redirected (they were answered by nobody), the lease and rounds are gone. */
export function dropReads<S, Op, R>(b: StepBuilder<S, Op, R>, leader: NodeId): void {
  const r = b.s.reads;
  for (const w of r.waiting) {
    b.emit({ type: 'reply', node: b.s.id, client: w.command.client, seq: w.command.seq, reply: { status: 'redirect', leader } });
  }
  if (r.waiting.length > 0 || r.open.length > 0 || r.leaseUntil !== 0 || r.readyAt !== -1) b.setReads({ waiting: [], open: [], leaseUntil: 0, readyAt: -1 });
}
