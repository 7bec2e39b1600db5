/**
 * Reads outside the log in the Multi-Paxos model (lib/check/multipaxos.ts, `reads`): the
 * predicate ReadsLinearizable (lib/invariants/reads.ts) on hand-made histories; the model with
 * one read-index read, which the real roles pass and read-index-before-own-ballot-commit fails;
 * the request guard that writes down what was acknowledged before a read; and the removal of
 * obsolete heartbeat acknowledgements, which loses no state. The larger rows are pinned in
 * `npm run proofs` (proofs/configurations.ts `MULTIPAXOS_READS_PINNED`).
 */
import { expect } from 'chai';
import { check } from '../../lib/check/model-checker';
import type { Normalize, StateView } from '../../lib/check/model-checker';
import type { MpMessage, MpRecord, MpState, MultiPaxosCheckOptions, MultiPaxosModel } from '../../lib/check/multipaxos';
import { checkMultiPaxosOrThrow, encodeMultiMessage, encodeMultiRecord, modelRead, multiPaxosModel, multiPaxosNormalForm, obsoleteMultiReply, readsCodec } from '../../lib/check/multipaxos';
import { readZooEntries, zooEntries } from '../../lib/check/zoo';
import { readsLinearizable } from '../../lib/invariants/reads';
import { chosenCommands } from '../../lib/invariants/log';
import type { ServedRead } from '../../lib/invariants/reads';
import * as ballots from '../../lib/paxos/ballot';
import { quorumSystem } from '../../lib/paxos/quorum';
import { kvStore } from '../../lib/machine/kv';
import type { KvOp, KvResult } from '../../lib/machine/kv';
import type { MultiMessage } from '../../lib/multipaxos/messages';

const small: MultiPaxosCheckOptions = { nodes: 3, commands: 1, timers: 1, maxRound: 1, crashes: 0, network: 'set', reads: 1, readRounds: 1 };

function modelOf(o: MultiPaxosCheckOptions): MultiPaxosModel {
  const built = multiPaxosModel(o);
  if (!built.ok) throw new Error(built.error);
  return built.model;
}

describe('check: ReadsLinearizable', () => {
  const q = quorumSystem({ acceptors: [1, 2, 3] });
  if (!q.ok) throw new Error(q.error);
  const quorums = q.quorums;
  const put = (client: string, value: number) => ({ kind: 'batch' as const, commands: [{ client, seq: 1, op: { type: 'put' as const, key: 'x', value } }] });
  /** Slot `slot` voted by `voters` in ballot 1.1. */
  const votes = (slot: number, value: ReturnType<typeof put>, voters: readonly number[]): MultiMessage<KvOp>[] =>
    voters.map((from) => ({ type: 'accepted', from, to: 1, ballot: ballots.of(1, 1), slot, value }));
  const read = (value: number | null, after: readonly string[]): ServedRead<KvOp, KvResult> => ({ node: 1, client: 'r1', seq: 1, op: { type: 'get', key: 'x' }, result: { ok: true, value }, after });
  const verdict = (messages: MultiMessage<KvOp>[], r: ServedRead<KvOp, KvResult>): string | null => readsLinearizable({ quorums, machine: kvStore, messages, reads: [r] })?.invariant ?? null;
  const log = [...votes(0, put('c1', 1), [1, 2]), ...votes(1, put('c2', 2), [1, 3])];

  it('a read that misses a write acknowledged before it began is stale', () => {
    expect(verdict(log, read(1, ['c1#1', 'c2#1']))).to.equal('ReadsLinearizable');
    expect(verdict(log, read(null, ['c1#1']))).to.equal('ReadsLinearizable');
  });

  it('a write chosen but not yet acknowledged is concurrent: the read may come before it or after it (the bound is the reply, not the choice)', () => {
    expect(verdict(log, read(1, ['c1#1']))).to.equal(null);
    expect(verdict(log, read(2, ['c1#1']))).to.equal(null);
    expect(verdict(log, read(null, []))).to.equal(null);
  });

  it('a value no chosen prefix gives is wrong, and so is one past the chosen prefix', () => {
    expect(verdict(log, read(3, []))).to.equal('ReadsLinearizable');
    // Slot 1 has one vote: not chosen, so x = 2 is not in the chosen order yet.
    expect(verdict([...votes(0, put('c1', 1), [1, 2]), ...votes(1, put('c2', 2), [3])], read(2, []))).to.equal('ReadsLinearizable');
  });
});

