/**
 * Shared by the storage specs: temporary data directories, sample changes of both protocols,
 * records in a comparable form, and file systems that fail or stop dead at a chosen call.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vec from '../../../lib/core/vector';
import type { DurableChange, MultiRecord } from '../../../lib/multipaxos/state';
import type { PersistChange, RaftRecord } from '../../../lib/raft/state';
import type { StorageFile, StorageFs } from '../../../lib/runtime/storage';
import { FileLog, multiPaxosCodecs, nodeFs, raftCodecs } from '../../../lib/runtime/storage';

export type Op = { readonly set: string; readonly value: string };
export type MultiChange = DurableChange<Op>;
export type RaftChange = PersistChange<Op>;

const made: string[] = [];

/** A fresh directory under the OS's temporary directory, removed by `removeTempDirs`. */
export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synod-storage-'));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

export function multiLog(dir: string, extra: { cluster?: string; node?: number; fs?: StorageFs; maxRecordSize?: number; preallocate?: number } = {}): FileLog<MultiChange, MultiRecord<Op>> {
  return new FileLog<MultiChange, MultiRecord<Op>>({
    directory: dir,
    cluster: extra.cluster ?? 'harbor',
    node: extra.node ?? 1,
    ...multiPaxosCodecs<Op>(),
    ...(extra.fs === undefined ? {} : { fs: extra.fs }),
    ...(extra.maxRecordSize === undefined ? {} : { maxRecordSize: extra.maxRecordSize }),
    ...(extra.preallocate === undefined ? {} : { preallocate: extra.preallocate }),
  });
}

export function raftLog(dir: string): FileLog<RaftChange, RaftRecord<Op>> {
  return new FileLog<RaftChange, RaftRecord<Op>>({ directory: dir, cluster: 'harbor', node: 1, ...raftCodecs<Op>() });
}

const cmd = (client: string, seq: number, value: string) => ({ client, seq, op: { set: 'S12', value } });

/** Every kind of Multi-Paxos change, in an order a node could log them. */
export const MULTI_CHANGES: readonly MultiChange[] = [
  { kind: 'promise', ballot: { round: 41, node: 2 } },
  { kind: 'vote', slot: 812, ballot: { round: 41, node: 2 }, value: { kind: 'batch', commands: [cmd('terminal-a', 1, '#8841')] } },
  { kind: 'vote', slot: 813, ballot: { round: 41, node: 2 }, value: { kind: 'noop' } },
  { kind: 'learned', slot: 812, value: { kind: 'batch', commands: [cmd('terminal-a', 1, '#8841')] } },
  { kind: 'promise', ballot: { round: 42, node: 3 } },
  { kind: 'vote', slot: 812, ballot: { round: 42, node: 3 }, value: { kind: 'batch', commands: [cmd('terminal-a', 1, '#8841'), cmd('terminal-b', 7, '#8849 "quoted" é')] } },
  { kind: 'learned', slot: 0, value: { kind: 'noop' } },
];

/** Every kind of Raft change, valid in this order. */
export const RAFT_CHANGES: readonly RaftChange[] = [
  { kind: 'hard-state', currentTerm: 41, votedFor: 2 },
  { kind: 'append', index: 1, entries: [{ term: 41, kind: 'noop' }, { term: 41, kind: 'command', command: cmd('terminal-a', 1, '#8841') }] },
  { kind: 'append', index: 3, entries: [{ term: 41, kind: 'command', command: cmd('terminal-b', 1, '#8849') }] },
  { kind: 'hard-state', currentTerm: 42, votedFor: 3 },
  { kind: 'truncate', from: 3 },
  { kind: 'append', index: 3, entries: [{ term: 42, kind: 'noop' }] },
];

/** A Multi-Paxos record as plain arrays (holes as null), for deep comparison. */
export function plainMulti(r: MultiRecord<Op> | undefined): unknown {
  if (r === undefined) return undefined;
  return { promised: r.promised, votes: vec.range(r.votes, 0).map((v) => v ?? null), log: vec.range(r.log, 0).map((v) => v ?? null) };
}

export function plainRaft(r: RaftRecord<Op> | undefined): unknown {
  if (r === undefined) return undefined;
  return { currentTerm: r.currentTerm, votedFor: r.votedFor, log: vec.range(r.log, 0) };
}

export function errnoError(code: string, syscall: string): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(`${code}: injected failure, ${syscall}`);
  e.code = code;
  e.syscall = syscall;
  return e;
}

/** The real file system, except that every opened file's `datasync` (or `write`) fails with `code`. */
export function failingFs(call: 'datasync' | 'write', code: string): StorageFs {
  return {
    ...nodeFs,
    async open(file, mode) {
      const real = await nodeFs.open(file, mode);
      const failing: StorageFile = {
        write: call === 'write' ? () => Promise.reject(errnoError(code, 'write')) : (d, p) => real.write(d, p),
        datasync: call === 'datasync' ? () => Promise.reject(errnoError(code, 'fdatasync')) : () => real.datasync(),
        sync: () => real.sync(),
        truncate: (n) => real.truncate(n),
        close: () => real.close(),
      };
      return failing;
    },
  };
}

export class Crash extends Error {}

/**
 * The real file system until its `calls`-th state-changing call, which never happens (a write
 * there writes half its bytes first, as a torn write does), nor does any call after it: what
 * is on disk then is what a crash at that point leaves. `seen` counts the calls made.
 * `renameInPlace` makes rename non-atomic, for the broken variant the crash-point test rejects.
 */
export function crashingFs(calls: number, broken: { renameInPlace?: boolean } = {}): { fs: StorageFs; seen: () => number } {
  let count = 0;
  const step = (): void => {
    count += 1;
    if (count >= calls) throw new Crash(`crashed at call ${count}`);
  };
  const guarded = <A extends unknown[], T>(f: (...a: A) => Promise<T>) => async (...a: A): Promise<T> => {
    step();
    return f(...a);
  };
  const fs: StorageFs = {
    mkdir: nodeFs.mkdir,
    readdir: nodeFs.readdir,
    readFile: nodeFs.readFile,
    async open(file, mode) {
      step();
      const real = await nodeFs.open(file, mode);
      return {
        async write(data, position) {
          try {
            step();
          } catch (e) {
            if (count === calls) await real.write(data.subarray(0, Math.floor(data.length / 2)), position);
            throw e;
          }
          return real.write(data, position);
        },
        datasync: guarded(() => real.datasync()),
        sync: guarded(() => real.sync()),
        truncate: guarded((n: number) => real.truncate(n)),
        // Closing is not a state change; a crash closes every file anyway.
        close: () => real.close(),
      };
    },
    // The broken variant: a "rename" that copies into the target in place, a step at a time.
    rename: broken.renameInPlace === true
      ? async (from, to) => {
          step();
          const data = await nodeFs.readFile(from);
          const target = await nodeFs.open(to, 'create');
          try {
            step();
            await target.write(data, 0);
          } finally {
            await target.close();
          }
          await nodeFs.unlink(from);
        }
      : guarded(nodeFs.rename),
    unlink: guarded(nodeFs.unlink),
    syncDir: guarded(nodeFs.syncDir),
    createExclusive: nodeFs.createExclusive,
  };
  return { fs, seen: () => count };
}
