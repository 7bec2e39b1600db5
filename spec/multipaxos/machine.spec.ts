/** The replicated state machines and the pieces under them: sessions, persistent vectors and maps, the seeded generator. */
import { expect } from 'chai';
import * as fc from 'fast-check';
import { assoc, dissoc, emptyMap, lookup, MapEditor, toObject } from '../../lib/core/hashmap';
import type { BookingOp } from '../../lib/machine/booking';
import type { KvOp } from '../../lib/machine/kv';
import { applyBatch, applyCommand, cachedResult, initReplica } from '../../lib/machine/replica';
import { bookingAuthority } from '../../lib/machine/booking';
import { kvStore } from '../../lib/machine/kv';
import type { Command } from '../../lib/machine/command';
import { drawBetween, seedFor, splitmix32 } from '../../lib/core/random';
import * as vec from '../../lib/core/vector';
import { Random } from '../../lib/core/random';
import * as multipaxos from '../../lib/multipaxos';
import * as machine from '../../lib/machine';
import * as core from '../../lib/core';

describe('Multi-Paxos state machines', () => {
  it('key-value store: get, put, delete and compare-and-set, each result the value before it', () => {
    let s = kvStore.init();
    const run = (op: KvOp) => {
      const r = kvStore.apply(s, op);
      s = r.state;
      return r.result;
    };
    expect(run({ type: 'get', key: 'k' })).to.deep.equal({ ok: true, value: null });
    expect(run({ type: 'put', key: 'k', value: 1 })).to.deep.equal({ ok: true, value: null });
    expect(run({ type: 'cas', key: 'k', expect: 2, value: 3 })).to.deep.equal({ ok: false, value: 1 });
    expect(run({ type: 'cas', key: 'k', expect: 1, value: 3 })).to.deep.equal({ ok: true, value: 1 });
    expect(run({ type: 'delete', key: 'k' })).to.deep.equal({ ok: true, value: 3 });
    expect(run({ type: 'delete', key: 'k' })).to.deep.equal({ ok: true, value: null });
    expect(run({ type: 'cas', key: 'k', expect: null, value: 'v' })).to.deep.equal({ ok: true, value: null });
    expect(toObject(s)).to.deep.equal({ k: 'v' });
  });

  it('key-value store: applyAll gives exactly what apply gives one operation at a time', () => {
    const op = fc.oneof(
      fc.record({ type: fc.constant('get' as const), key: fc.constantFrom('a', 'b') }),
      fc.record({ type: fc.constant('put' as const), key: fc.constantFrom('a', 'b'), value: fc.nat(5) }),
      fc.record({ type: fc.constant('delete' as const), key: fc.constantFrom('a', 'b') }),
      fc.record({ type: fc.constant('cas' as const), key: fc.constantFrom('a', 'b'), expect: fc.option(fc.nat(5), { nil: null }), value: fc.nat(5) }),
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
      let one = kvStore.init();
      const results = ops.map((o) => {
        const r = kvStore.apply(one, o);
        one = r.state;
        return r.result;
      });
      const all = kvStore.applyAll!(kvStore.init(), ops);
      expect(all.results).to.deep.equal(results);
      expect(toObject(all.state)).to.deep.equal(toObject(one));
    }), { numRuns: 200 });
  });

  it('booking authority: a suite is reserved for one booking at a time; confirm and release only by its holder', () => {
    let s = bookingAuthority.init();
    const run = (op: BookingOp) => {
      const r = bookingAuthority.apply(s, op);
      s = r.state;
      return r.result;
    };
    expect(run({ type: 'reserve', suite: 'S12', booking: '#8841' })).to.deep.equal({ ok: true, suite: 'S12', booking: '#8841', status: 'reserved' });
    expect(run({ type: 'reserve', suite: 'S12', booking: '#8849' })).to.deep.equal({ ok: false, suite: 'S12', reason: 'suite S12 is already reserved for booking #8841' });
    expect(run({ type: 'confirm', suite: 'S12', booking: '#8849' })).to.include({ ok: false });
    expect(run({ type: 'release', suite: 'S12', booking: '#8849' })).to.include({ ok: false });
    expect(run({ type: 'confirm', suite: 'S12', booking: '#8841' })).to.deep.equal({ ok: true, suite: 'S12', booking: '#8841', status: 'confirmed' });
    expect(run({ type: 'reserve', suite: 'S12', booking: '#8849' })).to.deep.equal({ ok: false, suite: 'S12', reason: 'suite S12 is already confirmed for booking #8841' });
    expect(run({ type: 'release', suite: 'S12', booking: '#8841' })).to.include({ ok: true, status: 'released' });
    expect(run({ type: 'reserve', suite: 'S12', booking: '#8849' })).to.include({ ok: true, booking: '#8849' });
    expect(s).to.deep.equal({ S12: { booking: '#8849', status: 'reserved' } });
  });

  it('sessions: a retried command is applied once and answered with its first result; an older one is never applied', () => {
    const reserve = (seq: number, booking: string): Command<BookingOp> => ({ client: 'terminal-a', seq, op: { type: 'reserve', suite: 'S12', booking } });
    let r = initReplica(bookingAuthority);
    const first = applyCommand(bookingAuthority, r, reserve(1, '#8841'));
    r = first.replica;
    expect(first.applied).to.deep.equal({ outcome: 'applied', result: { ok: true, suite: 'S12', booking: '#8841', status: 'reserved' } });
    const retry = applyCommand(bookingAuthority, r, reserve(1, '#8841'));
    expect(retry.applied).to.deep.equal({ outcome: 'duplicate', result: first.applied.outcome === 'applied' ? first.applied.result : null });
    expect(retry.replica).to.equal(r);
    expect(cachedResult(r, reserve(1, '#8841'))).to.deep.equal(retry.applied);
    expect(cachedResult(r, reserve(2, '#8841'))).to.equal(null);
    const batch = applyBatch(bookingAuthority, r, [reserve(2, '#9000'), reserve(2, '#9000'), reserve(1, '#8841')]);
    expect(batch.applied.map((a) => a.outcome)).to.deep.equal(['applied', 'duplicate', 'stale']);
    expect(batch.applied[1]).to.deep.equal(batch.applied[0] === undefined ? null : { ...batch.applied[0], outcome: 'duplicate' });
    expect(cachedResult(batch.replica, reserve(1, '#8841'))).to.deep.equal({ outcome: 'stale' });
  });

  it('persistent vector and map: writes never change an earlier version', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(3000), fc.integer())), (writes) => {
      let v = vec.emptyVector<number>();
      const model: number[] = [];
      const versions: [vec.Vector<number>, number[]][] = [];
      const editor = new vec.VectorEditor(v);
      for (const [i, x] of writes) {
        versions.push([v, [...model]]);
        v = vec.set(v, i, x);
        editor.set(i, x);
        model[i] = x;
      }
      expect(vec.range(v, 0)).to.deep.equal(Array.from({ length: model.length }, (_, i) => model[i]));
      expect(vec.range(editor.done(), 0)).to.deep.equal(vec.range(v, 0));
      for (const [old, m] of versions) expect(vec.range(old, 0)).to.deep.equal(Array.from({ length: m.length }, (_, i) => m[i]));
    }), { numRuns: 100 });
    expect(vec.range(vec.fromArray(['a', 'b']), 0)).to.deep.equal(['a', 'b']);
    expect(() => vec.set(vec.emptyVector(), -1, 0)).to.throw(/whole number/);
    const m0 = emptyMap<number>();
    const m1 = assoc(assoc(m0, 'x', 1), 'y', 2);
    const m2 = dissoc(assoc(m1, 'x', 3), 'y');
    expect([toObject(m0), toObject(m1), toObject(m2)]).to.deep.equal([{}, { x: 1, y: 2 }, { x: 3 }]);
    expect(dissoc(m2, 'absent')).to.equal(m2);
    const e = new MapEditor(m1);
    e.set('x', 9);
    e.set('z', 7);
    e.delete('y');
    e.delete('absent');
    expect(e.get('x')).to.equal(9);
    expect(toObject(e.done())).to.deep.equal({ x: 9, z: 7 });
    expect(toObject(m1)).to.deep.equal({ x: 1, y: 2 });
    expect(lookup(m1, 'nope')).to.equal(undefined);
  });

  it('the seeded generator is SplitMix32, the same as the drivers\' Random, and a pure function of its state', () => {
    const r = new Random(42);
    let state = 42;
    for (let i = 0; i < 5; i += 1) {
      const d = splitmix32(state);
      expect(d.value).to.equal(r.nextUint32());
      state = d.state;
    }
    for (let i = 0; i < 100; i += 1) expect(drawBetween(seedFor(7, i), 10, 19).value).to.be.within(10, 19);
    expect(drawBetween(5, 1, 3)).to.deep.equal(drawBetween(5, 1, 3));
    expect(seedFor(7, 1)).to.not.equal(seedFor(7, 2));
  });

  it('exports each layer from one index: the protocol, the machines, the kernel vector and map', () => {
    expect(multipaxos.multiPaxosProtocol).to.be.a('function');
    expect(machine.kvStore.name).to.equal('kv');
    expect(machine.bookingAuthority.name).to.equal('booking');
    expect(core.vector.emptyVector().size).to.equal(0);
    expect(core.hashmap.toObject(core.hashmap.emptyMap())).to.deep.equal({});
  });
});
