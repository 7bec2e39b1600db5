/**
 * The checker's state store: a global state's fingerprint as bytes (`Writer`, `Reader`), and
 * every distinct fingerprint met, numbered in the order found (`StateStore`: an arena of bytes
 * outside the JavaScript heap, found again through an open-addressing index). What the bytes
 * say is `encoding.ts`'s business; this file only writes, stores and compares them.
 */

/** No message ids; the default of what a fingerprint's bitset leaves out. */
export const NONE: readonly number[] = [];

/** The empty bitset. */
export const EMPTY = new Uint8Array(0);

/**
 * Writes a fingerprint: unsigned varints (7 bits a byte) and raw bitset bytes. The bytes are
 * hashed and stored as they are (see `StateStore`); no string is made for a state.
 */
export class Writer {
  buf = new Uint8Array(256);
  len = 0;

  reset(): void {
    this.len = 0;
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    bigger.set(this.buf.subarray(0, this.len));
    this.buf = bigger;
  }

  varint(n: number): void {
    this.room(8);
    let v = n;
    while (v >= 0x80) {
      this.buf[this.len++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.len++] = v;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.len++] = b;
  }

  /** Appends what another writer holds. */
  bytes(other: Writer): void {
    this.room(other.len);
    this.buf.set(other.buf.subarray(0, other.len), this.len);
    this.len += other.len;
  }

  /** Bitset bytes, without trailing zero bytes so that equal sets write equal bytes. */
  bitset(bits: Uint8Array, extra: readonly number[], minus: readonly number[] = NONE): void {
    let top = bits.length;
    for (const m of extra) top = Math.max(top, (m >> 3) + 1);
    this.room(top);
    const at = this.len;
    const buf = this.buf;
    buf.set(bits, at);
    buf.fill(0, at + bits.length, at + top);
    for (const m of extra) buf[at + (m >> 3)]! |= 1 << (m & 7);
    for (const m of minus) if (m >> 3 < top) buf[at + (m >> 3)]! &= ~(1 << (m & 7));
    let end = top;
    while (end > 0 && buf[at + end - 1] === 0) end -= 1;
    this.len = at + end;
  }

  /** A bitset (as `bitset`) after a byte that says its length: the multiset network's history. */
  sizedBitset(bits: Uint8Array, extra: readonly number[]): void {
    const lengthAt = this.len;
    this.byte(0);
    const bitsAt = this.len;
    this.bitset(bits, extra);
    const size = this.len - bitsAt;
    if (size >= 0x80) throw new Error('synod: more than 1016 distinct messages; the multiset fingerprint supports fewer');
    this.buf[lengthAt] = size;
  }

  /** The bytes as a one-byte (latin1) string: a memo key (for property results). */
  text(): string {
    return Buffer.from(this.buf.buffer, this.buf.byteOffset, this.len).toString('latin1');
  }

  /** A 32-bit hash of the bytes written (FNV-1a, then murmur3's finalizer). */
  hash(): number {
    const buf = this.buf;
    let h = 0x811c9dc5 | 0;
    for (let i = 0; i < this.len; i += 1) h = Math.imul(h ^ buf[i]!, 0x01000193);
    return fmix32(h);
  }
}

/** Reads what a `Writer` wrote. */
export class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public at: number,
    readonly end: number,
  ) {}

  varint(): number {
    let n = 0;
    let scale = 1;
    for (;;) {
      const c = this.bytes[this.at]!;
      this.at += 1;
      n += (c & 0x7f) * scale;
      if (c < 0x80) return n;
      scale *= 0x80;
    }
  }
}

const CHUNK = 1 << 24;

/**
 * Every distinct global state met, as its fingerprint bytes, numbered in the order found.
 *
 * The bytes live in 16 MiB arena chunks (a record never crosses a chunk), outside the
 * JavaScript heap; an open-addressing table of ids, probed linearly with the stored 32-bit hashes, finds a fingerprint
 * by hash and then by its bytes, so two states are one only when their bytes are equal: the
 * store is exact, with no hash compaction. It holds any number of states memory allows (a
 * JavaScript `Set` stops at 2^24 entries), at about 20 bytes of overhead a state.
 */
