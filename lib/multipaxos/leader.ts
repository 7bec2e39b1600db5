/**
 * The stable leader of Multi-Paxos: the distinguished proposer ("Paxos Made Simple", section 3).
 *
 *   "The new leader, being a learner in all instances of the consensus algorithm, should know
 *   most of the commands that have already been chosen. ... It then executes phase 1 of
 *   instances 135–137 and of all instances greater than 139." It fills the gaps with "a
 *   special 'no-op' command that leaves the state unchanged". (section 3)
 *
 *   "Since failure of the leader and election of a new one should be rare events, the
 *   effective cost of executing a state machine command—that is, of achieving consensus on
 *   the command/value—is the cost of executing only phase 2 of the consensus algorithm."
 *
 * A node whose election timer runs out campaigns: it picks a ballot above every ballot it has
 * seen and runs phase 1 once, for every slot from its first unchosen one. With promises from a
 * phase-1 quorum it merges them slot by slot with lib/paxos's value choice (`chooseValue`: the
 * vote with the highest ballot wins; a slot nobody reported is a hole and gets a no-op),
 * re-proposes every merged slot in its own ballot, then runs phase 2 alone for each new
 * command. Up to `window` slots are in flight at once (pipelining) and a slot carries up to
 * `batch` client commands (batching). Every `heartbeat` ticks it tells the followers it is
 * alive and retransmits the accepts they have not acknowledged. Any ballot above its own makes
 * it step down at once ("abandon", section 2.3); a deposed leader never acknowledges its
 * in-flight commands: it tells those clients the outcome is indeterminate, and the client
 * sessions make a retry safe. The leader also serves the learners' catch-up requests.
 */
import * as ballots from '../paxos/ballot';
import type { Ballot } from '../paxos/ballot';
import type { PromiseReceived } from '../paxos/proposer';
import { chooseValue } from '../paxos/proposer';
import type { NodeId } from '../core/types';
import { invariant } from '../core/types';
import type { Command } from '../machine/command';
import { drawBetween } from '../core/random';
import type { Vector } from '../core/vector';
import * as vec from '../core/vector';
import type { Catchup, Entry, MultiAccepted, MultiPromise, MultiRejected } from './messages';
import { NOOP } from './messages';
import type { LeaderState, PromiseGathered } from './state';
import type { Outcome, StepBuilder } from './step';
import { ownVotes, promise, vote } from './acceptor';
import { answerFromSession, snapshotPoint } from './learner';
import { dropReads, onLead, openRound, ownEntry, wantsRound } from './reads';

export function initLeader<Op>(highest: Ballot): LeaderState<Op> {
  return {
    role: 'follower',
    ballot: ballots.ZERO,
    highest,
    current: 0,
    prepareSlot: 0,
    promises: [],
    inflight: [],
    next: 0,
    queue: vec.emptyVector(),
    queueHead: 0,
  };
}

/** A ballot above this node's own ends its leadership or candidacy ("abandon", section 2.3). */
export function observe<S, Op, R>(b: StepBuilder<S, Op, R>, ballot: Ballot, from: NodeId): void {
  if (ballots.less(b.s.leader.highest, ballot)) b.setLeader({ highest: ballot });
  if (b.s.leader.role !== 'follower' && ballots.less(b.s.leader.ballot, ballot)) stepDown(b, ballot.node === 0 ? from : ballot.node);
}

/** Leadership ends: every command in flight or queued is handed back to its client, unacknowledged. */
export function stepDown<S, Op, R>(b: StepBuilder<S, Op, R>, leader: NodeId): void {
  const hint = leader === b.s.id ? 0 : leader;
  const { inflight, queue, queueHead } = b.s.leader;
  for (const p of inflight) {
    if (p.value.kind !== 'batch') continue;
    for (const c of p.value.commands) {
      b.emit({ type: 'reply', node: b.s.id, client: c.client, seq: c.seq, reply: { status: 'indeterminate', leader: hint } });
    }
  }
  for (const c of vec.range(queue, queueHead)) {
    if (c !== undefined) b.emit({ type: 'reply', node: b.s.id, client: c.client, seq: c.seq, reply: { status: 'redirect', leader: hint } });
  }
  dropReads(b, hint);
  b.setLeader({ role: 'follower', current: hint, promises: [], inflight: [], queue: vec.emptyVector(), queueHead: 0 });
  b.setTimer({ elapsed: 0 });
}

