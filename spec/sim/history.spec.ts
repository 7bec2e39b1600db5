/**
 * `synod sim --protocol multipaxos --history FILE`: the clients' history in Jepsen's JSON form
 * (docs/history.md), read back from the files of 100 seeds under every fault, is linearizable
 * by synod's own checker (lib/history/linearizability.ts), as each run reported; and a history
 * edited to read a value nobody wrote is not, so the check can fail.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HistoryRecord } from '../../lib/history/linearizability';
import { checkHistory } from '../../lib/history/linearizability';
import { run } from '../helpers/cli';

describe('sim --history: Jepsen histories for outside checkers', function () {
  this.timeout(300_000);
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'synod-history-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('100 seeds under loss, duplication, partitions and crashes: every history read back from its file is linearizable', async () => {
    const seen = { ok: 0, fail: 0, info: 0, reads: 0, cas: 0, casFailed: 0 };
    for (let seed = 1; seed <= 100; seed += 1) {
      const file = join(dir, `h${seed}.jsonl`);
      const r = await run('sim', '--protocol', 'multipaxos', '--nodes', '3', '--seed', String(seed), '--steps', '1500', '--loss', '0.05', '--dup', '0.05', '--partitions', '--crashes', '--history', file, '--json');
      expect(r.code, `seed ${seed}`).to.equal(0);
      const reported = JSON.parse(r.out) as { linearizable: boolean; history: number };
      const records = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as HistoryRecord & { index: number; node?: number });
      expect(records.length, `seed ${seed}: one record a line`).to.equal(reported.history);
      records.forEach((h, i) => {
        expect(h.index).to.equal(i);
        expect(['invoke', 'ok', 'fail', 'info']).to.include(h.type);
        if (h.type === 'ok' || h.type === 'fail') expect(h.node, 'the node that replied').to.be.a('number');
      });
      expect(checkHistory(records).linearizable, `seed ${seed}`).to.equal(true);
      expect(reported.linearizable).to.equal(true);
      for (const h of records) {
        if (h.type === 'ok' || h.type === 'fail' || h.type === 'info') seen[h.type] += 1;
        if (h.type === 'ok' && h.f === 'read') seen.reads += 1;
        if (h.type !== 'invoke' && h.f === 'cas') seen.cas += 1;
        if (h.type === 'fail' && h.f === 'cas') seen.casFailed += 1;
      }
    }
    // The histories are not trivial: reads returned values, cas operations succeeded and failed.
    expect(seen.ok).to.be.greaterThan(1000);
    expect(seen.reads).to.be.greaterThan(100);
    expect(seen.cas).to.be.greaterThan(10);
    expect(seen.casFailed).to.be.greaterThan(0);
  });

  it('a history edited to read a value never written is not linearizable', async () => {
    const file = join(dir, 'edited.jsonl');
    expect((await run('sim', '--protocol', 'multipaxos', '--nodes', '3', '--seed', '2', '--steps', '1500', '--history', file)).code).to.equal(0);
    const records = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as HistoryRecord);
    const at = records.findIndex((h) => h.type === 'ok' && h.f === 'read');
    expect(at).to.be.greaterThan(-1);
    const edited = records.map((h, i) => (i === at ? { ...h, value: 'never-written' } : h));
    expect(checkHistory(edited).linearizable).to.equal(false);
  });

  it('--history is refused for a protocol that keeps no history, and with --seeds', async () => {
    const a = await run('sim', '--protocol', 'single-decree', '--history', join(dir, 'x'));
    expect([a.code, a.err.trim()]).to.deep.equal([2, 'synod: --history: single-decree keeps no client history (multipaxos does)']);
    const b = await run('sim', '--protocol', 'multipaxos', '--seeds', '1-2', '--history', join(dir, 'x'));
    expect(b.code).to.equal(2);
  });
});
