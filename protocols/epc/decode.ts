// protocols/epc — binary EPC (hex) → GS1 identity: scheme, filter, URIs and GS1 keys. Never throws, never guesses.
import { gs1CheckDigit } from '../gs1/check-digit.js';
import { bigBitsAt, bitsAt, firstNonHex, zeroFrom } from './bits.js';
import { isCset82, uriEscape } from './charset.js';
import { BY_HEADER, OTHER_HEADERS, type EpcIdentity, type EpcScheme, type SchemeDef } from './schemes.js';

export interface Gs1Epc {
  ok: true;
  scheme: EpcScheme;
  identity: EpcIdentity;
  /** Length of the encoding in bits (96, 170, 195, 198, 202). */
  bits: number;
  /** 0 for GID, which has no filter. */
  filter: number;
  /** 0 for GID, which has no partition. */
  partition: number;
  /** GS1 company prefix; for GID the General Manager Number. */
  companyPrefix: string;
  /**
   * Item reference (with indicator digit), serial reference (with extension digit), location reference, asset type,
   * individual asset reference, document type (GDTI), service reference (GSRN), coupon reference (SGCN), part reference
   * (CPI), object class (GID).
   */
  reference: string;
  /** SGTIN, GRAI, GDTI, SGCN, CPI and GID serial. */
  serial?: string;
  /** SGLN extension ('0' = none). */
  extension?: string;
  /** urn:epc:id:… */
  pureIdentityUri: string;
  /** urn:epc:tag:… */
  tagUri: string;
  /** The GS1 element string in human-readable form, e.g. (01)80614141123458(21)6789; GID has none. */
  elementString?: string;
  gtin?: string;
  sscc?: string;
  gln?: string;
  /** AI 8003 value: 0 + GRAI-13 with check digit + serial. */
  grai?: string;
  /** AI 8004 value. */
  giai?: string;
  /** AI 253 value: GDTI-13 with check digit + serial. */
  gdti?: string;
  /** AI 8018 (GSRN) or 8017 (GSRNP) value. */
  gsrn?: string;
  /** AI 255 value: GCN-13 with check digit + serial. */
  gcn?: string;
  /** AI 8010 value (CPI-96 carries the serial as AI 8011). */
  cpid?: string;
}

export interface NotGs1Epc {
  ok: false;
  reason: string;
}

export type EpcDecodeResult = Gs1Epc | NotGs1Epc;

const fail = (reason: string): NotGs1Epc => ({ ok: false, reason: `not a GS1 EPC: ${reason}` });
const hx = (n: number) => '0x' + n.toString(16).toUpperCase().padStart(2, '0');

const POW10: number[] = [];
for (let i = 0, p = 1; i <= 15; i++, p *= 10) POW10.push(p);

/** Reads `bits` bits at `pos` as a decimal string; undefined when the value has more than `digits` digits. */
function intField(hex: string, pos: number, bits: number, digits: number, pad: boolean): string | undefined {
  if (digits === 0) return bitsAt(hex, pos, bits) === 0 ? '' : undefined;
  if (bits <= 53) {
    const v = bitsAt(hex, pos, bits);
    if (digits <= 15 && v >= POW10[digits]!) return undefined;
    const s = String(v);
    return pad ? s.padStart(digits, '0') : s;
  }
  const v = bigBitsAt(hex, pos, bits);
  if (v >= 10n ** BigInt(digits)) return undefined;
  const s = v.toString();
  return pad ? s.padStart(digits, '0') : s;
}

/** Reads a 7-bit string of at most maxChars characters; a string reason on a bad encoding. */
function stringField(hex: string, pos: number, bits: number, maxChars: number, what: string): { value: string } | string {
  let out = '';
  let i = 0;
  for (; i < maxChars && (i + 1) * 7 <= bits; i++) {
    const c = bitsAt(hex, pos + i * 7, 7);
    if (c === 0) break;
    if (!isCset82(c)) return `${what} character ${i + 1} is 0x${c.toString(16)}, outside the GS1 character set`;
    out += String.fromCharCode(c);
  }
  // After the terminating zero (or the last allowed character) every remaining bit of the field must be zero.
  const restStart = pos + i * 7;
  const restBits = bits - i * 7;
  if (restBits > 0) {
    for (let p = restStart; p < restStart + restBits; p += 53) {
      if (bitsAt(hex, p, Math.min(53, restStart + restBits - p)) !== 0) return `${what} has non-zero bits after its last character`;
    }
  }
  if (out.length === 0) return `${what} is empty`;
  return { value: out };
}

