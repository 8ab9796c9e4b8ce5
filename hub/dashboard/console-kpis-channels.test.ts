// The console's KPIs and Channels screens in a real headless Chromium against a real hub fed over MQTT. Three weeks of a
// site are played through the hub on a clock set back (passes in and out at the doors, receipts and shipments opened
// and closed, a put-away, a cycle count), so the charts have periods to show; channels are real webhook receivers.
// Each screen is photographed at tablet and desktop size into test-artifacts/console/.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeWebhookReceiver } from '../channels/testing/fake-webhook.js';
import { hubModules } from '../modules.js';
import { call, epc, gatewayStatus, passDraft, publishStatus } from '../status/test-support.js';
import { BASE_SITE_YAML, startTestHub, TestGateway, type TestHub } from '../testing/harness.js';
import { launchChromium, shoot, signIn } from './test-support.js';

const VIEWER = 'wall-token-1';
const OPERATOR = 'floor-token-1';
const ADMIN = 'boss-token-1';
const DAY = 86_400_000;

interface Point { inventoryValue: number; receivingAccuracy: number | null; shippingAccuracy: number | null; inventoryRecordAccuracy: number | null }
interface Health { mode: string; status: string; lastSuccessAt: string | null; lastFailureAt: string | null; lastError: string | null; shadow?: { mismatchedUnits: number } }

