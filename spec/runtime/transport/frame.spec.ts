import { expect } from 'chai';
import fc from 'fast-check';
import { clusterSecret, DEFAULT_MAX_FRAME_BYTES, encodeFrame, FrameDecoder, MIN_FRAME_LENGTH, type Decoded } from '../../../lib/runtime/transport';
import { OTHER_SECRET, SECRET } from './helpers';

/** Cuts `bytes` at the given points (sorted, deduplicated, within range). */
function split(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let at = 0;
  for (const p of points) {
    out.push(bytes.subarray(at, p));
    at = p;
  }
  out.push(bytes.subarray(at));
  return out;
}

function frames(items: readonly Decoded[]): { sender: number; payload: string }[] {
  return items.flatMap((d) => (d.kind === 'frame' ? [{ sender: d.sender, payload: d.payload.toString('hex') }] : []));
}

describe('runtime/transport frames', () => {
  it('round-trip through any split and coalescing of the stream (fast-check)', () => {
    const frameArb = fc.record({ sender: fc.integer({ min: 0, max: 0xffffffff }), payload: fc.uint8Array({ maxLength: 300 }) });
    fc.assert(
      fc.property(fc.array(frameArb, { minLength: 1, maxLength: 12 }), fc.array(fc.nat(), { maxLength: 40 }), (items, cuts) => {
        const stream = Buffer.concat(items.map((f) => encodeFrame(f.sender, Buffer.from(f.payload), SECRET)));
        const decoder = new FrameDecoder({ secret: SECRET });
        const out = split(stream, cuts).flatMap((chunk) => decoder.push(chunk));
        expect(out.every((d) => d.kind === 'frame')).to.equal(true);
        expect(frames(out)).to.deep.equal(items.map((f) => ({ sender: f.sender, payload: Buffer.from(f.payload).toString('hex') })));
        expect(decoder.pending).to.equal(0);
      }),
      { numRuns: 300 },
    );
  });

  it('lays a frame out as [u32 length][u8 version][u32 sender][payload][32-byte HMAC]', () => {
    const frame = encodeFrame(7, Buffer.from('hi'), SECRET);
    expect(frame.length).to.equal(4 + 1 + 4 + 2 + 32);
    expect(frame.readUInt32BE(0)).to.equal(1 + 4 + 2 + 32);
    expect(frame.readUInt8(4)).to.equal(1);
    expect(frame.readUInt32BE(5)).to.equal(7);
    expect(frame.subarray(9, 11).toString()).to.equal('hi');
  });

  it('rejects a length below the smallest frame as malformed, and reads nothing after it', () => {
    const decoder = new FrameDecoder({ secret: SECRET });
    const bad = Buffer.alloc(4);
    bad.writeUInt32BE(MIN_FRAME_LENGTH - 1);
    const out = decoder.push(Buffer.concat([bad, encodeFrame(1, Buffer.from('x'), SECRET)]));
    expect(out).to.have.length(1);
    expect(out[0]).to.include({ kind: 'rejected', reason: 'malformed', fatal: true });
    expect(decoder.failed).to.equal(true);
    expect(decoder.push(encodeFrame(1, Buffer.from('y'), SECRET))).to.deep.equal([]);
  });

  it('rejects an oversized length on its 4 bytes alone, before buffering the frame', () => {
    const decoder = new FrameDecoder({ secret: SECRET, maxFrameBytes: 1000 });
    const header = Buffer.alloc(4);
    header.writeUInt32BE(1001);
    const out = decoder.push(header);
    expect(out).to.have.length(1);
    expect(out[0]).to.include({ kind: 'rejected', reason: 'oversized', fatal: true });
    expect(decoder.pending).to.equal(0);
    // The rest of that frame (and anything else) is never held.
    expect(decoder.push(Buffer.alloc(5000))).to.deep.equal([]);
    expect(decoder.pending).to.equal(0);
    // A frame exactly at the maximum is accepted.
    const atMax = encodeFrame(3, Buffer.alloc(1000 - MIN_FRAME_LENGTH), SECRET);
    expect(new FrameDecoder({ secret: SECRET, maxFrameBytes: 1000 }).push(atMax)[0]).to.include({ kind: 'frame', sender: 3 });
  });

  it('drops a frame of an unknown codec version and reads the next one', () => {
    const decoder = new FrameDecoder({ secret: SECRET });
    const out = decoder.push(Buffer.concat([encodeFrame(1, Buffer.from('a'), SECRET, 2), encodeFrame(1, Buffer.from('b'), SECRET)]));
    expect(out.map((d) => (d.kind === 'frame' ? 'frame' : d.reason))).to.deep.equal(['unknown-version', 'frame']);
  });

  it('drops a frame whose tag does not match the cluster secret (any flipped bit), and reads the next one', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 64 }), fc.nat(), (payload, bit) => {
        const frame = Buffer.from(encodeFrame(2, Buffer.from(payload), SECRET));
        const at = 5 + (Math.floor(bit / 8) % (frame.length - 5)); // sender, payload or tag
        frame[at] = (frame[at] as number) ^ (1 << bit % 8);
        const out = new FrameDecoder({ secret: SECRET }).push(Buffer.concat([frame, encodeFrame(2, Buffer.from('ok'), SECRET)]));
        expect(out.map((d) => (d.kind === 'frame' ? d.payload.toString() : d.reason))).to.deep.equal(['bad-hmac', 'ok']);
      }),
      { numRuns: 200 },
    );
    expect(new FrameDecoder({ secret: SECRET }).push(encodeFrame(2, Buffer.from('x'), OTHER_SECRET))[0]).to.include({ reason: 'bad-hmac' });
  });

  it('holds a truncated frame without delivering any of it', () => {
    const decoder = new FrameDecoder({ secret: SECRET });
    const frame = encodeFrame(1, Buffer.from('hello'), SECRET);
    expect(decoder.push(frame.subarray(0, frame.length - 1))).to.deep.equal([]);
    expect(decoder.pending).to.equal(frame.length - 5);
    expect(decoder.push(frame.subarray(frame.length - 1))[0]).to.include({ kind: 'frame' });
  });

  it('refuses bad parameters with a clear error', () => {
    expect(() => encodeFrame(-1, Buffer.alloc(0), SECRET)).to.throw(/u32 node id/);
    expect(() => encodeFrame(1, Buffer.alloc(0), SECRET, 256)).to.throw(/u8/);
    expect(() => new FrameDecoder({ secret: SECRET, maxFrameBytes: 10 })).to.throw(/maximum frame size/);
    expect(DEFAULT_MAX_FRAME_BYTES).to.equal(4 * 1024 * 1024);
    expect(() => clusterSecret('short')).to.throw(/at least 16 bytes/);
    expect(clusterSecret('  0123456789abcdef\n').toString()).to.equal('0123456789abcdef');
  });
});
