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
import { periodStates, type PeriodState } from './periods.js';
import type { KpiReport } from './types.js';

export interface KpiOptions {
  fromMs: number;
  toMs: number;
  deadStockDays: number;
  reorderCoverDays: number;
}

const DAY = 86_400_000;
const ratio = (n: number, d: number): number | null => (d === 0 ? null : n / d);

/** The KPIs over [from, to), from one pass over the ledger. */
export function kpiReport(db: Db, o: KpiOptions): KpiReport {
  return reportOf(periodStates(db, o.fromMs, o.toMs - o.fromMs, 1)[0]!, o);
}

/** The KPIs of one period's state. Pure. */
export function reportOf(st: PeriodState, o: { deadStockDays: number; reorderCoverDays: number }): KpiReport {
  const byAge = { under1d: 0, from1to3d: 0, from3to7d: 0, over7d: 0 };
  const byType: Record<string, number> = {};
  for (const v of st.open) {
    const age = st.toMs - v.createdMs;
    if (age < DAY) byAge.under1d++;
    else if (age < 3 * DAY) byAge.from1to3d++;
    else if (age < 7 * DAY) byAge.from3to7d++;
    else byAge.over7d++;
    byType[v.type] = (byType[v.type] ?? 0) + 1;
  }
  const averageInventory = (st.opening.value + st.closing.value) / 2;
  const days = (st.toMs - st.fromMs) / DAY;

  const deadSince = st.toMs - o.deadStockDays * DAY;
  const dead = st.skus.filter((x) => x.onHand > 0 && (x.lastShippedMs === null || x.lastShippedMs < deadSince));
  const low = st.skus.map((x) => ({ ...x, available: x.sellableOnHand - x.reserved })).filter((x) => x.reorderPoint !== null && x.available <= x.reorderPoint);
  const suggestions = low.map((x) => {
    const rp = x.reorderPoint!;
    const dailySales = Math.max(0, x.sold) / days;
    const qty = rp + Math.max(1, Math.ceil(dailySales * o.reorderCoverDays)) - x.available;
    if (!(qty > 0)) throw new Error(`invariant: reorder suggestion for ${x.sku} is ${qty} units`);
    const unitCost = x.onHand > 0 ? Math.round(x.value / x.onHand) : x.standardCost;
    return { sku: x.sku, available: x.available, reorderPoint: rp, dailySales, qty, unitCost, value: qty * unitCost };
  });

  return {
    period: { from: isoTs(st.fromMs), to: isoTs(st.toMs), days },
    inventoryRecordAccuracy: { skuLocations: st.ira.n, withinTolerance: st.ira.ok, ratio: ratio(st.ira.ok, st.ira.n), units: { book: st.ira.book, absDifference: st.ira.diff, ratio: st.ira.book === 0 ? null : 1 - st.ira.diff / st.ira.book } },
    receivingAccuracy: { closed: st.receiving.closed, withoutVariance: st.receiving.clean, ratio: ratio(st.receiving.clean, st.receiving.closed) },
    shippingAccuracy: { closed: st.shipping.closed, withoutVariance: st.shipping.clean, ratio: ratio(st.shipping.clean, st.shipping.closed) },
    openVariances: { total: st.open.length, byAge, byType },
    sellThrough: { sold: st.sold, openingOnHand: st.opening.units, received: st.received, closingOnHand: st.closing.units, ratio: ratio(st.sold, st.opening.units + st.received) },
    turnover: { cogs: st.cogs, openingValue: st.opening.value, closingValue: st.closing.value, averageInventory, ratio: averageInventory === 0 ? null : st.cogs / averageInventory },
    daysOnHand: st.cogs === 0 ? null : (days * averageInventory) / st.cogs,
    deadStock: { days: o.deadStockDays, items: dead.map((d) => ({ sku: d.sku, onHand: d.onHand, value: d.value, lastShippedAt: d.lastShippedMs === null ? null : isoTs(d.lastShippedMs) })) },
    lowStock: { alerts: low.map((x) => ({ sku: x.sku, onHand: x.onHand, available: x.available, reorderPoint: x.reorderPoint! })) },
    reorderSuggestions: { coverDays: o.reorderCoverDays, items: suggestions },
  };
}
