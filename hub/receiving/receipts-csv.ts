// hub/receiving — expected receipts from CSV: one row per line part (a PO's rows with the same SKU add up; a row with
// an SSCC also declares that quantity as the pallet's contents). All or nothing, like the catalog import: every row
// is checked, and if any is bad nothing is written and every bad cell is named by row and column.
import type { Db } from '../db/database.js';
import { LedgerError, type Actor } from '../ledger/index.js';
import { parseCsv } from '../ledger/csv.js';
import type { GoodsLineInput, PalletInput } from './expected-goods.js';
import { createReceipt, type ReceiptInput } from './store.js';

/** Columns, case-insensitive. `epcs`: EPCs separated by `;`, `|` or spaces. Tolerance columns are per line (optional). */
export const RECEIPT_CSV_COLUMNS = ['po', 'kind', 'supplier', 'sku', 'gtin', 'qty', 'unit_cost', 'over_pct', 'under_pct', 'over_abs', 'under_abs', 'sscc', 'epcs'] as const;
type Column = (typeof RECEIPT_CSV_COLUMNS)[number];

export interface ReceiptCsvError {
  /** Row as a spreadsheet numbers it (the header is row 1). */
  row: number;
  column: string;
  message: string;
}

export type ReceiptCsvResult = { ok: true; created: string[]; existing: string[] } | { ok: false; errors: ReceiptCsvError[] };

const NUMBER_COLUMNS: Partial<Record<Column, { int: boolean; min: number }>> = {
  qty: { int: true, min: 1 },
  unit_cost: { int: true, min: 0 },
  over_pct: { int: false, min: 0 },
  under_pct: { int: false, min: 0 },
  over_abs: { int: true, min: 0 },
  under_abs: { int: true, min: 0 },
};

export function importReceiptsCsv(db: Db, text: string, actor: Actor, nowMs: number): ReceiptCsvResult {
  let records;
  try {
    records = parseCsv(text);
  } catch (e) {
    if (e instanceof LedgerError) return { ok: false, errors: [{ row: Number(e.field?.slice(4)) || 0, column: '', message: e.message }] };
    throw e;
  }
  const header = records.shift();
  if (!header) return { ok: false, errors: [{ row: 1, column: '', message: 'the file is empty: expected a header row' }] };
  const errors: ReceiptCsvError[] = [];
  const columns = header.cells.map((h) => h.trim().toLowerCase());
  columns.forEach((c, i) => {
    if (!(RECEIPT_CSV_COLUMNS as readonly string[]).includes(c)) errors.push({ row: header.row, column: c, message: `unknown column ${JSON.stringify(header.cells[i])}: columns are ${RECEIPT_CSV_COLUMNS.join(', ')}` });
    else if (columns.indexOf(c) !== i) errors.push({ row: header.row, column: c, message: `column ${c} appears twice` });
  });
  for (const c of ['po', 'qty'] as const) if (!columns.includes(c)) errors.push({ row: header.row, column: c, message: `required column ${c} is missing` });
  if (!columns.includes('sku') && !columns.includes('gtin')) errors.push({ row: header.row, column: 'sku', message: 'a sku or a gtin column is required' });
  if (errors.length) return { ok: false, errors };

  const byPo = new Map<string, { rows: number[]; input: ReceiptInput; lines: Map<string, GoodsLineInput>; pallets: Map<string, PalletInput> }>();
  for (const rec of records) {
    if (rec.cells.length !== columns.length) {
      errors.push({ row: rec.row, column: '', message: `has ${rec.cells.length} cells, the header has ${columns.length}` });
      continue;
    }
    const cell = (c: Column) => {
      const i = columns.indexOf(c);
      return i < 0 ? '' : rec.cells[i]!.trim();
    };
    const num = (c: Column): number | undefined => {
      const v = cell(c);
      if (v === '') return undefined;
      const spec = NUMBER_COLUMNS[c]!;
      const n = Number(v);
      if (!Number.isFinite(n) || (spec.int && !Number.isSafeInteger(n)) || n < spec.min) {
        errors.push({ row: rec.row, column: c, message: `${c} must be ${spec.int ? 'a whole number' : 'a number'} of at least ${spec.min}, got ${JSON.stringify(v)}` });
      }
      return n;
    };
    const po = cell('po');
    if (po === '') errors.push({ row: rec.row, column: 'po', message: 'po is empty' });
    const qty = num('qty');
    if (qty === undefined) errors.push({ row: rec.row, column: 'qty', message: 'qty is empty' });
    const sku = cell('sku');
    const gtin = cell('gtin');
    if (sku === '' && gtin === '') errors.push({ row: rec.row, column: 'sku', message: 'a row needs a sku or a gtin' });
    const kind = cell('kind') || undefined;
    if (kind !== undefined && kind !== 'po' && kind !== 'asn') errors.push({ row: rec.row, column: 'kind', message: `kind must be po or asn, got ${JSON.stringify(kind)}` });
    const unitCost = num('unit_cost');
    const tolerance = { overPct: num('over_pct'), underPct: num('under_pct'), overAbs: num('over_abs'), underAbs: num('under_abs') };
    const epcs = cell('epcs').split(/[;|\s]+/).filter((e) => e !== '');
    if (po === '' || qty === undefined || (sku === '' && gtin === '')) continue;

    let doc = byPo.get(po);
    if (!doc) {
      doc = { rows: [], input: { po, kind: kind as 'po' | 'asn' | undefined ?? 'po', supplier: cell('supplier') || null, lines: [] }, lines: new Map(), pallets: new Map() };
      byPo.set(po, doc);
    }
    doc.rows.push(rec.row);
    const key = sku || `gtin:${gtin}`;
    let line = doc.lines.get(key);
    if (!line) {
      line = { ...(sku ? { sku } : { gtin }), qty: 0, epcs: [], unitCost: unitCost ?? null, tolerance: Object.values(tolerance).some((v) => v !== undefined) ? tolerance : null };
      doc.lines.set(key, line);
      doc.input.lines.push(line);
    } else if (unitCost !== undefined && line.unitCost !== null && line.unitCost !== unitCost) {
      errors.push({ row: rec.row, column: 'unit_cost', message: `${po} ${key}: unit_cost ${unitCost} differs from ${line.unitCost} on an earlier row` });
    }
    line.qty += qty;
    const sscc = cell('sscc');
    if (sscc !== '') {
      let pallet = doc.pallets.get(sscc);
      if (!pallet) {
        pallet = { sscc, contents: [] };
        doc.pallets.set(sscc, pallet);
        (doc.input.pallets ??= []).push(pallet);
      }
      (pallet.contents as Array<Omit<GoodsLineInput, 'unitCost' | 'tolerance'>>).push({ ...(sku ? { sku } : { gtin }), qty, epcs });
    } else {
      (line.epcs as string[]).push(...epcs);
    }
  }
  if (errors.length) return { ok: false, errors };

  const created: string[] = [];
  const existing: string[] = [];
  const apply = db.transaction(() => {
    for (const [po, doc] of byPo) {
      try {
        const r = createReceipt(db, doc.input, actor, nowMs);
        (r.status === 'created' ? created : existing).push(po);
      } catch (e) {
        if (!(e instanceof LedgerError)) throw e;
        errors.push({ row: doc.rows[0]!, column: e.field ?? '', message: `${po}: ${e.message}` });
      }
    }
    if (errors.length) throw new RollBack();
  });
  try {
    apply();
  } catch (e) {
    if (e instanceof RollBack) return { ok: false, errors };
    throw e;
  }
  return { ok: true, created, existing };
}

class RollBack extends Error {}
