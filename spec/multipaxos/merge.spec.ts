/**
 * The new leader's merge of promises (lib/multipaxos/leader.ts `mergePromises`), slot by slot,
 * against the paper's rule: in each slot, the vote with the highest ballot among the promises
 * wins, and a slot no promise reported (a hole) gets a no-op.
 *
 * Each case is a set of promises that differ in what they report; the same cases are run
 * against deliberately broken merges written here (the lowest ballot wins, the first promise
 * that reported the slot wins, the last one wins, the promise with the highest ballot anywhere
 * supplies every slot), and every broken merge must fail at least one case: these tests can
 * fail, and fail on exactly the mistake the merge rule exists to prevent.
 */
import { expect } from 'chai';
import { mergePromises } from '../../lib/multipaxos/leader';
import type { Entry, SlotVote } from '../../lib/multipaxos/messages';
import { NOOP } from '../../lib/multipaxos/messages';
import type { PromiseGathered } from '../../lib/multipaxos/node';
import * as ballots from '../../lib/paxos/ballot';
import type { Ballot } from '../../lib/paxos/ballot';

type Merge = (promises: readonly PromiseGathered<string>[], from: number) => Entry<string>[];

const value = (op: string): Entry<string> => ({ kind: 'batch', commands: [{ client: op, seq: 1, op }] });
const b = (round: number, node: number): Ballot => ballots.of(round, node);
const v = (slot: number, ballot: Ballot, op: string): SlotVote<string> => ({ slot, ballot, value: value(op) });
const promise = (from: number, ...entries: SlotVote<string>[]): PromiseGathered<string> => ({ from, entries });

const P2C = 'P2c: "if a proposal with value v and number n is issued, then there is a set S consisting of a majority of acceptors such that ... ' +
  'v is the value of the highest-numbered proposal among all proposals numbered less than n accepted by the acceptors in S"';
const NOOP_RULE = 'section 3: the leader fills the gaps with "a special \'no-op\' command that leaves the state unchanged"';

interface Case {
  readonly title: string;
  readonly promises: readonly PromiseGathered<string>[];
  readonly from: number;
  readonly expected: readonly Entry<string>[];
}

const CASES: readonly Case[] = [
  {
    title: `${P2C}: two acceptors voted different values in different ballots for one slot; the higher ballot's value wins, reported last`,
    promises: [promise(1, v(0, b(41, 1), 'a')), promise(2, v(0, b(42, 2), 'b'))],
    from: 0,
    expected: [value('b')],
  },
  {
    title: `${P2C}: the same, the higher ballot's vote reported first`,
    promises: [promise(2, v(0, b(42, 2), 'b')), promise(1, v(0, b(41, 1), 'a'))],
    from: 0,
    expected: [value('b')],
  },
  {
    title: `${P2C}: three ballots on three acceptors, the highest in the middle`,
    promises: [promise(1, v(0, b(41, 1), 'a')), promise(3, v(0, b(43, 3), 'c')), promise(2, v(0, b(42, 2), 'b'))],
    from: 0,
    expected: [value('c')],
  },
  {
    title: `${P2C}: the rule holds per slot: each slot's highest vote may come from a different acceptor`,
    promises: [
      promise(1, v(0, b(43, 3), 'x0'), v(1, b(41, 1), 'a1')),
      promise(2, v(0, b(42, 2), 'y0'), v(1, b(42, 2), 'y1')),
    ],
    from: 0,
    expected: [value('x0'), value('y1')],
  },
  {
    title: `${P2C}: the same round from two proposers: the higher node id is the higher ballot`,
    promises: [promise(1, v(0, b(42, 3), 'hi')), promise(2, v(0, b(42, 1), 'lo'))].reverse(),
    from: 0,
    expected: [value('hi')],
  },
  {
    title: `${NOOP_RULE}: a slot no promise reported, between two reported ones, is a hole and gets a no-op`,
    promises: [promise(1, v(0, b(41, 1), 'a'), v(2, b(41, 1), 'c')), promise(2)],
    from: 0,
    expected: [value('a'), NOOP, value('c')],
  },
  {
    title: `${NOOP_RULE}: holes and differing votes together: the highest vote per reported slot, a no-op per hole`,
    promises: [
      promise(1, v(5, b(41, 1), 'a5'), v(8, b(44, 2), 'd8')),
      promise(2, v(5, b(43, 2), 'c5'), v(8, b(42, 1), 'b8')),
      promise(3, v(7, b(41, 1), 'a7')),
    ],
    from: 5,
    expected: [value('c5'), NOOP, value('a7'), value('d8')],
  },
  {
    title: 'section 3: phase 1 runs from the first unchosen slot: votes below it are not merged, and the result starts there',
    promises: [promise(1, v(1, b(41, 1), 'old'), v(3, b(41, 1), 'a')), promise(2, v(3, b(42, 2), 'b'))],
    from: 3,
    expected: [value('b')],
  },
  {
    title: 'section 3: promises that report no votes leave nothing to re-propose',
    promises: [promise(1), promise(2)],
    from: 4,
    expected: [],
  },
];

