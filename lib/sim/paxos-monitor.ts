/**
 * An incremental twin of `checkPaxos` (lib/invariants/paxos.ts), for the simulator's hot loop.
 *
 * `checkPaxos` is the definition: it rereads every message ever sent, so calling it after each
 * of n steps costs O(n^2). This monitor is told each change (a node's new state, a message
 * sent, a command issued) and keeps just enough to answer, after every step, the one question
 * the simulator asks: would `checkPaxos` report anything now? When it says yes, the simulator
 * calls `checkPaxos` itself for the report, so every violation synod prints is worded by the
 * definition. spec/sim/monitor.spec.ts compares the two after every step of many runs,
 * including the bug zoo's, where the answer is yes.
 *
 * How each predicate of lib/invariants/voting.ts is kept (V = value, b, c = ballots):
 * - Agreement: (ballot, value) -> voters; a group with a phase-2 quorum makes its value
 *   chosen. It fails iff the chosen values and the values learners now hold are not all one.
 * - Validity: every chosen or learned value is among the proposed ones (re-read when asked:
 *   the chosen values and the learners are few).
 * - OneValuePerBallot: ballot -> the value of its first accept request; once two differ it
 *   fails for good (messages are never unsent).
 * - PromiseKept: per acceptor, (a) accepted ballot <= promised, (b) promised >= the highest
 *   ballot it ever promised or voted in; (c) no vote strictly between a promise's reported
 *   vote and its ballot, checked pairwise as promises and votes appear (monotone).
 * - VotesSafe: (i) a phase-1 quorum has promised at least the highest voted ballot (if it
 *   holds for the highest vote it holds for every vote); (ii) for each voted ballot c and each
 *   value v voted above c: (acceptors whose first vote in c is v) + (acceptors that did not
 *   vote in c and promised above c) >= phase-1 quorum. (ii) is re-evaluated when a new vote
 *   appears or a promise moves down; a promise that moves up can only add safe acceptors, so
 *   it cannot create a failure (it is re-evaluated then only if (ii) was failing).
 */
import type { Ballot } from '../paxos/ballot';
import type { Effect } from '../paxos/effects';
import type { Message } from '../paxos/messages';
import type { NodeState, PaxosConfig } from '../paxos/node';
import { assertNever } from '../core/types';
import type { Monitor } from './subject';

/** Ballots as numbers that order like `ballots.compare` (node ids stay below 2^16). */
function ballotKey(b: Ballot): number {
  return b.round * 0x1_0000 + b.node;
}

/** Values as keys that are equal exactly when `sameValue` says so. */
function valueKey(v: unknown): string {
  return typeof v === 'string' ? `s${v}` : `j${JSON.stringify(v)}`;
}

interface VotedBallot {
  readonly key: number;
  /** Acceptor index -> the value of its first vote in this ballot. */
  readonly first: Map<number, string>;
  /** Value -> how many acceptors' first vote in this ballot it is. */
  readonly firstCount: Map<string, number>;
  /** Every value voted in this ballot by anyone. */
  readonly values: Set<string>;
}

export class PaxosMonitor<V> implements Monitor<NodeState<V>, Message<V>, Effect<V>, V> {
  private readonly q1: number;
  private readonly q2: number;
  /** Node id -> acceptor index, or -1. */
  private readonly acceptorIndex: number[] = [];
  private readonly acceptorCount: number;
  /** Per node index (as in the snapshot): its acceptor index, or -1. */
  private readonly nodeAcceptor: number[];
  private readonly promised: number[];
  private readonly acceptedBallot: number[];
  /** Per node index: the key of the value its learner holds, or null. */
  private readonly learned: (string | null)[];
  /** Per node index: the learner's `chosen` object the key above was read from. */
  private readonly learnedFrom: unknown[];
  private readonly proposed = new Set<string>();

  private readonly voteGroups = new Map<string, Set<number>>();
  private readonly chosenValues = new Set<string>();
  private readonly voted = new Map<number, VotedBallot>();
  private maxVoteBallot = -1;
  /** Per acceptor index: the highest ballot it promised or voted in, by its messages. */
  private readonly maxSent: number[];
  /** Per acceptor index: [floor, ballot] of each promise it sent. */
  private readonly promiseRanges: [number, number][][];
  /** Per acceptor index: the distinct ballots it voted in. */
  private readonly voteBallots: Set<number>[];
  private readonly firstAccept = new Map<number, string>();