export class StateStore {
  private readonly chunks: Uint8Array[] = [];
  private chunk = new Uint8Array(0);
  private used = CHUNK;
  /** Per id: chunk index * CHUNK + offset. */
  private where = new Float64Array(1024);
  private lengths = new Uint16Array(1024);
  private hashes = new Int32Array(1024);
  private slots = new Int32Array(1 << 12).fill(-1);
  private mask = (1 << 12) - 1;
  /** Where the last failed `find` stopped: the free slot `add` fills. */
  private free = -1;
  size = 0;

  /** The id of the state the writer holds, or -1. */
  find(w: Writer, h: number): number {
    const slots = this.slots;
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const id = slots[i]!;
      if (id < 0) {
        this.free = i;
        return -1;
      }
      if (this.hashes[id] === h && this.matches(id, w)) return id;
    }
  }

  /** Adds the state the writer holds; call right after a `find` of it returned -1. */
  add(w: Writer, h: number): number {
    if (w.len > 0xffff) throw new Error('synod: a state fingerprint over 65,535 bytes; the checker stores shorter ones');
    const id = this.size;
    if (id === this.where.length) {
      this.where = grow(this.where);
      this.lengths = grow(this.lengths);
      this.hashes = grow(this.hashes);
    }
    if (this.used + w.len > CHUNK) {
      this.chunk = new Uint8Array(CHUNK);
      this.chunks.push(this.chunk);
      this.used = 0;
    }
    this.chunk.set(w.buf.subarray(0, w.len), this.used);
    this.where[id] = (this.chunks.length - 1) * CHUNK + this.used;
    this.used += w.len;
    this.lengths[id] = w.len;
    this.hashes[id] = h;
    this.slots[this.free] = id;
    this.size += 1;
    if (this.size * 2 > this.slots.length) this.rehash();
    return id;
  }

  reader(id: number): Reader {
    const at = this.where[id]!;
    const c = Math.floor(at / CHUNK);
    const off = at - c * CHUNK;
    return new Reader(this.chunks[c]!, off, off + this.lengths[id]!);
  }

  /** True when state `id` is the one the writer holds. */
  matches(id: number, w: Writer): boolean {
    const len = this.lengths[id]!;
    if (len !== w.len) return false;
    const at = this.where[id]!;
    const c = Math.floor(at / CHUNK);
    const bytes = this.chunks[c]!;
    const off = at - c * CHUNK;
    const buf = w.buf;
    for (let i = 0; i < len; i += 1) if (bytes[off + i] !== buf[i]) return false;
    return true;
  }

  private rehash(): void {
    const size = this.slots.length * 2;
    const slots = new Int32Array(size).fill(-1);
    const mask = size - 1;
    for (let id = 0; id < this.size; id += 1) {
      let i = this.hashes[id]! & mask;
      while (slots[i] !== -1) i = (i + 1) & mask;
      slots[i] = id;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/** murmur3's 32-bit finalizer: spreads every input bit over the result. */
export function fmix32(x: number): number {
  let h = x ^ (x >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}


/** Orders two fingerprints byte by byte, a shorter prefix first. */
export function compareBytes(a: Writer, b: Writer): number {
  const n = Math.min(a.len, b.len);
  for (let i = 0; i < n; i += 1) {
    const d = a.buf[i]! - b.buf[i]!;
    if (d !== 0) return d;
  }
  return a.len - b.len;
}

export function grow<T extends Int32Array | Uint8Array | Uint16Array | Float64Array>(a: T): T {
  const bigger = new (a.constructor as new (n: number) => T)(a.length * 2);
  bigger.set(a);
  return bigger;
}
