// Every POST that is idempotent by a key (the Idempotency-Key header, or the PO / shipment number in the body), over
// real HTTP on a real hub: a retry with the same key and the same body (fields in another order, optional fields left
// out again, an hour later, after the units moved on) answers the original result; another body under the same key is
// a 409 naming the key, and changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubModules } from '../modules.js';
import { KEEP_DAYS } from './idempotency.js';
import { call, epc } from '../status/test-support.js';
import { startTestHub, type TestHub } from '../testing/harness.js';

const HOUR = 3_600_000;

describe('idempotent POSTs: same key and body answer the original result, another body is 409', () => {
  let t: TestHub;
  let now = Date.parse('2026-03-02T08:00:00Z');
  const api = (method: string, path: string, body?: unknown, key?: string) =>
    call<Record<string, unknown>>(t.hub.url, method, path, { body, ...(key ? { headers: { 'idempotency-key': key } } : {}) });
  const moveCount = async () => ((await api('GET', '/api/v1/moves?limit=1000')).body.moves as unknown[]).length;
  const reordered = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).reverse());

  /** The original, a retry an hour later (reordered), a retry after `between`, then another body: 409 naming the key. */
  async function checkRoute(path: string, key: string, body: Record<string, unknown>, other: Record<string, unknown>, between?: () => Promise<void>) {
    const first = await api('POST', path, body, key);
    expect(first.status, JSON.stringify(first.body)).toBeLessThan(300);
    now += HOUR;
    const retry = await api('POST', path, reordered(body), key);
    expect(retry.status, JSON.stringify(retry.body)).toBe(200);
    expect(retry.body).toEqual(first.body);
    if (between) {
      await between();
      const later = await api('POST', path, body, key);
      expect(later.status, JSON.stringify(later.body)).toBe(200);
      expect(later.body).toEqual(first.body);
    }
    const moves = await moveCount();
    const conflict = await api('POST', path, other, key);
    expect(conflict.status, JSON.stringify(conflict.body)).toBe(409);
    expect(conflict.body).toMatchObject({ field: 'idempotency-key' });
    expect(conflict.body.message).toContain(JSON.stringify(key));
    expect(await moveCount()).toBe(moves);
    return first.body;
  }

  beforeAll(async () => {
    t = await startTestHub({ modulesFor: hubModules, clock: () => now });
    expect((await api('POST', '/api/v1/items', { sku: 'Q', name: 'Q', tracking: 'quantity', standardCost: 100 })).status).toBe(201);
    expect((await api('POST', '/api/v1/items', { sku: 'S', name: 'S', tracking: 'serial', standardCost: 500 })).status).toBe(201);
    expect((await api('POST', '/api/v1/moves', { sku: 'Q', qty: 50, from: 'adjustment', to: 'stock', reason: 'adjustment', note: 'opening' }, 'open-q')).status).toBe(201);
    for (const s of ['1', '2', '3']) {
      const r = await api('POST', '/api/v1/moves', { sku: 'S', qty: 1, epc: epc(s), from: 'adjustment', to: 'receiving', reason: 'adjustment', note: 'opening' }, `open-${s}`);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    }
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('POST /api/v1/moves (occurredAt left out: the retry keeps the first time)', async () => {
    const original = await checkRoute('/api/v1/moves', 'mv-1', { sku: 'Q', qty: 2, from: 'stock', to: 'receiving', reason: 'transfer', note: 'restage' }, { sku: 'Q', qty: 3, from: 'stock', to: 'receiving', reason: 'transfer', note: 'restage' });
    expect(original.occurredAt).toBe('2026-03-02T08:00:00.000Z');
  });

  it('POST /api/v1/putaway (the original counts, even after the units moved on; another location under the key is refused)', async () => {
    const original = await checkRoute(
      '/api/v1/putaway', 'pa-1',
      { to: 'stock', units: [{ epc: epc('1') }, { epc: epc('2') }] },
      { to: 'returns', units: [{ epc: epc('1') }, { epc: epc('2') }] },
      async () => {
        expect((await api('POST', '/api/v1/moves', { sku: 'S', qty: 1, epc: epc('1'), from: 'stock', to: 'receiving', reason: 'transfer', note: 'back' }, 'back-1')).status).toBe(201);
      },
    );
    expect(original).toMatchObject({ created: 2, replayed: 0, alreadyThere: [] });
    // Other units under the same key are another request too: nothing moved.
    expect((await api('POST', '/api/v1/putaway', { to: 'stock', units: [{ epc: epc('3') }] }, 'pa-1')).status).toBe(409);
    expect((await api('GET', `/api/v1/moves?epc=${epc('3')}`)).body.moves).toHaveLength(1);
  });

  it('POST /api/v1/returns (location and reference left out again)', async () => {
    const original = await checkRoute('/api/v1/returns', 'ret-1', { sku: 'Q', qty: 1, note: 'customer return' }, { sku: 'Q', qty: 2, note: 'customer return' });
    expect(original).toMatchObject({ from: 'customer', to: 'returns', qty: 1, occurredAt: '2026-03-02T10:00:00.000Z' });
  });

  it('POST /api/v1/returns/inspections (from and to left out again, after the returns location emptied)', async () => {
    await api('POST', '/api/v1/returns', { sku: 'Q', qty: 1 }, 'ret-2');
    const original = await checkRoute(
      '/api/v1/returns/inspections', 'in-1',
      { sku: 'Q', qty: 2, disposition: 'restock', note: 'sealed' },
      { sku: 'Q', qty: 2, disposition: 'scrap', note: 'sealed' },
      async () => {
        expect((await api('POST', '/api/v1/moves', { sku: 'Q', qty: 50, from: 'stock', to: 'scrap', reason: 'scrap', note: 'flood' }, 'flood')).status).toBe(201);
      },
    );
    expect(original).toMatchObject({ from: 'returns', to: 'stock', qty: 2 });
  });

  it('POST /api/v1/receipts and /api/v1/shipments: the number in the body is the key; left-out kind and supplier equal their defaults', async () => {
    const receipt = { po: 'PO-7', lines: [{ sku: 'Q', qty: 4 }] };
    const made = await api('POST', '/api/v1/receipts', receipt);
    expect(made.status).toBe(201);
    now += HOUR;
    for (const same of [receipt, { ...receipt, kind: 'po', pallets: [] }, reordered(receipt)]) {
      const r = await api('POST', '/api/v1/receipts', same);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body).toEqual(made.body);
    }
    const other = await api('POST', '/api/v1/receipts', { ...receipt, supplier: 'ACME' });
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ field: 'po' });
    expect(other.body.message).toContain('PO-7');

    const shipment = { id: 'SH-7', lines: [{ sku: 'Q', qty: 1 }] };
    const shipped = await api('POST', '/api/v1/shipments', shipment);
    expect(shipped.status).toBe(201);
    for (const same of [shipment, { ...shipment, pallets: [] }, reordered(shipment)]) {
      const r = await api('POST', '/api/v1/shipments', same);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body).toEqual(shipped.body);
    }
    const otherShipment = await api('POST', '/api/v1/shipments', { ...shipment, lines: [{ sku: 'Q', qty: 2 }] });
    expect(otherShipment.status).toBe(409);
    expect(otherShipment.body).toMatchObject({ field: 'id' });
  });

  it('keeps an answer KEEP_DAYS days: a retry after that runs again (the move id made from the key still posts nothing twice)', async () => {
    const body = { sku: 'Q', qty: 1, from: 'adjustment', to: 'stock', reason: 'adjustment', note: 'old' };
    const first = await api('POST', '/api/v1/moves', body, 'mv-old');
    expect(first.status).toBe(201);
    now += (KEEP_DAYS + 1) * 24 * HOUR;
    expect((await api('POST', '/api/v1/moves', { ...body, note: 'trigger' }, 'mv-new')).status).toBe(201); // prunes
    const kept = t.hub.db.prepare("SELECT COUNT(*) FROM idempotency_keys WHERE key = 'mv-old'").pluck().get();
    expect(kept).toBe(0);
    const later = await api('POST', '/api/v1/moves', body, 'mv-old');
    expect(later.status).toBe(200); // the ledger's own idempotency: the same move, not a second one
    expect(later.body.id).toBe(first.body.id);
  });

  it('a keyed failure is not kept: the same key runs again once the cause is fixed', async () => {
    const body = { sku: 'NEW', qty: 1, from: 'adjustment', to: 'stock', reason: 'adjustment', note: 'found' };
    expect((await api('POST', '/api/v1/moves', body, 'mv-late')).status).toBe(404);
    expect((await api('POST', '/api/v1/items', { sku: 'NEW', name: 'N', tracking: 'quantity', standardCost: 1 })).status).toBe(201);
    expect((await api('POST', '/api/v1/moves', body, 'mv-late')).status).toBe(201);
  });
});
