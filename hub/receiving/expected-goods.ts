// hub/receiving — the goods a document expects (pure checks against the catalog): lines of SKU or GTIN with a
// quantity, optional expected EPCs, and SSCC pallets with their declared contents. Shared by expected receipts and
// expected shipments; every problem names its field (lines[2].qty, pallets[0].contents[1].epcs[3] …).
import type { Db } from '../db/database.js';
import { getItem, getItemByGtin, LedgerError, type Item } from '../ledger/index.js';
import { checkDigitProblem } from '../../protocols/gs1/index.js';
import type { Tolerance } from './tolerance.js';

export interface GoodsLineInput {
  sku?: string | null;
  gtin?: string | null;
  qty: number;
  epcs?: readonly string[] | null;
  unitCost?: number | null;
  tolerance?: Partial<Tolerance> | null;
}

export interface PalletInput {
  sscc: string;
  contents?: ReadonlyArray<Omit<GoodsLineInput, 'unitCost' | 'tolerance'>> | null;
}

export interface CheckedLine {
  sku: string;
  qty: number;
  epcs: string[];
  unitCost: number | null;
  tolerance: Partial<Tolerance> | null;
}

export interface CheckedPallet {
  sscc: string;
  contents: Array<{ sku: string; qty: number; epcs: string[] }>;
}

const bad = (field: string, message: string) => new LedgerError('invalid', `${field}: ${message}`, field);

function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
}

function itemOf(db: Db, l: { sku?: string | null; gtin?: string | null }, at: string): Item {
  if (l.sku) {
    const item = getItem(db, l.sku);
    if (!item) throw bad(`${at}.sku`, `unknown item ${JSON.stringify(l.sku)}`);
    if (l.gtin && !item.gtins.includes(l.gtin.padStart(14, '0'))) throw bad(`${at}.gtin`, `GTIN ${l.gtin} is not a GTIN of ${item.sku}`);
    return item;
  }
  if (l.gtin) {
    const item = getItemByGtin(db, l.gtin.padStart(14, '0'));
    if (!item) throw bad(`${at}.gtin`, `no item has GTIN ${JSON.stringify(l.gtin)}`);
    return item;
  }
  throw bad(`${at}.sku`, 'a line needs a sku or a gtin');
}

function epcsOf(item: Item, qty: number, epcs: readonly string[] | null | undefined, at: string, seen: Map<string, string>): string[] {
  if (!epcs || epcs.length === 0) return [];
  if (item.tracking !== 'serial') throw bad(`${at}.epcs`, `${item.sku} is tracked by quantity: its units have no EPCs`);
  if (epcs.length > qty) throw bad(`${at}.epcs`, `${epcs.length} EPCs for a quantity of ${qty}`);
  return epcs.map((e, i) => {
    if (typeof e !== 'string' || !/^([0-9a-fA-F]{2}){4,64}$/.test(e)) throw bad(`${at}.epcs[${i}]`, `an EPC is hex (whole bytes), got ${JSON.stringify(e)}`);
    const epc = e.toLowerCase();
    const other = seen.get(epc);
    if (other) throw bad(`${at}.epcs[${i}]`, `EPC ${epc} is already listed at ${other}`);
    seen.set(epc, `${at}.epcs[${i}]`);
    return epc;
  });
}

function tolerancesOf(t: Partial<Tolerance> | null | undefined, at: string): Partial<Tolerance> | null {
  if (!t) return null;
  const out: Partial<Tolerance> = {};
  for (const k of ['overPct', 'underPct', 'overAbs', 'underAbs'] as const) {
    const v = t[k];
    if (v === undefined || v === null) continue;
    const ok = typeof v === 'number' && Number.isFinite(v) && v >= 0 && (k.endsWith('Pct') ? v <= 1000 : Number.isSafeInteger(v));
    if (!ok) throw bad(`${at}.tolerance.${k}`, `must be ${k.endsWith('Pct') ? 'a percentage from 0 to 1000' : 'a non-negative whole number of units'}, got ${JSON.stringify(v)}`);
    out[k] = v;
  }
  return out;
}

