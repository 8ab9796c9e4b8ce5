// hub/periods — the periods room in a real hub (SQLite file, embedded broker, HTTP): its routes come with the room,
// not with the core API.
import { afterEach, describe, expect, it } from 'vitest';
import { archiveReader } from '../ledger/archive.js';
import { HUB_ROOMS } from '../modules.js';
import { call } from '../status/test-support.js';
import { startTestHub, type TestHub } from '../testing/harness.js';
import { periodsRoom } from './module.js';

let t: TestHub | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

describe('the periods room', () => {
  it('serves the period routes when the hub runs it, and a hub without it has none', async () => {
    expect(HUB_ROOMS.map((r) => r.name)).toContain('periods');
    t = await startTestHub({ modules: { rooms: [] } });
    expect((await call(t.hub.url, 'GET', '/api/v1/periods')).status).toBe(404);
    expect((await call(t.hub.url, 'POST', '/api/v1/periods/close', { body: { through: '2020-01-01T00:00:00Z' } })).status).toBe(404);
    await t.stop();
    t = await startTestHub({ modules: { rooms: [periodsRoom] } });
    const state = await call(t.hub.url, 'GET', '/api/v1/periods');
    expect(state).toMatchObject({ status: 200, body: { period: null, closedThrough: null, snapshotSeq: 0, archivedSeq: 0 } });
  });

  it('closes the archive reader when the hub stops, after a read of archived moves opened it', async () => {
    t = await startTestHub({ modules: { rooms: [periodsRoom] } });
    const url = t.hub.url;
    await seedMoves(url, 3);
    const closed = await call(url, 'POST', '/api/v1/periods/close', { body: { through: '2021-01-01T00:00:00Z' } });
    expect(closed).toMatchObject({ status: 200, body: { action: 'close', archivedMoves: 3 } });
    const moves = await call<{ moves: Array<{ id: string }> }>(url, 'GET', '/api/v1/moves');
    expect(moves.body.moves.map((m) => m.id)).toEqual(['api:m-0', 'api:m-1', 'api:m-2']);
    const reader = archiveReader(t.hub.db); // the connection that read
    expect(reader.open).toBe(true);
    await t.stop();
    t = undefined;
    expect(reader.open).toBe(false);
  });
});

/** An item and `n` receipts of it dated 2020-01-01 (each under its own Idempotency-Key, move ids api:m-0 …). */
async function seedMoves(url: string, n: number): Promise<void> {
  expect((await call(url, 'POST', '/api/v1/items', { body: { sku: 'A', name: 'A carton', tracking: 'quantity' } })).status).toBe(201);
  for (let i = 0; i < n; i++) {
    const body = { sku: 'A', qty: 2, from: 'adjustment', to: 'stock', reason: 'adjustment', note: 'found', occurredAt: `2020-01-01T00:00:0${i}Z` };
    expect((await call(url, 'POST', '/api/v1/moves', { body, headers: { 'idempotency-key': `m-${i}` } })).status).toBe(201);
  }
}
