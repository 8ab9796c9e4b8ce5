import { createHmac } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../protocols/logging/index.js';
import { getStock } from '../ledger/index.js';
import { ledgerAvailability, ledgerReservations } from './ledger-port.js';
import { channelRoutes } from './routes.js';
import { ChannelSync } from './sync.js';
import { FakeShopify } from './testing/fake-shopify.js';
import { LOCATION_GID, itemGid, makeSite, shopifyChannel, type Site } from './testing/harness.js';

const TOKEN = 'shpat_routes-token';
const SECRET = 'shopify-app-secret';
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(): Promise<{ site: Site; base: string; sync: ChannelSync; shop: FakeShopify }> {
  const site = makeSite(['A', 'B']);
  cleanups.push(() => site.close());
  const shop = await new FakeShopify({ token: TOKEN }).start();
  cleanups.push(() => shop.close());
  for (const s of ['A', 'B']) shop.seed(itemGid(s), LOCATION_GID, 0);
  const base = shopifyChannel('shop', shop.url, TOKEN, ['A', 'B']);
  const channel = { ...base, shopify: { ...base.shopify!, webhookSecret: SECRET } };
  const sync = new ChannelSync({ db: site.db, channels: [channel], availability: ledgerAvailability(site.db), log: silentLogger(), reconcileEveryMs: 0, coalesce: { quietMs: 5, maxDelayMs: 50 } });
  cleanups.push(() => sync.stop());
  await sync.start();
  const app: FastifyInstance = Fastify();
  await app.register(channelRoutes, { sync, reservations: ledgerReservations(site.db) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  cleanups.push(() => app.close());
  const addr = app.server.address() as { port: number };
  return { site, base: `http://127.0.0.1:${addr.port}`, sync, shop };
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

describe('channel routes', () => {
  it('lists channels with health and shows one without credentials', async () => {
    const { base } = await setup();
    const list = (await (await fetch(`${base}/api/v1/channels`)).json()) as { channels: Array<{ id: string; health: { status: string } }> };
    expect(list.channels.map((c) => [c.id, c.health.status])).toEqual([['shop', 'ok']]);
    const res = await fetch(`${base}/api/v1/channels/shop?skus=true`);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(SECRET);
    expect(JSON.parse(text)).toMatchObject({ channel: { id: 'shop', connector: 'shopify', skus: 2 }, health: { channel: 'shop' }, skus: [{ sku: 'A' }, { sku: 'B' }] });
    expect((await fetch(`${base}/api/v1/channels/nope`)).status).toBe(404);
  });

  it('reserves an order (201, replay 200), refuses what is not available (409) and names bad fields (400)', async () => {
    const { base, site, sync, shop } = await setup();
    site.receive('A', 3);
    sync.markDirty('A');
    const order = { orderId: '1001', lines: [{ sku: 'A', qty: 2 }] };
    const first = await post(`${base}/api/v1/channels/shop/orders`, order);
    expect(first.status).toBe(201);
    expect(await first.json()).toMatchObject({ status: 'created', reservations: [{ id: 'ch:shop:1001:A', sku: 'A', qty: 2 }] });
    expect((await post(`${base}/api/v1/channels/shop/orders`, order)).status).toBe(200);
    expect(getStock(site.db, { sku: 'A' })[0]!.available).toBe(1);

    const tooMany = await post(`${base}/api/v1/channels/shop/orders`, { orderId: '1002', lines: [{ sku: 'A', qty: 2 }] });
    expect(tooMany.status).toBe(409);
    expect(await tooMany.json()).toMatchObject({ field: 'lines[0].qty', message: expect.stringContaining('only 1 of A available') });

    const bad = await post(`${base}/api/v1/channels/shop/orders`, { orderId: '1003', lines: [{ sku: 'A', qty: 0 }] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/lines\/0\/qty/);
    const unknown = await post(`${base}/api/v1/channels/shop/orders`, { orderId: '1004', lines: [{ sku: 'ZZ', qty: 1 }] });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ field: 'lines[0].sku' });

    await sync.idle();
    expect(shop.quantity(itemGid('A'), LOCATION_GID)).toBe(1); // 3 received − 2 held

    const cancel = await post(`${base}/api/v1/channels/shop/orders/1001/cancel`, { skus: ['A'] });
    expect(await cancel.json()).toMatchObject({ reservations: [{ id: 'ch:shop:1001:A', state: 'voided' }] });
    await sync.idle();
    expect(shop.quantity(itemGid('A'), LOCATION_GID)).toBe(3);
  });

  it('forces a resync', async () => {
    const { base, sync, shop } = await setup();
    const res = await post(`${base}/api/v1/channels/shop/resync`, {});
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ channel: 'shop', queued: 2 });
    await sync.idle();
    expect(shop.setRequests().at(-1)!.quantities).toHaveLength(2);
  });

  it('takes a Shopify orders/create webhook only with a valid HMAC of the raw body', async () => {
    const { base, site, sync } = await setup();
    site.receive('B', 5);
    sync.markDirty('B');
    // Shopify's own serialisation (spacing kept): the HMAC is over these exact bytes
    const raw = '{"id": 820982911946154508, "admin_graphql_api_id": "gid://shopify/Order/820982911946154508", "name": "#9999", "line_items": [{"id": 1, "sku": "B", "quantity": 2}, {"id": 2, "sku": "gift-card", "quantity": 1}]}';
    const hmac = createHmac('sha256', SECRET).update(raw).digest('base64');
    const url = `${base}/webhooks/shopify/shop/orders-create`;
    expect((await post(url, raw, { 'x-shopify-hmac-sha256': createHmac('sha256', 'other').update(raw).digest('base64') })).status).toBe(401);
    expect((await post(url, raw.replace('"quantity": 2', '"quantity": 9'), { 'x-shopify-hmac-sha256': hmac })).status).toBe(401);
    expect((await post(url, raw)).status).toBe(401);
    expect(getStock(site.db, { sku: 'B' })[0]!.reserved).toBe(0);
    const ok = await post(url, raw, { 'x-shopify-hmac-sha256': hmac });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: 'created', reservations: [{ id: 'ch:shop:820982911946154508:B', qty: 2 }], ignored: ['gift-card'] });
    expect(getStock(site.db, { sku: 'B' })[0]!.reserved).toBe(2);
    expect((await post(`${base}/webhooks/shopify/nope/orders-create`, raw, { 'x-shopify-hmac-sha256': hmac })).status).toBe(404);
  });
});
