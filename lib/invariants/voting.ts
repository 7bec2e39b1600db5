/**
 * The safety predicates of Voting.tla and Paxos.tla, over one slot.
 *
 * Each takes a `SlotView`: a global snapshot of one slot (every acceptor's state, every
 * message ever sent, as Paxos.tla's `msgs`, and every value a client proposed) and returns a
 * `Violation` that says which invariant broke, where and for whom, or null when it holds.
 * Single-decree Paxos has one slot; Multi-Paxos builds one view per slot.
 *
 * Definitions, after Voting.tla:
 * - a vote is an acceptance: acceptor a accepted value v in ballot b (a 2b message);
 * - v is chosen at b when a phase-2 quorum voted for v in b;
 * - SafeAt(b, v): for every ballot c < b, some phase-1 quorum Q has, for each a in Q, either
 *   voted v in c or promised a ballot above c without voting in c, so no other value can be
 *   chosen in c.
 */
import * as ballots from '../paxos/ballot';
import type { Ballot } from '../paxos/ballot';
import type { Vote } from '../paxos/messages';
import type { QuorumSystem } from '../paxos/quorum';
import type { NodeId } from '../core/types';

export type InvariantName =
  | 'Agreement'
  | 'Validity'
  | 'OneValuePerBallot'
  | 'PromiseKept'
  | 'VotesSafe'
  | 'ChosenIsStable'
  | 'AckImpliesChosen'
  | 'LogPrefixAgreement'
  // Reads outside the log (lib/invariants/reads.ts).
  | 'ReadsLinearizable'
  // Raft's own (lib/invariants/raft.ts), Figure 3 of the Raft paper.
  | 'ElectionSafety'
  | 'LeaderAppendOnly'
  | 'LogMatching'
  | 'LeaderCompleteness'
  | 'StateMachineSafety';

export interface Violation {
  readonly invariant: InvariantName;
  readonly slot: number;
  readonly ballots: readonly Ballot[];
  readonly nodes: readonly NodeId[];
  readonly description: string;
}

/** One acceptor as the invariants see it: its current maxBal, maxVBal and maxVal. */
export interface AcceptorView<V> {
  readonly id: NodeId;
  readonly promised: Ballot;
  readonly accepted: Vote<V> | null;
}

export interface SlotView<V> {
  readonly slot: number;
  readonly quorums: QuorumSystem;
  readonly acceptors: readonly AcceptorView<V>[];
  /** 2b: every acceptance ever sent (acceptor, ballot, value). */
  readonly votes: readonly { readonly acceptor: NodeId; readonly ballot: Ballot; readonly value: V }[];
  /** 2a: every accept request ever sent. */
  readonly accepts: readonly { readonly from: NodeId; readonly ballot: Ballot; readonly value: V }[];
  /** 1b: every promise ever sent, with the vote it reported. */
  readonly promises: readonly { readonly acceptor: NodeId; readonly ballot: Ballot; readonly accepted: Vote<V> | null }[];
  /** Values a client asked for (and, in Multi-Paxos, the leader's no-ops). */
  readonly proposed: readonly V[];
  /** What each learner learned as chosen. */
  readonly learned: readonly { readonly learner: NodeId; readonly value: V }[];
}

/** Values are plain data; two are the same when they serialize the same. */
export function sameValue<V>(a: V, b: V): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

export function showValue<V>(v: V): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Every (ballot, value) chosen by a phase-2 quorum of votes, with the voters. */
export function chosenByVotes<V>(view: SlotView<V>): { ballot: Ballot; value: V; voters: NodeId[] }[] {
  const byBallot = new Map<string, { ballot: Ballot; value: V; voters: Set<NodeId> }>();
  for (const vote of view.votes) {
    const key = `${ballots.format(vote.ballot)}=${JSON.stringify(vote.value)}`;
    const entry = byBallot.get(key) ?? { ballot: vote.ballot, value: vote.value, voters: new Set<NodeId>() };
    entry.voters.add(vote.acceptor);
    byBallot.set(key, entry);
  }
  return [...byBallot.values()]
    .filter((e) => e.voters.size >= view.quorums.phase2)
    .map((e) => ({ ballot: e.ballot, value: e.value, voters: [...e.voters].sort((a, b) => a - b) }));
}

