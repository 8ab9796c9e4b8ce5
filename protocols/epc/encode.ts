// protocols/epc — GS1 identity → binary EPC (hex), from fields, from a tag URI, or from a GTIN/SSCC. Never throws.
import { checkDigitProblem } from '../gs1/check-digit.js';
import { BitWriter } from './bits.js';
import { firstBadChar, uriUnescape } from './charset.js';
import { describe, type Gs1Epc } from './decode.js';
import { BY_NAME, type EpcScheme, type SchemeDef } from './schemes.js';

export interface EpcFields {
  scheme: EpcScheme;
  filter: number;
  /** 6–12 digits; its length selects the partition. */
  companyPrefix: string;
  /** Item reference (indicator digit first), serial reference (extension digit first), location reference, asset type, or individual asset reference. */
  reference: string;
  /** SGTIN and GRAI serial. */
  serial?: string;
  /** SGLN extension; '0' or absent = none. */
  extension?: string;
}

export type EpcEncodeResult = { ok: true; hex: string; epc: Gs1Epc } | { ok: false; reason: string };

const fail = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

/** Encodes fields as the tag's EPC: lowercase hex padded to 16-bit words. */
export function encodeEpc(fields: EpcFields): EpcEncodeResult {
  const def = BY_NAME.get(fields.scheme);
  if (!def) return fail(`unknown EPC scheme ${JSON.stringify(fields.scheme)}`);
  const { filter, companyPrefix: company, reference } = fields;
  if (def.identity === 'gid') return encodeGid(def, fields);
  if (!Number.isInteger(filter) || filter < 0 || filter > 7) return fail(`${def.scheme}: filter ${filter} is not 0–7`);
  if (!/^\d{6,12}$/.test(company)) return fail(`${def.scheme}: company prefix ${JSON.stringify(company)} is not 6–12 digits`);
  const partition = def.partitions.findIndex((p) => p.cDigits === company.length);
  const row = def.partitions[partition]!;

  const w = new BitWriter().put(def.header, 8).put(filter, 3).put(partition, 3).put(BigInt(company), row.cBits);
  if (def.reference === 'padded') {
    if (!new RegExp(`^\\d{${row.rDigits}}$`).test(reference))
      return fail(`${def.scheme}: reference ${JSON.stringify(reference)} must be ${row.rDigits} digits with a ${company.length}-digit company prefix`);
    w.put(row.rDigits === 0 ? 0n : BigInt(reference), row.rBits);
  } else if (def.reference === 'unpadded') {
    const what = def.identity === 'cpi' ? 'part reference' : 'asset reference';
    const p = integerProblem(reference, row.rBits) ?? (reference.length > row.rDigits ? `${reference} is longer than ${row.rDigits} digits with a ${company.length}-digit company prefix` : undefined);
    if (p) return fail(`${def.scheme}: ${what} ${p}`);
    w.put(BigInt(reference), row.rBits);
  } else {
    const p = stringProblem(reference, row.rDigits);
    if (p) return fail(`${def.scheme}: asset reference ${p}`);
    putString(w, reference, row.rBits);
  }

  let tail: string | undefined;
  const t = def.tail;
  if (t.kind === 'int' || t.kind === 'string' || t.kind === 'digits') {
    const what = def.identity === 'sgln' ? 'extension' : 'serial';
    tail = def.identity === 'sgln' ? (fields.extension ?? '0') : fields.serial;
    if (tail === undefined) return fail(`${def.scheme}: ${what} is missing`);
    if (t.kind === 'int') {
      const p = integerProblem(tail, t.bits);
      if (p) return fail(`${def.scheme}: ${what} ${p}${def.bits === 96 && longScheme(def) ? ` (use the ${def.identity}-${longScheme(def)} scheme for such values)` : ''}`);
      w.put(BigInt(tail), t.bits);
    } else if (t.kind === 'digits') {
      if (!new RegExp(`^\\d{0,${t.maxDigits}}$`).test(tail)) return fail(`${def.scheme}: ${what} ${JSON.stringify(tail)} is not at most ${t.maxDigits} digits`);
      w.put(BigInt('1' + tail), t.bits);
    } else {
      const p = stringProblem(tail, t.maxChars);
      if (p) return fail(`${def.scheme}: ${what} ${p}`);
      putString(w, tail, t.bits);
    }
  } else if (t.kind === 'reserved') {
    w.put(0, t.bits);
  }
  if (w.bits !== def.bits) throw new Error(`encodeEpc invariant: wrote ${w.bits} bits for ${def.scheme}`);
  return { ok: true, hex: w.toHex(), epc: describe(def, filter, partition, company, reference, tail) };
}

function longScheme(def: SchemeDef): string {
  return { sgtin: '198', sgln: '195', grai: '170', giai: '202', gdti: '174' }[def.identity as string] ?? '';
}

/** GID-96: manager number, object class and serial are integers that fit 28, 24 and 36 bits; there is no filter. */
function encodeGid(def: SchemeDef, f: EpcFields): EpcEncodeResult {
  const row = def.partitions[0]!;
  const t = def.tail as { bits: number };
  const parts: Array<[string, string | undefined, number]> = [['general manager number', f.companyPrefix, row.cBits], ['object class', f.reference, row.rBits], ['serial', f.serial, t.bits]];
  const w = new BitWriter().put(def.header, 8);
  for (const [what, v, bits] of parts) {
    if (v === undefined) return fail(`${def.scheme}: ${what} is missing`);
    const p = integerProblem(v, bits);
    if (p) return fail(`${def.scheme}: ${what} ${p}`);
    w.put(BigInt(v), bits);
  }
  return { ok: true, hex: w.toHex(), epc: describe(def, 0, 0, f.companyPrefix, f.reference, f.serial) };
}

