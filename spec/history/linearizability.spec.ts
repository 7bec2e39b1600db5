import { expect } from 'chai';
import * as fc from 'fast-check';
import type { HistoryF, HistoryRecord, Scalar } from '../../lib/history/linearizability';
import { checkHistory } from '../../lib/history/linearizability';

const inv = (process: number, f: HistoryF, key: string, value: HistoryRecord['value'] = null): HistoryRecord => ({ process, type: 'invoke', f, key, value });
const ok = (process: number, f: HistoryF, key: string, value: HistoryRecord['value'] = null): HistoryRecord => ({ process, type: 'ok', f, key, value });
const info = (process: number, f: HistoryF, key: string, value: HistoryRecord['value'] = null): HistoryRecord => ({ process, type: 'info', f, key, value });
const fail = (process: number, f: HistoryF, key: string, value: HistoryRecord['value'] = null): HistoryRecord => ({ process, type: 'fail', f, key, value });

describe('linearizability checker (Wing & Gong with Lowe\'s memoization, per key)', () => {
  it('accepts a sequential history that reads its own writes', () => {
    const h = [inv(0, 'write', 'x', 1), ok(0, 'write', 'x', 1), inv(1, 'read', 'x'), ok(1, 'read', 'x', 1)];
    expect(checkHistory(h).linearizable).to.equal(true);
  });

  it('rejects a stale read: a read that starts after a write completed returns the old value', () => {
    const h = [
      inv(0, 'write', 'x', 1), ok(0, 'write', 'x', 1),
      inv(0, 'write', 'x', 2), ok(0, 'write', 'x', 2),
      inv(1, 'read', 'x'), ok(1, 'read', 'x', 1),
    ];
    const v = checkHistory(h);
    expect(v.linearizable).to.equal(false);
    const key = v.keys[0]!;
    expect(key.linearizable).to.equal(false);
    if (key.linearizable === false) expect(key.reason).to.match(/read 1 by process 1/);
  });

  it('accepts concurrent operations in either order, and rejects reads that disagree on the order', () => {
    const concurrent = [inv(0, 'write', 'x', 1), inv(1, 'read', 'x'), ok(1, 'read', 'x', 1), ok(0, 'write', 'x', 1)];
    expect(checkHistory(concurrent).linearizable).to.equal(true);
    const early = [inv(0, 'write', 'x', 1), inv(1, 'read', 'x'), ok(1, 'read', 'x', null), ok(0, 'write', 'x', 1)];
    expect(checkHistory(early).linearizable).to.equal(true);
    // Two readers see 1 then absent, sequentially, while a single write of 1 is in flight: impossible.
    const flicker = [
      inv(0, 'write', 'x', 1),
      inv(1, 'read', 'x'), ok(1, 'read', 'x', 1),
      inv(2, 'read', 'x'), ok(2, 'read', 'x', null),
      ok(0, 'write', 'x', 1),
    ];
    expect(checkHistory(flicker).linearizable).to.equal(false);
  });

  it('treats info as "may or may not have happened", at any time after the invocation', () => {
    const happened = [inv(0, 'write', 'x', 5), info(0, 'write', 'x', 5), inv(1, 'read', 'x'), ok(1, 'read', 'x', 5)];
    expect(checkHistory(happened).linearizable).to.equal(true);
    const never = [inv(0, 'write', 'x', 5), info(0, 'write', 'x', 5), inv(1, 'read', 'x'), ok(1, 'read', 'x', null)];
    expect(checkHistory(never).linearizable).to.equal(true);
    const late = [
      inv(0, 'write', 'x', 5), info(0, 'write', 'x', 5),
      inv(1, 'read', 'x'), ok(1, 'read', 'x', null),
      inv(1, 'read', 'x'), ok(1, 'read', 'x', 5),
    ];
    expect(checkHistory(late).linearizable).to.equal(true);
    const unfinished = [inv(0, 'write', 'x', 5), inv(1, 'read', 'x'), ok(1, 'read', 'x', 5)];
    expect(checkHistory(unfinished).linearizable).to.equal(true);
    // But an info write cannot take effect twice: 5, then 6, then 5 again is impossible.
    const twice = [
      inv(0, 'write', 'x', 5), info(0, 'write', 'x', 5),
      inv(1, 'read', 'x'), ok(1, 'read', 'x', 5),
      inv(1, 'write', 'x', 6), ok(1, 'write', 'x', 6),
      inv(1, 'read', 'x'), ok(1, 'read', 'x', 5),
    ];
    expect(checkHistory(twice).linearizable).to.equal(false);
  });

  it('models cas and delete; a failed cas did not happen', () => {
    const h = [
      inv(0, 'write', 'k', 1), ok(0, 'write', 'k', 1),
      inv(0, 'cas', 'k', [1, 2]), ok(0, 'cas', 'k', [1, 2]),
      inv(1, 'cas', 'k', [1, 3]), fail(1, 'cas', 'k', [1, 3]),
      inv(1, 'read', 'k'), ok(1, 'read', 'k', 2),
      inv(0, 'delete', 'k'), ok(0, 'delete', 'k'),
      inv(1, 'read', 'k'), ok(1, 'read', 'k', null),
    ];
    expect(checkHistory(h).linearizable).to.equal(true);
    const wrong = [inv(0, 'write', 'k', 1), ok(0, 'write', 'k', 1), inv(1, 'cas', 'k', [2, 3]), ok(1, 'cas', 'k', [2, 3])];
    expect(checkHistory(wrong).linearizable).to.equal(false);
  });

  it('checks keys separately: each key alone is judged', () => {
    const h = [
      inv(0, 'write', 'a', 1), inv(1, 'write', 'b', 1), ok(0, 'write', 'a', 1), ok(1, 'write', 'b', 1),
      inv(0, 'read', 'a'), ok(0, 'read', 'a', 1), inv(1, 'read', 'b'), ok(1, 'read', 'b', 7),
    ];
    const v = checkHistory(h);
    expect(v.linearizable).to.equal(false);
    expect(v.keys.map((k) => [k.key, k.linearizable])).to.deep.equal([['a', true], ['b', false]]);
  });

  it('reports malformed histories', () => {
    const v = checkHistory([ok(0, 'read', 'x', 1)]);
    expect(v.linearizable).to.equal(false);
    expect(v.errors[0]).to.match(/never invoked/);
  });

  /** Histories produced by a real register, each operation taking effect between its invocation and completion. */
  function generated(choices: readonly number[]): HistoryRecord[] {
    const processes = 4;
    const state = new Map<string, Scalar>();
    type Slot = { phase: 'idle' } | { phase: 'invoked' | 'done'; f: HistoryF; key: string; value: HistoryRecord['value']; result: 'ok' | 'fail' };
    const procs: Slot[] = Array.from({ length: processes }, () => ({ phase: 'idle' }));
    const history: HistoryRecord[] = [];
    let next = 1;
    for (const c of choices) {
      const p = c % processes;
      const slot = procs[p]!;
      const key = (c >> 2) % 2 === 0 ? 'x' : 'y';
      if (slot.phase === 'idle') {
        const f: HistoryF = (['read', 'write', 'cas', 'delete'] as const)[(c >> 3) % 4]!;
        const value: HistoryRecord['value'] = f === 'write' ? next++ : f === 'cas' ? [(c >> 5) % 3 === 0 ? null : next - 1, next++] : null;
        history.push({ process: p, type: 'invoke', f, key, value });
        procs[p] = { phase: 'invoked', f, key, value, result: 'ok' };
      } else if (slot.phase === 'invoked') {
        const current = state.get(slot.key) ?? null;
        let { value, result } = slot;
        if (slot.f === 'read') value = current;
        else if (slot.f === 'write') state.set(slot.key, value as Scalar);
        else if (slot.f === 'delete') state.delete(slot.key);
        else if ((value as [Scalar, Scalar])[0] === current) state.set(slot.key, (value as [Scalar, Scalar])[1]);
        else result = 'fail';
        procs[p] = { ...slot, phase: 'done', value, result };
      } else {
        const type = (c >> 6) % 5 === 0 && slot.f !== 'read' ? 'info' : slot.result;
        history.push({ process: p, type, f: slot.f, key: slot.key, value: slot.value ?? null });
        procs[p] = { phase: 'idle' };
      }
    }
    return history;
  }

  it('property: every history produced by a real register is linearizable', () => {
    fc.assert(fc.property(fc.array(fc.nat(1 << 12), { maxLength: 120 }), (choices) => checkHistory(generated(choices)).linearizable === true), { numRuns: 300 });
  });

  it('property: a completed read of a value nobody wrote makes the history non-linearizable', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1 << 12), { minLength: 10, maxLength: 120 }), fc.nat(), (choices, pick) => {
        const history = generated(choices);
        const reads = history.map((r, i) => [r, i] as const).filter(([r]) => r.type === 'ok' && r.f === 'read');
        fc.pre(reads.length > 0);
        const [record, index] = reads[pick % reads.length]!;
        const broken = history.map((r, i) => (i === index ? { ...record, value: 'never-written' } : r));
        return checkHistory(broken).linearizable === false;
      }),
      { numRuns: 200 },
    );
  });
});
