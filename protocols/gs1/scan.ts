// protocols/gs1 — one scanned code → what it is: GS1 element string, plain GTIN (EAN/UPC/ITF-14), a configured
// non-GS1 pattern (PO number, door label, badge), unknown, or invalid with the reason.
import { checkDigitProblem } from './check-digit.js';
import { looksLikeDigitalLink, parseDigitalLink, type DigitalLinkParts } from './digital-link.js';
import { GS, parseAiValues, parseElementString, parseHri, type Gs1Data, type Gs1ParseOptions } from './element-string.js';

/** A configured class of non-GS1 codes, e.g. { name: 'purchase_order', pattern: '^PO-\\d+$' }. */
export interface CodePattern {
  name: string;
  pattern: string | RegExp;
}

export interface ParsedScan {
  ok: boolean;
  /** 'gs1', 'gtin', a pattern's name, 'unknown', or 'invalid' (ok false). */
  codeType: string;
  raw: string;
  /** The code without its symbology identifier. */
  data: string;
  /** AIM symbology identifier, e.g. ]C1. */
  aim?: string;
  /** Readable symbology name, e.g. gs1-128. */
  symbology?: string;
  /** Why the code was rejected (ok false). */
  reason?: string;
  gs1?: Gs1Data;
  /** The parts of a GS1 Digital Link URI (domain, primary key…) when the code was one. */
  digitalLink?: DigitalLinkParts;
  /** GTIN-14 of a plain EAN/UPC/ITF-14 code, or AI 01 of a GS1 code. */
  gtin?: string;
  /** For pattern matches: the whole match and the capture groups. */
  match?: string[];
}

/** ISO/IEC 15424 symbology identifiers → names; the GS1 ones carry element strings. */
const SYMBOLOGIES: Record<string, { name: string; gs1?: true; ean?: true; itf?: true }> = {
  ']C0': { name: 'code128' },
  ']C1': { name: 'gs1-128', gs1: true },
  ']C2': { name: 'code128' },
  ']C4': { name: 'code128' },
  ']d1': { name: 'datamatrix' },
  ']d2': { name: 'gs1-datamatrix', gs1: true },
  ']Q1': { name: 'qr' },
  ']Q3': { name: 'gs1-qr', gs1: true },
  ']e0': { name: 'gs1-databar', gs1: true },
  ']J1': { name: 'gs1-dotcode', gs1: true },
  ']E0': { name: 'ean-13', ean: true },
  ']E1': { name: 'ean-addon' },
  ']E2': { name: 'ean-addon' },
  ']E3': { name: 'ean-13+addon', ean: true },
  ']E4': { name: 'ean-8', ean: true },
  ']I0': { name: 'itf', itf: true },
  ']I1': { name: 'itf', itf: true },
  ']A0': { name: 'code39' },
  ']X0': { name: 'other' },
};
const AIM = /^\][A-Za-z][0-9A-Za-z]/;

export interface ScanParserOptions {
  patterns?: readonly CodePattern[];
  /** GS1 mandatory AI associations: 'enforce' (default) or 'ignore' (labels that split their AIs over barcodes). */
  gs1Requisites?: Gs1ParseOptions['requisites'];
}

/** Throws (at configuration time) on a bad pattern, naming it. */
export function compilePatterns(patterns: readonly CodePattern[]): Array<{ name: string; re: RegExp }> {
  return patterns.map((p, i) => {
    if (typeof p?.name !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(p.name))
      throw new Error(`scan pattern ${i}: name ${JSON.stringify(p?.name)} must be 1–64 of [A-Za-z0-9_.:-]`);
    if (['gs1', 'gtin', 'unknown', 'invalid'].includes(p.name)) throw new Error(`scan pattern ${i}: name ${p.name} is reserved`);
    try {
      return { name: p.name, re: typeof p.pattern === 'string' ? new RegExp(p.pattern) : p.pattern };
    } catch (e) {
      throw new Error(`scan pattern ${p.name}: ${(e as Error).message}`);
    }
  });
}

/** Plain GTIN-8/12/13/14 → GTIN-14 with its check digit verified. */
function gtinOf(digits: string, what: string): { gtin: string } | { reason: string } {
  const p = checkDigitProblem(digits, what);
  return p ? { reason: p } : { gtin: digits.padStart(14, '0') };
}

/** Digits an EAN/UPC symbology identifier carries: ]E0 always 13 (UPC-A and UPC-E expanded with a leading 0), ]E4 8. */
const EAN_LENGTHS: Record<string, number[]> = { ']E0': [13], ']E3': [8, 13], ']E4': [8] };