/**
 * Decodes an EPC given as hex (either case; whole words as a reader reports them, or the exact bit length rounded up to
 * nibbles). Bits past the scheme's length must be zero.
 */
export function decodeEpc(hex: string): EpcDecodeResult {
  if (typeof hex !== 'string') return fail('the EPC is not a string');
  if (hex.length < 2) return fail(hex.length === 0 ? 'empty EPC' : `truncated: ${hex.length * 4} bits, no header`);
  const bad = firstNonHex(hex);
  if (bad >= 0) return fail(`character ${bad + 1} (${JSON.stringify(hex[bad])}) is not hex`);
  const header = bitsAt(hex, 0, 8);
  const def = BY_HEADER[header];
  if (!def) {
    const known = OTHER_HEADERS[header];
    if (known) return fail(header === 0 ? known : `header ${hx(header)} is ${known}, which this gateway does not decode`);
    if (header >= 0xf0) return fail(`header ${hx(header)} is a TDS 2.0 "+" scheme, which this gateway does not decode`);
    if (header === 0xe2)
      return fail(`header 0xE2 is no EPC scheme; E2… is the chip's factory EPC (a TID class identifier copied into the EPC bank)`);
    return fail(`header ${hx(header)} is no GS1 EPC scheme`);
  }
  const have = hex.length * 4;
  if (have < def.bits) return fail(`truncated ${def.scheme}: ${have} bits, needs ${def.bits}`);
  if (have > def.bits && !zeroFrom(hex, def.bits)) return fail(`${def.scheme} followed by non-zero bits after bit ${def.bits}`);
  return decodeBody(hex, def);
}

/** GID-96: General Manager Number, Object Class, Serial — integers, no filter, no partition. */
function decodeGid(hex: string, def: SchemeDef): EpcDecodeResult {
  const row = def.partitions[0]!;
  const manager = bitsAt(hex, 8, row.cBits);
  const objectClass = bitsAt(hex, 8 + row.cBits, row.rBits);
  const t = def.tail as { bits: number };
  const serial = bitsAt(hex, 8 + row.cBits + row.rBits, t.bits);
  return describe(def, 0, 0, String(manager), String(objectClass), String(serial));
}

function decodeBody(hex: string, def: SchemeDef): EpcDecodeResult {
  if (def.identity === 'gid') return decodeGid(hex, def);
  const filter = bitsAt(hex, 8, 3);
  const partition = bitsAt(hex, 11, 3);
  const row = def.partitions[partition];
  if (!row) return fail(`${def.scheme} has partition ${partition}, the TDS defines 0–6`);
  let pos = 14;
  const company = intField(hex, pos, row.cBits, row.cDigits, true);
  if (company === undefined) return fail(`${def.scheme} company prefix field exceeds ${row.cDigits} digits (partition ${partition})`);
  pos += row.cBits;

  let reference: string;
  if (def.reference === 'string') {
    const s = stringField(hex, pos, row.rBits, row.rDigits, `${def.scheme} asset reference`);
    if (typeof s === 'string') return fail(s);
    reference = s.value;
  } else {
    const r = intField(hex, pos, row.rBits, row.rDigits, def.reference === 'padded');
    if (r === undefined) return fail(`${def.scheme} reference field exceeds ${row.rDigits} digits (partition ${partition})`);
    reference = r;
  }
  pos += row.rBits;

  let tail: string | undefined;
  const t = def.tail;
  if (t.kind === 'int') {
    tail = String(bitsAt(hex, pos, t.bits));
  } else if (t.kind === 'string') {
    const s = stringField(hex, pos, t.bits, t.maxChars, `${def.scheme} ${def.identity === 'sgln' ? 'extension' : 'serial'}`);
    if (typeof s === 'string') return fail(s);
    tail = s.value;
  } else if (t.kind === 'digits') {
    const v = bitsAt(hex, pos, t.bits).toString();
    if (v[0] !== '1' || v.length > t.maxDigits + 1) return fail(`${def.scheme} serial field ${v} is not "1" followed by at most ${t.maxDigits} digits`);
    tail = v.slice(1);
  } else if (t.kind === 'reserved') {
    if (bitsAt(hex, pos, t.bits) !== 0) return fail(`${def.scheme} reserved bits are not zero`);
  }
  return describe(def, filter, partition, company, reference, tail);
}

