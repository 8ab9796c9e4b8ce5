// protocols/gs1 — the GS1 application identifiers, from GS1's Barcode Syntax Dictionary (syntax-dictionary/), as a
// lookup table with what the parsers need on top: total lengths, the kind of value, units of measures.
import { SYNTAX_DICTIONARY_ENTRIES } from './syntax-dictionary/entries.js';
import { parseDictionary, type AiSyntax } from './syntax-dictionary/parse.js';

export type AiKind = 'text' | 'number' | 'date' | 'measure' | 'count' | 'key';

export interface AiDef extends AiSyntax {
  /** Exact data length when every component has a fixed length and none is optional; otherwise undefined. */
  fixed?: number;
  /** Longest data allowed. */
  max: number;
  /** Digits only (every component N). */
  numeric: boolean;
  kind: AiKind;
  /** For measures: the UN/ECE Rec 20 unit, e.g. KGM. */
  unit?: string;
}

/** Units of the trade and logistic measures (AI ppp + decimals, GS1 General Specifications §3.6), by AI prefix. */
const UNITS: Record<string, string> = {
  '310': 'KGM', '311': 'MTR', '312': 'MTR', '313': 'MTR', '314': 'MTK', '315': 'LTR', '316': 'MTQ',
  '320': 'LBR', '321': 'INH', '322': 'FOT', '323': 'YRD', '324': 'INH', '325': 'FOT', '326': 'YRD', '327': 'INH', '328': 'FOT', '329': 'YRD',
  '330': 'KGM', '331': 'MTR', '332': 'MTR', '333': 'MTR', '334': 'MTK', '335': 'LTR', '336': 'MTQ',
  '340': 'LBR', '341': 'INH', '342': 'FOT', '343': 'YRD', '344': 'INH', '345': 'FOT', '346': 'YRD', '347': 'INH', '348': 'FOT', '349': 'YRD',
  '350': 'INK', '351': 'FTK', '352': 'YDK', '353': 'INK', '354': 'FTK', '355': 'YDK',
  '364': 'INQ', '365': 'FTQ', '366': 'YDQ', '367': 'INQ', '368': 'FTQ', '369': 'YDQ',
};

function kindOf(s: AiSyntax): AiKind {
  if (s.ai === '30' || s.ai === '37') return 'count';
  if (/^3[1-6]\d\d$/.test(s.ai) && s.components.length === 1 && s.components[0]!.max === 6) return 'measure';
  const only = s.components.length === 1 ? s.components[0]! : undefined;
  if (only && (only.linters.includes('yymmd0') || only.linters.includes('yymmdd'))) return 'date';
  if (s.components.some((c) => c.linters.includes('csum'))) return 'key';
  return s.components.every((c) => c.cset === 'N') ? 'number' : 'text';
}

function define(s: AiSyntax): AiDef {
  const variable = s.components.some((c) => c.optional || c.min !== c.max);
  const max = s.components.reduce((n, c) => n + c.max, 0);
  const kind = kindOf(s);
  const unit = kind === 'measure' ? UNITS[s.ai.slice(0, 3)] : undefined;
  return { ...s, ...(variable ? {} : { fixed: max }), max, numeric: s.components.every((c) => c.cset === 'N'), kind, ...(unit ? { unit } : {}) };
}

export const AIS: ReadonlyMap<string, AiDef> = new Map(parseDictionary(SYNTAX_DICTIONARY_ENTRIES).map((s) => [s.ai, define(s)]));

// Invariant: the table is prefix-free (no AI is the start of another), so reading an AI is unambiguous.
for (const a of AIS.keys()) for (const b of AIS.keys()) if (a !== b && b.startsWith(a)) throw new Error(`gs1 AI table: ${a} is a prefix of ${b}`);

/** The AI at the start of `s` from `pos`, or undefined. */
export function aiAt(s: string, pos: number): AiDef | undefined {
  for (let len = 2; len <= 4; len++) {
    const d = AIS.get(s.substr(pos, len));
    if (d) return d;
  }
  return undefined;
}
