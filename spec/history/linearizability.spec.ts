import { expect } from 'chai';
import * as fc from 'fast-check';
import type { HistoryF, HistoryRecord, Scalar } from '../../lib/history/linearizability';
import { checkHistory } from '../../lib/history/linearizability';

const inv = (process: number, f: HistoryF, key: string, value: HistoryRecord['value'] = null): HistoryRecord => ({ process, type: 'invoke', f, key, value });
const ok = (process: number, f: HistoryF, key: string, value: HistoryRecord['value'] = null): HistoryRecord => ({ process, type: 'ok', f, key, value });
const info = (process: number, f: HistoryF, key: string, value: HistoryRecord['value'] = null): HistoryRecord => ({ process, type: 'info', f, key, value });
const fail = (process: number, f: HistoryF, key: string, value: HistoryRecord['value'] = null): HistoryRecord => ({ process, type: 'fail', f, key, value });
/** A completion that says what the operation observed: the value it replaced, or (a failed cas) found. */
const saw = (record: HistoryRecord, observed: Scalar): HistoryRecord => ({ ...record, observed });
const strong = (h: readonly HistoryRecord[]): boolean | 'unknown' => checkHistory(h).linearizable;
const weak = (h: readonly HistoryRecord[]): boolean | 'unknown' => checkHistory(h, { observed: false }).linearizable;

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

  it('models cas and delete; a failed cas changed nothing', () => {
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
    type Slot = { phase: 'idle' } | { phase: 'invoked' | 'done'; f: HistoryF; key: string; value: HistoryRecord['value']; result: 'ok' | 'fail'; observed?: Scalar };
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
        procs[p] = { ...slot, phase: 'done', value, result, observed: current };
      } else {
        const type = (c >> 6) % 5 === 0 && slot.f !== 'read' ? 'info' : slot.result;
        const observed = type === 'info' || slot.f === 'read' || slot.observed === undefined ? {} : { observed: slot.observed };
        history.push({ process: p, type, f: slot.f, key: slot.key, value: slot.value ?? null, ...observed });
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

  it('property: an observed value nobody wrote, on a write, delete or cas, makes the history non-linearizable (the weak check misses it)', () => {
    let missedByWeak = 0;
    fc.assert(
      fc.property(fc.array(fc.nat(1 << 12), { minLength: 10, maxLength: 120 }), fc.nat(), (choices, pick) => {
        const history = generated(choices);
        const seen = history.map((r, i) => [r, i] as const).filter(([r]) => r.observed !== undefined);
        fc.pre(seen.length > 0);
        const [record, index] = seen[pick % seen.length]!;
        const broken = history.map((r, i) => (i === index ? { ...record, observed: 'never-written' } : r));
        if (weak(broken) === true) missedByWeak += 1;
        return strong(broken) === false;
      }),
      { numRuns: 200 },
    );
    expect(missedByWeak, 'histories only the observed values condemn').to.be.greaterThan(0);
  });
});