describe('check: Multi-Paxos with one read-index read', () => {
  it('the real roles pass: every invariant holds, and a read is served', () => {
    const r = checkMultiPaxosOrThrow(small);
    expect([r.complete, r.violations.length, r.states, r.transitions, r.depth]).to.deep.equal([true, 0, 15_766, 265_628, 24]);
    expect(Object.fromEntries(Object.entries(r.sometimes).map(([k, v]) => [k, v.holds]))).to.deep.equal({ 'a command is applied': true, 'a read is served': true });
  });

  it('without reads the model is the one it was: same counts as the pinned row', () => {
    const r = checkMultiPaxosOrThrow({ ...small, reads: 0 });
    const without = checkMultiPaxosOrThrow({ nodes: 3, commands: 1, timers: 1, maxRound: 1, crashes: 0, network: 'set' });
    expect([r.states, r.transitions]).to.deep.equal([without.states, without.transitions]);
    expect(Object.keys(r.sometimes)).to.deep.equal(['a command is applied']);
  });

  it('read-index-before-own-ballot-commit: ReadsLinearizable catches it in 15 actions; the correct code passes the same configuration', () => {
    const entry = readZooEntries().find((e) => e.name === 'read-index-before-own-ballot-commit')!;
    const caught = entry.run();
    expect(caught.violations).to.have.length(1);
    const v = caught.violations[0]!;
    expect([v.invariants, v.length]).to.deep.equal([['ReadsLinearizable'], 15]);
    expect(v.description).to.match(/node 2 answered read r1#1 .* with \{"ok":true,"value":null\}; with c1#1 acknowledged before it/);
    // The read was invoked after c1 was acknowledged, and the trace says so.
    expect(v.trace.some((line) => /client asks n2 to propose r1#1 .*read-index, after c1#1 acknowledged/.test(line))).to.equal(true);
    const control = entry.control();
    expect([control.complete, control.violations.length, control.states]).to.deep.equal([true, 0, 18_036]);
    expect(control.sometimes['a read is served']?.holds).to.equal(true);
  });

  it('the read mutants are zoo entries of their own, not in the registry the browser replays', () => {
    expect(readZooEntries().map((e) => e.name)).to.deep.equal(['leader-reads-without-confirming', 'read-index-before-own-ballot-commit']);
    expect(zooEntries().filter((e) => readZooEntries().some((r) => r.name === e.name))).to.deep.equal([]);
  });

  it('a read is invoked once, at one node, carrying exactly the commands acknowledged so far', () => {
    const model = modelOf(small);
    const readSlots = model.requests.filter((s) => s.when !== undefined);
    expect(readSlots.map((s) => s.node)).to.deep.equal([1, 2, 3]);
    const ack: MpMessage = { type: 'ack', from: 1, to: 1, client: 'c1', seq: 1 };
    const enabled = (history: readonly MpMessage[], requested: readonly ReturnType<typeof modelRead>[]): string[] =>
      readSlots[0]!.choices.filter((c) => readSlots[0]!.when!(c, history, requested)).map((c) => (c.after ?? []).join(','));
    expect(enabled([], [])).to.deep.equal(['']);
    expect(enabled([ack, ack], [])).to.deep.equal(['c1#1']);
    expect(enabled([ack], [modelRead(0, 'read-index', [])])).to.deep.equal([]);
    // Every stored state agrees: a read in `asked` carries the acknowledgements of the history
    // at its invocation, which are a subset of those now.
    let reads = 0;
    check(model, {
      onState: (v) => {
        v.asked.forEach((a, r) => {
          const slot = model.requests[r]!;
          if (a === 0 || slot.when === undefined) return;
          reads += 1;
          const now = new Set(v.history.filter((m) => m.type === 'ack').map((m) => `${(m as { client: string }).client}#1`));
          for (const done of slot.choices[a - 1]!.after ?? []) expect(now.has(done)).to.equal(true);
        });
        expect(v.asked.filter((a, r) => a > 0 && model.requests[r]!.when !== undefined).length).to.be.at.most(1);
      },
    });
    expect(reads).to.be.above(0);
  });

  it('the bound is the acknowledgement: with the choice as the bound, the correct roles would be called stale', () => {
    // Two commands to node 1, the read at node 1. With `after` the commands chosen (by votes)
    // when the read is invoked, the search finds a correct read-index read "stale": c2 is chosen
    // in slot 1 (node 1's vote and node 2's) before the read, but node 1 has not yet counted node
    // 2's acceptance, so its commit point, the read's point, is 1 and it answers x = 1. Nobody
    // had been told c2 was done: the read is concurrent with it, and linearizable. (With the
    // acknowledgement as the bound the real roles pass this configuration: 4,868,664 states,
    // too many for npm test.)
    const o: MultiPaxosCheckOptions = { ...small, commands: 2, target: 'first', readAt: [1] };
    const built = multiPaxosModel(o);
    if (!built.ok) throw new Error(built.error);
    const wire = (h: readonly MpMessage[]): MultiMessage<KvOp>[] => h.filter((m): m is MultiMessage<KvOp> => m.type !== 'ack' && m.type !== 'learned' && m.type !== 'read');
    const whenChosen = (c: ReturnType<typeof modelRead>, h: readonly MpMessage[], requested: readonly ReturnType<typeof modelRead>[]): boolean =>
      !requested.some((r) => r.client === 'r1') && (c.after ?? []).join(',') === [...chosenCommands(built.config.quorums, wire(h))].sort().join(',');
    const byChoice = { ...built.model, requests: built.model.requests.map((slot) => (slot.when === undefined ? slot : { ...slot, when: whenChosen })) };
    const r = check(byChoice);
    expect(r.violations.map((v) => [v.findings[0]!.invariant, v.trace.length])).to.deep.equal([['ReadsLinearizable', 12]]);
    expect(r.violations[0]!.findings[0]!.description).to.match(/node 1 answered read r1#1 .* with \{"ok":true,"value":1\}; with c1#1, c2#1/);
  });

  it('bad read options get a clear error', () => {
    expect(multiPaxosModel({ ...small, reads: 3 })).to.deep.equal({ ok: false, error: 'reads must be a whole number from 0 to 2, got 3' });
    expect(multiPaxosModel({ ...small, readAt: [4] })).to.deep.equal({ ok: false, error: 'read-at node 4 is not in the cluster (nodes 1..3)' });
  });
});

describe('check: obsolete heartbeat acknowledgements', () => {
  type View = StateView<MpState, MpMessage, unknown>;
  const IDENTITY: Normalize<MpState, MpMessage> = { state: (s) => s, message: (m) => m };
  const key = (v: View, dropped: (m: MpMessage, recipient: MpState) => boolean, n: Normalize<MpState, MpMessage> = IDENTITY): string => {
    const messages = new Set<string>();
    for (const m of v.history) {
      const recipient = v.states.find((s) => s.id === m.to);
      if (recipient !== undefined && dropped(m, recipient)) continue;
      messages.add(encodeMultiMessage(n.message!(m)));
    }
    return JSON.stringify([v.crashes, v.asked, v.states.map((s) => readsCodec.state(n.state!(s))), v.durables.map((d) => encodeMultiRecord(d as MpRecord | undefined)), [...messages].sort()]);
  };
  const reachable = (model: MultiPaxosModel, n: Normalize<MpState, MpMessage> = IDENTITY, dropped: (m: MpMessage, recipient: MpState) => boolean = obsoleteMultiReply): Set<string> => {
    const seen = new Set<string>();
    const r = check(model.normalize === undefined ? { ...model, normalize: IDENTITY } : model, { onState: (v) => seen.add(key(v as View, dropped, n)) });
    expect([r.complete, r.violations.length]).to.deep.equal([true, 0]);
    return seen;
  };

  it('removing them (with the other obsolete replies) reaches the same states, obsolete replies set aside', () => {
    const o: MultiPaxosCheckOptions = { ...small, commands: 0, readRounds: 2, normalize: false };
    const pruned = reachable(modelOf(o));
    const kept = reachable(modelOf({ ...o, pruneObsolete: false }));
    for (const k of kept) if (!pruned.has(k)) expect.fail(`a state is lost by the removal: ${k}`);
    expect(pruned.size).to.equal(kept.size);
    expect(check(modelOf(o)).states).to.be.below(check(modelOf({ ...o, pruneObsolete: false })).states);
  });

  it('with reads, the normal forms still reach exactly the normal forms of the states reached without them', () => {
    const o: MultiPaxosCheckOptions = { ...small, commands: 0, readRounds: 2, pruneObsolete: false };
    const normal = reachable(modelOf(o), multiPaxosNormalForm, () => false);
    const expected = reachable(modelOf({ ...o, normalize: false }), multiPaxosNormalForm, () => false);
    for (const k of expected) if (!normal.has(k)) expect.fail(`a state is lost by the normal forms: ${k}`);
    expect(normal.size).to.equal(expected.size);
  });

  it('only an acknowledgement its leader can no longer count is obsolete', () => {
    const s = modelOf(small).protocol.init(1);
    const leading: MpState = {
      ...s,
      leader: { ...s.leader, role: 'leader', ballot: ballots.of(1, 1) },
      reads: { ...s.reads, round: 2, open: [{ round: 2, clock: 0, acks: [1] }] },
    };
    const ack = (from: number, round: number, ballot = ballots.of(1, 1)): MpMessage => ({ type: 'heartbeat-ack', from, to: 1, ballot, round });
    expect(obsoleteMultiReply(ack(2, 2), leading)).to.equal(false);
    expect(obsoleteMultiReply(ack(2, 1), leading)).to.equal(true);
    expect(obsoleteMultiReply(ack(1, 2), leading)).to.equal(true);
    expect(obsoleteMultiReply(ack(2, 2, ballots.of(1, 2)), leading)).to.equal(true);
    expect(obsoleteMultiReply(ack(2, 2), { ...leading, leader: { ...leading.leader, role: 'follower' } })).to.equal(true);
  });
});
