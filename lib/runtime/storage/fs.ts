/**
 * The file-system calls the file log makes, as one small seam: the real one is node:fs, and a
 * test wraps it to fail an fdatasync (EIO, ENOSPC) or to stop dead at a chosen call, which is
 * what a crash at that point leaves on disk.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';

export interface StorageFile {
  /** Writes all of `data` at `position`. */
  write(data: Uint8Array, position: number): Promise<void>;
  /** fdatasync(2): the data and the size, not the other metadata. */
  datasync(): Promise<void>;
  /** fsync(2). */
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

export interface StorageFs {
  mkdir(dir: string): Promise<void>;
  readdir(dir: string): Promise<string[]>;
  readFile(file: string): Promise<Buffer>;
  /** `create` makes an empty file (replacing one left over); `write` opens an existing one. */
  open(file: string, mode: 'create' | 'write'): Promise<StorageFile>;
  rename(from: string, to: string): Promise<void>;
  unlink(file: string): Promise<void>;
  /** fsync(2) on the directory, so that a rename or an unlink in it is durable. */
  syncDir(dir: string): Promise<void>;
  /** Creates `file` holding `content` if no such file exists (O_EXCL); false if one does. */
  createExclusive(file: string, content: string): Promise<boolean>;
}

/** The largest write made on the event loop's thread (NodeFile `write`). */
export const SYNC_WRITE_LIMIT = 256 * 1024;

class NodeFile implements StorageFile {
  constructor(private readonly handle: fsp.FileHandle) {}

  /**
   * A write of up to `SYNC_WRITE_LIMIT` bytes (every group commit of a busy node) is made on the
   * calling thread: it only copies into the page cache, which takes microseconds, while a trip
   * through libuv's thread pool costs two thread wake-ups; the fdatasync that follows is what
   * waits for the disk, and it stays off the event loop. Larger writes (snapshots) go through
   * the pool, so the event loop never stalls behind them.
   */
  async write(data: Uint8Array, position: number): Promise<void> {
    let done = 0;
    if (data.length <= SYNC_WRITE_LIMIT) {
      while (done < data.length) done += fs.writeSync(this.handle.fd, data, done, data.length - done, position + done);
      return;
    }
    while (done < data.length) {
      const { bytesWritten } = await this.handle.write(data, done, data.length - done, position + done);
      done += bytesWritten;
    }
  }

  datasync(): Promise<void> {
    return this.handle.datasync();
  }

  sync(): Promise<void> {
    return this.handle.sync();
  }

  truncate(length: number): Promise<void> {
    return this.handle.truncate(length);
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** The real file system. */
export const nodeFs: StorageFs = {
  async mkdir(dir) {
    await fsp.mkdir(dir, { recursive: true });
  },
  readdir: (dir) => fsp.readdir(dir),
  readFile: (file) => fsp.readFile(file),
  async open(file, mode) {
    return new NodeFile(await fsp.open(file, mode === 'create' ? 'w' : 'r+'));
  },
  rename: (from, to) => fsp.rename(from, to),
  unlink: (file) => fsp.unlink(file),
  async createExclusive(file, content) {
    try {
      await fsp.writeFile(file, content, { flag: 'wx' });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
  },
  async syncDir(dir) {
    const handle = await fsp.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};