describe('console: KPIs and channels in a real headless Chromium', () => {
  let t: TestHub;
  let gw: TestGateway;
  let browser: Browser;
  let page: Page;
  let offset = -20 * DAY; // the hub's and the gateway's clock: three weeks ago, then later
  const clock = () => Date.now() + offset;
  let keys = 0;
  const ok = async (method: string, path: string, body: unknown, token = OPERATOR) => {
    const r = await call(t.hub.url, method, path, { token, body, headers: { 'idempotency-key': `k-${++keys}` } });
    expect([200, 201], `${method} ${path}: ${JSON.stringify(r.body)}`).toContain(r.status);
    return r.body;
  };
  const receivers: FakeWebhookReceiver[] = [];

  beforeAll(async () => {
    t = await startTestHub({
      modulesFor: hubModules,
      clock,
      yaml: `${BASE_SITE_YAML}\ncurrency: USD\n`,
      env: { DOCKGATE_API_TOKENS: `wall:viewer:${VIEWER},floor:operator:${OPERATOR},boss:admin:${ADMIN}` },
    });
    gw = await TestGateway.connect(t.mqttUrl, { clock });
    await publishStatus(t.mqttUrl, gatewayStatus({}, clock()));

    // Day −20: 4 pallets received at door-1 against PO-1 (clean) and put away; 4 boxes of OLD-1 that never sell.
    await ok('POST', '/api/v1/items', { sku: 'PAL-1', name: 'Pallet', tracking: 'serial', gtins: ['09506000134352'], reorderPoint: 3 }, ADMIN);
    await ok('POST', '/api/v1/items', { sku: 'OLD-1', name: 'Old stock', tracking: 'quantity' }, ADMIN);
    await ok('POST', '/api/v1/moves', { sku: 'OLD-1', qty: 4, from: 'supplier', to: 'stock', reason: 'receipt', unitCost: 1000, note: 'opening stock' }, ADMIN);
    await ok('POST', '/api/v1/receipts', { po: 'PO-1', lines: [{ sku: 'PAL-1', qty: 4, unitCost: 250 }] });
    await ok('POST', '/api/v1/receipts/PO-1/open', { door: 'door-1' });
    await gw.send(['1', '2', '3', '4'].map((s) => passDraft('door-1', epc(s), 'in', clock())));
    await ok('POST', '/api/v1/receipts/PO-1/close', {});
    await ok('POST', '/api/v1/putaway', { to: 'stock', units: ['1', '2', '3', '4'].map((s) => ({ epc: epc(s) })) });

    // Day −10: SH-1 ships 2 (clean); a count of the stock finds the 2 left (within tolerance).
    offset = -10 * DAY;
    await ok('POST', '/api/v1/shipments', { id: 'SH-1', lines: [{ sku: 'PAL-1', qty: 2 }] });
    await ok('POST', '/api/v1/shipments/SH-1/open', { door: 'door-2' });
    await gw.send(['1', '2'].map((s) => passDraft('door-2', epc(s), 'out', clock())));
    await ok('POST', '/api/v1/shipments/SH-1/close', {});
    const count = (await ok('POST', '/api/v1/counts', { location: 'stock', skus: ['PAL-1'] })) as { id: number };
    await ok('POST', `/api/v1/counts/${count.id}/lines`, { lines: [{ epc: epc('3') }, { epc: epc('4') }] });
    await ok('POST', `/api/v1/counts/${count.id}/close`, {});

    // Day −3: SH-2 expects 2, only 1 leaves: a missing_outbound variance.
    offset = -3 * DAY;
    await ok('POST', '/api/v1/shipments', { id: 'SH-2', lines: [{ sku: 'PAL-1', qty: 2 }] });
    await ok('POST', '/api/v1/shipments/SH-2/open', { door: 'door-2' });
    await gw.send([passDraft('door-2', epc('3'), 'out', clock())]);
    await ok('POST', '/api/v1/shipments/SH-2/close', {});
    offset = 0;
    await publishStatus(t.mqttUrl, gatewayStatus()); // the gateway is heard from now

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 800, height: 1280 }, locale: 'en-US' });
    page.setDefaultTimeout(10_000);
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    await t?.stop();
    for (const r of receivers) await r.close();
  });

  it('9 KPIs: figures of the span in dollars and units, charts over time from the series, reorder suggestions, dead stock', async () => {
    await signIn(page, t.hub.url, VIEWER);
    const series = page.waitForResponse((r) => r.url().includes('/api/v1/reports/kpi/series?'));
    await page.click('[data-nav="kpis"]');
    const got = (await (await series).json()) as { currency: string; bucketDays: number; points: Point[] };
    expect([got.currency, got.bucketDays, got.points.length]).toEqual(['USD', 7, 12]);
    await page.waitForSelector('[data-kpi="value"]');

    // The span is the 12 weeks up to the coming midnight (84 days). Money is USD (config), in cents.
    const tile = async (id: string) => [await page.textContent(`[data-kpi="${id}"] [data-role="value"]`), (await page.textContent(`[data-kpi="${id}"]`))!];
    expect((await tile('ira'))[0]).toBe('100%'); // the count: 2 of 2 within tolerance
    expect(await tile('receiving')).toEqual(['100%', expect.stringContaining('1 of 1 receipts')]);
    expect(await tile('shipping')).toEqual(['50%', expect.stringContaining('1 of 2 shipments')]); // SH-2 left one behind
    // Left: 1 pallet at 250 ¢ and 4 × OLD-1 at 1000 ¢ = $42.50 in 5 units.
    expect(await tile('value')).toEqual(['$42.50', expect.stringContaining('5 units')]);
    // COGS 3 × $2.50 = $7.50 over an average inventory of ($0 + $42.50) / 2: 0.35×; 84 d × 2125 / 750 = 238 days on hand.
    expect(await tile('turnover')).toEqual(['0.35×', expect.stringContaining('$7.50, 3 units')]);
    expect((await tile('days-on-hand'))[0]).toBe('238 d');
    expect(await tile('dead')).toEqual(['$40.00', expect.stringContaining('1 SKU, 4 units, no shipment in 90 d')]);
    expect((await tile('low'))[0]).toBe('1 SKU');

    // Charts plot exactly what the series said, period by period; stock was there in the last three weeks only.
    const plotted = (chart: string, s: string) => page.locator(`[data-chart="${chart}"] [data-series="${s}"] circle`).evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-v'))));
    expect(await plotted('value', 'inventory')).toEqual(got.points.map((p) => p.inventoryValue));
    expect(got.points.slice(-3).every((p) => p.inventoryValue > 0)).toBe(true);
    const notNull = (k: keyof Point) => got.points.map((p) => p[k]).filter((v) => v !== null);
    expect(notNull('receivingAccuracy')).toEqual([1]);
    expect(notNull('shippingAccuracy')).toEqual([1, 0]); // SH-1 then SH-2, in separate weeks
    expect(await plotted('accuracy', 'receiving')).toEqual([1]);
    expect(await plotted('accuracy', 'shipping')).toEqual([1, 0]);
    expect(await plotted('accuracy', 'ira')).toEqual(notNull('inventoryRecordAccuracy'));
    expect(await page.textContent('[data-chart="accuracy"] [data-legend="shipping"]')).toBe('shipping: 0%');

    // Reorder: 1 available ≤ 3; sold 3 in 84 d, × 30 cover days = 1.07 → 2; order 3 + 2 − 1 = 4 at $2.50.
    expect(await page.locator('#reorder tbody tr').evaluateAll((els) => els.map((e) => e.getAttribute('data-sku')))).toEqual(['PAL-1']);
    expect(await page.textContent('#reorder tr[data-sku="PAL-1"] [data-role="qty"]')).toBe('4 units');
    expect(await page.textContent('#reorder tr[data-sku="PAL-1"] [data-role="value"]')).toBe('$10.00');
    expect(await page.textContent('#dead tr[data-sku="OLD-1"] [data-role="value"]')).toBe('$40.00');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('button[data-action="csv"]')]);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync((await download.path())!, 'utf8')).toBe('sku,available,reorder point,sales per day,order qty,unit cost (USD),cost (USD)\r\nPAL-1,1,3,0.04,4,2.50,10.00\r\n');
    await shoot(page, 'kpis');

    // Another span: 30 daily periods.
    const daily = page.waitForResponse((r) => r.url().includes('bucketDays=1'));
    await page.selectOption('select[name="span"]', 'days');
    expect(((await (await daily).json()) as { points: unknown[] }).points).toHaveLength(30);
    await page.waitForFunction('document.querySelectorAll(\'[data-chart="value"] [data-series="inventory"] circle\').length === 30');
  });

  it('10 channels: health, last push, drift and shadow differences; only an admin is offered the shadow/live switch', async () => {
    const start = async (secret: string, shows?: number) => {
      const r = await new FakeWebhookReceiver(secret).start();
      if (shows !== undefined) r.shows.set('pal-1', shows);
      receivers.push(r);
      return r;
    };
    const web = await start('s-web');
    const outlet = await start('s-outlet', 7); // shows 7 where 1 is available
    const channel = (url: string, secret: string, extra: Record<string, unknown> = {}) => ({ connector: 'webhook', locations: ['stock'], skus: { 'PAL-1': { item: 'pal-1' } }, rule: { pct: 1 }, webhook: { url, readUrl: url, secret }, ...extra });
    await ok('PUT', '/api/v1/channels/web', channel(web.url, 's-web', { name: 'Web shop' }), ADMIN);
    await ok('PUT', '/api/v1/channels/outlet', channel(outlet.url, 's-outlet', { mode: 'shadow' }), ADMIN);
    await ok('PUT', '/api/v1/channels/broken', channel('http://127.0.0.1:9/stock', 's-broken', { http: { maxTries: 1, backoffBaseMs: 0, timeoutMs: 2000 } }), ADMIN);
    const health = async (id: string) => (await call<{ health: Health }>(t.hub.url, 'GET', `/api/v1/channels/${id}`, { token: VIEWER })).body.health;
    const until = async (id: string, cond: (h: Health) => boolean) => {
      for (let i = 0; i < 400 && !cond(await health(id)); i++) await new Promise((r) => setTimeout(r, 50));
      expect(cond(await health(id)), `${id}: ${JSON.stringify(await health(id))}`).toBe(true);
    };
    await until('web', (h) => h.lastSuccessAt !== null);
    await until('broken', (h) => h.status === 'alert'); // 3 failed pushes in a row
    await until('outlet', (h) => h.shadow?.mismatchedUnits === 6);
    expect(web.shows.get('pal-1')).toBe(1);

    // The operator sees health and no switch (the API would refuse it anyway).
    await signIn(page, t.hub.url, OPERATOR, 'channels');
    await page.waitForSelector('[data-channel="broken"] [data-role="last-failure"]');
    expect(await page.locator('#channels button').count()).toBe(0);
    expect((await call(t.hub.url, 'POST', '/api/v1/channels/outlet/mode', { token: OPERATOR, body: { mode: 'live' } })).status).toBe(403);

    await signIn(page, t.hub.url, ADMIN, 'channels');
    await page.waitForSelector('[data-channel="outlet"] [data-role="shadow"]');
    expect(await page.locator('#channels [data-channel]').evaluateAll((els) => els.map((e) => e.getAttribute('data-channel')))).toEqual(['web', 'outlet', 'broken']);
    const webCard = page.locator('[data-channel="web"]');
    expect(await webCard.locator('.title a').textContent()).toBe('Web shop');
    expect(await webCard.locator('[data-role="status"]').textContent()).toBe('ok');
    expect(await webCard.locator('[data-role="last-push"]').textContent()).toMatch(/^last push confirmed \d+ s ago$/);
    expect(await webCard.locator('[data-role="drift"]').textContent()).toBe('drift 0 units over 0 SKUs');
    expect(await page.textContent('[data-channel="broken"] [data-role="last-failure"]')).toContain((await health('broken')).lastError!);
    expect(await page.textContent('[data-channel="broken"] [data-role="status"]')).toBe('alert');
    expect(await page.textContent('[data-channel="broken"] [data-alert="consecutive-failures"]')).toMatch(/^\d+ pushes failed in a row/);
    expect(await page.textContent('#channel-count')).toBe('3 channels, 2 needing attention');
    expect(await page.textContent('[data-channel="outlet"] [data-role="mode"]')).toBe('shadow');
    expect(await page.textContent('[data-channel="outlet"] [data-role="last-push"]')).toMatch(/^shadow: pushes nothing, read the channel \d+ s ago$/);
    expect(await page.textContent('[data-channel="outlet"] [data-role="shadow"]')).toBe('channel shows 6 units off over 1 SKU');
    expect(await page.textContent('[data-channel="outlet"] [data-alert="shadow-mismatch"]')).toContain('shadow: channel shows 6 unit(s) off');
    await shoot(page, 'channels');

    // One channel's SKUs: what it should show against what it shows.
    await page.click('[data-channel="outlet"] .title a');
    await page.waitForSelector('#channel-skus tr[data-sku="PAL-1"]');
    expect(await page.textContent('#channel-skus tr[data-sku="PAL-1"] [data-role="should"]')).toBe('1');
    expect(await page.textContent('#channel-skus tr[data-sku="PAL-1"] [data-role="shows"]')).toBe('7');
    expect(await page.getAttribute('#channel-skus tr[data-sku="PAL-1"]', 'class')).toBe('differs');
    await shoot(page, 'channel');

    // Shadow → live takes a second tap; then the hub pushes what the channel lacks.
    await page.click('[data-channel="outlet"] button[data-action="mode"]');
    expect(await outlet.received.length).toBe(0);
    await page.click('[data-channel="outlet"] button[data-action="confirm-mode"]');
    await page.waitForSelector('#notice.ok:has-text("outlet is live now.")');
    expect((await health('outlet')).mode).toBe('live');
    await until('outlet', (h) => h.lastSuccessAt !== null);
    expect(outlet.shows.get('pal-1')).toBe(1);
    await page.waitForSelector('[data-channel="outlet"] [data-role="mode"]:has-text("live")');

    await page.goto(`${t.hub.url}/#/channels`);
    await page.click('[data-channel="web"] button[data-action="verify"]');
    await page.waitForSelector('#notice.ok:has-text("Web shop: read back, 0 SKUs drifted.")');
  });
});
