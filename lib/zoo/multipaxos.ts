/**
 * The bug zoo, Multi-Paxos part: named broken variants of the stable-leader layer.
 *
 * Each is the real node composed from the real roles (lib/multipaxos/node.ts `REAL_ROLES`)
 * with one role function swapped for a broken one, injected from outside: no function of
 * lib/multipaxos takes a parameter that exists for a mutant, and everything else is the code
 * under test. Each is selected by name and never active by default. The tests assert that the
 * simulator and the model checker catch each one: a check that cannot fail proves nothing.
 */
import type { Roles } from '../multipaxos/node';
import { REAL_ROLES } from '../multipaxos/node';
import type { StepBuilder } from '../multipaxos/step';
import type { Outcome } from '../multipaxos/step';
import type { Entry, MultiAccept, MultiAccepted, MultiPromise } from '../multipaxos/messages';
import type { ClientRequest, ReadMode } from '../multipaxos/state';
import { NOOP } from '../multipaxos/messages';
import type { PromiseGathered } from '../multipaxos/state';
import { applyCommand } from '../machine/replica';
import { countAck } from '../multipaxos/leader';
import * as ballots from '../paxos/ballot';

export type MultiPaxosMutantName =
  | 'leader-acks-before-quorum'
  | 'new-leader-skips-merge'
  | 'follower-applies-unchosen-entry'
  | 'candidate-counts-stale-promise'
  | 'leader-counts-stale-accepted'
  | 'merge-keeps-lower-ballot'
  | 'follower-fills-hole-below-snapshot'
  | 'leader-reads-without-confirming'
  | 'read-index-before-own-ballot-commit'
  | 'lease-past-drift-bound'
  | OwnVoteMutantName;

/** The mutants of the leader's own vote in parallel (`ownVote: 'parallel'`): they need that configuration. */
export type OwnVoteMutantName = 'leader-counts-own-vote-early';

export interface MultiPaxosMutant {
  readonly name: MultiPaxosMutantName;
  /** What it breaks, in one sentence. */
  readonly breaks: string;
  /** The invariants expected to catch it. */
  readonly caughtBy: readonly string[];
  /** The node's roles, with the broken one swapped in. */
  readonly roles: Roles;
  /**
   * Where the simulator's seed search catches it, when that needs settings of its own
   * (spec/sim/lease.spec.ts): the profile of lib/sim/profiles.ts, the clocks' drift (the lease
   * assumes the same bound), the lease's length in ticks, a read-heavy workload, and the seeds
   * tried (1..bound; the first failure must come within them).
   */
  readonly hunt?: { readonly profile: 'lease-drift'; readonly drift: number; readonly leaseTicks: number; readonly readHeavy: boolean; readonly bound: number };
}

/**
 * The leader tells the client "done" as soon as it proposes the command, with the result it
 * would have if it were applied now: "the leader wrote it locally, so the booking is safe".
 * The leader's `propose`, swapped.
 */
function proposeAndAck<S, Op, R>(b: StepBuilder<S, Op, R>, slot: number, value: Entry<Op>): void {
  REAL_ROLES.leader.propose(b, slot, value);
  if (value.kind !== 'batch') return;
  let replica = b.s.learner.replica;
  for (const c of value.commands) {
    const applied = applyCommand(b.config.machine, replica, c);
    replica = applied.replica;
    if (applied.applied.outcome === 'stale') continue;
    b.emit({ type: 'reply', node: b.s.id, client: c.client, seq: c.seq, reply: { status: 'ok', result: applied.applied.result } });
  }
}

/** A new leader ignores what the promises reported (the leader's `merge`, swapped) and starts proposing at its own commit point. */
function mergeNothing<Op>(): Entry<Op>[] {
  return [];
}

/**
 * A follower applies every entry it accepts as if it were chosen, without waiting for the
 * commit point: the acceptor's `onAccept`, followed by the learner's `learn` whenever it voted.
 */
function acceptAndLearn<S, Op, R>(b: StepBuilder<S, Op, R>, m: MultiAccept<Op>): string | undefined {
  const ignored = REAL_ROLES.acceptor.onAccept(b, m);
  const voted = b.effects.some((e) => e.type === 'send' && e.message.type === 'accepted');
  if (voted) b.roles.learner.learn(b, m.slot, m.value);
  return ignored;
}

