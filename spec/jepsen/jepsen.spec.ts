import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkHistory, type HistoryRecord } from '../../lib/history/linearizability';
import { firstFreeBase } from '../../jepsen/cluster';
import { DEFAULTS, runJepsen, type JepsenSummary } from '../../jepsen/run';

// The bounded Jepsen-style run of `npm test`: 3 real `synod node` processes (the compiled dist/,
// built by `npm test` before mocha; run `npm run build` first for this file alone), 5 clients,
// a nemesis that kills, pauses and partitions, on rotating keys (a key retired after a few dozen
// operations, as jepsen.independent bounds them). Ports 17300-17339, or 28900-28939 / 28940-28979
// when another run on this machine holds that block.
describe('jepsen: a real 3-node cluster under kill -9, pauses and partitions', function () {
  this.timeout(120_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synod-jepsen-spec-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const base = (): Promise<number> => firstFreeBase([17300, 28900, 28940], 3);
  const show = (s: JepsenSummary): string => JSON.stringify({ ...s, faultLog: s.faultLog.length, recoveries: s.recoveries }, null, 1);

  it('stays linearizable, loses no acknowledged write, and makes progress after every fault', async () => {
    const historyFile = path.join(dir, 'history.jsonl');
    const summary = await runJepsen({
      ...DEFAULTS,
      seed: 1,
      durationMs: 15_000,
      minFaults: 4, // one of each kind, however slowly this machine restarts processes
      faultMs: 2000,
      quietMs: 1500,
      basePort: await base(),
      faults: ['kill', 'partition', 'pause', 'kill-two'],
      opsPerKey: 30,
      historyFile,
    });
    expect(summary.problems, show(summary)).to.deep.equal([]);
    expect(summary.passed).to.equal(true);
    expect(summary.linearizable).to.equal(true);
    expect(summary.lostWrites).to.equal(0);
    // something was done: writes acknowledged, each kind of fault injected, progress measured after each
    expect(summary.okWrites, show(summary)).to.be.greaterThan(0);
    expect(new Set(summary.faultLog.map((f) => f.kind))).to.include.all.keys('kill', 'partition', 'pause', 'kill-two');
    expect(summary.recoveries.every((r) => r.progressAfterMs !== null && r.progressAfterMs <= DEFAULTS.progressBoundMs)).to.equal(true);
    expect(Object.values(summary.finalReads)).to.not.include('no answer');
    // the keys rotated, each stayed within its bound, every one was checked and none is unknown;
    // clients contended on keys, and faults hit live keys
    const keys = summary.keys;
    expect(keys.checked, show(summary)).to.be.greaterThan(keys.live);
    expect(keys.checked).to.equal(keys.keys);
    expect(keys.linearizable).to.equal(keys.checked);
    expect([keys.unknown, keys.notLinearizable]).to.deep.equal([0, 0]);
    expect(keys.operations.max).to.be.at.most(30 + 1); // + the final read
    expect(keys.concurrency.max).to.be.at.least(2);
    expect(keys.underFault).to.be.greaterThan(0);
    expect(Object.keys(summary.finalReads)).to.have.length(keys.checked);
    expect(summary.outcome).to.equal('pass');
    expect(summary.verdict).to.match(/^PASS: \d+ keys checked/);
    // the history file is the export format, and the checker reads it back to the same verdict
    const lines = fs.readFileSync(historyFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as HistoryRecord & { index: number });
    expect(lines).to.have.length(summary.historyRecords);
    expect(lines.map((r) => r.index)).to.deep.equal(lines.map((_, i) => i));
    expect(checkHistory(lines).linearizable).to.equal(true);
  });

  it('fails on a broken node: the leader acknowledges before a quorum accepted (zoo: leader-acks-before-quorum)', async () => {
    const summary = await runJepsen({
      ...DEFAULTS,
      seed: 2,
      durationMs: 6000,
      faultMs: 1000,
      quietMs: 1000,
      opTimeoutMs: 2000,
      basePort: await base(),
      faults: ['pause'],
      opsPerKey: 15,
      mutant: 'leader-acks-before-quorum',
    });
    expect(summary.okWrites, show(summary)).to.be.greaterThan(0);
    expect(summary.passed, show(summary)).to.equal(false);
    expect(summary.linearizable, show(summary)).to.equal(false);
    // caught with rotating keys: several keys, each small, and the violation within one of them
    expect(summary.keys.checked, show(summary)).to.be.greaterThan(summary.keys.live);
    expect(summary.keys.operations.max).to.be.at.most(15 + 1);
    expect(summary.keys.notLinearizable).to.be.greaterThan(0);
    expect(summary.outcome).to.equal('fail');
    expect(summary.verdict).to.match(/^FAIL: not linearizable: key k\d+/);
  });
});
