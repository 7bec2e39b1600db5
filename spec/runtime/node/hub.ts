/**
 * An in-test network for node drivers: one transport per node on a hub that delivers each
 * message on a later turn of the event loop (setImmediate, so sinon's fake timers control it),
 * can drop messages by a rule, and records every message sent.
 */
import type { Addressed } from '../../../lib/core/protocol';
import type { NodeId } from '../../../lib/core/types';
import type { Transport, TransportStats } from '../../../lib/runtime/contracts';

export class Hub<M extends Addressed> {
  readonly sent: M[] = [];
  readonly dropped: M[] = [];
  /** Returns true for a message to lose. */
  drop: (m: M) => boolean = () => false;
  private readonly handlers = new Map<NodeId, (m: M) => void>();

  transport(id: NodeId): HubTransport<M> {
    return new HubTransport(this, id);
  }

  attach(id: NodeId, handler: (m: M) => void): void {
    this.handlers.set(id, handler);
  }

  detach(id: NodeId): void {
    this.handlers.delete(id);
  }

  post(m: M): void {
    this.sent.push(m);
    if (this.drop(m)) {
      this.dropped.push(m);
      return;
    }
    setImmediate(() => this.handlers.get(m.to)?.(m));
  }
}

export class HubTransport<M extends Addressed> implements Transport<M> {
  private framesSent = 0;
  private framesReceived = 0;

  constructor(
    private readonly hub: Hub<M>,
    readonly id: NodeId,
  ) {}

  start(onMessage: (message: M) => void): Promise<void> {
    this.hub.attach(this.id, (m) => {
      this.framesReceived += 1;
      onMessage(m);
    });
    return Promise.resolve();
  }

  send(_to: NodeId, message: M): void {
    this.framesSent += 1;
    this.hub.post(message);
  }

  stats(): TransportStats {
    return { framesSent: this.framesSent, framesReceived: this.framesReceived, bytesSent: 0, bytesReceived: 0, rejected: {} };
  }

  close(): Promise<void> {
    this.hub.detach(this.id);
    return Promise.resolve();
  }
}
