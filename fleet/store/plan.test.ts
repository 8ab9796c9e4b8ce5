import { describe, expect, it } from 'vitest';
import { FEED_VERSION, type FeedRecord, type MoveChange } from '../../protocols/feed/index.js';
import { batchEffects, FeedInvariantError, planBatch, seqsToCheck } from './plan.js';

const ts = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const move = (seq: number, m: Partial<MoveChange> = {}, id = `m${seq}`): FeedRecord => ({
  v: FEED_VERSION, site: 's1', seq, id, ts: ts(seq), kind: 'move',
  data: { sku: 'X', qty: 2, from: 'supplier', to: 'stock', fromKind: 'supplier', toKind: 'stock', fromVirtual: true, toVirtual: false, reason: 'receipt', reference: null, epc: null, occurredAt: ts(seq), valueDelta: 0, ...m },
});

describe('planBatch', () => {
  it('skips what the site applied, applies the next seqs in order and stops at a gap', () => {
    const recs = [move(3), move(4), move(5), move(7), move(8)];
    expect(seqsToCheck(4, recs)).toEqual([3, 4]);
    const plan = planBatch('s1', 4, recs, new Map([[3, 'm3'], [4, 'm4']]));
    expect(plan.fresh.map((r) => r.seq)).toEqual([5]);
    expect(plan).toMatchObject({ duplicates: 2, through: 5, gap: { expected: 6, got: 7 } });
  });

  it('counts a redelivery inside the batch as a duplicate of what the batch applied', () => {
    const plan = planBatch('s1', 0, [move(1), move(2), move(1), move(3)], new Map());
    expect(plan.fresh.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(plan).toMatchObject({ duplicates: 1, through: 3 });
    expect(plan.gap).toBeUndefined();
  });

  it('refuses a feed that is broken: another site, another id at an applied seq, one id at two seqs', () => {
    expect(() => planBatch('s1', 0, [{ ...move(1), site: 's2' }], new Map())).toThrow(new FeedInvariantError('record of site s2 in the batch of site s1'));
    expect(() => planBatch('s1', 2, [move(2, {}, 'other')], new Map([[2, 'm2']]))).toThrow('site s1 seq 2: change other arrived, but m2 was applied at that seq');
    expect(() => planBatch('s1', 0, [move(1), move(1, {}, 'x'), move(2)], new Map())).toThrow('change x arrived, but m1 was applied at that seq');
    expect(() => planBatch('s1', 0, [move(1, {}, 'same'), move(2, {}, 'same')], new Map())).toThrow('change same arrives again at seq 2');
  });
});

describe('batchEffects', () => {
  it('sums balance deltas per SKU and location, and transfers per reference, SKU and side', () => {
    const e = batchEffects([
      move(1),
      move(2, { qty: 5, from: 'stock', to: 'transit', fromKind: 'stock', toKind: 'transit', fromVirtual: false, toVirtual: true, reason: 'shipment', reference: 'TR-1' }),
      move(3, { qty: 1, from: 'transit', to: 'stock', fromKind: 'transit', toKind: 'stock', fromVirtual: true, toVirtual: false, reason: 'return', reference: 'TR-1' }),
      move(4, { qty: 3, reference: 'TR-9' }),
      move(5, { qty: 1, reference: 'TR-9' }),
    ]);
    expect(e.balances).toEqual([
      { sku: 'X', location: 'supplier', kind: 'supplier', virtual: true, qty: -6 },
      { sku: 'X', location: 'stock', kind: 'stock', virtual: false, qty: 2 - 5 + 1 + 3 + 1 },
      { sku: 'X', location: 'transit', kind: 'transit', virtual: true, qty: 4 },
    ]);
    expect(e.transfers).toEqual([
      { reference: 'TR-1', sku: 'X', side: 'shipped', qty: 4, at: ts(3) },
      { reference: 'TR-9', sku: 'X', side: 'received', qty: 4, at: ts(5) },
    ]);
  });

  it('folds a document and a variance to their last state as row-by-row upserts would leave them', () => {
    const doc = (seq: number, kind: 'shipment.opened' | 'shipment.closed', door: string | null, done: number | null): FeedRecord => ({
      v: FEED_VERSION, site: 's1', seq, id: `d${seq}`, ts: ts(seq), kind, data: { document: 'SH-1', door, party: 'site:s2', lines: [{ sku: 'X', qty: 5, done }] },
    });
    const variance = (seq: number, kind: 'variance.opened' | 'variance.resolved', status: string, message: string): FeedRecord => ({
      v: FEED_VERSION, site: 's1', seq, id: `v${seq}`, ts: ts(seq), kind, data: { variance: 7, type: 'short', status, door: 'door-1', reference: 'SH-1', sku: 'X', expected: 5, actual: 4, message },
    });
    const e = batchEffects([doc(1, 'shipment.opened', 'door-2', null), variance(2, 'variance.opened', 'open', 'short by 1'), doc(3, 'shipment.closed', null, 5), variance(4, 'variance.resolved', 'resolved', 'ok now')]);
    expect(e.documents).toEqual([{ kind: 'shipment', document: 'SH-1', status: 'closed', door: 'door-2', party: 'site:s2', lines: [{ sku: 'X', qty: 5, done: 5 }], openedAt: ts(1), closedAt: ts(3) }]);
    expect(e.variances).toEqual([{ variance: 7, type: 'short', status: 'resolved', door: 'door-1', reference: 'SH-1', sku: 'X', message: 'short by 1', openedAt: ts(2), resolvedAt: ts(4) }]);
  });
});
