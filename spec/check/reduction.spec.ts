/**
 * The model checker's three reductions, each shown to lose nothing and each shown to catch its
 * own bug:
 * - symmetry over acceptors stores exactly one state per class of states equal up to renaming
 *   acceptors (counted here by brute force over every renaming), keeps the length of the
 *   shortest counterexample, and prints counterexamples that replay as real runs; a broken
 *   renaming changes the count;
 * - normal forms reach exactly the normal forms of the states reached without them; a normal
 *   form that forgets what the roles still read reaches other states; counterexamples print
 *   the messages really sent;
 * - removing obsolete replies reaches exactly the states reachable without it, once obsolete
 *   replies are set aside; a model that calls a live message obsolete, or one a property reads
 *   and nothing settles, is refused; removing promises needs the step properties that settle
 *   PromiseKept, which catch the forgotten promise the removal would hide.
 */
import { expect } from 'chai';
import { check } from '../../lib/check/model-checker';
import type { AlwaysProperty, Normalize, StateView } from '../../lib/check/model-checker';
import { acceptorSteps, obsoleteReply, paxosNormalForm, singleDecreeModel, singleDecreeModelOrThrow } from '../../lib/check/paxos';
import type { PaxosModel, SingleDecreeOptions } from '../../lib/check/paxos';
import { encodeMessage, encodeNodeState, encodeRecord, paxosSymmetry } from '../../lib/check/paxos-codec';
import { checkSingleDecreeOrThrow } from '../../lib/check/report';
import { replay, traceEvents } from '../../lib/check/trace';
import type { TraceEvent } from '../../lib/check/trace';
import { checkPaxos } from '../../lib/invariants/paxos';
import type { Message } from '../../lib/paxos/messages';
import type { NodeRecord, NodeState } from '../../lib/paxos/node';
import { paxosProtocol } from '../../lib/paxos/node';
import { quorumSystemOrThrow } from '../../lib/paxos/quorum';
import type { NodeId } from '../../lib/core/types';
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

  describe('normal forms', () => {
    /** A state as data, every node state and message in the normal form `n`. */
    const normalKey = (v: View, n: Normalize<NodeState<string>, Message<string>>): string =>
      JSON.stringify([
        v.crashes,
        v.asked,
        v.states.map((s) => encodeNodeState(n.state!(s))),
        v.durables.map((d) => encodeRecord(d as NodeRecord<string> | undefined)),
        network(v, n),
      ]);
    /** The network in normal form: messages equal in normal form are one, their copies added. */
    const network = (v: View, n: Normalize<NodeState<string>, Message<string>>): string[] => {
      const copies = new Map<string, number>();
      v.history.forEach((m, j) => {
        const k = encodeMessage(n.message!(m));
        copies.set(k, (copies.get(k) ?? 0) + (v.copies === null ? 0 : v.copies[j]!));
      });
      return [...copies].map(([k, c]) => `${k}*${c}`).sort();
    };
    const reachable = (model: PaxosModel, n: Normalize<NodeState<string>, Message<string>>): Set<string> => {
      const seen = new Set<string>();
      const r = check(model, { onState: (v) => seen.add(normalKey(v as View, n)) });
      expect(r.complete).to.equal(true);
      return seen;
    };
    /** Without normal forms, the states reached, each put in normal form afterwards. */
    const projected = (o: SingleDecreeOptions, n: Normalize<NodeState<string>, Message<string>>): Set<string> =>
      reachable(singleDecreeModelOrThrow({ ...o, normalize: false }), n);

    for (const o of [
      separate,
      { acceptors: 2, proposers: 2, values: 2, maxRound: 1, network: 'set', crashes: 1, learners: 2 } as SingleDecreeOptions,
      { acceptors: 2, proposers: 2, values: 2, maxRound: 1, network: 'multiset', crashes: 1 } as SingleDecreeOptions,
    ]) {
      it(`reach exactly the normal forms of the states reached without them (${o.network}, ${o.acceptors} acceptors, ${o.proposers} proposers, ${o.learners ?? 0} learners, max round ${o.maxRound}, ${o.crashes} crash)`, () => {
        const normal = reachable(singleDecreeModelOrThrow(o), paxosNormalForm);
        const expected = projected(o, paxosNormalForm);
        for (const k of expected) if (!normal.has(k)) expect.fail(`a state is lost by the normal forms: ${k}`);
        expect(normal.size).to.equal(expected.size);
        const without = check(singleDecreeModelOrThrow({ ...o, normalize: false })).states;
        expect(normal.size).to.be.below(without);
      });
    }

    it('a normal form that forgets what a proposer still reads is caught: the states differ', () => {
      const model = singleDecreeModelOrThrow(separate);
      // Promises are read while preparing: forgetting them then stalls phase 1.
      const forgetsPromises: Normalize<NodeState<string>, Message<string>> = {
        state: (s) => (s.proposer === null ? s : { ...s, proposer: { ...s.proposer, promises: [] } }),
        message: (m) => m,
      };
      expect(reachable({ ...model, normalize: forgetsPromises }, forgetsPromises).size).not.to.equal(projected(separate, forgetsPromises).size);
      // A promise's sender is read (one promise counts per acceptor): blanking it stalls phase 1.
      const blanksPromiser: Normalize<NodeState<string>, Message<string>> = {
        state: (s) => s,
        message: (m) => (m.type === 'promise' ? { ...m, from: 0 } : m),
      };
      expect(reachable({ ...model, normalize: blanksPromiser }, blanksPromiser).size).not.to.equal(projected(separate, blanksPromiser).size);
    });

    it('a counterexample through a normalized rejection prints the rejection really sent, and replays on the scripted cluster', () => {
      const o: SingleDecreeOptions = { acceptors: 3, proposers: 2, values: 2, maxRound: 1, network: 'set', crashes: 0 };
      const model = singleDecreeModelOrThrow(o);
      const abandons: AlwaysProperty<NodeState<string>, Message<string>, string> = {
        name: 'no proposer abandons a ballot',
        check: (s) => (s.states.some((n) => n.proposer !== null && n.proposer.phase === 'idle' && n.proposer.ballot.round > 0) ? [{ invariant: 'NoAbandon', description: 'a proposer abandoned its ballot' }] : []),
        reads: { node: (n) => (n.proposer === null ? '' : `${n.proposer.phase}${n.proposer.ballot.round}`), message: () => false, requests: false },
      };
      const r = check({ ...model, always: [...model.always, abandons] });
      const trace = r.violations[0]!.trace;
      const rejection = trace.find((t) => t.action.type === 'deliver' && t.action.message.type === 'rejected');
      expect(rejection).not.to.equal(undefined);
      expect(rejection!.action.type === 'deliver' && rejection!.action.message.from).to.be.oneOf([1, 2, 3]);
      const cluster = replay(model.protocol, traceEvents(trace));
      expect([...cluster.states.values()].some((n) => n.proposer?.phase === 'idle' && n.proposer.ballot.round > 0)).to.equal(true);
    });
  });

  describe('obsolete replies', () => {
    /** A state with every reply its recipient has moved past set aside, as data. */
    const withoutObsolete = (v: View): string =>
      JSON.stringify([
        v.crashes,
        v.asked,
        v.states.map((s) => encodeNodeState(s)),
        v.durables.map((d) => encodeRecord(d as NodeRecord<string> | undefined)),
        v.history.filter((m) => !obsoleteReply(m, v.states.find((s) => s.id === m.to)!)).map((m) => encodeMessage(m)).sort(),
      ]);
    const reachable = (o: SingleDecreeOptions): Set<string> => {
      const seen = new Set<string>();
      const r = check(singleDecreeModelOrThrow(o), { onState: (v) => seen.add(withoutObsolete(v as View)) });
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
        for (const k of kept) if (!pruned.has(k)) expect.fail(`a state is lost by the removal: ${k}`);
        expect(pruned.size).to.equal(kept.size);
        const counts = [check(singleDecreeModelOrThrow(o)).states, check(singleDecreeModelOrThrow({ ...o, pruneObsolete: false })).states];
        expect(counts[0]).to.be.below(counts[1]!);
      });
    }

    it('only a reply its proposer has moved past is obsolete', () => {
      const state = singleDecreeModelOrThrow(separate).protocol.init(4);
      const proposer = { ...state.proposer!, ballot: { round: 2, node: 4 }, phase: 'preparing' as const };
      const rejected = (round: number): Message<string> => ({ type: 'rejected', from: 1, to: 4, slot: 1, ballot: { round, node: 4 }, promised: { round: 2, node: 5 } });
      expect(obsoleteReply(rejected(1), { ...state, proposer })).to.equal(true);
      expect(obsoleteReply(rejected(2), { ...state, proposer })).to.equal(false);
      expect(obsoleteReply(rejected(2), { ...state, proposer: { ...proposer, phase: 'idle' } })).to.equal(true);
      const promise = (round: number, from: NodeId): Message<string> => ({ type: 'promise', from, to: 4, slot: 1, ballot: { round, node: 4 }, accepted: null });
      expect(obsoleteReply(promise(1, 1), { ...state, proposer })).to.equal(true);
      expect(obsoleteReply(promise(2, 1), { ...state, proposer })).to.equal(false);
      expect(obsoleteReply(promise(2, 1), { ...state, proposer: { ...proposer, promises: [{ from: 1, accepted: null }] } })).to.equal(true);
      expect(obsoleteReply(promise(2, 2), { ...state, proposer: { ...proposer, promises: [{ from: 1, accepted: null }] } })).to.equal(false);
      expect(obsoleteReply(promise(2, 1), { ...state, proposer: { ...proposer, phase: 'accepting' } })).to.equal(true);
      expect(obsoleteReply({ type: 'prepare', from: 4, to: 1, slot: 1, ballot: { round: 1, node: 4 } }, { ...state, proposer })).to.equal(false);
    });

    it('a model that calls a live message obsolete, or one a property reads and nothing settles, is refused at its first removal', () => {
      const model = singleDecreeModelOrThrow(separate);
      const votes = (m: Message<string>): boolean => m.type === 'accepted';
      expect(() => check({ ...model, obsolete: votes })).to.throw(/obsolete that a property reads/);
      // Two proposers: a rejection can reach a proposer still preparing that ballot.
      const contested = singleDecreeModelOrThrow({ acceptors: 3, proposers: 2, values: 2, maxRound: 1, network: 'set', crashes: 0 });
      const liveRejection = (m: Message<string>): boolean => m.type === 'rejected';
      expect(() => check({ ...contested, obsolete: liveRejection })).to.throw(/delivery is not a no-op/);
    });

    it('removing promises needs the step properties: without them the forgotten promise goes unseen', () => {
      // Node 1 (acceptor and the only proposer) does not persist its promise and crashes. The
      // crash forgets the promise and, restarting the proposer idle, makes every promise to it
      // obsolete in the same step: with the promises removed, PromiseKept no longer sees the
      // promise the acceptor forgot; only the step property does.
      const o: SingleDecreeOptions = { acceptors: 3, proposers: 1, values: 1, maxRound: 1, network: 'set', crashes: 1, mutant: 'promise-not-persisted-before-reply' };
      const mutant = { ...singleDecreeModelOrThrow(o), crashable: [1] };
      const retiring = { ...mutant, obsolete: obsoleteReply, settled: (m: Message<string>) => m.type === 'promise' };
      const found = (r: ReturnType<typeof check>): string[] => r.violations.map((v) => `${v.findings[0]!.invariant} in ${v.trace.length}`);
      expect(found(check(mutant))).to.deep.equal(['PromiseKept in 3']);
      expect(found(check(retiring))).not.to.deep.equal(['PromiseKept in 3']);
      const withSteps = check({ ...retiring, steps: [acceptorSteps] });
      expect(found(withSteps)).to.deep.equal(['PromiseKept in 3']);
      expect(withSteps.violations[0]!.property).to.equal(acceptorSteps.name);
      expect(withSteps.violations[0]!.trace.at(-1)!.action).to.deep.equal({ type: 'crash', node: 1 });
    });

    it('a step property that breaks is reported with a trace that ends with that step', () => {
      const o: SingleDecreeOptions = { acceptors: 3, proposers: 2, values: 2, maxRound: 1, network: 'set', crashes: 0, mutant: 'acceptor-accepts-below-promise' };
      const mutant = singleDecreeModelOrThrow(o);
      const r = check({ ...mutant, always: [], steps: [acceptorSteps] });
      expect(r.violations).to.have.length(1);
      expect(r.violations[0]!.property).to.equal(acceptorSteps.name);
      expect(r.violations[0]!.findings[0]!.description).to.match(/accepted ballot .* below its promise/);
      const last = r.violations[0]!.trace.at(-1)!;
      expect(last.action.type === 'deliver' && last.action.message.type).to.equal('accept');
      expect(last.sent.some((m) => m.type === 'accepted')).to.equal(true);
    });

    it('a promise obsolete on arrival is dropped only after the state holding it is checked', () => {
      // A property that reads promises and breaks as soon as a promise reaches a proposer that
      // has moved on: every state holding such a promise is one the search drops it from.
      const model = singleDecreeModelOrThrow({ acceptors: 3, proposers: 1, values: 1, maxRound: 1, network: 'set', crashes: 0 });
      const late: AlwaysProperty<NodeState<string>, Message<string>, string> = {
        name: 'no late promise',
        check: (s) =>
          s.messages.some((m) => m.type === 'promise' && obsoleteReply(m, s.states.find((n) => n.id === m.to)!))
            ? [{ invariant: 'NoLatePromise', description: 'a promise reached a proposer that moved on' }]
            : [],
        reads: { node: (n) => encodeNodeState(n), message: (m) => m.type === 'promise', requests: false },
      };
      const r = check({ ...model, always: [...model.always, late] });
      expect(r.violations.map((v) => v.property)).to.deep.equal(['no late promise']);
      const trace = r.violations[0]!.trace;
      const last = trace.at(-1)!;
      expect(last.action.type === 'deliver' && last.action.message.type).to.equal('prepare');
      const cluster = replay(model.protocol, traceEvents(trace));
      expect(cluster.sent.filter((m) => m.type === 'promise')).to.have.length(3);
    });
  });
});
