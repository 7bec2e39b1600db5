/**
 * The seams of the runtime: what a real node needs from a disk and from a network, as two
 * small interfaces, so the node driver (./node) is written once and tested with the in-memory
 * versions, and runs for real with the file-backed log (./storage) and TCP (./transport).
 *
 * The rule every driver keeps (lib/core/types.ts): a step's persist effects are durable before
 * any of that step's sends leave the node. Here that reads: `append` every change of the steps
 * handled in one turn of the event loop, `sync` once (group commit), then send.
 */
import type { NodeId } from '../core/types';

/** What recovery found on disk: the latest snapshot (if any) and the changes logged after it. */
export interface Recovered<C, Snap> {
  readonly snapshot: Snap | undefined;
  /** Changes appended after the snapshot, oldest first. */
  readonly changes: readonly C[];
  /** A torn record at the tail was found and cut off: where, and how many bytes went. */
  readonly truncatedTail?: { readonly file: string; readonly offset: number; readonly bytes: number };
}

/**
 * A durable log of persist changes (C is a protocol's change: Multi-Paxos `DurableChange`,
 * Raft `PersistChange`) and snapshots (Snap: the applied state the log prefix is folded into).
 * A corrupt record that is not the last one makes `open` reject with an Error whose message
 * names the file and the byte offset; the node must not start on such a log.
 */
export interface DurableLog<C, Snap> {
  /** Reads what is on disk (once, before anything else); creates an empty log if there is none. */
  open(): Promise<Recovered<C, Snap>>;
  /** Buffers changes; they are not durable until the next `sync` resolves. */
  append(changes: readonly C[]): void;
  /** Makes every change appended so far durable (one write and one fdatasync for all of them). */
  sync(): Promise<void>;
  /**
   * Replaces the whole log with a snapshot: written atomically (write, fsync, rename, fsync the
   * directory), after which the changes it covers are dropped. `changesAfter` are the changes
   * that must still be replayed on top of it (those not folded into the snapshot).
   */
  writeSnapshot(snapshot: Snap, changesAfter: readonly C[]): Promise<void>;
  close(): Promise<void>;
}

/** Counters every transport keeps (also exported as metrics). */
export interface TransportStats {
  readonly framesSent: number;
  readonly framesReceived: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;
  /** Frames dropped on receipt, by reason (malformed, oversized, unknown-version, bad-hmac, non-member, invalid-message). */
  readonly rejected: Readonly<Record<string, number>>;
}

/** Node-to-node messaging. Sending never throws: a message to an unreachable peer is lost (the protocols retransmit). */
export interface Transport<M> {
  /** Starts listening and connecting; resolves once listening. */
  start(onMessage: (message: M) => void): Promise<void>;
  /** Sends `message`; returns the bytes it took on the wire (its encoded frame), 0 if it was dropped before being encoded. */
  send(to: NodeId, message: M): number;
  stats(): TransportStats;
  close(): Promise<void>;
}
