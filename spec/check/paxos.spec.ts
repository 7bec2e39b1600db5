/**
 * Single-decree Paxos, checked exhaustively: the state counts of the small proof
 * configurations are pinned (a change to the roles or to the checker that changes the state
 * space is noticed), flexible quorums pass when they intersect and fail when they do not, and
 * the "sometimes" property fails where nothing can be chosen, so no check passes vacuously.
 * The larger configurations run in `npm run proofs` (proofs/run.ts), which pins theirs.
 */
import { expect } from 'chai';
import { canonicalKey } from '../../lib/check/canonical';
import { check } from '../../lib/check/model-checker';
import { singleDecreeModelOrThrow } from '../../lib/check/paxos';
import type { SingleDecreeOptions } from '../../lib/check/paxos';
import { encodeNodeState, normalizeNodeState } from '../../lib/check/paxos-codec';
import { checkSingleDecreeOrThrow } from '../../lib/check/report';
import { replay } from '../../lib/check/trace';
import { checkPaxos } from '../../lib/invariants/paxos';
import { paxosProtocol } from '../../lib/paxos/node';
import type { PaxosConfig } from '../../lib/paxos/node';
import { quorumSystemOrThrow } from '../../lib/paxos/quorum';
import { PINNED } from '../../proofs/configurations';

const base: SingleDecreeOptions = { acceptors: 3, proposers: 2, values: 2, maxRound: 1, network: 'set', crashes: 0 };

describe('check: single-decree Paxos, exhaustively', () => {
  for (const pinned of PINNED.filter((p) => p.inTests)) {
    it(`${pinned.name}: ${pinned.states} states, every invariant holds, a value is chosen`, () => {
      const r = checkSingleDecreeOrThrow(pinned.options);
      expect(r.complete, 'exhaustive').to.equal(true);
      expect(r.violations.map((v) => v.description)).to.deep.equal([]);
      expect(r.states).to.equal(pinned.states);
      expect(r.transitions).to.equal(pinned.transitions);
      expect(r.depth).to.equal(pinned.depth);
      for (const [name, s] of Object.entries(r.sometimes)) expect(s.holds, name).to.equal(true);
    });
  }

  describe('flexible quorums (Howard, Malkhi, Spiegelman)', () => {
    it('phase-1 quorums of 3 and phase-2 quorums of 1 intersect: every invariant holds', () => {
      const r = checkSingleDecreeOrThrow({ ...base, phase1: 3, phase2: 1 });
      expect([r.complete, r.violations.length, r.sometimes['a value is chosen']?.holds]).to.deep.equal([true, 0, true]);
    });

    it('phase-1 quorums of 2 and phase-2 quorums of 1 can miss each other: a value is chosen twice', () => {
      const r = checkSingleDecreeOrThrow({ ...base, phase1: 2, phase2: 1 });
      expect(r.violations).to.have.length(1);
      expect(r.violations[0]!.invariants).to.include('Agreement');
    });

    it('phase-1 quorums of 1 and phase-2 quorums of 2 can miss each other: a counterexample', () => {
      const r = checkSingleDecreeOrThrow({ ...base, phase1: 1, phase2: 2 });
      expect(r.violations).to.have.length(1);
      expect(r.violations[0]!.invariants.some((i) => i === 'VotesSafe' || i === 'Agreement')).to.equal(true);
    });
  });

  describe('"sometimes": a check that cannot choose anything fails', () => {
    it('with no client values nothing is ever proposed, so nothing is chosen', () => {
      const r = checkSingleDecreeOrThrow({ ...base, values: 0 });
      expect([r.complete, r.violations.length]).to.deep.equal([true, 0]);
      expect(r.sometimes['a value is chosen']).to.deep.equal({ holds: false, depth: null });
    });

    it('with a phase-2 quorum of 3 and one of the 3 acceptors down, nothing is chosen', () => {
      const lone: SingleDecreeOptions = { ...base, proposers: 1, values: 1, phase1: 1, phase2: 3 };
      const r = checkSingleDecreeOrThrow({ ...lone, down: [3] });
      expect(r.complete).to.equal(true);
      expect(r.sometimes['a value is chosen']?.holds).to.equal(false);
      const up = checkSingleDecreeOrThrow(lone);
      expect(up.sometimes['a value is chosen']?.holds).to.equal(true);
    });

    it('a learner learns a value when there are learners', () => {
      const r = checkSingleDecreeOrThrow({ ...base, acceptors: 1, learners: 1 });
      expect(r.sometimes['a learner learns a value']).to.deep.equal({ holds: true, depth: 5 });
    });
  });

  describe('the checker is exact', () => {
    const small: SingleDecreeOptions = { acceptors: 2, proposers: 2, values: 2, maxRound: 1, network: 'multiset', crashes: 1, learners: 1 };

    it('memoization of steps and invariant results changes no count', () => {
      const model = singleDecreeModelOrThrow(small);
      const on = check(model);
      const off = check(model, { memoize: false });
      expect([off.states, off.transitions, off.depth]).to.deep.equal([on.states, on.transitions, on.depth]);
    });

    it('the hand-written codec counts what the generic canonical key counts, on normalized states', () => {
      const model = singleDecreeModelOrThrow(small);
      const fast = check(model);
      const generic = check({
        ...model,
        codec: {
          state: (s) => canonicalKey(normalizeNodeState(s)),
          message: (m) => canonicalKey(m),
          durable: (d) => (d === undefined ? '' : canonicalKey(d)),
        },
      });
      expect([generic.states, generic.transitions]).to.deep.equal([fast.states, fast.transitions]);
    });

    it('the codec treats promises, acks and tallies as sets: states that differ only in their order are one', () => {
      const model = singleDecreeModelOrThrow(small);
      const a = model.protocol.init(1);
      const p = a.proposer!;
      const one = { ...a, proposer: { ...p, acks: [1, 2] } };
      const two = { ...a, proposer: { ...p, acks: [2, 1] } };
      expect(encodeNodeState(one)).to.equal(encodeNodeState(two));
      expect(encodeNodeState(one)).not.to.equal(encodeNodeState({ ...one, proposer: { ...p, acks: [1] } }));
    });
  });

  describe('counterexamples replay on the scripted cluster', () => {
    it('the non-intersecting-quorums counterexample, replayed event by event, breaks the same invariant', () => {
      const options: SingleDecreeOptions = { ...base, phase1: 1, phase2: 2 };
      const r = checkSingleDecreeOrThrow(options);
      const v = r.violations[0]!;
      const config: PaxosConfig = { slot: 1, quorums: quorumSystemOrThrow({ acceptors: [1, 2, 3], phase1: 1, phase2: 2, allowNonIntersecting: true }), proposers: [1, 2], learners: [] };
      const cluster = replay(paxosProtocol<string>(config), v.events);
      const found = checkPaxos({ config, nodes: [...cluster.states.values()], messages: cluster.sent, proposed: cluster.requests });
      expect(found.map((f) => f.invariant)).to.deep.equal(v.invariants);
    });
  });
});
