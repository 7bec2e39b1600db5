/**
 * The durable log in memory, for tests of the node driver: the same interface and the same
 * promises as the file log (the same group-commit queue), over a `MemoryDisk` that outlives
 * the log. `crash()` is a process crash: the changes appended and not yet synced are gone, and
 * a new MemoryLog over the same disk recovers exactly what was synced.
 *
 * With a codec, every value goes through it on the way to the disk and back (a faithful copy,
 * and a test that the value is encodable); without one, values are kept by reference, which is
 * right for the immutable data the protocols produce.
 */
import type { DurableLog, Recovered } from '../contracts';
import type { Codec } from './codec';
import { CommitQueue } from './commit-queue';

/** A value as the disk keeps it. */
interface Stored<T> {
  load(): T;
}

function store<T>(value: T, codec: Codec<T> | undefined): Stored<T> {
  if (codec === undefined) return { load: () => value };
  const bytes = codec.encode(value);
  return { load: () => codec.decode(bytes) };
}

/** What survives a crash of a MemoryLog: the last snapshot and the synced changes after it. */
export class MemoryDisk<C, Snap> {
  snapshot: Stored<Snap> | undefined = undefined;
  changes: Stored<C>[] = [];
  /** Flushes that reached this disk (one per group commit that had records). */
  flushes = 0;

  /** What recovery would find now. */
  contents(): { snapshot: Snap | undefined; changes: C[] } {
    return { snapshot: this.snapshot?.load(), changes: this.changes.map((c) => c.load()) };
  }
}

export interface MemoryLogOptions<C, Snap> {
  readonly disk?: MemoryDisk<C, Snap>;
  readonly changeCodec?: Codec<C>;
  readonly snapshotCodec?: Codec<Snap>;
}

export class MemoryLog<C, Snap> implements DurableLog<C, Snap> {
  readonly disk: MemoryDisk<C, Snap>;
  private readonly queue: CommitQueue<Stored<C>>;
  private state: 'new' | 'open' | 'closed' | 'crashed' = 'new';
  private failure: Error | null = null;
  private syncCalls = 0;
  private appended = 0;

  constructor(private readonly options: MemoryLogOptions<C, Snap> = {}) {
    this.disk = options.disk ?? new MemoryDisk<C, Snap>();
    this.queue = new CommitQueue<Stored<C>>((batch) => this.flush(batch));
  }

  open(): Promise<Recovered<C, Snap>> {
    if (this.state !== 'new') return Promise.reject(new Error(`synod: a memory log is opened once (it is ${this.state})`));
    this.state = 'open';
    return Promise.resolve(this.disk.contents());
  }

  private requireOpen(doing: string): void {
    if (this.state !== 'open') throw new Error(`synod: ${doing} on a memory log that is ${this.state === 'new' ? 'not open yet' : this.state}`);
  }

  append(changes: readonly C[]): void {
    this.requireOpen('append');
    const stored = changes.map((c) => store(c, this.options.changeCodec));
    for (const s of stored) this.queue.add(s);
    this.appended += changes.length;
  }

  sync(): Promise<void> {
    try {
      this.requireOpen('sync');
    } catch (e) {
      return Promise.reject(e);
    }
    this.syncCalls += 1;
    return this.queue.sync();
  }

  /** Makes the next flush fail with `error`, as a failed fdatasync would (the log is failed from then on). */
  failNextSync(error: Error): void {
    this.failure = error;
  }

  private flush(batch: readonly Stored<C>[]): Promise<void> {
    if (this.state === 'crashed') return Promise.reject(new Error('synod: the memory log crashed before this sync reached its disk'));
    if (this.failure !== null) return Promise.reject(this.failure);
    this.disk.changes.push(...batch);
    this.disk.flushes += 1;
    return Promise.resolve();
  }

  writeSnapshot(snapshot: Snap, changesAfter: readonly C[]): Promise<void> {
    let snap: Stored<Snap>;
    let after: Stored<C>[];
    try {
      this.requireOpen('writeSnapshot');
      snap = store(snapshot, this.options.snapshotCodec);
      after = changesAfter.map((c) => store(c, this.options.changeCodec));
    } catch (e) {
      return Promise.reject(e);
    }
    return this.queue.replace(() => {
      if (this.state === 'crashed') return Promise.reject(new Error('synod: the memory log crashed before this snapshot reached its disk'));
      this.disk.snapshot = snap;
      this.disk.changes = after;
      return Promise.resolve();
    });
  }

  /** A process crash: unsynced changes are lost, operations not yet run never reach the disk. */
  crash(): void {
    this.state = 'crashed';
  }

  stats(): { appended: number; syncCalls: number; buffered: number; durableChanges: number; flushes: number } {
    return { appended: this.appended, syncCalls: this.syncCalls, buffered: this.queue.buffered, durableChanges: this.disk.changes.length, flushes: this.disk.flushes };
  }

  async close(): Promise<void> {
    if (this.state === 'closed' || this.state === 'crashed') return;
    this.state = 'closed';
    await this.queue.drain();
  }
}
