// protocols/llrp — the RO_ACCESS_REPORT hot path: cross-checked against llrpjs's encoder (property test), against the
// generic decoder, and against bad bytes (errors name the problem and keep the good tags before it).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMessage, type LlrpObject } from './codec.js';
import { llrpjs } from './llrpjs.test-helper.js';
import { decodeTagReports, type TagReport } from './report.js';
import { encodeRoAccessReport } from './report-encode.js';

const hex = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString('hex'));
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const us = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });

const tagArb = fc.record({
  epc: fc.oneof(hex(12), fc.integer({ min: 1, max: 62 }).chain((n) => hex(n))),
  rospecId: opt(u32),
  specIndex: opt(u16),
  inventoryParameterSpecId: opt(u16),
  antenna: opt(u16),
  rssi: opt(fc.integer({ min: -128, max: 127 })),
  channel: opt(u16),
  firstSeenUtc: opt(us),
  firstSeenUptime: opt(us),
  lastSeenUtc: opt(us),
  lastSeenUptime: opt(us),
  count: opt(u16),
  pc: opt(u16),
  crc: opt(u16),
  accessSpecId: opt(u32),
  custom: fc.boolean(),
});
type Tag = typeof tagArb extends fc.Arbitrary<infer T> ? T : never;

/** The same tag in llrpjs's JSON form (LTK names, TV parameters wrapped). */
function toLlrpjs(t: Tag): Record<string, unknown> {
  const d: Record<string, unknown> = {};
  if (t.epc.length === 24) d.EPC_96 = { EPC: t.epc };
  else d.EPCData = { EPC: t.epc };
  const put = (name: string, field: string, v: number | undefined, big = false) => {
    if (v !== undefined) d[name] = { [field]: big ? BigInt(v) : v };
  };
  put('ROSpecID', 'ROSpecID', t.rospecId);
  put('SpecIndex', 'SpecIndex', t.specIndex);
  put('InventoryParameterSpecID', 'InventoryParameterSpecID', t.inventoryParameterSpecId);
  put('AntennaID', 'AntennaID', t.antenna);
  put('PeakRSSI', 'PeakRSSI', t.rssi);
  put('ChannelIndex', 'ChannelIndex', t.channel);
  put('FirstSeenTimestampUTC', 'Microseconds', t.firstSeenUtc, true);
  put('FirstSeenTimestampUptime', 'Microseconds', t.firstSeenUptime, true);
  put('LastSeenTimestampUTC', 'Microseconds', t.lastSeenUtc, true);
  put('LastSeenTimestampUptime', 'Microseconds', t.lastSeenUptime, true);
  put('TagSeenCount', 'TagCount', t.count);
  put('C1G2_PC', 'PC_Bits', t.pc);
  put('C1G2_CRC', 'CRC', t.crc);
  put('AccessSpecID', 'AccessSpecID', t.accessSpecId);
  if (t.custom) d.Custom = { VendorIdentifier: 25882, ParameterSubtype: 7, Data: 'c0ffee' };
  return d;
}

function expected(t: Tag): TagReport {
  const n = (v: number | undefined) => (v === undefined ? NaN : v);
  return {
    reader: 'dock-1',
    ts: 123.5,
    readerTs: n(t.firstSeenUtc) / 1000,
    epc: t.epc,
    epcBits: t.epc.length * 4,
    antenna: n(t.antenna),
    rssi: n(t.rssi),
    phase: NaN,
    doppler: NaN,
    channel: n(t.channel),
    firstSeenUtc: n(t.firstSeenUtc),
    firstSeenUptime: n(t.firstSeenUptime),
    lastSeenUtc: n(t.lastSeenUtc),
    lastSeenUptime: n(t.lastSeenUptime),
    count: t.count ?? 1,
    rospecId: n(t.rospecId),
    specIndex: n(t.specIndex),
    inventoryParameterSpecId: n(t.inventoryParameterSpecId),
    accessSpecId: n(t.accessSpecId),
    pc: n(t.pc),
    crc: n(t.crc),
  };
}