/** Why `s` is not a decimal integer without leading zeros that fits `bits`; undefined when it is. */
function integerProblem(s: string, bits: number): string | undefined {
  if (!/^(0|[1-9]\d*)$/.test(s)) return `${JSON.stringify(s)} is not a decimal integer without leading zeros`;
  if (BigInt(s) >= 1n << BigInt(bits)) return `${s} does not fit ${bits} bits`;
  return undefined;
}

function stringProblem(s: string, maxChars: number): string | undefined {
  if (s.length === 0) return 'is empty';
  if (s.length > maxChars) return `${JSON.stringify(s)} is longer than ${maxChars} characters`;
  const bad = firstBadChar(s);
  if (bad !== undefined) return `${JSON.stringify(s)} has ${JSON.stringify(bad)}, outside the GS1 character set`;
  return undefined;
}

function putString(w: BitWriter, s: string, bits: number): void {
  for (let i = 0; i < s.length; i++) w.put(s.charCodeAt(i), 7);
  w.put(0n, bits - s.length * 7);
}

const TAG_URI = /^urn:epc:tag:([a-z]+-\d+):([0-7])\.(\d*)\.(.*)$/;
const GID_TAG_URI = /^urn:epc:tag:gid-96:(\d+)\.(\d+)\.(\d+)$/;

/**
 * Encodes a tag URI such as urn:epc:tag:sgtin-96:3.0614141.812345.6789 (TDS §12). The last component (serial,
 * extension, asset reference) may itself contain dots; the components before it are digits.
 */
export function encodeTagUri(uri: string): EpcEncodeResult {
  const gid = GID_TAG_URI.exec(uri);
  if (gid) return encodeEpc({ scheme: 'gid-96', filter: 0, companyPrefix: gid[1]!, reference: gid[2]!, serial: gid[3]! });
  const m = TAG_URI.exec(uri);
  if (!m) return fail(`${JSON.stringify(uri)} is not an EPC tag URI (urn:epc:tag:<scheme>:<filter>.<company>.…)`);
  const def = BY_NAME.get(m[1]!);
  if (!def) return fail(`tag URI scheme ${m[1]} is not supported`);
  const needsTail = def.tail.kind === 'int' || def.tail.kind === 'string' || def.tail.kind === 'digits';
  let ref = m[4]!;
  let last: string | undefined;
  if (needsTail) {
    const dot = ref.indexOf('.');
    if (dot < 0) return fail(`${JSON.stringify(uri)}: ${def.scheme} takes 3 fields after the filter`);
    last = uriUnescape(ref.slice(dot + 1));
    ref = ref.slice(0, dot);
    if (last === undefined) return fail(`${JSON.stringify(uri)} has a malformed % escape`);
  }
  const reference = uriUnescape(ref);
  if (reference === undefined) return fail(`${JSON.stringify(uri)} has a malformed % escape`);
  const fields: EpcFields = { scheme: def.scheme, filter: Number(m[2]), companyPrefix: m[3]!, reference };
  if (def.identity === 'sgln') fields.extension = last;
  else if (needsTail) fields.serial = last;
  return encodeEpc(fields);
}

export interface SgtinInput {
  /** GTIN-8/12/13/14; shorter ones are padded to 14 with leading zeros. The check digit is verified. */
  gtin: string;
  /** Digits of the GS1 company prefix inside the GTIN (6–12). */
  companyPrefixLength: number;
  serial: string;
  filter?: number;
  /** Default: sgtin-96 when the serial fits it, else sgtin-198. */
  scheme?: 'sgtin-96' | 'sgtin-198';
}

/** SGTIN from a GTIN, the company prefix length and a serial — what a label printer or the simulator has. */
export function encodeSgtin(input: SgtinInput): EpcEncodeResult {
  const gtin = input.gtin.padStart(14, '0');
  const cd = checkDigitProblem(gtin, 'GTIN');
  if (cd) return fail(cd);
  if (gtin.length !== 14) return fail(`GTIN ${input.gtin} is longer than 14 digits`);
  const cpl = input.companyPrefixLength;
  if (!Number.isInteger(cpl) || cpl < 6 || cpl > 12) return fail(`company prefix length ${cpl} is not 6–12`);
  const fits96 = /^(0|[1-9]\d{0,11})$/.test(input.serial) && BigInt(input.serial) < 1n << 38n;
  return encodeEpc({
    scheme: input.scheme ?? (fits96 ? 'sgtin-96' : 'sgtin-198'),
    filter: input.filter ?? 1,
    companyPrefix: gtin.slice(1, 1 + cpl),
    reference: gtin[0] + gtin.slice(1 + cpl, 13),
    serial: input.serial,
  });
}

/** SSCC-96 from an 18-digit SSCC and the company prefix length. */
export function encodeSscc(input: { sscc: string; companyPrefixLength: number; filter?: number }): EpcEncodeResult {
  const cd = checkDigitProblem(input.sscc, 'SSCC');
  if (cd) return fail(cd);
  if (input.sscc.length !== 18) return fail(`SSCC ${input.sscc} is not 18 digits`);
  const cpl = input.companyPrefixLength;
  if (!Number.isInteger(cpl) || cpl < 6 || cpl > 12) return fail(`company prefix length ${cpl} is not 6–12`);
  return encodeEpc({
    scheme: 'sscc-96',
    filter: input.filter ?? 2,
    companyPrefix: input.sscc.slice(1, 1 + cpl),
    reference: input.sscc[0] + input.sscc.slice(1 + cpl, 17),
  });
}
