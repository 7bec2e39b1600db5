/**
 * Bounded keys, the way Jepsen's `jepsen.independent` bounds them: the workload works on a few
 * live keys at once, and each key serves at most `opsPerKey` operations (or lives at most
 * `keyMs`), then a fresh key takes its place. The checker judges each key's history alone
 * (linearizability is compositional), so every per-key history stays small however long the run,
 * while the clients still contend on each live key and the nemesis still hits live keys.
 *
 * And what the finished history says about its keys: how many, how big, how contended, how
 * many were live during a fault.
 */
import type { Fault, JepsenRecord } from './history';

export interface KeyOptions {
  /** Keys live at once: every client picks one of them at random for each operation. */
  readonly live: number;
  /** A key serves at most this many operations (invocations), then is retired. */
  readonly opsPerKey: number;
  /** A key is retired at its first operation after it has lived this long (ms). */
  readonly keyMs: number;
}

/** The live keys and their generations: `k0`, `k1`, ... in the order they went live. */
export class KeyRotation {
  private readonly slots: { key: string; ops: number; born: number }[] = [];
  private readonly all: string[] = [];

  constructor(private readonly options: KeyOptions, private readonly now: () => number) {
    if (!(options.live >= 1) || !(options.opsPerKey >= 1) || !(options.keyMs > 0)) {
      throw new Error(`keys: live keys, operations per key and key lifetime must be positive, got ${JSON.stringify(options)}`);
    }
    for (let i = 0; i < options.live; i += 1) this.slots.push(this.fresh());
  }

  private fresh(): { key: string; ops: number; born: number } {
    const key = `k${this.all.length}`;
    this.all.push(key);
    return { key, ops: 0, born: this.now() };
  }

  /** The key for one more operation on live slot `slot` (a fresh key once the slot's key is spent). */
  take(slot: number): string {
    let s = this.slots[slot];
    if (s === undefined) throw new Error(`keys: no live slot ${slot} (there are ${this.slots.length})`);
    if (s.ops >= this.options.opsPerKey || this.now() - s.born >= this.options.keyMs) {
      s = this.fresh();
      this.slots[slot] = s;
    }
    s.ops += 1;
    return s.key;
  }

  /** Every key that went live, in order. */
  keys(): readonly string[] {
    return this.all;
  }
}

export interface KeyStats {
  /** Keys with at least one operation. */
  readonly keys: number;
  /** Per key: invocations; the biggest key (most operations, then most `info` among them). */
  readonly operations: { readonly median: number; readonly max: number };
  readonly biggest: { readonly key: string; readonly operations: number; readonly info: number } | null;
  /** Per key: operations that ended `info` (or never ended). */
  readonly info: { readonly median: number; readonly max: number };
  /** Per key: the most of its operations in flight at once (contention). */
  readonly concurrency: { readonly median: number; readonly max: number };
  /** Keys with an operation in flight during some fault (between the fault and its heal). */
  readonly underFault: number;
}

function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}

/** Sizes, contention and fault exposure of each key's history. */
export function keyStats(history: readonly JepsenRecord[], faults: readonly Fault[]): KeyStats {
  const perKey = new Map<string, { ops: number; info: number; open: number; peak: number; spans: [number, number][] }>();
  const invoked = new Map<number | string, JepsenRecord>();
  const end = history.length === 0 ? 0 : history[history.length - 1]!.time;
  for (const r of history) {
    const k = perKey.get(r.key) ?? { ops: 0, info: 0, open: 0, peak: 0, spans: [] };
    perKey.set(r.key, k);
    if (r.type === 'invoke') {
      invoked.set(r.process, r);
      k.ops += 1;
      k.open += 1;
      k.peak = Math.max(k.peak, k.open);
      continue;
    }
    const call = invoked.get(r.process);
    invoked.delete(r.process);
    k.open -= 1;
    if (r.type === 'info') k.info += 1;
    if (call !== undefined) k.spans.push([call.time, r.time]);
  }
  for (const call of invoked.values()) {
    const k = perKey.get(call.key)!;
    k.info += 1;
    k.spans.push([call.time, end]);
  }
  let biggest: KeyStats['biggest'] = null;
  // the biggest: most operations, then most of unknown outcome (the ones that make the search work)
  for (const [key, k] of perKey) {
    if (biggest === null || k.ops > biggest.operations || (k.ops === biggest.operations && k.info > biggest.info)) biggest = { key, operations: k.ops, info: k.info };
  }
  const windows = faults.map((f) => [f.at, f.healedAt] as const);
  const underFault = [...perKey.values()].filter((k) => k.spans.some(([a, b]) => windows.some(([at, healed]) => a <= healed && b >= at))).length;
  const stats = (pick: (k: { ops: number; info: number; peak: number }) => number): { median: number; max: number } => {
    const xs = [...perKey.values()].map(pick);
    return { median: median(xs), max: xs.reduce((m, x) => Math.max(m, x), 0) };
  };
  return {
    keys: perKey.size,
    operations: stats((k) => k.ops),
    biggest,
    info: stats((k) => k.info),
    concurrency: stats((k) => k.peak),
    underFault,
  };
}
