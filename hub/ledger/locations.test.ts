import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VIRTUAL, createLocation, getLocation, listLocations, postMove, updateLocation } from './index.js';
import { makeFixture, T0, type Fixture } from './test-fixture.js';

let f: Fixture;
beforeEach(() => { f = makeFixture(); });
afterEach(() => f.close());

describe('locations', () => {
  it('seeds the virtual locations: negative allowed, never sellable', () => {
    for (const id of Object.values(VIRTUAL)) expect(getLocation(f.db, id)).toMatchObject({ id, kind: id, virtual: true, allowNegative: true, sellable: false });
  });

  it('defaults real locations to refuse negative; stock and zones are sellable', () => {
    expect(getLocation(f.db, 'stock')).toMatchObject({ virtual: false, allowNegative: false, sellable: true, parent: 'site' });
    expect(getLocation(f.db, 'receiving')).toMatchObject({ allowNegative: false, sellable: false });
    expect(listLocations(f.db, { parent: 'site' }).map((l) => l.id)).toEqual(['dock-1', 'floor', 'quarantine', 'receiving', 'returns', 'stock', 'stock-b']);
    expect(listLocations(f.db, { kind: 'door' }).map((l) => l.id)).toEqual(['dock-1']);
  });

  it('refuses bad locations naming the field', () => {
    expect(() => createLocation(f.db, { id: 'c2', name: 'x', kind: 'customer', allowNegative: false }, T0)).toThrow('a customer location is virtual and always allows negative balances');
    expect(() => createLocation(f.db, { id: 'c2', name: 'x', kind: 'customer', sellable: true }, T0)).toThrow('never sellable');
    expect(() => createLocation(f.db, { id: 'z', name: 'x', kind: 'shelf' as never }, T0)).toThrow('kind must be one of');
    expect(() => createLocation(f.db, { id: 'z', name: 'x', kind: 'zone', parent: 'mars' }, T0)).toThrow('parent: unknown location "mars"');
    expect(() => createLocation(f.db, { id: 'stock', name: 'x', kind: 'zone' }, T0)).toThrow('location stock already exists');
    expect(() => createLocation(f.db, { id: 'has space', name: 'x', kind: 'zone' }, T0)).toThrow('id must be');
    expect(getLocation(f.db, 'z')).toBeUndefined();
  });

  it('updates a location, refusing cycles in the tree', () => {
    createLocation(f.db, { id: 'aisle-1', name: 'Aisle 1', kind: 'zone', parent: 'stock' }, T0);
    expect(() => updateLocation(f.db, 'site', { parent: 'aisle-1' }, T0)).toThrow('would put location site inside itself');
    expect(updateLocation(f.db, 'aisle-1', { name: 'Aisle one', sellable: false }, T0 + 1)).toMatchObject({ name: 'Aisle one', sellable: false, parent: 'stock' });
  });

  it('refuses to switch a location to refuse-negative while it holds a negative balance', () => {
    postMove(f.db, f.mv({ sku: 'A', qty: 1, from: 'floor', to: 'customer', reason: 'shipment' }), T0);
    expect(() => updateLocation(f.db, 'floor', { allowNegative: false }, T0)).toThrow('location floor holds -1 of A: correct it before refusing negative on-hand');
    postMove(f.db, f.mv({ sku: 'A', qty: 1, from: 'supplier', to: 'floor', reason: 'receipt' }), T0);
    expect(updateLocation(f.db, 'floor', { allowNegative: false }, T0).allowNegative).toBe(false);
  });
});
