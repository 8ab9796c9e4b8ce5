import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../../protocols/logging/index.js';
import type { HttpSettings } from '../../protocols/channels/config.js';
import { FakeAmazon } from './testing/fake-amazon.js';
import { FakeShopify } from './testing/fake-shopify.js';
import { FakeWebhookReceiver } from './testing/fake-webhook.js';
import { amazonConnector } from '../../connectors/amazon.js';
import { backoffMs, pause, StopAbort } from '../../connectors/http.js';
import { shopifyConnector, throttleWaitMs } from '../../connectors/shopify.js';
import { systemRuntime } from '../../runtime/runtime.js';
import { SimulatedRuntime } from '../../runtime/testing/simulated-runtime.js';
import { webhookConnector } from '../../connectors/webhook.js';

const TOKEN = 'shpat_0123456789abcdef-secret';
const LOC = 'gid://shopify/Location/1';
const item = (n: number) => `gid://shopify/InventoryItem/${n}`;
const fast: HttpSettings = { timeoutMs: 2000, maxTries: 4, backoffBaseMs: 5, backoffMaxMs: 20 };
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

async function shopify(opts: Partial<ConstructorParameters<typeof FakeShopify>[0]> = {}) {
  const fake = await new FakeShopify({ token: TOKEN, ...opts }).start();
  closers.push(() => fake.close());
  return fake;
}
const shopSettings = (url: string, token = TOKEN) => ({ endpoint: url, apiVersion: '2026-04', accessToken: token, locationId: LOC, batchSize: 50 });

describe('pure helpers', () => {
  it('throttle wait comes from the bucket restore rate', () => {
    expect(throttleWaitMs(10, { maximumAvailable: 1000, currentlyAvailable: 4, restoreRate: 50 })).toBe(120);
    expect(throttleWaitMs(10, { maximumAvailable: 1000, currentlyAvailable: 40, restoreRate: 50 })).toBe(0);
  });
  it('back-off doubles and is capped', () => {
    expect(backoffMs(1, 100, 1000, 1)).toBe(100);
    expect(backoffMs(3, 100, 1000, 1)).toBe(400);
    expect(backoffMs(9, 100, 1000, 1)).toBe(1000);
    expect(backoffMs(1, 100, 1000, 0)).toBe(75);
  });
  it('a back-off wait runs on the runtime’s timers, and the stop signal ends it at once, cancelling its timer', async () => {
    const rt = new SimulatedRuntime();
    let done = false;
    const waited = pause(rt, 500).then(() => (done = true));
    await rt.advanceAsync(499);
    expect(done).toBe(false);
    await rt.advanceAsync(1);
    await waited;
    expect(done).toBe(true);

    const stop = new AbortController();
    const cut = pause(rt, 60_000, stop.signal);
    expect(rt.pending()).toBe(1);
    stop.abort();
    await expect(cut).rejects.toBeInstanceOf(StopAbort);
    expect(rt.pending()).toBe(0);
    await expect(pause(rt, 1, stop.signal)).rejects.toBeInstanceOf(StopAbort);
    expect(rt.pending()).toBe(0);
  });
});