describe('decodeTagReports', () => {
  it('decodes RO_ACCESS_REPORTs encoded by llrpjs to the values llrpjs was given', () => {
    fc.assert(
      fc.property(fc.array(tagArb, { maxLength: 8 }), u32, (tags, id) => {
        const msg = new llrpjs.LLRPMessage({ id, type: 'RO_ACCESS_REPORT', data: { TagReportData: tags.map(toLlrpjs) } });
        const frame = new Uint8Array(msg.encode().getBuffer());
        const out: TagReport[] = [];
        expect(decodeTagReports(frame, out, 'dock-1', 123.5)).toBeUndefined();
        expect(out).toEqual(tags.map(expected));
        // The generic decoder sees the same EPCs and the Custom parameters.
        const m = decodeMessage(frame);
        if (!m.ok) throw m.error;
        expect(m.value.id).toBe(id);
        const generic = m.value.body.TagReportData as LlrpObject[];
        expect(generic.map((g) => (g.EPCParameter as LlrpObject).EPC)).toEqual(tags.map((t) => t.epc));
        expect(generic.map((g) => (g.Custom as LlrpObject[]).length)).toEqual(tags.map((t) => (t.custom ? 1 : 0)));
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with llrpjs decoding our encoder\'s frames', () => {
    fc.assert(
      fc.property(fc.array(tagArb, { minLength: 1, maxLength: 5 }), (tags) => {
        const frame = encodeRoAccessReport(9, tags.map((t) => ({ ...t, custom: undefined })) as never);
        const theirs = new llrpjs.LLRPMessage(Buffer.from(frame)).decode().toLLRPData();
        expect(theirs.type).toBe('RO_ACCESS_REPORT');
        let list = theirs.data.TagReportData as Array<Record<string, Record<string, unknown>>>;
        if (!Array.isArray(list)) list = [list];
        expect(list.map((d) => String((d.EPC_96 ?? d.EPCData)!.EPC).toLowerCase())).toEqual(tags.map((t) => t.epc));
        expect(list.map((d) => d.AntennaID?.AntennaID)).toEqual(tags.map((t) => t.antenna));
        expect(list.map((d) => d.PeakRSSI?.PeakRSSI)).toEqual(tags.map((t) => t.rssi));
        expect(list.map((d) => d.TagSeenCount?.TagCount)).toEqual(tags.map((t) => t.count));
      }),
      { numRuns: 100 },
    );
  });

  it('returns an error naming an unknown TV type and its offset, keeping the tags before it', () => {
    const good = encodeRoAccessReport(1, [{ epc: '300833b2ddd9014000000001', antenna: 1 }]);
    // second TagReportData: EPC-96 then TV type 99 (unknown)
    const bad = Buffer.from('00f0001a8d300833b2ddd9014000000002e30001', 'hex');
    bad.writeUInt16BE(bad.length, 2);
    const frame = Buffer.concat([good, bad]);
    frame.writeUInt32BE(frame.length, 2);
    const out: TagReport[] = [];
    const err = decodeTagReports(frame, out);
    expect(err?.code).toBe('unknown-tv');
    expect(err?.message).toContain('type 99');
    expect(err?.offset).toBe(good.length + 4 + 13);
    expect(out.map((t) => t.epc)).toEqual(['300833b2ddd9014000000001']);
  });

  it('rejects a TagReportData whose length runs past the message, and a non-report frame', () => {
    const frame = Buffer.from(encodeRoAccessReport(1, [{ epc: '300833b2ddd9014000000001' }]));
    frame.writeUInt16BE(200, 12);
    expect(decodeTagReports(frame, [])?.code).toBe('truncated');
    const keepalive = Buffer.from('043e0000000a00000001', 'hex');
    expect(decodeTagReports(keepalive, [])?.code).toBe('unexpected');
  });

  it('reports an EPCData with an odd bit count as whole bytes with the bit count', () => {
    const frame = encodeRoAccessReport(1, [{ epc: 'abcd80', epcBits: 17, rssi: -60 }]);
    const out: TagReport[] = [];
    expect(decodeTagReports(frame, out)).toBeUndefined();
    expect(out[0]).toMatchObject({ epc: 'abcd80', epcBits: 17, rssi: -60 });
  });
});
