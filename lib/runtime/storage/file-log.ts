/**
 * A write-ahead log of a protocol's persist changes on a real disk (docs/storage.md).
 *
 * A data directory holds one generation of state: `snapshot-G` (none for generation 0) and
 * `log-G`, the changes after it. `append` frames and buffers; `sync` writes every buffered
 * record in one write and makes it durable with one fdatasync (group commit). `writeSnapshot`
 * starts generation G+1: snapshot-(G+1) through a temporary file, fsync, rename and a directory
 * fsync, then log-(G+1) holding the changes after it, the same way. The rename of log-(G+1) is
 * the commit point: recovery reads the highest generation that has a log, so a crash at any
 * point leaves either the old pair or the new one, and never the new snapshot with the old log.
 *
 * Recovery (`open`) replays the snapshot, then the log. A torn record at the tail of the log
 * (the unsynced last write of a crashed process) is cut off with ftruncate and fsync and
 * reported; a damaged record that intact records follow is corruption: `open` rejects naming
 * the file and the offset, and changes nothing.
 *
 * Preallocation (`preallocate`, off by default; `synod node` turns it on): the log is kept
 * `preallocate` bytes of written zeros ahead of its last record, so that a group commit
 * overwrites blocks the file already has, and its fdatasync writes the data alone, not also
 * the inode of a file that grew (ext4 without a journal, as here, writes that inode
 * synchronously: a second I/O per sync). The zeros are written (and synced) in the background
 * once the records pass half of the space ahead; a flush that would write into space still
 * being zeroed waits for it. Recovery then reads zeros after the last record as the end of
 * the log, not as a torn tail.
 */
import * as path from 'node:path';
import type { NodeId } from '../../core/types';
import type { DurableLog, Recovered } from '../contracts';
import type { Codec } from './codec';
import { jsonCodec } from './codec';
import { CommitQueue } from './commit-queue';
import { CorruptRecordError, encodeHeader, frame, readHeader, recordAt, scanRecords, MAX_LENGTH } from './format';
import type { FileHeader, FileKind } from './format';
import type { StorageFile, StorageFs } from './fs';
import { nodeFs } from './fs';

export const DEFAULT_MAX_RECORD_SIZE = 4 * 1024 * 1024;

export interface FileLogOptions<C, Snap> {
  /** The node's data directory; created if missing. */
  readonly directory: string;
  /** Written into every file's header; a directory of another cluster is refused. */
  readonly cluster: string;
  readonly node: NodeId;
  /** Default: JSON. */
  readonly changeCodec?: Codec<C>;
  /** Default: JSON (a protocol record with persistent vectors needs its own: see recover.ts). */
  readonly snapshotCodec?: Codec<Snap>;
  /** The largest encoded change, in bytes (default 4 MiB); a larger one is refused at `append`. */
  readonly maxRecordSize?: number;
  /** The file system (tests inject failures through it). */
  readonly fs?: StorageFs;
  /**
   * Called after each flush: how many records and bytes one fdatasync made durable, and how long
   * it took (for metrics). It must not throw: an error it throws fails that sync like a disk error.
   */
  readonly onSync?: (report: SyncReport) => void;
  /** Bytes of zeros kept written ahead of the last record (0, the default: none). */
  readonly preallocate?: number;
}

export interface SyncReport {
  readonly records: number;
  readonly bytes: number;
  /** The write and the fdatasync, in seconds. */
  readonly writeSeconds: number;
  readonly fdatasyncSeconds: number;
}

export interface FileLogStats {
  readonly generation: number;
  /** Records and bytes in the current log segment (synced), since the last snapshot. */
  readonly recordsSinceSnapshot: number;
  readonly bytesSinceSnapshot: number;
  /** Appended, not yet taken by a flush. */
  readonly buffered: number;
  readonly flushes: number;
  readonly snapshots: number;
}

/** Data directories open in this process (resolved paths of their LOCK files). */
const held = new Set<string>();

