// hub/periods — the periods room in a real hub (SQLite file, embedded broker, HTTP): its routes come with the room,
// not with the core API.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Db } from '../db/database.js';
import { openDatabase } from '../db/database.js';
import { archiveReader } from '../ledger/archive.js';
import { createItem, postMove, withBatchedInvariants } from '../ledger/index.js';
import { FeedOutbox } from '../feed/outbox.js';
import { HUB_ROOMS, hubModules } from '../modules.js';
import { enqueue } from '../partners/outbox.js';
import { call, waitFor } from '../status/test-support.js';
import { startTestHub, type TestHub } from '../testing/harness.js';
import { readPeriodState } from './close.js';
import { closePeriod } from './index.js';
import type { CloseStatus } from './job.js';
import { periodsRoom } from './module.js';
import { closeOverRest } from './testing/rest-close.js';

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
    const closed = await closeOverRest(url, '2021-01-01T00:00:00Z');
    expect(closed.status).toMatchObject({ state: 'done', outcome: { action: 'close', archivedMoves: 3 } });
    const moves = await call<{ moves: Array<{ id: string }> }>(url, 'GET', '/api/v1/moves');
    expect(moves.body.moves.map((m) => m.id)).toEqual(['api:m-0', 'api:m-1', 'api:m-2']);
    const reader = archiveReader(t.hub.db); // the connection that read
    expect(reader.open).toBe(true);
    await t.stop();
    t = undefined;
    expect(reader.open).toBe(false);
  });

  it('a hub without the room closes the archive reader too: the core reads archived moves (the moves list)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dockgate-periods-room-'));
    const first = await startTestHub({ dir, modules: { rooms: [periodsRoom] } });
    await seedMoves(first.hub.url, 2);
    await closeOverRest(first.hub.url, '2021-01-01T00:00:00Z');
    await first.stop();
    try {
      t = await startTestHub({ dir, modules: { rooms: [] } });
      const moves = await call<{ moves: Array<{ id: string }> }>(t.hub.url, 'GET', '/api/v1/moves');
      expect(moves.body.moves.map((m) => m.id)).toEqual(['api:m-0', 'api:m-1']);
      const reader = archiveReader(t.hub.db);
      expect(reader.open).toBe(true);
      await t.stop();
      t = undefined;
      expect(reader.open).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps serving REST and posting while a close of a large ledger runs: 202, then followed to its end', async () => {
    t = await startTestHub({ modules: { rooms: [periodsRoom] } });
    const { url, db } = { url: t.hub.url, db: t.hub.db };
    const n = bulkMoves(db, 20_000);
    const post = await call<{ status: CloseStatus; follow: string }>(url, 'POST', '/api/v1/periods/close', { body: { through: '2021-01-01T00:00:00Z' } });
    expect(post.status).toBe(202);
    expect(post.headers.get('location')).toBe('/api/v1/periods/close');
    expect(post.body.status).toMatchObject({ state: 'running', through: '2021-01-01T00:00:00.000Z' });
    // While it runs: liveness, a stock read and a new move are answered, and the close is still running after them.
    expect((await call(url, 'GET', '/health')).status).toBe(200);
    expect((await call(url, 'GET', '/api/v1/stock?sku=BULK')).status).toBe(200);
    const move = { sku: 'BULK', qty: 1, from: 'stock', to: 'adjustment', reason: 'adjustment', note: 'during the close' };
    expect((await call(url, 'POST', '/api/v1/moves', { body: move, headers: { 'idempotency-key': 'during' } })).status).toBe(201);
    const during = (await call<CloseStatus>(url, 'GET', '/api/v1/periods/close')).body;
    expect(during).toMatchObject({ state: 'running' });
    expect(await call(url, 'POST', '/api/v1/periods/close', { body: { through: '2021-01-01T00:00:00Z' } })).toMatchObject({
      status: 409,
      body: { message: expect.stringMatching(/a close through 2021-01-01T00:00:00.000Z is running/) },
    });
    const ended = await waitFor(
      'the close to end',
      async () => {
        const s = (await call<CloseStatus>(url, 'GET', '/api/v1/periods/close')).body;
        return s.state === 'running' ? undefined : s;
      },
      120_000,
    );
    expect(ended).toMatchObject({ state: 'done', outcome: { action: 'close', archivedMoves: n } });
    expect(ended.steps).toBeGreaterThan(during.steps);
    expect(db.prepare('SELECT note FROM moves').pluck().all()).toEqual(['during the close']);
    expect((await call(url, 'GET', '/api/v1/periods')).body).toMatchObject({ archivedSeq: n, snapshotSeq: n });
  }, 180_000);

  it('a hub stopped during a close ends it between two steps; closing the same date again completes it', async () => {
    t = await startTestHub({ modules: { rooms: [periodsRoom] } });
    const n = bulkMoves(t.hub.db, 20_000);
    const dbPath = t.dbPath;
    const dir = t.dir;
    const post = await call<{ status: CloseStatus }>(t.hub.url, 'POST', '/api/v1/periods/close', { body: { through: '2021-01-01T00:00:00Z' } });
    expect(post.status).toBe(202);
    await t.hub.stop(); // the files stay (t.stop removes them)
    const db = openDatabase(dbPath);
    try {
      const left = readPeriodState(db);
      expect(left.archivedSeq).toBeLessThan(n);
      const again = closePeriod(db, { throughMs: Date.parse('2021-01-01T00:00:00Z'), nowMs: Date.parse('2021-02-01T00:00:00Z') });
      expect(['close', 'resume']).toContain(again.plan.action);
      expect(readPeriodState(db)).toMatchObject({ snapshotSeq: n, archivedSeq: n });
    } finally {
      db.close();
    }
    t = { ...t, stop: async () => rmSync(dir, { recursive: true, force: true }) };
  }, 180_000);
});

