// The change-feed outbox on a real hub: every committed ledger change leaves exactly one row, in the same transaction,
// with a gap-free seq; a change that rolls back leaves none; the rows are valid records of the feed contract.
import { afterEach, describe, expect, it } from 'vitest';
import { parseFeedRecord, type FeedRecord } from '../../protocols/feed/index.js';
import { postMove, reserve, voidReservation } from '../ledger/index.js';
import { BASE_SITE_YAML, startTestHub, type TestHub } from '../testing/harness.js';
import { gtin, items, scan, startScenario, type Scenario } from '../variances/scenario-support.js';
import { hubModules } from '../modules.js';
import { FeedOutbox } from './outbox.js';
import { FEED_TRIGGERS } from './schema.js';

// Enabled, but pointed at a port where no NATS listens: the rows stay in the outbox for the test to read.
const FEED_ON = `fleet: { enabled: true, servers: ['nats://127.0.0.1:9'], retryMs: 600000 }\n`;

const pending = (s: Scenario): FeedRecord[] => new FeedOutbox(s.t.hub.db, 'test-site').pending(10_000);
const stockIn = (s: Scenario, key: string, sku: string, qty: number) =>
  s.api('POST', '/api/v1/moves', { sku, qty, from: 'adjustment', to: 'stock', reason: 'adjustment', note: 'test' }, { 'idempotency-key': key });

