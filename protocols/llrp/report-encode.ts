// protocols/llrp — building RO_ACCESS_REPORT frames from flat tag reports (the reader side: simulator, tests,
// benchmark). An EPC of 96 bits goes out as the EPC-96 TV parameter, any other length as EPCData (TLV);
// every other field is sent when it is a number (not NaN/undefined), in the order the standard lists them; a
// Doppler frequency goes out as Impinj's ImpinjRFDopplerFrequency Custom parameter (1/16 Hz), as an Impinj reader
// sends it.
import { bytesOfHex, type U64 } from './bits.js';
import { HEADER_LENGTH, LLRP_VERSION_1_0_1, MessageType } from './constants.js';
import { LlrpError } from './errors.js';
import { writeHeader } from './header.js';
import { IMPINJ_VENDOR_ID, ImpinjSubtype } from './impinj.js';
import type { TagReport } from './report.js';

export type TagReportInput = Partial<TagReport> & { epc: string };

const has = <T extends U64>(v: T | undefined): v is T => v !== undefined && !(typeof v === 'number' && Number.isNaN(v));

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
  if (has(t.doppler)) n += 14;
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
  const u64 = (v: U64) => {
    dv.setBigUint64(p, BigInt(v));
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
    const tv16 = (type: number, v: number | undefined) => {
      if (!has(v)) return;
      b[p] = 0x80 | type;
      dv.setUint16(p + 1, v);
      p += 3;
    };
    const tv32 = (type: number, v: number | undefined) => {
      if (!has(v)) return;
      b[p] = 0x80 | type;
      dv.setUint32(p + 1, v);
      p += 5;
    };
    const tv64 = (type: number, v: U64 | undefined) => {
      if (!has(v)) return;
      b[p++] = 0x80 | type;
      u64(v);
    };
    tv32(9, t.rospecId);
    tv16(14, t.specIndex);
    tv16(10, t.inventoryParameterSpecId);
    tv16(1, t.antenna);
    if (has(t.rssi)) {
      b[p] = 0x80 | 6;
      dv.setInt8(p + 1, Math.max(-128, Math.min(127, Math.round(t.rssi))));
      p += 2;
    }
    tv16(7, t.channel);
    tv64(2, t.firstSeenUtc);
    tv64(3, t.firstSeenUptime);
    tv64(4, t.lastSeenUtc);
    tv64(5, t.lastSeenUptime);
    tv16(8, t.count);
    tv16(12, t.pc);
    tv16(11, t.crc);
    tv32(16, t.accessSpecId);
    if (has(t.doppler)) {
      dv.setUint16(p, 1023);
      dv.setUint16(p + 2, 14);
      dv.setUint32(p + 4, IMPINJ_VENDOR_ID);
      dv.setUint32(p + 8, ImpinjSubtype.RFDopplerFrequency);
      dv.setInt16(p + 12, Math.max(-32768, Math.min(32767, Math.round(t.doppler * 16))));
      p += 14;
    }
  });
  if (p !== total) throw new Error(`encodeRoAccessReport: wrote ${p} of ${total} bytes`); // invariant
  return b;
}
