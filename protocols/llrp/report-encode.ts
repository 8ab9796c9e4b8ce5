// protocols/llrp — building RO_ACCESS_REPORT frames from flat tag reports (the reader side: simulator, tests,
// benchmark). An EPC of 96 bits goes out as the EPC-96 TV parameter, any other length as EPCData (TLV);
// every other field is sent when it is a number (not NaN/undefined), in the order the standard lists them.
import { bytesOfHex } from './bits.js';
import { HEADER_LENGTH, LLRP_VERSION_1_0_1, MessageType } from './constants.js';
import { LlrpError } from './errors.js';
import { writeHeader } from './header.js';
import type { TagReport } from './report.js';

export type TagReportInput = Partial<TagReport> & { epc: string };

const has = (v: number | undefined): v is number => v !== undefined && !Number.isNaN(v);

function tagSize(t: TagReportInput, epcBytes: number): number {
  let n = 4 + (epcBytes === 12 && (t.epcBits === undefined || t.epcBits === 96) ? 13 : 6 + epcBytes);
  if (has(t.rospecId)) n += 5;
  if (has(t.specIndex)) n += 3;
  if (has(t.inventoryParameterSpecId)) n += 3;
  if (has(t.antenna)) n += 3;
  if (has(t.rssi)) n += 2;
  if (has(t.channel)) n += 3;
  if (has(t.firstSeenUtc)) n += 9;
  if (has(t.firstSeenUptime)) n += 9;
  if (has(t.lastSeenUtc)) n += 9;
  if (has(t.lastSeenUptime)) n += 9;
  if (has(t.count)) n += 3;
  if (has(t.pc)) n += 3;
  if (has(t.crc)) n += 3;
  if (has(t.accessSpecId)) n += 5;
  return n;
}

export function encodeRoAccessReport(id: number, tags: readonly TagReportInput[], version = LLRP_VERSION_1_0_1): Uint8Array {
  const epcs = tags.map((t) => {
    const b = bytesOfHex(t.epc);
    if (!b || b.length === 0) throw new LlrpError('bad-field', `TagReportData: EPC "${t.epc}" is not hex bytes`);
    return b;
  });
  let total = HEADER_LENGTH;
  const sizes = tags.map((t, i) => tagSize(t, epcs[i]!.length));
  for (const s of sizes) {
    if (s > 0xffff) throw new LlrpError('bad-field', 'TagReportData too long');
    total += s;
  }
  const b = new Uint8Array(total);
  const dv = new DataView(b.buffer);
  writeHeader(b, 0, version, MessageType.RO_ACCESS_REPORT, total, id);
  let p = HEADER_LENGTH;
  const u64 = (v: number) => {
    dv.setUint32(p, Math.floor(v / 4294967296));
    dv.setUint32(p + 4, v % 4294967296);
    p += 8;
  };
  tags.forEach((t, i) => {
    const epc = epcs[i]!;
    dv.setUint16(p, 240);
    dv.setUint16(p + 2, sizes[i]!);
    p += 4;
    if (epc.length === 12 && (t.epcBits === undefined || t.epcBits === 96)) {
      b[p++] = 0x80 | 13;
      b.set(epc, p);
      p += 12;
    } else {
      const bits = t.epcBits ?? epc.length * 8;
      if ((bits + 7) >>> 3 !== epc.length) throw new LlrpError('bad-field', `EPCData: ${bits} bits do not match ${epc.length} bytes`);
      dv.setUint16(p, 241);
      dv.setUint16(p + 2, 6 + epc.length);
      dv.setUint16(p + 4, bits);
      b.set(epc, p + 6);
      p += 6 + epc.length;
    }
    const tv8 = (type: number) => (b[p++] = 0x80 | type);
    if (has(t.rospecId)) (tv8(9), dv.setUint32(p, t.rospecId), (p += 4));
    if (has(t.specIndex)) (tv8(14), dv.setUint16(p, t.specIndex), (p += 2));
    if (has(t.inventoryParameterSpecId)) (tv8(10), dv.setUint16(p, t.inventoryParameterSpecId), (p += 2));
    if (has(t.antenna)) (tv8(1), dv.setUint16(p, t.antenna), (p += 2));
    if (has(t.rssi)) (tv8(6), dv.setInt8(p, Math.max(-128, Math.min(127, Math.round(t.rssi)))), (p += 1));
    if (has(t.channel)) (tv8(7), dv.setUint16(p, t.channel), (p += 2));
    if (has(t.firstSeenUtc)) (tv8(2), u64(t.firstSeenUtc));
    if (has(t.firstSeenUptime)) (tv8(3), u64(t.firstSeenUptime));
    if (has(t.lastSeenUtc)) (tv8(4), u64(t.lastSeenUtc));
    if (has(t.lastSeenUptime)) (tv8(5), u64(t.lastSeenUptime));
    if (has(t.count)) (tv8(8), dv.setUint16(p, t.count), (p += 2));
    if (has(t.pc)) (tv8(12), dv.setUint16(p, t.pc), (p += 2));
    if (has(t.crc)) (tv8(11), dv.setUint16(p, t.crc), (p += 2));
    if (has(t.accessSpecId)) (tv8(16), dv.setUint32(p, t.accessSpecId), (p += 4));
  });
  if (p !== total) throw new Error(`encodeRoAccessReport: wrote ${p} of ${total} bytes`); // invariant
  return b;
}