/** Whether a process with this id exists (EPERM: it does, and belongs to someone else). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const LOG_NAME = /^log-(\d{10})$/;
const SNAPSHOT_NAME = /^snapshot-(\d{10})$/;

function fileName(kind: FileKind, generation: number): string {
  return `${kind}-${String(generation).padStart(10, '0')}`;
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Wraps a file-system error in a sentence that says what the log was doing (and, once running, that the node must stop). */
function fsError(doing: string, file: string, e: unknown, running = true): Error {
  const err = e as NodeJS.ErrnoException;
  const code = err.code === undefined ? '' : `${err.code}: `;
  const message = err.message?.startsWith(code) ? err.message : `${code}${err.message ?? String(e)}`;
  return new Error(`synod: ${doing} ${file} failed (${message})${running ? '; the node must stop' : ''}`, { cause: e });
}

export class FileLog<C, Snap> implements DurableLog<C, Snap> {
  private readonly fs: StorageFs;
  private readonly changeCodec: Codec<C>;
  private readonly snapshotCodec: Codec<Snap>;
  private readonly maxRecordSize: number;
  private readonly queue: CommitQueue<Buffer>;
  private state: 'new' | 'opening' | 'open' | 'closed' = 'new';
  private file: StorageFile | null = null;
  private generation = 0;
  private size = 0;
  private headerBytes = 0;
  private records = 0;
  private flushes = 0;
  private snapshots = 0;
  private lockFile: string | null = null;
  /** `options.preallocate`, or 0 once a write of zeros failed. */
  private preallocate: number;
  /** The end of the zeros written and synced ahead of the records (the file's end, when none are). */
  private allocated = 0;
  /** Zeros being written in the background, from `zeroingFrom` on; it never rejects. */
  private extending: Promise<void> | null = null;
  private zeroingFrom = 0;

  constructor(private readonly options: FileLogOptions<C, Snap>) {
    const max = options.maxRecordSize ?? DEFAULT_MAX_RECORD_SIZE;
    if (!Number.isInteger(max) || max < 1 || max > MAX_LENGTH) throw new Error(`synod: maxRecordSize must be a whole number of bytes in [1, ${MAX_LENGTH}], got ${max}`);
    if (!Number.isInteger(options.node) || options.node < 1) throw new Error(`synod: a node id is a whole number >= 1, got ${options.node}`);
    if (options.cluster.length === 0) throw new Error('synod: the cluster id must not be empty');
    this.maxRecordSize = max;
    this.fs = options.fs ?? nodeFs;
    this.changeCodec = options.changeCodec ?? jsonCodec<C>();
    this.snapshotCodec = options.snapshotCodec ?? jsonCodec<Snap>();
    this.queue = new CommitQueue<Buffer>((batch) => this.flush(batch));
    const ahead = options.preallocate ?? 0;
    if (!Number.isSafeInteger(ahead) || ahead < 0) throw new Error(`synod: preallocate is a whole number of bytes >= 0, got ${ahead}`);
    this.preallocate = ahead;
  }

  get directory(): string {
    return this.options.directory;
  }

  private path(name: string): string {
    return path.join(this.options.directory, name);
  }

  async open(): Promise<Recovered<C, Snap>> {
    if (this.state !== 'new') throw new Error(`synod: the log of ${this.options.directory} is opened once (it is ${this.state})`);
    this.state = 'opening';
    try {
      return await this.recover();
    } catch (e) {
      this.state = 'closed';
      if (this.file !== null) await this.file.close().catch(() => undefined);
      this.file = null;
      await this.unlock().catch(() => undefined);
      throw e;
    }
  }

  /**
   * One process per data directory: a LOCK file holding the owner's process id, created with
   * O_EXCL. Two nodes writing one log would each vote with state the other does not see. A LOCK
   * whose process is gone (a node killed with -9) is taken over.
   */
  private async lock(): Promise<void> {
    const file = this.path('LOCK');
    const key = path.resolve(file);
    if (held.has(key)) throw new Error(`synod: data directory ${this.options.directory} is already open in this process`);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const created = await this.fs.createExclusive(file, `${process.pid}\n`).catch((e: unknown) => {
        throw fsError('creating', file, e, false);
      });
      if (created) {
        held.add(key);
        this.lockFile = key;
        return;
      }
      const owner = Number((await this.fs.readFile(file).catch(() => Buffer.alloc(0))).toString('utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
        throw new Error(`synod: data directory ${this.options.directory} is in use by process ${owner} (remove ${file} if that process is not a synod node)`);
      }
      await this.fs.unlink(file).catch((e: unknown) => {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw fsError('removing the stale lock', file, e, false);
      });
    }
    throw new Error(`synod: could not take the lock ${file}: another process keeps creating it`);
  }

