import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkLedger, getSerial, postMove, valuationReport } from './index.js';
import { issue, mulDivRound, receive, type Layer } from './valuation.js';
import { makeFixture, T0, type Fixture } from './test-fixture.js';

describe('cost engine (pure)', () => {
  it('rounds half away from zero, exactly, even past 2^53 in the middle', () => {
    expect(mulDivRound(10, 1, 4)).toBe(3); // 2.5 → 3
    expect(mulDivRound(-10, 1, 4)).toBe(-3);
    expect(mulDivRound(7, 1, 3)).toBe(2);
    expect(mulDivRound(9_000_000_000_000, 1_000, 3_000)).toBe(3_000_000_000_000);
  });

  it('FIFO issues from the oldest layers first', () => {
    const layers: Layer[] = [];
    for (const [qty, cost] of [[5, 10], [5, 12]]) {
      const r = receive('fifo', layers[0], qty, cost);
      layers.push(...r.changed.filter((l) => !layers.includes(l)));
    }
    const out = issue('fifo', layers, 7, 999);
    expect(out).toMatchObject({ valueCost: 5 * 10 + 2 * 12, valueDelta: -74, variance: 0 });
    expect(layers.map((l) => [l.qty, l.value])).toEqual([[0, 0], [3, 36]]);
  });

  it('moving average pools receipts and leaves no value behind when the last unit goes', () => {
    const pool: Layer[] = [];
    pool.push(...receive('moving_average', undefined, 3, 10).changed);
    receive('moving_average', pool[0], 1, 1); // 31 for 4 units
    expect(pool).toHaveLength(1);
    expect(issue('moving_average', pool, 1, 0).valueCost).toBe(8); // 7.75 → 8
    expect(issue('moving_average', pool, 2, 0).valueCost).toBe(mulDivRound(23, 2, 3)); // 15
    expect(issue('moving_average', pool, 1, 0).valueCost).toBe(8); // the remainder: 31 − 8 − 15
    expect(pool[0]).toMatchObject({ qty: 0, value: 0 });
  });

  it('issues beyond the layers at the fallback cost and fills the deficit first, booking the variance', () => {
    const layers: Layer[] = [];
    layers.push(...receive('fifo', undefined, 2, 10).changed);
    const out = issue('fifo', layers, 5, 9);
    expect(out.valueCost).toBe(20 + 3 * 9);
    const deficit = out.changed.find((l) => l.qty < 0)!;
    expect(deficit).toMatchObject({ qty: -3, value: -27, unitCost: 9 });
    const back = receive('fifo', deficit, 4, 12);
    expect(back).toMatchObject({ valueCost: 48, valueDelta: 27 + 12, variance: 48 - 39 });
    expect(deficit).toMatchObject({ qty: 0, value: 0 });
    expect(back.changed[1]).toMatchObject({ id: null, qty: 1, value: 12 });
  });
});