describe('shopify connector', () => {
  it('sets available with changeFromQuantity and an @idempotent key', async () => {
    const fake = await shopify();
    fake.seed(item(1), LOC, 3);
    const c = shopifyConnector(shopSettings(fake.url), fast, systemRuntime, silentLogger());
    const out = await c.push([{ sku: 'A', item: item(1), quantity: 9, from: 3 }], 'key-1');
    expect(out).toEqual([{ sku: 'A', status: 'ok', quantity: 9 }]);
    expect(fake.quantity(item(1), LOC)).toBe(9);
    expect(fake.setRequests()[0]).toMatchObject({
      key: 'key-1',
      quantities: [{ inventoryItemId: item(1), locationId: LOC, quantity: 9, changeFromQuantity: 3 }],
    });
  });

  it('waits out THROTTLED and 429, retrying with the same key, applied once', async () => {
    const fake = await shopify({ bucket: { maximumAvailable: 1000, restoreRate: 500 } });
    fake.seed(item(1), LOC, 0);
    fake.faults.push({ kind: 'throttle' }, { kind: 'http429' });
    const c = shopifyConnector(shopSettings(fake.url), fast, systemRuntime, silentLogger());
    expect(await c.push([{ sku: 'A', item: item(1), quantity: 5, from: 0 }], 'k-throttle')).toEqual([{ sku: 'A', status: 'ok', quantity: 5 }]);
    expect(fake.setRequests().map((r) => [r.key, r.answer])).toEqual([
      ['k-throttle', 'THROTTLED'],
      ['k-throttle', 'HTTP 429'],
      ['k-throttle', 'ok'],
    ]);
    expect(fake.appliedPerKey()).toEqual(new Map([['k-throttle', 1]]));
  });

  it('retries a 5xx after the mutation was applied with the same key and does not apply twice', async () => {
    const fake = await shopify();
    fake.seed(item(1), LOC, 2);
    fake.seed(item(2), LOC, 0);
    fake.faults.push({ kind: 'http500' }, { kind: 'apply-then-500' });
    const c = shopifyConnector(shopSettings(fake.url), fast, systemRuntime, silentLogger());
    const two = [
      { sku: 'A', item: item(1), quantity: 7, from: 2 },
      { sku: 'B', item: item(2), quantity: 4, from: 0 },
    ];
    expect(await c.push(two, 'k-5xx')).toEqual([
      { sku: 'A', status: 'ok', quantity: 7 },
      { sku: 'B', status: 'ok', quantity: 4 },
    ]);
    expect(fake.setRequests().map((r) => r.answer)).toEqual(['HTTP 500', 'HTTP 502', 'ok']);
    expect(new Set(fake.setRequests().map((r) => r.key))).toEqual(new Set(['k-5xx']));
    // One mutation setting two items, applied once (on the 502) and answered from the key after.
    expect(fake.applications.map((a) => a.key)).toEqual(['k-5xx', 'k-5xx']);
    expect(fake.appliedPerKey().get('k-5xx')).toBe(1);
    expect([fake.quantity(item(1), LOC), fake.quantity(item(2), LOC)]).toEqual([7, 4]);
  });

  it('retries a timed-out request (applied server-side) with the same key, applied once', async () => {
    const fake = await shopify();
    fake.seed(item(1), LOC, 2);
    fake.faults.push({ kind: 'apply-then-hang', ms: 1500 });
    const c = shopifyConnector(shopSettings(fake.url), { ...fast, timeoutMs: 150 }, systemRuntime, silentLogger());
    expect(await c.push([{ sku: 'A', item: item(1), quantity: 4, from: 2 }], 'k-timeout')).toEqual([{ sku: 'A', status: 'ok', quantity: 4 }]);
    expect(fake.setRequests().length).toBe(2);
    expect(fake.appliedPerKey().get('k-timeout')).toBe(1);
  });

  it('answers CHANGE_FROM_QUANTITY_STALE with the re-read current quantity; other batch items are deferred', async () => {
    const fake = await shopify();
    fake.seed(item(1), LOC, 10);
    fake.seed(item(2), LOC, 5);
    fake.faults.push({ kind: 'external-change', item: item(1), location: LOC, quantity: 8 });
    const c = shopifyConnector(shopSettings(fake.url), fast, systemRuntime, silentLogger());
    const out = await c.push(
      [
        { sku: 'A', item: item(1), quantity: 12, from: 10 },
        { sku: 'B', item: item(2), quantity: 6, from: 5 },
      ],
      'k-stale',
    );
    expect(out).toEqual([
      { sku: 'A', status: 'stale', current: 8 },
      { sku: 'B', status: 'deferred', reason: 'batch rejected for another item' },
    ]);
    expect(fake.requests.map((r) => r.op)).toEqual(['set', 'read']);
    expect(fake.quantity(item(2), LOC)).toBe(5); // nothing of a rejected mutation is applied
  });

  it('treats userErrors in HTTP 200 as failures naming the code', async () => {
    const fake = await shopify();
    const c = shopifyConnector(shopSettings(fake.url), fast, systemRuntime, silentLogger());
    const out = await c.push([{ sku: 'A', item: item(404), quantity: 1, from: 0 }], 'k-bad');
    expect(out).toEqual([{ sku: 'A', status: 'failed', error: 'INVALID_INVENTORY_ITEM: The specified inventory item could not be found.' }]);
  });

  it('fails on a wrong token and never writes the token to the log', async () => {
    const fake = await shopify();
    fake.seed(item(1), LOC, 0);
    fake.faults.push({ kind: 'http500' });
    let logged = '';
    const log = createLogger({
      name: 't',
      level: 'trace',
      destination: new Writable({
        write(c, _e, cb) {
          logged += String(c);
          cb();
        },
      }),
    });
    const good = shopifyConnector(shopSettings(fake.url), fast, systemRuntime, log);
    expect((await good.push([{ sku: 'A', item: item(1), quantity: 1, from: 0 }], 'k-log'))[0]!.status).toBe('ok');
    const bad = shopifyConnector(shopSettings(fake.url, 'shpat_wrong-token'), fast, systemRuntime, log);
    const out = await bad.push([{ sku: 'A', item: item(1), quantity: 2, from: 1 }], 'k-401');
    expect(out[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/^HTTP 401/) });
    expect(logged).toContain('channel request will be retried');
    expect(logged).not.toContain(TOKEN);
    expect(logged).not.toContain('shpat_wrong-token');
  });

  it('reads the available quantity through inventoryItem.inventoryLevel', async () => {
    const fake = await shopify();
    fake.seed(item(1), LOC, 42);
    const c = shopifyConnector(shopSettings(fake.url), fast, systemRuntime, silentLogger());
    expect(
      await c.read([
        { sku: 'A', item: item(1) },
        { sku: 'Z', item: item(99) },
      ]),
    ).toEqual([
      { sku: 'A', quantity: 42 },
      { sku: 'Z', quantity: null, error: `inventory item ${item(99)} not found` },
    ]);
  });
});

