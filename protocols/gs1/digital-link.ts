// protocols/gs1 — GS1 Digital Link URIs (GS1 Digital Link standard 1.x, uncompressed form) → the same validated AI
// elements as an element string: "https://id.example.com[/custom/path]/01/09506000134352/10/ABC?17=261130".
import { AIS } from './ais.js';
import { parseAiValues, type Gs1ParseOptions, type Gs1Result } from './element-string.js';

export interface DigitalLinkParts {
  /** scheme://host[:port] */
  domain: string;
  /** Path segments before the primary key (a resolver's own path), possibly empty. */
  pathPrefix: string;
  primaryKey: string;
  /** (AI, value) pairs in URI order: the primary key, its qualifiers, then the query's data attributes. */
  pairs: Array<[string, string]>;
}

const URI = /^(https?):\/\/([^/?#\s]+)([^?#]*)(?:\?([^#]*))?(?:#.*)?$/i;
const isAi = (s: string) => /^\d{2,4}$/.test(s) && AIS.has(s);

function decode(s: string, what: string): string | { reason: string } {
  try {
    return decodeURIComponent(s);
  } catch {
    return { reason: `GS1 Digital Link: bad percent-encoding in ${what} ${JSON.stringify(s)}` };
  }
}

/** Whether `qualifiers` (in URI order) follow one of the primary key's allowed sequences, in order, each at most once. */
function qualifiersInOrder(qualifiers: string[], sequences: string[][]): boolean {
  return sequences.some((seq) => {
    let at = 0;
    for (const q of qualifiers) {
      const i = seq.indexOf(q, at);
      if (i < 0) return false;
      at = i + 1;
    }
    return true;
  });
}

/** Whether `s` looks like a URI a scanner would carry as a Digital Link (http/https with a host). */
export function looksLikeDigitalLink(s: string): boolean {
  return /^https?:\/\/[^/?#\s]+/i.test(s);
}

/** Splits a Digital Link URI into its parts, or a reason naming what is wrong. Does not validate the values. */
/** Why a URI is not a Digital Link; `notDigitalLink` when it is simply some other URL (no GS1 key in its path). */
export type NotDigitalLink = { reason: string; notDigitalLink?: true };

export function splitDigitalLink(uri: string): DigitalLinkParts | NotDigitalLink {
  // Read by hand, not with URL(): WHATWG URL parsing drops "." and "%2E" path segments, which are valid GS1 values,
  // and URLSearchParams turns "+" (in GS1 character set 82) into a space.
  const m = URI.exec(uri);
  if (!m) {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri);
    const reason = scheme && !/^https?$/i.test(scheme[1]!) ? `scheme ${scheme[1]}: is not http or https` : `${JSON.stringify(uri.slice(0, 60))} is not an http(s) URI`;
    return { reason: `GS1 Digital Link: ${reason}`, notDigitalLink: true };
  }
  const [, scheme, host, path, query] = m;
  const segs = path!.split('/').filter((x) => x !== '');
  // The primary key is the first segment from which on the path is (AI, value) pairs only, starting with a key AI.
  let start = -1;
  for (let i = segs.length % 2; i < segs.length; i += 2) {
    let pairsOnly = true;
    for (let j = i; j < segs.length; j += 2) if (!isAi(segs[j]!)) pairsOnly = false;
    if (pairsOnly && AIS.get(segs[i]!)?.dlPrimaryKey) {
      start = i;
      break;
    }
  }
  if (start < 0) {
    const unknown = segs.find((s, i) => i % 2 === segs.length % 2 && /^\d{2,4}$/.test(s) && !AIS.has(s));
    if (unknown) return { reason: `GS1 Digital Link: unknown GS1 application identifier (${unknown}) in the path` };
    return { reason: 'GS1 Digital Link: no primary key (such as /01/ GTIN or /00/ SSCC) followed by AI/value pairs in the path', notDigitalLink: true };
  }
  const key = segs[start]!;
  const keyDef = AIS.get(key)!;
  const pairs: Array<[string, string]> = [];
  for (let j = start; j < segs.length; j += 2) {
    const v = decode(segs[j + 1]!, `the value of (${segs[j]})`);
    if (typeof v !== 'string') return v;
    pairs.push([segs[j]!, v]);
  }
  const qualifiers = pairs.slice(1).map(([ai]) => ai);
  if (!qualifiersInOrder(qualifiers, keyDef.dlPrimaryKey!)) {
    const allowed = keyDef.dlPrimaryKey!.map((s) => (s.length ? s.map((q) => `/${q}`).join('') : 'none')).join(' or ');
    return { reason: `GS1 Digital Link: key qualifiers ${qualifiers.map((q) => `/${q}`).join('')} are not allowed after (${key}) ${keyDef.title} (allowed, in order: ${allowed})` };
  }
  for (const param of (query ?? '').split('&')) {
    const eq = param.indexOf('=');
    const k = eq < 0 ? param : param.slice(0, eq);
    if (!/^\d+$/.test(k)) continue; // non-AI parameters (linkType, a resolver's own) carry no GS1 data
    const def = AIS.get(k);
    if (!def) return { reason: `GS1 Digital Link: unknown GS1 application identifier (${k}) in the query` };
    if (!def.dlDataAttribute) return { reason: `GS1 Digital Link: (${k}) ${def.title} is not allowed as a data attribute in the query` };
    if (pairs.some(([ai]) => ai === k)) return { reason: `GS1 Digital Link: (${k}) ${def.title} appears twice` };
    const v = decode(param.slice(eq + 1), `the value of (${k})`);
    if (typeof v !== 'string') return v;
    pairs.push([k, v]);
  }
  return { domain: `${scheme!.toLowerCase()}://${host}`, pathPrefix: segs.slice(0, start).map((s) => `/${s}`).join(''), primaryKey: key, pairs };
}

/** A GTIN in a Digital Link may be written as GTIN-8, -12 or -13; element strings carry it as 14 digits. */
function gtin14(pairs: Array<[string, string]>): Array<[string, string]> {
  return pairs.map(([ai, v]) => (ai === '01' && /^(\d{8}|\d{12}|\d{13})$/.test(v) ? [ai, v.padStart(14, '0')] : [ai, v]));
}

export type DigitalLinkResult = (Gs1Result & { ok: true; link: DigitalLinkParts }) | { ok: false; reason: string; notDigitalLink?: true };

/** Parses an uncompressed GS1 Digital Link URI to validated elements (check digits, dates, pair rules) and its parts. */
export function parseDigitalLink(uri: string, nowMs: number, options: Gs1ParseOptions = {}): DigitalLinkResult {
  const parts = splitDigitalLink(uri);
  if ('reason' in parts) return { ok: false, ...parts };
  const r = parseAiValues(gtin14(parts.pairs), nowMs, options);
  return r.ok ? { ...r, link: parts } : { ok: false, reason: `GS1 Digital Link: ${r.reason}` };
}
