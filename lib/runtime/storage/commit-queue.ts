/**
 * Group commit, shared by the file log and the memory log so both keep the same promises:
 * - `add` buffers a record; nothing is durable until a sync that took it resolves.
 * - `sync` makes every record added before the call durable. One flush (one write and one
 *   fdatasync) serves every record added since the previous flush began; a `sync` called while
 *   a flush is in flight waits for the next one, which every such call shares.
 * - Operations run one at a time in the order they were asked for (never reordered).
 * - `replace` (a snapshot) supersedes every record added before it, synced or not.
 * - After a failed flush the state on disk is unknown (the page cache may have dropped the
 *   failed pages, PostgreSQL's "fsyncgate"), so the queue is failed for good: every later
 *   operation rejects with the first error and the node must stop.
 */
export class CommitQueue<R> {
  private pending: R[] = [];
  private queued: Promise<void> | null = null;
  private tail: Promise<void> = Promise.resolve();
  private failure: Error | null = null;

  constructor(private readonly flush: (batch: readonly R[]) => Promise<void>) {}

  add(record: R): void {
    this.pending.push(record);
  }

  /** Records added and not yet taken by a flush. */
  get buffered(): number {
    return this.pending.length;
  }

  get failed(): Error | null {
    return this.failure;
  }

  sync(): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.queued !== null) return this.queued;
    const batch = this.pending;
    const queued: Promise<void> = this.run(async () => {
      // From here on, a new `sync` queues behind this flush, and new records go to the next batch.
      if (this.queued === queued) this.queued = null;
      if (this.pending === batch) this.pending = [];
      if (batch.length > 0) await this.flush(batch);
    });
    this.queued = queued;
    return queued;
  }

  /** Runs `op` after everything asked before, dropping the records added so far (it supersedes them). */
  replace(op: () => Promise<void>): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    this.pending = [];
    this.queued = null;
    return this.run(op);
  }

  /** Resolves once every operation asked so far has finished (or failed). */
  drain(): Promise<void> {
    return this.tail;
  }

  private run(op: () => Promise<void>): Promise<void> {
    const done = this.tail.then(async () => {
      if (this.failure !== null) throw this.failure;
      try {
        await op();
      } catch (e) {
        this.failure ??= e instanceof Error ? e : new Error(String(e));
        throw this.failure;
      }
    });
    this.tail = done.catch(() => undefined);
    return done;
  }
}
