// protocols/gs1 — GS1 element strings (FNC1 as GS 0x1D, or human-readable "(01)…(10)…") → validated AI elements.
import { aiAt, AIS, type AiDef } from './ais.js';
import { gs1Date } from './dates.js';
import { firstBadChar } from './charset.js';
import { lint } from './linters.js';
import { invalidPairProblem, missingRequisiteProblem } from './pairs.js';
import type { AiComponent } from './syntax-dictionary/parse.js';

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

const CSET39 = /^[#\-/0-9A-Z]*$/;
const CSET64 = /^[A-Za-z0-9_-]*={0,2}$/;

function csetProblem(cset: AiComponent['cset'], part: string, name: string): string | undefined {
  if (cset === 'N') return /^\d+$/.test(part) ? undefined : `${name} must be digits, got ${JSON.stringify(part)}`;
  if (cset === 'Y') return CSET39.test(part) ? undefined : `${name} must be GS1 character set 39 (0-9 A-Z # - /), got ${JSON.stringify(part)}`;
  if (cset === 'Z') return CSET64.test(part) ? undefined : `${name} must be base64url (GS1 character set 64), got ${JSON.stringify(part)}`;
  const bad = firstBadChar(part);
  return bad === undefined ? undefined : `${name} has ${JSON.stringify(bad)}, outside the GS1 character set`;
}

/** Validates one element's value against its AI's components and their linters; returns the element or a reason. */
function element(def: AiDef, value: string, nowMs: number): Gs1Element | string {
  const name = `AI (${def.ai}) ${def.title}`;
  if (value.length === 0) return `${name} is empty`;
  if (def.fixed !== undefined && value.length !== def.fixed) return `${name} needs ${def.fixed} ${def.numeric ? 'digits' : 'characters'}, got ${value.length}`;
  if (value.length > def.max) return `${name} is ${value.length} characters long, at most ${def.max} allowed`;
  let pos = 0;
  for (let i = 0; i < def.components.length; i++) {
    const c = def.components[i]!;
    const partName = def.components.length > 1 ? `${name} part ${i + 1}` : name;
    if (pos >= value.length) {
      if (c.optional) break;
      return `${name} is ${value.length} characters long, too short for its part ${i + 1}`;
    }
    const part = value.slice(pos, pos + c.max);
    if (part.length < c.min) return `${partName} needs ${c.min} ${c.cset === 'N' ? 'digits' : 'characters'}, got ${part.length}`;
    const p = csetProblem(c.cset, part, partName);
    if (p) return p;
    for (const l of c.linters) {
      const problem = lint(l, part, partName, nowMs);
      if (problem) return problem;
    }
    pos += part.length;
  }
  const el: Gs1Element = { ai: def.ai, title: def.title, value };
  if (def.kind === 'date') {
    const d = gs1Date(value, nowMs);
    if ('iso' in d) el.iso = d.iso;
  } else if (def.kind === 'measure') {
    el.number = Number(value) / 10 ** Number(def.ai[3]);
    if (def.unit) el.unit = def.unit;
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

/** How a parse treats mandatory associations: 'enforce' (default) refuses a code that lacks them; 'ignore' accepts it
 * (for labels whose AIs are split over several barcodes, which GS1 says to check over all carriers together). */
export interface Gs1ParseOptions {
  requisites?: 'enforce' | 'ignore';
}

function finish(elements: Gs1Element[], options: Gs1ParseOptions): Gs1Result {
  if (elements.length === 0) return fail('no GS1 element in the code');
  const seen = new Map<string, string>();
  for (const e of elements) {
    const prev = seen.get(e.ai);
    if (prev !== undefined && prev !== e.value) return fail(`AI (${e.ai}) appears twice with different values`);
    seen.set(e.ai, e.value);
  }
  const defs = [...seen.keys()].map((ai) => AIS.get(ai)!);
  const pair = invalidPairProblem(defs) ?? (options.requisites === 'ignore' ? undefined : missingRequisiteProblem(defs));
  if (pair) return fail(pair);
  return { ok: true, data: collect(elements) };
}

/** Validates (AI, value) pairs read from another syntax (a Digital Link URI) exactly as an element string's. */
export function parseAiValues(pairs: ReadonlyArray<readonly [string, string]>, nowMs: number, options: Gs1ParseOptions = {}): Gs1Result {
  const elements: Gs1Element[] = [];
  for (const [ai, value] of pairs) {
    const def = AIS.get(ai);
    if (!def) return fail(`unknown GS1 application identifier (${ai})`);
    const el = element(def, value, nowMs);
    if (typeof el === 'string') return fail(el);
    elements.push(el);
  }
  return finish(elements, options);
}

/** Parses an element string whose variable-length fields end at GS (FNC1) or the end. A leading GS is allowed. */
export function parseElementString(s: string, nowMs: number, options: Gs1ParseOptions = {}): Gs1Result {
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
  return finish(elements, options);
}

const HRI_AI = /^\((\d{2,4})\)/;

/**
 * Parses the human-readable form "(01)09506000134352(17)201225(10)ABC123"; spaces between parts are ignored. Every
 * "(" in it starts an AI, and an AI the dictionary does not know is refused (never read as part of the previous value);
 * a "(" inside a value is written "\\(" as in the GS1 Syntax Engine's bracketed syntax.
 */
export function parseHri(s: string, nowMs: number, options: Gs1ParseOptions = {}): Gs1Result {
  const text = s.trim();
  if (!text.startsWith('(')) return fail('human-readable GS1 must start with "(AI)"');
  const elements: Gs1Element[] = [];
  let pos = 0;
  while (pos < text.length) {
    const m = HRI_AI.exec(text.slice(pos, pos + 6));
    if (!m) return fail(`human-readable GS1: "(" at position ${pos + 1} does not start an AI: ${JSON.stringify(text.slice(pos, pos + 8))} (write a "(" in a value as "\\(")`);
    const def = AIS.get(m[1]!);
    if (!def) return fail(`unknown GS1 application identifier (${m[1]})`);
    pos += m[0].length;
    let value = '';
    while (pos < text.length && text[pos] !== '(') {
      if (text[pos] === '\\' && text[pos + 1] === '(') pos++;
      value += text[pos++];
    }
    const el = element(def, value.trim(), nowMs);
    if (typeof el === 'string') return fail(el);
    elements.push(el);
  }
  return finish(elements, options);
}