/**
 * A candidate counts a promise answered to one of its *earlier* ballots toward the quorum of
 * its current one, as if it were a promise for the current ballot: "that acceptor promised me
 * before". The acceptor may have voted in another leader's ballot since, a vote that promise
 * does not report, so the merge can miss a value that may be chosen. The leader's `onPromise`,
 * swapped.
 */
function countStalePromise<S, Op, R>(b: StepBuilder<S, Op, R>, m: MultiPromise<Op>): Outcome {
  const l = b.s.leader;
  const earlier = l.role === 'candidate' && m.ballot.node === b.s.id && ballots.less(m.ballot, l.ballot);
  return REAL_ROLES.leader.onPromise(b, earlier ? { ...m, ballot: l.ballot } : m);
}

/**
 * A leader counts an `accepted` from one of its older ballots as an acknowledgement in its
 * current ballot (the Multi-Paxos form of the single-decree zoo's learner-mixes-ballots): the
 * acceptor voted for whatever the older ballot proposed in that slot, not necessarily for what
 * the current ballot proposes. The leader's `onAccepted`, swapped.
 */
function countStaleAccepted<S, Op, R>(b: StepBuilder<S, Op, R>, m: MultiAccepted<Op>): Outcome {
  const l = b.s.leader;
  const older = l.role === 'leader' && ballots.less(m.ballot, l.ballot);
  return REAL_ROLES.leader.onAccepted(b, older ? { ...m, ballot: l.ballot } : m);
}

/**
 * The compaction-versus-hole bug: a follower campaigns from its own commit point, and a promise
 * from an acceptor that compacted past it reports no votes there (they are folded into the
 * snapshot the promise carries). The broken candidate ignores the snapshot: the compacted
 * slots, all chosen, look like holes, and it fills them with no-ops. The leader's
 * `onPromise`, swapped: it drops the promise's snapshot before counting it.
 */
function ignoreSnapshotInPromise<S, Op, R>(b: StepBuilder<S, Op, R>, m: MultiPromise<Op>): Outcome {
  if (m.snapshot === undefined) return REAL_ROLES.leader.onPromise(b, m);
  const { snapshot: _ignored, ...votesOnly } = m;
  return REAL_ROLES.leader.onPromise(b, votesOnly);
}

/**
 * The Consul bug (Jepsen, 2014): the leader answers a read from its own state machine without
 * asking whether it still leads. A leader cut off in a minority keeps believing it leads until
 * it hears a higher ballot, and meanwhile a new leader on the majority side has chosen and
 * acknowledged writes it never saw: its reads are stale. The read roles' `onRead`, swapped:
 * the leader answers a read-index or lease read at once (once its own ballot's entry is
 * chosen, which it keeps), with no heartbeat round and no lease.
 */
function readWithoutConfirming<S, Op, R>(b: StepBuilder<S, Op, R>, c: ClientRequest<Op>, mode: Exclude<ReadMode, 'log'>): Outcome {
  const { readyAt } = b.s.reads;
  const { commit, replica } = b.s.learner;
  if (mode === 'follower' || b.s.leader.role !== 'leader' || readyAt < 0 || commit < readyAt) return REAL_ROLES.reads.onRead(b, c, mode);
  const result = b.config.machine.apply(replica.machine, c.op).result;
  b.countServed(mode);
  b.emit({ type: 'reply', node: b.s.id, client: c.client, seq: c.seq, reply: { status: 'ok', result }, read: { mode, applied: commit, stale: false } });
  return undefined;
}

/**
 * A new leader serves read-index reads from its commit point as soon as it leads, before any
 * entry of its own ballot is chosen: "I won phase 1, so I am up to date". Its commit point can
 * lag slots an earlier leader chose and acknowledged (it knows their values from the merge, but
 * not yet that they are chosen), so a read can miss an acknowledged write. The read roles'
 * `onRead`, swapped: it takes the commit point as ready before the real one runs.
 */
function readBeforeOwnBallotCommit<S, Op, R>(b: StepBuilder<S, Op, R>, c: ClientRequest<Op>, mode: Exclude<ReadMode, 'log'>): Outcome {
  const { readyAt } = b.s.reads;
  const { commit } = b.s.learner;
  if (b.s.leader.role === 'leader' && (readyAt < 0 || readyAt > commit)) b.setReads({ readyAt: commit });
  return REAL_ROLES.reads.onRead(b, c, mode);
}

