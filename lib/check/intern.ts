/**
 * How the checker names what it meets. Every node state, durable record and message is
 * replaced by its normal form (the model's `Normalize`, when it declares one: states and
 * messages that differ only in data nobody reads again get one name), named by a canonical key
 * (the model's `Codec`, or `canonicalKey`), and interned as a small integer for the whole run:
 * equal data, one id. A global state is then a handful of integers (see `encoding.ts`), and
 * every local step and property result can be memoized by ids.
 *
 * Per interned message it also records what the search asks of it on every state: where it
 * goes, who sent it, whether a property reads it and whether it is lost unrecorded.
 */
import type { Addressed } from '../core/protocol';
import type { NodeId } from '../core/types';
import { canonicalKey } from './canonical';
import type { Model } from './model';

/** Interns values by canonical key: equal data gets one small integer for the whole run. */
export class Table<T> {
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

/** The intern tables of one model, and what is known of each interned message. */
export class Interner<S, M extends Addressed, E, D, C> {
  readonly nodes: readonly NodeId[];
  private readonly nodeIndex = new Map<NodeId, number>();
  readonly states: Table<S>;
  readonly durables: Table<D | undefined>;
  readonly messages: Table<M>;
  /** Node indices that never run. */
  readonly down: ReadonlySet<number>;
  /** Recipient node index of each interned message, or -1 when it goes to no running node. */
  readonly messageTo: number[] = [];
  /** Node indices of each interned message's sender and recipient (-1: not a node), at 2 id and 2 id + 1. */
  readonly messageEnds: number[] = [];
  /** Lost messages that no property reads: never put in the network. */
  readonly unrecorded: boolean[] = [];
  /** Whether some property reads each interned message. */
  readonly read: boolean[] = [];

  constructor(private readonly model: Model<S, M, E, D, C>) {
    this.nodes = model.protocol.nodes;
    this.nodes.forEach((n, i) => this.nodeIndex.set(n, i));
    const codec = model.codec ?? {
      state: (s: S) => canonicalKey(s),
      message: (m: M) => canonicalKey(m),
      durable: (d: D | undefined) => (d === undefined ? '' : canonicalKey(d)),
    };
    const normalize = model.normalize;
    this.states = new Table<S>(codec.state, normalize?.state?.bind(normalize));
    this.durables = new Table<D | undefined>(codec.durable);
    this.messages = new Table<M>(codec.message, normalize?.message?.bind(normalize));
    this.down = new Set((model.down ?? []).map((n) => this.indexOf(n)));
  }

  /** The index of `node` in the protocol's nodes; throws for a node the protocol does not run. */
  indexOf(node: NodeId): number {
    const i = this.nodeIndex.get(node);
    if (i === undefined) throw new Error(`synod: node ${node} is not in protocol ${this.model.protocol.name}`);
    return i;
  }

  /** The id of message `m` (in normal form), recording what is known of it when it is new. */
  messageId(m: M): number {
    const id = this.messages.id(m);
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
}
