// hub/channels — which stock changes reach channel sync: only those that can change a channel's quantity.
import { afterEach, describe, expect, it } from 'vitest';
import { postMove, reserve } from '../ledger/index.js';
import { makeFixture, T0, type Fixture } from '../ledger/test-fixture.js';
import { markDirtyOnStockChange } from './ledger-port.js';

describe('markDirtyOnStockChange', () => {
  let f: Fixture | undefined;
  afterEach(() => f?.close());

  it('marks a SKU for moves into or out of a sellable location and for holds, not for moves between unsellable ones', () => {
    f = makeFixture();
    const marked: string[] = [];
    const stop = markDirtyOnStockChange(f.db, { markDirty: (sku) => marked.push(sku) });
    postMove(f.db, f.mv({ sku: 'A', from: 'supplier', to: 'dock-1', qty: 5, reason: 'receipt' }), T0);
    postMove(f.db, f.mv({ sku: 'A', from: 'dock-1', to: 'receiving', qty: 5, reason: 'transfer' }), T0);
    expect(marked).toEqual([]);
    postMove(f.db, f.mv({ sku: 'A', from: 'receiving', to: 'stock', qty: 5, reason: 'transfer' }), T0);
    reserve(f.db, { id: 'h1', sku: 'A', qty: 1, reference: 'o1', expiresAt: T0 + 60_000 }, T0);
    expect(marked).toEqual(['A', 'A']);
    stop();
    postMove(f.db, f.mv({ sku: 'A', from: 'stock', to: 'customer', qty: 1, reason: 'shipment' }), T0);
    expect(marked).toHaveLength(2);
  });
});