/**
 * The leader holds its lease for as many ticks of its own clock as the followers granted of
 * theirs, from when it sent the round: the lease is not shortened by the clock-drift bound.
 * When the leader's clock runs slow and a follower's fast, the follower's grant runs out, a new
 * leader is elected and acknowledges writes, while the old leader still answers from its
 * lease. The read roles' `leaseEnd`, swapped.
 */
function leaseIgnoringDrift<S, Op, R>(b: StepBuilder<S, Op, R>, from: number): number {
  const lease = b.config.reads?.lease;
  return lease === undefined ? 0 : from + lease.ticks;
}

export const MULTIPAXOS_MUTANTS: readonly MultiPaxosMutant[] = [
  {
    name: 'leader-acks-before-quorum',
    breaks: 'acknowledgement: the leader reports a command done when it proposes it, before a quorum accepted it',
    caughtBy: ['AckImpliesChosen'],
    roles: { ...REAL_ROLES, leader: { ...REAL_ROLES.leader, propose: proposeAndAck } },
  },
  {
    name: 'new-leader-skips-merge',
    breaks: 'P2c per slot: a new leader ignores the votes its promises reported and reuses their slots for new commands',
    caughtBy: ['VotesSafe', 'Agreement', 'LogPrefixAgreement'],
    roles: { ...REAL_ROLES, leader: { ...REAL_ROLES.leader, merge: mergeNothing } },
  },
  {
    name: 'follower-applies-unchosen-entry',
    breaks: 'learning: a follower applies an entry it accepted before the entry is chosen',
    // It also answers a client's retry from that replica, so AckImpliesChosen can fire first.
    caughtBy: ['Agreement', 'LogPrefixAgreement', 'AckImpliesChosen'],
    roles: { ...REAL_ROLES, acceptor: { ...REAL_ROLES.acceptor, onAccept: acceptAndLearn } },
  },
  {
    name: 'candidate-counts-stale-promise',
    breaks: 'P2c per slot: a candidate counts a promise answered to its earlier ballot, whose votes are out of date, toward its current quorum',
    caughtBy: ['VotesSafe', 'Agreement', 'LogPrefixAgreement', 'AckImpliesChosen'],
    roles: { ...REAL_ROLES, leader: { ...REAL_ROLES.leader, onPromise: countStalePromise } },
  },
  {
    name: 'leader-counts-stale-accepted',
    breaks: 'choosing: a leader counts an acceptance of its older ballot as one of its current ballot, so a slot can be "chosen" without a quorum voting its value',
    caughtBy: ['AckImpliesChosen', 'Agreement', 'LogPrefixAgreement', 'VotesSafe'],
    roles: { ...REAL_ROLES, leader: { ...REAL_ROLES.leader, onAccepted: countStaleAccepted } },
  },
  {
    name: 'merge-keeps-lower-ballot',
    breaks: 'P2c per slot: a new leader re-proposes the lowest-ballot vote its promises reported for a slot, not the highest',
    caughtBy: ['VotesSafe', 'Agreement', 'LogPrefixAgreement'],
    roles: { ...REAL_ROLES, leader: { ...REAL_ROLES.leader, merge: mergeKeepsLowerBallot } },
  },
  {
    name: 'follower-fills-hole-below-snapshot',
    breaks: 'compaction: a follower campaigning from below a peer\'s snapshot ignores it and fills the compacted slots, which are chosen, with no-ops (needs compaction on)',
    caughtBy: ['VotesSafe', 'Agreement', 'LogPrefixAgreement', 'AckImpliesChosen'],
    roles: { ...REAL_ROLES, leader: { ...REAL_ROLES.leader, onPromise: ignoreSnapshotInPromise } },
  },
  {
    name: 'leader-reads-without-confirming',
    breaks: 'linearizable reads: a leader answers reads from its own state without confirming that a quorum still accepts its ballot, so a deposed leader in a minority serves stale reads (the Consul bug)',
    caughtBy: ['Linearizability'],
    roles: { ...REAL_ROLES, reads: { ...REAL_ROLES.reads, onRead: readWithoutConfirming } },
  },
  {
    name: 'read-index-before-own-ballot-commit',
    breaks: "linearizable reads: a new leader serves read-index reads from its commit point before an entry of its own ballot is chosen, so it can miss a write an earlier leader acknowledged",
    caughtBy: ['Linearizability'],
    roles: { ...REAL_ROLES, reads: { ...REAL_ROLES.reads, onRead: readBeforeOwnBallotCommit } },
  },
  {
    name: 'lease-past-drift-bound',
    breaks: 'leases: the leader holds its lease as long as the followers granted it, not shortened by the clock-drift bound, so with drifting clocks it serves reads after a new leader took over',
    caughtBy: ['Linearizability'],
    roles: { ...REAL_ROLES, reads: { ...REAL_ROLES.reads, leaseEnd: leaseIgnoringDrift } },
    // First failing seed 3 (12 of the first 100 seeds fail).
    hunt: { profile: 'lease-drift', drift: 0.3, leaseTicks: 12, readHeavy: true, bound: 30 },
  },
];

