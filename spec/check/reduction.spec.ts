/**
 * The model checker's two reductions, each shown to lose nothing and each shown to catch its
 * own bug:
 * - symmetry over acceptors stores exactly one state per class of states equal up to renaming
 *   acceptors (counted here by brute force over every renaming), keeps the length of the
 *   shortest counterexample, and prints counterexamples that replay as real runs; a broken
 *   renaming changes the count;
 * - removing obsolete rejections reaches exactly the states reachable without it, once
 *   rejections are set aside; a model that calls a live message obsolete is refused.
 */
import { expect } from 'chai';
import { check } from '../../lib/check/model-checker';
import type { StateView } from '../../lib/check/model-checker';
import { obsoleteRejection, singleDecreeModel, singleDecreeModelOrThrow } from '../../lib/check/paxos';
import type { PaxosModel, SingleDecreeOptions } from '../../lib/check/paxos';
import { encodeMessage, encodeNodeState, encodeRecord, paxosSymmetry } from '../../lib/check/paxos-codec';
import { checkSingleDecreeOrThrow } from '../../lib/check/report';
import { replay } from '../../lib/check/trace';
import type { TraceEvent } from '../../lib/check/trace';
import { checkPaxos } from '../../lib/invariants/paxos';
import type { Message } from '../../lib/paxos/messages';
import type { NodeRecord, NodeState } from '../../lib/paxos/node';
import { paxosProtocol } from '../../lib/paxos/node';
import { quorumSystemOrThrow } from '../../lib/paxos/quorum';
import type { NodeId } from '../../lib/paxos/types';
import { paxosMutant } from '../../lib/zoo/paxos';

type View = StateView<NodeState<string>, Message<string>, unknown>;

const separate: SingleDecreeOptions = { acceptors: 3, proposers: 1, values: 1, maxRound: 2, network: 'set', crashes: 1, topology: 'separate' };

function permutations(xs: readonly number[]): number[][] {
  if (xs.length <= 1) return [[...xs]];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));
}

/**
 * The class of a state under renaming acceptors, by brute force: the smallest key of the
 * state renamed by every permutation of the acceptors (`nodes[i]` is node i + 1).
 */
function classKey(v: View, acceptors: number, rename = paxosSymmetry): string {
  const ids = Array.from({ length: acceptors }, (_, i) => i + 1);
  let best: string | null = null;
  for (const perm of permutations(ids)) {
    const f = (n: NodeId): NodeId => (n <= acceptors ? perm[n - 1]! : n);
    const states: string[] = [];
    const durables: string[] = [];
    v.states.forEach((s, i) => {
      states[f(i + 1) - 1] = encodeNodeState(rename.state(s, f));
      durables[f(i + 1) - 1] = encodeRecord(rename.durable(v.durables[i] as NodeRecord<string> | undefined, f));
    });
    const messages = v.history.map((m, j) => `${encodeMessage(rename.message(m, f))}*${v.copies === null ? '' : v.copies[j]}`).sort();
    const key = JSON.stringify([v.crashes, v.asked, states, durables, messages]);
    if (best === null || key < best) best = key;
  }
  return best!;
}

function classes(o: SingleDecreeOptions, rename = paxosSymmetry): number {
  const seen = new Set<string>();
  const r = check(singleDecreeModelOrThrow({ ...o, symmetry: false }), { onState: (v) => seen.add(classKey(v as View, o.acceptors, rename)) });
  expect(r.complete).to.equal(true);
  return seen.size;
}

