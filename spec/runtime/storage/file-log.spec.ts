/**
 * The file log (lib/runtime/storage/file-log.ts) on a real disk, in temporary directories:
 * round trips of every change kind of both protocols, group commit, torn tails cut at every
 * byte, corrupt records refused with the file and the offset, another cluster's directory,
 * snapshots and every crash point of writing one, and failing fdatasync and write calls.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as sinon from 'sinon';
import { foldChange } from '../../../lib/multipaxos/durable';
import { persistChange } from '../../../lib/raft/state';
import type { MultiRecord } from '../../../lib/multipaxos/state';
import type { RaftRecord } from '../../../lib/raft/state';
import { CorruptRecordError, FileLog, recoverMultiPaxos, recoverRaft } from '../../../lib/runtime/storage';
import type { SyncReport } from '../../../lib/runtime/storage';
import type { StorageFs } from '../../../lib/runtime/storage/fs';
import { nodeFs } from '../../../lib/runtime/storage/fs';
import type { MultiChange, Op } from './helpers';
import { crashingFs, failingFs, MULTI_CHANGES, multiLog, plainMulti, plainRaft, RAFT_CHANGES, raftLog, removeTempDirs, tempDir } from './helpers';

const LOG0 = 'log-0000000000';

function fold(changes: readonly MultiChange[], from?: MultiRecord<Op>): MultiRecord<Op> | undefined {
  return changes.reduce<MultiRecord<Op> | undefined>((r, c) => foldChange(r, c), from);
}

/** A log of `changes`, one sync each; returns the directory, the file, each record's frame offset and where the records end. */
async function written(changes: readonly MultiChange[], options: { preallocate?: number } = {}): Promise<{ dir: string; file: string; offsets: number[]; end: number }> {
  const dir = tempDir();
  const log = multiLog(dir, options);
  await log.open();
  const file = path.join(dir, LOG0);
  const header = fs.statSync(file).size;
  const offsets: number[] = [];
  for (const c of changes) {
    offsets.push(header + log.stats().bytesSinceSnapshot);
    log.append([c]);
    await log.sync();
  }
  const end = header + log.stats().bytesSinceSnapshot;
  await log.close();
  return { dir, file, offsets, end };
}

/**
 * Crashes the move from generation 1 (a snapshot and changes after it) to generation 2 at each
 * state-changing file-system call in turn, then recovers with the real file system: 'old' or
 * 'new' for the state recovered, or what went wrong.
 */
async function crashPoints(broken: { renameInPlace?: boolean }): Promise<string[]> {
  const before = MULTI_CHANGES.slice(0, 2);
  const mid = MULTI_CHANGES.slice(2, 4);
  const oldState = JSON.stringify(plainMulti(fold([...before, ...mid])));
  const newRecord = fold([...before, ...mid, ...MULTI_CHANGES.slice(4, 6)]) as MultiRecord<Op>;
  const newState = JSON.stringify(plainMulti(fold(MULTI_CHANGES.slice(6), newRecord)));
  expect(newState).not.to.equal(oldState);
  const outcomes: string[] = [];
  for (let at = 1; at < 100; at += 1) {
    const dir = tempDir();
    const setup = multiLog(dir);
    await setup.open();
    await setup.writeSnapshot(fold(before) as MultiRecord<Op>, mid);
    await setup.close();
    const crash = crashingFs(at, broken);
    const log = multiLog(dir, { fs: crash.fs });
    const opened = await log.open().then(() => true, () => false);
    const wrote = opened ? await log.writeSnapshot(newRecord, MULTI_CHANGES.slice(6)).then(() => 'done', (e: Error) => (e.message.includes('crashed at call') ? 'crash' : e.message)) : 'crash';
    // Closing a crashed log fails to remove its LOCK (the crashed file system refuses); recovery takes it over.
    await log.close().catch(() => undefined);
    const again = multiLog(dir);
    const outcome = await again.open().then(
      (recovered) => {
        const state = JSON.stringify(plainMulti(recoverMultiPaxos(recovered)));
        return state === oldState ? 'old' : state === newState ? 'new' : `mixed: ${state}`;
      },
      (e: Error) => `recovery failed: ${e.message}`,
    );
    await again.close();
    // A crash inside open (removing nothing, here) is not a crash point of the switch.
    if (opened) outcomes.push(outcome);
    if (outcome === 'old' || outcome === 'new') expect(fs.readdirSync(dir).sort(), outcome).to.deep.equal(outcome === 'old' ? ['log-0000000001', 'snapshot-0000000001'] : ['log-0000000002', 'snapshot-0000000002']);
    if (wrote === 'done') return outcomes;
    expect(wrote).to.equal('crash');
  }
  throw new Error('writeSnapshot never finished');
}