/** Hears from the leader of the current ballot: it is alive, so the election timer starts over. */
export function follow<S, Op, R>(b: StepBuilder<S, Op, R>, leader: NodeId): void {
  if (b.s.leader.role !== 'follower') return;
  if (b.s.leader.current !== leader) b.setLeader({ current: leader });
  b.setTimer({ elapsed: 0 });
}

/**
 * Phase 1a, once per leadership (section 3: the leader "executes phase 1 for infinitely many
 * instances"; Paxos.tla Phase1a): a ballot above every ballot seen, promised by this node's own
 * acceptor (persisted), sent as a prepare covering every slot from the first unchosen one.
 */
export function campaign<S, Op, R>(b: StepBuilder<S, Op, R>): void {
  const id = b.s.id;
  const ballot = ballots.next(ballots.max(b.s.leader.highest, b.s.acceptor.maxBal), id);
  const draw = drawBetween(b.s.timer.rng, b.config.electionTimeout, 2 * b.config.electionTimeout - 1);
  promise(b, ballot);
  const slot = b.s.learner.commit;
  const entries = ownVotes(b.s.acceptor, slot);
  b.emit({ type: 'local', message: { type: 'promise', from: id, to: id, ballot, slot, entries } });
  b.setLeader({ role: 'candidate', ballot, current: 0, prepareSlot: slot, promises: [{ from: id, entries }] });
  b.setTimer({ elapsed: 0, timeoutAt: draw.value, rng: draw.state });
  b.count('electionsStarted', 1);
  b.broadcast((to) => ({ type: 'prepare', from: id, to, ballot, slot }));
  if (b.s.leader.promises.length >= b.config.quorums.phase1) lead(b);
}

/**
 * The promise merge (P2c, slot by slot): for each slot from `from` to the last one any promise
 * reported, lib/paxos's value choice over the votes reported for it (the highest ballot wins),
 * with a no-op as the leader's own value, so a slot nobody voted in (a hole) gets a no-op.
 */
export function mergePromises<Op>(promises: readonly PromiseGathered<Op>[], from: number): Entry<Op>[] {
  const bySlot: PromiseReceived<Entry<Op>>[][] = [];
  for (const p of promises) {
    for (const e of p.entries) {
      if (e.slot < from) continue;
      (bySlot[e.slot - from] ??= []).push({ from: p.from, accepted: { ballot: e.ballot, value: e.value } });
    }
  }
  const values: Entry<Op>[] = [];
  for (let i = 0; i < bySlot.length; i += 1) values.push(chooseValue<Entry<Op>>(bySlot[i] ?? [], NOOP));
  return values;
}

/**
 * A phase-1 quorum promised (section 3: the leader "can then execute phase 2 for instances ...
 * for which it has learned the value", and fills the gaps "with a special no-op command"):
 * re-propose every merged slot in this ballot (Paxos.tla Phase2a), then serve new commands.
 */
function lead<S, Op, R>(b: StepBuilder<S, Op, R>): void {
  const first = b.s.leader.prepareSlot;
  const merged = b.roles.leader.merge(b.s.leader.promises, first);
  b.setLeader({ role: 'leader', current: b.s.id, promises: [], inflight: [], next: Math.max(b.s.learner.commit, first + merged.length) });
  b.setTimer({ elapsed: 0 });
  b.count('electionsWon', 1);
  onLead(b, merged.length > 0 ? first + merged.length : -1);
  merged.forEach((value, i) => {
    if (first + i >= b.s.learner.commit) b.roles.leader.propose(b, first + i, value);
  });
  fill(b);
}