export function checkSscc(v: unknown, field: string): string {
  if (typeof v !== 'string' || !/^\d{18}$/.test(v)) throw bad(field, `an SSCC is 18 digits, got ${JSON.stringify(v)}`);
  const problem = checkDigitProblem(v, 'SSCC');
  if (problem) throw bad(field, problem);
  return v;
}

/** Check lines and pallets against the catalog; pallet contents must be of SKUs on the lines and within their qty. */
export function checkGoods(db: Db, lines: readonly GoodsLineInput[], pallets: readonly PalletInput[] = []): { lines: CheckedLine[]; pallets: CheckedPallet[] } {
  if (!Array.isArray(lines) || lines.length === 0) throw bad('lines', 'at least one line is required');
  const seenEpcs = new Map<string, string>();
  const bySku = new Map<string, { line: CheckedLine; at: string; onPallets: number }>();
  const checked = lines.map((l, i) => {
    const at = `lines[${i}]`;
    if (!isPositiveInt(l.qty)) throw bad(`${at}.qty`, `must be a positive whole number, got ${JSON.stringify(l.qty)}`);
    const item = itemOf(db, l, at);
    const prev = bySku.get(item.sku);
    if (prev) throw bad(`${at}.sku`, `${item.sku} is already on ${prev.at}: one line per SKU`);
    if (l.unitCost !== undefined && l.unitCost !== null && !(Number.isSafeInteger(l.unitCost) && l.unitCost >= 0)) throw bad(`${at}.unitCost`, `must be a non-negative integer in minor units, got ${JSON.stringify(l.unitCost)}`);
    const line: CheckedLine = { sku: item.sku, qty: l.qty, epcs: epcsOf(item, l.qty, l.epcs, at, seenEpcs), unitCost: l.unitCost ?? null, tolerance: tolerancesOf(l.tolerance, at) };
    bySku.set(item.sku, { line, at, onPallets: 0 });
    return line;
  });
  const seenSscc = new Map<string, number>();
  const checkedPallets = (pallets ?? []).map((p, i) => {
    const at = `pallets[${i}]`;
    const sscc = checkSscc(p.sscc, `${at}.sscc`);
    if (seenSscc.has(sscc)) throw bad(`${at}.sscc`, `SSCC ${sscc} is already pallets[${seenSscc.get(sscc)}]`);
    seenSscc.set(sscc, i);
    const contents = (p.contents ?? []).map((c, j) => {
      const cat = `${at}.contents[${j}]`;
      if (!isPositiveInt(c.qty)) throw bad(`${cat}.qty`, `must be a positive whole number, got ${JSON.stringify(c.qty)}`);
      const item = itemOf(db, c, cat);
      const line = bySku.get(item.sku);
      if (!line) throw bad(`${cat}.sku`, `${item.sku} is on no line: a pallet's contents are part of the lines`);
      line.onPallets += c.qty;
      if (line.onPallets > line.line.qty) throw bad(`${cat}.qty`, `pallets declare ${line.onPallets} of ${item.sku}, more than its line's ${line.line.qty}`);
      const epcs = epcsOf(item, c.qty, c.epcs, cat, seenEpcs);
      if (item.tracking === 'serial' && epcs.length !== c.qty) throw bad(`${cat}.epcs`, `${item.sku} is serial-tracked: declare the EPC of each of the ${c.qty} units on the pallet`);
      return { sku: item.sku, qty: c.qty, epcs };
    });
    return { sscc, contents };
  });
  return { lines: checked, pallets: checkedPallets };
}

/** Every EPC a document expects, with its SKU: the lines' and the pallets'. */
export function expectedEpcs(doc: { lines: CheckedLine[]; pallets: CheckedPallet[] }): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of doc.lines) for (const e of l.epcs) out.set(e, l.sku);
  for (const p of doc.pallets) for (const c of p.contents) for (const e of c.epcs) out.set(e, c.sku);
  return out;
}
