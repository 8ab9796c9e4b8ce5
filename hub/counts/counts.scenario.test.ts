// Cycle and baseline counts through the real hub, while receiving goes on at the door.
import { afterEach, describe, expect, it } from 'vitest';
import { BASE_SITE_YAML } from '../testing/harness.js';
import { gtin, items, pass, scan, sgtinEpc, startScenario, type Scenario } from '../variances/scenario-support.js';

const YAML = `${BASE_SITE_YAML}
  - { id: door-4, mode: count, gateway: gw-1, location: dock-1 }
counts:
  tolerances: { c: { pct: 10, abs: 1 } }
`;

describe('counts through the hub', () => {
  let s: Scenario | undefined;
  afterEach(async () => {
    await s?.stop();
    s = undefined;
  });

  const onHand = async (sku: string, location: string): Promise<number> =>
    (await s!.api('GET', `/api/v1/stock?sku=${sku}`)).body.stock[0]?.locations.find((l: { location: string }) => l.location === location)?.onHand ?? 0;

  it('a count during ongoing receiving posts only the true difference', async () => {
    s = await startScenario(YAML);
    await items(s, [{ sku: 'CS', tracking: 'serial', gtin: gtin(61), standardCost: 500 }, { sku: 'CQ', tracking: 'quantity', gtin: gtin(62), standardCost: 20 }]);
    const e = [0, 1, 2, 3, 4, 5, 6].map((n) => sgtinEpc(gtin(61), n));
    await s.send(pass('door-1', e[1]!), pass('door-1', e[2]!), pass('door-1', e[3]!), scan('door-1', { gtin: gtin(62), qty: 10 }));

    const started = await s.api('POST', '/api/v1/counts', { location: 'receiving', zone: 'door-4' });
    expect(started.status).toBe(201);
    const id = started.body.id as number;
    // Counted: e1 by REST, e2 through the count portal (read twice), e6 already on the floor but not yet on the books,
    // 9 of CQ by a handheld in count mode (one carton of 10 is short); e3 is gone.
    expect((await s.api('POST', `/api/v1/counts/${id}/lines`, { lines: [{ epc: e[1] }, { epc: e[6] }] })).body).toMatchObject({ added: 2, repeated: 0 });
    await s.send(pass('door-4', e[2]!), pass('door-4', e[2]!), scan(undefined, { gtin: gtin(62), qty: 9, context: { mode: 'count' } }));
    // Receiving goes on: e4, e5 and e6 arrive and 24 CQ, all after they (or the shelf) were counted.
    await s.send(pass('door-1', e[4]!), pass('door-1', e[5]!), pass('door-1', e[6]!), scan('door-1', { gtin: gtin(62), qty: 24 }));
    expect(await onHand('CS', 'receiving')).toBe(6);
    expect(await onHand('CQ', 'receiving')).toBe(34);

    const closed = await s.api('POST', `/api/v1/counts/${id}/close`);
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    expect(closed.body.moves.map((m: { sku: string; qty: number; from: string; to: string; epc: string | null; reason: string }) => [m.sku, m.qty, m.from, m.to, m.epc, m.reason])).toEqual([
      ['CQ', 1, 'receiving', 'adjustment', null, 'count'],
      ['CS', 1, 'receiving', 'adjustment', e[3], 'count'],
    ]);
    expect(closed.body.count.results).toEqual([
      { sku: 'CQ', book: 10, counted: 9, difference: -1, withinTolerance: true, posted: true, variance: null },
      { sku: 'CS', book: 4, counted: 3, difference: -1, withinTolerance: true, posted: true, variance: null },
    ]);
    expect(closed.body.variances).toEqual([]);
    expect(await onHand('CS', 'receiving')).toBe(5);
    expect(await onHand('CQ', 'receiving')).toBe(33);

    // Closing twice is refused and changes nothing.
    const before = s.snapshot();
    const twice = await s.api('POST', `/api/v1/counts/${id}/close`);
    expect(twice.status).toBe(409);
    expect(twice.body.message).toMatch(/count \d+ was closed .* closes once/);
    expect(s.snapshot()).toBe(before);
  });

  it('holds a difference beyond tolerance on a count_difference variance whose acceptance posts it; refuses negative counts', async () => {
    s = await startScenario(YAML);
    await items(s, [{ sku: 'CQ', tracking: 'quantity', gtin: gtin(62), standardCost: 20 }]);
    await s.send(scan('door-1', { gtin: gtin(62), qty: 30 }));
    const id = (await s.api('POST', '/api/v1/counts', { location: 'receiving', skus: ['CQ'] })).body.id as number;
    const before = s.snapshot();
    const negative = await s.api('POST', `/api/v1/counts/${id}/lines`, { lines: [{ sku: 'CQ', qty: 5 }, { sku: 'CQ', qty: -2 }] });
    expect(negative.status).toBe(400);
    expect(negative.body.message).toMatch(/lines\/1\/qty must be >= 0/);
    const unknown = await s.api('POST', `/api/v1/counts/${id}/lines`, { lines: [{ sku: 'CQ', qty: 5 }, { sku: 'NOPE', qty: 2 }] });
    expect([unknown.status, unknown.body.message]).toEqual([404, 'lines[1].sku: unknown item "NOPE"']);
    expect(s.snapshot()).toBe(before);

    await s.api('POST', `/api/v1/counts/${id}/lines`, { lines: [{ sku: 'CQ', qty: 20 }] });
    const closed = await s.api('POST', `/api/v1/counts/${id}/close`);
    expect(closed.body.moves).toEqual([]);
    const [v] = closed.body.variances;
    expect(v).toMatchObject({ type: 'count_difference', sku: 'CQ', expected: 30, actual: 20, reference: `count:${id}` });
    expect(await onHand('CQ', 'receiving')).toBe(30);
    const accepted = await s.api('POST', `/api/v1/variances/${v.id}/resolve`, { action: 'accept', reason: 'recounted: 20' });
    expect(accepted.body.moves).toMatchObject([{ sku: 'CQ', qty: 10, from: 'receiving', to: 'adjustment', reason: 'count' }]);
    expect(await onHand('CQ', 'receiving')).toBe(20);
  });

  it('a baseline count sets opening balances, and is refused while moves still flow into the location unless forced', async () => {
    s = await startScenario(YAML);
    await items(s, [{ sku: 'CQ', tracking: 'quantity', gtin: gtin(62), standardCost: 20 }, { sku: 'CS', tracking: 'serial', gtin: gtin(61), standardCost: 500 }]);
    await s.send(scan('door-1', { gtin: gtin(62), qty: 5 }));
    const refused = await s.api('POST', '/api/v1/counts', { location: 'receiving', baseline: true });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/receiving had 1 move\(s\) in the last 15 minutes .* moves are still flowing/);
    expect((await s.api('POST', '/api/v1/counts', { location: 'receiving', baseline: true, force: true })).body).toMatchObject({ baseline: true, forced: true });

    const id = (await s.api('POST', '/api/v1/counts', { location: 'stock', baseline: true })).body.id as number;
    const csv = `sku,epc,qty,unit_cost\nCQ,,50,70\n,${sgtinEpc(gtin(61), 1)},,450\n,${sgtinEpc(gtin(61), 2)},,450\n`;
    expect((await s.api('POST', `/api/v1/counts/${id}/import`, csv)).body).toMatchObject({ added: 3 });
    const closed = await s.api('POST', `/api/v1/counts/${id}/close`);
    expect(closed.body.count.results.map((r: { sku: string; book: number; counted: number; posted: boolean }) => [r.sku, r.book, r.counted, r.posted])).toEqual([['CQ', 0, 50, true], ['CS', 0, 2, true]]);
    expect(await onHand('CQ', 'stock')).toBe(50);
    expect(await onHand('CS', 'stock')).toBe(2);
    const valuation = (await s.api('GET', '/api/v1/valuation')).body.rows;
    expect(valuation.find((r: { sku: string }) => r.sku === 'CQ')).toMatchObject({ qty: 55, value: 5 * 20 + 50 * 70 });
    expect(valuation.find((r: { sku: string }) => r.sku === 'CS')).toMatchObject({ qty: 2, value: 900 });
    const badCsv = await s.api('POST', `/api/v1/counts/${(await s.api('GET', '/api/v1/counts?status=open')).body.counts[0].id}/import`, 'sku,qty\nCQ,-4\n');
    expect([badCsv.status, badCsv.body.message]).toEqual([400, 'row 2.qty: must be a whole number of at least 0, got "-4"']);
  });

  it('proposes what to count next by ABC class', async () => {
    s = await startScenario(YAML);
    await items(s, [{ sku: 'A1', tracking: 'quantity', abcClass: 'A' }, { sku: 'C1', tracking: 'quantity', abcClass: 'C' }]);
    const id = (await s.api('POST', '/api/v1/counts', { location: 'stock', skus: ['C1'] })).body.id as number;
    await s.api('POST', `/api/v1/counts/${id}/lines`, { lines: [{ sku: 'C1', qty: 0 }] });
    await s.api('POST', `/api/v1/counts/${id}/close`);
    const sched = (await s.api('GET', '/api/v1/counts/schedule')).body.items;
    expect(sched.map((i: { sku: string; abcClass: string; due: boolean }) => [i.sku, i.abcClass, i.due])).toEqual([['A1', 'A', true], ['C1', 'C', false]]);
  });
});