/**
 * Phase 2a for one slot in the leader's ballot (Paxos.tla Phase2a), the accepts each carrying
 * the commit point. With `ownVote: 'inline'` (the default) the leader's own acceptor votes
 * first, in this step (Phase2b at itself, persisted), and that vote counts at once. With
 * `ownVote: 'parallel'` the accept goes to its own acceptor too, as a message like the others
 * (acceptor.ts `onAccept`), and the leader counts its own acceptance only when it comes back,
 * so a vote is never counted before it is durable, while the other accepts are already on
 * their way.
 */
export function propose<S, Op, R>(b: StepBuilder<S, Op, R>, slot: number, value: Entry<Op>): void {
  const { id } = b.s;
  const { ballot } = b.s.leader;
  const parallel = b.config.ownVote === 'parallel';
  b.emit({ type: 'stage', stage: 'proposed', slot, ballot, value });
  if (!parallel) {
    vote(b, slot, ballot, value);
    b.emit({ type: 'local', message: { type: 'accepted', from: id, to: id, ballot, slot, value } });
  }
  b.setLeader({ inflight: [...b.s.leader.inflight, { slot, value, acks: parallel ? [] : [id] }] });
  ownEntry(b, slot);
  b.count('proposed', value.kind === 'batch' ? value.commands.length : 0);
  b.setTimer({ elapsed: 0 });
  const commit = b.s.learner.commit;
  if (parallel) b.send({ type: 'accept', from: id, to: id, ballot, slot, value, commit });
  b.broadcast((to) => ({ type: 'accept', from: id, to, ballot, slot, value, commit }));
  if (!parallel) countAck(b, slot, id);
}

/**
 * Counts one acceptance in the leader's ballot, once per acceptor; a phase-2 quorum chooses
 * the slot, and the leader, the distinguished learner, learns it.
 */
export function countAck<S, Op, R>(b: StepBuilder<S, Op, R>, slot: number, from: NodeId): string | null {
  const { inflight } = b.s.leader;
  const index = inflight.findIndex((p) => p.slot === slot);
  const p = inflight[index];
  if (p === undefined) return `slot ${slot} is not in flight (already chosen, or never proposed here)`;
  const acks = p.acks.includes(from) ? p.acks : [...p.acks, from];
  if (acks.length < b.config.quorums.phase2) {
    if (acks !== p.acks) b.setLeader({ inflight: inflight.map((q, i) => (i === index ? { ...q, acks } : q)) });
    return acks === p.acks ? `duplicate accepted from ${from} for slot ${slot}` : null;
  }
  b.setLeader({ inflight: inflight.filter((x) => x.slot !== slot) });
  b.count('quorumAcknowledged', p.value.kind === 'batch' ? p.value.commands.length : 0);
  b.emit({ type: 'stage', stage: 'quorum-acknowledged', slot, ballot: b.s.leader.ballot, value: p.value });
  b.roles.learner.learn(b, slot, p.value);
  return null;
}

/** Proposes queued commands while the window has room, `batch` commands per slot. */
export function fill<S, Op, R>(b: StepBuilder<S, Op, R>): void {
  const { window, batch } = b.config;
  for (let l = b.s.leader; l.role === 'leader' && l.inflight.length < window && l.queueHead < l.queue.size; l = b.s.leader) {
    const end = Math.min(l.queue.size, l.queueHead + batch);
    // Stryker disable next-line MethodExpression: the queue has no hole from its head on, so the filter drops nothing; it only narrows the type
    const commands = vec.range(l.queue, l.queueHead, end).filter((c): c is Command<Op> => c !== undefined);
    const slot = l.next;
    b.setLeader({ ...compactQueue(l.queue, end), next: slot + 1 });
    b.roles.leader.propose(b, slot, { kind: 'batch', commands });
  }
}

