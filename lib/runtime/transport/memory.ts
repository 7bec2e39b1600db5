/**
 * `MemoryTransport`: the `Transport` interface over an in-process hub (`MemoryNetwork`), for the
 * node driver's tests. Each message is serialized with the wire codec and, when the network has
 * a validator, checked exactly as TcpTransport checks it (schema, `from`, `to`), so a driver
 * tested here meets the same rejections. Delivery is asynchronous (a microtask, like a socket's
 * callback, never inside `send`), or, with `manual: true`, held until the test calls `deliver`.
 *
 * Faults for tests: `partition` (groups that cannot reach each other), `block` / `unblock` one
 * direction, and `dropWhen` (a predicate over each message). A dropped message is lost, as on a
 * network; it is counted in the network's `dropped`.
 */
import type { Addressed } from '../../core/protocol';
import type { NodeId } from '../../core/types';
import type { Transport, TransportStats } from '../contracts';
import { decodeMessage, encodeMessage } from './codec';
import type { MessageValidator } from './validate';

export interface MemoryNetworkOptions<M> {
  /** Check every message as TcpTransport does (the payload's schema, `from`, `to`). */
  readonly validate?: MessageValidator<M>;
  /** Hold messages until `deliver` / `deliverAll` (default: deliver each on a microtask). */
  readonly manual?: boolean;
}

interface InFlight {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly payload: Buffer;
}

export class MemoryNetwork<M extends Addressed> {
  private readonly members = new Map<NodeId, MemoryTransport<M>>();
  private readonly held: InFlight[] = [];
  private readonly blocked = new Set<string>();
  private groups: ReadonlyMap<NodeId, number> | null = null;
  private dropFilter: ((message: M) => boolean) | null = null;
  /** Messages lost to a fault, to a stopped or unknown recipient. */
  dropped = 0;

  constructor(private readonly options: MemoryNetworkOptions<M> = {}) {}

  /** The transport of node `id` on this network (one per id). */
  transport(id: NodeId): MemoryTransport<M> {
    if (this.members.has(id)) throw new Error(`synod: node ${id} already has a transport on this network`);
    const t = new MemoryTransport<M>(id, this);
    this.members.set(id, t);
    return t;
  }

  /** Nodes in different groups cannot reach each other; a node in no group reaches nobody. */
  partition(...groups: readonly (readonly NodeId[])[]): void {
    const m = new Map<NodeId, number>();
    groups.forEach((g, i) => g.forEach((id) => m.set(id, i)));
    this.groups = m;
  }

  /** Ends every partition, block and drop filter. */
  heal(): void {
    this.groups = null;
    this.blocked.clear();
    this.dropFilter = null;
  }

  /** Messages from `from` to `to` are lost (one direction). */
  block(from: NodeId, to: NodeId): void {
    this.blocked.add(`${from}>${to}`);
  }

  unblock(from: NodeId, to: NodeId): void {
    this.blocked.delete(`${from}>${to}`);
  }

  /** Messages for which `filter` returns true are lost; null removes the filter. */
  dropWhen(filter: ((message: M) => boolean) | null): void {
    this.dropFilter = filter;
  }

  /** Messages held for `deliver` (manual mode). */
  pending(): number {
    return this.held.length;
  }

  /** Delivers the oldest held message (manual mode); false if none was held. */
  deliver(): boolean {
    const next = this.held.shift();
    if (next === undefined) return false;
    this.arrive(next);
    return true;
  }

  /** Delivers held messages, and those they cause, until none is left or `limit` were delivered; returns how many. */
  deliverAll(limit = 100_000): number {
    let n = 0;
    while (n < limit && this.deliver()) n += 1;
    return n;
  }

  /** @internal called by MemoryTransport.send: the payload's bytes, 0 if the network cut it. */
  carry(from: NodeId, to: NodeId, message: M): number {
    if (this.cut(from, to, message)) {
      this.dropped += 1;
      return 0;
    }
    const flight: InFlight = { from, to, payload: encodeMessage(message) };
    this.members.get(from)?.countSent(flight.payload.length);
    if (this.options.manual === true) this.held.push(flight);
    else queueMicrotask(() => this.arrive(flight));
    return flight.payload.length;
  }

  private cut(from: NodeId, to: NodeId, message: M): boolean {
    if (this.blocked.has(`${from}>${to}`)) return true;
    if (this.groups !== null && (this.groups.get(from) === undefined || this.groups.get(from) !== this.groups.get(to))) return true;
    return this.dropFilter?.(message) ?? false;
  }

  private arrive(flight: InFlight): void {
    const target = this.members.get(flight.to);
    if (target === undefined || !target.receive(flight.from, flight.payload, this.options.validate)) this.dropped += 1;
  }
}

export class MemoryTransport<M extends Addressed> implements Transport<M> {
  private onMessage: ((message: M) => void) | null = null;
  private closed = false;
  private counters = { framesSent: 0, framesReceived: 0, bytesSent: 0, bytesReceived: 0 };
  private readonly rejected: Record<string, number> = {};

  constructor(
    readonly id: NodeId,
    private readonly network: MemoryNetwork<M>,
  ) {}

  start(onMessage: (message: M) => void): Promise<void> {
    if (this.onMessage !== null || this.closed) return Promise.reject(new Error('synod: a transport starts once'));
    this.onMessage = onMessage;
    return Promise.resolve();
  }

  send(to: NodeId, message: M): number {
    if (this.closed || this.onMessage === null) return 0;
    return this.network.carry(this.id, to, message);
  }

  stats(): TransportStats {
    return { ...this.counters, rejected: { ...this.rejected } };
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  /** @internal */
  countSent(bytes: number): void {
    this.counters.framesSent += 1;
    this.counters.bytesSent += bytes;
  }

  /** @internal delivers one payload; false if this transport is not running. */
  receive(from: NodeId, payload: Buffer, validate: MessageValidator<M> | undefined): boolean {
    if (this.closed || this.onMessage === null) return false;
    this.counters.bytesReceived += payload.length;
    let message: M;
    if (validate === undefined) {
      message = JSON.parse(payload.toString('utf8')) as M;
    } else {
      const decoded = decodeMessage(payload, validate, from, this.id);
      if (!decoded.ok) {
        this.rejected[decoded.reason] = (this.rejected[decoded.reason] ?? 0) + 1;
        return true;
      }
      message = decoded.message;
    }
    this.counters.framesReceived += 1;
    this.onMessage(message);
    return true;
  }
}