  /** Something the answer depends on changed since `violated` last answered. */
  private dirty = true;
  private answer = false;
  private oneValuePerBallotBroken = false;
  private promiseRangeBroken = false;
  private safetyDirty = false;
  private safetyBroken = false;

  constructor(config: PaxosConfig, nodes: readonly number[]) {
    this.q1 = config.quorums.phase1;
    this.q2 = config.quorums.phase2;
    const acceptors = config.quorums.acceptors;
    this.acceptorCount = acceptors.length;
    acceptors.forEach((id, i) => {
      this.acceptorIndex[id] = i;
    });
    this.nodeAcceptor = nodes.map((id) => this.acceptorIndex[id] ?? -1);
    this.promised = acceptors.map(() => 0);
    this.acceptedBallot = acceptors.map(() => -1);
    this.maxSent = acceptors.map(() => -1);
    this.promiseRanges = acceptors.map(() => []);
    this.voteBallots = acceptors.map(() => new Set<number>());
    this.learned = nodes.map(() => null);
    this.learnedFrom = nodes.map(() => null);
  }

  state(index: number, s: NodeState<V>): void {
    const a = this.nodeAcceptor[index] ?? -1;
    if (a >= 0 && s.acceptor !== null) {
      const before = this.promised[a]!;
      const now = ballotKey(s.acceptor.promised);
      const accepted = s.acceptor.accepted === null ? -1 : ballotKey(s.acceptor.accepted.ballot);
      if (now !== before || accepted !== this.acceptedBallot[a]) {
        this.dirty = true;
        this.promised[a] = now;
        this.acceptedBallot[a] = accepted;
        if (now < before || (now !== before && this.safetyBroken)) this.safetyDirty = true;
      }
    }
    const chosen = s.learner?.chosen ?? null;
    if (chosen === this.learnedFrom[index]) return;
    this.learnedFrom[index] = chosen;
    const learned = chosen === null ? null : valueKey(chosen.value);
    if (learned !== this.learned[index]) {
      this.dirty = true;
      this.learned[index] = learned;
    }
  }

  sent(m: Message<V>): void {
    switch (m.type) {
      case 'accept':
        this.onAccept(ballotKey(m.ballot), valueKey(m.value));
        return;
      case 'accepted':
        this.onVote(m.from, ballotKey(m.ballot), valueKey(m.value));
        return;
      case 'promise':
        this.onPromise(m.from, ballotKey(m.ballot), m.accepted === null ? 0 : ballotKey(m.accepted.ballot));
        return;
      case 'prepare':
      case 'rejected':
        return;
      default:
        assertNever(m, 'message');
    }
  }

  command(c: V): void {
    this.dirty = true;
    this.proposed.add(valueKey(c));
  }

  observed(): void {
    // Single-decree checks read states and messages only.
  }

  /** The invariants that fail now, named and ordered as `checkPaxos` reports them. */
  failing(): string[] {
    const names: string[] = [];
    if (this.agreementBroken()) names.push('Agreement');
    if (this.validityBroken()) names.push('Validity');
    if (this.oneValuePerBallotBroken) names.push('OneValuePerBallot');
    if (this.promiseKeptBroken()) names.push('PromiseKept');
    if (this.votesSafeBroken()) names.push('VotesSafe');
    return names;
  }

  /** Re-evaluated only when a change could move the answer; otherwise the last answer stands. */
  violated(): boolean {
    if (!this.dirty) return this.answer;
    this.dirty = false;
    this.answer =
      this.agreementBroken() ||
      this.validityBroken() ||
      this.oneValuePerBallotBroken ||
      this.promiseKeptBroken() ||
      this.votesSafeBroken();
    return this.answer;
  }

  private onAccept(ballot: number, value: string): void {
    this.dirty = true;
    const first = this.firstAccept.get(ballot);
    if (first === undefined) this.firstAccept.set(ballot, value);
    else if (first !== value) this.oneValuePerBallotBroken = true;
  }

  private onPromise(from: number, ballot: number, floor: number): void {
    const a = this.acceptorIndex[from] ?? -1;
    if (a < 0) return;
    this.dirty = true;
    if (ballot > this.maxSent[a]!) this.maxSent[a] = ballot;
    this.promiseRanges[a]!.push([floor, ballot]);
    for (const vb of this.voteBallots[a]!) if (floor < vb && vb < ballot) this.promiseRangeBroken = true;
  }