/** Builds URIs, element string and keys from decoded (or encoder-validated) fields. Plain literals: this is the hot path. */
export function describe(def: SchemeDef, filter: number, partition: number, company: string, reference: string, tail: string | undefined): Gs1Epc {
  const scheme = def.scheme;
  const identity = def.identity;
  const bits = def.bits;
  const tagPrefix = 'urn:epc:tag:' + scheme + ':' + filter + '.';
  switch (identity) {
    case 'sgtin': {
      const body = reference[0] + company + reference.slice(1);
      const gtin = body + gs1CheckDigit(body);
      const serial = tail!;
      const rest = company + '.' + reference + '.' + uriEscape(serial);
      return { ok: true, scheme, identity, bits, filter, partition, companyPrefix: company, reference, serial, gtin,
        pureIdentityUri: 'urn:epc:id:sgtin:' + rest, tagUri: tagPrefix + rest, elementString: '(01)' + gtin + '(21)' + serial };
    }
    case 'sscc': {
      const body = reference[0] + company + reference.slice(1);
      const sscc = body + gs1CheckDigit(body);
      const rest = company + '.' + reference;
      return { ok: true, scheme, identity, bits, filter, partition, companyPrefix: company, reference, sscc,
        pureIdentityUri: 'urn:epc:id:sscc:' + rest, tagUri: tagPrefix + rest, elementString: '(00)' + sscc };
    }
    case 'sgln': {
      const body = company + reference;
      const gln = body + gs1CheckDigit(body);
      const extension = tail!;
      const rest = company + '.' + reference + '.' + uriEscape(extension);
      const elementString = extension === '0' ? '(414)' + gln : '(414)' + gln + '(254)' + extension;
      return { ok: true, scheme, identity, bits, filter, partition, companyPrefix: company, reference, extension, gln,
        pureIdentityUri: 'urn:epc:id:sgln:' + rest, tagUri: tagPrefix + rest, elementString };
    }
    case 'grai': {
      const body = '0' + company + reference;
      const serial = tail!;
      const grai = body + gs1CheckDigit(body) + serial;
      const rest = company + '.' + reference + '.' + uriEscape(serial);
      return { ok: true, scheme, identity, bits, filter, partition, companyPrefix: company, reference, serial, grai,
        pureIdentityUri: 'urn:epc:id:grai:' + rest, tagUri: tagPrefix + rest, elementString: '(8003)' + grai };
    }
    case 'gdti':
    case 'sgcn': {
      // GDTI (AI 253) and GCN (AI 255): the 13-digit key with its check digit, then the serial
      const body = company + reference;
      const serial = tail!;
      const key = body + gs1CheckDigit(body) + serial;
      const rest = company + '.' + reference + '.' + serial;
      const keyField = identity === 'gdti' ? { gdti: key } : { gcn: key };
      return { ok: true, scheme, identity, bits, filter, partition, companyPrefix: company, reference, serial, ...keyField,
        pureIdentityUri: 'urn:epc:id:' + identity + ':' + rest, tagUri: tagPrefix + rest, elementString: (identity === 'gdti' ? '(253)' : '(255)') + key };
    }
    case 'gsrn':
    case 'gsrnp': {
      const body = company + reference;
      const gsrn = body + gs1CheckDigit(body);
      const rest = company + '.' + reference;
      return { ok: true, scheme, identity, bits, filter, partition, companyPrefix: company, reference, gsrn,
        pureIdentityUri: 'urn:epc:id:' + identity + ':' + rest, tagUri: tagPrefix + rest, elementString: (identity === 'gsrn' ? '(8018)' : '(8017)') + gsrn };
    }
    case 'cpi': {
      const cpid = company + reference;
      const serial = tail!;
      const rest = company + '.' + reference + '.' + serial;
      return { ok: true, scheme, identity, bits, filter, partition, companyPrefix: company, reference, serial, cpid,
        pureIdentityUri: 'urn:epc:id:cpi:' + rest, tagUri: tagPrefix + rest, elementString: '(8010)' + cpid + '(8011)' + serial };
    }
    case 'gid': {
      const rest = company + '.' + reference + '.' + tail!;
      return { ok: true, scheme, identity, bits, filter, partition, companyPrefix: company, reference, serial: tail!,
        pureIdentityUri: 'urn:epc:id:gid:' + rest, tagUri: 'urn:epc:tag:gid-96:' + rest };
    }
    case 'giai': {
      const giai = company + reference;
      const rest = company + '.' + uriEscape(reference);
      return { ok: true, scheme, identity, bits, filter, partition, companyPrefix: company, reference, giai,
        pureIdentityUri: 'urn:epc:id:giai:' + rest, tagUri: tagPrefix + rest, elementString: '(8004)' + giai };
    }
  }
}