const NAMES: Record<number, string> = { 8: 'EAN-8', 12: 'UPC-A', 13: 'EAN-13', 14: 'GTIN-14' };

/**
 * A scan parser with its configured patterns compiled once. `nowMs` anchors the GS1 century rule for dates.
 * `symbology` is an AIM identifier that the transport gave apart from the data (HID POS reports).
 */
export function createScanParser(options: ScanParserOptions = {}) {
  const patterns = compilePatterns(options.patterns ?? []);
  const gs1Options: Gs1ParseOptions = { requisites: options.gs1Requisites ?? 'enforce' };

  return function parseScan(raw: string, nowMs: number, symbology?: string): ParsedScan {
    let data = raw;
    let aim = symbology && AIM.test(symbology) ? symbology.slice(0, 3) : undefined;
    if (!aim && AIM.test(raw)) {
      aim = raw.slice(0, 3);
      data = raw.slice(3);
    }
    const sym = aim ? SYMBOLOGIES[aim] : undefined;
    const base: ParsedScan = { ok: true, codeType: 'unknown', raw, data };
    if (aim) base.aim = aim;
    if (aim) base.symbology = sym?.name ?? aim;
    const invalid = (reason: string): ParsedScan => ({ ...base, ok: false, codeType: 'invalid', reason });
    const gs1 = (r: ReturnType<typeof parseElementString>): ParsedScan =>
      r.ok ? { ...base, codeType: 'gs1', gs1: r.data, ...(r.data.gtin ? { gtin: r.data.gtin } : {}) } : invalid(r.reason);

    if (data.length === 0) return invalid('empty code');
    if (looksLikeDigitalLink(data)) {
      const r = parseDigitalLink(data, nowMs, gs1Options);
      if (r.ok) return { ...gs1(r), digitalLink: r.link };
      if (!r.notDigitalLink || sym?.gs1) return invalid(r.reason);
    } else if (sym?.gs1) return gs1(data.startsWith('(') ? parseHri(data, nowMs, gs1Options) : parseElementString(data, nowMs, gs1Options));
    if (sym?.ean) {
      const digits = aim === ']E3' ? data.slice(0, data.length > 13 ? 13 : 8) : data;
      const lengths = EAN_LENGTHS[aim!] ?? [8, 12, 13];
      if (!/^\d+$/.test(digits) || !lengths.includes(digits.length))
        return invalid(`${sym.name} data must be ${lengths.join(' or ')} digits, got ${JSON.stringify(data)}`);
      const g = gtinOf(digits, NAMES[digits.length]!);
      return 'gtin' in g ? { ...base, codeType: 'gtin', gtin: g.gtin } : invalid(g.reason);
    }

    for (const p of patterns) {
      const m = p.re.exec(data);
      if (m) return { ...base, codeType: p.name, match: [...m].map((x) => x ?? '') };
    }

    if (data.startsWith('(')) {
      const r = parseHri(data, nowMs, gs1Options);
      if (r.ok || /^\(\d{2,4}\)/.test(data)) return gs1(r);
    }
    if (/^(\d{8}|\d{12}|\d{13}|\d{14})$/.test(data) && (!aim || sym?.itf)) {
      const g = gtinOf(data, NAMES[data.length]!);
      return 'gtin' in g ? { ...base, codeType: 'gtin', gtin: g.gtin } : invalid(`${data.length}-digit code looks like a GTIN, but ${g.reason}`);
    }
    // A bare 18-digit number (no AI 00 in front, as printed under an SSCC or typed in): an SSCC if its check digit holds.
    if (/^\d{18}$/.test(data) && (!aim || sym?.name === 'code128' || sym?.itf)) {
      const p = checkDigitProblem(data, 'SSCC');
      return p ? invalid(`18-digit code looks like an SSCC, but ${p}`) : gs1(parseAiValues([['00', data]], nowMs, gs1Options));
    }
    // No symbology identifier but FNC1 separators or a leading SSCC/GTIN AI: try it as an element string.
    if (!aim && (data.includes(GS) || /^(00\d{18}|0[12]\d{14})/.test(data))) {
      const r = parseElementString(data, nowMs, gs1Options);
      if (r.ok || data.includes(GS)) return gs1(r);
    }
    return base;
  };
}

export type ScanParser = ReturnType<typeof createScanParser>;
