/**
 * One schema per Multi-Paxos message type (lib/multipaxos/messages.ts). The table is keyed by
 * `MultiMessageType`, so a new message type in the protocol's union without an entry here is a
 * compile error, and spec/runtime/transport/schemas.spec.ts checks the table against the
 * protocol's `MESSAGE_TYPES` list and a simulator run's messages. Adding a message type is one
 * entry in `multiPaxosSchemas` (and, for the compile-time shape check, one line below it).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type {
  Catchup,
  Heartbeat,
  HeartbeatAck,
  Learn,
  MultiAccept,
  MultiAccepted,
  MultiMessageType,
  MultiPrepare,
  MultiPromise,
  MultiRejected,
  MultiSnapshot,
} from '../../../multipaxos/messages';
import type { Replica } from '../../../machine/replica';
import { BallotSchema, closed, CommandSchema, Count, NodeIdSchema, NodeOpSchema, type NodeOp, type SameShape } from './common';

/** The log entry of a slot: a no-op or a batch of client commands, over an operation schema. */
export function EntrySchema<T extends TSchema>(op: T) {
  return Type.Union([
    Type.Object({ kind: Type.Literal('noop') }, closed),
    Type.Object({ kind: Type.Literal('batch'), commands: Type.Array(CommandSchema(op)) }, closed),
  ]);
}

/** Every Multi-Paxos message type's schema, over an operation schema. */
export function multiPaxosSchemas<T extends TSchema>(op: T) {
  const entry = EntrySchema(op);
  const envelope = { from: NodeIdSchema, to: NodeIdSchema, ballot: BallotSchema };
  const vote = Type.Object({ slot: Count, ballot: BallotSchema, value: entry }, closed);
  // The replica is the state machine's own plain data: its shape is the machine's, not the
  // protocol's, so it is checked to be there and left to the machine that installs it.
  const replica = Type.Object({ machine: Type.Unknown(), sessions: Type.Object({}, { additionalProperties: true }) }, closed);
  const snapshot = { slot: Count, replica: Type.Unsafe<Replica<unknown, unknown>>(replica) };
  return {
    prepare: Type.Object({ ...envelope, type: Type.Literal('prepare'), slot: Count }, closed),
    promise: Type.Object({ ...envelope, type: Type.Literal('promise'), slot: Count, entries: Type.Array(vote), snapshot: Type.Optional(Type.Object(snapshot, closed)) }, closed),
    accept: Type.Object({ ...envelope, type: Type.Literal('accept'), slot: Count, value: entry, commit: Count }, closed),
    accepted: Type.Object({ ...envelope, type: Type.Literal('accepted'), slot: Count, value: entry }, closed),
    rejected: Type.Object({ ...envelope, type: Type.Literal('rejected'), slot: Count, promised: BallotSchema }, closed),
    heartbeat: Type.Object({ ...envelope, type: Type.Literal('heartbeat'), commit: Count, round: Type.Optional(Count) }, closed),
    'heartbeat-ack': Type.Object({ ...envelope, type: Type.Literal('heartbeat-ack'), round: Count }, closed),
    catchup: Type.Object({ ...envelope, type: Type.Literal('catchup'), slot: Count }, closed),
    learn: Type.Object({ ...envelope, type: Type.Literal('learn'), slot: Count, values: Type.Array(entry), commit: Count }, closed),
    snapshot: Type.Object({ ...envelope, type: Type.Literal('snapshot'), ...snapshot }, closed),
  } satisfies Record<MultiMessageType, TSchema>;
}

/** The schemas of the messages a real node exchanges (operations: key-value and booking). */
export const MULTIPAXOS_SCHEMAS = multiPaxosSchemas(NodeOpSchema);

type S = typeof MULTIPAXOS_SCHEMAS;
// Compile-time: each schema describes exactly its protocol type.
export const multiPaxosShapes: {
  readonly [K in MultiMessageType]: true;
} = {
  prepare: true as SameShape<Static<S['prepare']>, MultiPrepare>,
  promise: true as SameShape<Static<S['promise']>, MultiPromise<NodeOp>>,
  accept: true as SameShape<Static<S['accept']>, MultiAccept<NodeOp>>,
  accepted: true as SameShape<Static<S['accepted']>, MultiAccepted<NodeOp>>,
  rejected: true as SameShape<Static<S['rejected']>, MultiRejected>,
  heartbeat: true as SameShape<Static<S['heartbeat']>, Heartbeat>,
  'heartbeat-ack': true as SameShape<Static<S['heartbeat-ack']>, HeartbeatAck>,
  catchup: true as SameShape<Static<S['catchup']>, Catchup>,
  learn: true as SameShape<Static<S['learn']>, Learn<NodeOp>>,
  snapshot: true as SameShape<Static<S['snapshot']>, MultiSnapshot>,
};
