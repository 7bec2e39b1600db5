/**
 * What a client asks of the replicated state machine, under either protocol: a command carries
 * its session (client id, sequence number), so a retry is recognised and applied once; and
 * every reply is one of three, with the same meaning under Multi-Paxos and under Raft.
 */
import type { NodeId } from '../core/types';

/** A client command: a session (client id, sequence number) and an operation. */
export interface Command<Op> {
  readonly client: string;
  readonly seq: number;
  readonly op: Op;
}

/** `(client, seq)` as one string: the session key of a command. */
export function commandKey(c: { readonly client: string; readonly seq: number }): string {
  return `${c.client}#${c.seq}`;
}

/**
 * What a client hears back about one command.
 * - `ok`: the command was chosen (committed) and applied; `result` is what it returned. A retry
 *   with the same (client, seq) gets this same result and is not applied again.
 * - `redirect`: this node does not lead (or stopped leading before proposing the command): the
 *   command was not proposed here; try `leader` (0: unknown). Safe to send again anywhere.
 * - `indeterminate`: proposed by a leader that was deposed before it learned the outcome: the
 *   command may or may not be chosen. Retry with the same (client, seq): the session makes the
 *   retry apply at most once and returns the first result if it was chosen.
 */
export type Reply<R> =
  | { readonly status: 'ok'; readonly result: R }
  | { readonly status: 'redirect'; readonly leader: NodeId }
  | { readonly status: 'indeterminate'; readonly leader: NodeId };
