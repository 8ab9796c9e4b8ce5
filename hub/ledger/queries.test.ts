import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getStock, listAudit, listMoves, postMove, recordAudit } from './index.js';
import { makeFixture, T0, type Fixture } from './test-fixture.js';

let f: Fixture;
beforeEach(() => {
  f = makeFixture();
});
afterEach(() => f.close());

/** Four moves on 2025-03-01, 09:00 to 11:00, posted in that order (seqs 1 to 4). */
function postFourMoves(): void {
  postMove(f.db, f.mv({ sku: 'A', qty: 5, from: 'supplier', to: 'receiving', reason: 'receipt', reference: 'PO-1', occurredAt: '2025-03-01T09:00:00Z' }), T0);
  postMove(f.db, f.mv({ sku: 'M', qty: 5, from: 'supplier', to: 'receiving', reason: 'receipt', reference: 'PO-1', occurredAt: '2025-03-01T09:30:00Z' }), T0);
  postMove(f.db, f.mv({ sku: 'A', qty: 5, from: 'receiving', to: 'stock', reason: 'transfer', occurredAt: '2025-03-01T10:00:00Z' }), T0);
  postMove(f.db, f.mv({ sku: 'A', qty: 2, from: 'stock', to: 'customer', reason: 'shipment', reference: 'SO-1', occurredAt: '2025-03-01T11:00:00Z' }), T0);
}
const ids = (p: { moves: { seq: number }[] }) => p.moves.map((m) => m.seq);

describe('moves list', () => {
  beforeEach(postFourMoves);

  it('filters by sku, location (either side), reason, reference and time', () => {
    expect(ids(listMoves(f.db, { sku: 'A' }))).toEqual([1, 3, 4]);
    expect(ids(listMoves(f.db, { location: 'receiving' }))).toEqual([1, 2, 3]);
    expect(ids(listMoves(f.db, { reason: 'receipt', reference: 'PO-1', sku: 'M' }))).toEqual([2]);
    expect(ids(listMoves(f.db, { since: '2025-03-01T09:30:00Z', until: '2025-03-01T11:00:00Z' }))).toEqual([2, 3]);
  });

  it('pages with a stable cursor while new moves are posted', () => {
    const p1 = listMoves(f.db, { limit: 3 });
    expect(ids(p1)).toEqual([1, 2, 3]);
    postMove(f.db, f.mv({ sku: 'A', qty: 1, from: 'stock', to: 'customer', reason: 'shipment' }), T0);
    const p2 = listMoves(f.db, { limit: 3, cursor: p1.nextCursor! });
    expect(ids(p2)).toEqual([4, 5]);
    expect(p2.nextCursor).toBeNull();
  });

  it('refuses bad filters naming them', () => {
    expect(() => listMoves(f.db, { cursor: 'abc' })).toThrow('cursor must be the nextCursor of a previous page');
    expect(() => listMoves(f.db, { limit: 0 })).toThrow('limit must be 1 to 1000');
    expect(() => listMoves(f.db, { since: 'monday' })).toThrow('since must be an ISO-8601 timestamp');
    expect(() => listMoves(f.db, { reason: 'theft' as never })).toThrow('reason must be one of');
  });

  it('reports stock per SKU and per location', () => {
    const [a] = getStock(f.db, { sku: 'A' });
    expect(a).toEqual({
      sku: 'A',
      location: null,
      onHand: 3,
      sellableOnHand: 3,
      reserved: 0,
      available: 3,
      locations: [{ location: 'stock', sellable: true, onHand: 3, reserved: 0 }],
    });
    expect(getStock(f.db, { location: 'receiving' }).map((s) => [s.sku, s.onHand])).toEqual([
      ['A', 0],
      ['M', 5],
      ['S', 0],
    ]);
  });
});

