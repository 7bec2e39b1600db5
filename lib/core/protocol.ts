/**
 * The one small interface every driver uses: the tests' scripted cluster, the simulator, the
 * model checker and the runtime drive a protocol only through it, so none of them has its own
 * copy of the protocol. A protocol is a set of nodes, each a pure state machine.
 */
import type { NodeId, Step } from './types';

/** A message knows its sender and its destination. */
export interface Addressed {
  readonly from: NodeId;
  readonly to: NodeId;
}

/**
 * S: a node's state. M: a message. E: an effect. D: a node's durable record (what survives a
 * crash). C: a client command.
 */
export interface Protocol<S, M extends Addressed, E, D, C> {
  readonly name: string;
  readonly nodes: readonly NodeId[];
  /** A node that has never run. */
  init(node: NodeId): S;
  /** A node restarted after a crash: built from its durable record alone. */
  recover(node: NodeId, durable: D | undefined): S;
  /** A message arrives. */
  deliver(state: S, message: M): Step<S, E>;
  /** The node's timer fires (logical time). */
  timeout(state: S): Step<S, E>;
  /** A client hands the node a command. */
  request(state: S, command: C): Step<S, E>;
  /** The message an effect sends, or null if it sends none. */
  sent(effect: E): M | null;
  /** The durable record after an effect: a persist effect updates it; others return it as is. */
  persisted(durable: D | undefined, effect: E): D | undefined;
}

/** Splits a step's effects into what must be made durable first and what is sent after. */
export function durableThenSends<S, M extends Addressed, E, D, C>(
  protocol: Protocol<S, M, E, D, C>,
  durable: D | undefined,
  effects: readonly E[],
): { durable: D | undefined; sends: M[] } {
  let next = durable;
  const sends: M[] = [];
  for (const effect of effects) {
    next = protocol.persisted(next, effect);
    const message = protocol.sent(effect);
    if (message !== null) sends.push(message);
  }
  return { durable: next, sends };
}
