/**
 * Durability: what a Multi-Paxos node's persist effects say, folded into the record a crash
 * keeps. Each persist effect names one change (state.ts `DurableChange`): the promise raised,
 * the vote cast at a slot, the value learned at a slot, a snapshot that replaces the prefix of
 * the log and the votes below its slot. A write-ahead log appends them as
 * records; the simulated drivers (the scripted cluster, the simulator, the model checker) fold
 * them with `persistedRecord`, the protocol's `persisted`, through lib/core/protocol.ts.
 */
import * as ballots from '../paxos/ballot';
import { assertNever } from '../core/types';
import * as vec from '../core/vector';
import type { Vector } from '../core/vector';
import type { DurableChange, MultiEffect, MultiNodeState, MultiRecord } from './state';

/** The durable part of a node's state: what its persist effects have folded into, so far. */
export function record<S, Op, R>(s: MultiNodeState<S, Op, R>): MultiRecord<Op> {
  const base = { promised: s.acceptor.maxBal, votes: s.acceptor.votes, log: s.learner.log };
  const snap = s.learner.snapshot;
  return snap === null ? base : { ...base, snapshot: snap };
}

/**
 * The vector without its elements below `slot` (a compacted log or vote table): the same
 * indexes from `slot` on, nothing below. It copies only what it keeps, which after a
 * compaction at the commit point is the few slots learned or voted beyond it.
 */
export function dropBelow<T>(v: Vector<T>, slot: number): Vector<T> {
  if (slot <= 0) return v;
  let out = vec.emptyVector<T>();
  for (let i = slot; i < v.size; i += 1) {
    const x = vec.get(v, i);
    if (x !== undefined) out = vec.set(out, i, x);
  }
  return out;
}

export const EMPTY_RECORD: MultiRecord<never> = { promised: ballots.ZERO, votes: vec.emptyVector(), log: vec.emptyVector() };

/** Folds one durable change into the record: what a write-ahead log's replay does, record by record. */
export function foldChange<Op>(durable: MultiRecord<Op> | undefined, change: DurableChange<Op>): MultiRecord<Op> {
  const d: MultiRecord<Op> = durable ?? EMPTY_RECORD;
  switch (change.kind) {
    case 'promise':
      return { ...d, promised: change.ballot };
    case 'vote':
      return { ...d, votes: vec.set(d.votes, change.slot, { ballot: change.ballot, value: change.value }) };
    case 'learned':
      return { ...d, log: vec.set(d.log, change.slot, change.value) };
    case 'snapshot': {
      // A snapshot only moves forward: an older one folded after a newer one changes nothing.
      if (change.slot <= (d.snapshot?.slot ?? 0)) return d;
      const { slot, replica } = change;
      return { ...d, snapshot: { slot, replica }, votes: dropBelow(d.votes, slot), log: dropBelow(d.log, slot) };
    }
    default:
      return assertNever(change, 'durable change');
  }
}

/** The node's durable record after one effect: a persist folds its change in; others leave it. */
export function persistedRecord<Op, R>(durable: MultiRecord<Op> | undefined, effect: MultiEffect<Op, R>): MultiRecord<Op> | undefined {
  return effect.type === 'persist' ? foldChange(durable, effect.change) : durable;
}
