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
import { reviveReplica } from '../replica-json';

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

const multiPaxosShape: MessageValidator<MultiMessage<NodeOp>> = messageValidator(MULTIPAXOS_SCHEMAS);

/**
 * Multi-Paxos messages over the node's operations (key-value and booking). A message that
 * carries a snapshot (`snapshot`, and a `promise` from a compacted acceptor) has its replica
 * rebuilt (lib/runtime/replica-json.ts: JSON turned the holes of its persistent vectors into
 * nulls); a replica that cannot be rebuilt is an invalid message like any other.
 */
export const multiPaxosMessage: MessageValidator<MultiMessage<NodeOp>> = (value) => {
  const checked = multiPaxosShape(value);
  if (!checked.ok) return checked;
  const m = checked.message;
  try {
    if (m.type === 'snapshot') return { ok: true, message: { ...m, replica: reviveReplica(m.replica, 'snapshot /replica') } };
    if (m.type === 'promise' && m.snapshot !== undefined) return { ok: true, message: { ...m, snapshot: { slot: m.snapshot.slot, replica: reviveReplica(m.snapshot.replica, 'promise /snapshot/replica') } } };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
  return checked;
};

/** Raft messages over the node's operations (key-value and booking). */
export const raftMessage: MessageValidator<RaftMessage<NodeOp>> = messageValidator(RAFT_SCHEMAS);
