import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { skuChanged } from './changes.js';
import { postMove } from './moves.js';
import { expireReservations, reserve, voidReservation } from './reservations.js';
import { makeFixture, T0, type Fixture } from './test-fixture.js';

describe('stock change notifications', () => {
  let f: Fixture;
  let heard: string[];
  let stop: () => void;
  beforeEach(() => {
    f = makeFixture();
    heard = [];
    stop = skuChanged(f.db).listen((sku, why, sellable) => heard.push(`${why}:${sku}${sellable ? '' : ' (not sellable)'}`));
  });
  afterEach(() => f.close());

  it('tells listeners of every posted move once, and not of a repeated id or a refused move', () => {
    const receipt = f.mv({ id: 'r1', sku: 'A', from: 'supplier', to: 'stock', qty: 5, reason: 'receipt' });
    postMove(f.db, receipt, T0);
    expect(postMove(f.db, receipt, T0).status).toBe('exists');
    expect(() => postMove(f.db, f.mv({ sku: 'A', from: 'stock', to: 'customer', qty: 50, reason: 'shipment' }), T0)).toThrow(/negative|below/i);
    expect(heard).toEqual(['move:A']);
  });

  it('says whether a move can change what is sellable: not between two unsellable locations, yes into or out of a sellable one', () => {
    postMove(f.db, f.mv({ sku: 'A', from: 'supplier', to: 'dock-1', qty: 5, reason: 'receipt' }), T0);
    postMove(f.db, f.mv({ sku: 'A', from: 'dock-1', to: 'receiving', qty: 5, reason: 'transfer' }), T0);
    postMove(f.db, f.mv({ sku: 'A', from: 'receiving', to: 'stock', qty: 5, reason: 'transfer' }), T0);
    postMove(f.db, f.mv({ sku: 'A', from: 'stock', to: 'customer', qty: 2, reason: 'shipment' }), T0);
    expect(heard).toEqual(['move:A (not sellable)', 'move:A (not sellable)', 'move:A', 'move:A']);
  });

  it('tells listeners when holds are placed, voided and expire', () => {
    postMove(f.db, f.mv({ sku: 'A', from: 'supplier', to: 'stock', qty: 5, reason: 'receipt' }), T0);
    heard.length = 0;
    reserve(f.db, { id: 'h1', sku: 'A', qty: 2, reference: 'o1', expiresAt: T0 + 1000 }, T0);
    reserve(f.db, { id: 'h2', sku: 'A', qty: 1, reference: 'o2', expiresAt: T0 + 60_000 }, T0);
    voidReservation(f.db, 'h2', 'cancelled', T0);
    expect(expireReservations(f.db, T0 + 5000)).toEqual(['h1']);
    expect(heard).toEqual(['reservation:A', 'reservation:A', 'reservation:A', 'reservation:A']);
    stop();
    postMove(f.db, f.mv({ sku: 'A', from: 'supplier', to: 'stock', qty: 1, reason: 'receipt' }), T0);
    expect(heard).toHaveLength(4);
  });
});
