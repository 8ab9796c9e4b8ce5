import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LedgerError, checkLedger, expireReservations, getReservation, getStock, postMove, postReservation, reserve, voidReservation, type ReservationInput } from './index.js';
import { makeFixture, T0, type Fixture } from './test-fixture.js';

let f: Fixture;
beforeEach(() => {
  f = makeFixture();
  postMove(f.db, f.mv({ sku: 'A', qty: 5, from: 'supplier', to: 'stock', reason: 'receipt' }), T0);
  postMove(f.db, f.mv({ sku: 'A', qty: 2, from: 'supplier', to: 'stock-b', reason: 'receipt' }), T0);
  postMove(f.db, f.mv({ sku: 'A', qty: 4, from: 'supplier', to: 'receiving', reason: 'receipt' }), T0); // not sellable
});
afterEach(() => f.close());

const hold = (over: Partial<ReservationInput> = {}): ReservationInput => ({ id: 'r-1', sku: 'A', qty: 3, reference: 'SO-1', channel: 'shop', expiresAt: T0 + 60_000, ...over });
const stockA = () => getStock(f.db, { sku: 'A' })[0]!;
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as LedgerError).code;
  }
  return 'ok';
};

describe('reservations', () => {
  it('holds available stock: available = sellable on-hand − pending', () => {
    expect(stockA()).toMatchObject({ onHand: 11, sellableOnHand: 7, reserved: 0, available: 7 });
    expect(reserve(f.db, hold(), T0)).toMatchObject({ status: 'created', reservation: { state: 'pending', qty: 3, channel: 'shop' } });
    expect(stockA()).toMatchObject({ reserved: 3, available: 4 });
    expect(reserve(f.db, hold(), T0).status).toBe('exists');
    expect(code(() => reserve(f.db, hold({ qty: 4, reference: 'SO-2' }), T0))).toBe('conflict');
  });

  it('refuses a hold larger than available, and changes nothing', () => {
    reserve(f.db, hold({ qty: 6 }), T0);
    const before = f.snapshot();
    expect(() => reserve(f.db, hold({ id: 'r-2', qty: 2 }), T0)).toThrow('only 1 of A available, 2 requested');
    expect(f.snapshot()).toBe(before);
  });

  it('two channels racing for the last unit: exactly one gets it', () => {
    reserve(f.db, hold({ qty: 6 }), T0);
    const results = ['shop', 'marketplace'].map((channel, i) => code(() => reserve(f.db, hold({ id: `last-${i}`, qty: 1, channel }), T0)));
    expect(results.sort()).toEqual(['insufficient_available', 'ok']);
    expect(stockA().available).toBe(0);
  });

  it('holds at one location count against that location and the site', () => {
    reserve(f.db, hold({ location: 'stock-b', qty: 2 }), T0);
    expect(() => reserve(f.db, hold({ id: 'r-2', location: 'stock-b', qty: 1 }), T0)).toThrow('only 0 of A available at stock-b, 1 requested');
    expect(() => reserve(f.db, hold({ id: 'r-3', location: 'receiving', qty: 1 }), T0)).toThrow('location receiving is not a sellable real location');
    expect(getStock(f.db, { sku: 'A', location: 'stock-b' })[0]).toMatchObject({ onHand: 2, reserved: 2, available: 0 });
    expect(reserve(f.db, hold({ id: 'r-4', qty: 5 }), T0).status).toBe('created');
  });

  it('posts a hold: the shipment move and the closing are one step; a partial post releases the rest', () => {
    reserve(f.db, hold({ qty: 3 }), T0);
    const ship = f.mv({ sku: 'A', qty: 2, from: 'stock', to: 'customer', reason: 'shipment', reference: 'SO-1' });
    const r = postReservation(f.db, 'r-1', ship, T0 + 1000);
    expect(r).toMatchObject({ status: 'created', move: { qty: 2, reservationId: 'r-1', valueCost: 200 }, reservation: { state: 'posted', moveId: ship.id, closeReason: 'posted 2 of 3; 1 released' } });
    expect(stockA()).toMatchObject({ onHand: 9, reserved: 0, available: 5 });
    expect(postReservation(f.db, 'r-1', ship, T0 + 2000).status).toBe('exists');
    expect(code(() => postReservation(f.db, 'r-1', { ...ship, id: 'other' }, T0))).toBe('reservation_state');
    expect(checkLedger(f.db).ok).toBe(true);
  });

  it('a move posted through a hold is the same move when re-posted plainly; a plain move cannot close another hold', () => {
    reserve(f.db, hold({ qty: 1 }), T0);
    reserve(f.db, hold({ id: 'r-2', qty: 1, reference: 'SO-2' }), T0);
    const ship = f.mv({ sku: 'A', qty: 1, from: 'stock', to: 'customer', reason: 'shipment' });
    postReservation(f.db, 'r-1', ship, T0);
    expect(postMove(f.db, ship, T0).status).toBe('exists');
    const plain = f.mv({ sku: 'A', qty: 1, from: 'stock', to: 'customer', reason: 'shipment' });
    postMove(f.db, plain, T0);
    expect(() => postReservation(f.db, 'r-2', plain, T0)).toThrow(`move ${plain.id} was already posted with different reservationId`);
    expect(getReservation(f.db, 'r-2')!.state).toBe('pending');
  });

  it('refuses a post that does not fit the hold, and changes nothing', () => {
    reserve(f.db, hold({ qty: 2, location: 'stock' }), T0);
    const before = f.snapshot();
    const base = f.mv({ sku: 'A', qty: 2, from: 'stock', to: 'customer', reason: 'shipment' });
    expect(() => postReservation(f.db, 'r-1', { ...base, qty: 3 }, T0)).toThrow('reservation r-1 holds 2, the move takes 3');
    expect(() => postReservation(f.db, 'r-1', { ...base, sku: 'M' }, T0)).toThrow('reservation r-1 holds A');
    expect(() => postReservation(f.db, 'r-1', { ...base, from: 'stock-b' }, T0)).toThrow('holds stock at stock, the move is from "stock-b"');
    expect(() => postReservation(f.db, 'r-1', base, T0 + 60_000)).toThrow('reservation r-1 expired at');
    expect(() => postReservation(f.db, 'nope', base, T0)).toThrow('unknown reservation "nope"');
    expect(f.snapshot()).toBe(before);
  });

  it('voids and expires holds, releasing them', () => {
    reserve(f.db, hold({ qty: 2 }), T0);
    reserve(f.db, hold({ id: 'r-2', qty: 1, expiresAt: T0 + 10 }), T0);
    expect(voidReservation(f.db, 'r-1', 'customer cancelled', T0 + 1)).toMatchObject({ state: 'voided', closeReason: 'customer cancelled' });
    expect(voidReservation(f.db, 'r-1', 'again', T0 + 2).closeReason).toBe('customer cancelled');
    expect(expireReservations(f.db, T0 + 9)).toEqual([]);
    expect(expireReservations(f.db, T0 + 10)).toEqual(['r-2']);
    expect(getReservation(f.db, 'r-2')).toMatchObject({ state: 'expired', closedAt: T0 + 10 });
    expect(stockA()).toMatchObject({ reserved: 0, available: 7 });
    expect(code(() => postReservation(f.db, 'r-2', f.mv({ sku: 'A', qty: 1, from: 'stock', to: 'customer', reason: 'shipment' }), T0 + 11))).toBe('reservation_state');
  });

  it('a new hold first releases holds past their expiry', () => {
    reserve(f.db, hold({ qty: 7, expiresAt: T0 + 10 }), T0);
    expect(reserve(f.db, hold({ id: 'r-2', qty: 7 }), T0 + 10).status).toBe('created');
    expect(getReservation(f.db, 'r-1')!.state).toBe('expired');
  });

  it('refuses bad holds naming the field', () => {
    expect(code(() => reserve(f.db, hold({ qty: 0 }), T0))).toBe('invalid');
    expect(() => reserve(f.db, hold({ sku: 'NOPE' }), T0)).toThrow('sku: unknown item "NOPE"');
    expect(() => reserve(f.db, hold({ expiresAt: T0 }), T0)).toThrow('is not after now');
    expect(() => reserve(f.db, hold({ reference: '' }), T0)).toThrow('reference must be');
  });

  it('a physical shipment outside any hold can leave available negative; it is reported, not hidden', () => {
    reserve(f.db, hold({ qty: 7 }), T0);
    postMove(f.db, f.mv({ sku: 'A', qty: 1, from: 'stock', to: 'customer', reason: 'shipment' }), T0);
    expect(stockA()).toMatchObject({ sellableOnHand: 6, reserved: 7, available: -1 });
  });
});
