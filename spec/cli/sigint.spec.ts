/**
 * Ctrl-C on the real process: a seed range stops after the seed that was running, a model
 * check at its next progress report (it runs in a worker thread); each prints its partial
 * summary with interrupted: true and exits 130. Each waits for the run's first progress line
 * on stderr (so the run is under way), then sends SIGINT.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const BIN = join(__dirname, '..', '..', 'bin', 'synod.js');

function interrupt(args: string[], ready: RegExp): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let sent = false;
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (!sent && ready.test(err)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

describe('SIGINT: partial summaries and exit 130', function () {
  this.timeout(120_000);

  it('a seed range and a model check, each interrupted once under way', async () => {
    const [sim, check] = await Promise.all([
      interrupt(['sim', '--nodes', '3', '--seeds', '1-1000000', '--json'], /^sim single-decree: \d+\/1000000/m),
      interrupt(['check', '--max-round', '100', '--json'], /^check: \d+ states/m),
    ]);
    expect(sim.code, sim.err).to.equal(130);
    const s = JSON.parse(sim.out) as { ok: boolean; interrupted: boolean; runs: number; seedsRun: string; failingRuns: number };
    expect([s.ok, s.interrupted, s.failingRuns]).to.deep.equal([true, true, 0]);
    expect(s.runs).to.be.greaterThan(0);
    expect(s.seedsRun).to.equal(`1-${s.runs}`);
    expect(check.code, check.err).to.equal(130);
    const c = JSON.parse(check.out) as { ok: boolean; interrupted: boolean; reason: string; states: number; complete: boolean };
    expect([c.ok, c.interrupted, c.complete]).to.deep.equal([false, true, false]);
    expect(c.reason).to.match(/^interrupted after \d+ states/);
    expect(c.states).to.be.greaterThan(0);
  });
});
