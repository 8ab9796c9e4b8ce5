// Fleet channels end to end against the real engines: two hubs publish their feeds (holds included) to a 3-node NATS
// JetStream cluster, dockgate-fleet applies them to PostgreSQL and sells the network's stock on a Shopify stand-in
// (one network location, and one location per site) and a webhook; orders to the fleet are held at the site that
// ships them through that hub's REST API over real HTTP.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../protocols/logging/index.js';
import { startFleet, type Fleet } from '../../fleet/app.js';
import { parseFleetConfig, type FleetConfig } from '../../fleet/config.js';
import { FleetOrders } from '../../fleet/channels/orders.js';
import { startNatsCluster, type NatsCluster } from '../../fleet/testing/nats-cluster.js';
import { startPostgres, type TestPostgres } from '../../fleet/testing/postgres.js';
import { waitFor } from '../../fleet/testing/ports.js';
import type { TestHub } from '../../hub/testing/harness.js';
import { FakeShopify } from '../../hub/channels/testing/fake-shopify.js';
import { FakeWebhookReceiver } from '../../hub/channels/testing/fake-webhook.js';
import { hubApi, postMove, startFeedHub } from './fleet-support.js';

const TOKEN = 'shpat_fleet-channels';
const ITEM = 'gid://shopify/InventoryItem/1';
const NET = 'gid://shopify/Location/net';
const LOC = { 'site-a': 'gid://shopify/Location/a', 'site-b': 'gid://shopify/Location/b' } as const;