/**
 * The queue after taking everything below `head`: empty when drained; rebuilt from its
 * remainder once more than half of it is taken (so it stays shallow under constant load,
 * at an amortized constant cost per command); otherwise the same vector with a new head.
 */
function compactQueue<Op>(queue: Vector<Command<Op>>, head: number): { queue: Vector<Command<Op>>; queueHead: number } {
  if (head >= queue.size) return { queue: vec.emptyVector(), queueHead: 0 };
  // Stryker disable next-line ConditionalExpression,EqualityOperator,ArithmeticOperator: when to rebuild the queue is a cost choice; every choice keeps the same commands in the same order
  if (head * 2 < queue.size) return { queue, queueHead: head };
  // Stryker disable next-line MethodExpression: the queue has no hole from its head on, so the filter drops nothing; it only narrows the type
  const rest = vec.range(queue, head).filter((c): c is Command<Op> => c !== undefined);
  return { queue: vec.fromArray(rest), queueHead: 0 };
}

/**
 * The candidate counts one promise per acceptor (section 3: the leader "... receives responses
 * from a majority"); with a phase-1 quorum it leads, and its first act is Paxos.tla's Phase2a
 * for every slot the promises reported.
 *
 * A promise from an acceptor that compacted slots the prepare covers carries its applied state
 * instead of its votes there: the candidate catches up first, installing it (learner.ts
 * `install`), and `lead` then proposes nothing below its new commit point. Without it, a slot
 * chosen and compacted by the only acceptor of the quorum that voted there would look like a
 * hole and get a no-op (the zoo's follower-fills-hole-below-snapshot). Paxos Made Live, section
 * 5.5, and etcd raft's snapshot handling state the same rule: a replica behind a peer's
 * snapshot takes the snapshot before it takes part in the log after it.
 */
export function onPromise<S, Op, R>(b: StepBuilder<S, Op, R>, m: MultiPromise<Op>): Outcome {
  const l = b.s.leader;
  if (l.role !== 'candidate') return `promise for ${ballots.format(m.ballot)}, but this node is a ${l.role}`;
  if (!ballots.equals(m.ballot, l.ballot)) return `stale promise for ballot ${ballots.format(m.ballot)}, campaigning with ${ballots.format(l.ballot)}`;
  if (l.promises.some((p) => p.from === m.from)) return `duplicate promise from ${m.from}`;
  if (m.snapshot !== undefined) b.roles.learner.install(b, m.snapshot.slot, m.snapshot.replica);
  b.setLeader({ promises: [...l.promises, { from: m.from, entries: m.entries }] });
  if (b.s.leader.promises.length >= b.config.quorums.phase1) lead(b);
  return undefined;
}

/** An acceptance of the leader's own ballot: counted; a chosen slot makes room in the window. */
export function onAccepted<S, Op, R>(b: StepBuilder<S, Op, R>, m: MultiAccepted<Op>): Outcome {
  const l = b.s.leader;
  if (l.role !== 'leader') return `accepted for slot ${m.slot}, but this node is a ${l.role}`;
  if (!ballots.equals(m.ballot, l.ballot)) return `stale accepted for ballot ${ballots.format(m.ballot)}, leading ${ballots.format(l.ballot)}`;
  const reason = countAck(b, m.slot, m.from);
  if (reason !== null) return reason;
  fill(b);
  b.roles.reads.serve(b);
  return undefined;
}

/**
 * A higher promise refused this node's ballot: a leader or candidate abandons it (section 2.3,
 * "the acceptor ... should inform the proposer, who should then abandon its proposal").
 */
export function onRejected<S, Op, R>(b: StepBuilder<S, Op, R>, m: MultiRejected): Outcome {
  const l = b.s.leader;
  if (!ballots.less(l.highest, m.promised) && !ballots.less(l.ballot, m.promised)) {
    return `stale rejection: ${ballots.format(m.promised)} is not above ${ballots.format(l.ballot)}`;
  }
  b.roles.leader.observe(b, m.promised, m.promised.node);
  return undefined;
}