  private async unlock(): Promise<void> {
    const key = this.lockFile;
    if (key === null) return;
    this.lockFile = null;
    held.delete(key);
    await this.fs.unlink(key).catch((e: unknown) => {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw fsError('removing the lock', key, e, false);
    });
  }

  private async recover(): Promise<Recovered<C, Snap>> {
    const dir = this.options.directory;
    await this.fs.mkdir(dir).catch((e: unknown) => {
      throw fsError('creating the data directory', dir, e, false);
    });
    await this.lock();
    const names = await this.fs.readdir(dir).catch((e: unknown) => {
      throw fsError('listing the data directory', dir, e, false);
    });
    const logs = names.flatMap((n) => LOG_NAME.exec(n)?.[1] ?? []).map(Number).sort((a, b) => a - b);
    const snaps = names.flatMap((n) => SNAPSHOT_NAME.exec(n)?.[1] ?? []).map(Number).sort((a, b) => a - b);
    const generation = logs[logs.length - 1];
    if (generation === undefined) {
      if (snaps.length > 0) throw new Error(`synod: data directory ${dir} has ${fileName('snapshot', snaps[snaps.length - 1] ?? 0)} but no log; it is not a directory this synod wrote`);
      return this.create(names);
    }
    const snapshot = generation === 0 ? undefined : await this.readSnapshot(generation);
    const logFile = this.path(fileName('log', generation));
    const buf = await this.fs.readFile(logFile).catch((e: unknown) => {
      throw fsError('reading', logFile, e, false);
    });
    const { header, start } = readHeader(buf, logFile);
    this.checkHeader(header, 'log', generation, logFile);
    const scan = scanRecords(buf, start, logFile, this.maxRecordSize, { zeroTailIsEnd: this.preallocate > 0 });
    const changes = scan.payloads.map((payload, k) => this.decode(this.changeCodec, payload, logFile, scan.offsets[k] ?? 0));
    this.file = await this.fs.open(logFile, 'write').catch((e: unknown) => {
      throw fsError('opening', logFile, e, false);
    });
    if (scan.torn !== undefined) {
      await this.file.truncate(scan.end).catch((e: unknown) => {
        throw fsError('truncating the torn tail of', logFile, e, false);
      });
      await this.file.sync().catch((e: unknown) => {
        throw fsError('fsync after truncating', logFile, e, false);
      });
    }
    this.generation = generation;
    this.headerBytes = start;
    this.size = scan.end;
    this.allocated = scan.torn === undefined ? buf.length : scan.end;
    this.records = changes.length;
    // Leftovers of a crash: temporary files, and the other generation of an interrupted snapshot.
    const keep = [fileName('log', generation), fileName('snapshot', generation)];
    await this.removeLeftovers(names.filter((n) => n.endsWith('.tmp') || ((LOG_NAME.test(n) || SNAPSHOT_NAME.test(n)) && !keep.includes(n))));
    this.state = 'open';
    const recovered = { snapshot, changes };
    return scan.torn === undefined ? recovered : { ...recovered, truncatedTail: { file: logFile, offset: scan.torn.offset, bytes: scan.torn.bytes } };
  }

  /** A fresh directory: log-0, header only, written whole. */
  private async create(names: readonly string[]): Promise<Recovered<C, Snap>> {
    await this.removeLeftovers(names.filter((n) => n.endsWith('.tmp')));
    const header = encodeHeader(this.header('log', 0));
    await this.writeWhole(fileName('log', 0), header);
    // The directory may be new too: make its own entry durable in its parent.
    const parent = path.dirname(path.resolve(this.options.directory));
    await this.fs.syncDir(parent).catch((e: unknown) => {
      throw fsError('fsync of the directory', parent, e, false);
    });
    this.file = await this.fs.open(this.path(fileName('log', 0)), 'write');
    this.generation = 0;
    this.headerBytes = header.length;
    this.size = header.length;
    this.allocated = header.length;
    this.records = 0;
    this.state = 'open';
    return { snapshot: undefined, changes: [] };
  }

