/**
 * An explicit-state model checker over any `Protocol` (lib/protocol.ts).
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
 * local step by those integers. A global state is then a short string of integers, which is both
 * its canonical fingerprint and its compact storage; expanding it rarely calls the protocol at
 * all, only a table. Property results are memoized the same way, keyed by the part of the state
 * a property says it reads. Memoization is exact (the key is the whole input of a pure
 * function), and `memoize: false` turns it off so a test can show the counts do not change.
 *
 * Breadth-first search finds the shortest counterexample; depth-first is available for memory.
 */
import type { Addressed, Protocol } from '../protocol';
import type { NodeId } from '../paxos/types';
import { assertNever } from '../paxos/types';
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
  readonly always: readonly AlwaysProperty<S, M, C>[];
  readonly sometimes: readonly SometimesProperty<S, M, C>[];
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
  /** Extra always-properties for this run only. */
  readonly always?: readonly AlwaysProperty<S, M, C>[];
  /**
   * A directed start: these actions are played first, from the initial state, and the search
   * explores every run from the state they reach. Every run found is then a real run (the
   * prefix, then a path the search found), so a counterexample stays a counterexample; a pass
   * covers only runs with this prefix. The bug zoo uses it for a mutant whose shortest
   * counterexample is too deep for breadth-first search from the start.
   */
  readonly prefix?: readonly Action<M, C>[];
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
  constructor(private readonly key: (v: T) => string) {}

  id(value: T): number {
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

const PRUNED: LocalStep = { pruned: true, state: -1, durable: -1, sends: [], ignored: undefined, unchanged: false };

/**
 * Writes a fingerprint: unsigned varints (7 bits a byte) and raw bitset bytes, read back as a
 * one-byte (latin1) string. One-byte strings hash fast and take half the memory of UTF-16 ones.
 */
class Writer {
  private buf = Buffer.alloc(256);
  len = 0;

  reset(): void {
    this.len = 0;
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const bigger = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(bigger, 0, 0, this.len);
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

  /** Bitset bytes, without trailing zero bytes so that equal sets write equal strings. */
  bitset(bits: Uint8Array, extra: readonly number[]): void {
    let top = bits.length;
    for (const m of extra) top = Math.max(top, (m >> 3) + 1);
    this.room(top);
    const at = this.len;
    for (let i = 0; i < top; i += 1) this.buf[at + i] = i < bits.length ? bits[i]! : 0;
    for (const m of extra) this.buf[at + (m >> 3)]! |= 1 << (m & 7);
    let end = top;
    while (end > 0 && this.buf[at + end - 1] === 0) end -= 1;
    this.len = at + end;
  }

  patch(at: number, b: number): void {
    this.buf[at] = b;
  }

  text(): string {
    return this.buf.toString('latin1', 0, this.len);
  }
}

/** Reads what a `Writer` wrote. */
class Reader {
  at = 0;
  constructor(readonly key: string) {}

  varint(): number {
    let n = 0;
    let scale = 1;
    for (;;) {
      const c = this.key.charCodeAt(this.at);
      this.at += 1;
      n += (c & 0x7f) * scale;
      if (c < 0x80) return n;
      scale *= 0x80;
    }
  }

  done(): boolean {
    return this.at >= this.key.length;
  }
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
  /** Lost messages that no property reads: never put in the network. */
  private readonly unrecorded: boolean[] = [];
  /** Local steps by node-state id, then by (durable id, kind of input, input). */
  private readonly stepMemo: (Map<number, LocalStep> | undefined)[] = [];
  private readonly recoverMemo = new Map<number, number>();
  private readonly down: ReadonlySet<number>;
  private readonly crashable: readonly number[];
  private readonly timers: readonly number[];
  private memoize = true;

  constructor(readonly model: Model<S, M, E, D, C>) {
    const p = model.protocol;
    this.nodes = p.nodes;
    p.nodes.forEach((n, i) => this.nodeIndex.set(n, i));
    const codec = model.codec ?? {
      state: (s: S) => canonicalKey(s),
      message: (m: M) => canonicalKey(m),
      durable: (d: D | undefined) => (d === undefined ? '' : canonicalKey(d)),
    };
    this.stateTable = new Table<S>(codec.state);
    this.durableTable = new Table<D | undefined>(codec.durable);
    this.messageTable = new Table<M>(codec.message);
    this.down = new Set((model.down ?? []).map((n) => this.indexOf(n)));
    const t = model.timeouts;
    this.timers = (t === true ? p.nodes : t === false ? [] : t).map((n) => this.indexOf(n)).filter((i) => !this.down.has(i));
    this.crashable = (model.crashable ?? p.nodes).map((n) => this.indexOf(n)).filter((i) => !this.down.has(i));
    for (const slot of model.requests) {
      this.indexOf(slot.node);
      if (slot.choices.length === 0) throw new Error(`synod: a request slot for node ${slot.node} has no choices`);
    }
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
      this.unrecorded.push(lost && !this.readByAProperty(m));
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


  private encode(g: Global): string {
    return this.successorKey(g, -1, 0, 0, [], -1, -1, 0, 0);
  }

  private decode(key: string): Global {
    const r = new Reader(key);
    const crashes = r.varint();
    const asked = this.model.requests.map(() => r.varint());
    const states: number[] = [];
    const durables: number[] = [];
    for (let i = 0; i < this.nodes.length; i += 1) {
      states.push(r.varint());
      durables.push(r.varint());
    }
    const multiset = this.model.network === 'multiset';
    const size = multiset ? r.varint() : key.length - r.at;
    const bits = new Uint8Array(size);
    for (let i = 0; i < size; i += 1) bits[i] = key.charCodeAt(r.at + i);
    r.at += size;
    const ids = bitIds(bits);
    const counts = multiset ? ids.map(() => r.varint()) : [];
    return { crashes, asked, states, durables, bits, ids, counts };
  }

  /** One local step, through the protocol's handler, memoized by its whole input. */
  private local(kind: 'd' | 'r' | 't', node: number, g: Global, arg: number, run: (s: S) => ReturnType<Protocol<S, M, E, D, C>['timeout']>): LocalStep {
    const stateId = g.states[node]!;
    const durableId = g.durables[node]!;
    const key = (durableId * 4 + KIND[kind]) * 0x1000000 + arg;
    let memo = this.stepMemo[stateId];
    if (this.memoize) {
      if (memo === undefined) {
        memo = new Map<number, LocalStep>();
        this.stepMemo[stateId] = memo;
      }
      const hit = memo.get(key);
      if (hit !== undefined) return hit;
    }
    const p = this.model.protocol;
    const step = run(this.stateTable.get(stateId));
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
      result = { pruned: false, state, durable: durableAfter, sends, ignored: step.ignored, unchanged: state === stateId && durableAfter === durableId };
    }
    if (memo !== undefined) memo.set(key, result);
    return result;
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
   */
  private successorKey(g: Global, node: number, state: number, durable: number, sends: readonly number[], consumed: number, slot: number, choice: number, crashed: number): string {
    const w = this.writer;
    w.reset();
    w.varint(g.crashes + crashed);
    for (let r = 0; r < g.asked.length; r += 1) w.varint(r === slot ? choice : g.asked[r]!);
    for (let i = 0; i < g.states.length; i += 1) {
      w.varint(i === node ? state : g.states[i]!);
      w.varint(i === node ? durable : g.durables[i]!);
    }
    if (this.model.network === 'set') {
      w.bitset(g.bits, sends);
      return w.text();
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
    return w.text();
  }

  /** True when, in the set model, `sends` are all already in the network. */
  private allPresent(g: Global, sends: readonly number[]): boolean {
    for (const m of sends) if (g.ids[lowerBound(g.ids, m)] !== m) return false;
    return true;
  }

  /**
   * Every successor of `g`, by fingerprint, with the action that leads to it, in a fixed order:
   * deliveries in message-id order, then client requests, timeouts, crashes. A step that
   * changes nothing at all (a repeated delivery in the set model) is reported to `loop` only.
   */
  private successors(g: Global, visit: (key: string, action: number, arg: number) => void, loop: () => void): void {
    const p = this.model.protocol;
    const multiset = this.model.network === 'multiset';
    for (let j = 0; j < g.ids.length; j += 1) {
      if (multiset && g.counts[j] === 0) continue;
      const m = g.ids[j]!;
      const to = this.messageTo[m]!;
      if (to < 0) continue;
      const step = this.local('d', to, g, m, (s) => p.deliver(s, this.messageTable.get(m)));
      if (step.pruned) continue;
      if (!multiset && step.unchanged && this.allPresent(g, step.sends)) {
        loop();
        continue;
      }
      visit(this.successorKey(g, to, step.state, step.durable, step.sends, j, -1, 0, 0), ACTION_DELIVER, m);
    }
    const requests = this.model.requests;
    for (let r = 0; r < requests.length; r += 1) {
      if (g.asked[r] !== 0) continue;
      const slot = requests[r]!;
      const node = this.indexOf(slot.node);
      if (this.down.has(node)) continue;
      for (let c = 0; c < slot.choices.length; c += 1) {
        const command = slot.choices[c]!;
        const step = this.local('r', node, g, r * 0x10000 + c, (s) => p.request(s, command));
        if (step.pruned) continue;
        visit(this.successorKey(g, node, step.state, step.durable, step.sends, -1, r, c + 1, 0), ACTION_REQUEST, r * 0x10000 + c);
      }
    }
    if (this.timers.length > 0) {
      for (const i of this.timers) {
        const step = this.local('t', i, g, 0, (s) => p.timeout(s));
        if (step.pruned) continue;
        if (step.unchanged && (multiset ? step.sends.length === 0 : this.allPresent(g, step.sends))) {
          loop();
          continue;
        }
        visit(this.successorKey(g, i, step.state, step.durable, step.sends, -1, -1, 0, 0), ACTION_TIMEOUT, i);
      }
    }
    if (g.crashes < this.model.crashes) {
      for (const i of this.crashable) {
        const recovered = this.recovered(i, g.durables[i]!);
        // A crash that loses nothing leads to a state that only has fewer crashes left: every
        // run from it is a run from `g`, so it is skipped.
        if (recovered === g.states[i]) continue;
        visit(this.successorKey(g, i, recovered, g.durables[i]!, [], -1, -1, 0, 1), ACTION_CRASH, i);
      }
    }
  }

  /** The successor of `g` by one given action (for a prefix), or an error if it is not enabled. */
  private play(g: Global, action: Action<M, C>): { key: string; kind: number; arg: number } {
    const p = this.model.protocol;
    switch (action.type) {
      case 'deliver': {
        const m = this.messageId(action.message);
        const j = lowerBound(g.ids, m);
        const to = this.messageTo[m]!;
        if (g.ids[j] !== m || to < 0 || (this.model.network === 'multiset' && g.counts[j] === 0)) {
          throw new Error(`synod: prefix delivers a message that is not deliverable: ${canonicalKey(action.message)}`);
        }
        const step = this.local('d', to, g, m, (s) => p.deliver(s, this.messageTable.get(m)));
        if (step.pruned) throw new Error('synod: prefix delivery leaves the bound');
        return { key: this.successorKey(g, to, step.state, step.durable, step.sends, j, -1, 0, 0), kind: ACTION_DELIVER, arg: m };
      }
      case 'request': {
        const r = this.model.requests.findIndex((slot, i) => slot.node === action.node && g.asked[i] === 0 && slot.choices.some((c) => canonicalKey(c) === canonicalKey(action.command)));
        if (r < 0) throw new Error(`synod: prefix request to node ${action.node} is not enabled`);
        const slot = this.model.requests[r]!;
        const c = slot.choices.findIndex((x) => canonicalKey(x) === canonicalKey(action.command));
        const node = this.indexOf(slot.node);
        const step = this.local('r', node, g, r * 0x10000 + c, (s) => p.request(s, action.command));
        if (step.pruned) throw new Error('synod: prefix request leaves the bound');
        return { key: this.successorKey(g, node, step.state, step.durable, step.sends, -1, r, c + 1, 0), kind: ACTION_REQUEST, arg: r * 0x10000 + c };
      }
      case 'timeout': {
        const i = this.indexOf(action.node);
        if (!this.timers.includes(i)) throw new Error(`synod: node ${action.node} has no timer`);
        const step = this.local('t', i, g, 0, (s) => p.timeout(s));
        if (step.pruned) throw new Error('synod: prefix timeout leaves the bound');
        return { key: this.successorKey(g, i, step.state, step.durable, step.sends, -1, -1, 0, 0), kind: ACTION_TIMEOUT, arg: i };
      }
      case 'crash': {
        const i = this.indexOf(action.node);
        if (g.crashes >= this.model.crashes || !this.crashable.includes(i)) throw new Error(`synod: node ${action.node} may not crash here`);
        return { key: this.successorKey(g, i, this.recovered(i, g.durables[i]!), g.durables[i]!, [], -1, -1, 0, 1), kind: ACTION_CRASH, arg: i };
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
    const always = [...this.model.always, ...(options.always ?? [])];
    const alwaysKeys = always.map((a) => this.projector(a.reads));
    const alwaysMemo = always.map(() => new Map<string, readonly Finding[]>());
    const sometimes = this.model.sometimes;
    const sometimesKeys = sometimes.map((s) => this.projector(s.reads));
    const sometimesMemo = sometimes.map(() => new Map<string, boolean>());
    const witnessed: (number | null)[] = sometimes.map(() => null);

    const visited = new Set<string>();
    const keys: string[] = [];
    let parent = new Int32Array(1024);
    let actionKind = new Uint8Array(1024);
    let actionArg = new Int32Array(1024);
    let depthOf = new Uint16Array(1024);
    let transitions = 0;
    let maxDepth = 0;
    const violations: Counterexample<M, C>[] = [];
    let stopped = false;

    const add = (key: string, from: number, kind: number, arg: number, depth: number): number => {
      const id = keys.length;
      if (id === parent.length) {
        parent = grow(parent);
        actionKind = grow(actionKind);
        actionArg = grow(actionArg);
        depthOf = grow(depthOf);
      }
      keys.push(key);
      visited.add(key);
      parent[id] = from;
      actionKind[id] = kind;
      actionArg[id] = arg;
      depthOf[id] = Math.min(depth, 0xffff);
      if (depth > maxDepth) maxDepth = depth;
      return id;
    };

    /** Checks every property in state `id`; returns false when an always-property broke. */
    const inspect = (id: number, g: Global): boolean => {
      let snap: Snapshot<S, M, C> | null = null;
      const view = (): Snapshot<S, M, C> => (snap ??= this.snapshot(g));
      for (let k = 0; k < always.length; k += 1) {
        const project = alwaysKeys[k]!;
        let findings: readonly Finding[] | undefined;
        let memoKey = '';
        if (project !== null) {
          memoKey = project(g);
          findings = alwaysMemo[k]!.get(memoKey);
        }
        if (findings === undefined) {
          findings = always[k]!.check(view());
          if (project !== null) alwaysMemo[k]!.set(memoKey, findings);
        }
        if (findings.length > 0) {
          violations.push({ property: always[k]!.name, findings, trace: this.trace(id, keys, parent, actionKind, actionArg) });
          return false;
        }
      }
      for (let k = 0; k < sometimes.length; k += 1) {
        if (witnessed[k] !== null) continue;
        const project = sometimesKeys[k]!;
        let holds: boolean | undefined;
        let memoKey = '';
        if (project !== null) {
          memoKey = project(g);
          holds = sometimesMemo[k]!.get(memoKey);
        }
        if (holds === undefined) {
          holds = sometimes[k]!.holds(view());
          if (project !== null) sometimesMemo[k]!.set(memoKey, holds);
        }
        if (holds) witnessed[k] = id;
      }
      return true;
    };

    const init = this.initial();
    const initKey = this.encode(init);
    add(initKey, -1, ACTION_NONE, 0, 0);
    stopped = !inspect(0, init);
    let start = 0;
    for (const action of options.prefix ?? []) {
      if (stopped) break;
      const g = this.decode(keys[start]!);
      const next = this.play(g, action);
      if (visited.has(next.key)) throw new Error(`synod: prefix action ${action.type} changes nothing`);
      start = add(next.key, start, next.kind, next.arg, depthOf[start]! + 1);
      stopped = !inspect(start, this.decode(next.key));
    }
    const maxStates = options.maxStates ?? Number.POSITIVE_INFINITY;
    let lastReport = elapsed();
    let limited = false;
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
    const takeNext = (): number | undefined => (dfs ? stack.pop() : head < keys.length ? head++ : undefined);
    for (let id = takeNext(); id !== undefined && !stopped; id = takeNext()) {
      const g = this.decode(keys[id]!);
      const depth = depthOf[id]! + 1;
      this.successors(g, (key, kind, arg) => {
        if (stopped) return;
        transitions += 1;
        if (visited.has(key)) return;
        if (keys.length >= maxStates) {
          limited = true;
          return;
        }
        const child = add(key, id, kind, arg, depth);
        if (!inspect(child, this.decode(key))) stopped = true;
        else if (dfs) stack.push(child);
      }, loop);
      expanded += 1;
      if (options.progress !== undefined && (expanded & 0x3fff) === 0 && elapsed() - lastReport >= 1) {
        lastReport = elapsed();
        options.progress({ states: keys.length, queue: dfs ? stack.length : keys.length - head, transitions, seconds: lastReport });
      }
    }

    const sometimesResult: Record<string, SometimesResult<M, C>> = {};
    sometimes.forEach((s, k) => {
      const w = witnessed[k]!;
      sometimesResult[s.name] = { holds: w !== null, witness: w === null ? null : this.trace(w, keys, parent, actionKind, actionArg) };
    });
    return {
      states: keys.length,
      transitions,
      depth: maxDepth,
      seconds: elapsed(),
      complete: !stopped && !limited,
      violations,
      sometimes: sometimesResult,
      interned: { states: this.stateTable.values.length, durables: this.durableTable.values.length, messages: this.messageTable.values.length },
    };
  }

  /** Rebuilds the run to state `id` by replaying its actions from the initial state. */
  private trace(id: number, keys: string[], parent: Int32Array, kinds: Uint8Array, args: Int32Array): TraceStep<M, C>[] {
    const path: number[] = [];
    for (let at = id; at > 0; at = parent[at]!) path.push(at);
    path.reverse();
    const p = this.model.protocol;
    const steps: TraceStep<M, C>[] = [];
    for (const at of path) {
      const g = this.decode(keys[parent[at]!]!);
      const kind = kinds[at]!;
      const arg = args[at]!;
      const recorded = (action: Action<M, C>, step: LocalStep | null): void => {
        const base = { action, sent: step === null ? [] : step.sends.map((m) => this.messageTable.get(m)) };
        steps.push(step?.ignored === undefined ? base : { ...base, ignored: step.ignored });
      };
      switch (kind) {
        case ACTION_DELIVER: {
          const message = this.messageTable.get(arg);
          const to = this.messageTo[arg]!;
          recorded({ type: 'deliver', message }, this.local('d', to, g, arg, (s) => p.deliver(s, message)));
          break;
        }
        case ACTION_REQUEST: {
          const slot = this.model.requests[arg >>> 16]!;
          const command = slot.choices[arg & 0xffff]!;
          const node = this.indexOf(slot.node);
          recorded({ type: 'request', node: slot.node, command }, this.local('r', node, g, arg, (s) => p.request(s, command)));
          break;
        }
        case ACTION_TIMEOUT:
          recorded({ type: 'timeout', node: this.nodes[arg]! }, this.local('t', arg, g, 0, (s) => p.timeout(s)));
          break;
        case ACTION_CRASH:
          recorded({ type: 'crash', node: this.nodes[arg]! }, null);
          break;
        default:
          throw new Error(`synod: state ${at} has no recorded action`);
      }
    }
    return steps;
  }
}

const KIND = { d: 0, r: 1, t: 2 } as const;

const ACTION_NONE = 0;
const ACTION_DELIVER = 1;
const ACTION_REQUEST = 2;
const ACTION_TIMEOUT = 3;
const ACTION_CRASH = 4;

function grow<T extends Int32Array | Uint8Array | Uint16Array>(a: T): T {
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
