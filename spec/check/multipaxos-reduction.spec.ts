/**
 * The Multi-Paxos model's reductions (lib/check/multipaxos.ts), each shown to lose nothing and
 * each shown to catch its own bug, as spec/check/reduction.spec.ts does for single-decree:
 * - normal forms (`multiPaxosNormalForm`) reach exactly the normal forms of the states reached
 *   without them; a normal form that forgets what a role still reads reaches other states;
 * - removing obsolete replies (`obsoleteMultiReply`) reaches exactly the states reachable
 *   without it, once obsolete replies are set aside; a model that calls a live message
 *   obsolete, or one a property reads and nothing settles, is refused; removing promises needs
 *   the step property that settles PromiseKept (`multiAcceptorSteps`), which catches the
 *   forgotten promise the removal would hide;
 * - with both, the bug the three-ballot rows exist for (merge-keeps-lower-ballot) is caught with
 *   the same shortest counterexample as without them, in fewer states, and the counterexample
 *   replays on the scripted cluster with the messages really sent.
 */
import { expect } from 'chai';
import { check } from '../../lib/check/model-checker';
import type { Normalize, StateView } from '../../lib/check/model-checker';
import type { MpMessage, MpRecord, MpState, MultiPaxosCheckOptions, MultiPaxosModel } from '../../lib/check/multipaxos';
import {
  checkMultiPaxosOrThrow,
  encodeMultiMessage,
  encodeMultiNodeState,
  encodeMultiRecord,
  modelConfig,
  multiAcceptorSteps,
  multiPaxosModel,
  multiPaxosNormalForm,
  obsoleteMultiReply,
} from '../../lib/check/multipaxos';
import { replay } from '../../lib/check/trace';
import type { TraceEvent } from '../../lib/check/trace';
import * as ballots from '../../lib/paxos/ballot';
import { multiPaxosProtocol } from '../../lib/multipaxos/node';
import { multiPaxosMutant } from '../../lib/zoo/multipaxos';
import type { Command } from '../../lib/machine/command';
import type { KvOp } from '../../lib/machine/kv';
import type { MultiMessage } from '../../lib/multipaxos/messages';

type View = StateView<MpState, MpMessage, unknown>;

const small: MultiPaxosCheckOptions = { nodes: 3, commands: 1, timers: 2, maxRound: 1, crashes: 0, network: 'set' };
/** Each reduction alone on these; both together with a crash of any node (below). */
const configurations: readonly MultiPaxosCheckOptions[] = [
  small,
  { nodes: 2, commands: 1, timers: 2, maxRound: 2, rounds: [2, 1], crashes: 0, network: 'set' },
  // Log compaction: snapshots in promises and `snapshot` messages, which no normal form touches.
  { ...small, snapshotEvery: 1 },
  // The own vote in parallel: a node's accept to itself and its acceptance back are messages.
  { ...small, ownVote: 'parallel' },
];

function modelOf(o: MultiPaxosCheckOptions): MultiPaxosModel {
  const built = multiPaxosModel(o);
  if (!built.ok) throw new Error(built.error);
  return built.model;
}

const IDENTITY: Normalize<MpState, MpMessage> = { state: (s) => s, message: (m) => m };

/** A state as data: node states and messages in the normal form `n`, the messages `dropped` set aside. */
function key(v: View, n: Normalize<MpState, MpMessage>, dropped: (m: MpMessage, recipient: MpState) => boolean = () => false): string {
  const messages = new Set<string>();
  for (const m of v.history) {
    const recipient = v.states.find((s) => s.id === m.to);
    if (recipient !== undefined && dropped(m, recipient)) continue;
    messages.add(encodeMultiMessage(n.message!(m)));
  }
  return JSON.stringify([
    v.crashes,
    v.asked,
    v.states.map((s) => encodeMultiNodeState(n.state!(s))),
    v.durables.map((d) => encodeMultiRecord(d as MpRecord | undefined)),
    [...messages].sort(),
  ]);
}