describe('what holds a close back, over REST in a hub with every room', () => {
  it('refuses (409), naming it, while the partner outbox, the fleet feed or a channel sync has not passed the cut-off, and changes nothing', async () => {
    t = await startTestHub({ modulesFor: hubModules });
    const { url, db } = { url: t.hub.url, db: t.hub.db };
    await seedMoves(url, 3);
    const before = (await call(url, 'GET', '/api/v1/periods')).body;
    const refusal = async () => {
      const r = await call<{ message: string; field: string }>(url, 'POST', '/api/v1/periods/close', { body: { through: '2021-01-01T00:00:00Z' } });
      expect(r.status).toBe(409);
      expect(r.body.field).toBe('through');
      expect((await call(url, 'GET', '/api/v1/periods')).body).toEqual(before);
      return r.body.message;
    };
    // A partner document queued in the period, not yet delivered: waiting out a back-off (next attempt far ahead), so
    // the running hub's delivery loop leaves it queued (due at once, it was delivered before the POST now and then).
    const doc = { key: 'asn-1', partner: 'acme', kind: 'desadv', target: { folder: t.dir }, fileName: 'a.edi', contentType: 'text/plain', body: 'x' };
    db.transaction(() => {
      enqueue(db, doc, Date.parse('2020-06-01T00:00:00Z'));
      db.prepare("UPDATE partner_outbox SET next_ms = ? WHERE key = 'asn-1'").run(Number.MAX_SAFE_INTEGER);
    })();
    expect(await refusal()).toMatch(
      /partner outbox has not passed the cut-off: 1 document\(s\) queued before 2021-01-01T00:00:00.000Z not yet delivered \(first: asn-1\)/,
    );
    db.prepare("UPDATE partner_outbox SET status = 'delivered', delivered_ms = created_ms").run();
    // The fleet feed switched on: the period's moves wait in its outbox for JetStream.
    const feed = new FeedOutbox(db, t.hub.config.site);
    expect(feed.enable()).toBe(3);
    expect(await refusal()).toMatch(
      /hub feed cursor has not passed the cut-off: 3 change\(s\) of the period not yet acknowledged by JetStream \(published through feed seq 0\)/,
    );
    feed.acknowledged(3);
    // A channel that has not shown a SKU's change made in the period.
    db.prepare("INSERT INTO channel_sync (channel, sku, unsynced_since) VALUES ('web', 'A', ?)").run(Date.parse('2020-06-01T00:00:00Z'));
    expect(await refusal()).toMatch(/channel sync web has not passed the cut-off: 1 SKU\(s\) unsynced since 2020-06-01T00:00:00.000Z, before the cut-off/);
    db.prepare('UPDATE channel_sync SET unsynced_since = NULL').run();
    const closed = await closeOverRest(url, '2021-01-01T00:00:00Z');
    expect(closed.post.status).toBe(202);
    expect(closed.status).toMatchObject({ state: 'done', outcome: { action: 'close', archivedMoves: 3 } });
  });
});

/** `n` moves of item BULK dated 2020, straight into the hub's ledger (receipts, then shipments of part of them). */
function bulkMoves(db: Db, n: number): number {
  createItem(db, { sku: 'BULK', name: 'Bulk carton', tracking: 'quantity', costMethod: 'fifo', standardCost: 100 }, Date.parse('2020-01-01T00:00:00Z'));
  const actor = { kind: 'api', id: 'test' } as const;
  for (let done = 0; done < n;) {
    db.transaction(() =>
      withBatchedInvariants(db, () => {
        for (let k = 0; k < 1000 && done < n; k++, done++) {
          const ms = Date.parse('2020-01-01T00:00:00Z') + done * 1000;
          const receipt = done % 3 === 0;
          const mv = receipt
            ? { from: 'supplier', to: 'stock', qty: 3, reason: 'receipt' as const, unitCost: 100 + (done % 7) }
            : { from: 'stock', to: 'customer', qty: 1, reason: 'shipment' as const };
          postMove(db, { id: `b-${done}`, sku: 'BULK', actor, occurredAt: new Date(ms).toISOString(), ...mv }, ms, { callerRollsBack: true });
        }
      }),
    )();
  }
  return n;
}

/** An item and `n` receipts of it dated 2020-01-01 (each under its own Idempotency-Key, move ids api:m-0 …). */
async function seedMoves(url: string, n: number): Promise<void> {
  expect((await call(url, 'POST', '/api/v1/items', { body: { sku: 'A', name: 'A carton', tracking: 'quantity' } })).status).toBe(201);
  for (let i = 0; i < n; i++) {
    const body = { sku: 'A', qty: 2, from: 'adjustment', to: 'stock', reason: 'adjustment', note: 'found', occurredAt: `2020-01-01T00:00:0${i}Z` };
    expect((await call(url, 'POST', '/api/v1/moves', { body, headers: { 'idempotency-key': `m-${i}` } })).status).toBe(201);
  }
}