/** Every case the merge gets wrong, as `title: got ..., expected ...`. */
function failures(merge: Merge): string[] {
  const out: string[] = [];
  for (const c of CASES) {
    const got = merge(c.promises, c.from);
    if (JSON.stringify(got) !== JSON.stringify(c.expected)) out.push(`${c.title}: got ${JSON.stringify(got)}`);
  }
  return out;
}

/** A broken merge that picks, per slot, among the reported votes with `pick`. */
function perSlot(pick: (votes: readonly SlotVote<string>[]) => SlotVote<string>): Merge {
  return (promises, from) => {
    const bySlot: SlotVote<string>[][] = [];
    for (const p of promises) for (const e of p.entries) if (e.slot >= from) (bySlot[e.slot - from] ??= []).push(e);
    return Array.from({ length: bySlot.length }, (_, i) => {
      const votes = bySlot[i];
      return votes === undefined ? NOOP : pick(votes).value;
    });
  };
}

const BROKEN: Record<string, Merge> = {
  'the lowest ballot wins': perSlot((votes) => votes.reduce((lo, x) => (ballots.less(x.ballot, lo.ballot) ? x : lo))),
  'the first promise that reported the slot wins': perSlot((votes) => votes[0]!),
  'the last promise that reported the slot wins': perSlot((votes) => votes[votes.length - 1]!),
  'the promise with the highest ballot anywhere supplies every slot it reported': (promises, from) => {
    const top = (p: PromiseGathered<string>): Ballot => p.entries.reduce((hi, e) => ballots.max(hi, e.ballot), ballots.ZERO);
    const order = [...promises].sort((x, y) => (ballots.less(top(x), top(y)) ? 1 : ballots.less(top(y), top(x)) ? -1 : 0));
    return perSlot((votes) => votes.find((e) => order[0]!.entries.includes(e)) ?? votes[0]!)(promises, from);
  },
  'holes are skipped instead of filled with a no-op': (promises, from) => mergePromises(promises, from).filter((e) => e.kind !== 'noop'),
};

describe('Multi-Paxos merge of promises (mergePromises): the highest-ballot vote per slot, a no-op per hole', () => {
  for (const c of CASES) {
    it(c.title, () => {
      expect(mergePromises(c.promises, c.from)).to.deep.equal(c.expected);
    });
  }

  describe('the same checks reject merges that keep any other vote (so they can fail)', () => {
    for (const [name, merge] of Object.entries(BROKEN)) {
      it(`rejects a merge where ${name}`, () => {
        expect(failures(merge), name).to.not.deep.equal([]);
      });
    }

    it('and accept the real merge', () => {
      expect(failures(mergePromises)).to.deep.equal([]);
    });
  });
});
