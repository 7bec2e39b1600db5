/**
 * A scripted cluster: the smallest driver of a `Protocol`. Tests and the Harbor Point demo
 * use it to play an exact interleaving: which message is delivered when, which is lost, which
 * node crashes and when it comes back. It keeps the driver's one rule: a step's persists are
 * durable before its sends leave the node, and a crash keeps only what was persisted.
 */
import type { Addressed, Protocol } from '../core/protocol';
import { durableThenSends } from '../core/protocol';
import type { NodeId, Step } from '../core/types';

export type ClusterEvent<M, E, C = unknown> =
  /** A client hands `node` a command (before the node's step). */
  | { readonly type: 'request'; readonly node: NodeId; readonly command: C }
  | { readonly type: 'send'; readonly message: M }
  | { readonly type: 'deliver'; readonly message: M; readonly ignored?: string }
  | { readonly type: 'drop'; readonly message: M }
  | { readonly type: 'effect'; readonly node: NodeId; readonly effect: E }
  | { readonly type: 'crash'; readonly node: NodeId }
  | { readonly type: 'restart'; readonly node: NodeId }
  /** One step of `node` is complete: its state is set, its effects and sends emitted (a monitor checks here). */
  | { readonly type: 'step'; readonly node: NodeId };

export class Cluster<S, M extends Addressed, E, D, C> {
  readonly states = new Map<NodeId, S>();
  readonly durable = new Map<NodeId, D | undefined>();
  readonly down = new Set<NodeId>();
  /** Messages sent and not yet delivered or dropped, oldest first. */
  inFlight: M[] = [];
  /** Every message ever sent (Paxos.tla's `msgs`). */
  readonly sent: M[] = [];
  /** Every client command handed to a node. */
  readonly requests: C[] = [];
  readonly events: ClusterEvent<M, E, C>[] = [];
  private readonly listeners: ((e: ClusterEvent<M, E, C>) => void)[] = [];

  constructor(readonly protocol: Protocol<S, M, E, D, C>) {
    for (const id of protocol.nodes) this.states.set(id, protocol.init(id));
  }

  on(listener: (e: ClusterEvent<M, E, C>) => void): this {
    this.listeners.push(listener);
    return this;
  }

  state(node: NodeId): S {
    const s = this.states.get(node);
    if (s === undefined) throw new Error(`synod: no node ${node} in this cluster`);
    return s;
  }

  request(node: NodeId, command: C): Step<S, E> {
    this.requests.push(command);
    this.emit({ type: 'request', node, command });
    return this.apply(node, this.protocol.request(this.state(node), command));
  }

  timeout(node: NodeId): Step<S, E> {
    return this.apply(node, this.protocol.timeout(this.state(node)));
  }

  /** Delivers the oldest in-flight message that matches; throws if none does. */
  deliver(match: (m: M) => boolean = () => true, options: { keep?: boolean } = {}): Step<S, E> {
    const index = this.inFlight.findIndex(match);
    const message = this.inFlight[index];
    if (message === undefined) throw new Error('synod: no in-flight message matches');
    if (options.keep !== true) this.inFlight.splice(index, 1);
    const state = this.state(message.to);
    if (this.down.has(message.to)) {
      this.emit({ type: 'drop', message });
      return { state, effects: [], ignored: `node ${message.to} is down` };
    }
    const step = this.protocol.deliver(state, message);
    this.emit(step.ignored === undefined ? { type: 'deliver', message } : { type: 'deliver', message, ignored: step.ignored });
    return this.apply(message.to, step);
  }

  /** Delivers matching messages, oldest first, until none is left (new ones included). */
  deliverAll(match: (m: M) => boolean = () => true, limit = 10_000): number {
    let delivered = 0;
    while (this.inFlight.some(match)) {
      if (delivered === limit) throw new Error(`synod: still delivering after ${limit} messages`);
      this.deliver(match);
      delivered += 1;
    }
    return delivered;
  }

  /** Loses every in-flight message that matches. */
  drop(match: (m: M) => boolean): number {
    const lost = this.inFlight.filter(match);
    this.inFlight = this.inFlight.filter((m) => !match(m));
    for (const message of lost) this.emit({ type: 'drop', message });
    return lost.length;
  }

  /**
   * The node stops. Its volatile state is gone at once (what remains is what it persisted);
   * messages to it are lost while it is down.
   */
  crash(node: NodeId): void {
    this.state(node);
    this.down.add(node);
    this.states.set(node, this.protocol.recover(node, this.durable.get(node)));
    this.emit({ type: 'crash', node });
  }

  /** The node comes back with what it persisted, and nothing else. */
  restart(node: NodeId): void {
    if (!this.down.delete(node)) throw new Error(`synod: node ${node} is not down`);
    this.emit({ type: 'restart', node });
  }

  isUp(node: NodeId): boolean {
    return !this.down.has(node);
  }

  private apply(node: NodeId, step: Step<S, E>): Step<S, E> {
    this.states.set(node, step.state);
    const { durable, sends } = durableThenSends(this.protocol, this.durable.get(node), step.effects);
    this.durable.set(node, durable);
    for (const effect of step.effects) this.emit({ type: 'effect', node, effect });
    for (const message of sends) {
      this.sent.push(message);
      this.inFlight.push(message);
      this.emit({ type: 'send', message });
    }
    this.emit({ type: 'step', node });
    return step;
  }

  private emit(event: ClusterEvent<M, E, C>): void {
    this.events.push(event);
    for (const l of this.listeners) l(event);
  }
}
