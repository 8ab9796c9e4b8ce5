import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../../protocols/logging/index.js';
import { openDatabase } from '../db/database.js';
import type { ChannelConfig } from '../../protocols/channels/config.js';
import { ledgerAvailability, ledgerReservations } from './ledger-port.js';
import { ChannelOrderError, createChannelOrder } from './orders.js';
import { ChannelSync, type ChannelSyncOptions } from './sync.js';
import { FakeAmazon } from './testing/fake-amazon.js';
import { FakeShopify } from './testing/fake-shopify.js';
import { FakeWebhookReceiver } from './testing/fake-webhook.js';
import { LOCATION_GID, itemGid, makeSite, shopifyChannel, waitFor, type Site } from './testing/harness.js';

const TOKEN = 'shpat_sync-test-token';
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function site(skus: string[]): Promise<Site> {
  const s = makeSite(skus);
  cleanups.push(() => s.close());
  return s;
}

async function shopify(skus: string[], initial = 0): Promise<FakeShopify> {
  const fake = await new FakeShopify({ token: TOKEN }).start();
  for (const s of skus) fake.seed(itemGid(s), LOCATION_GID, initial);
  cleanups.push(() => fake.close());
  return fake;
}

function sync(s: Site, channels: ChannelConfig[], over: Partial<ChannelSyncOptions> = {}): ChannelSync {
  const cs = new ChannelSync({
    db: s.db,
    channels,
    availability: ledgerAvailability(s.db),
    log: silentLogger(),
    coalesce: { quietMs: 20, maxDelayMs: 200 },
    retryBaseMs: 10,
    retryMaxMs: 50,
    reconcileEveryMs: 0,
    ...over,
  });
  cleanups.push(() => cs.stop());
  return cs;
}