describe('amazon connector', () => {
  const opts = { token: 'Atza|secret-token', sellerId: 'A1SELLER', marketplaceId: 'A1PA6795UKMFR9' };
  async function amazon() {
    const fake = await new FakeAmazon(opts).start();
    closers.push(() => fake.close());
    const c = amazonConnector(
      {
        endpoint: fake.url,
        sellerId: opts.sellerId,
        marketplaceId: opts.marketplaceId,
        accessToken: opts.token,
        productType: 'PRODUCT',
        fulfillmentChannelCode: 'DEFAULT',
      },
      fast,
      systemRuntime,
      silentLogger(),
    );
    return { fake, c };
  }

  it('replaces fulfillment_availability and reads it back', async () => {
    const { fake, c } = await amazon();
    fake.listings.set('SKU/1', 0);
    expect(await c.push([{ sku: 'A', item: 'SKU/1', quantity: 6, from: 0 }], 'k')).toEqual([{ sku: 'A', status: 'ok', quantity: 6 }]);
    expect(fake.listings.get('SKU/1')).toBe(6);
    expect(await c.read([{ sku: 'A', item: 'SKU/1' }])).toEqual([{ sku: 'A', quantity: 6 }]);
  });

  it('backs off on 429 and 5xx and then succeeds', async () => {
    const { fake, c } = await amazon();
    fake.listings.set('S', 1);
    fake.faults.push({ kind: 'http429' }, { kind: 'http500' });
    expect(await c.push([{ sku: 'A', item: 'S', quantity: 3, from: 1 }], 'k')).toEqual([{ sku: 'A', status: 'ok', quantity: 3 }]);
    expect(fake.requests.map((r) => r.status)).toEqual([429, 500, 200]);
  });

  it('treats ACCEPTED with an ERROR issue, and INVALID, as failures', async () => {
    const { fake, c } = await amazon();
    fake.listings.set('S', 1);
    fake.faults.push({ kind: 'issue-error' });
    expect(await c.push([{ sku: 'A', item: 'S', quantity: 3, from: 1 }], 'k')).toEqual([
      { sku: 'A', status: 'failed', error: "90220: 'quantity' must be a whole number" },
    ]);
    expect(fake.listings.get('S')).toBe(1);
    expect(await c.push([{ sku: 'B', item: 'NOPE', quantity: 3, from: 1 }], 'k')).toEqual([
      { sku: 'B', status: 'failed', error: '4000001: SKU NOPE has no listing' },
    ]);
  });
});

describe('webhook connector', () => {
  async function hook(secret = 'whsec-1') {
    const rx = await new FakeWebhookReceiver('whsec-1').start();
    closers.push(() => rx.close());
    const c = webhookConnector(
      { url: `${rx.url}/stock`, secret, readUrl: `${rx.url}/stock`, batchSize: 100 },
      { ...fast, timeoutMs: 150 },
      systemRuntime,
      silentLogger(),
    );
    return { rx, c };
  }

  it('posts a signed body the receiver verifies; 5xx and timeouts retried with the same key, applied once', async () => {
    const { rx, c } = await hook();
    rx.faults.push(500, 'hang:1000');
    const out = await c.push([{ sku: 'A', item: 'a-1', quantity: 4, from: null }], 'k-w');
    expect(out).toEqual([{ sku: 'A', status: 'ok', quantity: 4 }]);
    expect(rx.received.map((r) => r.key)).toEqual(['k-w', 'k-w', 'k-w']);
    expect(rx.applications.get('k-w')).toBe(1);
    expect(rx.rejectedSignatures).toBe(0);
    expect(await c.read([{ sku: 'A', item: 'a-1' }])).toEqual([{ sku: 'A', quantity: 4 }]);
  });

  it('fails when the receiver rejects the signature', async () => {
    const { rx, c } = await hook('wrong-secret');
    const out = await c.push([{ sku: 'A', item: 'a-1', quantity: 4, from: null }], 'k');
    expect(out[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/^HTTP 401/) });
    expect(rx.rejectedSignatures).toBe(1);
  });
});