  private async readSnapshot(generation: number): Promise<Snap> {
    const file = this.path(fileName('snapshot', generation));
    let buf: Buffer;
    try {
      buf = await this.fs.readFile(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`synod: data directory ${this.options.directory} has ${fileName('log', generation)} but not its snapshot ${file}`);
      throw fsError('reading', file, e, false);
    }
    const { header, start } = readHeader(buf, file);
    this.checkHeader(header, 'snapshot', generation, file);
    // A snapshot is written whole and fsynced before its rename: any defect is corruption.
    const found = recordAt(buf, start, MAX_LENGTH);
    if (!found.ok) throw new CorruptRecordError(file, start, found.reason);
    if (found.next !== buf.length) throw new CorruptRecordError(file, found.next, `${buf.length - found.next} bytes after the snapshot record`);
    return this.decode(this.snapshotCodec, found.payload, file, start);
  }

  private checkHeader(header: FileHeader, kind: FileKind, generation: number, file: string): void {
    const dir = this.options.directory;
    if (header.cluster !== this.options.cluster) throw new Error(`synod: data directory ${dir} belongs to cluster ${header.cluster}, not ${this.options.cluster}`);
    if (header.node !== this.options.node) throw new Error(`synod: data directory ${dir} belongs to node ${header.node} of cluster ${header.cluster}, not node ${this.options.node}`);
    if (header.kind !== kind || header.generation !== generation) {
      throw new Error(`synod: ${file} says it is ${header.kind} generation ${header.generation}, its name says ${kind} generation ${generation}`);
    }
  }

  private decode<T>(codec: Codec<T>, payload: Buffer, file: string, offset: number): T {
    try {
      return codec.decode(payload);
    } catch (e) {
      throw new CorruptRecordError(file, offset, `the checksum holds but the payload does not decode (${(e as Error).message})`);
    }
  }

  private header(kind: FileKind, generation: number): FileHeader {
    return { kind, cluster: this.options.cluster, node: this.options.node, generation };
  }

  private encodeRecord<T>(codec: Codec<T>, value: T, limit: number): Buffer {
    const payload = codec.encode(value);
    if (payload.length === 0) throw new Error('synod: a codec encoded a value as zero bytes; a record holds at least one');
    if (payload.length > limit) throw new Error(`synod: a record of ${payload.length} bytes exceeds the maximum record size ${limit}`);
    return frame(payload);
  }

  private requireOpen(doing: string): void {
    if (this.state !== 'open') throw new Error(`synod: ${doing} on the log of ${this.options.directory}, which is ${this.state === 'new' || this.state === 'opening' ? 'not open yet' : 'closed'}`);
  }

  append(changes: readonly C[]): void {
    this.requireOpen('append');
    // Encode everything first: a change that cannot be encoded leaves the buffer as it was.
    const framed = changes.map((c) => this.encodeRecord(this.changeCodec, c, this.maxRecordSize));
    for (const f of framed) this.queue.add(f);
  }

  sync(): Promise<void> {
    try {
      this.requireOpen('sync');
    } catch (e) {
      return Promise.reject(e);
    }
    return this.queue.sync();
  }

  private async flush(batch: readonly Buffer[]): Promise<void> {
    const file = this.file;
    const name = this.path(fileName('log', this.generation));
    if (file === null) throw new Error(`synod: no open log file in ${this.options.directory}`);
    const bytes = batch.length === 1 ? (batch[0] as Buffer) : Buffer.concat(batch);
    // Space being zeroed is not written into until the zeros are there (they would land on the records).
    if (this.extending !== null && this.size + bytes.length > this.zeroingFrom) await this.extending;
    const t0 = process.hrtime.bigint();
    await file.write(bytes, this.size).catch((e: unknown) => {
      throw fsError('writing', name, e);
    });
    const t1 = process.hrtime.bigint();
    await file.datasync().catch((e: unknown) => {
      throw fsError('fdatasync of', name, e);
    });
    this.size += bytes.length;
    this.records += batch.length;
    this.flushes += 1;
    this.extendAhead(file);
    this.options.onSync?.({ records: batch.length, bytes: bytes.length, writeSeconds: Number(t1 - t0) / 1e9, fdatasyncSeconds: seconds(t1) });
  }

