/**
 * The receiving side of one connection, without the socket: bytes in, messages or rejections
 * out. It runs every check a frame must pass, in this order, and stops at the first failure:
 *
 * 1. the length field (`malformed` below the smallest frame, `oversized` above the maximum:
 *    both fatal, the stream has lost its boundaries), from frame.ts's decoder;
 * 2. the codec version (`unknown-version`);
 * 3. the HMAC under the cluster secret (`bad-hmac`);
 * 4. the sender is a member (`non-member`);
 * 5. the payload is a message of the protocol (`invalid-message`: not JSON, or its type's schema
 *    fails);
 * 6. its `from` is the authenticated sender and its `to` is this node (`misaddressed`).
 *
 * TcpTransport runs one per connection; the fuzz tests drive one directly as well.
 */
import type { Addressed } from '../../core/protocol';
import type { NodeId } from '../../core/types';
import { decodeMessage } from './codec';
import { FrameDecoder, type RejectReason } from './frame';
import type { MessageValidator } from './validate';

export interface ReceiverOptions<M> {
  readonly self: NodeId;
  readonly isMember: (id: NodeId) => boolean;
  readonly secret: Buffer;
  readonly validate: MessageValidator<M>;
  readonly maxFrameBytes?: number;
}

export type Received<M> =
  | { readonly kind: 'message'; readonly message: M; readonly sender: NodeId }
  | { readonly kind: 'rejected'; readonly reason: RejectReason; readonly fatal: boolean; readonly detail: string; readonly sender?: NodeId };

export class Receiver<M extends Addressed> {
  private readonly decoder: FrameDecoder;

  constructor(private readonly options: ReceiverOptions<M>) {
    this.decoder = new FrameDecoder({ secret: options.secret, ...(options.maxFrameBytes === undefined ? {} : { maxFrameBytes: options.maxFrameBytes }) });
  }

  /** True once a fatal rejection was returned: the connection should be closed. */
  get failed(): boolean {
    return this.decoder.failed;
  }

  /** Bytes held for a frame not yet complete. */
  get pending(): number {
    return this.decoder.pending;
  }

  push(chunk: Buffer): Received<M>[] {
    const out: Received<M>[] = [];
    for (const item of this.decoder.push(chunk)) {
      if (item.kind === 'rejected') {
        out.push({ kind: 'rejected', reason: item.reason, fatal: item.fatal, detail: item.detail });
        continue;
      }
      const sender = item.sender;
      if (!this.options.isMember(sender)) {
        out.push({ kind: 'rejected', reason: 'non-member', fatal: false, detail: `node ${sender} is not a member`, sender });
        continue;
      }
      const decoded = decodeMessage(item.payload, this.options.validate, sender, this.options.self);
      out.push(decoded.ok ? { kind: 'message', message: decoded.message, sender } : { kind: 'rejected', reason: decoded.reason, fatal: false, detail: decoded.detail, sender });
    }
    return out;
  }
}
