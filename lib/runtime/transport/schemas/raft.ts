/**
 * One schema per Raft message type (lib/raft/messages.ts, Figure 2's two RPCs and their
 * replies). Keyed by `RaftMessageType`, so a new Raft message without a schema is a compile
 * error; spec/runtime/transport/schemas.spec.ts checks the table against `RAFT_MESSAGE_TYPES`
 * and a simulator run's messages.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { AppendEntries, AppendReply, RaftMessageType, RequestVote, VoteReply } from '../../../raft/messages';
import { closed, CommandSchema, Count, NodeIdSchema, NodeOpSchema, type NodeOp, type SameShape } from './common';

/** A Raft log entry over an operation schema: its term, and a no-op or a client command. */
export function RaftEntrySchema<T extends TSchema>(op: T) {
  return Type.Union([
    Type.Object({ term: Count, kind: Type.Literal('noop') }, closed),
    Type.Object({ term: Count, kind: Type.Literal('command'), command: CommandSchema(op) }, closed),
  ]);
}

/** Every Raft message type's schema, over an operation schema. */
export function raftSchemas<T extends TSchema>(op: T) {
  const envelope = { from: NodeIdSchema, to: NodeIdSchema, term: Count };
  return {
    'request-vote': Type.Object({ ...envelope, type: Type.Literal('request-vote'), lastLogIndex: Count, lastLogTerm: Count }, closed),
    vote: Type.Object({ ...envelope, type: Type.Literal('vote'), granted: Type.Boolean() }, closed),
    'append-entries': Type.Object(
      { ...envelope, type: Type.Literal('append-entries'), prevLogIndex: Count, prevLogTerm: Count, entries: Type.Array(RaftEntrySchema(op)), leaderCommit: Count },
      closed,
    ),
    'append-reply': Type.Object(
      { ...envelope, type: Type.Literal('append-reply'), success: Type.Boolean(), index: Count, match: Count, conflictIndex: Count, conflictTerm: Count },
      closed,
    ),
  } satisfies Record<RaftMessageType, TSchema>;
}

/** The schemas of the Raft messages a real node exchanges (operations: key-value and booking). */
export const RAFT_SCHEMAS = raftSchemas(NodeOpSchema);

type S = typeof RAFT_SCHEMAS;
// Compile-time: each schema describes exactly its protocol type.
export const raftShapes: { readonly [K in RaftMessageType]: true } = {
  'request-vote': true as SameShape<Static<S['request-vote']>, RequestVote>,
  vote: true as SameShape<Static<S['vote']>, VoteReply>,
  'append-entries': true as SameShape<Static<S['append-entries']>, AppendEntries<NodeOp>>,
  'append-reply': true as SameShape<Static<S['append-reply']>, AppendReply>,
};
