// protocols/llrp — the hot path: one RO_ACCESS_REPORT frame to a flat array of tag reports. Written plainly for
// speed: one object per tag, no objects per field, EPC as lowercase hex, timestamps as exact u64 microseconds (a
// number until 2^53, i.e. the year 2255 for UTC; a bigint beyond, as an Uptime counter or a broken clock may send).
// Impinj's peak RSSI, phase and Doppler Custom parameters are read (impinj.ts), and Zebra's MotoTagPhase (zebra.ts);
// everything else in the report (RFSurvey data, other Custom, op-spec results) is skipped by its length. Never
// throws on wire bytes.
import type { TagRead } from '../reads/index.js';
import { HEADER_LENGTH, MessageType, TV_LENGTH } from './constants.js';
import { u64Of, u64Number, type U64 } from './bits.js';
import { LlrpError } from './errors.js';
import { dopplerHz, IMPINJ_VENDOR_ID, ImpinjSubtype, phaseRadians } from './impinj.js';
import { ZEBRA_TAG_PHASE_LENGTH, ZEBRA_VENDOR_ID, ZebraSubtype, zebraPhaseRadians } from './zebra.js';

/**
 * One TagReportData. It is a `TagRead` (reader, antenna, epc, rssi, ts, readerTs, count) with the rest of what the
 * reader reported, so the client hands it on without copying. Numbers the reader did not report are NaN, except
 * `count`, which is 1 when TagSeenCount is absent (as TagRead defines it).
 */
export interface TagReport extends TagRead {
  /** EPC as lowercase hex (whole bytes); '' when the reader sent no EPC parameter. */
  epc: string;
  /** EPC length in bits (96 for EPC-96, the bit count of EPCData otherwise). */
  epcBits: number;
  /** AntennaID; NaN when not reported. */
  antenna: number;
  /** PeakRSSI, dBm; from ImpinjPeakRSSI (1/100 dBm) when an Impinj reader sends it. */
  rssi: number;
  /** RF phase in radians (0…2π): ImpinjRFPhaseAngle or Zebra's MotoTagPhase; NaN when not reported. */
  phase: number;
  /** ImpinjRFDopplerFrequency in Hz; NaN when not reported. */
  doppler: number;
  channel: number;
  /** µs since the Unix epoch (exact: see U64). */
  firstSeenUtc: U64;
  /** µs since reader boot. */
  firstSeenUptime: U64;
  lastSeenUtc: U64;
  lastSeenUptime: U64;
  rospecId: number;
  specIndex: number;
  inventoryParameterSpecId: number;
  accessSpecId: number;
  /** C1G2 PC bits. */
  pc: number;
  crc: number;
}

const HEXCHARS = '0123456789abcdef';
const HI = new Uint16Array(256);
const LO = new Uint16Array(256);
const HEX2: string[] = [];
for (let i = 0; i < 256; i++) {
  HI[i] = HEXCHARS.charCodeAt(i >>> 4);
  LO[i] = HEXCHARS.charCodeAt(i & 15);
  HEX2.push(HEXCHARS[i >>> 4]! + HEXCHARS[i & 15]!);
}

/** 12 bytes → 24 hex chars as one flat string (the common EPC-96 case). */
function hex96(b: Uint8Array, p: number): string {
  const b0 = b[p]!, b1 = b[p + 1]!, b2 = b[p + 2]!, b3 = b[p + 3]!, b4 = b[p + 4]!, b5 = b[p + 5]!;
  const b6 = b[p + 6]!, b7 = b[p + 7]!, b8 = b[p + 8]!, b9 = b[p + 9]!, b10 = b[p + 10]!, b11 = b[p + 11]!;
  return String.fromCharCode(
    HI[b0]!, LO[b0]!, HI[b1]!, LO[b1]!, HI[b2]!, LO[b2]!, HI[b3]!, LO[b3]!, HI[b4]!, LO[b4]!, HI[b5]!, LO[b5]!,
    HI[b6]!, LO[b6]!, HI[b7]!, LO[b7]!, HI[b8]!, LO[b8]!, HI[b9]!, LO[b9]!, HI[b10]!, LO[b10]!, HI[b11]!, LO[b11]!,
  );
}

function hexN(b: Uint8Array, p: number, n: number): string {
  if (n === 12) return hex96(b, p);
  let s = '';
  for (let i = 0; i < n; i++) s += HEX2[b[p + i]!];
  return s;
}

function u16(b: Uint8Array, p: number): number {
  return (b[p]! << 8) | b[p + 1]!;
}
function u32(b: Uint8Array, p: number): number {
  return b[p]! * 16777216 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
}
function u64(b: Uint8Array, p: number): U64 {
  return u64Of(u32(b, p), u32(b, p + 4));
}

/**
 * Decode the TagReportData of one RO_ACCESS_REPORT frame (header included) and append them to `out`, stamped with
 * the reader id and the gateway clock at receipt (`ts`, ms).
 * Returns undefined on success. On an error, `out` keeps every tag decoded before the bad parameter and the error
 * names what was wrong and its byte offset within the frame.
 */
