// hub/reports — the accuracy and stock KPIs over a period [from, to), read from the ledger's moves, the count results,
// receipts, shipments and variances. Definitions (each figure is null when its denominator is 0):
//   inventory record accuracy  = counted SKU-locations within tolerance / counted SKU-locations (cycle counts closed in
//                                the period; baselines excluded); by units = 1 − Σ|counted − book| / Σ book
//   receiving accuracy         = receipts closed in the period with no variance against them / receipts closed
//   shipping accuracy          = shipments closed in the period with no variance against them / shipments closed
//   open variances by age      = variances open at `to` (raised before, resolved after if at all), by age and by type
//   sell-through               = units shipped (net of shipments driven back) / (units on hand at `from` + units received)
//   inventory turnover         = COGS / average inventory at cost ((value at from + value at to) / 2)
//   days on hand               = period days × average inventory / COGS
//   dead stock                 = SKUs on hand at `to` with no shipment in the N days before `to`
//   low stock                  = SKUs whose available stock at `to` (sellable on hand − reservations pending then) is at or
//                                below their reorder point
//   reorder suggestion         = per low-stock SKU: order up to reorder point + max(1, ⌈daily sales × cover days⌉), daily
//                                sales being the SKU's units shipped in the period / period days; priced at its average
//                                cost on hand at `to`, else its standard cost
// Stock at an instant t is what the moves that occurred before t add up to, so a past period reads as it was then.
// COGS = cost booked by shipments to customers minus cost returned by shipments brought back and returns.
import type { Db } from '../db/database.js';
import { isoTs } from '../../protocols/events/index.js';
import { VIRTUAL } from '../ledger/index.js';
import type { KpiReport } from './types.js';

export interface KpiOptions {
  fromMs: number;
  toMs: number;
  deadStockDays: number;
  reorderCoverDays: number;
}

const DAY = 86_400_000;
const ratio = (n: number, d: number): number | null => (d === 0 ? null : n / d);

export interface SkuStockAt {
  sku: string;
  /** units in real locations */
  onHand: number;
  value: number;
  sellableOnHand: number;
  /** reservations placed before t and not closed by t */
  reserved: number;
  lastShippedMs: number | null;
}

/** Every SKU's stock at instant `t` (moves that occurred before t; reservations pending at t), by SKU. */
export function stockBySkuAt(db: Db, t: number): SkuStockAt[] {
  return db.prepare(`SELECT i.sku,
      COALESCE(SUM(CASE WHEN f.virtual = 1 AND tl.virtual = 0 THEN m.qty WHEN f.virtual = 0 AND tl.virtual = 1 THEN -m.qty ELSE 0 END), 0) AS onHand,
      COALESCE(SUM(m.value_delta), 0) AS value,
      COALESCE(SUM(CASE WHEN tl.virtual = 0 AND tl.sellable = 1 THEN m.qty ELSE 0 END) - SUM(CASE WHEN f.virtual = 0 AND f.sellable = 1 THEN m.qty ELSE 0 END), 0) AS sellableOnHand,
      (SELECT COALESCE(SUM(r.qty), 0) FROM reservations r WHERE r.sku = i.sku AND r.created_ms < @t AND (r.closed_ms IS NULL OR r.closed_ms >= @t)) AS reserved,
      MAX(CASE WHEN m.to_location = @customer THEN m.occurred_ms END) AS lastShippedMs
      FROM items i LEFT JOIN moves m ON m.sku = i.sku AND m.occurred_ms < @t
      LEFT JOIN locations f ON f.id = m.from_location LEFT JOIN locations tl ON tl.id = m.to_location
      GROUP BY i.sku ORDER BY i.sku`).all({ t, customer: VIRTUAL.customer }) as SkuStockAt[];
}

/** Units on hand (all real locations) and their value, from the moves that occurred before `t`. */
function stockAt(db: Db, t: number): { units: number; value: number } {
  return db.prepare(`SELECT
      COALESCE(SUM(CASE WHEN f.virtual = 1 AND tl.virtual = 0 THEN m.qty WHEN f.virtual = 0 AND tl.virtual = 1 THEN -m.qty ELSE 0 END), 0) AS units,
      COALESCE(SUM(m.value_delta), 0) AS value
      FROM moves m JOIN locations f ON f.id = m.from_location JOIN locations tl ON tl.id = m.to_location WHERE m.occurred_ms < ?`).get(t) as { units: number; value: number };
}

