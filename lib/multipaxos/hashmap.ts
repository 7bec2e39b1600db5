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
  for (const [k, v] of bucket) if (k === key) return v;
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

/** A batch of writes to one map, sharing copies between writes (see `VectorEditor`). */
export class MapEditor<V> {
  private readonly buckets: vec.VectorEditor<readonly (readonly [string, V])[]>;
  private readonly fresh = new Set<(readonly [string, V])[]>();

  constructor(map: HashMap<V>) {
    this.buckets = new vec.VectorEditor(map);
  }

  get(key: string): V | undefined {
    const bucket = this.buckets.get(bucketOf(key));
    if (bucket === undefined) return undefined;
    for (const [k, v] of bucket) if (k === key) return v;
    return undefined;
  }

  set(key: string, value: V): void {
    const index = bucketOf(key);
    const bucket = this.buckets.get(index);
    const mine = bucket !== undefined && this.fresh.has(bucket as (readonly [string, V])[])
      ? (bucket as (readonly [string, V])[])
      : this.own(bucket);
    const at = mine.findIndex(([k]) => k === key);
    if (at >= 0) mine[at] = [key, value];
    else mine.push([key, value]);
    this.buckets.set(index, mine);
  }

  delete(key: string): void {
    const index = bucketOf(key);
    const bucket = this.buckets.get(index);
    if (bucket === undefined || !bucket.some(([k]) => k === key)) return;
    this.buckets.set(index, bucket.filter(([k]) => k !== key));
  }

  done(): HashMap<V> {
    this.fresh.clear();
    return this.buckets.done();
  }

  private own(bucket: readonly (readonly [string, V])[] | undefined): (readonly [string, V])[] {
    const copy = bucket === undefined ? [] : [...bucket];
    this.fresh.add(copy);
    return copy;
  }
}