describe('check: reductions', () => {
  describe('symmetry over acceptors', () => {
    const configurations: readonly SingleDecreeOptions[] = [
      separate,
      { acceptors: 3, proposers: 2, values: 2, maxRound: 1, network: 'multiset', crashes: 0, topology: 'separate', lose: ['accepted', 'rejected'] },
    ];
    for (const o of configurations) {
      it(`stores one state per class (${o.network}, ${o.crashes} crash, max round ${o.maxRound}, ${o.proposers} proposers), and every verdict holds`, () => {
        const reduced = check(singleDecreeModelOrThrow({ ...o, symmetry: true }));
        const full = check(singleDecreeModelOrThrow(o));
        expect(reduced.complete).to.equal(true);
        expect(reduced.states).to.equal(classes(o));
        expect(reduced.states).to.be.below(full.states / 3);
        expect(reduced.depth).to.equal(full.depth);
        expect([reduced.violations.length, reduced.sometimes['a value is chosen']?.holds]).to.deep.equal([0, true]);
      });
    }

    it('a renaming that forgets to rename a message sender is caught: the count no longer matches the classes', () => {
      const broken = { ...paxosSymmetry, message: <V>(m: Message<V>, f: (n: NodeId) => NodeId): Message<V> => ({ ...paxosSymmetry.message(m, f), from: m.from }) };
      const model = singleDecreeModelOrThrow({ ...separate, symmetry: true });
      const wrong = check({ ...model, symmetry: { nodes: model.symmetry!.nodes, ...broken } } as PaxosModel);
      expect(wrong.states).not.to.equal(classes(separate));
    });

    it('the protocol commutes with renaming acceptors: a renamed state given a renamed message steps to the renamed result', () => {
      const protocol = singleDecreeModelOrThrow(separate).protocol;
      const f = (n: NodeId): NodeId => ([0, 2, 3, 1] as const)[n] ?? n;
      let compared = 0;
      check(singleDecreeModelOrThrow({ ...separate, crashes: 0 }), {
        onState: (v) => {
          if (compared > 3000) return;
          for (const m of v.history) {
            const s = v.states[m.to - 1]!;
            const step = protocol.deliver(s, m);
            const renamed = protocol.deliver(paxosSymmetry.state(s, f), paxosSymmetry.message(m, f));
            expect(encodeNodeState(renamed.state)).to.equal(encodeNodeState(paxosSymmetry.state(step.state, f)));
            const sent = (effects: typeof step.effects, g: (x: Message<string>) => Message<string>): string[] =>
              effects.flatMap((e) => {
                const x = protocol.sent(e);
                return x === null ? [] : [encodeMessage(g(x))];
              }).sort();
            expect(sent(renamed.effects, (x) => x)).to.deep.equal(sent(step.effects, (x) => paxosSymmetry.message(x, f)));
            compared += 1;
          }
        },
      });
      expect(compared).to.be.above(3000);
    });

    it('finds the same shortest counterexample length, and prints it as a real run that replays on the scripted cluster', () => {
      const mutant = 'acceptor-accepts-below-promise';
      const o: SingleDecreeOptions = { acceptors: 3, proposers: 2, values: 2, maxRound: 1, network: 'set', crashes: 0, topology: 'separate', mutant };
      const full = checkSingleDecreeOrThrow(o);
      const reduced = checkSingleDecreeOrThrow({ ...o, symmetry: true });
      expect(full.violations.length).to.equal(1);
      expect(reduced.violations.length).to.equal(1);
      expect(reduced.violations[0]!.length).to.equal(full.violations[0]!.length);
      expect(reduced.states).to.be.below(full.states);
      const m = paxosMutant(mutant)!;
      const config = { slot: 1, quorums: quorumSystemOrThrow({ acceptors: [1, 2, 3] }), proposers: [4, 5], learners: [] };
      const cluster = replay(paxosProtocol<string>(config, m.roles<string>()), reduced.violations[0]!.events as readonly TraceEvent<Message<string>, string>[]);
      const found = checkPaxos({ config, nodes: [...cluster.states.values()], messages: cluster.sent, proposed: cluster.requests });
      expect(found.map((x) => x.invariant)).to.deep.equal(reduced.violations[0]!.invariants);
    });

    it('refuses a symmetry where the acceptors differ', () => {
      expect(singleDecreeModel({ ...separate, topology: 'colocated', symmetry: true })).to.deep.include({ ok: false });
      expect(singleDecreeModel({ ...separate, learners: 1, symmetry: true })).to.deep.include({ ok: false });
      expect(singleDecreeModel({ ...separate, lose: ['accepted>2'], symmetry: true })).to.deep.include({ ok: false });
      const model = singleDecreeModelOrThrow({ ...separate, symmetry: true });
      expect(() => check({ ...model, crashable: [1] })).to.throw(/differ in who may crash/);
      expect(() => check(model, { prefix: [{ type: 'request', node: 4, command: 'A' }] })).to.throw(/directed start/);
    });
  });

  describe('obsolete rejections', () => {
    /** What a state is once rejections are set aside: everything else, as data. */
    const withoutRejections = (v: View): string =>
      JSON.stringify([
        v.crashes,
        v.asked,
        v.states.map((s) => encodeNodeState(s)),
        v.durables.map((d) => encodeRecord(d as NodeRecord<string> | undefined)),
        v.history.filter((m) => m.type !== 'rejected').map((m) => encodeMessage(m)).sort(),
      ]);
    const reachable = (o: SingleDecreeOptions): Set<string> => {
      const seen = new Set<string>();
      const r = check(singleDecreeModelOrThrow(o), { onState: (v) => seen.add(withoutRejections(v as View)) });
      expect(r.complete).to.equal(true);
      return seen;
    };

    for (const o of [
      separate,
      { acceptors: 1, proposers: 2, values: 2, maxRound: 2, network: 'set', crashes: 0 } as SingleDecreeOptions,
      { acceptors: 2, proposers: 2, values: 2, maxRound: 2, network: 'set', crashes: 0, timers: 1 } as SingleDecreeOptions,
    ]) {
      it(`removing them reaches the same states (${o.acceptors} acceptors, ${o.proposers} proposers, max round ${o.maxRound}, ${o.crashes} crash)`, () => {
        const pruned = reachable(o);
        const kept = reachable({ ...o, pruneObsolete: false });
        expect(pruned.size).to.equal(kept.size);
        for (const k of kept) if (!pruned.has(k)) expect.fail(`a state is lost by the removal: ${k}`);
        const counts = [check(singleDecreeModelOrThrow(o)).states, check(singleDecreeModelOrThrow({ ...o, pruneObsolete: false })).states];
        expect(counts[0]).to.be.below(counts[1]!);
      });
    }

    it('only a rejection its proposer has moved past is obsolete', () => {
      const state = singleDecreeModelOrThrow(separate).protocol.init(4);
      const proposer = { ...state.proposer!, ballot: { round: 2, node: 4 }, phase: 'preparing' as const };
      const rejected = (round: number): Message<string> => ({ type: 'rejected', from: 1, to: 4, slot: 1, ballot: { round, node: 4 }, promised: { round: 2, node: 5 } });
      expect(obsoleteRejection(rejected(1), { ...state, proposer })).to.equal(true);
      expect(obsoleteRejection(rejected(2), { ...state, proposer })).to.equal(false);
      expect(obsoleteRejection(rejected(2), { ...state, proposer: { ...proposer, phase: 'idle' } })).to.equal(true);
      expect(obsoleteRejection({ type: 'prepare', from: 4, to: 1, slot: 1, ballot: { round: 1, node: 4 } }, { ...state, proposer })).to.equal(false);
    });

    it('a model that calls a live message obsolete is refused at its first removal', () => {
      const model = singleDecreeModelOrThrow(separate);
      const everything = (m: Message<string>): boolean => m.type === 'promise';
      expect(() => check({ ...model, obsolete: everything })).to.throw(/obsolete that a property reads/);
      // Two proposers: a rejection can reach a proposer still preparing that ballot.
      const contested = singleDecreeModelOrThrow({ acceptors: 3, proposers: 2, values: 2, maxRound: 1, network: 'set', crashes: 0 });
      const liveRejection = (m: Message<string>): boolean => m.type === 'rejected';
      expect(() => check({ ...contested, obsolete: liveRejection })).to.throw(/delivery is not a no-op/);
    });
  });
});
