import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createItem, getStock, postMove, reserve, voidReservation } from '../ledger/index.js';
import { makeFixture, T0, type Fixture } from '../ledger/test-fixture.js';
import { stockPage } from './stock-page.js';

describe('stockPage agrees with the ledger getStock', () => {
  let f: Fixture;
  beforeEach(() => {
    f = makeFixture();
    for (let i = 0; i < 25; i++) createItem(f.db, { sku: `Q-${String(i).padStart(2, '0')}`, name: `q${i}`, tracking: 'quantity' }, T0);
    // Some stock in several places, some moved away again, some held, one hold voided, one hold without location.
    for (let i = 0; i < 25; i += 2) {
      const sku = `Q-${String(i).padStart(2, '0')}`;
      postMove(f.db, f.mv({ sku, qty: 10 + i, from: 'supplier', to: 'stock', reason: 'receipt' }), T0);
      postMove(f.db, f.mv({ sku, qty: 3, from: 'stock', to: 'quarantine', reason: 'transfer' }), T0);
      if (i % 4 === 0) postMove(f.db, f.mv({ sku, qty: 1, from: 'quarantine', to: 'stock-b', reason: 'transfer' }), T0);
      if (i % 3 === 0) reserve(f.db, { id: `r-${i}`, sku, qty: 2, location: 'stock', reference: 'o1', expiresAt: T0 + 60_000 }, T0);
      if (i % 5 === 0) reserve(f.db, { id: `n-${i}`, sku, qty: 1, reference: 'o2', expiresAt: T0 + 60_000 }, T0);
    }
    voidReservation(f.db, 'r-6', 'test', T0);
    postMove(f.db, f.mv({ sku: 'A', qty: 5, from: 'supplier', to: 'floor', reason: 'receipt' }), T0);
  });
  afterEach(() => f.close());

  it('gives the same rows page by page, site-wide and at one location', () => {
    const all = getStock(f.db);
    // the fixture has what makes it interesting: holds at a location, holds anywhere, stock in several places
    expect(all.some((r) => r.locations.some((l) => l.reserved > 0))).toBe(true);
    expect(all.some((r) => r.reserved > r.locations.reduce((n, l) => n + l.reserved, 0))).toBe(true);
    expect(all.some((r) => r.locations.length >= 3)).toBe(true);
    for (const location of [undefined, 'stock', 'quarantine']) {
      const expected = getStock(f.db, location ? { location } : {});
      const got = [];
      let after: string | undefined;
      for (let pages = 0; ; pages++) {
        expect(pages).toBeLessThan(10);
        const p = stockPage(f.db, { limit: 7, ...(after !== undefined ? { after } : {}), ...(location ? { location } : {}) });
        got.push(...p.stock);
        if (p.nextAfter === null) break;
        after = p.nextAfter;
      }
      expect(got).toEqual(expected);
    }
    expect(stockPage(f.db, { limit: 3, after: 'zzz' })).toEqual({ stock: [], nextAfter: null });
  });
});
