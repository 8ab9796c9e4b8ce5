import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { getStock, listReservations } from '../ledger/index.js';
import { ledgerAvailability, ledgerReservations } from './ledger-port.js';
import { cancelChannelOrder, ChannelOrderError, createChannelOrder, shopifyOrderId, verifyShopifyHmac } from './orders.js';
import { makeSite, shopifyChannel, type Site } from './testing/harness.js';

let site: Site | undefined;
afterEach(() => site?.close());

function setup() {
  site = makeSite(['A', 'B']);
  const marked: string[] = [];
  const deps = { reservations: ledgerReservations(site.db), markDirty: (s: string) => void marked.push(s), now: () => Date.now() };
  return { site, deps, marked, channel: shopifyChannel('shop', 'http://unused', 't', ['A', 'B']) };
}

describe('createChannelOrder', () => {
  it('holds all lines or none: a line that cannot be held voids the ones already held', () => {
    const { site, deps, marked, channel } = setup();
    site.receive('A', 5);
    site.receive('B', 1);
    expect(() => createChannelOrder(deps, channel, { orderId: 'o1', lines: [{ sku: 'A', qty: 2 }, { sku: 'B', qty: 3 }] })).toThrow(ChannelOrderError);
    expect(listReservations(site.db).map((r) => [r.id, r.state])).toEqual([['ch:shop:o1:A', 'voided']]);
    expect(getStock(site.db, { sku: 'A' })[0]!.available).toBe(5);
    expect(marked.sort()).toEqual(['A', 'B']);
  });

  it('merges lines of the same SKU into one hold and is idempotent per order', () => {
    const { site, deps, channel } = setup();
    site.receive('A', 5);
    const r = createChannelOrder(deps, channel, { orderId: 'o2', lines: [{ sku: 'A', qty: 1 }, { sku: 'A', qty: 2 }] });
    expect(r).toEqual({ status: 'created', reservations: [{ id: 'ch:shop:o2:A', sku: 'A', qty: 3 }] });
    expect(createChannelOrder(deps, channel, { orderId: 'o2', lines: [{ sku: 'A', qty: 3 }] }).status).toBe('exists');
    expect(getStock(site.db, { sku: 'A' })[0]!.reserved).toBe(3);
  });

  it('names the line of a SKU the channel does not sell, before touching the ledger', () => {
    const { site, deps, channel } = setup();
    expect(() => createChannelOrder(deps, channel, { orderId: 'o3', lines: [{ sku: 'A', qty: 1 }, { sku: 'Q', qty: 1 }] })).toThrow('lines[1].sku: "Q" is not sold on channel shop');
    expect(listReservations(site.db)).toEqual([]);
  });

  it('cancel voids the holds and reports ones it cannot void', () => {
    const { site, deps, channel } = setup();
    site.receive('A', 2);
    createChannelOrder(deps, channel, { orderId: 'o4', lines: [{ sku: 'A', qty: 2 }] });
    expect(ledgerAvailability(site.db)('A', ['stock'])).toEqual({ onHand: 2, reserved: 2, available: 0 });
    expect(cancelChannelOrder(deps, channel, 'o4', ['A', 'B'])).toEqual([
      { id: 'ch:shop:o4:A', state: 'voided' },
      { id: 'ch:shop:o4:B', error: 'unknown reservation "ch:shop:o4:B"' },
    ]);
    expect(ledgerAvailability(site.db)('A', ['stock']).available).toBe(2);
  });
});

describe('ledgerAvailability', () => {
  it('counts only the channel’s sellable locations and subtracts holds placed anywhere', () => {
    site = makeSite(['A']);
    site.receive('A', 5, 'stock');
    site.receive('A', 3, 'stock-b');
    site.receive('A', 4, 'quarantine');
    ledgerReservations(site.db).reserve({ id: 'r1', sku: 'A', qty: 2, channel: 'x', reference: 'x', expiresAt: Date.now() + 60_000 });
    const avail = ledgerAvailability(site.db);
    expect(avail('A', ['stock'])).toEqual({ onHand: 5, reserved: 2, available: 3 });
    expect(avail('A', ['stock', 'stock-b', 'quarantine'])).toEqual({ onHand: 8, reserved: 2, available: 6 });
    expect(avail('NOPE', ['stock'])).toEqual({ onHand: 0, reserved: 0, available: 0 });
  });
});

describe('Shopify webhook helpers', () => {
  it('verifies the base64 HMAC of the raw body in constant time', () => {
    const body = Buffer.from('{"id":1}');
    const sig = createHmac('sha256', 's3cret').update(body).digest('base64');
    expect(verifyShopifyHmac(body, sig, 's3cret')).toBe(true);
    expect(verifyShopifyHmac(body, sig, 'other')).toBe(false);
    expect(verifyShopifyHmac(Buffer.from('{"id":2}'), sig, 's3cret')).toBe(false);
    expect(verifyShopifyHmac(body, undefined, 's3cret')).toBe(false);
    expect(verifyShopifyHmac(body, 'short', 's3cret')).toBe(false);
  });
  it('takes the exact order id from admin_graphql_api_id', () => {
    expect(shopifyOrderId({ id: 1, admin_graphql_api_id: 'gid://shopify/Order/820982911946154508', line_items: [] })).toBe('820982911946154508');
    expect(shopifyOrderId({ id: 4711, line_items: [] })).toBe('4711');
  });
});