describe('storage: the file log', () => {
  afterEach(removeTempDirs);

  describe('round trips', () => {
    it('every Multi-Paxos change kind comes back as it was appended, and folds to the same record', async () => {
      const dir = tempDir();
      const log = multiLog(dir);
      expect(await log.open()).to.deep.equal({ snapshot: undefined, changes: [] });
      log.append(MULTI_CHANGES.slice(0, 3));
      await log.sync();
      log.append(MULTI_CHANGES.slice(3));
      await log.sync();
      await log.close();
      const again = multiLog(dir);
      const recovered = await again.open();
      await again.close();
      expect(recovered.changes).to.deep.equal(MULTI_CHANGES);
      expect(recovered.truncatedTail).to.equal(undefined);
      expect(plainMulti(recoverMultiPaxos(recovered))).to.deep.equal(plainMulti(fold(MULTI_CHANGES)));
    });

    it('every Raft change kind comes back as it was appended, and folds with persistChange', async () => {
      const dir = tempDir();
      const log = raftLog(dir);
      await log.open();
      log.append(RAFT_CHANGES);
      await log.sync();
      await log.close();
      const again = raftLog(dir);
      const recovered = await again.open();
      await again.close();
      expect(recovered.changes).to.deep.equal(RAFT_CHANGES);
      const expected = RAFT_CHANGES.reduce<RaftRecord<Op> | undefined>((r, c) => persistChange(r, c), undefined);
      expect(plainRaft(recoverRaft(recovered))).to.deep.equal(plainRaft(expected));
      expect((plainRaft(expected) as { log: unknown[] }).log).to.have.length(3);
    });

    it('a Raft record written as a snapshot comes back whole', async () => {
      const dir = tempDir();
      const log = raftLog(dir);
      await log.open();
      const record = recoverRaft<Op>({ snapshot: undefined, changes: RAFT_CHANGES });
      if (record === undefined) throw new Error('no record');
      await log.writeSnapshot(record, [{ kind: 'hard-state', currentTerm: 43, votedFor: 1 }]);
      await log.close();
      const again = raftLog(dir);
      const recovered = await again.open();
      await again.close();
      expect(plainRaft(recovered.snapshot)).to.deep.equal(plainRaft(record));
      expect(plainRaft(recoverRaft(recovered))).to.deep.equal({ ...(plainRaft(record) as object), currentTerm: 43, votedFor: 1 });
    });
  });

  describe('group commit', () => {
    it('one write and one fdatasync serve every change appended before it; syncs asked meanwhile share the next one', async () => {
      const dir = tempDir();
      const onSync = sinon.spy((_: SyncReport) => undefined);
      const log = new FileLog<MultiChange, MultiRecord<Op>>({ directory: dir, cluster: 'harbor', node: 1, onSync });
      await log.open();
      log.append([MULTI_CHANGES[0] as MultiChange]);
      const first = log.sync();
      log.append([MULTI_CHANGES[1] as MultiChange]);
      const second = log.sync();
      log.append([MULTI_CHANGES[2] as MultiChange, MULTI_CHANGES[3] as MultiChange]);
      const third = log.sync();
      expect(third).to.equal(second);
      await Promise.all([first, second, third]);
      // The first flush began when the event loop turned, after all three appends: it took them all.
      expect(onSync.callCount).to.equal(1);
      expect(onSync.firstCall.args[0].records).to.equal(4);

      log.append([MULTI_CHANGES[4] as MultiChange]);
      const a = log.sync();
      await Promise.resolve();
      await new Promise((r) => setImmediate(r));
      log.append([MULTI_CHANGES[5] as MultiChange]);
      const b = log.sync();
      log.append([MULTI_CHANGES[6] as MultiChange]);
      const c = log.sync();
      expect(b).to.equal(c);
      expect(b).not.to.equal(a);
      await Promise.all([a, b, c]);
      expect(onSync.getCalls().map((k) => k.args[0].records)).to.deep.equal([4, 1, 2]);
      await log.close();
      const again = multiLog(dir);
      expect((await again.open()).changes).to.deep.equal(MULTI_CHANGES);
      await again.close();
    });

    it('a sync with nothing appended writes nothing', async () => {
      const onSync = sinon.spy();
      const log = new FileLog<MultiChange, MultiRecord<Op>>({ directory: tempDir(), cluster: 'harbor', node: 1, onSync });
      await log.open();
      await log.sync();
      expect(onSync.callCount).to.equal(0);
      await log.close();
    });

    it('changes appended and never synced are not on disk after close', async () => {
      const dir = tempDir();
      const log = multiLog(dir);
      await log.open();
      log.append([MULTI_CHANGES[0] as MultiChange]);
      await log.sync();
      log.append([MULTI_CHANGES[1] as MultiChange]);
      await log.close();
      const again = multiLog(dir);
      expect((await again.open()).changes).to.deep.equal([MULTI_CHANGES[0]]);
      await again.close();
    });
  });

  describe('bad input', () => {
    it('refuses a change larger than the maximum record size at append, and keeps the buffer as it was', async () => {
      const dir = tempDir();
      const log = multiLog(dir, { maxRecordSize: 64 });
      await log.open();
      const big: MultiChange = { kind: 'learned', slot: 1, value: { kind: 'batch', commands: [{ client: 'x'.repeat(100), seq: 1, op: { set: 'k', value: 'v' } }] } };
      expect(() => log.append([MULTI_CHANGES[0] as MultiChange, big])).to.throw(/exceeds the maximum record size 64/);
      expect(log.stats().buffered).to.equal(0);
      await log.close();
    });

    it('refuses use before open and after close, and a second open', async () => {
      const log = multiLog(tempDir());
      expect(() => log.append([])).to.throw(/not open yet/);
      await log.open();
      await expectRejection(log.open(), /opened once/);
      await log.close();
      await expectRejection(log.sync(), /closed/);
      await expectRejection(log.writeSnapshot(fold([]) as MultiRecord<Op>, []), /closed/);
    });

    it('refuses bad options', () => {
      expect(() => multiLog(tempDir(), { node: 0 })).to.throw(/node id/);
      expect(() => multiLog(tempDir(), { maxRecordSize: 0 })).to.throw(/maxRecordSize/);
      expect(() => multiLog(tempDir(), { cluster: '' })).to.throw(/cluster id/);
    });
  });

  describe('recovery', () => {
    it('a torn last record, cut at every byte offset inside it, is truncated and reported, and never throws', async () => {
      const { dir, file, offsets } = await written(MULTI_CHANGES);
      const whole = fs.readFileSync(file);
      const last = offsets[offsets.length - 1] as number;
      for (let cut = last + 1; cut < whole.length; cut += 1) {
        fs.writeFileSync(file, whole.subarray(0, cut));
        const log = multiLog(dir);
        const recovered = await log.open();
        expect(recovered.changes, `cut at ${cut}`).to.deep.equal(MULTI_CHANGES.slice(0, -1));
        expect(recovered.truncatedTail, `cut at ${cut}`).to.deep.equal({ file, offset: last, bytes: cut - last });
        await log.close();
        expect(fs.statSync(file).size).to.equal(last);
      }
    });

    it('after a torn tail is cut, new changes follow the last intact record', async () => {
      const { dir, file, offsets } = await written(MULTI_CHANGES);
      const last = offsets[offsets.length - 1] as number;
      fs.truncateSync(file, last + 5);
      const log = multiLog(dir);
      await log.open();
      log.append([MULTI_CHANGES[0] as MultiChange]);
      await log.sync();
      await log.close();
      const again = multiLog(dir);
      const recovered = await again.open();
      await again.close();
      expect(recovered.changes).to.deep.equal([...MULTI_CHANGES.slice(0, -1), MULTI_CHANGES[0]]);
      expect(recovered.truncatedTail).to.equal(undefined);
    });

    it('a last record whose checksum fails, and a zero-filled tail, are torn tails', async () => {
      const { dir, file, offsets } = await written(MULTI_CHANGES);
      const whole = fs.readFileSync(file);
      const last = offsets[offsets.length - 1] as number;
      const flipped = Buffer.from(whole);
      flipped[whole.length - 3] = (flipped[whole.length - 3] as number) ^ 0x01;
      fs.writeFileSync(file, flipped);
      let log = multiLog(dir);
      expect((await log.open()).truncatedTail).to.deep.equal({ file, offset: last, bytes: whole.length - last });
      await log.close();
      fs.writeFileSync(file, Buffer.concat([whole, Buffer.alloc(4096)]));
      log = multiLog(dir);
      const recovered = await log.open();
      await log.close();
      expect(recovered.changes).to.deep.equal(MULTI_CHANGES);
      expect(recovered.truncatedTail).to.deep.equal({ file, offset: whole.length, bytes: 4096 });
    });

    it('a flipped byte anywhere in an earlier record is refused, naming the file and the offset, and the file is left as it was', async () => {
      const { dir, file, offsets } = await written(MULTI_CHANGES);
      const whole = fs.readFileSync(file);
      // Every byte of the first and of the second-to-last record: frame and payload.
      for (const k of [0, offsets.length - 2]) {
        const start = offsets[k] as number;
        const end = offsets[k + 1] as number;
        for (let at = start; at < end; at += 1) {
          const damaged = Buffer.from(whole);
          damaged[at] = (damaged[at] as number) ^ 0x10;
          fs.writeFileSync(file, damaged);
          const log = multiLog(dir);
          const err = await rejection(log.open());
          expect(err, `byte ${at}`).to.be.instanceOf(CorruptRecordError);
          expect(err.message, `byte ${at}`).to.match(new RegExp(`^synod: corrupt record in ${escape(file)} at offset ${start}: `));
          expect(fs.readFileSync(file).equals(damaged), `byte ${at}`).to.equal(true);
        }
      }
      fs.writeFileSync(file, whole);
      const log = multiLog(dir);
      expect((await log.open()).changes).to.deep.equal(MULTI_CHANGES);
      await log.close();
    });

    it('names the reason: a checksum that fails before intact records', async () => {
      const { dir, file, offsets } = await written(MULTI_CHANGES);
      const damaged = fs.readFileSync(file);
      const at = (offsets[1] as number) + 12;
      damaged[at] = (damaged[at] as number) ^ 0x01;
      fs.writeFileSync(file, damaged);
      const err = await rejection(multiLog(dir).open());
      expect(err.message).to.equal(`synod: corrupt record in ${file} at offset ${offsets[1]}: crc mismatch (an intact record follows at offset ${offsets[2]})`);
    });

    it('a record whose checksum holds but does not decode is corruption, not a torn tail', async () => {
      const dir = tempDir();
      const raw = new FileLog<unknown, unknown>({ directory: dir, cluster: 'harbor', node: 1 });
      await raw.open();
      raw.append([{ kind: 'promise', ballot: { round: 1, node: 1 } }, { kind: 'elect', who: 3 }]);
      await raw.sync();
      await raw.close();
      const err = await rejection(multiLog(dir).open());
      expect(err.message).to.match(/corrupt record in .* at offset \d+: the checksum holds but the payload does not decode \(unknown Multi-Paxos change kind "elect"\)/);
    });

    it('refuses a data directory of another cluster, or of another node, in one line naming both', async () => {
      const dir = tempDir();
      const log = multiLog(dir, { cluster: 'A' });
      await log.open();
      await log.close();
      const other = await rejection(multiLog(dir, { cluster: 'B' }).open());
      expect(other.message).to.equal(`synod: data directory ${dir} belongs to cluster A, not B`);
      const node = await rejection(multiLog(dir, { cluster: 'A', node: 2 }).open());
      expect(node.message).to.equal(`synod: data directory ${dir} belongs to node 1 of cluster A, not node 2`);
    });

    it('refuses a file that is not a synod log, or of a format version it does not read', async () => {
      const dir = tempDir();
      const log = multiLog(dir);
      await log.open();
      await log.close();
      const file = path.join(dir, LOG0);
      const whole = fs.readFileSync(file);
      const version = Buffer.from(whole);
      version.writeUInt32LE(9, 8);
      fs.writeFileSync(file, version);
      expect((await rejection(multiLog(dir).open())).message).to.equal(`synod: ${file} has format version 9; this synod reads version 1`);
      fs.writeFileSync(file, 'hello');
      expect((await rejection(multiLog(dir).open())).message).to.match(/is not a synod data file/);
      fs.writeFileSync(file, whole.subarray(0, whole.length - 2));
      expect((await rejection(multiLog(dir).open())).message).to.match(/corrupt record in .* at offset 12: header record/);
    });

    it('a data directory that is a file is refused in one line', async () => {
      const file = path.join(tempDir(), 'data');
      fs.writeFileSync(file, 'not a directory');
      expect((await rejection(multiLog(file).open())).message).to.match(new RegExp(`^synod: creating the data directory ${escape(file)} failed \\(EEXIST: [^\\n]*\\)$`));
    });

    it('one process per data directory: a second open is refused while the first holds the LOCK', async () => {
      const dir = tempDir();
      const first = multiLog(dir);
      await first.open();
      expect((await rejection(multiLog(dir).open())).message).to.equal(`synod: data directory ${dir} is already open in this process`);
      await first.close();
      const second = multiLog(dir);
      await second.open();
      await second.close();
      expect(fs.readdirSync(dir)).not.to.include('LOCK');
    });

    it('a LOCK of a live process is refused; a LOCK of a process that is gone is taken over', async () => {
      const dir = tempDir();
      const setup = multiLog(dir);
      await setup.open();
      await setup.close();
      const lock = path.join(dir, 'LOCK');
      fs.writeFileSync(lock, `${process.ppid}\n`);
      expect((await rejection(multiLog(dir).open())).message).to.equal(`synod: data directory ${dir} is in use by process ${process.ppid} (remove ${lock} if that process is not a synod node)`);
      const gone = spawnSync(process.execPath, ['-e', '0']).pid;
      fs.writeFileSync(lock, `${gone}\n`);
      const log = multiLog(dir);
      await log.open();
      expect(fs.readFileSync(lock, 'utf8')).to.equal(`${process.pid}\n`);
      await log.close();
    });

    it('refuses a log whose snapshot is missing', async () => {
      const dir = tempDir();
      const log = multiLog(dir);
      await log.open();
      await log.writeSnapshot(fold(MULTI_CHANGES) as MultiRecord<Op>, []);
      await log.close();
      fs.unlinkSync(path.join(dir, 'snapshot-0000000001'));
      expect((await rejection(multiLog(dir).open())).message).to.match(/has log-0000000001 but not its snapshot/);
    });
  });

  describe('snapshots', () => {
    it('snapshot then restart: the record and the changes after it come back; the old generation is gone', async () => {
      const dir = tempDir();
      const log = multiLog(dir);
      await log.open();
      log.append(MULTI_CHANGES.slice(0, 4));
      await log.sync();
      const record = fold(MULTI_CHANGES.slice(0, 4)) as MultiRecord<Op>;
      await log.writeSnapshot(record, MULTI_CHANGES.slice(4, 5));
      log.append(MULTI_CHANGES.slice(5));
      await log.sync();
      expect(log.stats()).to.include({ generation: 1, recordsSinceSnapshot: 3, snapshots: 1 });
      await log.close();
      expect(fs.readdirSync(dir).sort()).to.deep.equal(['log-0000000001', 'snapshot-0000000001']);
      const again = multiLog(dir);
      const recovered = await again.open();
      await again.close();
      expect(plainMulti(recovered.snapshot)).to.deep.equal(plainMulti(record));
      expect(recovered.changes).to.deep.equal(MULTI_CHANGES.slice(4));
      expect(plainMulti(recoverMultiPaxos(recovered))).to.deep.equal(plainMulti(fold(MULTI_CHANGES)));
    });

    it('changes appended before a snapshot and not synced are superseded by it; those appended after it are kept', async () => {
      const dir = tempDir();
      const log = multiLog(dir);
      await log.open();
      log.append(MULTI_CHANGES.slice(0, 2));
      const pending = log.sync();
      log.append(MULTI_CHANGES.slice(2, 4));
      const snap = log.writeSnapshot(fold(MULTI_CHANGES.slice(0, 4)) as MultiRecord<Op>, []);
      log.append(MULTI_CHANGES.slice(4));
      const after = log.sync();
      await Promise.all([pending, snap, after]);
      await log.close();
      const again = multiLog(dir);
      const recovered = await again.open();
      await again.close();
      expect(recovered.changes).to.deep.equal(MULTI_CHANGES.slice(4));
      expect(plainMulti(recoverMultiPaxos(recovered))).to.deep.equal(plainMulti(fold(MULTI_CHANGES)));
    });

    it('a crash at any point of writing a snapshot leaves the old pair or the new one, never a mix', async () => {
      const outcomes = await crashPoints({});
      // The early crash points keep the old pair, the later ones the new, and nothing else happens.
      expect(outcomes.length).to.be.greaterThan(8);
      const firstNew = outcomes.indexOf('new');
      expect(firstNew).to.be.greaterThan(0);
      expect(outcomes.slice(0, firstNew).every((o) => o === 'old'), outcomes.join(', ')).to.equal(true);
      expect(outcomes.slice(firstNew).every((o) => o === 'new'), outcomes.join(', ')).to.equal(true);
    });

    it('the crash-point check catches a snapshot switch that is not atomic (a rename that copies in place)', async () => {
      const outcomes = await crashPoints({ renameInPlace: true });
      expect(outcomes.filter((o) => o !== 'old' && o !== 'new')).not.to.deep.equal([]);
    });
  });

  describe('preallocation (zeros written ahead of the records)', () => {
    const AHEAD = 16 * 1024;
    /** Appends every change with a sync each, letting the zeros ahead be written between syncs. */
    async function fill(log: FileLog<MultiChange, MultiRecord<Op>>, changes: readonly MultiChange[], rounds: number): Promise<MultiChange[]> {
      const all: MultiChange[] = [];
      for (let r = 0; r < rounds; r += 1) {
        for (const c of changes) {
          log.append([c]);
          all.push(c);
          await log.sync();
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
      return all;
    }

    it('keeps zeros written ahead of the last record, and recovery reads them as the end of the log, not a torn tail', async () => {
      const dir = tempDir();
      const file = path.join(dir, LOG0);
      let log = multiLog(dir, { preallocate: AHEAD });
      await log.open();
      // Enough records to pass the space ahead several times over.
      const changes = await fill(log, MULTI_CHANGES, 120);
      await log.close();
      const records = log.stats().bytesSinceSnapshot;
      const size = fs.statSync(file).size;
      expect(records, 'the records passed the first space ahead').to.be.above(2 * AHEAD);
      expect(size - records, 'zeros ahead of the records').to.be.at.least(AHEAD / 2);
      const bytes = fs.readFileSync(file);
      expect(bytes.subarray(size - AHEAD / 2).every((b) => b === 0)).to.equal(true);
      log = multiLog(dir, { preallocate: AHEAD });
      const recovered = await log.open();
      expect(recovered.changes).to.deep.equal(changes);
      expect(recovered.truncatedTail).to.equal(undefined);
      // It goes on after the recovered records, over the zeros.
      log.append([MULTI_CHANGES[0]!]);
      await log.sync();
      await log.close();
      log = multiLog(dir, { preallocate: AHEAD });
      expect((await log.open()).changes).to.deep.equal([...changes, MULTI_CHANGES[0]]);
      await log.close();
    });

    it('a torn record before the zeros is cut off and reported; a damaged record with intact ones after it is refused', async () => {
      const { dir, file, offsets, end } = await written(MULTI_CHANGES, { preallocate: AHEAD });
      const whole = fs.readFileSync(file);
      expect(whole.length, 'zeros follow the records').to.be.above(end);
      // The last record's first half reached the disk, its second half did not (zeros): a crash mid-write.
      const lastStart = offsets[offsets.length - 1]!;
      const torn = Buffer.from(whole);
      torn.fill(0, lastStart + Math.floor((end - lastStart) / 2), end);
      fs.writeFileSync(file, torn);
      const log = multiLog(dir, { preallocate: AHEAD });
      const recovered = await log.open();
      await log.close();
      expect(recovered.changes).to.deep.equal(MULTI_CHANGES.slice(0, -1));
      expect(recovered.truncatedTail).to.deep.equal({ file, offset: lastStart, bytes: whole.length - lastStart });
      // A flipped byte in the first record, intact records after it: corruption, whatever zeros follow.
      const damaged = Buffer.from(whole);
      damaged[offsets[0]! + 10] = (damaged[offsets[0]! + 10] as number) ^ 0x01;
      fs.writeFileSync(file, damaged);
      const err = await rejection(multiLog(dir, { preallocate: AHEAD }).open());
      expect(err).to.be.instanceOf(CorruptRecordError);
      expect(err.message).to.include(`offset ${offsets[0]}`);
    });

    it('without preallocation the same zeros are a torn tail (the option is what tells them apart)', async () => {
      const dir = tempDir();
      const file = path.join(dir, LOG0);
      let log = multiLog(dir, { preallocate: AHEAD });
      await log.open();
      await fill(log, MULTI_CHANGES, 1);
      await log.close();
      const zeros = fs.statSync(file).size - log.stats().bytesSinceSnapshot;
      log = multiLog(dir);
      const recovered = await log.open();
      await log.close();
      expect(recovered.changes).to.deep.equal(MULTI_CHANGES);
      expect(recovered.truncatedTail?.bytes).to.be.above(0);
      expect(zeros).to.be.above(0);
    });

    it('a preallocated log is snapshotted like any other: the new generation gets its own zeros', async () => {
      const dir = tempDir();
      let log = multiLog(dir, { preallocate: AHEAD });
      await log.open();
      await fill(log, MULTI_CHANGES, 3);
      const record = fold([...MULTI_CHANGES, ...MULTI_CHANGES, ...MULTI_CHANGES]) as MultiRecord<Op>;
      await log.writeSnapshot(record, []);
      const after = await fill(log, MULTI_CHANGES, 40);
      await log.close();
      const file = path.join(dir, 'log-0000000001');
      expect(fs.statSync(file).size).to.be.above(log.stats().bytesSinceSnapshot + AHEAD / 4);
      log = multiLog(dir, { preallocate: AHEAD });
      const recovered = await log.open();
      await log.close();
      expect(recovered.changes).to.deep.equal(after);
      expect(recovered.truncatedTail).to.equal(undefined);
      expect(JSON.stringify(plainMulti(recovered.snapshot))).to.equal(JSON.stringify(plainMulti(record)));
    });

    it('a disk too full for the zeros stops only the preallocation: the records are appended and recovered as before', async () => {
      const dir = tempDir();
      const file = path.join(dir, LOG0);
      // Every write of zeros ahead fails as on a full disk; the records' own writes succeed.
      const fullForZeros: StorageFs = {
        ...nodeFs,
        async open(name, mode) {
          const real = await nodeFs.open(name, mode);
          return { ...real, write: (d, p) => (d.length > 0 && d.every((b) => b === 0) ? Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })) : real.write(d, p)), datasync: () => real.datasync(), sync: () => real.sync(), truncate: (n) => real.truncate(n), close: () => real.close() };
        },
      };
      let log = multiLog(dir, { preallocate: AHEAD, fs: fullForZeros });
      await log.open();
      const header = fs.statSync(file).size;
      const changes = await fill(log, MULTI_CHANGES, 3);
      await log.close();
      expect(fs.statSync(file).size, 'no zeros ahead: the file ends with its last record').to.equal(header + log.stats().bytesSinceSnapshot);
      log = multiLog(dir, { preallocate: AHEAD });
      const recovered = await log.open();
      await log.close();
      expect(recovered.changes).to.deep.equal(changes);
      expect(recovered.truncatedTail).to.equal(undefined);
    });

    it('refuses a preallocation that is not a whole number of bytes', () => {
      expect(() => multiLog(tempDir(), { preallocate: -1 })).to.throw(/preallocate is a whole number of bytes >= 0, got -1/);
      expect(() => multiLog(tempDir(), { preallocate: 1.5 })).to.throw(/preallocate/);
    });
  });

  describe('file-system failures', () => {
    it('a failing fdatasync rejects sync with the file and the error, and the log stays failed', async () => {
      const dir = tempDir();
      const log = multiLog(dir, { fs: failingFs('datasync', 'EIO') });
      await log.open();
      log.append([MULTI_CHANGES[0] as MultiChange]);
      const err = await rejection(log.sync());
      expect(err.message).to.equal(`synod: fdatasync of ${path.join(dir, LOG0)} failed (EIO: injected failure, fdatasync); the node must stop`);
      log.append([MULTI_CHANGES[1] as MultiChange]);
      expect(await rejection(log.sync())).to.equal(err);
      expect(await rejection(log.writeSnapshot(fold(MULTI_CHANGES) as MultiRecord<Op>, []))).to.equal(err);
      await log.close();
    });

    it('a full disk (ENOSPC on write) rejects sync', async () => {
      const dir = tempDir();
      const setup = multiLog(dir);
      await setup.open();
      await setup.close();
      const log = multiLog(dir, { fs: failingFs('write', 'ENOSPC') });
      await log.open();
      log.append([MULTI_CHANGES[0] as MultiChange]);
      expect((await rejection(log.sync())).message).to.match(/^synod: writing .*log-0000000000 failed \(ENOSPC: injected failure, write\); the node must stop$/);
      await log.close();
    });

    it('a crash between the write and the fdatasync loses at most the unsynced batch, and recovery reads the rest', async () => {
      const dir = tempDir();
      const setup = multiLog(dir);
      await setup.open();
      setup.append(MULTI_CHANGES.slice(0, 3));
      await setup.sync();
      await setup.close();
      // Calls of this open: open the log file for writing (1). Then the flush: write (2), fdatasync (3).
      const crash = crashingFs(3);
      const log = multiLog(dir, { fs: crash.fs });
      await log.open();
      log.append(MULTI_CHANGES.slice(3));
      expect(await rejection(log.sync())).to.be.instanceOf(Error);
      expect(crash.seen()).to.equal(3);
      await log.close().catch(() => undefined);
      const again = multiLog(dir);
      const recovered = await again.open();
      await again.close();
      // The written batch reached the page cache, which a process crash does not lose.
      expect(recovered.changes.slice(0, 3)).to.deep.equal(MULTI_CHANGES.slice(0, 3));
      expect(MULTI_CHANGES.slice(0, recovered.changes.length)).to.deep.equal(recovered.changes);
    });
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

async function expectRejection(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  expect((await rejection(p)).message).to.match(pattern);
}

