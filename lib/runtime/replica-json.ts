/**
 * A replica (lib/machine/replica.ts: the state machine and its client sessions) back from JSON.
 *
 * A snapshot carries the replica as it is in memory, and JSON keeps most of it: the machine's
 * plain objects, strings and numbers. What it does not keep is a persistent vector's holes
 * (lib/core/vector.ts): a vector is `{ size, shift, root }` with `root` a 32-way trie of sparse
 * arrays, and JSON writes every hole of a sparse array as `null`. The session table and the
 * key-value store are hash maps over 1024-bucket vectors (lib/core/hashmap.ts), mostly holes,
 * and a bucket that reads as `null` instead of `undefined` breaks every lookup. So whatever
 * decodes a snapshot (the storage codec, the transport's validator) passes its replica through
 * `reviveReplica`: every vector inside it, found by its shape (an object with exactly the fields
 * `size`, `shift` and `root`), is rebuilt from its defined slots, its `null`s becoming holes.
 * No vector a synod replica holds ever stores `null` (buckets are arrays), so this is exact.
 *
 * The encoding side is plain `JSON.stringify`; nothing else is needed.
 */
import type { Replica } from '../machine/replica';
import type { Vector } from '../core/vector';
import * as vec from '../core/vector';

const BITS = 5;
const WIDTH = 1 << BITS;

interface VectorShape {
  readonly size: number;
  readonly shift: number;
  readonly root: readonly unknown[];
}

function isVectorShape(v: object): v is VectorShape {
  const keys = Object.keys(v);
  if (keys.length !== 3 || !('size' in v) || !('shift' in v) || !('root' in v)) return false;
  const { size, shift, root } = v as Record<string, unknown>;
  return Number.isSafeInteger(size) && (size as number) >= 0 && Number.isInteger(shift) && (shift as number) >= 0 && (shift as number) % BITS === 0 && (shift as number) <= 30 && Array.isArray(root);
}

function reviveVector(v: VectorShape, path: string): Vector<unknown> {
  const editor = new vec.VectorEditor<unknown>(vec.emptyVector());
  const walk = (node: readonly unknown[], level: number, base: number): void => {
    if (node.length > WIDTH) throw new Error(`${path}: a vector node has ${node.length} children (at most ${WIDTH})`);
    for (let i = 0; i < node.length; i += 1) {
      const child = node[i];
      if (child === null || child === undefined) continue;
      const index = base + i * 2 ** level;
      if (level === 0) {
        if (index >= v.size) throw new Error(`${path}: a vector item at index ${index}, past its size ${v.size}`);
        editor.set(index, revive(child, `${path}[${index}]`));
        continue;
      }
      if (!Array.isArray(child)) throw new Error(`${path}: a vector node that is not an array`);
      walk(child, level - BITS, index);
    }
  };
  walk(v.root, v.shift, 0);
  // A vector's size is one more than its highest index ever set; an unset last slot reads as a hole.
  if (v.size > 0 && editor.get(v.size - 1) === undefined) editor.set(v.size - 1, undefined);
  return editor.done();
}

/** A JSON value with every vector inside it rebuilt (see the module comment). Throws, naming the path, on a malformed vector. */
export function revive(value: unknown, path = '$'): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item, i) => revive(item, `${path}[${i}]`));
  if (isVectorShape(value)) return reviveVector(value, path);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = revive(item, `${path}.${key}`);
  return out;
}

/** A replica decoded from JSON, its session table and the machine's vectors rebuilt. Throws a sentence when it is not one. */
export function reviveReplica<S = unknown, R = unknown>(value: unknown, what = 'the replica'): Replica<S, R> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${what} is not an object`);
  const { machine, sessions } = value as Record<string, unknown>;
  if (machine === undefined) throw new Error(`${what} has no machine`);
  if (typeof sessions !== 'object' || sessions === null || !isVectorShape(sessions)) throw new Error(`${what}: its sessions are not a vector`);
  return { machine: revive(machine, `${what}.machine`) as S, sessions: reviveVector(sessions, `${what}.sessions`) as Replica<S, R>['sessions'] };
}
