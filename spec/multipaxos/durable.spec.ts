/**
 * Persist effects as deltas (lib/multipaxos/durable.ts): each names the promise raised, the
 * vote cast at a slot or the value learned at a slot; the drivers fold them into the durable
 * record. Over random schedules of deliveries, drops, ticks, client commands and crashes, the
 * folded record must be exactly the whole record the node used to persist (its promise, votes
 * and log after the step), a node recovered from it must equal one recovered from that whole
 * record, and every persist of a step must come before its sends.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import type { NodeId } from '../../lib/core/types';
import * as vec from '../../lib/core/vector';
import * as ballots from '../../lib/paxos/ballot';
import { majorities } from '../../lib/paxos/quorum';
import type { KvOp, KvResult, KvState } from '../../lib/machine/kv';
import { kvStore } from '../../lib/machine/kv';
import type { MultiMessage } from '../../lib/multipaxos/messages';
import { NOOP } from '../../lib/multipaxos/messages';
import type { DurableChange, MultiEffect, MultiNodeState, MultiPaxosConfig, MultiRecord } from '../../lib/multipaxos/node';
import { EMPTY_RECORD, foldChange, multiPaxosProtocol, record } from '../../lib/multipaxos/node';
import { durableThenSends } from '../../lib/core/protocol';
import { encodeMultiNodeState, encodeMultiRecord } from '../../lib/check/multipaxos';
import { kvCommand } from '../../lib/sim/multipaxos-subject';

type State = MultiNodeState<KvState, KvOp, KvResult>;
type Effect = MultiEffect<KvOp, KvResult>;

const config: MultiPaxosConfig<KvState, KvOp, KvResult> = {
  quorums: majorities(3),
  machine: kvStore,
  window: 2,
  batch: 2,
  heartbeat: 1,
  electionTimeout: 2,
  seed: 7,
};

type Op =
  | { readonly kind: 'deliver'; readonly pick: number }
  | { readonly kind: 'drop'; readonly pick: number }
  | { readonly kind: 'tick'; readonly node: NodeId }
  | { readonly kind: 'request'; readonly node: NodeId; readonly client: number }
  | { readonly kind: 'crash'; readonly node: NodeId };

const node = fc.constantFrom<NodeId>(1, 2, 3);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.nat(1000).map((pick): Op => ({ kind: 'deliver', pick })) },
  { weight: 1, arbitrary: fc.nat(1000).map((pick): Op => ({ kind: 'drop', pick })) },
  { weight: 3, arbitrary: node.map((n): Op => ({ kind: 'tick', node: n })) },
  { weight: 2, arbitrary: fc.record({ node, client: fc.nat(2) }).map((r): Op => ({ kind: 'request', ...r })) },
  { weight: 1, arbitrary: node.map((n): Op => ({ kind: 'crash', node: n })) },
);

/** What the runs did, summed over all of them, so the property cannot hold vacuously. */
const seen = { promise: 0, vote: 0, learned: 0, snapshot: 0, crashes: 0, stepsWithPersistAndSend: 0 };

function persistsBeforeSends(effects: readonly Effect[]): boolean {
  const lastPersist = effects.map((e) => e.type).lastIndexOf('persist');
  const firstSend = effects.findIndex((e) => e.type === 'send');
  return lastPersist < 0 || firstSend < 0 || lastPersist < firstSend;
}

function recoveredEqual(a: State, b: State): void {
  expect(encodeMultiNodeState(a)).to.equal(encodeMultiNodeState(b));
  expect(a.learner.replica).to.deep.equal(b.learner.replica);
}

