// Receiving through the real hub: events in over MQTT from a gateway client, results out over REST.
import { afterEach, describe, expect, it } from 'vitest';
import { gtin, items, pass, scan, sscc, sgtinEpc, ssccEpc, startScenario, type Scenario } from '../variances/scenario-support.js';

const onHand = async (s: Scenario, sku: string, location: string): Promise<number> => {
  const r = await s.api('GET', `/api/v1/stock?sku=${sku}`);
  return r.body.stock[0]?.locations.find((l: { location: string }) => l.location === location)?.onHand ?? 0;
};

describe('expected receipts through the hub', () => {
  let s: Scenario | undefined;
  afterEach(async () => {
    await s?.stop();
    s = undefined;
  });

  it('a truck of 3 pallets against an ASN with one carton missing and one extra SKU raises exactly those variances while the pallets pass', async () => {
    s = await startScenario();
    await items(s, [
      { sku: 'P1', tracking: 'serial', gtin: gtin(1) },
      { sku: 'P2', tracking: 'serial', gtin: gtin(2) },
      { sku: 'P3', tracking: 'serial', gtin: gtin(3) },
      { sku: 'X', tracking: 'serial', gtin: gtin(9) },
    ]);
    const cartons = (g: string, from: number, n: number) => Array.from({ length: n }, (_, i) => sgtinEpc(g, from + i));
    const p1 = cartons(gtin(1), 100, 4);
    const p2 = cartons(gtin(2), 200, 4);
    const p3 = cartons(gtin(3), 300, 4);
    const created = await s.api('POST', '/api/v1/receipts', {
      po: 'ASN-100',
      kind: 'asn',
      supplier: 'acme',
      lines: [
        { sku: 'P1', qty: 4, unitCost: 1200, epcs: p1 },
        { sku: 'P2', qty: 4, unitCost: 800, epcs: p2 },
        { sku: 'P3', qty: 4, unitCost: 500, epcs: p3 },
      ],
    });
    expect(created.status).toBe(201);
    expect((await s.api('POST', '/api/v1/receipts/ASN-100/open', { door: 'door-1' })).body).toMatchObject({ status: 'open', door: 'door-1' });

    // Pallet 1: its 4 cartons. Pallet 2: its 4 cartons, one carton of X, and pallet 1's cartons read again.
    await s.send(...p1.map((e) => pass('door-1', e)));
    await s.send(...p2.map((e) => pass('door-1', e)), pass('door-1', sgtinEpc(gtin(9), 900)), ...p1.slice(0, 2).map((e) => pass('door-1', e)));
    // Raised live, while the truck is still at the door:
    const live = (await s.api('GET', '/api/v1/variances?reference=ASN-100')).body.variances;
    expect(live.map((v: { type: string; sku: string; status: string }) => [v.type, v.sku, v.status])).toEqual([['unexpected_item', 'X', 'open']]);
    // Pallet 3: only 3 of its 4 cartons.
    await s.send(...p3.slice(0, 3).map((e) => pass('door-1', e)));

    const closed = await s.api('POST', '/api/v1/receipts/ASN-100/close');
    expect(closed.status).toBe(200);
    expect(closed.body.variances.map((v: { type: string; sku: string; expected: number; actual: number }) => [v.type, v.sku, v.expected, v.actual])).toEqual([['short', 'P3', 4, 3]]);
    expect(closed.body.receipt.lines.map((l: { sku: string; received: number; status: string }) => [l.sku, l.received, l.status])).toEqual([['P1', 4, 'complete'], ['P2', 4, 'complete'], ['P3', 3, 'short']]);
    const all = (await s.api('GET', '/api/v1/variances?reference=ASN-100')).body.variances;
    expect(all.map((v: { type: string; sku: string }) => `${v.type}:${v.sku}`)).toEqual(['unexpected_item:X', 'short:P3']);
    expect((await s.api('GET', '/api/v1/variances')).body.variances).toHaveLength(2);

    // Received at the PO's cost; the extra carton is held, not received.
    expect(await onHand(s, 'P1', 'receiving')).toBe(4);
    expect(await onHand(s, 'P3', 'receiving')).toBe(3);
    expect(await onHand(s, 'X', 'receiving')).toBe(0);
    const moves = (await s.api('GET', '/api/v1/moves?reference=ASN-100&sku=P1')).body.moves;
    expect(moves.map((m: { unitCost: number }) => m.unitCost)).toEqual([1200, 1200, 1200, 1200]);

    // Accepting the unexpected item receives it; resolving it again is refused and changes nothing.
    const unexpected = all[0];
    const accepted = await s.api('POST', `/api/v1/variances/${unexpected.id}/resolve`, { action: 'accept', reason: 'buyer agreed to keep it' });
    expect(accepted.status).toBe(200);
    expect(accepted.body.variance).toMatchObject({ status: 'accepted', resolvedBy: 'api:anonymous', resolutionReason: 'buyer agreed to keep it' });
    expect(accepted.body.moves).toMatchObject([{ sku: 'X', from: 'supplier', to: 'receiving', reference: 'ASN-100' }]);
    expect(await onHand(s, 'X', 'receiving')).toBe(1);
    const before = s.snapshot();
    const again = await s.api('POST', `/api/v1/variances/${unexpected.id}/resolve`, { action: 'dismiss', reason: 'oops' });
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/already accepted.*resolved once/);
    expect(s.snapshot()).toBe(before);
  });

  it('an SSCC-tagged pallet with declared contents receives each unit once, even when its cartons are read too', async () => {
    s = await startScenario();
    await items(s, [
      { sku: 'S1', tracking: 'serial', gtin: gtin(11) },
      { sku: 'Q1', tracking: 'quantity', gtin: gtin(12) },
    ]);
    const units = [1, 2, 3].map((n) => sgtinEpc(gtin(11), n));
    const pallet = sscc(77);
    const r = await s.api('POST', '/api/v1/receipts', {
      po: 'ASN-200',
      kind: 'asn',
      lines: [{ sku: 'S1', qty: 3, unitCost: 1000 }, { gtin: gtin(12), qty: 24, unitCost: 50 }],
      pallets: [{ sscc: pallet, contents: [{ sku: 'S1', qty: 3, epcs: units }, { sku: 'Q1', qty: 24 }] }],
    });
    expect(r.status).toBe(201);
    // Opened by scanning the PO barcode at the door's scanner.
    await s.send(scan('door-1', { codeType: 'purchase_order', raw: 'ASN-200' }));
    expect((await s.api('GET', '/api/v1/receipts/ASN-200')).body).toMatchObject({ status: 'open', door: 'door-1' });

    await s.send(pass('door-1', units[0]!)); // a carton read before the pallet tag
    await s.send(pass('door-1', ssccEpc(pallet)));
    await s.send(pass('door-1', units[1]!), pass('door-1', units[2]!), pass('door-1', ssccEpc(pallet))); // cartons and the pallet again
    await s.send(scan('door-1', { gtin: gtin(12), qty: 12 })); // a carton of Q1 off the received pallet

    expect(await onHand(s, 'S1', 'receiving')).toBe(3);
    expect(await onHand(s, 'Q1', 'receiving')).toBe(24);
    for (const e of units) expect((await s.api('GET', `/api/v1/moves?epc=${e}`)).body.moves).toHaveLength(1);
    const closed = await s.api('POST', '/api/v1/receipts/ASN-200/close');
    expect(closed.body.variances).toEqual([]);
    expect(closed.body.receipt.lines.map((l: { received: number; status: string }) => [l.received, l.status])).toEqual([[3, 'complete'], [24, 'complete']]);
    expect(closed.body.receipt.pallets[0].receivedAt).not.toBeNull();
    expect((await s.api('GET', '/api/v1/variances')).body.variances).toEqual([]);
  });

  it('receives up to the tolerance (item override), holds the rest on an over variance whose acceptance receives it', async () => {
    s = await startScenario();
    await items(s, [{ sku: 'Q2', tracking: 'quantity', gtin: gtin(21) }]);
    expect((await s.api('PUT', '/api/v1/receiving/tolerances/Q2', { overPct: 10 })).status).toBe(200);
    await s.api('POST', '/api/v1/receipts', { po: 'PO-300', lines: [{ sku: 'Q2', qty: 10, unitCost: 70 }] });
    // Opened by the scanner's purchase_order context on the first carton.
    await s.send(scan('door-1', { gtin: gtin(21), qty: 8, context: { purchase_order: 'PO-300' } }));
    await s.send(scan('door-1', { gtin: gtin(21), qty: 5 }));
    const receipt = (await s.api('GET', '/api/v1/receipts/PO-300')).body;
    expect(receipt.lines[0]).toMatchObject({ expected: 10, received: 11, held: 2, maxReceivable: 11, tolerance: { overPct: 10 } });
    const [over] = (await s.api('GET', '/api/v1/variances?type=over')).body.variances;
    expect(over).toMatchObject({ sku: 'Q2', expected: 10, actual: 13, reference: 'PO-300', door: 'door-1' });
    expect(over.evidence).toHaveLength(1);
    await s.api('POST', `/api/v1/variances/${over.id}/resolve`, { action: 'accept', reason: 'take all' });
    expect(await onHand(s, 'Q2', 'receiving')).toBe(13);
    const closed = await s.api('POST', '/api/v1/receipts/PO-300/close');
    expect(closed.body.receipt.lines[0]).toMatchObject({ received: 13, status: 'over' });
    expect(closed.body.variances).toEqual([]);
    const valuation = (await s.api('GET', '/api/v1/valuation?sku=Q2')).body;
    expect(valuation.rows[0]).toMatchObject({ qty: 13, value: 13 * 70 });
  });

  it('imports receipts from CSV, all or nothing, naming bad rows', async () => {
    s = await startScenario();
    await items(s, [{ sku: 'Q3', tracking: 'quantity', gtin: gtin(31) }, { sku: 'S3', tracking: 'serial', gtin: gtin(32) }]);
    const good = `po,kind,supplier,sku,qty,unit_cost,sscc,epcs\nPO-1,po,acme,Q3,5,10,,\nPO-1,po,acme,Q3,7,10,,\nPO-2,asn,acme,S3,2,99,${sscc(5)},${sgtinEpc(gtin(32), 1)};${sgtinEpc(gtin(32), 2)}\n`;
    const r = await s.api('POST', '/api/v1/receipts/import', good);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual({ created: ['PO-1', 'PO-2'], existing: [] });
    expect((await s.api('GET', '/api/v1/receipts/PO-1')).body.lines[0]).toMatchObject({ sku: 'Q3', expected: 12, unitCost: 10 });
    expect((await s.api('GET', '/api/v1/receipts/PO-2')).body.pallets[0]).toMatchObject({ sscc: sscc(5), contents: [{ sku: 'S3', qty: 2 }] });
    expect((await s.api('POST', '/api/v1/receipts/import', good)).body).toEqual({ created: [], existing: ['PO-1', 'PO-2'] });

    const before = s.snapshot();
    const bad = await s.api('POST', '/api/v1/receipts/import', 'po,sku,qty\nPO-9,Q3,4\nPO-9,Q3,-3\nPO-10,NOPE,1\n');
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ row: 3, column: 'qty', message: 'qty must be a whole number of at least 1, got "-3"' }]);
    const bad2 = await s.api('POST', '/api/v1/receipts/import', 'po,sku,qty\nPO-9,Q3,4\nPO-10,NOPE,1\n');
    expect(bad2.status).toBe(400);
    expect(bad2.body.errors[0]).toMatchObject({ row: 3, column: 'lines[0].sku' });
    expect(bad2.body.errors[0].message).toMatch(/PO-10: lines\[0\]\.sku: unknown item "NOPE"/);
    expect(s.snapshot()).toBe(before);
    expect((await s.api('GET', '/api/v1/receipts/PO-9')).status).toBe(404);
  });

  it('answers bad input with a 4xx naming what was wrong, and changes nothing', async () => {
    s = await startScenario();
    await items(s, [{ sku: 'Q4', tracking: 'quantity', gtin: gtin(41) }]);
    const body = { po: 'PO-400', lines: [{ sku: 'Q4', qty: 3 }] };
    expect((await s.api('POST', '/api/v1/receipts', body)).status).toBe(201);
    expect((await s.api('POST', '/api/v1/receipts', body)).status).toBe(200); // idempotent by the PO number
    const before = s.snapshot();
    const cases: Array<[string, string, unknown, number, RegExp]> = [
      ['POST', '/api/v1/receipts', { po: 'PO-400', lines: [{ sku: 'Q4', qty: 4 }] }, 409, /PO-400 already exists with different content/],
      ['POST', '/api/v1/receipts', { po: 'PO-401', lines: [{ sku: 'Q4', qty: -3 }] }, 400, /lines\/0\/qty must be >= 1/],
      ['POST', '/api/v1/receipts', { po: 'PO-401', lines: [{ sku: 'NOPE', qty: 3 }] }, 400, /lines\[0\]\.sku: unknown item "NOPE"/],
      ['POST', '/api/v1/receipts', { po: 'PO-401', lines: [{ sku: 'Q4', qty: 1 }, { sku: 'Q4', qty: 2 }] }, 400, /already on lines\[0\]: one line per SKU/],
      ['POST', '/api/v1/receipts/PO-999/open', { door: 'door-1' }, 404, /receipt "PO-999" does not exist/],
      ['POST', '/api/v1/receipts/PO-999/close', undefined, 404, /receipt "PO-999" does not exist/],
      ['POST', '/api/v1/receipts/PO-400/open', { door: 'door-2' }, 409, /door-2 is in shipping mode/],
      ['POST', '/api/v1/receipts/PO-400/open', { door: 'door-9' }, 404, /door "door-9" is not configured/],
      ['POST', '/api/v1/variances/99/resolve', { action: 'accept', reason: 'x' }, 404, /variance 99 does not exist/],
    ];
    for (const [method, path, b, status, message] of cases) {
      const r = await s.api(method, path, b);
      expect([path, r.status], JSON.stringify(r.body)).toEqual([path, status]);
      expect(r.body.message).toMatch(message);
    }
    expect(s.snapshot()).toBe(before);
    expect((await s.api('POST', '/api/v1/receipts/PO-400/close')).status).toBe(200);
    const closedState = s.snapshot();
    const twice = await s.api('POST', '/api/v1/receipts/PO-400/close');
    expect(twice.status).toBe(409);
    expect(twice.body.message).toMatch(/already closed .* closing twice changes nothing/);
    expect(s.snapshot()).toBe(closedState);
  });
});
