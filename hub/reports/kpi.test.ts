// Every KPI against values computed by hand on a small fixture (comments show the arithmetic).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isoTs } from '../../protocols/events/index.js';
import { silentLogger } from '../../protocols/logging/index.js';
import { countsMigrations, closeCount, addCountLine, startCount, type CountSettings } from '../counts/store.js';
import { migrate } from '../db/database.js';
import { doorsMigrations } from '../doors/store.js';
import { checkLedger, postMove, reserve, updateItem, voidReservation, type MoveInput } from '../ledger/index.js';
import { makeFixture, T0, type Fixture } from '../ledger/test-fixture.js';
import { closeReceipt, createReceipt, receivingMigrations } from '../receiving/store.js';
import { DoorSignals, signalsMigrations } from '../shipping/signals.js';
import { closeShipment, createShipment, shippingMigrations } from '../shipping/store.js';
import { raiseVariance, resolveVariance, variancesMigrations } from '../variances/store.js';
import { kpiReport } from './kpi.js';
import { kpiSeries } from './series.js';

const D = 86_400_000;
const actor = { kind: 'api' as const, id: 'tester' };
const settings: CountSettings = { tolerances: { a: { pct: 0, abs: 0 }, b: { pct: 2, abs: 0 }, c: { pct: 5, abs: 0 } }, baselineQuietMinutes: 15 };
const noTolerance = { overPct: 0, underPct: 0, overAbs: 0, underAbs: 0 };