  private onVote(from: number, ballot: number, value: string): void {
    // An acceptance goes to the proposer and every learner: its copies change nothing.
    const known = this.voted.get(ballot);
    const a0 = this.acceptorIndex[from] ?? -1;
    if (known !== undefined && a0 >= 0 && known.first.get(a0) === value) return;
    this.dirty = true;
    const groupKey = `${ballot}=${value}`;
    let voters = this.voteGroups.get(groupKey);
    if (voters === undefined) {
      voters = new Set<number>();
      this.voteGroups.set(groupKey, voters);
    }
    if (!voters.has(from)) {
      voters.add(from);
      if (voters.size >= this.q2) this.chosenValues.add(value);
    }
    let vb = this.voted.get(ballot);
    if (vb === undefined) {
      vb = { key: ballot, first: new Map(), firstCount: new Map(), values: new Set() };
      this.voted.set(ballot, vb);
      this.safetyDirty = true;
    }
    if (!vb.values.has(value)) {
      vb.values.add(value);
      this.safetyDirty = true;
    }
    if (ballot > this.maxVoteBallot) this.maxVoteBallot = ballot;
    const a = this.acceptorIndex[from] ?? -1;
    if (a < 0) return;
    if (!vb.first.has(a)) {
      vb.first.set(a, value);
      vb.firstCount.set(value, (vb.firstCount.get(value) ?? 0) + 1);
      this.safetyDirty = true;
    }
    if (ballot > this.maxSent[a]!) this.maxSent[a] = ballot;
    const mine = this.voteBallots[a]!;
    if (!mine.has(ballot)) {
      mine.add(ballot);
      for (const [floor, pb] of this.promiseRanges[a]!) if (floor < ballot && ballot < pb) this.promiseRangeBroken = true;
    }
  }

  private agreementBroken(): boolean {
    let only: string | null = null;
    for (const v of this.chosenValues) {
      if (only === null) only = v;
      else if (v !== only) return true;
    }
    for (const v of this.learned) {
      if (v === null) continue;
      if (only === null) only = v;
      else if (v !== only) return true;
    }
    return false;
  }

  private validityBroken(): boolean {
    for (const v of this.chosenValues) if (!this.proposed.has(v)) return true;
    for (const v of this.learned) if (v !== null && !this.proposed.has(v)) return true;
    return false;
  }

  private promiseKeptBroken(): boolean {
    if (this.promiseRangeBroken) return true;
    for (let a = 0; a < this.acceptorCount; a += 1) {
      const p = this.promised[a]!;
      if (this.acceptedBallot[a]! > p || this.maxSent[a]! > p) return true;
    }
    return false;
  }

  private votesSafeBroken(): boolean {
    if (this.maxVoteBallot < 0) return false;
    let promisedAbove = 0;
    for (let a = 0; a < this.acceptorCount; a += 1) if (this.promised[a]! >= this.maxVoteBallot) promisedAbove += 1;
    if (promisedAbove < this.q1) return true;
    if (this.safetyDirty) {
      this.safetyBroken = this.lowerBallotsUnsafe();
      this.safetyDirty = false;
    }
    return this.safetyBroken;
  }

  /** VotesSafe (ii), evaluated from scratch: highest ballot first, values above it gathered. */
  private lowerBallotsUnsafe(): boolean {
    const descending = [...this.voted.values()].sort((x, y) => y.key - x.key);
    const above = new Set<string>();
    for (const c of descending) {
      if (above.size > 0) {
        let abstainedAbove = 0;
        for (let a = 0; a < this.acceptorCount; a += 1) {
          if (!c.first.has(a) && c.key < this.promised[a]!) abstainedAbove += 1;
        }
        for (const v of above) if ((c.firstCount.get(v) ?? 0) + abstainedAbove < this.q1) return true;
      }
      for (const v of c.values) above.add(v);
    }
    return false;
  }
}

/**
 * How many (ballot, value) pairs a phase-2 quorum voted for: `chosenByVotes(...).length`
 * of lib/invariants, without building a view (read once per run; spec/sim cross-checks it).
 */
export function countChosen<V>(messages: readonly Message<V>[], phase2: number): number {
  const groups = new Map<string, Set<number>>();
  let chosen = 0;
  for (const m of messages) {
    if (m.type !== 'accepted') continue;
    const key = `${ballotKey(m.ballot)}=${valueKey(m.value)}`;
    let voters = groups.get(key);
    if (voters === undefined) {
      voters = new Set<number>();
      groups.set(key, voters);
    }
    if (voters.has(m.from)) continue;
    voters.add(m.from);
    if (voters.size === phase2) chosen += 1;
  }
  return chosen;
}