  /**
   * Starts writing zeros ahead of the records when less than half of `preallocate` is left: from
   * the end of the file (or of the records, if they passed it) to `preallocate` bytes past the
   * records, then an fdatasync, in the background. A failure (a full disk) only stops the
   * preallocation: the records are still appended, and a full disk fails their own write.
   */
  private extendAhead(file: StorageFile): void {
    if (this.preallocate === 0 || this.extending !== null || this.size + this.preallocate / 2 <= this.allocated) return;
    const from = Math.max(this.allocated, this.size);
    const to = this.size + this.preallocate;
    this.zeroingFrom = from;
    this.extending = (async () => {
      const zeros = Buffer.alloc(Math.min(1 << 20, to - from));
      for (let p = from; p < to; p += zeros.length) await file.write(zeros.subarray(0, Math.min(zeros.length, to - p)), p);
      await file.datasync();
      this.allocated = to;
    })()
      .catch(() => {
        this.preallocate = 0;
      })
      .finally(() => {
        this.extending = null;
      });
  }

  writeSnapshot(snapshot: Snap, changesAfter: readonly C[]): Promise<void> {
    let snap: Buffer;
    let after: Buffer[];
    try {
      this.requireOpen('writeSnapshot');
      if (this.queue.failed !== null) throw this.queue.failed;
      snap = this.encodeRecord(this.snapshotCodec, snapshot, MAX_LENGTH);
      after = changesAfter.map((c) => this.encodeRecord(this.changeCodec, c, this.maxRecordSize));
    } catch (e) {
      return Promise.reject(e);
    }
    return this.queue.replace(() => this.replace(snap, after));
  }

  /** Generation G+1: the snapshot, then the log after it, each written whole; then G is removed. */
  private async replace(snap: Buffer, after: readonly Buffer[]): Promise<void> {
    const old = this.generation;
    const next = old + 1;
    await this.writeWhole(fileName('snapshot', next), Buffer.concat([encodeHeader(this.header('snapshot', next)), snap]));
    const header = encodeHeader(this.header('log', next));
    const log = Buffer.concat([header, ...after]);
    await this.writeWhole(fileName('log', next), log);
    // Committed: recovery now reads generation next. Zeros still being written go to the old file first.
    await this.extending;
    const previous = this.file;
    this.file = null;
    // The old log is superseded and everything in it was synced: a failure to close it loses nothing.
    await previous?.close().catch(() => undefined);
    this.file = await this.fs.open(this.path(fileName('log', next)), 'write').catch((e: unknown) => {
      throw fsError('opening', this.path(fileName('log', next)), e);
    });
    this.generation = next;
    this.headerBytes = header.length;
    this.size = log.length;
    this.allocated = log.length;
    this.records = after.length;
    this.snapshots += 1;
    await this.removeLeftovers([fileName('log', old), ...(old === 0 ? [] : [fileName('snapshot', old)])]);
  }

  /** Writes `name` atomically: name.tmp, fsync, rename, fsync the directory. */
  private async writeWhole(name: string, bytes: Buffer): Promise<void> {
    const tmp = this.path(`${name}.tmp`);
    const target = this.path(name);
    let file: StorageFile | null = null;
    try {
      file = await this.fs.open(tmp, 'create');
      await file.write(bytes, 0);
      await file.sync();
      await file.close();
      file = null;
      await this.fs.rename(tmp, target);
      await this.fs.syncDir(this.options.directory);
    } catch (e) {
      await file?.close().catch(() => undefined);
      throw fsError('writing', target, e);
    }
  }

  /** Files no generation needs any more. Gone already is fine; any other failure is reported. */
  private async removeLeftovers(names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    for (const name of names) {
      await this.fs.unlink(this.path(name)).catch((e: unknown) => {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw fsError('removing', this.path(name), e);
      });
    }
    await this.fs.syncDir(this.options.directory).catch((e: unknown) => {
      throw fsError('fsync of the directory', this.options.directory, e);
    });
  }

  stats(): FileLogStats {
    return {
      generation: this.generation,
      recordsSinceSnapshot: this.records,
      bytesSinceSnapshot: this.size - this.headerBytes,
      buffered: this.queue.buffered,
      flushes: this.flushes,
      snapshots: this.snapshots,
    };
  }

  /** Waits for the operations in flight, then closes the file. Changes appended and not synced are not written. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    await this.queue.drain();
    await this.extending;
    const file = this.file;
    this.file = null;
    try {
      if (file !== null) {
        await file.close().catch((e: unknown) => {
          throw fsError('closing', this.path(fileName('log', this.generation)), e);
        });
      }
    } finally {
      await this.unlock();
    }
  }
}
