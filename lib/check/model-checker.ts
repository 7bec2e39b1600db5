/**
 * An explicit-state model checker over any `Protocol` (lib/core/protocol.ts).
 *
 * It visits every global state a small configuration can reach: every node's role state, every
 * node's durable record, and the network. From each state it tries every enabled action —
 * deliver a message, hand a client command to a node (bounded), fire a node's timer (bounded by
 * the model's `within`), crash a node and restart it from what it persisted (bounded count) —
 * by calling the protocol's own handlers. There is no second copy of the protocol here: the
 * roles that run in the simulator and the runtime are the roles explored (the approach of
 * Stateright and DSLabs).
 *
 * Two network models:
 * - `set`: Paxos.tla's `msgs`. A sent message stays in the network forever and can be delivered
 *   any number of times, in any order, or never; loss, duplication and reordering are all
 *   covered because "delivered zero times" is loss.
 * - `multiset`: Stateright's `unordered_nonduplicating`. A message is delivered at most once per
 *   copy sent, in any order. Invariants still need every message ever sent (VotesSafe and
 *   PromiseKept read the history of 1b/2b messages), so this model carries that history as a
 *   ghost variable, part of the state exactly as a TLA+ history variable is.
 *
 * Why it is fast. The roles are pure, so a local step is a function of (node state, durable
 * record, input). The checker interns every node state, durable record and message it meets as
 * a small integer (through a canonical key computed once per distinct object) and memoizes every
 * local step by those integers. A global state is then a short run of bytes (varints and a
 * bitset of message ids), which is both its canonical fingerprint and its compact storage: the
 * bytes go to an arena outside the JavaScript heap, found again through an open-addressing index
 * (exact: equal bytes, not equal hashes); expanding a state rarely calls the protocol at all,
 * only a table. Property results are memoized the same way, keyed by the part of the state a
 * property says it reads. Memoization is exact (the key is the whole input of a pure function),
 * and `memoize: false` turns it off so a test can show the counts do not change.
 *
 * Optional reductions, declared by the model: `symmetry` (interchangeable nodes: one
 * representative stored per class of states equal up to renaming them), `normalize` (states
 * and messages named by a normal form that forgets what nobody reads again) and `obsolete`
 * (messages nobody can act on any more are removed from the set network; one a property reads
 * only when the model says why its verdict is `settled`, an argument resting on `steps`,
 * properties of single steps the checker checks on every step). Each is exact in what it
 * claims; spec/check/reduction.spec.ts counts what each keeps and shows each catching its bug.
 *
 * Breadth-first search finds the shortest counterexample; depth-first is available for memory.
 */
import type { Addressed, Protocol } from '../core/protocol';
import type { NodeId } from '../core/types';
import { assertNever } from '../core/types';
import { canonicalKey } from './canonical';

export type NetworkModel = 'set' | 'multiset';
export const NETWORK_MODELS: readonly NetworkModel[] = ['set', 'multiset'];

/**
 * A client that may hand `node` exactly one of `choices`, once, at any point of a run.
 * Several slots may name one node. What every slot asked is visible to properties (Validity
 * reads it as the proposed values).
 */
export interface RequestSlot<C> {
  readonly node: NodeId;
  readonly choices: readonly C[];
}

/** How the checker names a node state, a message and a durable record: equal data, equal key. */
export interface Codec<S, M, D> {
  state(s: S): string;
  message(m: M): string;
  durable(d: D | undefined): string;
}

/** What a property sees: one global state, decoded. */
export interface Snapshot<S, M, C> {
  readonly nodes: readonly NodeId[];
  /** `states[i]` belongs to `nodes[i]`. */
  readonly states: readonly S[];
  /** Every message ever sent (Paxos.tla's `msgs`), each once. */
  readonly messages: readonly M[];
  /** Messages that can be delivered now (in the multiset model, one entry per copy). */
  readonly inFlight: readonly M[];
  /** Every command a client has handed to a node so far. */
  readonly requested: readonly C[];
}

/**
 * Declares which parts of the state a property reads, so its results can be memoized on that
 * part alone. `node` returns a canonical key of the part of a node's state it reads; `message`
 * says whether it reads a message; `requests` whether it reads what clients asked.
 */
export interface Reads<S, M> {
  node(s: S): string;
  message(m: M): boolean;
  readonly requests: boolean;
}

export interface Finding {
  /** The name of the invariant that broke (e.g. `Agreement`). */
  readonly invariant: string;
  readonly description: string;
}

/** A safety property: it must hold in every reachable state. */
export interface AlwaysProperty<S, M, C> {
  readonly name: string;
  check(s: Snapshot<S, M, C>): readonly Finding[];
  readonly reads?: Reads<S, M>;
}

/**
 * A property of one step of one node: its state before and after, and what it sent. It is
 * checked on every local step the search takes (a delivery, a request, a timeout) and on every
 * crash and restart (before: the state that crashed; after: the state recovered; nothing
 * sent). Where an always-property says what a state may be, a step property says what a node
 * may do; a broken one is reported with a trace that ends with that step.
 */
export interface StepProperty<S, M> {
  readonly name: string;
  check(before: S, after: S, sent: readonly M[]): readonly Finding[];
}

/** A reachability property: some reachable state must satisfy it, so no check passes vacuously. */
export interface SometimesProperty<S, M, C> {
  readonly name: string;
  holds(s: Snapshot<S, M, C>): boolean;
  readonly reads?: Reads<S, M>;
}

export interface Model<S, M extends Addressed, E, D, C> {
  readonly protocol: Protocol<S, M, E, D, C>;
  readonly network: NetworkModel;
  readonly requests: readonly RequestSlot<C>[];
  /** Whether node timers may fire (all nodes, or the listed ones); each firing must stay `within`. */
  readonly timeouts: boolean | readonly NodeId[];
  /** How many crash-and-restart actions one run may contain, in total. */
  readonly crashes: number;
  /** Nodes that may crash (default: all that run). */
  readonly crashable?: readonly NodeId[];
  /** Nodes that never run: messages to them are never delivered, they never time out. */
  readonly down?: readonly NodeId[];
  /**
   * The bound that keeps the space finite: a step whose resulting node state is not `within`
   * is not taken (for Paxos: no ballot above the maximum round).
   */
  readonly within?: (s: S) => boolean;
  readonly codec?: Codec<S, M, D>;
  /**
   * Messages the network always loses: they are never delivered. One no property reads is not
   * recorded at all. A lossy network is a restriction of the set and multiset models (there a
   * message may also never be delivered), so a counterexample found with it is a real run;
   * a pass with it proves only what it covers. The bug zoo uses it to reach long
   * counterexamples in a smaller space.
   */
  readonly lost?: (m: M) => boolean;
  /**
   * Messages that can no longer matter (set model only): `obsolete(m, s)` says that a node in
   * state `s`, and in every state it can reach from `s`, ignores `m`: delivering it changes
   * nothing and sends nothing. No property may read such a message. The checker removes a
   * message from the network once its recipient's state makes it obsolete, which merges states
   * that differ only in messages nobody can ever act on (they have the same futures, so the
   * merge loses no run). It checks at each removal that the delivery is a no-op in that state
   * and that no property reads the message; that it stays a no-op is the model's claim, and a
   * test of the model compares what is reachable with and without it.
   */
  readonly obsolete?: (m: M, recipient: S) => boolean;
  /**
   * Messages a property reads that `obsolete` may remove all the same. The model's claim: a
   * property's verdict on such a message, checked in every stored state that holds it, cannot
   * change once the message is obsolete, as long as every step satisfies `steps`. The checker
   * keeps such a message until its recipient's state makes it obsolete (never dropping it on
   * arrival, so some stored state holds it), and checks `steps` on every step it takes.
   */
  readonly settled?: (m: M) => boolean;
  /** Properties of single steps, checked on every step the search takes (see `StepProperty`). */
  readonly steps?: readonly StepProperty<S, M>[];
  /**
   * Normal forms (see `Normalize`): the checker replaces every node state and message by its
   * normal form before it names it, so states that differ only in data nobody reads again are
   * one state.
   */
  readonly normalize?: Normalize<S, M>;
  readonly always: readonly AlwaysProperty<S, M, C>[];
  readonly sometimes: readonly SometimesProperty<S, M, C>[];
  /**
   * Symmetry reduction: the listed nodes are interchangeable, so the checker stores one state
   * per class of states equal up to a renaming of them (see `Symmetry`).
   */
  readonly symmetry?: Symmetry<S, M, D>;
}

/**
 * Exact abstraction by normal forms. `state(s)` must behave exactly as `s` does: every step from
 * it, on every input, has the same result (up to normal form) and sends the same messages, and
 * every property judges it alike; typically it resets fields the protocol never reads again in
 * the state's phase. `message(m)` must be handled by its recipient exactly as `m` is, in every
 * state, and be judged alike by every property; typically it blanks a field the recipient
 * ignores. The roles then run on the normal forms. A counterexample still prints the messages
 * of the real run (the trace is replayed with the real messages). A test of the model compares
 * what is reachable with and without it.
 */
export interface Normalize<S, M> {
  state?(s: S): S;
  message?(m: M): M;
}

/**
 * Nodes that are interchangeable: renaming them by any permutation maps every run of the model
 * to a run of the model and keeps every property's verdict. The model must make this true: the
 * nodes play the same roles with the same initial state, none of them is handed client
 * commands, the timers, crash budget and losses treat them alike, and every property reads them
 * alike. The checker then stores one canonical representative per class of states (the
 * smallest fingerprint over the renamings that order the nodes by their own state), checks the
 * properties on it, and still prints every counterexample as a real run. A test compares the
 * counts with and without the reduction on a model small enough to enumerate.
 */
