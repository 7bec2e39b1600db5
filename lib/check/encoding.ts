/**
 * A global state as data (`Global`: all integers, ids of `intern.ts`) and as the bytes that
 * are both its fingerprint and its stored form.
 *
 * Layout: crashes, asked[], (state, durable)[] as varints; then the network. Set model: the
 * bitset of messages ever sent, to the end. Multiset model: the bitset's length, the bitset,
 * then the number of copies in flight of each message in the history, in id order.
 *
 * A successor is written straight from the state it comes from (`writeSuccessor`), without
 * building it: most successors are states already seen, and building them would be wasted
 * work. `materialize` builds one as data when it is needed (symmetry reduction renames it
 * before writing it; a trace replays it).
 */
import type { NetworkModel } from './model';
import type { StateStore, Writer } from './state-store';
import { EMPTY } from './state-store';

/**
 * The decoded form of a global state (all integers):
 * `crashes`, `asked[slot]` (0 = not yet, k = choice k-1), `states[i]`, `durables[i]` per node
 * index, and the network: in the set model `ids` (sorted); in the multiset model `ids` (sorted
 * history) with `counts[j]` copies of `ids[j]` in flight.
 */
export interface Global {
  crashes: number;
  asked: number[];
  states: number[];
  durables: number[];
  /** The history as a bitset over message ids (bit m of byte m >> 3). */
  bits: Uint8Array;
  ids: number[];
  counts: number[];
}

/** A global state to be filled (by `materialize`). */
export function emptyGlobal(): Global {
  return { crashes: 0, asked: [], states: [], durables: [], bits: EMPTY, ids: [], counts: [] };
}

/**
 * Fills the nodes' part of the successor of `g` in which node index `node` took a step to
 * (`state`, `durable`) (node -1: nobody stepped), request slot `slot` was asked `choice`, and
 * `crashed` crashes were added. `out`'s arrays are empty or already of `g`'s lengths (written
 * in order, they stay packed).
 */
export function successorNodes(out: Global, g: Global, node: number, state: number, durable: number, slot: number, choice: number, crashed: number): void {
  out.crashes = g.crashes + crashed;
  for (let r = 0; r < g.asked.length; r += 1) out.asked[r] = r === slot ? choice : g.asked[r]!;
  for (let i = 0; i < g.states.length; i += 1) {
    out.states[i] = i === node ? state : g.states[i]!;
    out.durables[i] = i === node ? durable : g.durables[i]!;
  }
}

/** The fingerprint layout of one model: how many request slots and nodes, and which network. */
export class Encoding {
  private readonly multiset: boolean;

  constructor(
    network: NetworkModel,
    private readonly requests: number,
    private readonly nodes: number,
  ) {
    this.multiset = network === 'multiset';
  }

  /**
   * Writes into `w` the fingerprint of the successor of `g` in which `node` took a step to
   * (`state`, `durable`) and `sends` joined the network while `removed` left it (node -1:
   * nobody stepped), `consumed` (an index into `g.ids`, or -1) was delivered, request slot
   * `slot` was asked `choice`, and `crashed` crashes were added.
   */
  writeSuccessor(w: Writer, g: Global, node: number, state: number, durable: number, sends: readonly number[], removed: readonly number[], consumed: number, slot: number, choice: number, crashed: number): void {
    w.reset();
    w.varint(g.crashes + crashed);
    for (let r = 0; r < g.asked.length; r += 1) w.varint(r === slot ? choice : g.asked[r]!);
    for (let i = 0; i < g.states.length; i += 1) {
      w.varint(i === node ? state : g.states[i]!);
      w.varint(i === node ? durable : g.durables[i]!);
    }
    if (!this.multiset) {
      w.bitset(g.bits, sends, removed);
      return;
    }
    w.sizedBitset(g.bits, sends);
    let fresh = sends;
    if (sends.length > 1) fresh = [...sends].sort((x, y) => x - y);
    // Copies in flight, in id order: `g`'s, plus the step's (runs of equal ids in `fresh`).
    let k = 0;
    for (let j = 0; j < g.ids.length; j += 1) {
      const id = g.ids[j]!;
      while (k < fresh.length && fresh[k]! < id) {
        const c = runLength(fresh, k);
        w.varint(c);
        k += c;
      }
      const c = k < fresh.length && fresh[k] === id ? runLength(fresh, k) : 0;
      k += c;
      w.varint(g.counts[j]! + c - (j === consumed ? 1 : 0));
    }
    while (k < fresh.length) {
      const c = runLength(fresh, k);
      w.varint(c);
      k += c;
    }
  }

  /** Fills `out` with the successor `writeSuccessor` describes (the same arguments), as data. */
  materialize(out: Global, g: Global, node: number, state: number, durable: number, sends: readonly number[], removed: readonly number[], consumed: number, slot: number, choice: number, crashed: number): void {
    successorNodes(out, g, node, state, durable, slot, choice, crashed);
    const multiset = this.multiset;
    const ids = g.ids.filter((m) => !removed.includes(m));
    const counts = multiset ? g.counts.map((c, j) => (j === consumed ? c - 1 : c)) : [];
    for (const m of sends) {
      const j = lowerBound(ids, m);
      if (ids[j] === m) {
        if (multiset) counts[j] = counts[j]! + 1;
        continue;
      }
      ids.splice(j, 0, m);
      if (multiset) counts.splice(j, 0, 1);
    }
    out.ids = ids;
    out.counts = counts;
    const bits = new Uint8Array(ids.length === 0 ? 0 : (ids[ids.length - 1]! >> 3) + 1);
    for (const m of ids) bits[m >> 3]! |= 1 << (m & 7);
    out.bits = bits;
  }

  /** The state stored as `id`, as data. */
  decode(store: StateStore, id: number): Global {
    const r = store.reader(id);
    const crashes = r.varint();
    const asked: number[] = [];
    for (let k = 0; k < this.requests; k += 1) asked.push(r.varint());
    const states: number[] = [];
    const durables: number[] = [];
    for (let i = 0; i < this.nodes; i += 1) {
      states.push(r.varint());
      durables.push(r.varint());
    }
    const size = this.multiset ? r.varint() : r.end - r.at;
    const bits = r.bytes.slice(r.at, r.at + size);
    r.at += size;
    const ids = bitIds(bits);
    const counts: number[] = [];
    if (this.multiset) for (let j = 0; j < ids.length; j += 1) counts.push(r.varint());
    return { crashes, asked, states, durables, bits, ids, counts };
  }
}

/** How many entries from `k` on equal `sorted[k]`. */
function runLength(sorted: readonly number[], k: number): number {
  let n = 1;
  while (k + n < sorted.length && sorted[k + n] === sorted[k]) n += 1;
  return n;
}

/** The sorted ids of the set bits. */
function bitIds(bits: Uint8Array): number[] {
  const ids: number[] = [];
  for (let i = 0; i < bits.length; i += 1) {
    const byte = bits[i]!;
    if (byte === 0) continue;
    for (let k = 0; k < 8; k += 1) if ((byte & (1 << k)) !== 0) ids.push(i * 8 + k);
  }
  return ids;
}

/** The index of the first entry of `sorted` not below `value`. */
export function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
