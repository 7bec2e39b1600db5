/**
 * The memory log (lib/runtime/storage/memory-log.ts): the file log's promises without a disk,
 * for tests of the node driver. Durable only after sync; a crash drops what was not synced.
 */
import { expect } from 'chai';
import type { MultiRecord } from '../../../lib/multipaxos/state';
import { MemoryDisk, MemoryLog, multiPaxosCodecs, recoverMultiPaxos } from '../../../lib/runtime/storage';
import type { MultiChange, Op } from './helpers';
import { MULTI_CHANGES, plainMulti } from './helpers';

const [c0, c1, c2, c3] = MULTI_CHANGES as [MultiChange, MultiChange, MultiChange, MultiChange];

describe('storage: the memory log', () => {
  it('a crash drops the changes appended since the last sync; a new log on the same disk recovers the rest', async () => {
    const disk = new MemoryDisk<MultiChange, MultiRecord<Op>>();
    const log = new MemoryLog({ disk });
    await log.open();
    log.append([c0, c1]);
    await log.sync();
    log.append([c2]);
    expect(log.stats()).to.deep.equal({ appended: 3, syncCalls: 1, buffered: 1, durableChanges: 2, flushes: 1 });
    log.crash();
    expect(() => log.append([c3])).to.throw(/crashed/);
    const again = new MemoryLog({ disk });
    expect(await again.open()).to.deep.equal({ snapshot: undefined, changes: [c0, c1] });
  });

  it('a sync asked before a crash, and not yet run, never reaches the disk', async () => {
    const disk = new MemoryDisk<MultiChange, MultiRecord<Op>>();
    const log = new MemoryLog({ disk });
    await log.open();
    log.append([c0]);
    const pending = log.sync();
    log.crash();
    let error: unknown;
    await pending.catch((e: unknown) => {
      error = e;
    });
    expect((error as Error).message).to.match(/crashed before this sync reached its disk/);
    expect(disk.contents().changes).to.deep.equal([]);
  });

  it('syncs asked before a flush starts share it, and flushes keep the order of the appends', async () => {
    const log = new MemoryLog<MultiChange, MultiRecord<Op>>();
    await log.open();
    log.append([c0]);
    const a = log.sync();
    log.append([c1]);
    const b = log.sync();
    expect(b).to.equal(a);
    await a;
    log.append([c2]);
    const c = log.sync();
    log.append([c3]);
    const d = log.sync();
    expect(d).to.equal(c);
    await Promise.all([c, d]);
    expect(log.disk.flushes).to.equal(2);
    expect(log.disk.contents().changes).to.deep.equal([c0, c1, c2, c3]);
  });

  it('a failed sync rejects, and every later one with the same error', async () => {
    const log = new MemoryLog<MultiChange, MultiRecord<Op>>();
    await log.open();
    log.append([c0]);
    log.failNextSync(new Error('EIO'));
    const first = await log.sync().then(() => null, (e: Error) => e);
    expect(first?.message).to.equal('EIO');
    log.append([c1]);
    expect(await log.sync().then(() => null, (e: Error) => e)).to.equal(first);
    expect(log.disk.contents().changes).to.deep.equal([]);
  });

  it('with codecs, values go through them: the recovered record is a copy that folds the same', async () => {
    const disk = new MemoryDisk<MultiChange, MultiRecord<Op>>();
    const log = new MemoryLog({ disk, ...multiPaxosCodecs<Op>() });
    await log.open();
    const record = recoverMultiPaxos<Op>({ snapshot: undefined, changes: MULTI_CHANGES });
    if (record === undefined) throw new Error('no record');
    await log.writeSnapshot(record, [c0]);
    await log.close();
    const recovered = await new MemoryLog({ disk, ...multiPaxosCodecs<Op>() }).open();
    expect(recovered.snapshot).not.to.equal(record);
    expect(plainMulti(recovered.snapshot)).to.deep.equal(plainMulti(record));
    expect(recovered.changes).to.deep.equal([c0]);
    expect(recovered.changes[0]).not.to.equal(c0);
  });

  it('is opened once, and refuses use before open', async () => {
    const log = new MemoryLog<MultiChange, MultiRecord<Op>>();
    expect(() => log.append([c0])).to.throw(/not open yet/);
    await log.sync().then(
      () => expect.fail('sync before open'),
      (e: Error) => expect(e.message).to.match(/not open yet/),
    );
    await log.open();
    await log.open().then(
      () => expect.fail('second open'),
      (e: Error) => expect(e.message).to.match(/opened once/),
    );
  });
});
