/**
 * The wire format between nodes: length-prefixed, versioned, authenticated frames.
 *
 * ```
 * offset  size  field
 * 0       4     length: bytes that follow this field (u32, big-endian) = 1 + 4 + payload + 32
 * 4       1     codec version (1: the payload is a message as UTF-8 JSON)
 * 5       4     sender node id (u32, big-endian)
 * 9       n     payload
 * 9 + n   32    HMAC-SHA256 over bytes 4 .. 9 + n (version, sender, payload) under the cluster secret
 * ```
 *
 * `FrameDecoder` takes a TCP stream in arbitrary chunks (a frame split over many, many frames in
 * one) and yields each frame or the reason it was rejected. Two rejections end the stream
 * (`fatal`): a length below the smallest frame (`malformed`) and a length above the maximum
 * frame size (`oversized`, decided on the 4 length bytes alone, before any of the frame is
 * buffered). After either the stream has no trustworthy frame boundary, so the decoder drops
 * everything that follows and the transport closes the connection. The other rejections
 * (`unknown-version`, `bad-hmac`) drop one frame; the next frame is read as usual.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NodeId } from '../../core/types';

/** The codec version of this build: the payload is a message as UTF-8 JSON. */
export const CODEC_VERSION = 1;
export const LENGTH_BYTES = 4;
export const HEADER_BYTES = 1 + 4;
export const TAG_BYTES = 32;
/** The smallest value of the length field: a version, a sender, an empty payload and a tag. */
export const MIN_FRAME_LENGTH = HEADER_BYTES + TAG_BYTES;
/** The default largest value of the length field (4 MiB). */
export const DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024;
const MAX_U32 = 0xffffffff;

/** Why a frame was dropped on receipt (the keys of `TransportStats.rejected`). */
export type RejectReason = 'malformed' | 'oversized' | 'unknown-version' | 'bad-hmac' | 'non-member' | 'invalid-message' | 'misaddressed';

export const REJECT_REASONS: readonly RejectReason[] = ['malformed', 'oversized', 'unknown-version', 'bad-hmac', 'non-member', 'invalid-message', 'misaddressed'];

export type Decoded =
  | { readonly kind: 'frame'; readonly version: number; readonly sender: NodeId; readonly payload: Buffer; readonly bytes: number }
  | { readonly kind: 'rejected'; readonly reason: RejectReason; readonly fatal: boolean; readonly detail: string; readonly bytes: number };

/** The tag of a frame body (version, sender, payload). */
function tag(secret: Buffer, body: Buffer): Buffer {
  return createHmac('sha256', secret).update(body).digest();
}

/** One frame around `payload`, from `sender`, tagged under `secret`. */
export function encodeFrame(sender: NodeId, payload: Buffer, secret: Buffer, version: number = CODEC_VERSION): Buffer {
  if (!Number.isInteger(sender) || sender < 0 || sender > MAX_U32) throw new Error(`synod: a frame's sender is a u32 node id, got ${sender}`);
  if (!Number.isInteger(version) || version < 0 || version > 0xff) throw new Error(`synod: a codec version is a u8, got ${version}`);
  const length = HEADER_BYTES + payload.length + TAG_BYTES;
  const frame = Buffer.allocUnsafe(LENGTH_BYTES + length);
  frame.writeUInt32BE(length, 0);
  frame.writeUInt8(version, LENGTH_BYTES);
  frame.writeUInt32BE(sender, LENGTH_BYTES + 1);
  payload.copy(frame, LENGTH_BYTES + HEADER_BYTES);
  const bodyEnd = LENGTH_BYTES + HEADER_BYTES + payload.length;
  tag(secret, frame.subarray(LENGTH_BYTES, bodyEnd)).copy(frame, bodyEnd);
  return frame;
}

export interface DecoderOptions {
  readonly secret: Buffer;
  /** The largest accepted value of the length field; default 4 MiB. */
  readonly maxFrameBytes?: number;
  /** Codec versions this node reads; default [CODEC_VERSION]. */
  readonly versions?: readonly number[];
}

