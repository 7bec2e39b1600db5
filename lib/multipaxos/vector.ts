/**
 * A persistent vector: an immutable array indexed by slot, where `set` copies only the path
 * to one leaf (a 32-way trie, as Clojure's and Immutable.js's vectors do). The replicated log
 * and each acceptor's per-slot votes live in one, so a step that changes one slot returns a
 * new state in O(log n) time while every earlier state stays valid: the model checker can
 * branch from any state, and a persisted record is a reference, not a copy.
 *
 * Unset indexes read as `undefined` (a hole in the log).
 */

const BITS = 5;
const WIDTH = 1 << BITS;
const MASK = WIDTH - 1;

type Trie = readonly unknown[];

export interface Vector<T> {
  /** One more than the highest index ever set. */
  readonly size: number;
  /** The depth of the trie, in bits: the root covers indexes below 2^(shift + 5). */
  readonly shift: number;
  readonly root: Trie;
  /** Phantom field: ties the element type to the vector. */
  readonly _element?: T;
}

export function emptyVector<T>(): Vector<T> {
  return { size: 0, shift: 0, root: [] };
}

export function get<T>(v: Vector<T>, index: number): T | undefined {
  if (index < 0 || index >= v.size) return undefined;
  let node: Trie | undefined = v.root;
  for (let level = v.shift; level > 0 && node !== undefined; level -= BITS) {
    node = node[(index >>> level) & MASK] as Trie | undefined;
  }
  return node === undefined ? undefined : (node[index & MASK] as T | undefined);
}

export function set<T>(v: Vector<T>, index: number, value: T): Vector<T> {
  if (!Number.isInteger(index) || index < 0) throw new Error(`synod: a vector index is a whole number, got ${index}`);
  let root = v.root;
  let shift = v.shift;
  while (index >= 2 ** (shift + BITS)) {
    root = [root];
    shift += BITS;
  }
  return { size: Math.max(v.size, index + 1), shift, root: assoc(root, shift, index, value) };
}

function assoc(node: Trie | undefined, level: number, index: number, value: unknown): Trie {
  const copy = node === undefined ? [] : node.slice();
  const slot = (index >>> level) & MASK;
  copy[slot] = level === 0 ? value : assoc(copy[slot] as Trie | undefined, level - BITS, index, value);
  return copy;
}

/** The elements in [from, to), holes included as `undefined`. */
export function range<T>(v: Vector<T>, from: number, to: number = v.size): (T | undefined)[] {
  const out: (T | undefined)[] = [];
  for (let i = Math.max(0, from); i < Math.min(to, v.size); i += 1) out.push(get(v, i));
  return out;
}

export function fromArray<T>(items: readonly T[]): Vector<T> {
  let v = emptyVector<T>();
  items.forEach((item, i) => {
    v = set(v, i, item);
  });
  return v;
}
