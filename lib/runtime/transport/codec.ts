/**
 * The payload codec of version 1 (frame.ts): a message as UTF-8 JSON. Decoding checks, in
 * order: the payload parses as JSON; the value is a message of the protocol (the validator:
 * its type's schema); its `from` is the authenticated sender of the frame and its `to` is this
 * node. A frame that fails any of them is rejected, never delivered.
 */
import type { Addressed } from '../../core/protocol';
import type { NodeId } from '../../core/types';
import type { RejectReason } from './frame';
import type { MessageValidator } from './validate';

export type PayloadResult<M> =
  | { readonly ok: true; readonly message: M }
  | { readonly ok: false; readonly reason: Extract<RejectReason, 'invalid-message' | 'misaddressed'>; readonly detail: string };

export function encodeMessage(message: Addressed): Buffer {
  return Buffer.from(JSON.stringify(message), 'utf8');
}

/** Decodes and checks one payload that arrived in a frame authenticated as `sender`, at node `self`. */
export function decodeMessage<M extends Addressed>(payload: Buffer, validate: MessageValidator<M>, sender: NodeId, self: NodeId): PayloadResult<M> {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch (e) {
    return { ok: false, reason: 'invalid-message', detail: `the payload is not JSON (${(e as Error).message.slice(0, 80)})` };
  }
  const checked = validate(value);
  if (!checked.ok) return { ok: false, reason: 'invalid-message', detail: checked.error };
  const m = checked.message;
  if (m.from !== sender) return { ok: false, reason: 'misaddressed', detail: `from ${m.from} in a frame authenticated as node ${sender}` };
  if (m.to !== self) return { ok: false, reason: 'misaddressed', detail: `to ${m.to} arrived at node ${self}` };
  return { ok: true, message: m };
}
