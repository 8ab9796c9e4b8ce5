// hub/ledger — the catalog: what a SKU is (GTINs, unit, tracking, cost method, standard cost), created and changed
// by API or CSV import (catalog-import.ts).
import type { Db } from '../db/database.js';
import { isoTs } from '../../protocols/events/index.js';
import { LedgerError } from './errors.js';
import { cachedItem, cachedItemByGtin14, itemFromRow, type ItemRow } from './cache.js';
import { stmt, inTransaction } from './statements.js';
import { ABC_CLASSES, COST_METHODS, TRACKINGS, type AbcClass, type CostMethod, type Item, type Tracking } from './types.js';
import { normalizeGtin, optionalNonNegativeInt, requireId, requireNonNegativeInt, requireOneOf, requireText } from './validate.js';

export interface ItemInput {
  sku: string;
  gtins?: string[];
  name: string;
  /** Default 'ea'. */
  uom?: string;
  tracking: Tracking;
  /** Default 'fifo'. */
  costMethod?: CostMethod;
  /** Minor currency units per unit; default 0. */
  standardCost?: number;
  reorderPoint?: number | null;
  abcClass?: AbcClass | null;
}

export type ItemPatch = Partial<Omit<ItemInput, 'sku'>>;

/** The fields of an item, checked and normalised; throws a LedgerError naming the first bad field. */
export interface CheckedItem {
  sku: string;
  gtins: string[];
  name: string;
  uom: string;
  tracking: Tracking;
  costMethod: CostMethod;
  standardCost: number;
  reorderPoint: number | null;
  abcClass: AbcClass | null;
}

export function checkItem(input: ItemInput): CheckedItem {
  const gtinsIn = input.gtins ?? [];
  if (!Array.isArray(gtinsIn)) throw new LedgerError('invalid', 'gtins must be a list of GTINs', 'gtins');
  const gtins = gtinsIn.map((g, i) => normalizeGtin(g, `gtins[${i}]`));
  const dup = gtins.find((g, i) => gtins.indexOf(g) !== i);
  if (dup) throw new LedgerError('invalid', `gtins lists ${dup} twice`, 'gtins');
  return {
    sku: requireId(input.sku, 'sku'),
    gtins,
    name: requireText(input.name, 'name', 200),
    uom: input.uom === undefined ? 'ea' : requireText(input.uom, 'uom', 20),
    tracking: requireOneOf(input.tracking, TRACKINGS, 'tracking'),
    costMethod: input.costMethod === undefined ? 'fifo' : requireOneOf(input.costMethod, COST_METHODS, 'costMethod'),
    standardCost: input.standardCost === undefined ? 0 : requireNonNegativeInt(input.standardCost, 'standardCost'),
    reorderPoint: optionalNonNegativeInt(input.reorderPoint, 'reorderPoint'),
    abcClass: input.abcClass == null ? null : requireOneOf(input.abcClass, ABC_CLASSES, 'abcClass'),
  };
}

export function getItem(db: Db, sku: string): Item | undefined {
  return cachedItem(db, sku);
}

/** The item a GTIN (8-14 digits, any padding) belongs to. */
export function getItemByGtin(db: Db, gtin: string): Item | undefined {
  if (!/^\d{8,14}$/.test(gtin)) return undefined;
  return cachedItemByGtin14(db, gtin.padStart(14, '0'));
}

/** Items by SKU order, a page at a time: pass the last SKU of a page as `after`. */
export function listItems(db: Db, page: { after?: string; limit?: number } = {}): Item[] {
  const limit = Math.min(Math.max(page.limit ?? 100, 1), 1000);
  const rows = stmt(db, 'SELECT * FROM items WHERE sku > ? ORDER BY sku LIMIT ?').all(page.after ?? '', limit) as ItemRow[];
  const gtinsOf = (sku: string) => (stmt(db, 'SELECT gtin FROM item_gtins WHERE sku = ? ORDER BY position').all(sku) as { gtin: string }[]).map((g) => g.gtin);
  return rows.map((r) => itemFromRow(r, gtinsOf(r.sku)));
}

export function createItem(db: Db, input: ItemInput, nowMs: number): Item {
  const item = checkItem(input);
  return inTransaction(db, () => {
    if (getItem(db, item.sku)) throw new LedgerError('conflict', `item ${item.sku} already exists`, 'sku');
    writeItem(db, item, nowMs, 'insert');
    return getItem(db, item.sku)!;
  });
}

export function updateItem(db: Db, sku: string, patch: ItemPatch, nowMs: number): Item {
  return inTransaction(db, () => {
    const cur = getItem(db, sku);
    if (!cur) throw new LedgerError('not_found', `unknown item ${JSON.stringify(sku)}`, 'sku');
    const next = checkItem({ ...cur, ...stripUndefined(patch), sku });
    guardChange(db, cur, next);
    writeItem(db, next, nowMs, 'update');
    return getItem(db, sku)!;
  });
}

/** Tracking and cost method shape the history of a SKU: once it has moves, they may no longer change. */
export function guardChange(db: Db, cur: Pick<Item, 'sku' | 'tracking' | 'costMethod'>, next: CheckedItem): void {
  if (cur.tracking === next.tracking && cur.costMethod === next.costMethod) return;
  const hasMoves = stmt(db, 'SELECT 1 FROM moves WHERE sku = ? LIMIT 1').get(cur.sku) !== undefined;
  if (!hasMoves) return;
  const field = cur.tracking !== next.tracking ? 'tracking' : 'costMethod';
  throw new LedgerError('conflict', `item ${cur.sku} already has moves: its ${field} can no longer change`, field);
}

/** Insert or replace an item and its GTINs (checked already). GTINs owned by another SKU are a conflict. */
export function writeItem(db: Db, item: CheckedItem, nowMs: number, mode: 'insert' | 'update'): void {
  const at = isoTs(nowMs);
  for (const [i, gtin] of item.gtins.entries()) {
    const owner = stmt(db, 'SELECT sku FROM item_gtins WHERE gtin = ?').get(gtin) as { sku: string } | undefined;
    if (owner && owner.sku !== item.sku) throw new LedgerError('conflict', `GTIN ${gtin} already belongs to item ${owner.sku}`, `gtins[${i}]`);
  }
  if (mode === 'insert') {
    stmt(db, `INSERT INTO items (sku, name, uom, tracking, cost_method, standard_cost, reorder_point, abc_class, created_at, updated_at)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(item.sku, item.name, item.uom, item.tracking, item.costMethod, item.standardCost, item.reorderPoint, item.abcClass, at, at);
    stmt(db, 'INSERT INTO valuations (sku, qty, value) VALUES (?, 0, 0)').run(item.sku);
  } else {
    stmt(db, `UPDATE items SET name = ?, uom = ?, tracking = ?, cost_method = ?, standard_cost = ?, reorder_point = ?, abc_class = ?,
              updated_at = ? WHERE sku = ?`)
      .run(item.name, item.uom, item.tracking, item.costMethod, item.standardCost, item.reorderPoint, item.abcClass, at, item.sku);
    stmt(db, 'DELETE FROM item_gtins WHERE sku = ?').run(item.sku);
  }
  item.gtins.forEach((gtin, i) => stmt(db, 'INSERT INTO item_gtins (gtin, sku, position) VALUES (?, ?, ?)').run(gtin, item.sku, i));
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