describe('moves in a time window', () => {
  beforeEach(postFourMoves);

  it('a time window pages exactly the moves that occurred in it, in posting order, however late they were posted', () => {
    // Out of posting order on purpose: days back and forth, some backdated, some at a day's edges, some before 1970.
    const day = 86_400_000;
    const base = Date.parse('2025-02-01T00:00:00Z');
    const offsets = [5, 0, 3, 3, 1, 9, 0, 2, 7, 4, 1, 8, 6, 6, 2, 5, -20_000, 0].map(
      (d, i) => d * day + (i % 3 === 0 ? 0 : i % 3 === 1 ? day - 1 : 3_600_000 * i),
    );
    for (const o of offsets)
      postMove(f.db, f.mv({ sku: 'A', qty: 1, from: 'supplier', to: 'receiving', reason: 'receipt', occurredAt: new Date(base + o).toISOString() }), T0);
    const all: Array<{ seq: number; occurredAt: string }> = listMoves(f.db, { limit: 1000 }).moves;
    const iso = (ms: number) => new Date(ms).toISOString();
    const windows: Array<{ since?: string; until?: string }> = [
      { since: iso(base), until: iso(base + day) },
      { since: iso(base + day - 1), until: iso(base + 3 * day) },
      { since: iso(base + 3 * day) },
      { until: iso(base + 2 * day) },
      { since: iso(base - 30_000 * day), until: iso(base) },
      { since: iso(base + 100 * day) },
      { since: iso(base + 2 * day), until: iso(base + day) },
      { since: '2025-03-01T09:30:00Z', until: '2025-03-01T11:00:00Z' },
    ];
    for (const w of windows) {
      const want = all
        .filter(
          (m) => (w.since === undefined || m.occurredAt >= iso(Date.parse(w.since))) && (w.until === undefined || m.occurredAt < iso(Date.parse(w.until))),
        )
        .map((m) => m.seq);
      const got: number[] = [];
      let cursor: string | undefined;
      do {
        const page = listMoves(f.db, { ...w, limit: 2, cursor });
        got.push(...ids(page));
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      expect({ w, seqs: got }).toEqual({ w, seqs: want });
    }
    expect(all.length).toBe(4 + offsets.length);
  });

  it('walks a time window by seq between seeks of the day index, sorting nothing (EXPLAIN QUERY PLAN)', () => {
    const prepared: string[] = [];
    const prepare = f.db.prepare.bind(f.db);
    f.db.prepare = ((sql: string) => (prepared.push(sql), prepare(sql))) as typeof f.db.prepare;
    listMoves(f.db, { since: '2025-03-01T09:30:00Z', until: '2025-03-02T00:00:00Z' });
    f.db.prepare = prepare;
    const plans = prepared.map((sql) => {
      const params = Object.fromEntries([...sql.matchAll(/@(\w+)/g)].map((m) => [m[1]!, 0]));
      return (f.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as Array<{ detail: string }>).map((r) => r.detail).join('\n');
    });
    const page = plans.find((p) => p.startsWith('SEARCH moves USING INTEGER PRIMARY KEY'));
    expect(page, plans.join('\n---\n')).toBe('SEARCH moves USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)');
    const bounds = plans.find((p) => p.includes('moves_occurred_day'));
    expect(bounds, plans.join('\n---\n')).toMatch(/SEARCH moves USING (COVERING )?INDEX moves_occurred_day \(<expr>=\?\)/);
    expect(plans.join('\n')).not.toContain('TEMP B-TREE');
    expect(plans.join('\n')).not.toMatch(/SCAN moves\b/);
  });
});

describe('audit log', () => {
  it('records who, what, when, why and the payload; it is append-only', () => {
    const seq = recordAudit(f.db, {
      actor: { kind: 'api', id: 'alice' },
      action: 'item.update',
      target: 'A',
      reason: 'new supplier price',
      payload: { standardCost: 120 },
      atMs: T0,
    });
    recordAudit(f.db, { actor: { kind: 'system', id: 'hub' }, action: 'reservation.expire', atMs: T0 + 1 });
    expect(listAudit(f.db, { target: 'A' })).toEqual([
      {
        seq,
        at: '2025-03-01T08:00:00.000Z',
        actor: { kind: 'api', id: 'alice' },
        action: 'item.update',
        target: 'A',
        reason: 'new supplier price',
        payload: { standardCost: 120 },
      },
    ]);
    expect(listAudit(f.db, { after: seq }).map((r) => r.action)).toEqual(['reservation.expire']);
    expect(() => f.db.prepare('DELETE FROM audit_log').run()).toThrow('append-only');
    expect(() => recordAudit(f.db, { actor: { kind: 'api', id: '' }, action: 'x', atMs: T0 })).toThrow('actor.id must be');
  });
});