describe('hub change feed outbox', () => {
  let s: Scenario | undefined;
  let t: TestHub | undefined;
  afterEach(async () => {
    await s?.stop();
    await t?.stop();
    s = t = undefined;
  });

  it('records moves, receipts, shipments, variances and counts in commit order with seqs 1, 2, 3 …, each a valid feed record', async () => {
    s = await startScenario(BASE_SITE_YAML + FEED_ON);
    await items(s, [{ sku: 'QT', tracking: 'quantity', gtin: gtin(70) }]);
    expect((await stockIn(s, 'k1', 'QT', 10)).status).toBe(201);
    expect((await s.api('POST', '/api/v1/receipts', { po: 'PO-1', supplier: 'acme', lines: [{ sku: 'QT', qty: 5 }] })).status).toBe(201);
    expect((await s.api('POST', '/api/v1/receipts/PO-1/open', { door: 'door-1' })).status).toBe(200);
    await s.send(scan('door-1', { gtin: gtin(70), qty: 3 }));
    const closed = await s.api('POST', '/api/v1/receipts/PO-1/close');
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    expect((await s.api('POST', '/api/v1/shipments', { id: 'SH-1', customer: 'shop', lines: [{ sku: 'QT', qty: 2 }] })).status).toBe(201);
    expect((await s.api('POST', '/api/v1/shipments/SH-1/open', { door: 'door-2' })).status).toBe(200);
    await s.send(scan('door-2', { gtin: gtin(70), qty: 2 }));
    expect((await s.api('POST', '/api/v1/shipments/SH-1/close')).status).toBe(200);
    const count = await s.api('POST', '/api/v1/counts', { location: 'stock', skus: ['QT'] });
    expect(count.status, JSON.stringify(count.body)).toBe(201);
    expect((await s.api('POST', `/api/v1/counts/${count.body.id}/lines`, { lines: [{ sku: 'QT', qty: 11 }] })).status).toBeLessThan(300);
    expect((await s.api('POST', `/api/v1/counts/${count.body.id}/close`, {})).status).toBeLessThan(300);

    const records = pending(s);
    expect(records.map((r) => r.seq)).toEqual(records.map((_, i) => i + 1));
    for (const r of records) expect(parseFeedRecord(JSON.stringify(r), 'test-site')).toEqual({ ok: true, record: r });
    const kinds = records.map((r) => r.kind);
    expect(kinds.slice(0, 4)).toEqual(['move', 'receipt.opened', 'move', 'variance.opened']);
    expect(kinds).toContain('receipt.closed');
    expect(kinds).toContain('shipment.opened');
    expect(kinds).toContain('shipment.closed');
    expect(kinds[kinds.length - 1]).toBe('count.posted');
    // Every move of the ledger is in the feed once, under its own id, with the ledger's numbers.
    const moves = s.t.hub.db.prepare('SELECT id, sku, qty, from_location AS "from", to_location AS "to" FROM moves ORDER BY seq').all();
    expect(records.filter((r) => r.kind === 'move').map((r) => ({ id: r.id, sku: r.data.sku, qty: r.data.qty, from: r.data.from, to: r.data.to }))).toEqual(
      moves,
    );
    const receiptClosed = records.find((r) => r.kind === 'receipt.closed')!;
    expect(receiptClosed.data).toMatchObject({ document: 'PO-1', party: 'acme', door: 'door-1', lines: [{ sku: 'QT', qty: 5, done: 3 }] });
    const posted = records.find((r) => r.kind === 'count.posted')!;
    expect(posted.data).toMatchObject({ location: 'stock', results: [{ sku: 'QT', counted: 11 }] });
    expect(records.find((r) => r.kind === 'move')!.data).toMatchObject({ fromKind: 'adjustment', fromVirtual: true, toKind: 'stock', toVirtual: false });
  });

  it("records holds: one record when a hold is made and one when it closes, each with the hold's state; a hold pending when the feed is switched on is backfilled", async () => {
    t = await startTestHub({ modulesFor: hubModules });
    const db = t.hub.db;
    const outbox = new FeedOutbox(db, 'test-site');
    await t.hub.http.inject({
      method: 'POST',
      url: '/api/v1/items',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ sku: 'A', name: 'A', tracking: 'quantity', standardCost: 1, costMethod: 'fifo' }),
    });
    postMove(
      db,
      {
        id: 'in',
        sku: 'A',
        qty: 5,
        from: 'adjustment',
        to: 'stock',
        reason: 'adjustment',
        actor: { kind: 'system', id: 't' },
        occurredAt: '2026-01-01T00:00:00Z',
      },
      Date.now(),
    );
    reserve(db, { id: 'early', sku: 'A', qty: 1, reference: 'o-0', expiresAt: Date.now() + 60_000 }, Date.now());
    reserve(db, { id: 'gone', sku: 'A', qty: 1, reference: 'o-x', expiresAt: Date.now() + 60_000 }, Date.now());
    voidReservation(db, 'gone', 'test', Date.now());
    expect(outbox.enable()).toBe(2); // the move and the hold still pending; the voided one holds nothing
    reserve(db, { id: 'h1', sku: 'A', qty: 2, channel: 'shop', reference: 'o-1', expiresAt: Date.now() + 60_000 }, Date.now());
    voidReservation(db, 'h1', 'cancelled', Date.now());
    const records = outbox.pending(100);
    for (const r of records) expect(parseFeedRecord(Buffer.from(JSON.stringify(r)), 'test-site').ok).toBe(true);
    expect(records.map((r) => [r.seq, r.kind, r.kind === 'reservation' ? `${r.data.reservation}:${r.data.state}:${r.data.qty}` : r.id])).toEqual([
      [1, 'move', 'in'],
      [2, 'reservation', 'early:pending:1'],
      [3, 'reservation', 'h1:pending:2'],
      [4, 'reservation', 'h1:voided:2'],
    ]);
    expect(records[2]!.data).toMatchObject({ sku: 'A', location: null, channel: 'shop' });
  });

  it('a change that rolls back takes no seq; an acknowledgement removes rows and the next seq follows on', async () => {
    s = await startScenario(BASE_SITE_YAML + FEED_ON);
    await items(s, [{ sku: 'QT', tracking: 'quantity' }]);
    await stockIn(s, 'k1', 'QT', 4);
    const db = s.t.hub.db;
    const refused = await s.api(
      'POST',
      '/api/v1/moves',
      { sku: 'QT', qty: 9, from: 'stock', to: 'scrap', reason: 'scrap', note: 'test' },
      { 'idempotency-key': 'k2' },
    );
    expect(refused.status).toBe(409);
    expect(() =>
      db.transaction(() => {
        postMove(
          db,
          {
            id: 'rolled-back',
            sku: 'QT',
            qty: 1,
            from: 'stock',
            to: 'scrap',
            reason: 'scrap',
            actor: { kind: 'system', id: 't' },
            occurredAt: '2026-01-01T00:00:00Z',
          },
          Date.now(),
        );
        throw new Error('abort');
      })(),
    ).toThrow('abort');
    const outbox = new FeedOutbox(db, 'test-site');
    expect(pending(s).map((r) => [r.seq, r.id])).toEqual([[1, 'api:k1']]);
    outbox.acknowledged(1);
    expect(outbox.state()).toMatchObject({ enabled: true, nextSeq: 2, publishedThrough: 1, depth: 0 });
    await stockIn(s, 'k3', 'QT', 1);
    expect(pending(s).map((r) => [r.seq, r.id])).toEqual([[2, 'api:k3']]);
    expect(() => outbox.acknowledged(3)).toThrow(/never handed out/);
    // A row written around the counter is refused by the schema itself.
    expect(() => db.prepare("INSERT INTO feed_outbox (seq, id, kind, committed_ms, data) VALUES (7, 'x', 'move', 0, '{}')").run()).toThrow(/seq out of order/);
  });

  it("is off by default (no rows); switched on later, it queues the ledger's earlier moves first", async () => {
    t = await startTestHub({ modulesFor: hubModules });
    const api = (method: string, url: string, body: unknown, headers: Record<string, string> = {}) =>
      t!.hub.http.inject({ method: method as 'POST', url, headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify(body) });
    await api('POST', '/api/v1/items', { sku: 'A', name: 'A', tracking: 'quantity', standardCost: 1, costMethod: 'fifo' });
    await api('POST', '/api/v1/moves', { sku: 'A', qty: 3, from: 'adjustment', to: 'stock', reason: 'adjustment', note: 't' }, { 'idempotency-key': 'a1' });
    await api('POST', '/api/v1/moves', { sku: 'A', qty: 1, from: 'stock', to: 'scrap', reason: 'scrap', note: 't' }, { 'idempotency-key': 'a2' });
    const db = t.hub.db;
    const triggers = () => db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'feed_%' ORDER BY name").pluck().all();
    // Off: no recording trigger (a move's insert runs none), only the outbox's own seq guard.
    expect(triggers()).toEqual(['feed_outbox_seq']);
    const outbox = new FeedOutbox(db, 'test-site');
    expect(outbox.state()).toMatchObject({ enabled: false, nextSeq: 1, depth: 0 });
    expect(outbox.enable()).toBe(2);
    expect(triggers()).toEqual([...FEED_TRIGGERS].sort());
    expect(outbox.dormant()).toBe(0); // recording: they stay
    expect(outbox.enable()).toBe(0);
    await api('POST', '/api/v1/moves', { sku: 'A', qty: 1, from: 'stock', to: 'scrap', reason: 'scrap', note: 't' }, { 'idempotency-key': 'a3' });
    expect(outbox.pending(100).map((r) => [r.seq, r.id])).toEqual([
      [1, 'api:a1'],
      [2, 'api:a2'],
      [3, 'api:a3'],
    ]);
  });

  it('refuses to start on a database that records but lacks a trigger; one that does not record drops them once', async () => {
    t = await startTestHub({ modulesFor: hubModules });
    const db = t.hub.db;
    const outbox = new FeedOutbox(db, 'test-site');
    outbox.enable();
    db.exec('DROP TRIGGER feed_move');
    expect(() => new FeedOutbox(db, 'test-site')).toThrow(/feed_move are missing/);
    // Not recording: missing triggers are what it should be, and a second dormant() has nothing to drop.
    db.prepare('UPDATE feed_state SET enabled = 0').run();
    const off = new FeedOutbox(db, 'test-site');
    expect(off.dormant()).toBe(FEED_TRIGGERS.length - 2); // all but the seq guard and feed_move
    expect(off.dormant()).toBe(0);
  });
});