describe('KPI report', () => {
  let f: Fixture;
  beforeEach(() => {
    f = makeFixture();
    migrate(f.db, [doorsMigrations, variancesMigrations, receivingMigrations, shippingMigrations, signalsMigrations, countsMigrations]);
  });
  afterEach(() => {
    expect(checkLedger(f.db).ok).toBe(true);
    f.close();
  });

  /** The ledger every KPI below is computed from by hand: days 1 to 39.5 after T0. */
  function history(): void {
    const db = f.db;
    let n = 0;
    const move = (days: number, m: Omit<MoveInput, 'id' | 'actor' | 'occurredAt'>) => postMove(db, { ...m, id: `k-${++n}`, actor, occurredAt: isoTs(at(days)) }, at(days));
    updateItem(db, 'A', { reorderPoint: 100, abcClass: 'A' }, T0);
    updateItem(db, 'M', { reorderPoint: 10 }, T0);
    const signals = new DoorSignals(db, silentLogger());

    // Before the period (from = day 10): A 100 @ 100, M 50 @ 50 → opening 150 units, value 12 500.
    move(1, { sku: 'A', qty: 100, from: 'supplier', to: 'stock', reason: 'receipt', unitCost: 100 });
    move(2, { sku: 'M', qty: 50, from: 'supplier', to: 'stock', reason: 'receipt', unitCost: 50 });
    createReceipt(db, { po: 'PO-K3', lines: [{ sku: 'M', qty: 5 }] }, actor, at(3));
    closeReceipt(db, 'PO-K3', noTolerance, actor, at(5)); // closed before the period: a short, still open

    // Count 1 (day 12): A book 100 counted 100 (within); M book 50 counted 45 (−5 > 5 % of 50 = 2: variance).
    const c1 = startCount(db, { location: 'stock', skus: ['A', 'M'] }, settings, actor, at(12));
    addCountLine(db, c1, { sku: 'A', qty: 100 }, 'api', null, at(12));
    addCountLine(db, c1, { sku: 'M', qty: 45 }, 'api', null, at(12));
    closeCount(db, c1, settings, actor, at(12));

    createReceipt(db, { po: 'PO-K1', lines: [{ sku: 'A', qty: 50 }] }, actor, at(14));
    createReceipt(db, { po: 'PO-K2', lines: [{ sku: 'M', qty: 10 }] }, actor, at(14));
    move(15, { sku: 'A', qty: 50, from: 'supplier', to: 'stock', reason: 'receipt', unitCost: 120, reference: 'PO-K1' }); // received 50
    closeReceipt(db, 'PO-K1', noTolerance, actor, at(16)); // complete: clean
    closeReceipt(db, 'PO-K2', noTolerance, actor, at(17)); // nothing came: short

    createShipment(db, { id: 'SH-K1', lines: [{ sku: 'A', qty: 60 }] }, actor, at(19));
    createShipment(db, { id: 'SH-K2', lines: [{ sku: 'M', qty: 10 }] }, actor, at(19));
    move(20, { sku: 'A', qty: 60, from: 'stock', to: 'customer', reason: 'shipment', reference: 'SH-K1' }); // FIFO 60 × 100 = 6000
    closeShipment(db, signals, 'SH-K1', actor, at(21)); // clean
    const v = raiseVariance(db, { type: 'unexpected_outbound', reference: 'SH-K2', message: 'wrong carton' }, at(29));
    resolveVariance(db, v.id, { action: 'dismiss', reason: 'taken back' }, actor, at(29));
    move(30, { sku: 'M', qty: 10, from: 'stock', to: 'customer', reason: 'shipment', reference: 'SH-K2' }); // 10 × 50 = 500
    closeShipment(db, signals, 'SH-K2', actor, at(31)); // had a variance
    move(35, { sku: 'A', qty: 5, from: 'stock', to: 'scrap', reason: 'scrap' }); // 5 × 100 = 500 written off, not COGS

    // Count 2 (day 36): A book 85 counted 84; class A tolerates nothing: variance.
    const c2 = startCount(db, { location: 'stock', skus: ['A'] }, settings, actor, at(36));
    addCountLine(db, c2, { sku: 'A', qty: 84 }, 'api', null, at(36));
    closeCount(db, c2, settings, actor, at(36));
    raiseVariance(db, { type: 'unknown_tag', door: 'dock-1', message: 'stray tag' }, at(39.5));
    const k3 = db.prepare("SELECT id FROM variances WHERE reference = 'PO-K3'").get() as { id: number };
    resolveVariance(db, k3.id, { action: 'dismiss', reason: 'supplier credited' }, actor, at(38)); // open at day 30, not at 40
    // Reservations: M 32 held from day 32 (pending at day 40); M 3 held on day 33, voided on day 34.
    reserve(db, { id: 'r-1', sku: 'M', qty: 32, reference: 'ORD-1', expiresAt: at(60) }, at(32));
    reserve(db, { id: 'r-2', sku: 'M', qty: 3, reference: 'ORD-2', expiresAt: at(60) }, at(33));
    voidReservation(db, 'r-2', 'order cancelled', at(34));
  }
  const at = (days: number) => T0 + days * D;

  it('computes every KPI as by hand', () => {
    history();
    const r = kpiReport(f.db, { fromMs: at(10), toMs: at(40), deadStockDays: 12, reorderCoverDays: 10 });
    expect(r.period).toEqual({ from: isoTs(at(10)), to: isoTs(at(40)), days: 30 });
    // 3 SKU-locations counted, 1 within; units: Σ|diff| = 0 + 5 + 1 = 6 of Σ book = 100 + 50 + 85 = 235.
    expect(r.inventoryRecordAccuracy).toEqual({ skuLocations: 3, withinTolerance: 1, ratio: 1 / 3, units: { book: 235, absDifference: 6, ratio: 1 - 6 / 235 } });
    expect(r.receivingAccuracy).toEqual({ closed: 2, withoutVariance: 1, ratio: 0.5 });
    expect(r.shippingAccuracy).toEqual({ closed: 2, withoutVariance: 1, ratio: 0.5 });
    // Open at day 40: short of PO-K2 (23 d), count M (28 d), count A (4 d), stray tag (12 h); PO-K3's was resolved on day 38.
    expect(r.openVariances).toEqual({ total: 4, byAge: { under1d: 1, from1to3d: 0, from3to7d: 1, over7d: 2 }, byType: { short: 1, count_difference: 2, unknown_tag: 1 } });
    // Sold 60 + 10 = 70 of opening 150 + received 50; 150 + 50 − 70 − 5 scrapped = 125 at the end.
    expect(r.sellThrough).toEqual({ sold: 70, openingOnHand: 150, received: 50, closingOnHand: 125, ratio: 70 / 200 });
    // COGS 6000 + 500 = 6500; closing value 12 500 + 6000 − 6000 − 500 − 500 = 11 500; average 12 000.
    expect(r.turnover).toEqual({ cogs: 6500, openingValue: 12_500, closingValue: 11_500, averageInventory: 12_000, ratio: 6500 / 12_000 });
    expect(r.daysOnHand).toBeCloseTo((30 * 12_000) / 6500, 10);
    // No shipment in the 12 days before day 40: A (last shipped day 20; 85 on hand worth 9500). M shipped on day 30.
    expect(r.deadStock).toEqual({ days: 12, items: [{ sku: 'A', onHand: 85, value: 9500, lastShippedAt: isoTs(at(20)) }] });
    // A: 85 available ≤ reorder point 100; M: 40 on hand − 32 held (r-2 voided) = 8 ≤ 10.
    expect(r.lowStock).toEqual({ alerts: [{ sku: 'A', onHand: 85, available: 85, reorderPoint: 100 }, { sku: 'M', onHand: 40, available: 8, reorderPoint: 10 }] });
    // Order up to reorder point + ⌈daily sales × 10 days⌉. A: 60 sold / 30 d = 2/d → 100 + 20 − 85 = 35 at 9500 / 85 ≈ 112.
    // M: 10 / 30 d → ⌈3.33⌉ = 4 → 10 + 4 − 8 = 6 at 2000 / 40 = 50.
    expect(r.reorderSuggestions).toEqual({
      coverDays: 10,
      items: [
        { sku: 'A', available: 85, reorderPoint: 100, dailySales: 2, qty: 35, unitCost: 112, value: 35 * 112 },
        { sku: 'M', available: 8, reorderPoint: 10, dailySales: 10 / 30, qty: 6, unitCost: 50, value: 300 },
      ],
    });
  });

  it('reads a past period as it was then: stock, dead and low stock and open variances at its end', () => {
    history();
    const r = kpiReport(f.db, { fromMs: at(10), toMs: at(30), deadStockDays: 12, reorderCoverDays: 10 });
    // At day 30 (the M shipment of day 30 not yet): A 90, M 50; A last shipped day 20 ≥ 18, M never: dead.
    expect(r.deadStock.items).toEqual([{ sku: 'M', onHand: 50, value: 2500, lastShippedAt: null }]);
    expect(r.lowStock.alerts).toEqual([{ sku: 'A', onHand: 90, available: 90, reorderPoint: 100 }]);
    // Open at day 30: the shorts of PO-K3 (resolved later, on day 38) and PO-K2 and count M's difference; the variance of
    // day 29 was resolved that day.
    expect(r.openVariances.byType).toEqual({ short: 2, count_difference: 1 });
  });

  it('gives the KPIs over time, one point per period, each as by hand', () => {
    history();
    const points = kpiSeries(f.db, { toMs: at(40), buckets: 3, bucketDays: 10, deadStockDays: 12 });
    expect(points.map((p) => [p.from, p.to])).toEqual([[isoTs(at(10)), isoTs(at(20))], [isoTs(at(20)), isoTs(at(30))], [isoTs(at(30)), isoTs(at(40))]]);
    // Days 10–20: count 1 (1 of 2 within), PO-K1 clean and PO-K2 short, nothing shipped; 50 A received at 120.
    expect(points[0]).toEqual({
      from: isoTs(at(10)), to: isoTs(at(20)),
      inventoryRecordAccuracy: 0.5, receivingAccuracy: 0.5, shippingAccuracy: null, turnover: 0, daysOnHand: null,
      sold: 0, cogs: 0, onHand: 200, inventoryValue: 18_500,
      deadStock: { skus: 2, units: 200, value: 18_500 }, // nothing ever shipped by day 20
      lowStockSkus: 0, openVariances: 3,
    });
    // Days 20–30: 60 A shipped (cost 6000), SH-K1 clean; average inventory (18 500 + 12 500) / 2 = 15 500.
    expect(points[1]).toEqual({
      from: isoTs(at(20)), to: isoTs(at(30)),
      inventoryRecordAccuracy: null, receivingAccuracy: null, shippingAccuracy: 1, turnover: 6000 / 15_500, daysOnHand: (10 * 15_500) / 6000,
      sold: 60, cogs: 6000, onHand: 140, inventoryValue: 12_500,
      deadStock: { skus: 1, units: 50, value: 2500 },
      lowStockSkus: 1, openVariances: 3,
    });
    // Days 30–40: 10 M shipped (cost 500), SH-K2 had a variance, count 2 out of tolerance; average (12 500 + 11 500) / 2.
    expect(points[2]).toEqual({
      from: isoTs(at(30)), to: isoTs(at(40)),
      inventoryRecordAccuracy: 0, receivingAccuracy: null, shippingAccuracy: 0, turnover: 500 / 12_000, daysOnHand: 240,
      sold: 10, cogs: 500, onHand: 125, inventoryValue: 11_500,
      deadStock: { skus: 1, units: 85, value: 9500 },
      lowStockSkus: 2, openVariances: 4,
    });
  });

  it('refuses a series longer than ten years rather than scanning the ledger thousands of times', () => {
    expect(() => kpiSeries(f.db, { toMs: at(40), buckets: 366, bucketDays: 11, deadStockDays: 90 })).toThrow(/366 buckets × 11 days/);
  });

  it('answers null ratios for an empty period rather than dividing by zero', () => {
    const r = kpiReport(f.db, { fromMs: T0, toMs: T0 + D, deadStockDays: 90, reorderCoverDays: 30 });
    expect([r.inventoryRecordAccuracy.ratio, r.inventoryRecordAccuracy.units.ratio, r.receivingAccuracy.ratio, r.shippingAccuracy.ratio, r.sellThrough.ratio, r.turnover.ratio, r.daysOnHand]).toEqual([null, null, null, null, null, null, null]);
  });
});