/**
 * The leader sends the chosen values a learner is missing (section 3: a server "that has not
 * learned" a command asks); when it has compacted the first of them, its applied state instead
 * (the `snapshot` message: slot and replica at its commit point), which the learner installs.
 */
export function onCatchup<S, Op, R>(b: StepBuilder<S, Op, R>, m: Catchup): Outcome {
  if (b.s.leader.role !== 'leader') return `catch-up request, but this node is a ${b.s.leader.role}`;
  const { commit, log } = b.s.learner;
  if (m.slot >= commit) return `catch-up from slot ${m.slot}, which is not chosen here yet`;
  if (m.slot < snapshotPoint(b.s.learner)) {
    b.send({ type: 'snapshot', from: b.s.id, to: m.from, ballot: b.s.leader.ballot, slot: commit, replica: b.s.learner.replica });
    return undefined;
  }
  const end = Math.min(commit, m.slot + (b.config.catchupLimit ?? 64));
  // Stryker disable next-line MethodExpression: no slot below the commit point is a hole (the invariant below checks it), so the filter drops nothing; it only narrows the type
  const values = vec.range(log, m.slot, end).filter((v): v is Entry<Op> => v !== undefined);
  // Stryker disable next-line StringLiteral: the invariant's sentence shows only if the learner breaks its own invariant (commit == applied, no hole below it)
  invariant(values.length === end - m.slot, 'every slot below the commit point is in the log');
  b.send({ type: 'learn', from: b.s.id, to: m.from, ballot: b.s.leader.ballot, slot: m.slot, values, commit });
  return undefined;
}

/**
 * A client command. The leader queues it and proposes it when the window has room; any node
 * answers a command it already applied (the client session's cached result); a node that does
 * not lead redirects the client to the leader it knows.
 */
export function onRequest<S, Op, R>(b: StepBuilder<S, Op, R>, command: Command<Op>): Outcome {
  const { id } = b.s;
  const known = answerFromSession(b, command);
  if (known !== null) return known.outcome;
  const l = b.s.leader;
  if (l.role !== 'leader') {
    b.emit({ type: 'reply', node: id, client: command.client, seq: command.seq, reply: { status: 'redirect', leader: l.current } });
    return undefined;
  }
  b.setLeader({ queue: vec.set(l.queue, l.queue.size, command) });
  fill(b);
  return undefined;
}

/**
 * The leader's tick: every `heartbeat` ticks without other traffic it retransmits each
 * in-flight accept to the acceptors that have not acknowledged it, and tells every other node
 * it is alive, with its commit point (a heartbeat). While it keeps a lease, or reads wait for
 * a confirmation, the heartbeat opens a read round (reads.ts) and goes to every other node.
 */
export function heartbeat<S, Op, R>(b: StepBuilder<S, Op, R>): void {
  if (b.s.timer.elapsed < b.config.heartbeat) return;
  const round = wantsRound(b) ? openRound(b) : undefined;
  const { id } = b.s;
  const { ballot, inflight } = b.s.leader;
  const { commit } = b.s.learner;
  const resent = new Set<NodeId>();
  for (const p of inflight) {
    for (const to of b.config.quorums.acceptors) {
      if (p.acks.includes(to)) continue;
      b.send({ type: 'accept', from: id, to, ballot, slot: p.slot, value: p.value, commit });
      resent.add(to);
    }
  }
  if (round === undefined) b.broadcast((to) => (resent.has(to) ? null : { type: 'heartbeat', from: id, to, ballot, commit }));
  else b.broadcast((to) => ({ type: 'heartbeat', from: id, to, ballot, commit, round }));
  b.setTimer({ elapsed: 0 });
  if (round !== undefined) b.roles.reads.serve(b);
}
