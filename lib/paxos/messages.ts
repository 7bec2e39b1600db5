/**
 * The messages of single-decree Paxos, one union.
 *
 * | Paxos Made Simple             | Paxos.tla | here       |
 * |-------------------------------|-----------|------------|
 * | prepare request numbered n    | "1a"      | `prepare`  |
 * | promise (and the highest-numbered proposal accepted) | "1b" | `promise` |
 * | accept request (n, v)         | "2a"      | `accept`   |
 * | the acceptor accepts          | "2b"      | `accepted` |
 * | (an optimization, section 2.3: tell the proposer to abandon) | - | `rejected` |
 *
 * Every message names its slot, so the same vocabulary serves one decree and a log of them.
 * The promise type is `PromiseMessage`, never `Promise`, which is a JavaScript global.
 */
import type { Ballot } from './ballot';
import type { NodeId } from '../core/types';

/** What an acceptor has accepted: Paxos.tla's `maxVBal` and `maxVal`. */
export interface Vote<V> {
  readonly ballot: Ballot;
  readonly value: V;
}

interface Envelope {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly slot: number;
}

export interface Prepare extends Envelope {
  readonly type: 'prepare';
  readonly ballot: Ballot;
}

export interface PromiseMessage<V> extends Envelope {
  readonly type: 'promise';
  readonly ballot: Ballot;
  /** The highest-numbered proposal this acceptor has accepted, or null if none. */
  readonly accepted: Vote<V> | null;
}

export interface Accept<V> extends Envelope {
  readonly type: 'accept';
  readonly ballot: Ballot;
  readonly value: V;
}

export interface Accepted<V> extends Envelope {
  readonly type: 'accepted';
  readonly ballot: Ballot;
  readonly value: V;
}

/** "The acceptor ... should inform the proposer, who should then abandon its proposal." */
export interface Rejected extends Envelope {
  readonly type: 'rejected';
  /** The ballot of the prepare or accept being refused. */
  readonly ballot: Ballot;
  /** The higher ballot this acceptor has promised; a proposer retries above it. */
  readonly promised: Ballot;
}

export type Message<V> = Prepare | PromiseMessage<V> | Accept<V> | Accepted<V> | Rejected;

export type MessageType = Message<unknown>['type'];

/** Every message type, in the order of the protocol. */
export const MESSAGE_TYPES: readonly MessageType[] = ['prepare', 'promise', 'accept', 'accepted', 'rejected'];