export interface Symmetry<S, M, D> {
  readonly nodes: readonly NodeId[];
  /** The same data with every node id `n` written as `rename(n)`. */
  state(s: S, rename: (n: NodeId) => NodeId): S;
  message(m: M, rename: (n: NodeId) => NodeId): M;
  durable(d: D | undefined, rename: (n: NodeId) => NodeId): D | undefined;
}

export interface CheckOptions<S, M, C> {
  /** Depth-first instead of breadth-first (counterexamples are then not the shortest). */
  readonly dfs?: boolean;
  /** Stop after this many distinct states; the result says `complete: false`. */
  readonly maxStates?: number;
  /** Exact memoization of local steps and property results (default on). */
  readonly memoize?: boolean;
  /** Called about once a second with the running totals (the CLI's progress line). */
  readonly progress?: (p: Progress) => void;
  /** Extra always-properties for this run only (refused when the model removes or loses messages). */
  readonly always?: readonly AlwaysProperty<S, M, C>[];
  /**
   * A directed start: these actions are played first, from the initial state, and the search
   * explores every run from the state they reach. Every run found is then a real run (the
   * prefix, then a path the search found), so a counterexample stays a counterexample; a pass
   * covers only runs with this prefix. The bug zoo uses it for a mutant whose shortest
   * counterexample is too deep for breadth-first search from the start.
   */
  readonly prefix?: readonly Action<M, C>[];
  /**
   * Called with every distinct state stored, as data (for tests and tools: a test counts
   * classes of states under a symmetry with it). Under symmetry reduction these are the
   * representatives.
   */
  readonly onState?: (state: StateView<S, M, unknown>) => void;
}

/** One global state as data. */
export interface StateView<S, M, D> {
  readonly crashes: number;
  /** Per request slot: 0 if not asked yet, k if asked its choice k-1. */
  readonly asked: readonly number[];
  /** `states[i]` and `durables[i]` belong to the protocol's `nodes[i]`. */
  readonly states: readonly S[];
  readonly durables: readonly (D | undefined)[];
  /** Every message ever sent; in the multiset model `copies[j]` of `history[j]` are in flight. */
  readonly history: readonly M[];
  readonly copies: readonly number[] | null;
}

export interface Progress {
  readonly states: number;
  readonly queue: number;
  readonly transitions: number;
  readonly seconds: number;
}

/** One action of a run, as data. `crash` is a crash followed at once by a restart. */
export type Action<M, C> =
  | { readonly type: 'deliver'; readonly message: M }
  | { readonly type: 'request'; readonly node: NodeId; readonly command: C }
  | { readonly type: 'timeout'; readonly node: NodeId }
  | { readonly type: 'crash'; readonly node: NodeId };

export interface TraceStep<M, C> {
  readonly action: Action<M, C>;
  /** The messages the step sent. */
  readonly sent: readonly M[];
  /** Why the node changed nothing, when it did not. */
  readonly ignored?: string;
}

export interface Counterexample<M, C> {
  readonly property: string;
  readonly findings: readonly Finding[];
  /** From the initial state to the violating one; its length is the number of actions. */
  readonly trace: readonly TraceStep<M, C>[];
}

export interface SometimesResult<M, C> {
  readonly holds: boolean;
  /** A shortest run (under BFS) to a state where it holds. */
  readonly witness: readonly TraceStep<M, C>[] | null;
}

export interface CheckResult<M, C> {
  readonly states: number;
  readonly transitions: number;
  /** The length of the longest shortest path found (BFS) or the deepest stack (DFS). */
  readonly depth: number;
  readonly seconds: number;
  /** True when every reachable state was visited (no violation stopped it, no state limit). */
  readonly complete: boolean;
  readonly violations: readonly Counterexample<M, C>[];
  readonly sometimes: Readonly<Record<string, SometimesResult<M, C>>>;
  /** Distinct node states, durable records and messages met: the size of the intern tables. */
  readonly interned: { readonly states: number; readonly durables: number; readonly messages: number };
}

/** Interns values by canonical key: equal data gets one small integer for the whole run. */
class Table<T> {
  readonly values: T[] = [];
  private readonly index = new Map<string, number>();
  /** `normal` maps a value to its normal form (see `Normalize`): the form that is interned. */
  constructor(
    private readonly key: (v: T) => string,
    private readonly normal?: (v: T) => T,
  ) {}

  id(raw: T): number {
    const value = this.normal === undefined ? raw : this.normal(raw);
    const k = this.key(value);
    const found = this.index.get(k);
    if (found !== undefined) return found;
    const id = this.values.length;
    this.values.push(value);
    this.index.set(k, id);
    return id;
  }

  get(id: number): T {
    const v = this.values[id];
    if (v === undefined && id >= this.values.length) throw new Error(`synod: no interned value ${id}`);
    return v as T;
  }
}

/** A memoized local step: the ids it leads to, or `pruned` when it would leave the bound. */
interface LocalStep {
  readonly pruned: boolean;
  readonly state: number;
  readonly durable: number;
  readonly sends: readonly number[];
  readonly ignored: string | undefined;
  /** True when the step changed neither the state nor the durable record. */
  readonly unchanged: boolean;
  /** The first step property this step breaks, with its findings, or null. */
  readonly broken: Broken | null;
}

/** What `successors` reports to the search. */
interface Visitor {
  /** A successor by `action`, its fingerprint in the writer. */
  visit(action: number, arg: number): void;
  /** A step that changes nothing. */
  loop(): void;
  /** A step that breaks a step property. */
  broke(action: number, arg: number, broken: Broken): void;
  /**
   * The successor by `action` as it was before a message a property reads was dropped on
   * arrival (obsolete, and settled): a real state, to be checked though it is not stored.
   */
  unreduced(action: number, arg: number, successor: Global): void;
}

/** A property that broke, and what it found. */
interface Broken {
  readonly property: string;
  readonly findings: readonly Finding[];
}

/**
 * The decoded form of a global state (all integers):
 * `crashes`, `asked[slot]` (0 = not yet, k = choice k-1), `states[i]`, `durables[i]` per node
 * index, and the network: in the set model `ids` (sorted); in the multiset model `ids` (sorted
 * history) with `counts[j]` copies of `ids[j]` in flight.
 */
interface Global {
  crashes: number;
  asked: number[];
  states: number[];
  durables: number[];
  /** The history as a bitset over message ids (bit m of byte m >> 3). */
  bits: Uint8Array;
  ids: number[];
  counts: number[];
}

/** The memoized steps from one (node state, durable record): deliveries by message id, the rest by input. */
interface StepMemo {
  readonly deliver: (LocalStep | undefined)[];
  readonly other: Map<number, LocalStep>;
}

const PRUNED: LocalStep = { pruned: true, state: -1, durable: -1, sends: [], ignored: undefined, unchanged: false, broken: null };

/**
 * Writes a fingerprint: unsigned varints (7 bits a byte) and raw bitset bytes. The bytes are
 * hashed and stored as they are (see `StateStore`); no string is made for a state.
 */
class Writer {
  buf = new Uint8Array(256);
  len = 0;

  reset(): void {
    this.len = 0;
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    bigger.set(this.buf.subarray(0, this.len));
    this.buf = bigger;
  }

  varint(n: number): void {
    this.room(8);
    let v = n;
    while (v >= 0x80) {
      this.buf[this.len++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.len++] = v;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.len++] = b;
  }

  /** Appends what another writer holds. */
  bytes(other: Writer): void {
    this.room(other.len);
    this.buf.set(other.buf.subarray(0, other.len), this.len);
    this.len += other.len;
  }

  /** Bitset bytes, without trailing zero bytes so that equal sets write equal bytes. */
  bitset(bits: Uint8Array, extra: readonly number[], minus: readonly number[] = NONE): void {
    let top = bits.length;
    for (const m of extra) top = Math.max(top, (m >> 3) + 1);
    this.room(top);
    const at = this.len;
    const buf = this.buf;
    buf.set(bits, at);
    buf.fill(0, at + bits.length, at + top);
    for (const m of extra) buf[at + (m >> 3)]! |= 1 << (m & 7);
    for (const m of minus) if (m >> 3 < top) buf[at + (m >> 3)]! &= ~(1 << (m & 7));
    let end = top;
    while (end > 0 && buf[at + end - 1] === 0) end -= 1;
    this.len = at + end;
  }

  patch(at: number, b: number): void {
    this.buf[at] = b;
  }

  /** The bytes as a one-byte (latin1) string: a memo key (for property results). */
  text(): string {
    return Buffer.from(this.buf.buffer, this.buf.byteOffset, this.len).toString('latin1');
  }

  /** A 32-bit hash of the bytes written (FNV-1a, then a finalizing mix). */
  hash(): number {
    const buf = this.buf;
    let h = 0x811c9dc5 | 0;
    for (let i = 0; i < this.len; i += 1) h = Math.imul(h ^ buf[i]!, 0x01000193);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    return (h ^ (h >>> 16)) | 0;
  }
}

/** Reads what a `Writer` wrote. */
class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public at: number,
    readonly end: number,
  ) {}

  varint(): number {
    let n = 0;
    let scale = 1;
    for (;;) {
      const c = this.bytes[this.at]!;
      this.at += 1;
      n += (c & 0x7f) * scale;
      if (c < 0x80) return n;
      scale *= 0x80;
    }
  }
}

const CHUNK = 1 << 24;

/**
 * Every distinct global state met, as its fingerprint bytes, numbered in the order found.
 *
 * The bytes live in 16 MiB arena chunks (a record never crosses a chunk), outside the
 * JavaScript heap; an open-addressing table of ids, probed linearly with the stored 32-bit hashes, finds a fingerprint
 * by hash and then by its bytes, so two states are one only when their bytes are equal: the
 * store is exact, with no hash compaction. It holds any number of states memory allows (a
 * JavaScript `Set` stops at 2^24 entries), at about 20 bytes of overhead a state.
 */
