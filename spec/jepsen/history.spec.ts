import { expect } from 'chai';
import { checkHistory } from '../../lib/history/linearizability';
import { HistoryRecorder, lostWrites, recoveries, type JepsenRecord } from '../../jepsen/history';

describe('jepsen: the history and its checks (jepsen/history.ts)', () => {
  it('records in the export format: index, process, type, f, key, value, observed on mutations, node', () => {
    const h = new HistoryRecorder(performance.now());
    h.invoke(0, { type: 'put', key: 'k0', value: 1 });
    h.invoke(1, { type: 'get', key: 'k0' });
    h.applied(0, 2, { ok: true, value: null });
    h.applied(1, 2, { ok: true, value: 1 });
    h.invoke(0, { type: 'cas', key: 'k0', expect: 7, value: 2 });
    h.applied(0, 2, { ok: false, value: 1 });
    h.invoke(2, { type: 'delete', key: 'k0' });
    h.info(2);
    h.invoke(3, { type: 'put', key: 'k1', value: 3 });
    const records = h.history();
    const plain = records.map(({ time: _t, ...r }) => r);
    expect(plain).to.deep.equal([
      { index: 0, process: 0, type: 'invoke', f: 'write', key: 'k0', value: 1 },
      { index: 1, process: 1, type: 'invoke', f: 'read', key: 'k0', value: null },
      { index: 2, process: 0, type: 'ok', f: 'write', key: 'k0', value: 1, observed: null, node: 2 },
      { index: 3, process: 1, type: 'ok', f: 'read', key: 'k0', value: 1, node: 2 },
      { index: 4, process: 0, type: 'invoke', f: 'cas', key: 'k0', value: [7, 2] },
      { index: 5, process: 0, type: 'fail', f: 'cas', key: 'k0', value: [7, 2], observed: 1, node: 2 },
      { index: 6, process: 2, type: 'invoke', f: 'delete', key: 'k0', value: null },
      { index: 7, process: 2, type: 'info', f: 'delete', key: 'k0', value: null },
      { index: 8, process: 3, type: 'invoke', f: 'write', key: 'k1', value: 3 },
      { index: 9, process: 3, type: 'info', f: 'write', key: 'k1', value: 3 },
    ]);
    expect(checkHistory(records).linearizable).to.equal(true);
    expect(() => h.applied(9, 1, { ok: true, value: null })).to.throw('never invoked');
  });

  /** put 1 acknowledged, then put 2 acknowledged having replaced 1; finals decide the rest. */
  function twoWrites(): JepsenRecord[] {
    const h = new HistoryRecorder(performance.now());
    h.invoke(0, { type: 'put', key: 'k', value: 1 });
    h.applied(0, 1, { ok: true, value: null });
    h.invoke(0, { type: 'put', key: 'k', value: 2 });
    h.applied(0, 1, { ok: true, value: 1 });
    return h.history();
  }

  it('finds an acknowledged write that the final read does not explain, and nothing when it does', () => {
    expect(lostWrites(twoWrites(), new Map([['k', 2]]))).to.deep.equal([]);
    const lost = lostWrites(twoWrites(), new Map([['k', 1]]));
    expect(lost).to.deep.equal([{ key: 'k', value: 2, process: 0, index: 3 }]);
    expect(lostWrites(twoWrites(), new Map([['k', null]]))).to.have.length(1);
  });

  it('lets an operation of unknown outcome on the key explain a missing write (it may have replaced it)', () => {
    const h = new HistoryRecorder(performance.now());
    h.invoke(0, { type: 'put', key: 'k', value: 1 });
    h.applied(0, 1, { ok: true, value: null });
    h.invoke(1, { type: 'delete', key: 'k' });
    h.info(1);
    expect(lostWrites(h.history(), new Map([['k', null]]))).to.deep.equal([]);
    expect(checkHistory([...h.history()]).linearizable).to.equal(true);
  });

  it('measures progress after each heal from the first operation invoked after it', () => {
    const records: JepsenRecord[] = [
      { index: 0, time: 100, process: 0, type: 'invoke', f: 'read', key: 'k' },
      { index: 1, time: 900, process: 0, type: 'ok', f: 'read', key: 'k', value: null },
      { index: 2, time: 1000, process: 0, type: 'invoke', f: 'read', key: 'k' },
      { index: 3, time: 1300, process: 0, type: 'info', f: 'read', key: 'k' },
      { index: 4, time: 1400, process: 1, type: 'invoke', f: 'read', key: 'k' },
      { index: 5, time: 1750, process: 1, type: 'ok', f: 'read', key: 'k', value: null },
    ];
    const r = recoveries(records, [
      { kind: 'kill', nodes: [1], at: 0, healedAt: 500 },
      { kind: 'pause', nodes: [2], at: 1500, healedAt: 1600 },
    ]);
    expect(r).to.deep.equal([
      { fault: 'kill 1', healedAt: 500, progressAfterMs: 1250 },
      { fault: 'pause 2', healedAt: 1600, progressAfterMs: null },
    ]);
  });

  it('measures progress in a history longer than a call may take arguments (a ten-minute run: 268,048 records)', () => {
    const records: JepsenRecord[] = [];
    for (let i = 0; i < 150_000; i += 1) {
      records.push({ index: 2 * i, time: 1000 + 2 * i, process: i % 5, type: 'invoke', f: 'read', key: 'k' });
      records.push({ index: 2 * i + 1, time: 1001 + 2 * i, process: i % 5, type: 'ok', f: 'read', key: 'k', value: null });
    }
    expect(recoveries(records, [{ kind: 'kill', nodes: [1], at: 0, healedAt: 500 }])).to.deep.equal([{ fault: 'kill 1', healedAt: 500, progressAfterMs: 501 }]);
  });
});