describe('change-driven channel sync', () => {
  it('turns a receipt of 200 units into one push per channel with each rule’s quantity', async () => {
    const s = await site(['A']);
    const shop = await shopify(['A']);
    const amazon = await new FakeAmazon({ token: 'Atza|t', sellerId: 'S1', marketplaceId: 'M1' }).start();
    cleanups.push(() => amazon.close());
    amazon.listings.set('amz-A', 0);
    const hook = await new FakeWebhookReceiver('whsec').start();
    cleanups.push(() => hook.close());
    const channels: ChannelConfig[] = [
      shopifyChannel('shop', shop.url, TOKEN, ['A'], { rule: { pct: 1, channelBuffer: 0, endWhen: 0, max: 150 } }),
      {
        id: 'amazon', connector: 'amazon', mode: 'live', locations: ['stock'], rule: { pct: 0.5, channelBuffer: 5, endWhen: 0 },
        skus: { A: { item: 'amz-A' } },
        amazon: { endpoint: amazon.url, sellerId: 'S1', marketplaceId: 'M1', accessToken: 'Atza|t', productType: 'PRODUCT', fulfillmentChannelCode: 'DEFAULT' },
        http: { timeoutMs: 2000, maxTries: 3, backoffBaseMs: 5, backoffMaxMs: 50 },
      },
      { id: 'b2b', connector: 'webhook', mode: 'live', locations: ['stock'], rule: { pct: 1, channelBuffer: 0, endWhen: 0, fixed: 20 }, skus: { A: {} }, webhook: { url: `${hook.url}/stock`, secret: 'whsec', batchSize: 100 } },
    ];
    const cs = sync(s, channels, { globalBuffer: 2 });
    await cs.start();
    await cs.idle();
    // Shopify and Amazon were read and already show 0: nothing pushed. The webhook cannot be read: it got its 0.
    expect([shop.setRequests().length, amazon.requests.filter((r) => r.method === 'PATCH').length]).toEqual([0, 0]);
    expect(hook.received.map((r) => r.items.map((i) => i.quantity))).toEqual([[0]]);
    hook.received.length = 0;
    const pushesBefore = cs.stats.pushes;

    for (let i = 0; i < 200; i++) {
      s.receive('A', 1);
      cs.markDirty('A');
    }
    await cs.idle();
    // global buffer 2 → 198; b2b fixed 20 first → 178 left for the others
    expect(shop.setRequests().map((r) => r.quantities![0]!.quantity)).toEqual([150]); // capped by max
    expect(amazon.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
    expect(amazon.listings.get('amz-A')).toBe(Math.floor(0.5 * (200 - 2 - 5 - 20)));
    expect(hook.received.map((r) => r.items.map((i) => i.quantity))).toEqual([[20]]);
    expect([cs.stats.marks, cs.stats.pushes - pushesBefore]).toEqual([200, 3]);
  });

  it('pushes only changes: a move that leaves a channel’s quantity unchanged sends nothing', async () => {
    const s = await site(['A', 'B']);
    const shop = await shopify(['A', 'B'], 0);
    const cs = sync(s, [shopifyChannel('shop', shop.url, TOKEN, ['A', 'B'], { rule: { pct: 1, channelBuffer: 0, endWhen: 0, max: 5 } })]);
    await cs.start();
    s.receive('A', 10);
    cs.markDirty('A');
    await cs.idle();
    s.receive('A', 10); // still capped at 5
    cs.markDirty('A');
    cs.markDirty('not-sold-here');
    await cs.idle();
    expect(shop.setRequests()).toHaveLength(1);
    expect(shop.quantity(itemGid('A'), LOCATION_GID)).toBe(5);
    expect(cs.stats.unchanged).toBeGreaterThan(0);
  });

  it('re-reads and recomputes after CHANGE_FROM_QUANTITY_STALE, with a new key for the new compare', async () => {
    const s = await site(['A']);
    const shop = await shopify(['A']);
    const cs = sync(s, [shopifyChannel('shop', shop.url, TOKEN, ['A'])]);
    await cs.start();
    s.receive('A', 10);
    cs.markDirty('A');
    await cs.idle();
    // Shopify sold 2 on its own; our next push still believes 10
    shop.faults.push({ kind: 'external-change', item: itemGid('A'), location: LOCATION_GID, quantity: 8 });
    s.receive('A', 1);
    cs.markDirty('A');
    await cs.idle();
    const sets = shop.setRequests();
    expect(sets.map((r) => [r.quantities![0]!.changeFromQuantity, r.quantities![0]!.quantity, r.answer])).toEqual([
      [0, 10, 'ok'],
      [10, 11, 'CHANGE_FROM_QUANTITY_STALE'],
      [8, 11, 'ok'],
    ]);
    expect(new Set(sets.map((r) => r.key)).size).toBe(3);
    expect(shop.quantity(itemGid('A'), LOCATION_GID)).toBe(11);
    expect(cs.store.row('shop', 'A')).toMatchObject({ should_show: 11, last_confirmed: 11, result: 'ok', unsynced_since: null });
  });

  it('raises an alert (health, metric, error log) when a channel keeps failing, and clears it on recovery', async () => {
    const s = await site(['A']);
    const shop = await shopify(['A']);
    let logged = '';
    const log = createLogger({ name: 't', level: 'info', destination: new Writable({ write(c, _e, cb) { logged += String(c); cb(); } }) });
    const registry = new Registry();
    const cs = sync(s, [shopifyChannel('shop', shop.url, TOKEN, ['A'], { http: { timeoutMs: 1000, maxTries: 1, backoffBaseMs: 1, backoffMaxMs: 1 } })], {
      log,
      registry,
      thresholds: { maxConsecutiveFailures: 3, maxUnsyncedMs: 100 },
    });
    await cs.start();
    await cs.idle();
    for (let i = 0; i < 1000; i++) shop.faults.push({ kind: 'http500' });
    s.receive('A', 3);
    cs.markDirty('A');
    await waitFor(() => cs.health('shop')[0]!.alerts.length === 2, 'both alerts');
    const h = cs.health('shop')[0]!;
    expect(h.status).toBe('alert');
    expect(h.alerts.map((a) => a.code).sort()).toEqual(['consecutive-failures', 'unsynced-too-long']);
    expect(h.lastError).toBe('HTTP 500');
    expect(await registry.getSingleMetricAsString('dockgate_channel_alert')).toContain('dockgate_channel_alert{channel="shop"} 1');
    expect(logged).toMatch(/"level":"error".*"msg":"channel sync alert"/);
    expect(logged).not.toContain(TOKEN);

    shop.faults.length = 0;
    await waitFor(() => cs.health('shop')[0]!.status === 'ok', 'recovery');
    expect(shop.quantity(itemGid('A'), LOCATION_GID)).toBe(3);
    expect(logged).toContain('channel sync healthy again');
    expect(await registry.getSingleMetricAsString('dockgate_channel_alert')).toContain('dockgate_channel_alert{channel="shop"} 0');
  });

  it('resumes after a crash mid-push: replays the same key (no double-apply), catches lost marks, re-pushes nothing else', async () => {
    const s = await site(['A', 'B', 'C']);
    const shop = await shopify(['A', 'B', 'C']);
    const channel = shopifyChannel('shop', shop.url, TOKEN, ['A', 'B', 'C'], { http: { timeoutMs: 60_000, maxTries: 1, backoffBaseMs: 1, backoffMaxMs: 1 } });
    const first = sync(s, [channel]);
    await first.start();
    s.receive('B', 4);
    first.markDirty('B');
    await first.idle();
    // A's push reaches Shopify and is applied, but the answer never comes back: the hub dies here.
    shop.faults.push({ kind: 'apply-then-hang', ms: 60_000 });
    s.receive('A', 7);
    first.markDirty('A');
    await waitFor(() => shop.applications.some((a) => a.quantity === 7), 'A applied at Shopify');
    const crashedKey = shop.setRequests().at(-1)!.key!;
    // …and a move of C committed after the last mark the dead hub saw.
    s.receive('C', 2);
    const setsBefore = shop.setRequests().length;

    const db2 = openDatabase(s.path); // the restarted hub's own connection
    cleanups.push(() => void db2.close());
    const second = new ChannelSync({ db: db2, channels: [{ ...channel, http: { timeoutMs: 2000, maxTries: 3, backoffBaseMs: 5, backoffMaxMs: 50 } }], availability: ledgerAvailability(db2), log: silentLogger(), reconcileEveryMs: 0 });
    cleanups.push(() => second.stop());
    await second.start();
    await second.idle();

    const after = shop.setRequests().slice(setsBefore);
    expect(after[0]).toMatchObject({ key: crashedKey, answer: 'ok' }); // the replay, answered from Shopify's key cache
    expect(after.slice(1).map((r) => r.quantities!.map((q) => [q.inventoryItemId, q.quantity]))).toEqual([[[itemGid('C'), 2]]]);
    expect(shop.appliedPerKey().get(crashedKey)).toBe(1);
    expect([...shop.appliedPerKey().values()].every((n) => n === 1)).toBe(true);
    expect(['A', 'B', 'C'].map((k) => shop.quantity(itemGid(k), LOCATION_GID))).toEqual([7, 4, 2]);
    expect(second.store.attempts('shop')).toEqual([]);
    await shop.close(); // the dead hub's connection ends with the fake server
    await first.stop();
  });

  it('two channels selling the last unit at once: one order holds it, the other is refused, both channels go to 0', async () => {
    const s = await site(['A']);
    const shop = await shopify(['A']);
    const shop2 = await shopify(['A']);
    const channels = [shopifyChannel('shop', shop.url, TOKEN, ['A']), shopifyChannel('shop-us', shop2.url, TOKEN, ['A'])];
    const cs = sync(s, channels);
    await cs.start();
    s.receive('A', 1);
    cs.markDirty('A');
    await cs.idle();
    expect([shop.quantity(itemGid('A'), LOCATION_GID), shop2.quantity(itemGid('A'), LOCATION_GID)]).toEqual([1, 1]);

    const deps = { reservations: ledgerReservations(s.db), markDirty: (sku: string) => cs.markDirty(sku), now: () => Date.now() };
    const results = await Promise.allSettled(channels.map(async (c, i) => createChannelOrder(deps, c, { orderId: `o-${i}`, lines: [{ sku: 'A', qty: 1 }] })));
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toBeInstanceOf(ChannelOrderError);
    expect(lost[0]!.reason).toMatchObject({ code: 'insufficient_available', field: 'lines[0].qty' });
    await cs.idle();
    expect([shop.quantity(itemGid('A'), LOCATION_GID), shop2.quantity(itemGid('A'), LOCATION_GID)]).toEqual([0, 0]);
  });

  it('shadow mode records what it would push and what the channel shows, and never writes', async () => {
    const s = await site(['A', 'B']);
    const shop = await shopify(['A', 'B'], 5);
    s.receive('A', 7);
    s.receive('B', 5);
    const cs = sync(s, [shopifyChannel('shop', shop.url, TOKEN, ['A', 'B'], { mode: 'shadow' })]);
    await cs.start();
    await cs.idle();
    expect(shop.setRequests()).toEqual([]);
    expect(cs.store.row('shop', 'A')).toMatchObject({ should_show: 7, channel_shows: 5, result: 'shadow' });
    expect(cs.store.row('shop', 'B')).toMatchObject({ should_show: 5, channel_shows: 5 });
    const h = cs.health('shop')[0]!;
    expect(h).toMatchObject({ mode: 'shadow', status: 'warn', shadow: { mismatchedSkus: 1, mismatchedUnits: 2 } });
  });

  it('a forced resync pushes every SKU again; a plain reconcile pushes none when in sync', async () => {
    const s = await site(['A', 'B', 'C']);
    const shop = await shopify(['A', 'B', 'C']);
    const cs = sync(s, [shopifyChannel('shop', shop.url, TOKEN, ['A', 'B', 'C'])]);
    for (const k of ['A', 'B', 'C']) s.receive(k, 3);
    await cs.start();
    await cs.idle();
    const n = shop.setRequests().length;
    expect(n).toBe(1); // one batch of three
    expect((await cs.reconcile()).queued).toBe(3);
    await cs.idle();
    expect(shop.setRequests().length).toBe(n);
    await cs.reconcile({ channel: 'shop', force: true });
    await cs.idle();
    expect(shop.setRequests().length).toBe(n + 1);
    expect(shop.setRequests().at(-1)!.quantities).toHaveLength(3);
  });

  it('a verifying reconcile finds stock edited in the channel’s admin and corrects it', async () => {
    const s = await site(['A', 'B']);
    const shop = await shopify(['A', 'B']);
    const cs = sync(s, [shopifyChannel('shop', shop.url, TOKEN, ['A', 'B'])]);
    s.receive('A', 4);
    s.receive('B', 6);
    await cs.start();
    await cs.idle();
    shop.seed(itemGid('B'), LOCATION_GID, 40); // someone typed 40 into Shopify admin
    expect((await cs.reconcile()).drifted).toBe(0);
    await cs.idle();
    expect(shop.quantity(itemGid('B'), LOCATION_GID)).toBe(40); // a plain reconcile trusts what was confirmed
    expect((await cs.reconcile({ verify: true })).drifted).toBe(1);
    await cs.idle();
    expect(shop.quantity(itemGid('B'), LOCATION_GID)).toBe(6);
    expect(shop.setRequests().at(-1)!.quantities).toEqual([{ inventoryItemId: itemGid('B'), locationId: LOCATION_GID, quantity: 6, changeFromQuantity: 40 }]);
  });
});
