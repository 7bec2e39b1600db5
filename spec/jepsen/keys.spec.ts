import { expect } from 'chai';
import { KeyRotation, keyStats } from '../../jepsen/keys';
import type { JepsenRecord } from '../../jepsen/history';

describe('jepsen: bounded keys (jepsen/keys.ts, as jepsen.independent)', () => {
  it('retires a key after opsPerKey operations: every key serves at most that many', () => {
    const keys = new KeyRotation({ live: 2, opsPerKey: 3, keyMs: 1e9 }, () => 0);
    const taken = Array.from({ length: 10 }, (_, i) => keys.take(i % 2));
    expect(taken).to.deep.equal(['k0', 'k1', 'k0', 'k1', 'k0', 'k1', 'k2', 'k3', 'k2', 'k3']);
    expect(keys.keys()).to.deep.equal(['k0', 'k1', 'k2', 'k3']);
  });

  it('retires a key that has lived keyMs at its next operation, however few operations it served', () => {
    let t = 0;
    const keys = new KeyRotation({ live: 1, opsPerKey: 100, keyMs: 50 }, () => t);
    expect(keys.take(0)).to.equal('k0');
    t = 49;
    expect(keys.take(0)).to.equal('k0');
    t = 50;
    expect(keys.take(0)).to.equal('k1');
    expect(() => keys.take(1)).to.throw('no live slot 1');
    expect(() => new KeyRotation({ live: 0, opsPerKey: 1, keyMs: 1 }, () => 0)).to.throw('must be positive');
  });

  it('measures each key: operations, info, contention, and whether a fault hit it while live', () => {
    const r = (time: number, process: number, type: JepsenRecord['type'], key: string): JepsenRecord =>
      ({ index: 0, time, process, type, f: 'read', key, ...(type === 'ok' ? { value: null } : {}) });
    const history = [
      r(0, 0, 'invoke', 'a'), r(1, 1, 'invoke', 'a'), r(2, 2, 'invoke', 'a'),
      r(3, 0, 'ok', 'a'), r(4, 1, 'info', 'a'), r(5, 2, 'ok', 'a'),
      r(10, 3, 'invoke', 'b'), r(11, 3, 'ok', 'b'),
      r(20, 4, 'invoke', 'c'),
      r(30, 5, 'invoke', 'd'), r(31, 6, 'invoke', 'd'), r(32, 7, 'invoke', 'd'),
      r(33, 5, 'info', 'd'), r(34, 6, 'info', 'd'), r(35, 7, 'ok', 'd'),
    ];
    const s = keyStats(history, [{ kind: 'kill', nodes: [1], at: 9, healedAt: 10.5 }]);
    expect(s.keys).to.equal(4);
    expect(s.biggest).to.deep.equal({ key: 'd', operations: 3, info: 2 }); // as many operations as a, more info
    expect(s.operations).to.deep.equal({ median: 1, max: 3 });
    expect(s.info).to.deep.equal({ median: 1, max: 2 });
    expect(s.concurrency).to.deep.equal({ median: 1, max: 3 });
    expect(s.underFault).to.equal(1);
  });
});