describe('valuation through moves', () => {
  let f: Fixture;
  beforeEach(() => { f = makeFixture(); });
  afterEach(() => f.close());
  const post = (over: Parameters<Fixture['mv']>[0]) => postMove(f.db, f.mv(over), T0).move;

  it('FIFO: receipts make layers, shipments book COGS oldest first, transfers move no value', () => {
    post({ sku: 'A', qty: 10, from: 'supplier', to: 'receiving', reason: 'receipt', unitCost: 100 });
    post({ sku: 'A', qty: 10, from: 'supplier', to: 'receiving', reason: 'receipt', unitCost: 130 });
    const t = post({ sku: 'A', qty: 20, from: 'receiving', to: 'stock', reason: 'transfer' });
    expect(t).toMatchObject({ valueCost: 0, valueDelta: 0, unitCost: null });
    const ship = post({ sku: 'A', qty: 12, from: 'stock', to: 'customer', reason: 'shipment', reference: 'SO-1' });
    expect(ship).toMatchObject({ valueCost: 10 * 100 + 2 * 130, valueDelta: -1260 });
    const scrap = post({ sku: 'A', qty: 1, from: 'stock', to: 'scrap', reason: 'scrap' });
    expect(scrap.valueCost).toBe(130);
    expect(valuationReport(f.db, { sku: 'A' }).rows[0]).toEqual({ sku: 'A', costMethod: 'fifo', qty: 7, value: 910, averageUnitCost: 130, openLayers: 1 });
    expect(checkLedger(f.db).ok).toBe(true);
  });

  it('a receipt without a unit cost is valued at standard cost', () => {
    expect(post({ sku: 'A', qty: 2, from: 'supplier', to: 'receiving', reason: 'receipt' })).toMatchObject({ unitCost: 100, valueCost: 200 });
  });

  it('moving average: found stock comes in at the current average, and the report equals the layers', () => {
    post({ sku: 'M', qty: 4, from: 'supplier', to: 'stock', reason: 'receipt', unitCost: 40 });
    post({ sku: 'M', qty: 2, from: 'supplier', to: 'stock', reason: 'receipt', unitCost: 70 }); // 300 / 6 = 50
    const found = post({ sku: 'M', qty: 1, from: 'adjustment', to: 'stock', reason: 'count' });
    expect(found).toMatchObject({ unitCost: 50, valueCost: 50 });
    const ship = post({ sku: 'M', qty: 3, from: 'stock', to: 'customer', reason: 'shipment' });
    expect(ship.valueCost).toBe(150);
    const layers = f.db.prepare('SELECT SUM(remaining_qty) AS qty, SUM(remaining_value) AS value FROM cost_layers WHERE sku = ?').get('M');
    const row = valuationReport(f.db, { sku: 'M' }).rows[0]!;
    expect(layers).toEqual({ qty: row.qty, value: row.value });
    expect(row).toMatchObject({ qty: 4, value: 200, averageUnitCost: 50, openLayers: 1 });
    expect(checkLedger(f.db).ok).toBe(true);
  });

  it('a quantity return with a shipment reference comes back at that shipment\'s cost; restock moves no value', () => {
    post({ sku: 'A', qty: 2, from: 'supplier', to: 'stock', reason: 'receipt', unitCost: 90 });
    post({ sku: 'A', qty: 2, from: 'stock', to: 'customer', reason: 'shipment', reference: 'SO-7' });
    post({ sku: 'A', qty: 5, from: 'supplier', to: 'stock', reason: 'receipt', unitCost: 150 });
    const ret = post({ sku: 'A', qty: 1, from: 'customer', to: 'returns', reason: 'return', reference: 'SO-7' });
    expect(ret).toMatchObject({ unitCost: 90, valueCost: 90 });
    const noRef = post({ sku: 'A', qty: 1, from: 'customer', to: 'returns', reason: 'return' });
    expect(noRef.unitCost).toBe(mulDivRound(5 * 150 + 90, 1, 6)); // current average
    expect(post({ sku: 'A', qty: 2, from: 'returns', to: 'stock', reason: 'transfer' }).valueDelta).toBe(0);
    expect(checkLedger(f.db).ok).toBe(true);
  });

  it('a serial unit returns at the cost it shipped at, whatever the layers say now', () => {
    const epc = '3034257bf400b7800004cb2f';
    post({ sku: 'S', epc, from: 'supplier', to: 'stock', reason: 'receipt', unitCost: 800 });
    post({ sku: 'S', epc: '3034257bf400b7800004cb30', from: 'supplier', to: 'stock', reason: 'receipt', unitCost: 1200 });
    expect(post({ sku: 'S', epc, from: 'stock', to: 'customer', reason: 'shipment' }).valueCost).toBe(800);
    expect(getSerial(f.db, epc)).toMatchObject({ state: 'shipped', lastIssueCost: 800 });
    expect(post({ sku: 'S', epc, from: 'customer', to: 'returns', reason: 'return' })).toMatchObject({ unitCost: 800, valueCost: 800 });
    expect(valuationReport(f.db, { sku: 'S' }).rows[0]).toMatchObject({ qty: 2, value: 2000 });
    expect(checkLedger(f.db).ok).toBe(true);
  });

  it('stock issued beyond on-hand (a location allowing negative) is booked at standard cost, the next receipt books the variance', () => {
    const out = post({ sku: 'A', qty: 2, from: 'floor', to: 'customer', reason: 'shipment' });
    expect(out).toMatchObject({ unitCost: 100, valueCost: 200 });
    expect(valuationReport(f.db, { sku: 'A' }).rows[0]).toMatchObject({ qty: -2, value: -200 });
    const rec = post({ sku: 'A', qty: 3, from: 'supplier', to: 'floor', reason: 'receipt', unitCost: 110 });
    expect(rec).toMatchObject({ valueCost: 330, valueDelta: 200 + 110, valueVariance: 20 });
    expect(valuationReport(f.db, { sku: 'A' }).rows[0]).toMatchObject({ qty: 1, value: 110 });
    expect(checkLedger(f.db).ok).toBe(true);
  });
});
