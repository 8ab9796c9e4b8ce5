// hub/ledger — catalog import from CSV: validate every row, import all or none, and name every bad row and column.
import type { Db } from '../db/database.js';
import { LedgerError } from './errors.js';
import { checkItem, getItem, guardChange, writeItem, type CheckedItem, type ItemInput } from './catalog.js';
import { parseCsv } from './csv.js';
import { stmt, inTransaction } from './statements.js';
import { ABC_CLASSES, COST_METHODS, TRACKINGS } from './types.js';
import { normalizeGtin, optionalNonNegativeInt, requireId, requireNonNegativeInt, requireOneOf, requireText } from './validate.js';

/** Columns, case-insensitive; `gtins` holds one or more GTINs separated by `;`, `|` or spaces. */
export const CSV_COLUMNS = ['sku', 'name', 'gtins', 'uom', 'tracking', 'cost_method', 'standard_cost', 'reorder_point', 'abc_class'] as const;
type Column = (typeof CSV_COLUMNS)[number];
const REQUIRED: readonly Column[] = ['sku', 'name', 'tracking'];

export interface CsvRowError {
  /** Row as a spreadsheet numbers it (the header is row 1). */
  row: number;
  /** Column name, or '' for a problem with the whole row. */
  column: string;
  message: string;
}

export type CsvImportResult =
  | { ok: true; created: string[]; updated: string[] }
  | { ok: false; errors: CsvRowError[] };

/**
 * Import items from CSV text. All or nothing: every row is validated first; if any is bad nothing is written and every
 * bad cell is reported. A row states the whole item: an existing SKU is replaced (empty optional cells → defaults).
 */
export function importItemsCsv(db: Db, text: string, nowMs: number): CsvImportResult {
  let records;
  try {
    records = parseCsv(text);
  } catch (e) {
    if (e instanceof LedgerError) return { ok: false, errors: [{ row: Number(e.field?.slice(4)) || 0, column: '', message: e.message }] };
    throw e;
  }
  const errors: CsvRowError[] = [];
  const header = records.shift();
  if (!header) return { ok: false, errors: [{ row: 1, column: '', message: 'the file is empty: expected a header row' }] };
  const columns = header.cells.map((h) => h.trim().toLowerCase());
  columns.forEach((c, i) => {
    if (!(CSV_COLUMNS as readonly string[]).includes(c)) errors.push({ row: header.row, column: c, message: `unknown column ${JSON.stringify(header.cells[i])}: columns are ${CSV_COLUMNS.join(', ')}` });
    else if (columns.indexOf(c) !== i) errors.push({ row: header.row, column: c, message: `column ${c} appears twice` });
  });
  for (const c of REQUIRED) if (!columns.includes(c)) errors.push({ row: header.row, column: c, message: `required column ${c} is missing` });
  if (errors.length) return { ok: false, errors };

  const items: { row: number; item: CheckedItem }[] = [];
  for (const rec of records) {
    if (rec.cells.length !== columns.length) {
      errors.push({ row: rec.row, column: '', message: `has ${rec.cells.length} cells, the header has ${columns.length}` });
      continue;
    }
    const cell = (c: Column) => {
      const i = columns.indexOf(c);
      return i < 0 ? '' : rec.cells[i]!.trim();
    };
    const rowErrors: CsvRowError[] = [];
    const field = <T>(column: Column, f: (v: string) => T): T | undefined => {
      try {
        return f(cell(column));
      } catch (e) {
        if (!(e instanceof LedgerError)) throw e;
        rowErrors.push({ row: rec.row, column, message: e.message });
        return undefined;
      }
    };
    const int = (v: string) => (/^-?\d+$/.test(v) ? Number(v) : v);
    const input = {
      sku: field('sku', (v) => requireId(v, 'sku')),
      name: field('name', (v) => requireText(v, 'name', 200)),
      gtins: field('gtins', (v) => (v === '' ? [] : v.split(/[;|\s]+/).filter(Boolean).map((g, i) => normalizeGtin(g, `gtins[${i}]`)))),
      uom: field('uom', (v) => (v === '' ? 'ea' : requireText(v, 'uom', 20))),
      tracking: field('tracking', (v) => requireOneOf(v, TRACKINGS, 'tracking')),
      costMethod: field('cost_method', (v) => (v === '' ? 'fifo' : requireOneOf(v, COST_METHODS, 'cost_method'))),
      standardCost: field('standard_cost', (v) => (v === '' ? 0 : requireNonNegativeInt(int(v), 'standard_cost (minor currency units)'))),
      reorderPoint: field('reorder_point', (v) => (v === '' ? null : optionalNonNegativeInt(int(v), 'reorder_point'))),
      abcClass: field('abc_class', (v) => (v === '' ? null : requireOneOf(v.toUpperCase(), ABC_CLASSES, 'abc_class'))),
    };
    if (rowErrors.length) {
      errors.push(...rowErrors);
      continue;
    }
    try {
      items.push({ row: rec.row, item: checkItem(input as ItemInput) });
    } catch (e) {
      if (!(e instanceof LedgerError)) throw e;
      errors.push({ row: rec.row, column: e.field?.startsWith('gtins') ? 'gtins' : (e.field ?? ''), message: e.message });
    }
  }

  // Across rows and against the database.
  const skuRow = new Map<string, number>();
  const gtinRow = new Map<string, { row: number; sku: string }>();
  for (const { row, item } of items) {
    const first = skuRow.get(item.sku);
    if (first !== undefined) errors.push({ row, column: 'sku', message: `SKU ${item.sku} already appears in row ${first}` });
    else skuRow.set(item.sku, row);
    for (const g of item.gtins) {
      const seen = gtinRow.get(g);
      if (seen) errors.push({ row, column: 'gtins', message: `GTIN ${g} already appears in row ${seen.row} (SKU ${seen.sku})` });
      else gtinRow.set(g, { row, sku: item.sku });
    }
  }
  for (const { row, item } of items) {
    for (const g of item.gtins) {
      const owner = stmt(db, 'SELECT sku FROM item_gtins WHERE gtin = ?').get(g) as { sku: string } | undefined;
      if (owner && owner.sku !== item.sku && !skuRow.has(owner.sku)) errors.push({ row, column: 'gtins', message: `GTIN ${g} already belongs to item ${owner.sku}` });
    }
    const cur = getItem(db, item.sku);
    if (cur) {
      try {
        guardChange(db, cur, item);
      } catch (e) {
        if (!(e instanceof LedgerError)) throw e;
        errors.push({ row, column: e.field === 'costMethod' ? 'cost_method' : (e.field ?? ''), message: e.message });
      }
    }
  }
  if (errors.length) return { ok: false, errors: errors.sort((a, b) => a.row - b.row) };

  return inTransaction(db, () => {
    const created: string[] = [];
    const updated: string[] = [];
    const existing = new Set(items.filter(({ item }) => getItem(db, item.sku)).map(({ item }) => item.sku));
    // Release the GTINs of every SKU being replaced first, so GTINs may move between SKUs within one file.
    for (const sku of existing) stmt(db, 'DELETE FROM item_gtins WHERE sku = ?').run(sku);
    for (const { item } of items) {
      const mode = existing.has(item.sku) ? 'update' : 'insert';
      writeItem(db, item, nowMs, mode);
      (mode === 'insert' ? created : updated).push(item.sku);
    }
    return { ok: true as const, created, updated };
  });
}
