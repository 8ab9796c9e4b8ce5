import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getStock, listAudit, listMoves, postMove, recordAudit } from './index.js';
import { makeFixture, T0, type Fixture } from './test-fixture.js';

let f: Fixture;
beforeEach(() => { f = makeFixture(); });
afterEach(() => f.close());

describe('moves list', () => {
  beforeEach(() => {
    postMove(f.db, f.mv({ sku: 'A', qty: 5, from: 'supplier', to: 'receiving', reason: 'receipt', reference: 'PO-1', occurredAt: '2025-03-01T09:00:00Z' }), T0);
    postMove(f.db, f.mv({ sku: 'M', qty: 5, from: 'supplier', to: 'receiving', reason: 'receipt', reference: 'PO-1', occurredAt: '2025-03-01T09:30:00Z' }), T0);
    postMove(f.db, f.mv({ sku: 'A', qty: 5, from: 'receiving', to: 'stock', reason: 'transfer', occurredAt: '2025-03-01T10:00:00Z' }), T0);
    postMove(f.db, f.mv({ sku: 'A', qty: 2, from: 'stock', to: 'customer', reason: 'shipment', reference: 'SO-1', occurredAt: '2025-03-01T11:00:00Z' }), T0);
  });
  const ids = (p: { moves: { seq: number }[] }) => p.moves.map((m) => m.seq);

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
    expect(a).toEqual({ sku: 'A', location: null, onHand: 3, sellableOnHand: 3, reserved: 0, available: 3, locations: [{ location: 'stock', sellable: true, onHand: 3, reserved: 0 }] });
    expect(getStock(f.db, { location: 'receiving' }).map((s) => [s.sku, s.onHand])).toEqual([['A', 0], ['M', 5], ['S', 0]]);
  });
});

describe('audit log', () => {
  it('records who, what, when, why and the payload; it is append-only', () => {
    const seq = recordAudit(f.db, { actor: { kind: 'api', id: 'alice' }, action: 'item.update', target: 'A', reason: 'new supplier price', payload: { standardCost: 120 }, atMs: T0 });
    recordAudit(f.db, { actor: { kind: 'system', id: 'hub' }, action: 'reservation.expire', atMs: T0 + 1 });
    expect(listAudit(f.db, { target: 'A' })).toEqual([{ seq, at: '2025-03-01T08:00:00.000Z', actor: { kind: 'api', id: 'alice' }, action: 'item.update', target: 'A', reason: 'new supplier price', payload: { standardCost: 120 } }]);
    expect(listAudit(f.db, { after: seq }).map((r) => r.action)).toEqual(['reservation.expire']);
    expect(() => f.db.prepare('DELETE FROM audit_log').run()).toThrow('append-only');
    expect(() => recordAudit(f.db, { actor: { kind: 'api', id: '' }, action: 'x', atMs: T0 })).toThrow('actor.id must be');
  });
});