function run(ops: readonly Op[]): void {
  const protocol = multiPaxosProtocol(config);
  const states = new Map<NodeId, State>(protocol.nodes.map((id) => [id, protocol.init(id)]));
  const durable = new Map<NodeId, MultiRecord<KvOp> | undefined>();
  let network: MultiMessage<KvOp>[] = [];
  const requests = [0, 0, 0];
  const step = (id: NodeId, result: { state: State; effects: readonly Effect[] }): void => {
    const before = states.get(id)!;
    expect(persistsBeforeSends(result.effects), 'every persist of a step comes before its sends').to.equal(true);
    const persists = result.effects.filter((e): e is Extract<Effect, { type: 'persist' }> => e.type === 'persist');
    for (const p of persists) seen[p.change.kind] += 1;
    if (persists.length > 0 && result.effects.some((e) => e.type === 'send')) seen.stepsWithPersistAndSend += 1;
    const { durable: folded, sends } = durableThenSends(protocol, durable.get(id), result.effects);
    // The whole record the node used to persist is its durable part after the step.
    const whole = record(result.state);
    if (persists.length > 0) expect(encodeMultiRecord(folded)).to.equal(encodeMultiRecord(whole));
    else expect(encodeMultiRecord(record(before)), 'a step without persists changes nothing durable').to.equal(encodeMultiRecord(whole));
    durable.set(id, folded);
    states.set(id, result.state);
    network.push(...sends);
  };
  for (const o of ops) {
    switch (o.kind) {
      case 'deliver':
      case 'drop': {
        if (network.length === 0) break;
        const i = o.pick % network.length;
        const m = network[i]!;
        network = [...network.slice(0, i), ...network.slice(i + 1)];
        if (o.kind === 'deliver') step(m.to, protocol.deliver(states.get(m.to)!, m));
        break;
      }
      case 'tick':
        step(o.node, protocol.timeout(states.get(o.node)!));
        break;
      case 'request': {
        const k = requests[o.client]!;
        requests[o.client] = k + 1;
        step(o.node, protocol.request(states.get(o.node)!, kvCommand(o.client, k)));
        break;
      }
      case 'crash': {
        const folded = durable.get(o.node);
        const fromFold = protocol.recover(o.node, folded);
        const fromWhole = protocol.recover(o.node, folded === undefined ? undefined : record(states.get(o.node)!));
        recoveredEqual(fromFold, fromWhole);
        seen.crashes += 1;
        states.set(o.node, fromFold);
        break;
      }
      default: {
        const never: never = o;
        throw new Error(`unknown op ${JSON.stringify(never)}`);
      }
    }
  }
}

describe('lib/multipaxos/durable: persist effects say what changed', () => {
  it('folds each kind of change into the record: the promise raised, the vote at a slot, the value learned at a slot', () => {
    const b = ballots.of(41, 2);
    const changes: DurableChange<KvOp>[] = [
      { kind: 'promise', ballot: b },
      { kind: 'vote', slot: 3, ballot: b, value: NOOP },
      { kind: 'learned', slot: 1, value: NOOP },
    ];
    const folded = changes.reduce<MultiRecord<KvOp> | undefined>((d, c) => foldChange(d, c), undefined);
    expect(folded?.promised).to.deep.equal(b);
    expect(vec.range(folded!.votes, 0)).to.deep.equal([undefined, undefined, undefined, { ballot: b, value: NOOP }]);
    expect(vec.range(folded!.log, 0)).to.deep.equal([undefined, NOOP]);
    expect(EMPTY_RECORD.votes.size, 'the fold never writes into the empty record').to.equal(0);
  });

  it('over random schedules, the folded deltas equal the whole record, recovery from either is the same node, and persists precede sends', () => {
    fc.assert(fc.property(fc.array(op, { minLength: 20, maxLength: 160 }), (ops) => run(ops)), { numRuns: 150, seed: 11 });
    // Not vacuous: every kind of change was persisted, nodes crashed, and steps both persisted and sent.
    expect(seen.promise).to.be.above(0);
    expect(seen.vote).to.be.above(0);
    expect(seen.learned).to.be.above(0);
    expect(seen.crashes).to.be.above(0);
    expect(seen.stepsWithPersistAndSend).to.be.above(0);
  });
});