export function decodeTagReports(frame: Uint8Array, out: TagReport[], reader = '', ts = NaN): LlrpError | undefined {
  const end = frame.length;
  if (end < HEADER_LENGTH) return new LlrpError('truncated', 'RO_ACCESS_REPORT shorter than its header', 0);
  const type = ((frame[0]! & 3) << 8) | frame[1]!;
  if (type !== MessageType.RO_ACCESS_REPORT) {
    return new LlrpError('unexpected', `message type ${type} is not RO_ACCESS_REPORT`, 0);
  }
  let p = HEADER_LENGTH;
  while (p < end) {
    if (frame[p]! & 0x80) {
      const t = frame[p]! & 0x7f;
      return new LlrpError('unknown-tv', `TV parameter type ${t} is not allowed in RO_ACCESS_REPORT`, p);
    }
    if (p + 4 > end) return new LlrpError('truncated', 'parameter header runs past the end of RO_ACCESS_REPORT', p);
    const ptype = ((frame[p]! & 3) << 8) | frame[p + 1]!;
    const plen = u16(frame, p + 2);
    if (plen < 4) return new LlrpError('bad-length', `parameter type ${ptype} has length ${plen} < 4`, p);
    const pend = p + plen;
    if (pend > end) return new LlrpError('truncated', `parameter type ${ptype} length ${plen} runs past the end of RO_ACCESS_REPORT`, p);
    if (ptype === 240) {
      const err = decodeTagReportData(frame, p + 4, pend, out, reader, ts);
      if (err) return err;
    }
    p = pend;
  }
  return undefined;
}

function decodeTagReportData(b: Uint8Array, p: number, end: number, out: TagReport[], reader: string, ts: number): LlrpError | undefined {
  let epc = '';
  let epcBits = 0;
  let antenna = NaN, rssi = NaN, channel = NaN, count = 1;
  let firstSeenUtc: U64 = NaN, firstSeenUptime: U64 = NaN, lastSeenUtc: U64 = NaN, lastSeenUptime: U64 = NaN;
  let rospecId = NaN, specIndex = NaN, inventoryParameterSpecId = NaN, accessSpecId = NaN, pc = NaN, crc = NaN;
  let impinjCdbm = NaN, phase = NaN, doppler = NaN;
  while (p < end) {
    const first = b[p]!;
    if (first & 0x80) {
      const t = first & 0x7f;
      const len = TV_LENGTH[t]!;
      if (len === 0) return new LlrpError('unknown-tv', `unknown TV parameter type ${t} in TagReportData`, p);
      if (p + 1 + len > end) return new LlrpError('truncated', `TV parameter type ${t} runs past the end of TagReportData`, p);
      const v = p + 1;
      switch (t) {
        case 13: epc = hex96(b, v); epcBits = 96; break;
        case 1: antenna = u16(b, v); break;
        case 6: rssi = (b[v]! << 24) >> 24; break;
        case 2: firstSeenUtc = u64(b, v); break;
        case 4: lastSeenUtc = u64(b, v); break;
        case 8: count = u16(b, v); break;
        case 7: channel = u16(b, v); break;
        case 3: firstSeenUptime = u64(b, v); break;
        case 5: lastSeenUptime = u64(b, v); break;
        case 9: rospecId = u32(b, v); break;
        case 14: specIndex = u16(b, v); break;
        case 10: inventoryParameterSpecId = u16(b, v); break;
        case 16: accessSpecId = u32(b, v); break;
        case 12: pc = u16(b, v); break;
        case 11: crc = u16(b, v); break;
        default: break; // XPC words, op-spec result ids: known length, not reported
      }
      p = v + len;
    } else {
      if (p + 4 > end) return new LlrpError('truncated', 'parameter header runs past the end of TagReportData', p);
      const t = ((first & 3) << 8) | b[p + 1]!;
      const len = u16(b, p + 2);
      if (len < 4) return new LlrpError('bad-length', `parameter type ${t} has length ${len} < 4`, p);
      if (p + len > end) return new LlrpError('truncated', `parameter type ${t} length ${len} runs past the end of TagReportData`, p);
      if (t === 241) {
        if (len < 6) return new LlrpError('truncated', 'EPCData shorter than its bit count', p);
        const nbits = u16(b, p + 4);
        const nbytes = (nbits + 7) >>> 3;
        if (6 + nbytes > len) return new LlrpError('truncated', `EPCData bit count ${nbits} runs past its length ${len}`, p);
        epc = hexN(b, p + 6, nbytes);
        epcBits = nbits;
      } else if (t === 1023 && len >= 14 && u32(b, p + 4) === IMPINJ_VENDOR_ID) {
        const sub = u32(b, p + 8);
        const v = u16(b, p + 12);
        if (sub === ImpinjSubtype.PeakRSSI) impinjCdbm = (v << 16) >> 16;
        else if (sub === ImpinjSubtype.RFPhaseAngle) phase = phaseRadians(v & 0xfff);
        else if (sub === ImpinjSubtype.RFDopplerFrequency) doppler = dopplerHz((v << 16) >> 16);
      } else if (t === 1023 && len >= 12 && u32(b, p + 4) === ZEBRA_VENDOR_ID && u32(b, p + 8) === ZebraSubtype.TagPhase) {
        if (len !== ZEBRA_TAG_PHASE_LENGTH) {
          return new LlrpError('bad-length', `Zebra MotoTagPhase (Custom 161/709) has length ${len}, not ${ZEBRA_TAG_PHASE_LENGTH}`, p);
        }
        phase = zebraPhaseRadians(u16(b, p + 12));
      }
      p += len; // other Custom parameters, op-spec results, unknown TLVs: skipped by length
    }
  }
  if (impinjCdbm === impinjCdbm) rssi = impinjCdbm / 100; // not NaN: the finer value wins
  out.push({
    reader, antenna, epc, rssi, phase, doppler, ts, readerTs: u64Number(firstSeenUtc) / 1000, count,
    epcBits, channel, firstSeenUtc, firstSeenUptime, lastSeenUtc, lastSeenUptime,
    rospecId, specIndex, inventoryParameterSpecId, accessSpecId, pc, crc,
  });
  return undefined;
}
