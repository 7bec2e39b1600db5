/**
 * The one promise of a durable log, as a property: over any sequence of appends, syncs,
 * snapshots and crashes, recovery folds to exactly what was synced (a snapshot makes everything
 * appended before it durable), compared with `foldChange` over a model that is just a list.
 * The same commands run against the file log on a real disk and against the memory log.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { foldChange } from '../../../lib/multipaxos/durable';
import type { MultiRecord } from '../../../lib/multipaxos/state';
import type { DurableLog } from '../../../lib/runtime/contracts';
import { MemoryDisk, MemoryLog, multiPaxosCodecs, recoverMultiPaxos } from '../../../lib/runtime/storage';
import type { MultiChange, Op } from './helpers';
import { multiLog, plainMulti, removeTempDirs, tempDir } from './helpers';

type Cmd =
  | { readonly kind: 'append'; readonly changes: readonly MultiChange[] }
  | { readonly kind: 'sync' }
  | { readonly kind: 'snapshot'; readonly keep: number }
  | { readonly kind: 'crash' };

const ballot = fc.record({ round: fc.integer({ min: 0, max: 6 }), node: fc.integer({ min: 1, max: 3 }) });
const value = fc.oneof(
  fc.constant({ kind: 'noop' as const }),
  fc.record({ kind: fc.constant('batch' as const), commands: fc.array(fc.record({ client: fc.constantFrom('a', 'b'), seq: fc.nat(9), op: fc.record({ set: fc.constantFrom('S12', 'S14'), value: fc.string({ maxLength: 6 }) }) }), { minLength: 1, maxLength: 2 }) }),
);
const slot = fc.integer({ min: 0, max: 40 });
const change: fc.Arbitrary<MultiChange> = fc.oneof(
  fc.record({ kind: fc.constant('promise' as const), ballot }),
  fc.record({ kind: fc.constant('vote' as const), slot, ballot, value }),
  fc.record({ kind: fc.constant('learned' as const), slot, value }),
);
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('append' as const), changes: fc.array(change, { minLength: 1, maxLength: 4 }) }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'sync' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('snapshot' as const), keep: fc.nat(3) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'crash' as const }) },
);

type Log = DurableLog<MultiChange, MultiRecord<Op>>;

function fold(changes: readonly MultiChange[], from?: MultiRecord<Op>): MultiRecord<Op> | undefined {
  return changes.reduce<MultiRecord<Op> | undefined>((r, c) => foldChange(r, c), from);
}

/** Runs `cmds`; `restart` crashes the log (dropping what was not synced) and opens a new one on the same disk. */
async function check(cmds: readonly Cmd[], start: () => Log, restart: (log: Log) => Promise<Log>): Promise<void> {
  let log = start();
  const recoveredOnce = await log.open();
  expect(recoveredOnce.changes).to.deep.equal([]);
  let all: MultiChange[] = [];
  let synced = 0;
  const expectRecovered = async (): Promise<void> => {
    log = await restart(log);
    const recovered = await log.open();
    expect(recovered.truncatedTail).to.equal(undefined);
    expect(plainMulti(recoverMultiPaxos(recovered))).to.deep.equal(plainMulti(fold(all)));
  };
  for (const c of cmds) {
    switch (c.kind) {
      case 'append':
        log.append(c.changes);
        all = [...all, ...c.changes];
        break;
      case 'sync':
        await log.sync();
        synced = all.length;
        break;
      case 'snapshot': {
        const keep = Math.min(c.keep, all.length);
        const record = fold(all.slice(0, all.length - keep));
        if (record === undefined) break;
        await log.writeSnapshot(record, all.slice(all.length - keep));
        synced = all.length;
        break;
      }
      case 'crash':
        all = all.slice(0, synced);
        await expectRecovered();
        break;
    }
  }
  all = all.slice(0, synced);
  await expectRecovered();
  await log.close();
}

describe('storage: recovery returns exactly the synced prefix (property)', () => {
  afterEach(removeTempDirs);

  it('file log: any appends, syncs, snapshots and crashes recover the synced changes, folded', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { maxLength: 14 }), async (cmds) => {
        const dir = tempDir();
        const restart = async (log: Log): Promise<Log> => {
          await log.close();
          return multiLog(dir);
        };
        await check(cmds, () => multiLog(dir), restart);
      }),
      { numRuns: 40 },
    );
  });

  it('memory log: the same, with crash() and a new log over the same disk', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { maxLength: 20 }), async (cmds) => {
        const disk = new MemoryDisk<MultiChange, MultiRecord<Op>>();
        const make = (): MemoryLog<MultiChange, MultiRecord<Op>> => new MemoryLog({ disk, ...multiPaxosCodecs<Op>() });
        const restart = (log: Log): Promise<Log> => {
          (log as MemoryLog<MultiChange, MultiRecord<Op>>).crash();
          return Promise.resolve(make());
        };
        await check(cmds, make, restart);
      }),
      { numRuns: 200 },
    );
  });

  it('a log that keeps an unsynced change after a crash is caught (the check can fail)', async () => {
    // A broken memory log whose crash keeps the buffered changes: the property must reject it.
    const disk = new MemoryDisk<MultiChange, MultiRecord<Op>>();
    const cmds: Cmd[] = [{ kind: 'append', changes: [{ kind: 'promise', ballot: { round: 3, node: 1 } }] }, { kind: 'crash' }];
    const leaky = async (log: Log): Promise<Log> => {
      await log.sync();
      return new MemoryLog({ disk });
    };
    let failed = false;
    await check(cmds, () => new MemoryLog({ disk }), leaky).catch(() => {
      failed = true;
    });
    expect(failed).to.equal(true);
  });
});