/** Agreement (Consensus.tla): at most one value is chosen, and every learner learned it. */
export function agreement<V>(view: SlotView<V>): Violation | null {
  const chosen = chosenByVotes(view);
  const first = chosen[0];
  if (first !== undefined) {
    const other = chosen.find((c) => !sameValue(c.value, first.value));
    if (other !== undefined) {
      return {
        invariant: 'Agreement',
        slot: view.slot,
        ballots: [first.ballot, other.ballot],
        nodes: [...new Set([...first.voters, ...other.voters])],
        description:
          `slot ${view.slot} chosen twice: ${showValue(first.value)} in ballot ${ballots.format(first.ballot)} ` +
          `by ${first.voters.join(',')} and ${showValue(other.value)} in ballot ${ballots.format(other.ballot)} ` +
          `by ${other.voters.join(',')}`,
      };
    }
  }
  const reference = first?.value ?? view.learned[0]?.value;
  for (const l of view.learned) {
    if (reference !== undefined && !sameValue(l.value, reference)) {
      return {
        invariant: 'Agreement',
        slot: view.slot,
        ballots: first === undefined ? [] : [first.ballot],
        nodes: [l.learner],
        description: `learner ${l.learner} learned ${showValue(l.value)} for slot ${view.slot}, but ${showValue(reference)} was chosen or learned`,
      };
    }
  }
  return null;
}

/** Validity: only a proposed value can be chosen (or learned). */
export function validity<V>(view: SlotView<V>): Violation | null {
  const proposed = (v: V): boolean => view.proposed.some((p) => sameValue(p, v));
  for (const c of chosenByVotes(view)) {
    if (!proposed(c.value)) {
      return {
        invariant: 'Validity',
        slot: view.slot,
        ballots: [c.ballot],
        nodes: c.voters,
        description: `slot ${view.slot} chose ${showValue(c.value)}, which no client proposed`,
      };
    }
  }
  const learned = view.learned.find((l) => !proposed(l.value));
  if (learned === undefined) return null;
  return {
    invariant: 'Validity',
    slot: view.slot,
    ballots: [],
    nodes: [learned.learner],
    description: `learner ${learned.learner} learned ${showValue(learned.value)} for slot ${view.slot}, which no client proposed`,
  };
}

/** OneValuePerBallot (Paxos.tla's 2a uniqueness): accept requests of one ballot carry one value. */
export function oneValuePerBallot<V>(view: SlotView<V>): Violation | null {
  const seen = new Map<string, { from: NodeId; value: V }>();
  for (const a of view.accepts) {
    const key = ballots.format(a.ballot);
    const earlier = seen.get(key);
    if (earlier === undefined) {
      seen.set(key, { from: a.from, value: a.value });
    } else if (!sameValue(earlier.value, a.value)) {
      return {
        invariant: 'OneValuePerBallot',
        slot: view.slot,
        ballots: [a.ballot],
        nodes: [...new Set([earlier.from, a.from])],
        description:
          `ballot ${key} of slot ${view.slot} carries two values: ${showValue(earlier.value)} ` +
          `(from ${earlier.from}) and ${showValue(a.value)} (from ${a.from})`,
      };
    }
  }
  return null;
}

/**
 * PromiseKept (P1a; Paxos.tla's message invariants for 1b and 2b):
 * - an acceptor's accepted ballot never exceeds its promise (maxVBal <= maxBal);
 * - an acceptor still remembers every promise and vote it sent (their ballots <= maxBal);
 * - a promise's report stays true: acceptor a that promised b reporting its highest vote at c0
 *   never votes in a ballot strictly between c0 and b (that vote would break the promise).
 */
