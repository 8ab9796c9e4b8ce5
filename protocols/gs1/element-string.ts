// protocols/gs1 — GS1 element strings (FNC1 as GS 0x1D, or human-readable "(01)…(10)…") → validated AI elements.
import { aiAt, AIS, type AiDef } from './ais.js';
import { checkDigitProblem } from './check-digit.js';
import { gs1Date } from './dates.js';
import { firstBadChar } from './charset.js';

export const GS = '\x1d';

export interface Gs1Element {
  ai: string;
  title: string;
  /** The value as scanned. */
  value: string;
  /** Dates: YYYY-MM-DD. */
  iso?: string;
  /** Measures and counts: the number (measures with their implied decimals). */
  number?: number;
  unit?: string;
}

export interface Gs1Data {
  elements: Gs1Element[];
  /** AI → value as scanned. */
  ais: Record<string, string>;
  gtin?: string;
  /** AI 02: the GTIN of the trade items contained in a logistic unit. */
  contentGtin?: string;
  sscc?: string;
  batch?: string;
  /** AI 17 as YYYY-MM-DD. */
  expiry?: string;
  bestBefore?: string;
  productionDate?: string;
  serial?: string;
  /** AI 37 (count of trade items in a logistic unit) or AI 30 (variable count). */
  count?: number;
  /** AI 400. */
  purchaseOrder?: string;
}

export type Gs1Result = { ok: true; data: Gs1Data } | { ok: false; reason: string };

const fail = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

/** Validates one element's value against its AI definition; returns the element or a reason. */
function element(def: AiDef, value: string, nowMs: number): Gs1Element | string {
  const ai = `(${def.ai})`;
  if (def.fixed !== undefined && value.length !== def.fixed) return `AI ${ai} ${def.title} needs ${def.fixed} ${def.numeric ? 'digits' : 'characters'}, got ${value.length}`;
  if (value.length === 0) return `AI ${ai} ${def.title} is empty`;
  if (value.length > def.max) return `AI ${ai} ${def.title} is ${value.length} characters long, at most ${def.max} allowed`;
  if (def.numeric && !/^\d+$/.test(value)) return `AI ${ai} ${def.title} must be digits, got ${JSON.stringify(value)}`;
  if (!def.numeric) {
    const bad = firstBadChar(value);
    if (bad !== undefined) return `AI ${ai} ${def.title} has ${JSON.stringify(bad)}, outside the GS1 character set`;
  }
  const el: Gs1Element = { ai: def.ai, title: def.title, value };
  if (def.checkLength !== undefined) {
    const keyPart = value.slice(0, def.checkLength);
    if (keyPart.length < def.checkLength || !/^\d+$/.test(keyPart)) return `AI ${ai} ${def.title} must start with ${def.checkLength} digits`;
    const p = checkDigitProblem(keyPart, `AI ${ai} ${def.title}`);
    if (p) return p;
  }
  if (def.kind === 'date') {
    const d = gs1Date(value, nowMs);
    if ('reason' in d) return `AI ${ai} ${def.title}: ${d.reason}`;
    el.iso = d.iso;
  } else if (def.kind === 'measure') {
    el.number = Number(value) / 10 ** Number(def.ai[3]);
    el.unit = def.unit;
  } else if (def.kind === 'count') {
    el.number = Number(value);
  }
  return el;
}

function collect(elements: Gs1Element[]): Gs1Data {
  const data: Gs1Data = { elements, ais: {} };
  for (const e of elements) {
    data.ais[e.ai] = e.value;
    switch (e.ai) {
      case '00': data.sscc = e.value; break;
      case '01': data.gtin = e.value; break;
      case '02': data.contentGtin = e.value; break;
      case '10': data.batch = e.value; break;
      case '11': data.productionDate = e.iso; break;
      case '15': data.bestBefore = e.iso; break;
      case '17': data.expiry = e.iso; break;
      case '21': data.serial = e.value; break;
      case '37': data.count = e.number; break;
      case '30': data.count ??= e.number; break;
      case '400': data.purchaseOrder = e.value; break;
    }
  }
  return data;
}

function finish(elements: Gs1Element[]): Gs1Result {
  const seen = new Map<string, string>();
  for (const e of elements) {
    const prev = seen.get(e.ai);
    if (prev !== undefined && prev !== e.value) return fail(`AI (${e.ai}) appears twice with different values`);
    seen.set(e.ai, e.value);
  }
  if (elements.length === 0) return fail('no GS1 element in the code');
  return { ok: true, data: collect(elements) };
}

/** Parses an element string whose variable-length fields end at GS (FNC1) or the end. A leading GS is allowed. */
export function parseElementString(s: string, nowMs: number): Gs1Result {
  const elements: Gs1Element[] = [];
  let pos = s.startsWith(GS) ? 1 : 0;
  while (pos < s.length) {
    const def = aiAt(s, pos);
    if (!def) return fail(`unknown GS1 application identifier at position ${pos + 1}: ${JSON.stringify(s.slice(pos, pos + 4))}`);
    pos += def.ai.length;
    let end: number;
    if (def.fixed !== undefined) {
      end = pos + def.fixed;
      if (end > s.length) return fail(`AI (${def.ai}) ${def.title} needs ${def.fixed} characters, the code ends after ${s.length - pos}`);
      const gsInside = s.indexOf(GS, pos);
      if (gsInside >= 0 && gsInside < end) return fail(`AI (${def.ai}) ${def.title} needs ${def.fixed} characters, FNC1 after ${gsInside - pos}`);
    } else {
      const gs = s.indexOf(GS, pos);
      end = gs < 0 ? s.length : gs;
    }
    const el = element(def, s.slice(pos, end), nowMs);
    if (typeof el === 'string') return fail(el);
    elements.push(el);
    pos = end;
    if (s[pos] === GS) pos++;
  }
  return finish(elements);
}

const HRI_PART = /\((\d{2,4})\)/g;

/** Parses the human-readable form "(01)09506000134352(17)201225(10)ABC123"; spaces between parts are ignored. */
export function parseHri(s: string, nowMs: number): Gs1Result {
  const text = s.trim();
  if (!text.startsWith('(')) return fail('human-readable GS1 must start with "(AI)"');
  const marks: Array<{ def: AiDef; start: number; end: number }> = [];
  for (const m of text.matchAll(HRI_PART)) {
    const def = AIS.get(m[1]!);
    if (def) marks.push({ def, start: m.index!, end: m.index! + m[0].length });
    else if (m.index === 0) return fail(`unknown GS1 application identifier (${m[1]})`);
  }
  if (marks.length > 0 && marks[0]!.start !== 0) return fail(`human-readable GS1 must start with a known "(AI)", got ${JSON.stringify(text.slice(0, 8))}`);
  const elements: Gs1Element[] = [];
  for (let i = 0; i < marks.length; i++) {
    const { def, end } = marks[i]!;
    const valueEnd = i + 1 < marks.length ? marks[i + 1]!.start : text.length;
    const el = element(def, text.slice(end, valueEnd).trim(), nowMs);
    if (typeof el === 'string') return fail(el);
    elements.push(el);
  }
  return finish(elements);
}
