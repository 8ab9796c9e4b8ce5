// hub/dashboard/client — what one scanned code is for put-away: a unit (an RFID EPC in hex, an SSCC pallet label, a
// GS1 GTIN + serial), a location label (one of the site's location ids), or nothing usable, with the reason; and the
// GTIN a code names, for the stock search. Pure: the GS1 parsing is the same code the gateways run (protocols/gs1).
import { createScanParser } from '../../../protocols/gs1/scan.js';

export type Scanned =
  | { kind: 'epc'; epc: string; label: string }
  | { kind: 'sscc'; sscc: string; label: string }
  | { kind: 'gtin-serial'; gtin: string; serial: string; label: string }
  | { kind: 'location'; location: string; label: string }
  | { kind: 'invalid'; reason: string; label: string };

const parseScan = createScanParser();
const EPC = /^(?:[0-9a-f]{4}){6,16}$/i;
/** Worth handing to the GS1 parser: digits, a bracketed element string, a symbology identifier or an FNC1. */
const gs1Like = (code: string) => /^\d+$/.test(code) || code.startsWith('(') || code.startsWith(']') || code.includes('\x1d');

/** The GTIN (14 digits) a code names: a bare GTIN-8/12/13/14, or a GS1 label that carries one; else undefined. */
export function scannedGtin(raw: string, nowMs: number): string | undefined {
  const code = raw.trim();
  if (!gs1Like(code)) return undefined;
  const r = parseScan(code, nowMs);
  return r.ok ? r.gtin : undefined;
}

/** `locations`: the site's location ids (a scanned location label is one of them). */
export function classifyScan(raw: string, locations: ReadonlySet<string>, nowMs: number): Scanned {
  const code = raw.trim();
  if (code === '') return { kind: 'invalid', reason: 'empty scan', label: code };
  if (locations.has(code)) return { kind: 'location', location: code, label: code };
  const gs1 = gs1Like(code) ? parseScan(code, nowMs) : undefined;
  if (gs1?.ok && gs1.gs1) {
    if (gs1.gs1.sscc) return { kind: 'sscc', sscc: gs1.gs1.sscc, label: `SSCC ${gs1.gs1.sscc}` };
    if (gs1.gs1.gtin && gs1.gs1.serial) return { kind: 'gtin-serial', gtin: gs1.gs1.gtin, serial: gs1.gs1.serial, label: `GTIN ${gs1.gs1.gtin} serial ${gs1.gs1.serial}` };
    if (gs1.gs1.gtin) return { kind: 'invalid', reason: `GTIN ${gs1.gs1.gtin} without a serial names no single unit: scan the serialised label (AI 21) or the tag`, label: code };
  }
  if (gs1?.ok && gs1.codeType === 'gtin') return { kind: 'invalid', reason: `GTIN ${gs1.gtin} without a serial names no single unit: scan the serialised label (AI 21) or the tag`, label: code };
  if (EPC.test(code)) return { kind: 'epc', epc: code.toLowerCase(), label: `EPC ${code.toLowerCase()}` };
  if (gs1 && !gs1.ok) return { kind: 'invalid', reason: gs1.reason ?? 'not a valid GS1 code', label: code };
  return { kind: 'invalid', reason: `${JSON.stringify(code)} is neither a unit (EPC, SSCC, GTIN + serial) nor a location of this site`, label: code };
}