export function promiseKept<V>(view: SlotView<V>): Violation | null {
  const promised = new Map(view.acceptors.map((a) => [a.id, a.promised] as const));
  for (const a of view.acceptors) {
    if (a.accepted !== null && ballots.less(a.promised, a.accepted.ballot)) {
      return promiseViolation(view, [a.accepted.ballot, a.promised], a.id,
        `acceptor ${a.id} accepted ballot ${ballots.format(a.accepted.ballot)} above its promise ${ballots.format(a.promised)}`);
    }
  }
  const sent = [
    ...view.promises.map((p) => ({ acceptor: p.acceptor, ballot: p.ballot, what: 'promised' })),
    ...view.votes.map((v) => ({ acceptor: v.acceptor, ballot: v.ballot, what: 'accepted' })),
  ];
  for (const s of sent) {
    const now = promised.get(s.acceptor);
    if (now !== undefined && ballots.less(now, s.ballot)) {
      return promiseViolation(view, [s.ballot, now], s.acceptor,
        `acceptor ${s.acceptor} ${s.what} ballot ${ballots.format(s.ballot)} but now remembers only ${ballots.format(now)}`);
    }
  }
  for (const p of view.promises) {
    const floor = p.accepted?.ballot ?? ballots.ZERO;
    const broken = view.votes.find(
      (v) => v.acceptor === p.acceptor && ballots.less(floor, v.ballot) && ballots.less(v.ballot, p.ballot),
    );
    if (broken !== undefined) {
      return promiseViolation(view, [p.ballot, broken.ballot], p.acceptor,
        `acceptor ${p.acceptor} promised ballot ${ballots.format(p.ballot)} (reporting ` +
        `${p.accepted === null ? 'no vote' : `a vote in ${ballots.format(floor)}`}) yet accepted ` +
        `${showValue(broken.value)} in ballot ${ballots.format(broken.ballot)}, below its promise`);
    }
  }
  return null;
}

function promiseViolation<V>(view: SlotView<V>, bs: Ballot[], node: NodeId, description: string): Violation {
  return { invariant: 'PromiseKept', slot: view.slot, ballots: bs, nodes: [node], description };
}

/**
 * VotesSafe (Voting.tla): every vote for v in ballot b is SafeAt(b, v). Checked as: a phase-1
 * quorum has promised at least b (which covers every ballot below b in which nobody voted),
 * and for every lower ballot c in which somebody voted, a phase-1 quorum each of whose members
 * voted v in c or promised above c without voting in c.
 */
export function votesSafe<V>(view: SlotView<V>): Violation | null {
  const q1 = view.quorums.phase1;
  const voted = (a: NodeId, c: Ballot): { value: V } | undefined =>
    view.votes.find((x) => x.acceptor === a && ballots.equals(x.ballot, c));
  const votedBallots = uniqueBallots(view.votes.map((v) => v.ballot));
  for (const vote of view.votes) {
    const promisedAbove = view.acceptors.filter((a) => !ballots.less(a.promised, vote.ballot));
    if (promisedAbove.length < q1) {
      return {
        invariant: 'VotesSafe',
        slot: view.slot,
        ballots: [vote.ballot],
        nodes: [vote.acceptor],
        description:
          `acceptor ${vote.acceptor} accepted ${showValue(vote.value)} in ballot ${ballots.format(vote.ballot)}, ` +
          `but only ${promisedAbove.length} acceptors (need ${q1}) have promised that ballot`,
      };
    }
    for (const c of votedBallots.filter((b) => ballots.less(b, vote.ballot))) {
      const safe = view.acceptors.filter((a) => {
        const v = voted(a.id, c);
        return v === undefined ? ballots.less(c, a.promised) : sameValue(v.value, vote.value);
      });
      if (safe.length < q1) {
        const rivals = view.votes.filter((x) => ballots.equals(x.ballot, c) && !sameValue(x.value, vote.value));
        return {
          invariant: 'VotesSafe',
          slot: view.slot,
          ballots: [vote.ballot, c],
          nodes: [vote.acceptor, ...rivals.map((r) => r.acceptor)],
          description:
            `${showValue(vote.value)} accepted in ballot ${ballots.format(vote.ballot)} by ${vote.acceptor} is not safe: ` +
            `ballot ${ballots.format(c)} could still choose ` +
            `${rivals.length > 0 ? showValue(rivals[0]!.value) : 'another value'} (only ${safe.length} of ${q1} acceptors rule it out)`,
        };
      }
    }
  }
  return null;
}

function uniqueBallots(list: readonly Ballot[]): Ballot[] {
  const out: Ballot[] = [];
  for (const b of list) if (!out.some((o) => ballots.equals(o, b))) out.push(b);
  return out;
}

/** The per-slot invariants, by name, in the order they are checked. */
export const slotInvariants = {
  Agreement: agreement,
  Validity: validity,
  OneValuePerBallot: oneValuePerBallot,
  PromiseKept: promiseKept,
  VotesSafe: votesSafe,
} as const;

/** Every per-slot violation, in the order of `slotInvariants`. */
export function checkSlot<V>(view: SlotView<V>): Violation[] {
  const out: Violation[] = [];
  for (const predicate of Object.values(slotInvariants)) {
    const v = predicate(view);
    if (v !== null) out.push(v);
  }
  return out;
}
