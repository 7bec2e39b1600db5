/**
 * The bytes on disk (docs/storage.md). Every file of a data directory starts with the 8-byte
 * magic `SYNODWAL` and a little-endian u32 format version, then a header record; records follow,
 * each framed as [u32 length][u32 CRC-32C of the payload][payload], little-endian.
 *
 * Reading a log finds one of three things at each offset: a whole record whose checksum holds;
 * a torn tail (the last write of a crashed process, cut short or never completed), which the
 * caller truncates; or a corrupt record with intact records after it, which is damage no crash
 * can cause, and stops the reader with the file and the offset.
 */
import { crc32c } from '@node-rs/crc32';
import type { NodeId } from '../../core/types';

export const MAGIC = Buffer.from('SYNODWAL', 'ascii');
export const FORMAT_VERSION = 1;
/** Magic, version: the bytes before the header record. */
export const PREAMBLE_BYTES = MAGIC.length + 4;
/** Length, checksum: the bytes before each payload. */
export const FRAME_BYTES = 8;
/** The largest payload a length field can state. */
export const MAX_LENGTH = 0xffff_ffff;

export type FileKind = 'log' | 'snapshot';

/** The header record: which cluster and node the file belongs to, and which generation it is. */
export interface FileHeader {
  readonly kind: FileKind;
  readonly cluster: string;
  readonly node: NodeId;
  /** Snapshot g and log g form a pair; generation 0 is the log before any snapshot. */
  readonly generation: number;
}

/** A record whose frame or contents are damaged: names the file and the offset of its frame. */
export class CorruptRecordError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`synod: corrupt record in ${file} at offset ${offset}: ${reason}`);
    this.name = 'CorruptRecordError';
  }
}

export function checksum(payload: Uint8Array): number {
  return crc32c(payload) >>> 0;
}

