/**
 * Message validators: a decoded payload (whatever JSON.parse returned) checked against the
 * schema of its `type`, with TypeBox's compiled checker (TypeCompiler: each schema becomes one
 * generated function, compiled once at load). bench/codec.ts measured it against zod 4 on the
 * messages of simulator runs; docs/transport.md has the figures.
 *
 * A validator never throws: anything that is not exactly a message of the protocol comes back
 * as `{ ok: false, error }`, with the first failing path, for the transport to count and log.
 */
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { MultiMessage } from '../../multipaxos/messages';
import type { RaftMessage } from '../../raft/messages';
import type { NodeOp } from './schemas/common';
import { MULTIPAXOS_SCHEMAS } from './schemas/multipaxos';
import { RAFT_SCHEMAS } from './schemas/raft';

export type Validation<M> = { readonly ok: true; readonly message: M } | { readonly ok: false; readonly error: string };

/** Checks an untrusted value; the transports take one of these (`multiPaxosMessage`, `raftMessage`). */
export type MessageValidator<M> = (value: unknown) => Validation<M>;

/** The longest piece of untrusted input quoted in an error. */
const QUOTE = 40;

function quote(value: unknown): string {
  const s = JSON.stringify(value) ?? String(value);
  return s.length > QUOTE ? `${s.slice(0, QUOTE)}...` : s;
}

/** A validator over a table of schemas keyed by message type (one compiled checker per type). */
export function messageValidator<M>(schemas: Readonly<Record<string, TSchema>>): MessageValidator<M> {
  const checks = new Map<string, TypeCheck<TSchema>>(Object.entries(schemas).map(([type, schema]) => [type, TypeCompiler.Compile(schema)]));
  return (value: unknown): Validation<M> => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, error: 'a message is a JSON object' };
    const type: unknown = (value as { readonly type?: unknown }).type;
    if (typeof type !== 'string') return { ok: false, error: 'a message has a string `type`' };
    const check = checks.get(type);
    if (check === undefined) return { ok: false, error: `unknown message type ${quote(type)}` };
    if (check.Check(value)) return { ok: true, message: value as M };
    const first = check.Errors(value).First();
    return { ok: false, error: first === undefined ? `${type}: does not match its schema` : `${type} ${first.path === '' ? '/' : first.path}: ${first.message}` };
  };
}

/** Multi-Paxos messages over the node's operations (key-value and booking). */
export const multiPaxosMessage: MessageValidator<MultiMessage<NodeOp>> = messageValidator(MULTIPAXOS_SCHEMAS);

/** Raft messages over the node's operations (key-value and booking). */
export const raftMessage: MessageValidator<RaftMessage<NodeOp>> = messageValidator(RAFT_SCHEMAS);
