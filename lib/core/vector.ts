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

/**
 * A batch of writes to one vector: the first write to a trie node copies it, later writes in
 * the same batch write that copy in place. The vector it started from is never changed, so a
 * step that applies a whole batch of commands allocates one path, not one path per command.
 */
export class VectorEditor<T> {
  private root: unknown[];
  private shift: number;
  private size: number;
  private readonly fresh = new Set<unknown[]>();

  constructor(v: Vector<T>) {
    this.root = v.root as unknown[];
    this.shift = v.shift;
    this.size = v.size;
  }

  get(index: number): T | undefined {
    if (index < 0 || index >= this.size) return undefined;
    let node: unknown[] | undefined = this.root;
    for (let level = this.shift; level > 0 && node !== undefined; level -= BITS) {
      node = node[(index >>> level) & MASK] as unknown[] | undefined;
    }
    return node === undefined ? undefined : (node[index & MASK] as T | undefined);
  }

  set(index: number, value: T): void {
    while (index >= 2 ** (this.shift + BITS)) {
      this.root = this.own([this.root]);
      this.shift += BITS;
    }
    this.root = this.write(this.root, this.shift, index, value);
    this.size = Math.max(this.size, index + 1);
  }

  done(): Vector<T> {
    this.fresh.clear();
    return { size: this.size, shift: this.shift, root: this.root };
  }

  private own(node: unknown[]): unknown[] {
    this.fresh.add(node);
    return node;
  }

  private write(node: unknown[] | undefined, level: number, index: number, value: unknown): unknown[] {
    const target = node !== undefined && this.fresh.has(node) ? node : this.own(node === undefined ? [] : node.slice());
    const slot = (index >>> level) & MASK;
    target[slot] = level === 0 ? value : this.write(target[slot] as unknown[] | undefined, level - BITS, index, value);
    return target;
  }
}
