/** The Harbor Point store of a real node: key-value and booking operations in one machine, each half untouched by the other's operations. */
import { expect } from 'chai';
import { toObject } from '../../../lib/core/hashmap';
import type { HarborOp, HarborState } from '../../../lib/machine/harbor';
import { harborStore, isKvOp } from '../../../lib/machine/harbor';
import { applyBatch, initReplica } from '../../../lib/machine/replica';

function run(ops: readonly HarborOp[]): { state: HarborState; results: unknown[] } {
  let state = harborStore.init();
  const results: unknown[] = [];
  for (const op of ops) {
    const next = harborStore.apply(state, op);
    state = next.state;
    results.push(next.result);
  }
  return { state, results };
}

describe('machine: the Harbor Point store (key-value and bookings in one machine)', () => {
  it('routes each operation to its half, and leaves the other half as it was', () => {
    const { state, results } = run([
      { type: 'put', key: 'k', value: 'v' },
      { type: 'reserve', suite: 'S12', booking: '8841' },
      { type: 'reserve', suite: 'S12', booking: '8849' },
      { type: 'cas', key: 'k', expect: 'v', value: 2 },
      { type: 'confirm', suite: 'S12', booking: '8841' },
      { type: 'get', key: 'k' },
      { type: 'delete', key: 'k' },
      { type: 'release', suite: 'S12', booking: '8849' },
      { type: 'release', suite: 'S12', booking: '8841' },
    ]);
    expect(results).to.deep.equal([
      { ok: true, value: null },
      { ok: true, suite: 'S12', booking: '8841', status: 'reserved' },
      { ok: false, suite: 'S12', reason: 'suite S12 is already reserved for booking 8841' },
      { ok: true, value: 'v' },
      { ok: true, suite: 'S12', booking: '8841', status: 'confirmed' },
      { ok: true, value: 2 },
      { ok: true, value: 2 },
      { ok: false, suite: 'S12', reason: 'suite S12 is not held by booking 8849' },
      { ok: true, suite: 'S12', booking: '8841', status: 'released' },
    ]);
    expect(toObject(state.kv)).to.deep.equal({});
    expect(state.bookings).to.deep.equal({});
  });

  it('a read or a refused booking returns the very same state', () => {
    const s0 = run([{ type: 'reserve', suite: 'S12', booking: '8841' }]).state;
    expect(harborStore.apply(s0, { type: 'get', key: 'k' }).state).to.equal(s0);
    expect(harborStore.apply(s0, { type: 'reserve', suite: 'S12', booking: '8849' }).state).to.equal(s0);
    expect(['get', 'put', 'delete', 'cas'].every((type) => isKvOp({ type } as HarborOp))).to.equal(true);
    expect(['reserve', 'confirm', 'release'].some((type) => isKvOp({ type } as HarborOp))).to.equal(false);
    expect(() => isKvOp({ type: 'drop' } as unknown as HarborOp)).to.throw(/unknown state machine operation/);
  });

  it('behind the sessions: a retry of (client, seq) is applied once', () => {
    const replica = initReplica(harborStore);
    const book = { client: 'c1', seq: 1, op: { type: 'reserve', suite: 'S12', booking: '8841' } as HarborOp };
    const first = applyBatch(harborStore, replica, [book, book]);
    expect(first.applied.map((a) => a.outcome)).to.deep.equal(['applied', 'duplicate']);
    expect(first.replica.machine.bookings.S12).to.deep.equal({ booking: '8841', status: 'reserved' });
  });
});
