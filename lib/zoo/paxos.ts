/**
 * The bug zoo, single-decree part: named broken variants of the real roles.
 *
 * Each mutant is a small, documented deviation built by wrapping the real handlers (so the
 * rest of the code path is the code under test), selectable by name and never active by
 * default. Every safety check in synod must show it rejects at least one of them: a check
 * that cannot fail proves nothing.
 */
import * as ballots from '../paxos/ballot';
import type { Effect } from '../paxos/effects';
import type { Message, MessageType } from '../paxos/messages';
import type { NodeId } from '../core/types';
import type { Roles } from '../paxos/node';
import { realRoles } from '../paxos/node';
import type { ProposerState, ProposerStep } from '../paxos/proposer';
import { onAccept, onPrepare } from '../paxos/acceptor';

export type PaxosMutantName =
  | 'acceptor-accepts-below-promise'
  | 'promise-not-persisted-before-reply'
  | 'proposer-ignores-promised-values'
  | 'proposer-picks-lowest-accepted-ballot'
  | 'learner-mixes-ballots'
  | 'ballots-not-unique-across-proposers'
  | 'non-intersecting-quorums';

/**
 * The smallest configuration of the model checker (lib/check/paxos.ts) at which a mutant's
 * bug shows, found by trying configurations from the smallest up (proofs/zoo-search.ts); the
 * correct roles pass the same configuration (spec/check/zoo.spec.ts). Plain data, so the zoo
 * does not depend on the checker.
 */
export interface PaxosSmallestConfig {
  readonly acceptors: number;
  readonly proposers: number;
  readonly values: number;
  readonly maxRound: number;
  readonly network: 'set' | 'multiset';
  readonly crashes: number;
  /** Proposers (nodes 1..k) whose timer may fire, so that they retry with a higher ballot. */
  readonly timers: number;
  readonly learners: number;
  readonly assign: 'any' | 'own';
  /**
   * Messages the network loses: a type (`rejected`), or a type to one node (`accepted>2`). A
   * restriction: the run found is still a real run.
   */
  readonly lose: readonly (MessageType | `${MessageType}>${number}`)[];
  /**
   * A directed start, for a mutant whose shortest counterexample is too deep for
   * breadth-first search from the initial state: these actions are played first and the
   * checker explores every run from there. The run it finds is still a real run.
   */
  readonly prefix?: readonly ZooAction[];
}

/** One action of a directed start, as the checker's trace events spell them. */
export type ZooAction =
  | { readonly type: 'request'; readonly node: NodeId; readonly command: string }
  | { readonly type: 'deliver'; readonly message: Message<string> }
  | { readonly type: 'timeout'; readonly node: NodeId };

const prepare = (from: NodeId, to: NodeId, round: number): ZooAction => ({
  type: 'deliver',
  message: { type: 'prepare', from, to, slot: 1, ballot: { round, node: from } },
});
const promise = (from: NodeId, to: NodeId, round: number): ZooAction => ({
  type: 'deliver',
  message: { type: 'promise', from, to, slot: 1, ballot: { round, node: to }, accepted: null },
});
const accept = (from: NodeId, to: NodeId, round: number, value: string): ZooAction => ({
  type: 'deliver',
  message: { type: 'accept', from, to, slot: 1, ballot: { round, node: from }, value },
});

/**
 * learner-mixes-ballots needs four ballots: A accepted by two acceptors in two different
 * ballots (which the broken learner adds up) and B chosen in a fourth, which a proposer may
 * choose only after a B vote above both A votes. Its shortest counterexample is 27 actions,
 * past the reach of breadth-first search from the start (8 million states reach about depth
 * 15). This start plays the first two ballots' opening: A proposed by node 1 in ballot 1.1
 * and accepted by acceptor 1; B proposed by node 2 in ballot 1.2, promised by acceptors 2
 * and 3. The checker finds the remaining 17 actions (B accepted, node 1's retries at 2.1 and
 * 3.1, the learner's mixed count) by itself.
 */
const LEARNER_PREFIX: readonly ZooAction[] = [
  { type: 'request', node: 1, command: 'A' },
  { type: 'request', node: 2, command: 'B' },
  prepare(1, 1, 1),
  prepare(1, 2, 1),
  promise(1, 1, 1),
  promise(2, 1, 1),
  accept(1, 1, 1, 'A'),
  prepare(2, 2, 1),
  prepare(2, 3, 1),
  promise(2, 2, 1),
];