function reachable(model: MultiPaxosModel, n: Normalize<MpState, MpMessage>, dropped?: (m: MpMessage, recipient: MpState) => boolean): Set<string> {
  const seen = new Set<string>();
  const r = check(model, { onState: (v) => seen.add(key(v as View, n, dropped)) });
  expect(r.complete).to.equal(true);
  expect(r.violations).to.deep.equal([]);
  return seen;
}

function expectSameSets(got: Set<string>, want: Set<string>, what: string): void {
  for (const k of want) if (!got.has(k)) expect.fail(`a state is lost by ${what}: ${k}`);
  expect(got.size).to.equal(want.size);
}

function describeOptions(o: MultiPaxosCheckOptions): string {
  return `${o.nodes} nodes, ${o.commands} command, ${o.timers} timers, ${o.rounds === undefined ? `max round ${o.maxRound}` : `rounds ${o.rounds.join('/')}`}, ${o.crashes} crash${o.snapshotEvery === undefined ? '' : `, a snapshot every ${o.snapshotEvery} slot`}${o.ownVote === undefined ? '' : `, own vote ${o.ownVote}`}`;
}

describe('check: Multi-Paxos reductions', () => {
  describe('normal forms', () => {
    for (const o of configurations) {
      it(`reach exactly the normal forms of the states reached without them (${describeOptions(o)})`, () => {
        const raw = { ...o, pruneObsolete: false };
        const normal = reachable(modelOf(raw), multiPaxosNormalForm);
        const expected = reachable(modelOf({ ...raw, normalize: false }), multiPaxosNormalForm);
        expectSameSets(normal, expected, 'the normal forms');
        // With two nodes a follower never holds a ballot of its own: nothing to merge there.
        if (o.nodes === 3) expect(normal.size).to.be.below(check(modelOf({ ...raw, normalize: false })).states);
      });
    }

    it('a normal form that forgets what a role still reads is caught: the states differ', () => {
      const model = modelOf({ ...small, pruneObsolete: false });
      const projected = (n: Normalize<MpState, MpMessage>): Set<string> => reachable(modelOf({ ...small, pruneObsolete: false, normalize: false }), n);
      const differ = (a: Set<string>, b: Set<string>): boolean => a.size !== b.size || [...a].some((k) => !b.has(k));
      // A candidate reads the promises it gathered (one per acceptor, up to a quorum): forgetting
      // its own makes it wait for both other nodes.
      const forgetsPromises: Normalize<MpState, MpMessage> = {
        state: (s) => (s.leader.role === 'candidate' ? { ...s, leader: { ...s.leader, promises: [] } } : s),
        message: (m) => m,
      };
      expect(differ(reachable({ ...model, normalize: forgetsPromises }, forgetsPromises), projected(forgetsPromises))).to.equal(true);
      // The commit point of accepts and heartbeats is read (a follower learns from it): blanking it stalls learning.
      const blanksCommit: Normalize<MpState, MpMessage> = { state: (s) => s, message: (m) => (m.type === 'accept' || m.type === 'heartbeat' ? { ...m, commit: 0 } : m) };
      expect(differ(reachable({ ...model, normalize: blanksCommit }, blanksCommit), projected(blanksCommit))).to.equal(true);
    });

    it('blanks only fields no handler reads: a rejection keeps its promise, a promise its sender and votes', () => {
      const rejected: MpMessage = { type: 'rejected', from: 2, to: 1, ballot: ballots.of(1, 1), slot: 3, promised: ballots.of(1, 2) };
      expect(multiPaxosNormalForm.message!(rejected)).to.deep.equal({ ...rejected, from: 0, ballot: ballots.ZERO, slot: 0 });
      const own: MpMessage = { ...rejected, from: 1 };
      expect(multiPaxosNormalForm.message!(own)).to.deep.include({ from: 1, to: 1 });
      const promise: MpMessage = { type: 'promise', from: 2, to: 1, ballot: ballots.of(1, 1), slot: 0, entries: [] };
      expect(multiPaxosNormalForm.message!(promise)).to.equal(promise);
      const s = modelOf(small).protocol.init(1);
      expect(multiPaxosNormalForm.state!(s)).to.equal(s);
      const leading = { ...s, leader: { ...s.leader, role: 'leader' as const, ballot: ballots.of(1, 1), next: 2, prepareSlot: 1 } };
      expect(multiPaxosNormalForm.state!(leading).leader).to.deep.include({ next: 2, prepareSlot: 0, ballot: ballots.of(1, 1) });
      const deposed = { ...leading, leader: { ...leading.leader, role: 'follower' as const } };
      expect(multiPaxosNormalForm.state!(deposed).leader).to.deep.include({ next: 0, prepareSlot: 0, ballot: ballots.ZERO });
    });
  });

  describe('obsolete replies', () => {
    for (const o of configurations) {
      it(`removing them reaches the same states (${describeOptions(o)})`, () => {
        const raw = { ...o, normalize: false };
        const pruned = reachable(modelOf(raw), IDENTITY, obsoleteMultiReply);
        const kept = reachable(modelOf({ ...raw, pruneObsolete: false }), IDENTITY, obsoleteMultiReply);
        expectSameSets(pruned, kept, 'the removal');
        expect(check(modelOf(raw)).states).to.be.below(check(modelOf({ ...raw, pruneObsolete: false })).states);
      });
    }

    it('with normal forms too, the states are the normal forms of the states reachable without either, obsolete replies set aside', () => {
      const o = { ...small, crashes: 1 };
      const both = reachable(modelOf(o), multiPaxosNormalForm, obsoleteMultiReply);
      const neither = reachable(modelOf({ ...o, normalize: false, pruneObsolete: false }), multiPaxosNormalForm, obsoleteMultiReply);
      expectSameSets(both, neither, 'the two reductions');
    });

    it('only a reply its recipient has moved past is obsolete', () => {
      const s = modelOf(small).protocol.init(1);
      const candidate = { ...s, acceptor: { ...s.acceptor, maxBal: ballots.of(1, 1) }, leader: { ...s.leader, role: 'candidate' as const, ballot: ballots.of(1, 1), promises: [{ from: 1, entries: [] }] } };
      const rejected = (promised: ballots.Ballot): MpMessage => ({ type: 'rejected', from: 2, to: 1, ballot: ballots.of(1, 1), slot: 0, promised });
      expect(obsoleteMultiReply(rejected(ballots.of(1, 1)), candidate)).to.equal(true);
      expect(obsoleteMultiReply(rejected(ballots.of(1, 2)), candidate)).to.equal(false);
      const promise = (from: number, round: number): MpMessage => ({ type: 'promise', from, to: 1, ballot: ballots.of(round, 1), slot: 0, entries: [] });
      expect(obsoleteMultiReply(promise(2, 1), candidate)).to.equal(false);
      expect(obsoleteMultiReply(promise(1, 1), candidate)).to.equal(true);
      expect(obsoleteMultiReply(promise(2, 2), candidate)).to.equal(true);
      expect(obsoleteMultiReply(promise(2, 1), { ...candidate, leader: { ...candidate.leader, role: 'leader' } })).to.equal(true);
      expect(obsoleteMultiReply({ type: 'accepted', from: 2, to: 1, ballot: ballots.of(1, 1), slot: 0, value: { kind: 'noop' } }, candidate)).to.equal(false);
    });

    it('a model that calls a live message obsolete, or one a property reads and nothing settles, is refused at its first removal', () => {
      const model = modelOf(small);
      expect(() => check({ ...model, obsolete: (m) => m.type === 'accepted' })).to.throw(/obsolete that a property reads/);
      // A rejection whose promise is above the recipient's own makes a leader step down.
      expect(() => check({ ...model, obsolete: (m) => m.type === 'rejected' })).to.throw(/delivery is not a no-op/);
    });

    it('removing promises needs the step property: without it a forgotten promise goes unseen', () => {
      // A broken restart: node 2 comes back without its promise (votes and log kept). Its
      // promise to node 1 is obsolete once node 1 leads, and removed: PromiseKept then no
      // longer sees the promise node 2 forgot, and the search finds only a later consequence
      // (VotesSafe); the step property reports the forgotten promise at the crash itself.
      const model = modelOf({ ...small, crashes: 1, crashable: [2] });
      const forgetful: MultiPaxosModel = {
        ...model,
        protocol: { ...model.protocol, recover: (id, d) => model.protocol.recover(id, d === undefined ? d : { ...d, promised: ballots.ZERO }) },
      };
      const { obsolete: _obsolete, settled: _settled, steps: _steps, ...unreduced } = forgetful;
      const found = (r: ReturnType<typeof check>): string[] => r.violations.map((v) => `${v.findings[0]!.invariant} in ${v.trace.length}`);
      expect(found(check(unreduced))).to.deep.equal(['PromiseKept in 6']);
      expect(found(check({ ...forgetful, steps: [] }))).to.deep.equal(['VotesSafe in 6']);
      const withSteps = check(forgetful);
      expect(found(withSteps)).to.deep.equal(['PromiseKept in 4']);
      expect(withSteps.violations[0]!.property).to.equal(multiAcceptorSteps.name);
      expect(withSteps.violations[0]!.trace.at(-1)!.action).to.deep.equal({ type: 'crash', node: 2 });
    });
  });

  describe('the bug the three-ballot rows exist for', () => {
    it('merge-keeps-lower-ballot: caught with and without the reductions, with the same shortest counterexample, which replays on the scripted cluster', () => {
      const o: MultiPaxosCheckOptions = { nodes: 3, commands: 2, timers: 2, maxRound: 2, rounds: [2, 1], crashes: 0, network: 'set', mutant: 'merge-keeps-lower-ballot' };
      const plain = checkMultiPaxosOrThrow(o);
      const reduced = checkMultiPaxosOrThrow({ ...o, normalize: true, pruneObsolete: true });
      expect(plain.config.normalize || plain.config.pruneObsolete).to.equal(false);
      expect(plain.violations).to.have.length(1);
      expect(reduced.violations).to.have.length(1);
      expect([reduced.violations[0]!.length, reduced.violations[0]!.invariants]).to.deep.equal([plain.violations[0]!.length, plain.violations[0]!.invariants]);
      expect(reduced.states).to.be.below(plain.states);
      const protocol = multiPaxosProtocol(modelConfig(3), multiPaxosMutant('merge-keeps-lower-ballot')!.roles);
      const events = reduced.violations[0]!.events as readonly TraceEvent<MultiMessage<KvOp>, Command<KvOp>>[];
      const cluster = replay(protocol, events);
      // Slot 0 proposed in three ballots: two earlier leaders and the third one that merged.
      const proposals = cluster.sent.filter((m) => m.type === 'accept' && m.slot === 0);
      expect(new Set(proposals.map((m) => ballots.format(m.ballot))).size).to.be.at.least(3);
    });

    it('the real merge passes the same three ballots with one command, exhaustively, and the reductions keep its verdict', () => {
      const o: MultiPaxosCheckOptions = { nodes: 3, commands: 1, timers: 2, maxRound: 2, rounds: [2, 1], crashes: 0, network: 'set' };
      const r = checkMultiPaxosOrThrow(o);
      expect([r.complete, r.violations.length]).to.deep.equal([true, 0]);
      expect(Object.values(r.sometimes).every((s) => s.holds)).to.equal(true);
    });
  });
});
