/**
 * The process that crash.spec.ts kills with SIGKILL: it appends promise changes of rounds
 * 1, 2, 3, ... to a file log in batches of 1 to 8, syncs each batch, and tells its parent the
 * last round of every batch whose sync resolved (an acknowledgement: that much must survive).
 * Usage: crash-child.ts DIR
 */
import { FileLog } from '../../../lib/runtime/storage';

async function main(dir: string): Promise<void> {
  const log = new FileLog<{ kind: 'promise'; ballot: { round: number; node: number } }, never>({ directory: dir, cluster: 'harbor', node: 1 });
  const recovered = await log.open();
  let round = recovered.changes.length;
  for (let batch = 0; ; batch += 1) {
    const size = 1 + ((batch * 5) % 8);
    const changes = Array.from({ length: size }, () => {
      round += 1;
      return { kind: 'promise' as const, ballot: { round, node: 1 } };
    });
    log.append(changes);
    await log.sync();
    process.send?.(round);
  }
}

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: crash-child.ts DIR');
main(dir).catch((e: unknown) => {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
});