export interface PaxosMutant {
  readonly name: PaxosMutantName;
  /** What it breaks, in one sentence. */
  readonly breaks: string;
  /** The invariants expected to catch it. */
  readonly caughtBy: readonly string[];
  /** The roles it runs (the real ones where it changes none). */
  roles<V>(): Roles<V>;
  /** Quorum sizes it runs with, for 3 acceptors, when it changes them. */
  readonly quorums?: { readonly phase1: number; readonly phase2: number };
  /** True when it shows only if an acceptor crashes and restarts. */
  readonly needsCrash: boolean;
  /** The smallest configuration at which the checker catches it. */
  readonly smallest: PaxosSmallestConfig;
}

/** The acceptor takes an accept request even below its promise (breaks P1a). */
function acceptsBelowPromise<V>(): Roles<V> {
  const real = realRoles<V>();
  return {
    ...real,
    acceptor: (s, m) => {
      if (m.type !== 'accept' || !ballots.less(m.ballot, s.promised)) return real.acceptor(s, m);
      const step = onAccept({ ...s, promised: m.ballot }, m);
      return { ...step, state: { ...step.state, promised: s.promised } };
    },
  };
}

/** The acceptor replies to a prepare without persisting its promise first. */
function promiseNotPersisted<V>(): Roles<V> {
  const real = realRoles<V>();
  return {
    ...real,
    acceptor: (s, m) => {
      if (m.type !== 'prepare') return real.acceptor(s, m);
      const step = onPrepare(s, m);
      return { ...step, effects: step.effects.filter((e) => e.type !== 'persist') };
    },
  };
}

/** The proposer reads the promises as if no acceptor had accepted anything (breaks P2c). */
function ignoresPromisedValues<V>(): Roles<V> {
  const real = realRoles<V>();
  return {
    ...real,
    proposer: (s, m) => real.proposer(s, m.type === 'promise' ? { ...m, accepted: null } : m),
  };
}

/** The proposer adopts the value of the lowest-numbered accepted proposal, not the highest. */
function picksLowest<V>(): Roles<V> {
  const real = realRoles<V>();
  return {
    ...real,
    proposer: (s, m) => {
      const step = real.proposer(s, m);
      if (s.phase !== 'preparing' || step.state.phase !== 'accepting') return step;
      const votes = step.state.promises.flatMap((p) => (p.accepted === null ? [] : [p.accepted]));
      if (votes.length === 0) return step;
      const lowest = votes.reduce((lo, v) => (ballots.less(v.ballot, lo.ballot) ? v : lo));
      const effects = step.effects.map((e): Effect<V> =>
        e.type === 'send' && e.message.type === 'accept' ? { ...e, message: { ...e.message, value: lowest.value } } : e,
      );
      return { ...step, state: { ...step.state, proposal: lowest.value }, effects };
    },
  };
}

/** The learner tallies acceptances by value across ballots instead of within one ballot. */
function mixesBallots<V>(): Roles<V> {
  const real = realRoles<V>();
  return {
    ...real,
    learner: (s, m) =>
      real.learner(s, m.type === 'accepted' ? { ...m, ballot: { round: stringHash(JSON.stringify(m.value)), node: 0 } } : m),
  };
}

/**
 * Every proposer numbers its ballots as if it were node 1, so two proposers share ballots.
 * Acceptors here answer a repeated prepare of the ballot they promised (harmless while ballots
 * are unique: only the same proposer can repeat it). With shared ballots, two proposers both
 * complete phase 1 of one ballot and send it with two values. (With Paxos.tla's strict rule
 * alone, an acceptor promises a ballot once, which hides this bug: that is why both are here.)
 */
function ballotsNotUnique<V>(): Roles<V> {
  const real = realRoles<V>();
  const acceptor: Roles<V>['acceptor'] = (s, m) =>
    m.type === 'prepare' && ballots.equals(m.ballot, s.promised) ? onPrepare({ ...s, promised: ballots.ZERO }, m) : real.acceptor(s, m);
  const shared = (step: ProposerStep<V>): ProposerStep<V> => {
    const owned = (b: ballots.Ballot): ballots.Ballot => ({ round: b.round, node: 1 });
    const effects = step.effects.map((e): Effect<V> => {
      if (e.type === 'persist' && e.role === 'proposer') return { ...e, record: { ballot: owned(e.record.ballot) } };
      if (e.type === 'send' && e.message.type === 'prepare') return { ...e, message: { ...e.message, ballot: owned(e.message.ballot) } };
      return e;
    });
    const state: ProposerState<V> = { ...step.state, ballot: owned(step.state.ballot), highest: owned(step.state.highest) };
    return { ...step, state, effects };
  };
  return {
    ...real,
    acceptor,
    propose: (s, v) => shared(real.propose(s, v)),
    timeout: (s) => shared(real.timeout(s)),
  };
}

