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
import type { Entry, MultiAccept } from '../multipaxos/messages';
import { NOOP } from '../multipaxos/messages';
import type { PromiseGathered } from '../multipaxos/state';
import * as ballots from '../paxos/ballot';
import { applyCommand } from '../machine/replica';

export type MultiPaxosMutantName = 'leader-acks-before-quorum' | 'new-leader-skips-merge' | 'follower-applies-unchosen-entry'
  | 'merge-keeps-lower-ballot';

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
    name: 'merge-keeps-lower-ballot',
    breaks: 'P2c per slot: a new leader re-proposes the lowest-ballot vote its promises reported for a slot, not the highest',
    caughtBy: ['VotesSafe', 'Agreement', 'LogPrefixAgreement'],
    roles: { ...REAL_ROLES, leader: { ...REAL_ROLES.leader, merge: mergeKeepsLowerBallot } },
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
