// Strict REST bodies against a real hub: no coercion of body types, null only where nullable, NUL bytes and numbers
// beyond 2^53 refused with a 4xx naming the field; nothing written after a 4xx. Querystrings keep their coercion.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../testing/harness.js';

describe('strict request bodies', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub();
  });
  afterAll(() => t.stop());

  const send = async (method: string, path: string, body: string, type = 'application/json') => {
    const res = await fetch(t.hub.url + path, { method, headers: { 'content-type': type }, body });
    return { status: res.status, body: (await res.json()) as { field?: string; message?: string; standardCost?: number } };
  };
  const audits = () => t.hub.db.prepare('SELECT COUNT(*) FROM audit_log').pluck().get() as number;

  it('refuses coerced, null, NUL and out-of-range values with a 4xx naming the field, and writes nothing', async () => {
    expect((await send('POST', '/api/v1/items', JSON.stringify({ sku: 'A', name: 'A', tracking: 'quantity', standardCost: 500 }))).status).toBe(201);
    const before = audits();
    const cases: Array<[string, string, string]> = [
      ['PATCH', '/api/v1/items/A', '{"standardCost": null}'],
      ['PATCH', '/api/v1/items/A', '{"standardCost": "5"}'],
      ['PATCH', '/api/v1/items/A', '{"standardCost": true}'],
      ['PATCH', '/api/v1/items/A', '{"standardCost": 1e308}'],
      ['PATCH', '/api/v1/items/A', '{"name": "bad\\u0000name"}'],
      ['POST', '/api/v1/items', '{"sku": "B", "name": "B", "tracking": "quantity", "standardCost": [5]}'],
    ];
    for (const [method, path, body] of cases) {
      const r = await send(method, path, body);
      expect(r.status, `${method} ${path} ${body}`).toBe(400);
      expect(r.body.field, body).toMatch(/standardCost|name/);
    }
    expect(audits()).toBe(before);
    const item = await (await fetch(`${t.hub.url}/api/v1/items/A`)).json();
    expect(item).toMatchObject({ standardCost: 500, name: 'A' });
  });

  it('refuses a field the body schema does not name (a misspelt gtins), naming it, and creates nothing', async () => {
    const r = await send('POST', '/api/v1/items', JSON.stringify({ sku: 'G', name: 'G', tracking: 'serial', gtin: ['09506000134352'] }));
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ field: 'gtin', message: 'body has a field it does not know: gtin' });
    expect((await fetch(`${t.hub.url}/api/v1/items/G`)).status).toBe(404);
  });

  it('refuses a value outside an enum naming the allowed values (location kind, move reason); a kind filter matches nothing unknown', async () => {
    const r = await send('POST', '/api/v1/locations', JSON.stringify({ id: 'shelf-1', name: 'Shelf', kind: 'shelf' }));
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({
      field: 'kind',
      message: 'body/kind must be one of door, receiving, stock, zone, returns, quarantine, supplier, customer, adjustment, scrap, transit',
    });
    expect((await fetch(`${t.hub.url}/api/v1/locations/shelf-1`)).status).toBe(404);
    const moves = await fetch(`${t.hub.url}/api/v1/moves?reason=theft`);
    expect(moves.status).toBe(400);
    expect(((await moves.json()) as { message: string }).message).toBe(
      'querystring/reason must be one of receipt, shipment, transfer, return, adjustment, count, scrap',
    );
    const none = await fetch(`${t.hub.url}/api/v1/locations?kind=shelf`);
    expect(none.status).toBe(200);
    expect(await none.json()).toEqual({ locations: [] });
  });

  it('answers an empty or JSON body to the CSV import with a 4xx', async () => {
    expect((await fetch(`${t.hub.url}/api/v1/items/import`, { method: 'POST', headers: { 'content-type': 'application/json' } })).status).toBeLessThan(500);
    expect((await fetch(`${t.hub.url}/api/v1/items/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(415);
    expect((await fetch(`${t.hub.url}/api/v1/items/import`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: '' })).status).toBeLessThan(500);
  });

  it('keeps querystring coercion', async () => {
    expect((await fetch(`${t.hub.url}/api/v1/dead-letters?limit=5&open=true`)).status).toBe(200);
    expect((await fetch(`${t.hub.url}/api/v1/dead-letters?limit=five`)).status).toBe(400);
  });
});
