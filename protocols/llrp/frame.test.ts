// protocols/llrp — the frame splitter: every message of a chunk, partial messages across chunks at every split
// point, the length cap before allocation, and random bytes that must never crash or hang it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeMessage } from './codec.js';
import { FrameSplitter } from './frame.js';
import { encodeRoAccessReport } from './report-encode.js';

const msgs = [
  encodeMessage('KEEPALIVE', 1),
  encodeRoAccessReport(2, [{ epc: '300833b2ddd9014000000001', antenna: 1, rssi: -55, firstSeenUtc: 1_700_000_000_000_000 }]),
  encodeMessage('GET_READER_CAPABILITIES', 3, { RequestedData: 0 }),
  encodeMessage('ERROR_MESSAGE', 4, { LLRPStatus: { StatusCode: 109, ErrorDescription: 'nope' } }),
];
const stream = Buffer.concat(msgs);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function collect(s: FrameSplitter, chunks: Uint8Array[]): string[] {
  const out: string[] = [];
  for (const c of chunks) {
    const err = s.push(c, (f) => out.push(hex(f)));
    expect(err).toBeUndefined();
  }
  return out;
}

describe('FrameSplitter', () => {
  it('yields every message of one chunk', () => {
    expect(collect(new FrameSplitter(), [stream])).toEqual(msgs.map(hex));
  });

  it('yields the same messages for every way of splitting the stream in two or byte by byte', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      expect(collect(new FrameSplitter(), [stream.subarray(0, cut), stream.subarray(cut)])).toEqual(msgs.map(hex));
    }
    const bytes = [...stream].map((b) => new Uint8Array([b]));
    const s = new FrameSplitter();
    expect(collect(s, bytes)).toEqual(msgs.map(hex));
    expect(s.buffered).toBe(0);
  });

  it('yields the same messages for random chunkings', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 30 }), (sizes) => {
        const chunks: Uint8Array[] = [];
        let p = 0;
        for (let i = 0; p < stream.length; i++) {
          const n = sizes[i % sizes.length]!;
          chunks.push(stream.subarray(p, p + n));
          p += n;
        }
        expect(collect(new FrameSplitter(), chunks)).toEqual(msgs.map(hex));
      }),
    );
  });

  it('refuses a length above the cap before buffering it, and stays broken', () => {
    const s = new FrameSplitter(1000);
    const lying = Buffer.from('043e7fffffff00000001', 'hex');
    const err = s.push(lying.subarray(0, 7), () => {});
    expect(err).toBeUndefined();
    const err2 = s.push(lying.subarray(7), () => {});
    expect(err2?.code).toBe('too-long');
    expect(err2?.message).toContain('2147483647');
    expect(s.buffered).toBeLessThanOrEqual(10);
    expect(s.push(msgs[0]!, () => {})?.code).toBe('too-long');
    s.reset();
    expect(collect(s, [msgs[0]!])).toEqual([hex(msgs[0]!)]);
  });

  it('names a bad version and a length shorter than the header, with the stream offset', () => {
    const badVersion = Buffer.from('1c3e0000000a00000001', 'hex'); // version 7
    const s = new FrameSplitter();
    const err = s.push(Buffer.concat([msgs[0]!, badVersion]), () => {});
    expect(err?.code).toBe('bad-header');
    expect(err?.message).toContain('version 7');
    expect(err?.offset).toBe(10);
    expect(new FrameSplitter().push(Buffer.from('043e0000000400000001', 'hex'), () => {})?.message).toContain('length 4');
  });

  it('never throws or hangs on random bytes, and every frame it yields has the length it claims', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), (chunks) => {
        const s = new FrameSplitter(512);
        for (const c of chunks) {
          const err = s.push(c, (f) => expect(Buffer.from(f).readUInt32BE(2)).toBe(f.length));
          if (err) break;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
