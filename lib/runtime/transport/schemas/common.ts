/**
 * The shapes shared by both protocols' messages, as TypeBox schemas: node ids, ballots, the
 * client command and the operations inside it (the key-value store's and the Harbor Point
 * booking authority's). Every object is closed (`additionalProperties: false`): a message is
 * exactly its type, so a field added to a protocol's message without its schema fails the
 * corpus test (spec/runtime/transport/schemas.spec.ts) instead of crossing the wire unchecked.
 *
 * Each schema's static type is checked against the protocol's own type at compile time
 * (`SameShape` below): a schema that drifts from lib/multipaxos, lib/raft or lib/machine is a
 * type error in `npm test`, not a surprise on a socket.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { Ballot } from '../../../paxos/ballot';
import type { KvOp } from '../../../machine/kv';
import type { BookingOp } from '../../../machine/booking';
import type { Command } from '../../../machine/command';

/** Closed objects: no field that the type does not name. */
export const closed = { additionalProperties: false } as const;

/** A count, index, slot, round or term: a non-negative safe integer. */
export const Count = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

/** A node id on the wire (`from`, `to`): a positive integer (0 means "nobody" and is never an address). */
export const NodeIdSchema = Type.Integer({ minimum: 1, maximum: 0xffffffff });

/** A node id that may be 0 ("nobody"): the owner of the zero ballot. */
export const NodeOrNobody = Type.Integer({ minimum: 0, maximum: 0xffffffff });

export const BallotSchema = Type.Object({ round: Count, node: NodeOrNobody }, closed);

const KvValueSchema = Type.Union([Type.String(), Type.Number()]);

export const KvOpSchema = Type.Union([
  Type.Object({ type: Type.Literal('get'), key: Type.String() }, closed),
  Type.Object({ type: Type.Literal('put'), key: Type.String(), value: KvValueSchema }, closed),
  Type.Object({ type: Type.Literal('delete'), key: Type.String() }, closed),
  Type.Object({ type: Type.Literal('cas'), key: Type.String(), expect: Type.Union([KvValueSchema, Type.Null()]), value: KvValueSchema }, closed),
]);

export const BookingOpSchema = Type.Union([
  Type.Object({ type: Type.Literal('reserve'), suite: Type.String(), booking: Type.String() }, closed),
  Type.Object({ type: Type.Literal('confirm'), suite: Type.String(), booking: Type.String() }, closed),
  Type.Object({ type: Type.Literal('release'), suite: Type.String(), booking: Type.String() }, closed),
]);

/** The operations a real node replicates: the key-value store's and the booking authority's. */
export type NodeOp = KvOp | BookingOp;

export const NodeOpSchema = Type.Union([...KvOpSchema.anyOf, ...BookingOpSchema.anyOf]);

/** A client command around an operation schema: the session (client id, sequence number) and the op. */
export function CommandSchema<T extends TSchema>(op: T) {
  return Type.Object({ client: Type.String(), seq: Count, op }, closed);
}

/** The protocol types are readonly all the way down; schemas' static types are not. Compare them readonly. */
export type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** True when a schema's static type and a protocol type describe the same values (checked both ways). */
export type SameShape<S, T> = [DeepReadonly<S>] extends [DeepReadonly<T>] ? ([DeepReadonly<T>] extends [DeepReadonly<S>] ? true : false) : false;

// Compile-time: the shared shapes match lib/paxos and lib/machine exactly.
export const ballotMatches: SameShape<Static<typeof BallotSchema>, Ballot> = true;
export const opMatches: SameShape<Static<typeof NodeOpSchema>, NodeOp> = true;
export const commandMatches: SameShape<Static<ReturnType<typeof CommandSchema<typeof NodeOpSchema>>>, Command<NodeOp>> = true;
