/**
 * A real crash: a child process appends and syncs batches to a file log as fast as it can, and
 * is killed with SIGKILL at a moment it does not choose, between or inside a write and its
 * fdatasync. Recovery must never throw, must return a gapless prefix of what the child
 * appended, and must hold every batch whose sync the child saw resolve.
 *
 * What this shows, and what it does not: SIGKILL ends the process, not the machine, so what
 * the child wrote reaches the page cache and survives whether or not it was synced; the test
 * checks the log's own part (framing, the order of writes, recovery of whatever tail a kill
 * leaves). Losing the page cache (power loss) is what fdatasync is for; the crash-point tests
 * of file-log.spec.ts cut writes short to stand in for it.
 */
import { expect } from 'chai';
import { fork } from 'node:child_process';
import * as path from 'node:path';
import { FileLog } from '../../../lib/runtime/storage';
import { removeTempDirs, tempDir } from './helpers';

type Change = { kind: 'promise'; ballot: { round: number; node: number } };

/** Starts the child on `dir`, kills it after `acks` acknowledgements; resolves with the last round acknowledged. */
function runAndKill(dir: string, acks: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, 'crash-child.ts'), [dir], { execArgv: ['--require', 'ts-node/register/transpile-only'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let acked = 0;
    let seen = 0;
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('message', (round) => {
      acked = round as number;
      seen += 1;
      if (seen === acks) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acked);
      else reject(new Error(`the child exited with ${code}: ${stderr}`));
    });
  });
}

describe('storage: a process killed with SIGKILL while it appends and syncs', function () {
  this.timeout(60000);
  afterEach(removeTempDirs);

  it('recovers a gapless prefix that holds every acknowledged batch, two kills in a row', async () => {
    const dir = tempDir();
    let acknowledged = 0;
    for (const acks of [40, 60]) {
      acknowledged = Math.max(acknowledged, await runAndKill(dir, acks));
      const log = new FileLog<Change, never>({ directory: dir, cluster: 'harbor', node: 1 });
      const recovered = await log.open();
      await log.close();
      const rounds = recovered.changes.map((c) => c.ballot.round);
      expect(rounds.length).to.be.at.least(acknowledged);
      expect(rounds).to.deep.equal(Array.from({ length: rounds.length }, (_, i) => i + 1));
      acknowledged = rounds.length;
    }
    expect(acknowledged).to.be.at.least(100);
  });
});