export function kpiReport(db: Db, o: KpiOptions): KpiReport {
  const p = { from: o.fromMs, to: o.toMs, customer: VIRTUAL.customer, supplier: VIRTUAL.supplier };

  const ira = db.prepare(`SELECT COUNT(*) AS n, COALESCE(SUM(r.within_tolerance), 0) AS ok, COALESCE(SUM(ABS(r.book)), 0) AS book, COALESCE(SUM(ABS(r.difference)), 0) AS diff
      FROM count_results r JOIN counts c ON c.id = r.count WHERE c.baseline = 0 AND r.closed_ms >= @from AND r.closed_ms < @to`).get(p) as { n: number; ok: number; book: number; diff: number };

  const accuracy = (table: 'receipts' | 'shipments', types: string) =>
    db.prepare(`SELECT COUNT(*) AS closed, COALESCE(SUM(NOT EXISTS (SELECT 1 FROM variances v WHERE v.reference = d.id AND v.type IN (${types}))), 0) AS clean
        FROM ${table} d WHERE d.status = 'closed' AND d.closed_ms >= @from AND d.closed_ms < @to`).get(p) as { closed: number; clean: number };
  const receiving = accuracy('receipts', "'short','over','unexpected_item','wrong_door'");
  const shipping = accuracy('shipments', "'unexpected_outbound','missing_outbound','wrong_door'");

  const open = db.prepare('SELECT type, created_ms FROM variances WHERE created_ms < @to AND (resolved_ms IS NULL OR resolved_ms >= @to)').all(p) as Array<{ type: string; created_ms: number }>;
  const byAge = { under1d: 0, from1to3d: 0, from3to7d: 0, over7d: 0 };
  const byType: Record<string, number> = {};
  for (const v of open) {
    const age = o.toMs - v.created_ms;
    if (age < DAY) byAge.under1d++;
    else if (age < 3 * DAY) byAge.from1to3d++;
    else if (age < 7 * DAY) byAge.from3to7d++;
    else byAge.over7d++;
    byType[v.type] = (byType[v.type] ?? 0) + 1;
  }

  const flows = db.prepare(`SELECT
      COALESCE(SUM(CASE WHEN reason = 'shipment' AND to_location = @customer THEN qty WHEN reason = 'shipment' AND from_location = @customer THEN -qty ELSE 0 END), 0) AS sold,
      COALESCE(SUM(CASE WHEN reason = 'receipt' AND from_location = @supplier THEN qty WHEN reason = 'receipt' AND to_location = @supplier THEN -qty ELSE 0 END), 0) AS received,
      COALESCE(SUM(CASE WHEN to_location = @customer THEN value_cost WHEN from_location = @customer THEN -value_cost ELSE 0 END), 0) AS cogs
      FROM moves WHERE occurred_ms >= @from AND occurred_ms < @to`).get(p) as { sold: number; received: number; cogs: number };
  const opening = stockAt(db, o.fromMs);
  const closing = stockAt(db, o.toMs);
  const averageInventory = (opening.value + closing.value) / 2;
  const days = (o.toMs - o.fromMs) / DAY;

  const deadSince = o.toMs - o.deadStockDays * DAY;
  const atTo = stockBySkuAt(db, o.toMs);
  const dead = atTo.filter((x) => x.onHand > 0 && (x.lastShippedMs === null || x.lastShippedMs < deadSince));

  const items = db.prepare('SELECT sku, reorder_point AS rp, standard_cost AS std FROM items WHERE reorder_point IS NOT NULL').all() as Array<{ sku: string; rp: number; std: number }>;
  const reorder = new Map(items.map((r) => [r.sku, r]));
  const low = atTo.map((x) => ({ ...x, available: x.sellableOnHand - x.reserved })).filter((x) => reorder.has(x.sku) && x.available <= reorder.get(x.sku)!.rp);
  const soldBySku = new Map((db.prepare(`SELECT sku, SUM(CASE WHEN to_location = @customer THEN qty ELSE -qty END) AS sold FROM moves
      WHERE reason = 'shipment' AND (to_location = @customer OR from_location = @customer) AND occurred_ms >= @from AND occurred_ms < @to GROUP BY sku`).all(p) as Array<{ sku: string; sold: number }>).map((r) => [r.sku, r.sold]));
  const suggestions = low.map((x) => {
    const item = reorder.get(x.sku)!;
    const dailySales = Math.max(0, soldBySku.get(x.sku) ?? 0) / days;
    const qty = item.rp + Math.max(1, Math.ceil(dailySales * o.reorderCoverDays)) - x.available;
    if (!(qty > 0)) throw new Error(`invariant: reorder suggestion for ${x.sku} is ${qty} units`);
    const unitCost = x.onHand > 0 ? Math.round(x.value / x.onHand) : item.std;
    return { sku: x.sku, available: x.available, reorderPoint: item.rp, dailySales, qty, unitCost, value: qty * unitCost };
  });

  return {
    period: { from: isoTs(o.fromMs), to: isoTs(o.toMs), days },
    inventoryRecordAccuracy: { skuLocations: ira.n, withinTolerance: ira.ok, ratio: ratio(ira.ok, ira.n), units: { book: ira.book, absDifference: ira.diff, ratio: ira.book === 0 ? null : 1 - ira.diff / ira.book } },
    receivingAccuracy: { closed: receiving.closed, withoutVariance: receiving.clean, ratio: ratio(receiving.clean, receiving.closed) },
    shippingAccuracy: { closed: shipping.closed, withoutVariance: shipping.clean, ratio: ratio(shipping.clean, shipping.closed) },
    openVariances: { total: open.length, byAge, byType },
    sellThrough: { sold: flows.sold, openingOnHand: opening.units, received: flows.received, closingOnHand: closing.units, ratio: ratio(flows.sold, opening.units + flows.received) },
    turnover: { cogs: flows.cogs, openingValue: opening.value, closingValue: closing.value, averageInventory, ratio: averageInventory === 0 ? null : flows.cogs / averageInventory },
    daysOnHand: flows.cogs === 0 ? null : (days * averageInventory) / flows.cogs,
    deadStock: { days: o.deadStockDays, items: dead.map((d) => ({ sku: d.sku, onHand: d.onHand, value: d.value, lastShippedAt: d.lastShippedMs === null ? null : isoTs(d.lastShippedMs) })) },
    lowStock: { alerts: low.map((x) => ({ sku: x.sku, onHand: x.onHand, available: x.available, reorderPoint: reorder.get(x.sku)!.rp })) },
    reorderSuggestions: { coverDays: o.reorderCoverDays, items: suggestions },
  };
}
