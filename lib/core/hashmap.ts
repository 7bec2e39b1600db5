/**
 * A persistent hash map from strings: FNV-1a of the key picks one of 1024 buckets held in a
 * persistent vector (./vector.ts). Writing one key copies a path of the trie and one small
 * bucket, never the whole map, so a replica's session table and key-value store can grow to
 * thousands of clients and keys while every step still returns a fresh, immutable state.
 */
import type { Vector } from './vector';
import * as vec from './vector';

export type HashMap<V> = Vector<readonly (readonly [string, V])[]>;

const BUCKETS = 1024;

function bucketOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i += 1) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return h % BUCKETS;
}

export function emptyMap<V>(): HashMap<V> {
  return vec.emptyVector();
}

export function lookup<V>(map: HashMap<V>, key: string): V | undefined {
  const bucket = vec.get(map, bucketOf(key));
  if (bucket === undefined) return undefined;
  for (let i = 0; i < bucket.length; i += 1) {
    const entry = bucket[i]!;
    if (entry[0] === key) return entry[1];
  }
  return undefined;
}

export function assoc<V>(map: HashMap<V>, key: string, value: V): HashMap<V> {
  const index = bucketOf(key);
  const bucket = vec.get(map, index) ?? [];
  return vec.set(map, index, [...bucket.filter(([k]) => k !== key), [key, value] as const]);
}

export function dissoc<V>(map: HashMap<V>, key: string): HashMap<V> {
  const index = bucketOf(key);
  const bucket = vec.get(map, index);
  if (bucket === undefined || !bucket.some(([k]) => k === key)) return map;
  return vec.set(map, index, bucket.filter(([k]) => k !== key));
}

/** Every entry, sorted by key: a plain object for reading and comparing. */
export function toObject<V>(map: HashMap<V>): Record<string, V> {
  const entries: (readonly [string, V])[] = [];
  for (const bucket of vec.range(map, 0)) if (bucket !== undefined) entries.push(...bucket);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries);
}

const DELETED: unique symbol = Symbol('deleted');

/**
 * A batch of writes to one map: the writes gather in a plain `Map` (reads see them), and
 * `done` rewrites each touched bucket once, through one `VectorEditor`. The map it started
 * from is never changed.
 */
export class MapEditor<V> {
  private readonly writes = new Map<string, V | typeof DELETED>();

  constructor(private readonly map: HashMap<V>) {}

  get(key: string): V | undefined {
    const w = this.writes.get(key);
    if (w !== undefined) return w === DELETED ? undefined : w;
    return lookup(this.map, key);
  }

  set(key: string, value: V): void {
    this.writes.set(key, value);
  }

  delete(key: string): void {
    this.writes.set(key, DELETED);
  }

  done(): HashMap<V> {
    if (this.writes.size === 0) return this.map;
    const touched = new Map<number, string[]>();
    for (const key of this.writes.keys()) {
      const index = bucketOf(key);
      const keys = touched.get(index);
      if (keys === undefined) touched.set(index, [key]);
      else keys.push(key);
    }
    const editor = new vec.VectorEditor(this.map);
    for (const [index, keys] of touched) {
      const before = vec.get(this.map, index) ?? [];
      const next: (readonly [string, V])[] = [];
      const kept = new Set<string>();
      for (let i = 0; i < before.length; i += 1) {
        const entry = before[i]!;
        const w = this.writes.get(entry[0]);
        kept.add(entry[0]);
        if (w === undefined) next.push(entry);
        else if (w !== DELETED) next.push([entry[0], w]);
      }
      for (let i = 0; i < keys.length; i += 1) {
        const key = keys[i]!;
        const w = this.writes.get(key);
        if (w !== undefined && w !== DELETED && !kept.has(key)) next.push([key, w]);
      }
      editor.set(index, next);
    }
    this.writes.clear();
    return editor.done();
  }
}