/** One framed record. */
export function frame(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(FRAME_BYTES + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(checksum(payload), 4);
  out.set(payload, FRAME_BYTES);
  return out;
}

/** The preamble and header record every file starts with. */
export function encodeHeader(header: FileHeader): Buffer {
  const preamble = Buffer.allocUnsafe(PREAMBLE_BYTES);
  MAGIC.copy(preamble, 0);
  preamble.writeUInt32LE(FORMAT_VERSION, MAGIC.length);
  const payload = Buffer.from(JSON.stringify({ kind: header.kind, cluster: header.cluster, node: header.node, generation: header.generation }), 'utf8');
  return Buffer.concat([preamble, frame(payload)]);
}

/** What `recordAt` found at one offset. */
type Found = { readonly ok: true; readonly payload: Buffer; readonly next: number } | { readonly ok: false; readonly reason: string };

/** The record whose frame starts at `offset`, or why there is none. */
export function recordAt(buf: Buffer, offset: number, maxRecordSize: number): Found {
  const left = buf.length - offset;
  if (left < FRAME_BYTES) return { ok: false, reason: `${left} bytes, too short for a record frame` };
  const length = buf.readUInt32LE(offset);
  if (length === 0) return { ok: false, reason: 'zero length' };
  if (length > maxRecordSize) return { ok: false, reason: `length ${length} exceeds the maximum record size ${maxRecordSize}` };
  if (length > left - FRAME_BYTES) return { ok: false, reason: `length ${length} runs past the end of the file (${left - FRAME_BYTES} bytes left)` };
  const payload = buf.subarray(offset + FRAME_BYTES, offset + FRAME_BYTES + length);
  if (checksum(payload) !== buf.readUInt32LE(offset + 4)) return { ok: false, reason: 'crc mismatch' };
  return { ok: true, payload, next: offset + FRAME_BYTES + length };
}

/** Whether an intact record starts anywhere after `offset`: then the damage at `offset` is not a torn tail. */
function intactRecordAfter(buf: Buffer, offset: number, maxRecordSize: number): number | null {
  for (let p = offset + 1; p + FRAME_BYTES < buf.length; p += 1) {
    const length = buf.readUInt32LE(p);
    if (length === 0 || length > maxRecordSize || length > buf.length - p - FRAME_BYTES) continue;
    if (checksum(buf.subarray(p + FRAME_BYTES, p + FRAME_BYTES + length)) === buf.readUInt32LE(p + 4)) return p;
  }
  return null;
}

/** The records of a file from `start` on, and the torn tail if there is one. */
export interface Scan {
  readonly payloads: readonly Buffer[];
  /** Offsets of each payload's frame, for error messages. */
  readonly offsets: readonly number[];
  /** Where the last intact record ends. */
  readonly end: number;
  readonly torn?: { readonly offset: number; readonly bytes: number; readonly reason: string };
}

/** Whether every byte of `buf` from `offset` on is zero. */
function allZero(buf: Buffer, offset: number): boolean {
  for (let p = offset; p < buf.length; p += 1) if (buf[p] !== 0) return false;
  return true;
}

/**
 * Reads every record from `start`. A damaged record after which no intact record follows is
 * the torn tail of a crashed write (a short frame, a short payload, a zero-filled or half-written
 * last record, a checksum that fails on the last record); one followed by an intact record is
 * corruption, and throws `CorruptRecordError`.
 */
export function scanRecords(buf: Buffer, start: number, file: string, maxRecordSize: number, options: { readonly zeroTailIsEnd?: boolean } = {}): Scan {
  const payloads: Buffer[] = [];
  const offsets: number[] = [];
  let offset = start;
  while (offset < buf.length) {
    const found = recordAt(buf, offset, maxRecordSize);
    if (!found.ok) {
      // A preallocated log: zeros from the last record to the end are space not written yet.
      if (options.zeroTailIsEnd === true && allZero(buf, offset)) return { payloads, offsets, end: offset };
      const after = intactRecordAfter(buf, offset, maxRecordSize);
      if (after !== null) throw new CorruptRecordError(file, offset, `${found.reason} (an intact record follows at offset ${after})`);
      return { payloads, offsets, end: offset, torn: { offset, bytes: buf.length - offset, reason: found.reason } };
    }
    payloads.push(found.payload);
    offsets.push(offset);
    offset = found.next;
  }
  return { payloads, offsets, end: offset };
}

/**
 * Checks the preamble and header record of a file written whole (through a temporary file and
 * a rename): any defect is corruption, never a torn tail. Returns the header and where the
 * records start.
 */
export function readHeader(buf: Buffer, file: string): { header: FileHeader; start: number } {
  if (buf.length < PREAMBLE_BYTES || !buf.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new Error(`synod: ${file} is not a synod data file (no SYNODWAL magic at its start)`);
  }
  const version = buf.readUInt32LE(MAGIC.length);
  if (version !== FORMAT_VERSION) throw new Error(`synod: ${file} has format version ${version}; this synod reads version ${FORMAT_VERSION}`);
  const found = recordAt(buf, PREAMBLE_BYTES, 64 * 1024);
  if (!found.ok) throw new CorruptRecordError(file, PREAMBLE_BYTES, `header record: ${found.reason}`);
  let value: unknown;
  try {
    value = JSON.parse(found.payload.toString('utf8'));
  } catch (e) {
    throw new CorruptRecordError(file, PREAMBLE_BYTES, `header record is not JSON: ${(e as Error).message}`);
  }
  const problem = headerProblem(value);
  if (problem !== null) throw new CorruptRecordError(file, PREAMBLE_BYTES, `header record: ${problem}`);
  return { header: value as FileHeader, start: found.next };
}

function headerProblem(v: unknown): string | null {
  if (typeof v !== 'object' || v === null) return 'not an object';
  const h = v as Record<string, unknown>;
  if (h.kind !== 'log' && h.kind !== 'snapshot') return `kind ${JSON.stringify(h.kind)} is neither log nor snapshot`;
  if (typeof h.cluster !== 'string') return 'no cluster id';
  if (!Number.isInteger(h.node)) return 'no node id';
  if (!Number.isInteger(h.generation) || (h.generation as number) < 0) return 'no generation';
  return null;
}