describe('linearizability checker: observed values and failed cas (the stronger history)', () => {
  it('a write that replaced the wrong value: each write is legal alone, but the second should have replaced the first', () => {
    // Two writes in sequence, both reporting that the key was absent: the second lost the first.
    const h = [
      inv(0, 'write', 'x', 1), saw(ok(0, 'write', 'x', 1), null),
      inv(1, 'write', 'x', 2), saw(ok(1, 'write', 'x', 2), null),
    ];
    expect(weak(h)).to.equal(true);
    expect(strong(h)).to.equal(false);
    const right = [h[0]!, h[1]!, h[2]!, saw(ok(1, 'write', 'x', 2), 1)];
    expect(strong(right)).to.equal(true);
  });

  it('concurrent writes may replace each other in either order, as their observed values say', () => {
    const h = (first: Scalar, second: Scalar): HistoryRecord[] => [
      inv(0, 'write', 'x', 1), inv(1, 'write', 'x', 2),
      saw(ok(0, 'write', 'x', 1), first), saw(ok(1, 'write', 'x', 2), second),
    ];
    expect(strong(h(null, 1))).to.equal(true);
    expect(strong(h(2, null))).to.equal(true);
    expect(strong(h(null, null))).to.equal(false);
    expect(strong(h(2, 1))).to.equal(false);
  });

  it('a delete reports what it removed', () => {
    const h = (removed: Scalar): HistoryRecord[] => [
      inv(0, 'write', 'x', 1), saw(ok(0, 'write', 'x', 1), null),
      inv(0, 'delete', 'x'), saw(ok(0, 'delete', 'x'), removed),
    ];
    expect(strong(h(1))).to.equal(true);
    expect(strong(h(null))).to.equal(false);
    expect(weak(h(null))).to.equal(true);
  });

  it('a failed cas takes part: it must have found a value other than the expected one', () => {
    // After write 1 completed, a cas expecting 1 cannot fail: the weak check dropped it.
    const stale = [
      inv(0, 'write', 'x', 1), saw(ok(0, 'write', 'x', 1), null),
      inv(1, 'cas', 'x', [1, 3]), fail(1, 'cas', 'x', [1, 3]),
    ];
    expect(weak(stale)).to.equal(true);
    expect(strong(stale)).to.equal(false);
    // Concurrent with the write, it may have run before it, when the key was absent.
    const concurrent = [inv(0, 'write', 'x', 1), inv(1, 'cas', 'x', [1, 3]), fail(1, 'cas', 'x', [1, 3]), saw(ok(0, 'write', 'x', 1), null)];
    expect(strong(concurrent)).to.equal(true);
  });

  it('a failed cas reports the value it found, and must have found it', () => {
    const h = (found: Scalar): HistoryRecord[] => [
      inv(0, 'write', 'x', 1), saw(ok(0, 'write', 'x', 1), null),
      inv(0, 'write', 'x', 2), saw(ok(0, 'write', 'x', 2), 1),
      inv(1, 'cas', 'x', [5, 6]), saw(fail(1, 'cas', 'x', [5, 6]), found),
    ];
    expect(strong(h(2))).to.equal(true);
    expect(strong(h(1))).to.equal(false);
    expect(strong(h(null))).to.equal(false);
    expect(weak(h(1))).to.equal(true);
    const v = checkHistory(h(1));
    const key = v.keys[0]!;
    if (key.linearizable === false) expect(key.reason).to.match(/cas \[5,6\] failed, found 1 by process 1/);
    else expect.fail('the failed cas that found a stale value is not flagged');
  });

  it('a successful cas reports the value it replaced, the expected one', () => {
    const h = (replaced: Scalar): HistoryRecord[] => [
      inv(0, 'write', 'x', 1), saw(ok(0, 'write', 'x', 1), null),
      inv(1, 'cas', 'x', [1, 2]), saw(ok(1, 'cas', 'x', [1, 2]), replaced),
    ];
    expect(strong(h(1))).to.equal(true);
    expect(strong(h(null))).to.equal(false);
  });

  it('an operation with no reply (info) observed nothing and constrains only its effect', () => {
    const h = [
      inv(0, 'write', 'x', 1), info(0, 'write', 'x', 1),
      inv(1, 'write', 'x', 2), saw(ok(1, 'write', 'x', 2), 1),
      inv(1, 'read', 'x'), ok(1, 'read', 'x', 2),
    ];
    expect(strong(h)).to.equal(true);
  });

  it('the weak check is the old one: a failed operation other than cas is still dropped by both', () => {
    const h = [inv(0, 'write', 'x', 1), fail(0, 'write', 'x', 1), inv(1, 'read', 'x'), ok(1, 'read', 'x', null)];
    expect([weak(h), strong(h)]).to.deep.equal([true, true]);
  });
  describe('budget and progress (for long runs: many keys, each bounded)', () => {
    /** k writers of distinct values all concurrent, then reads of each value in turn: k! orders to consider. */
    function tangled(key: string, k: number): HistoryRecord[] {
      const h: HistoryRecord[] = [];
      for (let p = 0; p < k; p += 1) h.push(inv(p, 'write', key, p));
      for (let p = 0; p < k; p += 1) h.push(info(p, 'write', key, p));
      for (let p = 0; p < k; p += 1) h.push(inv(100 + p, 'read', key), ok(100 + p, 'read', key, (p * 7) % k));
      return h;
    }

    it('a key whose search spends its budget is unknown, never linearizable; the other keys are still judged', () => {
      const h = [...tangled('big', 8), inv(50, 'write', 'small', 1), ok(50, 'write', 'small', 1)];
      const full = checkHistory(h);
      expect(full.linearizable).to.equal(true);
      const big = full.keys.find((k) => k.key === 'big')!;
      expect(big.explored).to.be.greaterThan(20);
      const cut = checkHistory(h, { budget: 20 });
      expect(cut.linearizable).to.equal('unknown');
      expect(cut.keys.map((k) => [k.key, k.linearizable])).to.deep.equal([['big', 'unknown'], ['small', true]]);
      const unknown = cut.keys[0]!;
      expect(unknown.explored).to.equal(20);
      if (unknown.linearizable === 'unknown') expect(unknown.reason).to.match(/budget of 20 steps/);
      // a violation on another key still makes the whole history not linearizable
      const stale = [inv(60, 'write', 'bad', 1), ok(60, 'write', 'bad', 1), inv(61, 'read', 'bad'), ok(61, 'read', 'bad', null)];
      expect(checkHistory([...h, ...stale], { budget: 20 }).linearizable).to.equal(false);
    });

    it('reports each key as it is judged, in order, with how many are done', () => {
      const h = [...tangled('b', 3), ...tangled('a', 2), inv(9, 'read', 'c'), ok(9, 'read', 'c', 4)];
      const seen: [string, boolean | 'unknown', number, number][] = [];
      const v = checkHistory(h, { onKey: (k, done, total) => seen.push([k.key, k.linearizable, done, total]) });
      expect(seen).to.deep.equal([['a', true, 1, 3], ['b', true, 2, 3], ['c', false, 3, 3]]);
      expect(v.keys.map((k) => k.linearizable)).to.deep.equal([true, true, false]);
    });

    it('judges each key of a history of many keys as it would alone (operations numbered per key)', () => {
      const many: HistoryRecord[] = [];
      for (let k = 0; k < 300; k += 1) many.push(...tangled(`k${k}`, 3));
      many.push(inv(999, 'read', 'k299'), ok(999, 'read', 'k299', 'nobody wrote this'));
      const v = checkHistory(many);
      expect(v.keys).to.have.length(300);
      expect(v.keys.filter((k) => k.linearizable === true)).to.have.length(299);
      const alone = checkHistory(tangled('k5', 3)).keys[0]!;
      expect(v.keys.find((k) => k.key === 'k5')).to.deep.equal(alone);
    });
  });
});
