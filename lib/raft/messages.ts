/**
 * The messages of Raft, as Figure 2 of the paper names them ("In Search of an Understandable
 * Consensus Algorithm", Ongaro and Ousterhout): RequestVote and its reply, AppendEntries and
 * its reply. Every message carries its sender's currentTerm ("Current terms are exchanged
 * whenever servers communicate", section 5.1).
 *
 * | Figure 2                                   | here            |
 * |--------------------------------------------|-----------------|
 * | RequestVote RPC (term, candidateId, lastLogIndex, lastLogTerm) | `request-vote` |
 * | RequestVote results (term, voteGranted)    | `vote`          |
 * | AppendEntries RPC (term, leaderId, prevLogIndex, prevLogTerm, entries[], leaderCommit) | `append-entries` |
 * | AppendEntries results (term, success)      | `append-reply`  |
 *
 * An RPC's reply is a message of its own (the core does no IO; a driver delivers it or loses
 * it). An AppendEntries reply adds what the leader needs without a second round trip: on
 * success, the index the follower now matches; on refusal, the conflict-term hint of section
 * 5.3 ("the follower can include the term of the conflicting entry and the first index it
 * stores for that term").
 */
import type { NodeId } from '../core/types';
import type { Command } from '../machine/command';

interface Envelope {
  readonly from: NodeId;
  readonly to: NodeId;
  /** The sender's currentTerm. */
  readonly term: number;
}

/** "Invoked by candidates to gather votes (§5.2)." */
export interface RequestVote extends Envelope {
  readonly type: 'request-vote';
  readonly lastLogIndex: number;
  readonly lastLogTerm: number;
}

/** RequestVote results: "voteGranted: true means candidate received vote". */
export interface VoteReply extends Envelope {
  readonly type: 'vote';
  readonly granted: boolean;
}

/** "Invoked by leader to replicate log entries (§5.3); also used as heartbeat (§5.2)." */
export interface AppendEntries<Op> extends Envelope {
  readonly type: 'append-entries';
  readonly prevLogIndex: number;
  readonly prevLogTerm: number;
  /** "log entries to store (empty for heartbeat; may send more than one for efficiency)" */
  readonly entries: readonly RaftEntry<Op>[];
  readonly leaderCommit: number;
  /** A read-index round (section 8, reads.ts): the reply echoes it. */
  readonly round?: number;
}

/**
 * AppendEntries results: "success: true if follower contained entry matching prevLogIndex and
 * prevLogTerm". `index` is the request's prevLogIndex (so the leader can tell a stale reply);
 * `match` the last index known to match the leader's log (success only); `conflictIndex` and
 * `conflictTerm` the hint of a refusal (conflictTerm 0: the follower's log is too short).
 */
export interface AppendReply extends Envelope {
  readonly type: 'append-reply';
  readonly success: boolean;
  readonly index: number;
  readonly match: number;
  readonly conflictIndex: number;
  readonly conflictTerm: number;
  /** The read-index round of the AppendEntries it answers, if it had one. */
  readonly round?: number;
}

/** A log entry: "command for state machine, and term when entry was received by leader". */
export type RaftEntry<Op> =
  | { readonly term: number; readonly kind: 'noop' }
  | { readonly term: number; readonly kind: 'command'; readonly command: Command<Op> };


export type RaftMessage<Op> = RequestVote | VoteReply | AppendEntries<Op> | AppendReply;

export type RaftMessageType = RaftMessage<unknown>['type'];

export const RAFT_MESSAGE_TYPES: readonly RaftMessageType[] = ['request-vote', 'vote', 'append-entries', 'append-reply'];
