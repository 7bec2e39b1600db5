import { expect } from 'chai';
import { HistoryRecorder, type Fault } from '../../jepsen/history';
import { exitCode, main } from '../../jepsen/main';
import { DEFAULTS, summarize, type JepsenOptions } from '../../jepsen/run';
import type { Scalar } from '../../lib/history/linearizability';

// The verdict of a run from its history, without processes: every key checked within the
// budget; a key that spends it is unknown (never linearizable, exit 4); a violation or a lost
// write fails (exit 1) whatever else is unknown.
describe('jepsen: the verdict of a run (summarize, exit codes)', () => {
  const options: JepsenOptions = { ...DEFAULTS, durationMs: 1000, basePort: 0, opsPerKey: 20 };
  const faults: Fault[] = [{ kind: 'kill', nodes: [1], at: 0, healedAt: 0 }];

  /** k0: a write then a read of it; k1: 7 writes of unknown outcome, then reads that need a search. */
  function history(extra?: (h: HistoryRecorder) => void): ReturnType<HistoryRecorder['history']> {
    const h = new HistoryRecorder(performance.now() - 1);
    h.invoke(0, { type: 'put', key: 'k0', value: 1 });
    h.applied(0, 1, { ok: true, value: null });
    h.invoke(0, { type: 'get', key: 'k0' });
    h.applied(0, 1, { ok: true, value: 1 });
    for (let p = 10; p < 17; p += 1) h.invoke(p, { type: 'put', key: 'k1', value: p });
    for (let p = 10; p < 17; p += 1) h.info(p);
    for (let p = 20; p < 27; p += 1) {
      h.invoke(p, { type: 'get', key: 'k1' });
      h.applied(p, 2, { ok: true, value: 10 + ((p * 3) % 7) });
    }
    extra?.(h);
    return h.history();
  }
  const finals = new Map<string, Scalar>([['k0', 1], ['k1', 15]]);
  const reads = { k0: 1, k1: 15 };

  it('passes when every key is checked and linearizable (exit 0), and says how many keys and the biggest', () => {
    const lines: string[] = [];
    const s = summarize(options, history(), faults, finals, reads, 1, 1, (l) => lines.push(l));
    expect(s.problems).to.deep.equal([]);
    expect([s.outcome, s.passed, exitCode(s)]).to.deep.equal(['pass', true, 0]);
    expect(s.keys).to.include({ checked: 2, linearizable: 2, notLinearizable: 0, unknown: 0, keys: 2 });
    expect(s.keys.biggest).to.deep.equal({ key: 'k1', operations: 14, info: 7 });
    expect(s.verdict).to.match(/^PASS: 2 keys checked: 2 linearizable, 0 not, 0 unknown; biggest key k1 \(14 operations, 7 info\)/);
    expect(lines.some((l) => /^check: 2\/2 keys, 0 not linearizable, 0 unknown/.test(l))).to.equal(true);
  });

  it('reports a key whose search ran out as unknown, never linearizable, and says so plainly (exit 4)', () => {
    const lines: string[] = [];
    const s = summarize({ ...options, checkBudget: 30 }, history(), faults, finals, reads, 1, 1, (l) => lines.push(l));
    expect(s.linearizable).to.equal('unknown');
    expect([s.outcome, s.passed, exitCode(s)]).to.deep.equal(['unknown', false, 4]);
    expect(s.keys).to.include({ checked: 2, linearizable: 1, unknown: 1 });
    expect(s.keys.unknownKeys).to.deep.equal(['k1']);
    expect(s.verdict).to.match(/^UNKNOWN: nothing failed, but 1 key\(s\) ran out of the search budget \(30 steps\) and were NOT checked: k1/);
    expect(lines.some((l) => l.startsWith('check: key k1 (14 operations) UNKNOWN'))).to.equal(true);
  });

  it('fails on a violation (exit 1) even when another key is unknown', () => {
    const stale = (h: HistoryRecorder): void => {
      h.invoke(40, { type: 'put', key: 'k2', value: 5 });
      h.applied(40, 1, { ok: true, value: null });
      h.invoke(41, { type: 'get', key: 'k2' });
      h.applied(41, 3, { ok: true, value: null });
    };
    const s = summarize({ ...options, checkBudget: 30 }, history(stale), faults, new Map([...finals, ['k2', 5]]), { ...reads, k2: 5 }, 1, 1, () => undefined);
    expect([s.outcome, s.passed, exitCode(s)]).to.deep.equal(['fail', false, 1]);
    expect(s.keys).to.include({ checked: 3, notLinearizable: 1, unknown: 1 });
    expect(s.verdict).to.match(/^FAIL: not linearizable: key k2/);
    expect(s.verdict).to.match(/\(3 keys checked: 1 linearizable, 1 not, 1 unknown; /);
  });

  it('fails on a lost acknowledged write (exit 1)', () => {
    const s = summarize(options, history(), faults, new Map([['k0', null], ['k1', 15]]), { k0: null, k1: 15 }, 1, 1, () => undefined);
    expect([s.outcome, exitCode(s)]).to.deep.equal(['fail', 1]);
    expect(s.lostWrites).to.equal(1);
    expect(s.verdict).to.match(/^FAIL: 1 acknowledged writes lost/);
  });

  it('rejects bad key and budget flags before starting anything (exit 2)', async () => {
    const err = process.stderr.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      expect(await main(['--ops-per-key', '0'])).to.equal(2);
      expect(await main(['--keys', '1.5'])).to.equal(2);
      expect(await main(['--check-budget', 'lots'])).to.equal(2);
    } finally {
      process.stderr.write = err;
    }
  });
});
