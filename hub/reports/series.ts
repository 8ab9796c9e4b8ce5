// hub/reports — the KPIs over time: `buckets` consecutive periods of `bucketDays` each, the last one ending at `to`, each
// figure computed as the KPI report computes it over that period (so a point means exactly what the report means), all
// periods read from the ledger at once (hub/reports/periods.ts).
// Stock figures (on hand, value, dead and low stock) are as at each period's end. Pure over the database: the caller
// passes the instant `to` (its clock).
import type { Db } from '../db/database.js';
import { isoTs } from '../../protocols/events/index.js';
import { reportOf } from './kpi.js';
import { periodStates } from './periods.js';
import type { KpiPoint } from './types.js';

export interface KpiSeriesOptions {
  toMs: number;
  buckets: number;
  bucketDays: number;
  deadStockDays: number;
}

const DAY = 86_400_000;
export const MAX_SERIES_DAYS = 3660;

export function kpiSeries(db: Db, o: KpiSeriesOptions): KpiPoint[] {
  if (!(Number.isInteger(o.buckets) && o.buckets >= 1 && o.bucketDays > 0 && o.buckets * o.bucketDays <= MAX_SERIES_DAYS)) {
    throw new Error(`invariant: a KPI series of ${o.buckets} buckets × ${o.bucketDays} days (at most ${MAX_SERIES_DAYS} days in all)`);
  }
  const step = o.bucketDays * DAY;
  return periodStates(db, o.toMs - o.buckets * step, step, o.buckets).map((st): KpiPoint => {
    const r = reportOf(st, { deadStockDays: o.deadStockDays, reorderCoverDays: 1 });
    return {
      from: isoTs(st.fromMs),
      to: isoTs(st.toMs),
      inventoryRecordAccuracy: r.inventoryRecordAccuracy.ratio,
      receivingAccuracy: r.receivingAccuracy.ratio,
      shippingAccuracy: r.shippingAccuracy.ratio,
      turnover: r.turnover.ratio,
      daysOnHand: r.daysOnHand,
      sold: r.sellThrough.sold,
      cogs: r.turnover.cogs,
      onHand: r.sellThrough.closingOnHand,
      inventoryValue: r.turnover.closingValue,
      deadStock: r.deadStock.items.reduce((a, d) => ({ skus: a.skus + 1, units: a.units + d.onHand, value: a.value + d.value }), { skus: 0, units: 0, value: 0 }),
      lowStockSkus: r.lowStock.alerts.length,
      openVariances: r.openVariances.total,
    };
  });
}
