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
import { NOOP } from '../multipaxos/messages';
import type { PromiseGathered } from '../multipaxos/state';
import { applyCommand } from '../machine/replica';
import * as ballots from '../paxos/ballot';

export type MultiPaxosMutantName =
  | 'leader-acks-before-quorum'
  | 'new-leader-skips-merge'
  | 'follower-applies-unchosen-entry'
  | 'candidate-counts-stale-promise'
  | 'leader-counts-stale-accepted'
  | 'merge-keeps-lower-ballot'
  | 'follower-fills-hole-below-snapshot';

export interface MultiPaxosMutant {
  readonly name: MultiPaxosMutantName;
  /** What it breaks, in one sentence. */
  readonly breaks: string;
  /** The invariants expected to catch it. */
  readonly caughtBy: readonly string[];
  /** The node's roles, with the broken one swapped in. */
  readonly roles: Roles;
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
];

export function multiPaxosMutant(name: string): MultiPaxosMutant | undefined {
  return MULTIPAXOS_MUTANTS.find((m) => m.name === name);
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