/** The mutants that break reads outside the log: they need a subject whose clients read in such a mode. */
export type ReadMutantName = 'leader-reads-without-confirming' | 'read-index-before-own-ballot-commit' | 'lease-past-drift-bound';
export const READ_MUTANTS: ReadonlySet<MultiPaxosMutantName> = new Set<ReadMutantName>(['leader-reads-without-confirming', 'read-index-before-own-ballot-commit', 'lease-past-drift-bound']);

/**
 * With `ownVote: 'parallel'` the leader counts its own acceptance of a slot as soon as it
 * proposes it, as `inline` does, while its vote is still a message on its way to its own
 * acceptor: "my own vote is as good as cast". A follower's acceptance then makes the slot
 * chosen with one vote cast; if the leader's acceptor promises a higher ballot (or crashes)
 * before that message arrives, the next leader's quorum can miss the value. The driver's
 * version of the same bug is sending a step's messages before its vote is durable. The leader's
 * `propose`, swapped.
 */
function proposeCountingOwnVoteEarly<S, Op, R>(b: StepBuilder<S, Op, R>, slot: number, value: Entry<Op>): void {
  REAL_ROLES.leader.propose(b, slot, value);
  if (b.config.ownVote === 'parallel') countAck(b, slot, b.s.id);
}

/** Mutants of the own vote in parallel (kept apart: every entry of the list above runs with the default `inline`). */
export const OWN_VOTE_MUTANTS: readonly MultiPaxosMutant[] = [
  {
    name: 'leader-counts-own-vote-early',
    breaks: "choosing: with the leader's own vote sent in parallel, the leader counts its acceptance before its acceptor has cast (and persisted) the vote, so a slot can be chosen with fewer votes than a quorum",
    caughtBy: ['Agreement', 'LogPrefixAgreement', 'AckImpliesChosen', 'VotesSafe'],
    roles: { ...REAL_ROLES, leader: { ...REAL_ROLES.leader, propose: proposeCountingOwnVoteEarly } },
  },
];

export function multiPaxosMutant(name: string): MultiPaxosMutant | undefined {
  return MULTIPAXOS_MUTANTS.find((m) => m.name === name) ?? OWN_VOTE_MUTANTS.find((m) => m.name === name);
}

/**
 * The leader's `merge`, swapped: per slot it keeps the vote with the lowest ballot the promises
 * reported ("the first value proposed there was the one the clients saw"), a no-op for a hole.
 * It agrees with the real merge whenever at most one ballot voted in a slot, so it takes two
 * earlier ballots that left different votes for one slot on different acceptors, and a third
 * leader that hears from both, to go wrong: three ballots.
 */
function mergeKeepsLowerBallot<Op>(promises: readonly PromiseGathered<Op>[], from: number): Entry<Op>[] {
  const lowest: { ballot: ballots.Ballot; value: Entry<Op> }[] = [];
  for (const p of promises) {
    for (const e of p.entries) {
      if (e.slot < from) continue;
      const seen = lowest[e.slot - from];
      if (seen === undefined || ballots.less(e.ballot, seen.ballot)) lowest[e.slot - from] = { ballot: e.ballot, value: e.value };
    }
  }
  return Array.from({ length: lowest.length }, (_, i) => lowest[i]?.value ?? NOOP);
}