/**
 * A streaming decoder for one connection. `push` every chunk as it arrives; it returns what the
 * chunk completed, in order. Once a fatal rejection is returned, `failed` is true and every
 * later chunk is ignored.
 */
export class FrameDecoder {
  private readonly secret: Buffer;
  private readonly max: number;
  private readonly versions: ReadonlySet<number>;
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** The length field of the frame being read, once its 4 bytes are in. */
  private length: number | null = null;
  private broken = false;

  constructor(options: DecoderOptions) {
    const max = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    if (!Number.isInteger(max) || max < MIN_FRAME_LENGTH || max > MAX_U32) {
      throw new Error(`synod: the maximum frame size is an integer from ${MIN_FRAME_LENGTH} to ${MAX_U32} bytes, got ${max}`);
    }
    this.secret = options.secret;
    this.max = max;
    this.versions = new Set(options.versions ?? [CODEC_VERSION]);
  }

  /** True once a fatal rejection was returned: the stream has no frame boundary left. */
  get failed(): boolean {
    return this.broken;
  }

  /** Bytes held for a frame not yet complete. */
  get pending(): number {
    return this.buffered;
  }

  push(chunk: Buffer): Decoded[] {
    if (this.broken || chunk.length === 0) return [];
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Decoded[] = [];
    for (;;) {
      if (this.length === null) {
        if (this.buffered < LENGTH_BYTES) break;
        const length = this.take(LENGTH_BYTES).readUInt32BE(0);
        const fatal = this.checkLength(length);
        if (fatal !== null) {
          out.push(fatal);
          this.fail();
          break;
        }
        this.length = length;
      }
      if (this.buffered < this.length) break;
      const body = this.take(this.length);
      this.length = null;
      out.push(this.open(body));
    }
    return out;
  }

  private checkLength(length: number): Decoded | null {
    if (length < MIN_FRAME_LENGTH) {
      return { kind: 'rejected', reason: 'malformed', fatal: true, detail: `length ${length} is below the smallest frame (${MIN_FRAME_LENGTH})`, bytes: LENGTH_BYTES };
    }
    if (length > this.max) {
      return { kind: 'rejected', reason: 'oversized', fatal: true, detail: `length ${length} is above the maximum frame size (${this.max})`, bytes: LENGTH_BYTES };
    }
    return null;
  }

  /** Checks one complete frame body (version, sender, payload, tag). */
  private open(body: Buffer): Decoded {
    const bytes = LENGTH_BYTES + body.length;
    const version = body.readUInt8(0);
    if (!this.versions.has(version)) {
      return { kind: 'rejected', reason: 'unknown-version', fatal: false, detail: `codec version ${version} is not one of ${[...this.versions].join(', ')}`, bytes };
    }
    const signedEnd = body.length - TAG_BYTES;
    const expected = tag(this.secret, body.subarray(0, signedEnd));
    if (!timingSafeEqual(expected, body.subarray(signedEnd))) {
      return { kind: 'rejected', reason: 'bad-hmac', fatal: false, detail: 'the tag does not match the cluster secret', bytes };
    }
    return { kind: 'frame', version, sender: body.readUInt32BE(1), payload: body.subarray(HEADER_BYTES, signedEnd), bytes };
  }

  /** Removes and returns the first `n` buffered bytes (n <= buffered). */
  private take(n: number): Buffer {
    const first = this.chunks[0];
    if (first !== undefined && first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return out;
    }
    const all = Buffer.concat(this.chunks, this.buffered);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length === 0 ? [] : [rest];
    this.buffered = rest.length;
    return out;
  }

  private fail(): void {
    this.broken = true;
    this.chunks = [];
    this.buffered = 0;
    this.length = null;
  }
}

/** A cluster secret from a file's or a flag's text: at least 16 bytes once surrounding whitespace is trimmed. */
export function clusterSecret(text: string | Buffer): Buffer {
  const secret = Buffer.from(typeof text === 'string' ? text.trim() : text.toString('utf8').trim(), 'utf8');
  if (secret.length < 16) throw new Error(`synod: the cluster secret must be at least 16 bytes, got ${secret.length}`);
  return secret;
}