class StateStore {
  private readonly chunks: Uint8Array[] = [];
  private chunk = new Uint8Array(0);
  private used = CHUNK;
  /** Per id: chunk index * CHUNK + offset. */
  private where = new Float64Array(1024);
  private lengths = new Uint16Array(1024);
  private hashes = new Int32Array(1024);
  private slots = new Int32Array(1 << 12).fill(-1);
  private mask = (1 << 12) - 1;
  /** Where the last failed `find` stopped: the free slot `add` fills. */
  private free = -1;
  size = 0;

  /** The id of the state the writer holds, or -1. */
  find(w: Writer, h: number): number {
    const slots = this.slots;
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const id = slots[i]!;
      if (id < 0) {
        this.free = i;
        return -1;
      }
      if (this.hashes[id] === h && this.equals(id, w)) return id;
    }
  }

  /** Adds the state the writer holds; call right after a `find` of it returned -1. */
  add(w: Writer, h: number): number {
    if (w.len > 0xffff) throw new Error('synod: a state fingerprint over 65,535 bytes; the checker stores shorter ones');
    const id = this.size;
    if (id === this.where.length) {
      this.where = grow(this.where);
      this.lengths = grow(this.lengths);
      this.hashes = grow(this.hashes);
    }
    if (this.used + w.len > CHUNK) {
      this.chunk = new Uint8Array(CHUNK);
      this.chunks.push(this.chunk);
      this.used = 0;
    }
    this.chunk.set(w.buf.subarray(0, w.len), this.used);
    this.where[id] = (this.chunks.length - 1) * CHUNK + this.used;
    this.used += w.len;
    this.lengths[id] = w.len;
    this.hashes[id] = h;
    this.slots[this.free] = id;
    this.size += 1;
    if (this.size * 2 > this.slots.length) this.rehash();
    return id;
  }

  reader(id: number): Reader {
    const at = this.where[id]!;
    const c = Math.floor(at / CHUNK);
    const off = at - c * CHUNK;
    return new Reader(this.chunks[c]!, off, off + this.lengths[id]!);
  }

  /** True when state `id` is the one the writer holds. */
  matches(id: number, w: Writer): boolean {
    return this.equals(id, w);
  }

  private equals(id: number, w: Writer): boolean {
    const len = this.lengths[id]!;
    if (len !== w.len) return false;
    const at = this.where[id]!;
    const c = Math.floor(at / CHUNK);
    const bytes = this.chunks[c]!;
    const off = at - c * CHUNK;
    const buf = w.buf;
    for (let i = 0; i < len; i += 1) if (bytes[off + i] !== buf[i]) return false;
    return true;
  }

  private rehash(): void {
    const size = this.slots.length * 2;
    const slots = new Int32Array(size).fill(-1);
    const mask = size - 1;
    for (let id = 0; id < this.size; id += 1) {
      let i = this.hashes[id]! & mask;
      while (slots[i] !== -1) i = (i + 1) & mask;
      slots[i] = id;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

const EMPTY = new Uint8Array(0);
const NONE: readonly number[] = [];

/**
 * A property's result in state `g`: from `memo`, keyed by the part of the state the property
 * reads (`project`), or computed when it declares nothing it reads.
 */
function memoized<G, R>(project: ((g: G) => string) | null, memo: Map<string, R>, g: G, compute: () => R): R {
  if (project === null) return compute();
  const key = project(g);
  let r = memo.get(key);
  if (r === undefined) {
    r = compute();
    memo.set(key, r);
  }
  return r;
}

/** `table[id]`, computed by `compute` when missing; permutation 0 is the identity. */
function renamedId(table: (number | undefined)[], p: number, id: number, compute: () => number): number {
  return (table[id] ??= p === 0 ? id : compute());
}

/** A 32-bit mix (murmur3's finalizer) of a non-negative number below 2^53. */
function mix32(x: number): number {
  let h = (x | 0) ^ Math.floor(x / 0x100000000);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Orders two fingerprints byte by byte, a shorter prefix first. */
function compareBytes(a: Writer, b: Writer): number {
  const n = Math.min(a.len, b.len);
  for (let i = 0; i < n; i += 1) {
    const d = a.buf[i]! - b.buf[i]!;
    if (d !== 0) return d;
  }
  return a.len - b.len;
}

/** Symmetry reduction's state: the permutations and what each renaming maps ids to. */
interface SymmetryTables<S, M, D> {
  readonly symmetry: Symmetry<S, M, D>;
  /** Node indices of the symmetric nodes, ascending. */
  readonly positions: readonly number[];
  /** `perms[p][i]`: where node index i goes under permutation p (0 is the identity). */
  readonly perms: readonly (readonly number[])[];
  /** `inverse[p]`: the index of the inverse permutation. */
  readonly inverse: readonly number[];
  readonly renames: readonly ((n: NodeId) => NodeId)[];
  /** Per permutation: interned id to renamed interned id, filled as met. */
  readonly states: (number | undefined)[][];
  readonly durables: (number | undefined)[][];
  readonly messages: (number | undefined)[][];
  /** Per symmetric position: a state or durable id's label there. */
  readonly stateLabels: (number | undefined)[][];
  readonly durableLabels: (number | undefined)[][];
  /** The successor being canonicalized. */
  readonly scratch: Global;
  /** Work arrays: labels by node index; the history renamed; its order. */
  readonly labels: number[];
  readonly signatures: number[];
  /** The state being expanded, its nodes' signatures, and its history renamed by each permutation (as met). */
  base: Global | null;
  readonly baseSignatures: number[];
  readonly baseLabels: number[];
  readonly baseBits: (Uint8Array | null)[];
  /** Work arrays: a step's messages new to the network; `extra[n]` holds n of them renamed. */
  readonly fresh: number[];
  readonly extra: number[][];
  /** By node index: its index in `positions`, or -1. */
  readonly positionOf: readonly number[];
  /** Per symmetric position: a message id's label there. */
  readonly messageLabels: (number | undefined)[][];
  readonly mapped: number[];
  readonly order: number[];
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

/** The checker itself: one instance per model, reusable across runs. */
export class ModelChecker<S, M extends Addressed, E, D, C> {
  private readonly nodes: readonly NodeId[];
  private readonly nodeIndex = new Map<NodeId, number>();
  private readonly stateTable: Table<S>;
  private readonly durableTable: Table<D | undefined>;
  private readonly messageTable: Table<M>;
  /** Recipient node index of each interned message, or -1 when it goes to no running node. */
  private readonly messageTo: number[] = [];
  /** Node indices of each interned message's sender and recipient (-1: not a node), at 2 id and 2 id + 1. */
  private readonly messageEnds: number[] = [];
  /** Lost messages that no property reads: never put in the network. */
  private readonly unrecorded: boolean[] = [];
  /** Local steps by node-state id, then durable id, then input. */
  private readonly stepMemo: ((StepMemo | undefined)[] | undefined)[] = [];
  private readonly recoverMemo = new Map<number, number>();
  /** Step properties of crashes, by (state, recovered state). */
  private readonly crashMemo = new Map<number, Broken | null>();
  /** Whether some property reads each interned message. */
  private readonly read: boolean[] = [];
  private readonly down: ReadonlySet<number>;
  private readonly crashable: readonly number[];
  private readonly timers: readonly number[];
  private memoize = true;
  /** Symmetry reduction's tables, when the model declares a symmetry. */
  private readonly sym: SymmetryTables<S, M, D> | null;
  /** The renaming the last canonical fingerprint was written under (an index into `sym.perms`). */
  private lastPerm = 0;
  private readonly spare = new Writer();
  /** `obsolete` results by recipient state id, then message id: 1 live, 2 obsolete. */
  private readonly obsoleteMemo: (number[] | undefined)[] = [];

  constructor(readonly model: Model<S, M, E, D, C>) {
    const p = model.protocol;
    this.nodes = p.nodes;
    p.nodes.forEach((n, i) => this.nodeIndex.set(n, i));
    const codec = model.codec ?? {
      state: (s: S) => canonicalKey(s),
      message: (m: M) => canonicalKey(m),
      durable: (d: D | undefined) => (d === undefined ? '' : canonicalKey(d)),
    };
    const normalize = model.normalize;
    this.stateTable = new Table<S>(codec.state, normalize?.state?.bind(normalize));
    this.durableTable = new Table<D | undefined>(codec.durable);
    this.messageTable = new Table<M>(codec.message, normalize?.message?.bind(normalize));
    this.down = new Set((model.down ?? []).map((n) => this.indexOf(n)));
    const t = model.timeouts;
    this.timers = (t === true ? p.nodes : t === false ? [] : t).map((n) => this.indexOf(n)).filter((i) => !this.down.has(i));
    this.crashable = (model.crashable ?? p.nodes).map((n) => this.indexOf(n)).filter((i) => !this.down.has(i));
    for (const slot of model.requests) {
      this.indexOf(slot.node);
      if (slot.choices.length === 0) throw new Error(`synod: a request slot for node ${slot.node} has no choices`);
    }
    this.sym = model.symmetry === undefined ? null : this.symmetryTables(model.symmetry);
  }

  /** Every permutation of the symmetric nodes, as maps of node indices, and empty memo tables. */
  private symmetryTables(symmetry: Symmetry<S, M, D>): SymmetryTables<S, M, D> {
    const positions = [...new Set(symmetry.nodes.map((n) => this.indexOf(n)))].sort((a, b) => a - b);
    if (positions.length < 2) throw new Error('synod: a symmetry needs at least two nodes');
    if (positions.length > 6) throw new Error('synod: a symmetry of more than 6 nodes would try too many renamings');
    const inSym = new Set(positions);
    for (const slot of this.model.requests) {
      if (inSym.has(this.indexOf(slot.node))) throw new Error(`synod: node ${slot.node} is handed client commands, so it is not interchangeable`);
    }
    const alike = (set: readonly number[], what: string): void => {
      const n = positions.filter((i) => set.includes(i)).length;
      if (n !== 0 && n !== positions.length) throw new Error(`synod: the symmetric nodes differ in ${what}`);
    };
    alike(this.timers, 'timers');
    alike(this.crashable, 'who may crash');
    alike([...this.down], 'who is down');
    const perms: number[][] = [];
    const permute = (prefix: number[], rest: number[]): void => {
      if (rest.length === 0) {
        const to = this.nodes.map((_, i) => i);
        positions.forEach((from, k) => (to[from] = prefix[k]!));
        perms.push(to);
        return;
      }
      rest.forEach((x, k) => permute([...prefix, x], [...rest.slice(0, k), ...rest.slice(k + 1)]));
    };
    permute([], positions);
    // The inverse of each permutation, as the index of the permutation that undoes it.
    const inverse = perms.map((to) => perms.findIndex((back) => to.every((t, i) => back[t] === i)));
    const renames = perms.map((to) => {
      const map = new Map<NodeId, NodeId>();
      to.forEach((t, i) => map.set(this.nodes[i]!, this.nodes[t]!));
      return (n: NodeId): NodeId => map.get(n) ?? n;
    });
    return {
      symmetry,
      positions,
      perms,
      inverse,
      renames,
      states: perms.map(() => []),
      durables: perms.map(() => []),
      messages: perms.map(() => []),
      stateLabels: positions.map(() => []),
      durableLabels: positions.map(() => []),
      scratch: { crashes: 0, asked: this.model.requests.map(() => 0), states: this.nodes.map(() => 0), durables: this.nodes.map(() => 0), bits: EMPTY, ids: [], counts: [] },
      labels: this.nodes.map(() => 0),
      base: null,
      baseSignatures: this.nodes.map(() => 0),
      baseLabels: this.nodes.map(() => 0),
      baseBits: perms.map(() => null),
      fresh: [],
      extra: [],
      signatures: this.nodes.map(() => 0),
      positionOf: this.nodes.map((_, i) => positions.indexOf(i)),
      messageLabels: positions.map(() => []),
      mapped: [],
      order: [],
    };
  }

  /** The id of node state `id` renamed by permutation `p`. */
  private permState(t: SymmetryTables<S, M, D>, p: number, id: number): number {
    return renamedId(t.states[p]!, p, id, () => this.stateTable.id(t.symmetry.state(this.stateTable.get(id), t.renames[p]!)));
  }

  private permDurable(t: SymmetryTables<S, M, D>, p: number, id: number): number {
    return renamedId(t.durables[p]!, p, id, () => this.durableTable.id(t.symmetry.durable(this.durableTable.get(id), t.renames[p]!)));
  }

  private permMessage(t: SymmetryTables<S, M, D>, p: number, id: number): number {
    return renamedId(t.messages[p]!, p, id, () => this.messageId(t.symmetry.message(this.messageTable.get(id), t.renames[p]!)));
  }

  /** The smallest `f(p)` over the permutations `p` that move symmetric position `k` to the first. */
  private smallestFrom(t: SymmetryTables<S, M, D>, k: number, f: (p: number) => number): number {
    const first = t.positions[0]!;
    const from = t.positions[k]!;
    let min = Number.POSITIVE_INFINITY;
    for (let p = 0; p < t.perms.length; p += 1) if (t.perms[p]![from] === first) min = Math.min(min, f(p));
    return min;
  }

  /**
   * A label of a node's (state, durable) that does not depend on where the node sits: the
   * smallest id of it renamed by any permutation that moves it to the first symmetric position.
   * States in one class have the same labels, position by position after the renaming.
   */
  private label(t: SymmetryTables<S, M, D>, k: number, state: number, durable: number): number {
    const sl = (t.stateLabels[k]![state] ??= this.smallestFrom(t, k, (p) => this.permState(t, p, state)));
    const dl = (t.durableLabels[k]![durable] ??= this.smallestFrom(t, k, (p) => this.permDurable(t, p, durable)));
    if (dl >= 0x100000) throw new Error('synod: more than 2^20 durable records; the symmetry labels support fewer');
    return sl * 0x100000 + dl;
  }

  /** A message's label as seen from symmetric position k, as `label` does for states. */
  private messageLabel(t: SymmetryTables<S, M, D>, k: number, m: number): number {
    return (t.messageLabels[k]![m] ??= this.smallestFrom(t, k, (p) => this.permMessage(t, p, m)));
  }

  /** Whether message `m` is obsolete for a recipient in state `stateId` (memoized, and checked). */
  private isObsolete(m: number, stateId: number): boolean {
    let row = this.obsoleteMemo[stateId];
    if (row === undefined) {
      row = [];
      this.obsoleteMemo[stateId] = row;
    }
    let r = row[m];
    if (r === undefined) {
      const message = this.messageTable.get(m);
      const state = this.stateTable.get(stateId);
      r = this.model.obsolete!(message, state) ? 2 : 1;
      if (r === 2) {
        if (this.read[m] === true && this.model.settled?.(message) !== true) {
          throw new Error(`synod: the model calls a message obsolete that a property reads: ${canonicalKey(message)}`);
        }
        const step = this.model.protocol.deliver(state, message);
        if (step.effects.some((e) => this.model.protocol.sent(e) !== null) || this.stateTable.id(step.state) !== stateId) {
          throw new Error(`synod: the model calls a message obsolete whose delivery is not a no-op: ${canonicalKey(message)}`);
        }
      }
      row[m] = r;
    }
    return r === 2;
  }

  /**
   * `sends` without the messages obsolete on arrival (`node` is now in `state`); with `keepRead`,
   * messages a property reads are kept (to build the successor `Visitor.unreduced` checks).
   */
  private liveSends(g: Global, node: number, state: number, sends: readonly number[], keepRead = false): readonly number[] {
    let live: number[] | null = null;
    for (let k = 0; k < sends.length; k += 1) {
      const m = sends[k]!;
      const r = this.messageEnds[2 * m + 1]!;
      const dead = r >= 0 && !(keepRead && this.read[m]!) && this.isObsolete(m, r === node ? state : g.states[r]!);
      if (dead && live === null) live = sends.slice(0, k);
      else if (!dead && live !== null) live.push(m);
    }
    return live ?? sends;
  }

  /** The messages of `g` to `node` that its new state `state` makes obsolete. */
  private obsoleted(g: Global, node: number, state: number): readonly number[] {
    if (state === g.states[node]) return NONE;
    let out: number[] | null = null;
    for (const m of g.ids) {
      if (this.messageEnds[2 * m + 1] !== node || !this.isObsolete(m, state)) continue;
      (out ??= []).push(m);
    }
    return out ?? NONE;
  }

  /**
   * Writes the canonical fingerprint of the successor `successorKey` describes (the same
   * arguments) without building it: the hot path of symmetry reduction.
   */
  private writeSuccessorCanonical(t: SymmetryTables<S, M, D>, g: Global, node: number, state: number, durable: number, sends: readonly number[], removed: readonly number[], consumed: number, slot: number, choice: number, crashed: number): void {
    const sc = t.scratch;
    if (this.model.network !== 'set') {
      // The multiset network: build the successor as data, then choose its representative.
      this.materialize(sc, g, node, state, durable, sends, consumed, slot, choice, crashed);
      this.writeCanonical(t, sc);
      return;
    }
    sc.crashes = g.crashes + crashed;
    for (let r = 0; r < g.asked.length; r += 1) sc.asked[r] = r === slot ? choice : g.asked[r]!;
    for (let i = 0; i < g.states.length; i += 1) {
      sc.states[i] = i === node ? state : g.states[i]!;
      sc.durables[i] = i === node ? durable : g.durables[i]!;
    }
    this.writeSetSuccessorCanonical(t, g, sends, removed);
  }

  /**
   * The set model's fast path: the successor's network is `g`'s plus `sends`, so the parts
   * that depend on `g`'s network alone (each node's message signature, and `g`'s history
   * renamed by each permutation) are computed once per expanded state and reused by all its
   * successors; a successor adds only what its new messages change.
   */
  private writeSetSuccessorCanonical(t: SymmetryTables<S, M, D>, g: Global, sends: readonly number[], removed: readonly number[]): void {
    const sc = t.scratch;
    if (t.base !== g) {
      t.base = g;
      this.signaturesOf(t, g.ids, null, t.baseSignatures);
      for (let k = 0; k < t.positions.length; k += 1) {
        const i = t.positions[k]!;
        t.baseLabels[i] = this.label(t, k, g.states[i]!, g.durables[i]!);
      }
      t.baseBits.fill(null);
    }
    // The step's messages new to the network, each once, renamed below by each permutation.
    const fresh = t.fresh;
    let freshCount = 0;
    for (const m of sends) {
      if (((g.bits[m >> 3] ?? 0) & (1 << (m & 7))) !== 0) continue;
      let seen = false;
      for (let x = 0; x < freshCount; x += 1) if (fresh[x] === m) seen = true;
      if (!seen) fresh[freshCount++] = m;
    }
    const labels = t.labels;
    const signatures = t.signatures;
    for (let k = 0; k < t.positions.length; k += 1) {
      const i = t.positions[k]!;
      // Only the node that stepped can have a new label.
      labels[i] = sc.states[i] === g.states[i] && sc.durables[i] === g.durables[i] ? t.baseLabels[i]! : this.label(t, k, sc.states[i]!, sc.durables[i]!);
      signatures[i] = t.baseSignatures[i]!;
    }
    for (let x = 0; x < freshCount; x += 1) this.addSignature(t, fresh[x]!, 0, signatures);
    for (const m of removed) this.addSignature(t, m, 0, signatures, -1);
    const best = this.writer;
    let bestPerm = -1;
    for (let p = 0; p < t.perms.length; p += 1) {
      if (!this.ordered(t, p)) continue;
      const w = bestPerm < 0 ? best : this.spare;
      this.writeNodes(t, p, sc, w);
      let bits = t.baseBits[p];
      if (bits === null || bits === undefined) {
        const mapped = g.ids.map((m) => t.messages[p]![m] ?? this.permMessage(t, p, m));
        bits = new Uint8Array(mapped.reduce((x, m) => Math.max(x, (m >> 3) + 1), 0));
        for (const m of mapped) bits[m >> 3]! |= 1 << (m & 7);
        t.baseBits[p] = bits;
      }
      const extra = (t.extra[freshCount] ??= new Array<number>(freshCount).fill(0));
      const map = t.messages[p]!;
      for (let j = 0; j < freshCount; j += 1) extra[j] = map[fresh[j]!] ?? this.permMessage(t, p, fresh[j]!);
      if (removed.length === 0) w.bitset(bits, extra);
      else w.bitset(bits, extra, removed.map((m) => map[m] ?? this.permMessage(t, p, m)));
      bestPerm = this.keepSmaller(p, bestPerm);
    }
    this.lastPerm = bestPerm;
  }

  /** Adds message `m` (with `copies` in flight, multiset) to the signatures of its symmetric ends. */
  private addSignature(t: SymmetryTables<S, M, D>, m: number, copies: number, signatures: number[], sign = 1): void {
    for (let e = 2 * m; e < 2 * m + 2; e += 1) {
      const i = this.messageEnds[e]!;
      const k = i < 0 ? -1 : t.positionOf[i]!;
      if (k < 0) continue;
      signatures[i] = (signatures[i]! + sign * mix32(this.messageLabel(t, k, m) * 64 + Math.min(copies, 63) + (e & 1) * 0x40000000)) | 0;
    }
  }

  /** The signatures of the symmetric nodes over a history (`counts`: copies, multiset). */
  private signaturesOf(t: SymmetryTables<S, M, D>, ids: readonly number[], counts: readonly number[] | null, out: number[]): void {
    for (const i of t.positions) out[i] = 0;
    for (let j = 0; j < ids.length; j += 1) this.addSignature(t, ids[j]!, counts === null ? 0 : counts[j]!, out);
  }

  /** True when permutation `p` puts the symmetric nodes in the order of their labels. */
  private ordered(t: SymmetryTables<S, M, D>, p: number): boolean {
    const back = t.perms[t.inverse[p]!]!;
    const positions = t.positions;
    const labels = t.labels;
    const signatures = t.signatures;
    for (let k = 1; k < positions.length; k += 1) {
      const a = back[positions[k - 1]!]!;
      const b = back[positions[k]!]!;
      if (labels[a]! > labels[b]! || (labels[a] === labels[b] && signatures[a]! > signatures[b]!)) return false;
    }
    return true;
  }

  /** Writes crashes, what was asked, and the node states renamed by `p`, into `w` (reset first). */
  private writeNodes(t: SymmetryTables<S, M, D>, p: number, g: Global, w: Writer): void {
    const back = t.perms[t.inverse[p]!]!;
    w.reset();
    w.varint(g.crashes);
    for (const a of g.asked) w.varint(a);
    const stateMap = t.states[p]!;
    const durableMap = t.durables[p]!;
    for (let q = 0; q < g.states.length; q += 1) {
      const i = back[q]!;
      w.varint(stateMap[g.states[i]!] ?? this.permState(t, p, g.states[i]!));
      w.varint(durableMap[g.durables[i]!] ?? this.permDurable(t, p, g.durables[i]!));
    }
  }

  /**
   * Writes the canonical fingerprint of `g` into the writer: over the permutations that put
   * the symmetric nodes in order of their labels, the smallest fingerprint of `g` renamed.
   * Records the permutation used in `lastPerm`.
   */
  private writeCanonical(t: SymmetryTables<S, M, D>, g: Global): void {
    // Each symmetric node's label: its own state and record, then (to break most ties) a sum
    // of hashes of the labels of the messages it sent or is sent, each as seen from the node.
    const multiset = this.model.network === 'multiset';
    for (let k = 0; k < t.positions.length; k += 1) {
      const i = t.positions[k]!;
      t.labels[i] = this.label(t, k, g.states[i]!, g.durables[i]!);
    }
    this.signaturesOf(t, g.ids, multiset ? g.counts : null, t.signatures);
    const best = this.writer;
    let bestPerm = -1;
    for (let p = 0; p < t.perms.length; p += 1) {
      if (!this.ordered(t, p)) continue;
      const w = bestPerm < 0 ? best : this.spare;
      this.writeNodes(t, p, g, w);
      const map = t.messages[p]!;
      const mapped = t.mapped;
      mapped.length = g.ids.length;
      for (let j = 0; j < g.ids.length; j += 1) mapped[j] = map[g.ids[j]!] ?? this.permMessage(t, p, g.ids[j]!);
      if (!multiset) {
        w.bitset(EMPTY, mapped);
      } else {
        const order = t.order;
        order.length = g.ids.length;
        for (let j = 0; j < order.length; j += 1) order[j] = j;
        if (p !== 0) order.sort((x, y) => mapped[x]! - mapped[y]!);
        const lengthAt = w.len;
        w.byte(0);
        const bitsAt = w.len;
        w.bitset(EMPTY, mapped);
        w.patch(lengthAt, w.len - bitsAt);
        for (const j of order) w.varint(g.counts[j]!);
      }
      bestPerm = this.keepSmaller(p, bestPerm);
    }
    this.lastPerm = bestPerm;
  }

  /**
   * After candidate `p` is written (into the writer when it is the first, else into `spare`):
   * keeps the smaller fingerprint in the writer, and returns the permutation it came from.
   */
  private keepSmaller(p: number, bestPerm: number): number {
    if (bestPerm < 0) return p;
    if (compareBytes(this.spare, this.writer) >= 0) return bestPerm;
    this.writer.reset();
    this.writer.bytes(this.spare);
    return p;
  }

  private indexOf(node: NodeId): number {
    const i = this.nodeIndex.get(node);
    if (i === undefined) throw new Error(`synod: node ${node} is not in protocol ${this.model.protocol.name}`);
    return i;
  }

  private messageId(m: M): number {
    const id = this.messageTable.id(m);
    if (id === this.messageTo.length) {
      const to = this.nodeIndex.get(m.to);
      const lost = this.model.lost?.(m) === true;
      this.messageTo.push(to === undefined || this.down.has(to) || lost ? -1 : to);
      this.messageEnds.push(this.nodeIndex.get(m.from) ?? -1, to ?? -1);
      const read = this.readByAProperty(m);
      this.read.push(read);
      this.unrecorded.push(lost && !read);
    }
    return id;
  }

  /** True unless every property declares what it reads and none reads `m`. */
  private readByAProperty(m: M): boolean {
    const all = [...this.model.always, ...this.model.sometimes];
    return all.some((p) => p.reads === undefined || p.reads.message(m));
  }

  private initial(): Global {
    const p = this.model.protocol;
    return {
      crashes: 0,
      asked: this.model.requests.map(() => 0),
      states: this.nodes.map((n) => this.stateTable.id(p.init(n))),
      durables: this.nodes.map(() => this.durableTable.id(undefined)),
      bits: new Uint8Array(0),
      ids: [],
      counts: [],
    };
  }

  private readonly writer = new Writer();

  /** Writes the fingerprint of `g` into the writer. */
  private encode(g: Global): void {
    if (this.sym !== null) this.writeCanonical(this.sym, g);
    else this.successorKey(g, -1, 0, 0, [], -1, -1, 0, 0);
  }

  /**
   * Fills `out` with the successor of `g` that `successorKey` describes (the same arguments),
   * as data: for symmetry reduction, which renames it before writing it.
   */
  private materialize(out: Global, g: Global, node: number, state: number, durable: number, stepSends: readonly number[], consumed: number, slot: number, choice: number, crashed: number, keepRead = false): void {
    let sends = stepSends;
    let removed = NONE;
    if (this.model.obsolete !== undefined && this.model.network === 'set') {
      sends = this.liveSends(g, node, state, stepSends, keepRead);
      removed = this.obsoleted(g, node, state);
    }
    out.crashes = g.crashes + crashed;
    out.asked = g.asked.map((a, r) => (r === slot ? choice : a));
    out.states = g.states.map((x, i) => (i === node ? state : x));
    out.durables = g.durables.map((x, i) => (i === node ? durable : x));
    const multiset = this.model.network === 'multiset';
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

  private decode(store: StateStore, id: number): Global {
    const r = store.reader(id);
    const crashes = r.varint();
    const asked: number[] = [];
    for (let k = 0; k < this.model.requests.length; k += 1) asked.push(r.varint());
    const states: number[] = [];
    const durables: number[] = [];
    for (let i = 0; i < this.nodes.length; i += 1) {
      states.push(r.varint());
      durables.push(r.varint());
    }
    const multiset = this.model.network === 'multiset';
    const size = multiset ? r.varint() : r.end - r.at;
    const bits = r.bytes.slice(r.at, r.at + size);
    r.at += size;
    const ids = bitIds(bits);
    const counts: number[] = [];
    if (multiset) for (let j = 0; j < ids.length; j += 1) counts.push(r.varint());
    return { crashes, asked, states, durables, bits, ids, counts };
  }

  /**
   * One local step of node index `node` in `g`, through the protocol's handler, memoized by its
   * whole input: the node's state and durable record (by id) and the input — a message id
   * (`KIND_DELIVER`), a request slot and choice (`KIND_REQUEST`, slot * 0x10000 + choice) or
   * the timer (`KIND_TIMEOUT`).
   */
  private local(kind: number, node: number, g: Global, arg: number): LocalStep {
    const stateId = g.states[node]!;
    const durableId = g.durables[node]!;
    let memo: StepMemo | undefined;
    if (this.memoize) {
      let byDurable = this.stepMemo[stateId];
      if (byDurable === undefined) {
        byDurable = [];
        this.stepMemo[stateId] = byDurable;
      }
      memo = byDurable[durableId];
      if (memo === undefined) {
        memo = { deliver: [], other: new Map() };
        byDurable[durableId] = memo;
      }
      const hit = kind === KIND_DELIVER ? memo.deliver[arg] : memo.other.get(kind === KIND_TIMEOUT ? -1 : arg);
      if (hit !== undefined) return hit;
    }
    const p = this.model.protocol;
    const before = this.stateTable.get(stateId);
    let step: ReturnType<Protocol<S, M, E, D, C>['timeout']>;
    if (kind === KIND_DELIVER) step = p.deliver(before, this.messageTable.get(arg));
    else if (kind === KIND_REQUEST) step = p.request(before, this.model.requests[arg >>> 16]!.choices[arg & 0xffff]!);
    else step = p.timeout(before);
    let result: LocalStep;
    if (this.model.within !== undefined && !this.model.within(step.state)) {
      result = PRUNED;
    } else {
      let durable = this.durableTable.get(durableId);
      const sends: number[] = [];
      for (const effect of step.effects) {
        durable = p.persisted(durable, effect);
        const m = p.sent(effect);
        if (m === null) continue;
        const id = this.messageId(m);
        if (!this.unrecorded[id]) sends.push(id);
      }
      const state = this.stateTable.id(step.state);
      const durableAfter = this.durableTable.id(durable);
      const broken = this.brokenStep(before, step.state, step.effects);
      result = { pruned: false, state, durable: durableAfter, sends, ignored: step.ignored, unchanged: state === stateId && durableAfter === durableId, broken };
    }
    if (memo !== undefined) {
      if (kind === KIND_DELIVER) memo.deliver[arg] = result;
      else memo.other.set(kind === KIND_TIMEOUT ? -1 : arg, result);
    }
    return result;
  }

  /** The first step property broken by a step from `before` to `after` with these effects, or null. */
  private brokenStep(before: S, after: S, effects: readonly E[]): Broken | null {
    const steps = this.model.steps;
    if (steps === undefined || steps.length === 0) return null;
    const sent: M[] = [];
    for (const e of effects) {
      const m = this.model.protocol.sent(e);
      if (m !== null) sent.push(m);
    }
    for (const p of steps) {
      const findings = p.check(before, after, sent);
      if (findings.length > 0) return { property: p.name, findings };
    }
    return null;
  }

  /** The step property a crash of a node in state `stateId` that recovers as `recoveredId` breaks, or null (memoized). */
  private brokenCrash(stateId: number, recoveredId: number): Broken | null {
    if (this.model.steps === undefined) return null;
    if (recoveredId >= 0x4000000) throw new Error('synod: more than 2^26 node states; the crash memo supports fewer');
    const key = stateId * 0x4000000 + recoveredId;
    let hit = this.crashMemo.get(key);
    if (hit === undefined) {
      hit = this.brokenStep(this.stateTable.get(stateId), this.stateTable.get(recoveredId), []);
      this.crashMemo.set(key, hit);
    }
    return hit;
  }

  private recovered(node: number, durableId: number): number {
    const key = node * 0x100000 + durableId;
    const hit = this.memoize ? this.recoverMemo.get(key) : undefined;
    if (hit !== undefined) return hit;
    const id = this.stateTable.id(this.model.protocol.recover(this.nodes[node]!, this.durableTable.get(durableId)));
    if (this.memoize) this.recoverMemo.set(key, id);
    return id;
  }

  /**
   * The fingerprint of the successor of `g` in which `node` took a step to (`state`,
   * `durable`) and sent `sends` (node -1: nobody stepped), `consumed` (an index into `g.ids`,
   * or -1) was delivered, request slot `slot` was asked `choice`, and `crashed` crashes were
   * added. Written straight from `g` without building the successor: most successors are
   * states already seen, and building them would be wasted work.
   *
   * Layout: crashes, asked[], (state, durable)[] as varints; then the network. Set model: the
   * bitset of messages ever sent, to the end. Multiset model: the bitset's length, the bitset,
   * then the number of copies in flight of each message in the history, in id order.
   *
   * Returns whether a message a property reads was dropped on arrival (obsolete, and settled):
   * the search then checks the successor with it too (see `Visitor.unreduced`).
   */
  private successorKey(g: Global, node: number, state: number, durable: number, stepSends: readonly number[], consumed: number, slot: number, choice: number, crashed: number): boolean {
    let sends = stepSends;
    let removed = NONE;
    if (this.model.obsolete !== undefined && this.model.network === 'set' && node >= 0) {
      sends = this.liveSends(g, node, state, stepSends);
      removed = this.obsoleted(g, node, state);
    }
    const droppedRead = sends !== stepSends && stepSends.some((m) => this.read[m]! && !sends.includes(m));
    const sym = this.sym;
    if (sym !== null) {
      this.writeSuccessorCanonical(sym, g, node, state, durable, sends, removed, consumed, slot, choice, crashed);
      return droppedRead;
    }
    const w = this.writer;
    w.reset();
    w.varint(g.crashes + crashed);
    for (let r = 0; r < g.asked.length; r += 1) w.varint(r === slot ? choice : g.asked[r]!);
    for (let i = 0; i < g.states.length; i += 1) {
      w.varint(i === node ? state : g.states[i]!);
      w.varint(i === node ? durable : g.durables[i]!);
    }
    if (this.model.network === 'set') {
      w.bitset(g.bits, sends, removed);
      return droppedRead;
    }
    const lengthAt = w.len;
    w.byte(0);
    const bitsAt = w.len;
    w.bitset(g.bits, sends);
    const size = w.len - bitsAt;
    if (size >= 0x80) throw new Error('synod: more than 1016 distinct messages; the multiset fingerprint supports fewer');
    w.patch(lengthAt, size);
    let fresh = sends;
    if (sends.length > 1) fresh = [...sends].sort((x, y) => x - y);
    let k = 0;
    const copies = (m: number): number => {
      let c = 0;
      while (k < fresh.length && fresh[k] === m) {
        c += 1;
        k += 1;
      }
      return c;
    };
    for (let j = 0; j < g.ids.length; j += 1) {
      const id = g.ids[j]!;
      while (k < fresh.length && fresh[k]! < id) w.varint(copies(fresh[k]!));
      w.varint(g.counts[j]! + copies(id) - (j === consumed ? 1 : 0));
    }
    while (k < fresh.length) w.varint(copies(fresh[k]!));
    return droppedRead;
  }

  /** True when, in the set model, `sends` are all already in the network. */
  private allPresent(g: Global, sends: readonly number[]): boolean {
    const bits = g.bits;
    const obsolete = this.model.obsolete !== undefined;
    for (const m of sends) {
      if (((bits[m >> 3] ?? 0) & (1 << (m & 7))) !== 0) continue;
      // A message obsolete on arrival is never added: as good as present. One a property reads
      // is not: the state with it must still be checked.
      const r = this.messageEnds[2 * m + 1]!;
      if (obsolete && r >= 0 && !this.read[m]! && this.isObsolete(m, g.states[r]!)) continue;
      return false;
    }
    return true;
  }

  /**
   * Every successor of `g`, in a fixed order: deliveries in message-id order, then client
   * requests, timeouts, crashes. Each is written into the writer as its fingerprint, then
   * `visit` is called with the action that leads to it. A step that changes nothing at all (a
   * repeated delivery in the set model) is reported to `loop` only.
   */
  private successors(g: Global, v: Visitor): void {
    const multiset = this.model.network === 'multiset';
    /** Writes the successor's fingerprint and visits it (then the successor before an arrival was dropped, if one was). */
    const emit = (action: number, arg: number, node: number, step: { state: number; durable: number; sends: readonly number[] }, consumed: number, slot: number, choice: number, crashed: number): void => {
      const dropped = this.successorKey(g, node, step.state, step.durable, step.sends, consumed, slot, choice, crashed);
      v.visit(action, arg);
      if (!dropped) return;
      const full: Global = { crashes: 0, asked: [], states: [], durables: [], bits: EMPTY, ids: [], counts: [] };
      this.materialize(full, g, node, step.state, step.durable, step.sends, consumed, slot, choice, crashed, true);
      v.unreduced(action, arg, full);
    };
    for (let j = 0; j < g.ids.length; j += 1) {
      if (multiset && g.counts[j] === 0) continue;
      const m = g.ids[j]!;
      const to = this.messageTo[m]!;
      if (to < 0) continue;
      const step = this.local(KIND_DELIVER, to, g, m);
      if (step.pruned) continue;
      if (step.broken !== null) v.broke(ACTION_DELIVER, m, step.broken);
      if (!multiset && step.unchanged && this.allPresent(g, step.sends)) {
        v.loop();
        continue;
      }
      emit(ACTION_DELIVER, m, to, step, j, -1, 0, 0);
    }
    const requests = this.model.requests;
    for (let r = 0; r < requests.length; r += 1) {
      if (g.asked[r] !== 0) continue;
      const slot = requests[r]!;
      const node = this.indexOf(slot.node);
      if (this.down.has(node)) continue;
      for (let c = 0; c < slot.choices.length; c += 1) {
        const step = this.local(KIND_REQUEST, node, g, r * 0x10000 + c);
        if (step.pruned) continue;
        if (step.broken !== null) v.broke(ACTION_REQUEST, r * 0x10000 + c, step.broken);
        emit(ACTION_REQUEST, r * 0x10000 + c, node, step, -1, r, c + 1, 0);
      }
    }
    for (const i of this.timers) {
      const step = this.local(KIND_TIMEOUT, i, g, 0);
      if (step.pruned) continue;
      if (step.broken !== null) v.broke(ACTION_TIMEOUT, i, step.broken);
      if (step.unchanged && (multiset ? step.sends.length === 0 : this.allPresent(g, step.sends))) {
        v.loop();
        continue;
      }
      emit(ACTION_TIMEOUT, i, i, step, -1, -1, 0, 0);
    }
    if (g.crashes < this.model.crashes) {
      for (const i of this.crashable) {
        const recovered = this.recovered(i, g.durables[i]!);
        // A crash that loses nothing leads to a state that only has fewer crashes left: every
        // run from it is a run from `g`, so it is skipped.
        if (recovered === g.states[i]) continue;
        const broken = this.brokenCrash(g.states[i]!, recovered);
        if (broken !== null) v.broke(ACTION_CRASH, i, broken);
        emit(ACTION_CRASH, i, i, { state: recovered, durable: g.durables[i]!, sends: NONE }, -1, -1, 0, 1);
      }
    }
  }

  /**
   * Writes the successor of `g` by one given action (for a prefix) into the writer and says
   * which action it is; throws if the action is not enabled.
   */
  private play(g: Global, action: Action<M, C>): { kind: number; arg: number } {
    switch (action.type) {
      case 'deliver': {
        const m = this.messageId(action.message);
        const j = lowerBound(g.ids, m);
        const to = this.messageTo[m]!;
        if (g.ids[j] !== m || to < 0 || (this.model.network === 'multiset' && g.counts[j] === 0)) {
          throw new Error(`synod: prefix delivers a message that is not deliverable: ${canonicalKey(action.message)}`);
        }
        const step = this.local(KIND_DELIVER, to, g, m);
        if (step.pruned) throw new Error('synod: prefix delivery leaves the bound');
        this.successorKey(g, to, step.state, step.durable, step.sends, j, -1, 0, 0);
        return { kind: ACTION_DELIVER, arg: m };
      }
      case 'request': {
        const r = this.model.requests.findIndex((slot, i) => slot.node === action.node && g.asked[i] === 0 && slot.choices.some((c) => canonicalKey(c) === canonicalKey(action.command)));
        if (r < 0) throw new Error(`synod: prefix request to node ${action.node} is not enabled`);
        const slot = this.model.requests[r]!;
        const c = slot.choices.findIndex((x) => canonicalKey(x) === canonicalKey(action.command));
        const node = this.indexOf(slot.node);
        const step = this.local(KIND_REQUEST, node, g, r * 0x10000 + c);
        if (step.pruned) throw new Error('synod: prefix request leaves the bound');
        this.successorKey(g, node, step.state, step.durable, step.sends, -1, r, c + 1, 0);
        return { kind: ACTION_REQUEST, arg: r * 0x10000 + c };
      }
      case 'timeout': {
        const i = this.indexOf(action.node);
        if (!this.timers.includes(i)) throw new Error(`synod: node ${action.node} has no timer`);
        const step = this.local(KIND_TIMEOUT, i, g, 0);
        if (step.pruned) throw new Error('synod: prefix timeout leaves the bound');
        this.successorKey(g, i, step.state, step.durable, step.sends, -1, -1, 0, 0);
        return { kind: ACTION_TIMEOUT, arg: i };
      }
      case 'crash': {
        const i = this.indexOf(action.node);
        if (g.crashes >= this.model.crashes || !this.crashable.includes(i)) throw new Error(`synod: node ${action.node} may not crash here`);
        this.successorKey(g, i, this.recovered(i, g.durables[i]!), g.durables[i]!, [], -1, -1, 0, 1);
        return { kind: ACTION_CRASH, arg: i };
      }
      default:
        return assertNever(action, 'action');
    }
  }

  private snapshot(g: Global): Snapshot<S, M, C> {
    const messages = g.ids.map((m) => this.messageTable.get(m));
    const inFlight: M[] = [];
    if (this.model.network === 'multiset') {
      g.ids.forEach((m, j) => {
        for (let k = 0; k < g.counts[j]!; k += 1) inFlight.push(this.messageTable.get(m));
      });
    } else {
      inFlight.push(...messages);
    }
    const requested: C[] = [];
    this.model.requests.forEach((slot, r) => {
      const a = g.asked[r]!;
      if (a > 0) requested.push(slot.choices[a - 1]!);
    });
    return {
      nodes: this.nodes,
      states: g.states.map((s) => this.stateTable.get(s)),
      messages,
      inFlight,
      requested,
    };
  }

  /** Memoizes a property on the part of the state it reads. */
  private projector(reads: Reads<S, M> | undefined): ((g: Global) => string) | null {
    if (reads === undefined || !this.memoize) return null;
    const nodeKeys = new Map<number, number>();
    const nodeKeyIds = new Map<string, number>();
    const relevant: boolean[] = [];
    const w = new Writer();
    return (g) => {
      w.reset();
      for (const s of g.states) {
        let k = nodeKeys.get(s);
        if (k === undefined) {
          const text = reads.node(this.stateTable.get(s));
          k = nodeKeyIds.get(text);
          if (k === undefined) {
            k = nodeKeyIds.size;
            nodeKeyIds.set(text, k);
          }
          nodeKeys.set(s, k);
        }
        w.varint(k);
      }
      if (reads.requests) for (const a of g.asked) w.varint(a);
      for (const m of g.ids) {
        let r = relevant[m];
        if (r === undefined) {
          r = reads.message(this.messageTable.get(m));
          relevant[m] = r;
        }
        if (r) w.varint(m);
      }
      return w.text();
    };
  }

  /** Explores the model; stops at the first violation of an always-property. */
  run(options: CheckOptions<S, M, C> = {}): CheckResult<M, C> {
    this.memoize = options.memoize ?? true;
    const started = process.hrtime.bigint();
    const elapsed = (): number => Number(process.hrtime.bigint() - started) / 1e9;
    if ((options.always ?? []).length > 0 && (this.model.obsolete !== undefined || this.model.lost !== undefined)) {
      // What the model removes or loses was decided against the model's own properties.
      throw new Error('synod: this model removes or loses messages; put extra properties in the model, not in the run options');
    }
    const always = [...this.model.always, ...(options.always ?? [])];
    const alwaysKeys = always.map((a) => this.projector(a.reads));
    const alwaysMemo = always.map(() => new Map<string, readonly Finding[]>());
    const sometimes = this.model.sometimes;
    const sometimesKeys = sometimes.map((s) => this.projector(s.reads));
    const sometimesMemo = sometimes.map(() => new Map<string, boolean>());
    const witnessed: (number | null)[] = sometimes.map(() => null);

    const store = new StateStore();
    const w = this.writer;
    let parent = new Int32Array(1024);
    let actionKind = new Uint8Array(1024);
    let actionArg = new Int32Array(1024);
    let depthOf = new Uint16Array(1024);
    let transitions = 0;
    let maxDepth = 0;
    const violations: Counterexample<M, C>[] = [];
    let stopped = false;

    /** Adds the state the writer holds (a `find` of it just returned -1). */
    const add = (hash: number, from: number, kind: number, arg: number, depth: number): number => {
      const id = store.add(w, hash);
      if (id === parent.length) {
        parent = grow(parent);
        actionKind = grow(actionKind);
        actionArg = grow(actionArg);
        depthOf = grow(depthOf);
      }
      parent[id] = from;
      actionKind[id] = kind;
      actionArg[id] = arg;
      depthOf[id] = Math.min(depth, 0xffff);
      if (depth > maxDepth) maxDepth = depth;
      return id;
    };

    /** The first always-property broken in `g`, with its findings, or null. */
    const brokenAlways = (g: Global, view: () => Snapshot<S, M, C>): Broken | null => {
      for (let k = 0; k < always.length; k += 1) {
        const findings = memoized(alwaysKeys[k]!, alwaysMemo[k]!, g, () => always[k]!.check(view()));
        if (findings.length > 0) return { property: always[k]!.name, findings };
      }
      return null;
    };

    /** Checks every property in state `id`; returns false when an always-property broke. */
    const onState = options.onState;
    const inspect = (id: number, g: Global): boolean => {
      if (onState !== undefined) {
        onState({
          crashes: g.crashes,
          asked: g.asked,
          states: g.states.map((x) => this.stateTable.get(x)),
          durables: g.durables.map((x) => this.durableTable.get(x)),
          history: g.ids.map((m) => this.messageTable.get(m)),
          copies: this.model.network === 'multiset' ? g.counts : null,
        });
      }
      let snap: Snapshot<S, M, C> | null = null;
      const view = (): Snapshot<S, M, C> => (snap ??= this.snapshot(g));
      const broken = brokenAlways(g, view);
      if (broken !== null) {
        violations.push({ ...broken, trace: this.trace(id, store, parent, actionKind, actionArg) });
        return false;
      }
      for (let k = 0; k < sometimes.length; k += 1) {
        if (witnessed[k] !== null) continue;
        if (memoized(sometimesKeys[k]!, sometimesMemo[k]!, g, () => sometimes[k]!.holds(view()))) witnessed[k] = id;
      }
      return true;
    };

    if (this.sym !== null && (options.prefix ?? []).length > 0) throw new Error('synod: a directed start is not supported with symmetry reduction');
    if (this.model.steps !== undefined && (options.prefix ?? []).length > 0) throw new Error('synod: a directed start is not supported with step properties');
    const init = this.initial();
    this.encode(init);
    const initHash = w.hash();
    store.find(w, initHash);
    add(initHash, -1, ACTION_NONE, 0, 0);
    stopped = !inspect(0, init);
    let start = 0;
    for (const action of options.prefix ?? []) {
      if (stopped) break;
      const g = this.decode(store, start);
      const next = this.play(g, action);
      const hash = w.hash();
      if (store.find(w, hash) >= 0) throw new Error(`synod: prefix action ${action.type} changes nothing`);
      start = add(hash, start, next.kind, next.arg, depthOf[start]! + 1);
      stopped = !inspect(start, this.decode(store, start));
    }
    const maxStates = options.maxStates ?? Number.POSITIVE_INFINITY;
    let lastReport = elapsed();
    const loop = (): void => {
      transitions += 1;
    };

    // The frontier. Breadth-first takes states in the order they were found, so the ids
    // themselves are the queue (`head`) and the first violation found has the shortest trace;
    // depth-first takes the newest state first, from a stack.
    const dfs = options.dfs === true;
    const stack: number[] = [start];
    let head = start;
    let expanded = 0;
    const takeNext = (): number | undefined => (dfs ? stack.pop() : head < store.size ? head++ : undefined);
    for (let id = takeNext(); id !== undefined && !stopped; id = takeNext()) {
      const g = this.decode(store, id);
      const depth = depthOf[id]! + 1;
      /** A violation found while expanding `g`: the trace ends with the step from `g`. */
      const stepViolation = (kind: number, arg: number, broken: Broken): void => {
        if (stopped) return;
        violations.push({ ...broken, trace: this.trace(id, store, parent, actionKind, actionArg, { kind, arg }) });
        stopped = true;
      };
      this.successors(g, { visit: (kind, arg) => {
        if (stopped) return;
        transitions += 1;
        const hash = w.hash();
        if (store.find(w, hash) >= 0) return;
        if (store.size >= maxStates) {
          // The budget is spent: no state is added, and no further state is expanded.
          stopped = true;
          return;
        }
        const child = add(hash, id, kind, arg, depth);
        if (!inspect(child, this.decode(store, child))) stopped = true;
        else if (dfs) stack.push(child);
      }, loop, broke: stepViolation, unreduced: (kind, arg, successor) => {
        if (stopped) return;
        const broken = brokenAlways(successor, () => this.snapshot(successor));
        if (broken !== null) stepViolation(kind, arg, broken);
      } });
      expanded += 1;
      if (options.progress !== undefined && (expanded & 0x3fff) === 0 && elapsed() - lastReport >= 1) {
        lastReport = elapsed();
        options.progress({ states: store.size, queue: dfs ? stack.length : store.size - head, transitions, seconds: lastReport });
      }
    }

    const sometimesResult: Record<string, SometimesResult<M, C>> = {};
    sometimes.forEach((s, k) => {
      const seen = witnessed[k]!;
      sometimesResult[s.name] = { holds: seen !== null, witness: seen === null ? null : this.trace(seen, store, parent, actionKind, actionArg) };
    });
    return {
      states: store.size,
      transitions,
      depth: maxDepth,
      seconds: elapsed(),
      complete: !stopped,
      violations,
      sometimes: sometimesResult,
      interned: { states: this.stateTable.values.length, durables: this.durableTable.values.length, messages: this.messageTable.values.length },
    };
  }

  /**
   * Rebuilds the run to state `id` by replaying its actions from the initial state. Under
   * symmetry reduction each stored state is a renamed representative and each recorded action
   * is one of its representative's, so the replay keeps the real state and the renaming from it
   * to its representative, and renames every action back before taking it: the trace is a run of
   * the model as it is, which the simulator can replay.
   */
  private trace(id: number, store: StateStore, parent: Int32Array, kinds: Uint8Array, args: Int32Array, last?: { kind: number; arg: number }): TraceStep<M, C>[] {
    const path: { at: number; kind: number; arg: number }[] = [];
    for (let at = id; at > 0; at = parent[at]!) path.push({ at, kind: kinds[at]!, arg: args[at]! });
    path.reverse();
    // A broken step property: one more action, from state `id`, to a state that need not be stored.
    if (last !== undefined) path.push({ at: -1, ...last });
    const t = this.sym;
    const steps: TraceStep<M, C>[] = [];
    let real = this.initial();
    this.encode(real);
    let sigma = t === null ? 0 : this.lastPerm;
    /** The first message really sent in this run under each interned id. */
    const sentAs = new Map<number, M>();
    for (const { at, kind, arg } of path) {
      // From the representative's names back to the real ones.
      const back = t === null ? 0 : t.inverse[sigma]!;
      const node = (i: number): number => (t === null ? i : t.perms[back]![i]!);
      const next: Global = { crashes: 0, asked: [], states: [], durables: [], bits: EMPTY, ids: [], counts: [] };
      // The step again on the real objects, for the messages it really sent (under a message
      // normal form the interned copy may differ from them).
      const took = (action: Action<M, C>, step: LocalStep | null, i: number): void => {
        const sent: M[] = [];
        if (step !== null) {
          const before = this.stateTable.get(real.states[i]!);
          const p = this.model.protocol;
          const raw =
            action.type === 'deliver' ? p.deliver(before, action.message) : action.type === 'request' ? p.request(before, action.command) : p.timeout(before);
          for (const e of raw.effects) {
            const m = p.sent(e);
            if (m === null) continue;
            const id = this.messageId(m);
            if (this.unrecorded[id]) continue;
            sent.push(m);
            if (!sentAs.has(id)) sentAs.set(id, m);
          }
          if (sent.length !== step.sends.length) throw new Error('synod: replaying the trace does not send what the search did');
        }
        const base = { action, sent };
        steps.push(step?.ignored === undefined ? base : { ...base, ignored: step.ignored });
      };
      switch (kind) {
        case ACTION_DELIVER: {
          const m = t === null ? arg : this.permMessage(t, back, arg);
          const to = this.messageTo[m]!;
          const step = this.local(KIND_DELIVER, to, real, m);
          took({ type: 'deliver', message: sentAs.get(m) ?? this.messageTable.get(m) }, step, to);
          this.materialize(next, real, to, step.state, step.durable, step.sends, lowerBound(real.ids, m), -1, 0, 0);
          break;
        }
        case ACTION_REQUEST: {
          const r = arg >>> 16;
          const slot = this.model.requests[r]!;
          const i = this.indexOf(slot.node);
          const step = this.local(KIND_REQUEST, i, real, arg);
          took({ type: 'request', node: slot.node, command: slot.choices[arg & 0xffff]! }, step, i);
          this.materialize(next, real, i, step.state, step.durable, step.sends, -1, r, (arg & 0xffff) + 1, 0);
          break;
        }
        case ACTION_TIMEOUT: {
          const i = node(arg);
          const step = this.local(KIND_TIMEOUT, i, real, 0);
          took({ type: 'timeout', node: this.nodes[i]! }, step, i);
          this.materialize(next, real, i, step.state, step.durable, step.sends, -1, -1, 0, 0);
          break;
        }
        case ACTION_CRASH: {
          const i = node(arg);
          took({ type: 'crash', node: this.nodes[i]! }, null, i);
          this.materialize(next, real, i, this.recovered(i, real.durables[i]!), real.durables[i]!, [], -1, -1, 0, 1);
          break;
        }
        default:
          throw new Error(`synod: state ${at} has no recorded action`);
      }
      real = next;
      this.encode(real);
      if (at >= 0 && !store.matches(at, this.writer)) throw new Error(`synod: replaying the trace does not reach state ${at}; the model is not deterministic or its symmetry is not one`);
      sigma = t === null ? 0 : this.lastPerm;
    }
    return steps;
  }
}

const KIND_DELIVER = 0;
const KIND_REQUEST = 1;
const KIND_TIMEOUT = 2;

const ACTION_NONE = 0;
const ACTION_DELIVER = 1;
const ACTION_REQUEST = 2;
const ACTION_TIMEOUT = 3;
const ACTION_CRASH = 4;

function grow<T extends Int32Array | Uint8Array | Uint16Array | Float64Array>(a: T): T {
  const bigger = new (a.constructor as new (n: number) => T)(a.length * 2);
  bigger.set(a);
  return bigger;
}

function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Checks a model once with a fresh checker. */
export function check<S, M extends Addressed, E, D, C>(model: Model<S, M, E, D, C>, options: CheckOptions<S, M, C> = {}): CheckResult<M, C> {
  return new ModelChecker(model).run(options);
}

/** One readable line per trace step; `show` prints a message. */
export function formatTrace<M, C>(trace: readonly TraceStep<M, C>[], show: (m: M) => string, showCommand: (c: C) => string = (c) => JSON.stringify(c)): string[] {
  const lines: string[] = [];
  trace.forEach((step, i) => {
    const n = `${String(i + 1).padStart(3)}.`;
    const a = step.action;
    switch (a.type) {
      case 'deliver':
        lines.push(`${n} deliver ${show(a.message)}${step.ignored === undefined ? '' : `  (ignored: ${step.ignored})`}`);
        break;
      case 'request':
        lines.push(`${n} client asks n${a.node} to propose ${showCommand(a.command)}${step.ignored === undefined ? '' : `  (ignored: ${step.ignored})`}`);
        break;
      case 'timeout':
        lines.push(`${n} timeout at n${a.node}${step.ignored === undefined ? '' : `  (ignored: ${step.ignored})`}`);
        break;
      case 'crash':
        lines.push(`${n} n${a.node} crashes and restarts from what it persisted`);
        break;
      default:
        assertNever(a, 'action');
    }
    for (const m of step.sent) lines.push(`       sends ${show(m)}`);
  });
  return lines;
}
