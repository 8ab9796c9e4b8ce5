// Returns through the real hub: back at their original cost into a returns location, inspected to stock or scrap,
// and reported when they wait too long.
import { afterEach, describe, expect, it } from 'vitest';
import { ageOnHand } from './returns.js';
import { gtin, items, pass, scan, sgtinEpc, startScenario, type Scenario } from '../variances/scenario-support.js';

const H = 3_600_000;

describe('returns', () => {
  let s: Scenario | undefined;
  afterEach(async () => {
    await s?.stop();
    s = undefined;
  });

  it('ages on-hand units by their newest arrivals (units leave oldest first)', () => {
    expect(ageOnHand(5, [{ qty: 2, atMs: 10 * H }, { qty: 4, atMs: 2 * H }], 12 * H)).toEqual([
      { qty: 2, since: 10 * H, ageHours: 2 },
      { qty: 3, since: 2 * H, ageHours: 10 },
    ]);
    expect(ageOnHand(3, [{ qty: 1, atMs: 5 * H }], 6 * H)).toEqual([{ qty: 1, since: 5 * H, ageHours: 1 }, { qty: 2, since: 0, ageHours: 6 }]);
  });

  it('restocks at the original cost and writes off with the expense booked; waiting too long is reported', async () => {
    let now = Date.now();
    s = await startScenario(undefined, () => now);
    await items(s, [{ sku: 'RS', tracking: 'serial', gtin: gtin(71), standardCost: 1000 }, { sku: 'RQ', tracking: 'quantity', gtin: gtin(72), standardCost: 50, costMethod: 'moving_average' }]);
    const [r1, r2] = [1, 2].map((n) => sgtinEpc(gtin(71), n)) as [string, string];
    await s.api('POST', '/api/v1/receipts', { po: 'PO-R', lines: [{ sku: 'RS', qty: 2, unitCost: 1200, epcs: [r1, r2] }] });
    await s.api('POST', '/api/v1/receipts/PO-R/open', { door: 'door-1' });
    await s.send(pass('door-1', r1), pass('door-1', r2));
    const receive = (key: string, qty: number, unitCost: number) => s!.api('POST', '/api/v1/moves', { sku: 'RQ', qty, from: 'supplier', to: 'stock', reason: 'receipt', unitCost, note: 'in' }, { 'idempotency-key': key });
    await receive('q1', 10, 60);
    await receive('q2', 10, 90); // average 75
    await s.api('POST', '/api/v1/shipments', { id: 'SH-R', lines: [{ sku: 'RQ', qty: 4 }, { sku: 'RS', qty: 1 }] });
    await s.api('POST', '/api/v1/shipments/SH-R/open', { door: 'door-2' });
    await s.send(pass('door-2', r1, 'out'), scan('door-2', { gtin: gtin(72), qty: 4 }));
    const shipped = (await s.api('GET', '/api/v1/moves?reference=SH-R')).body.moves;
    expect(shipped.map((m: { sku: string; valueCost: number }) => [m.sku, m.valueCost])).toEqual([['RS', 1200], ['RQ', 300]]);
    await receive('q3', 4, 150); // average now (1200 + 600) / 20 = 90

    // Back through the returns door (serial) and at a station (quantity, against the shipment): at their original cost.
    await s.send(pass('door-3', r1, 'in'));
    const ret = await s.api('POST', '/api/v1/returns', { sku: 'RQ', qty: 2, reference: 'SH-R', note: 'customer return' }, { 'idempotency-key': 'ret-1' });
    expect(ret.status, JSON.stringify(ret.body)).toBe(201);
    expect(ret.body).toMatchObject({ from: 'customer', to: 'returns', reason: 'return', unitCost: 75, valueCost: 150 });
    const serialReturn = (await s.api('GET', `/api/v1/moves?epc=${r1}`)).body.moves.at(-1);
    expect(serialReturn).toMatchObject({ from: 'customer', to: 'returns', unitCost: 1200, valueCost: 1200 });
    const stockRS = (await s.api('GET', '/api/v1/stock?sku=RS')).body.stock[0];
    expect(stockRS).toMatchObject({ onHand: 2, sellableOnHand: 0, available: 0 }); // returns are not sellable (r2 is in receiving)

    // Inspection: r1 restocked (value kept), 2 RQ written off at the moving average (1950 / 22 per unit).
    const restock = await s.api('POST', '/api/v1/returns/inspections', { epc: r1, disposition: 'restock', note: 'sealed' }, { 'idempotency-key': 'i-1' });
    expect(restock.body).toMatchObject({ from: 'returns', to: 'stock', valueCost: 0, valueDelta: 0 });
    expect((await s.api('GET', '/api/v1/valuation?sku=RS')).body.rows[0]).toMatchObject({ qty: 2, value: 2400 });
    const scrap = await s.api('POST', '/api/v1/returns/inspections', { sku: 'RQ', qty: 2, disposition: 'scrap', note: 'broken' }, { 'idempotency-key': 'i-2' });
    expect(scrap.body).toMatchObject({ from: 'returns', to: 'scrap', reason: 'scrap', valueCost: Math.round((1950 * 2) / 22), valueDelta: -177 });
    expect((await s.api('POST', '/api/v1/returns/inspections', { sku: 'RQ', qty: 2, disposition: 'scrap', note: 'broken' }, { 'idempotency-key': 'i-2' })).status).toBe(200);

    // One more return waits; 73 hours later it is overdue (default 72 h).
    await s.api('POST', '/api/v1/returns', { sku: 'RQ', qty: 1, reference: 'SH-R' }, { 'idempotency-key': 'ret-2' });
    let waiting = (await s.api('GET', '/api/v1/returns/waiting')).body;
    expect(waiting).toMatchObject({ maxWaitHours: 72, overdue: 0, units: [{ location: 'returns', sku: 'RQ', qty: 1, overdue: false }] });
    now += 73 * H;
    waiting = (await s.api('GET', '/api/v1/returns/waiting')).body;
    expect(waiting).toMatchObject({ overdue: 1, units: [{ sku: 'RQ', qty: 1, ageHours: 73, overdue: true }] });

    // Bad input: nothing changes.
    const before = s.snapshot();
    const cases: Array<[unknown, number, RegExp]> = [
      [{ sku: 'RQ', qty: -1, disposition: 'scrap', note: 'x' }, 400, /qty must be >= 1/],
      [{ sku: 'RQ', qty: 1, from: 'stock', disposition: 'scrap', note: 'x' }, 400, /location stock is a stock location, not a returns location/],
      [{ sku: 'RQ', qty: 5, disposition: 'restock', note: 'x' }, 409, /returns holds 1 of RQ/],
      [{ epc: r2, disposition: 'restock', note: 'x' }, 400, /location receiving is a receiving location, not a returns location/],
    ];
    for (const [body, status, message] of cases) {
      const r = await s.api('POST', '/api/v1/returns/inspections', body, { 'idempotency-key': `bad-${status}-${JSON.stringify(body).length}` });
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      expect(r.body.message).toMatch(message);
    }
    expect(s.snapshot()).toBe(before);
  });
});