function stringHash(text: string): number {
  let h = 7;
  for (let i = 0; i < text.length; i += 1) h = (Math.imul(h, 31) + text.charCodeAt(i)) >>> 0;
  return h;
}

export const PAXOS_MUTANTS: readonly PaxosMutant[] = [
  {
    name: 'acceptor-accepts-below-promise',
    breaks: 'P1a: an acceptor accepts a proposal numbered below a prepare it already promised',
    caughtBy: ['PromiseKept', 'VotesSafe', 'Agreement'],
    roles: acceptsBelowPromise,
    needsCrash: false,
    smallest: { acceptors: 1, proposers: 2, values: 1, maxRound: 1, timers: 0, network: 'set', crashes: 0, learners: 0, assign: 'own', lose: [] },
  },
  {
    name: 'promise-not-persisted-before-reply',
    breaks: 'durability: an acceptor sends its promise before the promise is on disk, and forgets it in a crash',
    caughtBy: ['PromiseKept', 'VotesSafe', 'Agreement'],
    roles: promiseNotPersisted,
    needsCrash: true,
    smallest: { acceptors: 1, proposers: 1, values: 1, maxRound: 1, timers: 0, network: 'set', crashes: 1, learners: 0, assign: 'own', lose: [] },
  },
  {
    name: 'proposer-ignores-promised-values',
    breaks: 'P2c: a proposer proposes its own value even when a promise reported an accepted one',
    caughtBy: ['VotesSafe', 'Agreement'],
    roles: ignoresPromisedValues,
    needsCrash: false,
    smallest: { acceptors: 1, proposers: 2, values: 2, maxRound: 1, timers: 0, network: 'set', crashes: 0, learners: 0, assign: 'own', lose: [] },
  },
  {
    name: 'proposer-picks-lowest-accepted-ballot',
    breaks: 'P2c: a proposer adopts the lowest-numbered accepted proposal among the promises, not the highest',
    caughtBy: ['VotesSafe', 'Agreement'],
    roles: picksLowest,
    needsCrash: false,
    smallest: { acceptors: 3, proposers: 2, values: 2, maxRound: 2, timers: 1, network: 'set', crashes: 0, learners: 0, assign: 'own', lose: ['rejected', 'accepted'] },
  },
  {
    name: 'learner-mixes-ballots',
    breaks: 'learning: a learner counts acceptances of one value made in different ballots toward one quorum',
    caughtBy: ['Agreement'],
    roles: mixesBallots,
    needsCrash: false,
    smallest: {
      acceptors: 3,
      proposers: 2,
      values: 2,
      maxRound: 3,
      timers: 1,
      network: 'set',
      crashes: 0,
      learners: 1,
      assign: 'own',
      lose: ['rejected', 'accepted>2'],
      prefix: LEARNER_PREFIX,
    },
  },
  {
    name: 'ballots-not-unique-across-proposers',
    breaks: 'proposal numbers: two proposers issue the same ballot, so one ballot can carry two values',
    caughtBy: ['OneValuePerBallot', 'Agreement'],
    roles: ballotsNotUnique,
    needsCrash: false,
    smallest: { acceptors: 1, proposers: 2, values: 2, maxRound: 1, timers: 0, network: 'set', crashes: 0, learners: 0, assign: 'own', lose: [] },
  },
  {
    name: 'non-intersecting-quorums',
    breaks: 'quorums: a phase-1 quorum of 1 and a phase-2 quorum of 2 among 3 acceptors can miss each other',
    caughtBy: ['VotesSafe', 'Agreement'],
    roles: realRoles,
    quorums: { phase1: 1, phase2: 2 },
    needsCrash: false,
    smallest: { acceptors: 3, proposers: 2, values: 2, maxRound: 1, timers: 0, network: 'set', crashes: 0, learners: 0, assign: 'own', lose: [] },
  },
];

export function paxosMutant(name: string): PaxosMutant | undefined {
  return PAXOS_MUTANTS.find((m) => m.name === name);
}