describe('fleet channels: network availability and orders held at the site that ships', () => {
  let nats: NatsCluster;
  let pgsrv: TestPostgres;
  let a: TestHub;
  let b: TestHub;
  let fleet: Fleet;
  let shopify: FakeShopify;
  let hook: FakeWebhookReceiver;
  let config: FleetConfig;
  const api = async (method: 'GET' | 'POST', url: string, body?: unknown) => {
    const r = await fleet.http.inject({ method, url, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) } : {}) });
    return { status: r.statusCode, body: r.json() };
  };
  const holds = (t: TestHub) => t.hub.db.prepare("SELECT id, qty, state FROM reservations WHERE channel LIKE 'fleet:%' ORDER BY id").all() as Array<{ id: string; qty: number; state: string }>;
  const applied = async (only?: string) => {
    const sites = (await api('GET', '/api/v1/sites')).body.sites as Array<{ site: string; appliedThrough: number }>;
    const want: Record<string, number> = {};
    for (const [t, s] of [[a, 'site-a'], [b, 'site-b']] as const) want[s] = t.hub.db.prepare('SELECT next_seq - 1 FROM feed_state').pluck().get() as number;
    return sites.every((s) => (only && s.site !== only) || s.appliedThrough === want[s.site]);
  };
  const shows = (want: { net: number; a: number; b: number; hook: number }) => async () => {
    await fleet.channelSync.pass();
    return shopify.quantity(ITEM, NET) === want.net && shopify.quantity(ITEM, LOC['site-a']) === want.a && shopify.quantity(ITEM, LOC['site-b']) === want.b && hook.shows.get('x') === want.hook;
  };

  beforeAll(async () => {
    [nats, pgsrv] = await Promise.all([startNatsCluster(3), startPostgres()]);
    a = await startFeedHub('site-a', nats.servers);
    b = await startFeedHub('site-b', nats.servers);
    shopify = await new FakeShopify({ token: TOKEN }).start();
    for (const loc of [NET, LOC['site-a'], LOC['site-b']]) shopify.seed(ITEM, loc, 0);
    hook = await new FakeWebhookReceiver('hook-secret').start();
    const shop = `{ endpoint: '${shopify.url}', accessToken: ${TOKEN} }`;
    config = parseFleetConfig(`sites: [{ id: site-a, hub: { url: '${a.hub.url}' } }, { id: site-b, hub: { url: '${b.hub.url}' } }]
nats: { servers: [${nats.servers.join(', ')}], replicas: 3, retryMs: 200 }
postgres: { url: '${pgsrv.url}', poolSize: 6 }
http: { host: 127.0.0.1, port: 0 }
staleAfterS: 3600
channelSyncMs: 3600000
channels:
  - { id: shop, connector: shopify, sites: [{ site: site-a, buffer: 2 }, { site: site-b, buffer: 1 }], rule: {}, skus: { X: { item: '${ITEM}', location: '${NET}' } }, shopify: ${shop} }
  - { id: multi, connector: shopify, sell: per-site, sites: [{ site: site-a, buffer: 2, locationId: '${LOC['site-a']}' }, { site: site-b, buffer: 1, locationId: '${LOC['site-b']}' }], rule: { max: 4 }, skus: { X: { item: '${ITEM}' } }, shopify: ${shop} }
  - { id: hook, connector: webhook, sites: [{ site: site-a }, { site: site-b }], rule: { pct: 0.5 }, skus: { X: { item: x } }, webhook: { url: '${hook.url}', secret: hook-secret }, http: { maxTries: 1 } }
`);
    fleet = await startFleet(config, silentLogger());
    for (const t of [a, b]) expect((await hubApi(t, 'POST', '/api/v1/items', { sku: 'X', name: 'X', tracking: 'quantity', standardCost: 100, costMethod: 'fifo' })).status).toBe(201);
  }, 120_000);
  afterAll(async () => {
    await fleet?.stop();
    await a?.stop();
    await b?.stop();
    await shopify?.close();
    await hook?.close();
    await nats?.stop();
    await pgsrv?.stop();
  }, 60_000);

  it('sells Σ (site available − buffer) under the rules, holds at a hub included; one location per site in multi-location mode; health per channel', async () => {
    await postMove(a, 'a1', { sku: 'X', qty: 10, from: 'adjustment', to: 'stock', reason: 'adjustment' });
    await postMove(b, 'b1', { sku: 'X', qty: 6, from: 'adjustment', to: 'stock', reason: 'adjustment' });
    await postMove(a, 'a2', { sku: 'X', qty: 50, from: 'adjustment', to: 'receiving', reason: 'adjustment' }); // not a channel location
    // Another order held at A's hub itself: A's available is 9.
    expect((await hubApi(a, 'POST', '/api/v1/fleet-channels/elsewhere/orders', { orderId: 'e-1', lines: [{ sku: 'X', qty: 1 }] })).status).toBe(201);
    await waitFor('the fleet to apply both feeds', () => applied(), 60_000);
    // network: (9 − 2) + (6 − 1) = 12; per site: min(7, 4) and min(5, 4); webhook (no buffers): 50 % of 9 + 6.
    await waitFor('the channels to show the network', shows({ net: 12, a: 4, b: 4, hook: 7 }), 30_000);
    const list = (await api('GET', '/api/v1/channels')).body.channels;
    expect(list.map((c: { id: string; sell: string; health: { status: string; unsynced: number } }) => [c.id, c.sell, c.health.status, c.health.unsynced])).toEqual([
      ['shop', 'network', 'ok', 0],
      ['multi', 'per-site', 'ok', 0],
      ['hook', 'network', 'ok', 0],
    ]);
    const multi = (await api('GET', '/api/v1/channels/multi')).body;
    expect(multi.skus).toEqual([
      { sku: 'X', site: 'site-a', shouldShow: 4, lastConfirmed: 4, lastError: null },
      { sku: 'X', site: 'site-b', shouldShow: 4, lastConfirmed: 4, lastError: null },
    ]);
    // Nothing changed: a pass pushes nothing.
    const sets = shopify.setRequests().length;
    await fleet.channelSync.pass();
    expect(shopify.setRequests().length).toBe(sets);
    expect((await api('GET', '/api/v1/channels/nope')).status).toBe(404);

    // The webhook fails: its health says so, with the error, per SKU too; the next pass that gets through heals it.
    await postMove(b, 'b2', { sku: 'X', qty: 2, from: 'adjustment', to: 'stock', reason: 'adjustment' });
    await waitFor('the fleet to apply B', () => applied(), 30_000);
    hook.faults.push(500);
    await fleet.channelSync.pass();
    const sick = (await api('GET', '/api/v1/channels/hook')).body;
    expect(sick.health).toMatchObject({ consecutiveFailures: 1, lastError: expect.stringContaining('HTTP 500'), unsynced: 1 });
    expect(sick.skus).toEqual([{ sku: 'X', site: null, shouldShow: 8, lastConfirmed: 7, lastError: expect.stringContaining('HTTP 500') }]);
    await waitFor('the channels to show B\'s new units', shows({ net: 14, a: 4, b: 4, hook: 8 }), 30_000);
    expect((await api('GET', '/api/v1/channels/hook')).body.health).toMatchObject({ status: 'ok', consecutiveFailures: 0, lastError: null, unsynced: 0 });
    await postMove(b, 'b3', { sku: 'X', qty: 2, from: 'stock', to: 'adjustment', reason: 'adjustment' });
    await waitFor('the fleet to apply B', () => applied(), 30_000);
    await waitFor('the channels to show the network', shows({ net: 12, a: 4, b: 4, hook: 7 }), 30_000);
  }, 120_000);

  it('holds an order at the site with the most available, once however often it is sent; the network drops by it; a cancel gives it back', async () => {
    const order = { orderId: 'o-1', lines: [{ sku: 'X', qty: 4 }, { sku: 'X', qty: 2 }] };
    const first = await api('POST', '/api/v1/channels/shop/orders', order);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({ site: 'site-a', lines: [{ sku: 'X', qty: 6 }], tried: [{ site: 'site-a', outcome: 'held' }] });
    for (let i = 0; i < 3; i++) {
      const again = await api('POST', '/api/v1/channels/shop/orders', order);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ status: 'exists', site: 'site-a' });
    }
    expect(holds(a)).toEqual([{ id: 'ch:fleet:elsewhere:e-1:X', qty: 1, state: 'pending' }, { id: 'ch:fleet:shop:o-1:X', qty: 6, state: 'pending' }]);
    expect(holds(b)).toEqual([]);
    expect((await api('POST', '/api/v1/channels/shop/orders', { orderId: 'o-1', lines: [{ sku: 'X', qty: 1 }] })).status).toBe(409);
    // A: 10 − 1 − 6 = 3 → 1 after its buffer; B: 5. Network 6; the webhook 50 % of 3 + 6.
    await waitFor('the fleet to apply the hold', () => applied(), 30_000);
    await waitFor('the channels to drop', shows({ net: 6, a: 1, b: 4, hook: 4 }), 30_000);

    const cancelled = await api('POST', '/api/v1/channels/shop/orders/o-1/cancel', {});
    expect(cancelled.body).toEqual({ channel: 'shop', orderId: 'o-1', site: 'site-a', state: 'cancelled' });
    expect(holds(a)[1]).toMatchObject({ id: 'ch:fleet:shop:o-1:X', state: 'voided' });
    await waitFor('the fleet to apply the release', () => applied(), 30_000);
    await waitFor('the channels to rise again', shows({ net: 12, a: 4, b: 4, hook: 7 }), 30_000);
  }, 120_000);

  it('a site that refuses (the read model behind it) is passed over for the next; when none can, the order fails naming each site', async () => {
    // The fleet stops applying B's feed; B's stock is then held at B itself: the fleet still believes B has 5.
    await fleet.consumers.get('site-b')!.stop();
    expect((await hubApi(b, 'POST', '/api/v1/fleet-channels/elsewhere/orders', { orderId: 'e-2', lines: [{ sku: 'X', qty: 6 }] })).status).toBe(201);
    const routed = await api('POST', '/api/v1/channels/shop/orders', { orderId: 'o-2', lines: [{ sku: 'X', qty: 3 }], preferSites: ['site-b'] });
    expect(routed.status, JSON.stringify(routed.body)).toBe(201);
    expect(routed.body.site).toBe('site-a');
    expect(routed.body.tried).toEqual([{ site: 'site-b', outcome: 'refused', message: expect.stringContaining('only 0 of X available') }, { site: 'site-a', outcome: 'held' }]);
    expect(holds(b).map((h) => h.id)).toEqual(['ch:fleet:elsewhere:e-2:X']); // nothing of o-2 left at B

    // 5 units: A (9 − 3 − its buffer of 2 = 4, once the fleet has applied A's hold) is short; B (believed 5) refuses.
    await waitFor('the fleet to apply A\'s hold', () => applied('site-a'), 30_000);
    const none = await api('POST', '/api/v1/channels/shop/orders', { orderId: 'o-3', lines: [{ sku: 'X', qty: 5 }] });
    expect(none.status).toBe(409);
    expect(none.body.message).toMatch(/no site of channel shop can ship the whole order/);
    expect(none.body.tried).toEqual([{ site: 'site-b', outcome: 'refused', message: expect.any(String) }]);
    expect(none.body.sites).toEqual(expect.arrayContaining([expect.objectContaining({ site: 'site-b', short: null })]));
    expect(holds(a).filter((h) => h.id.includes('o-3'))).toEqual([]);
    expect(holds(b).filter((h) => h.id.includes('o-3'))).toEqual([]);
    // Bad input is refused with the line named, before any hub is asked.
    const bad = await api('POST', '/api/v1/channels/shop/orders', { orderId: 'o-4', lines: [{ sku: 'NOPE', qty: 1 }] });
    expect(bad).toMatchObject({ status: 400, body: { field: 'lines[0].sku' } });
    fleet.consumers.get('site-b')!.start();
    await waitFor('the fleet to catch up with B', () => applied(), 30_000);
  }, 120_000);

  it('a hold whose answer is lost keeps the order at that site until the site answers: the retry finds its hold there, or, released, goes on; never held twice', async () => {
    expect((await hubApi(b, 'POST', '/api/v1/fleet-channels/elsewhere/orders/e-2/cancel', { skus: ['X'] })).status).toBe(200); // B sells again
    await waitFor('the fleet to apply B\'s release', () => applied(), 30_000);
    // A real HTTP hop in front of A's hub that, while `drop` is set, lets the request reach the hub and then cuts the
    // connection instead of answering (the hold is made, the fleet never hears of it; the release is cut too).
    let drop = true;
    const hop: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void fetch(`${a.hub.url}${req.url}`, { method: req.method, headers: { 'content-type': 'application/json' }, body: Buffer.concat(chunks) }).then(async (r) => {
          if (drop) return res.socket?.destroy();
          res.writeHead(r.status, { 'content-type': 'application/json' }).end(await r.text());
        });
      });
    });
    await new Promise<void>((r) => hop.listen(0, '127.0.0.1', r));
    try {
      const hubs = new Map([['site-a', { url: `http://127.0.0.1:${(hop.address() as AddressInfo).port}` }], ['site-b', { url: b.hub.url }]]);
      const orders = new FleetOrders(fleet.pool, hubs, silentLogger(), 5000);
      const shop = config.channels.find((c) => c.id === 'shop')!;
      const order = { orderId: 'o-lost', lines: [{ sku: 'X', qty: 1 }], preferSites: ['site-a'] };
      const lost = (t: TestHub) => holds(t).filter((h) => h.id.includes('o-lost'));
      // The hold is made at A, its answer lost; the release reaches A too, its answer lost: the order stays at A.
      await expect(orders.place(shop, order)).rejects.toMatchObject({ code: 'site_unreachable', message: expect.stringMatching(/site site-a did not answer .* retry the same order id/) });
      expect(lost(a)).toEqual([{ id: 'ch:fleet:shop:o-lost:X', qty: 1, state: 'voided' }]);
      // Retried while A is still cut off: A again (not B, though preferred now), and still nothing at B.
      await expect(orders.place(shop, { ...order, preferSites: ['site-b'] })).rejects.toMatchObject({ code: 'site_unreachable' });
      expect(lost(b)).toEqual([]);
      // A answers again: it says the order was released there, so the order goes on to B; one pending hold in all.
      drop = false;
      const r = await orders.place(shop, order);
      expect(r).toMatchObject({ status: 'created', site: 'site-b' });
      expect(r.tried.slice(-2)).toEqual([{ site: 'site-a', outcome: 'refused', message: expect.stringContaining('was released here') }, { site: 'site-b', outcome: 'held' }]);
      expect(lost(a)).toEqual([{ id: 'ch:fleet:shop:o-lost:X', qty: 1, state: 'voided' }]);
      expect(lost(b)).toEqual([{ id: 'ch:fleet:shop:o-lost:X', qty: 1, state: 'pending' }]);
      expect((await orders.place(shop, order)).status).toBe('exists');

      // Held at A with the answer lost and the release cut before it reaches A: the retry finds the hold at A.
      drop = true;
      const kept = { orderId: 'o-kept', lines: [{ sku: 'X', qty: 1 }], preferSites: ['site-a'] };
      const cutRelease = new FleetOrders(fleet.pool, new Map([['site-a', hubs.get('site-a')!], ['site-b', { url: b.hub.url }]]), silentLogger(), 5000);
      hop.removeAllListeners('request');
      hop.on('request', (req, res) => {
        if (req.url?.endsWith('/cancel')) return res.socket?.destroy(); // never reaches A
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => void fetch(`${a.hub.url}${req.url}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.concat(chunks) }).then(async (x) => (drop ? res.socket?.destroy() : res.writeHead(x.status, { 'content-type': 'application/json' }).end(await x.text()))));
      });
      await expect(cutRelease.place(shop, kept)).rejects.toMatchObject({ code: 'site_unreachable' });
      drop = false;
      expect(await cutRelease.place(shop, { ...kept, preferSites: ['site-b'] })).toMatchObject({ status: 'created', site: 'site-a' });
      expect(holds(a).filter((h) => h.id.includes('o-kept'))).toEqual([{ id: 'ch:fleet:shop:o-kept:X', qty: 1, state: 'pending' }]);
      expect(holds(b).filter((h) => h.id.includes('o-kept'))).toEqual([]);
    } finally {
      await new Promise((r) => hop.close(r));
    }
  }, 120_000);
});
