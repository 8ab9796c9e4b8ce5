import { mkdirSync } from 'node:fs';
import mqtt from 'mqtt';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubModules } from '../modules.js';
import { call, epc, gatewayStatus, passDraft, publishStatus, TEST_GTIN, waitFor } from '../status/test-support.js';
import { startTestHub, TestGateway, type TestHub } from '../testing/harness.js';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const OPERATOR = 'floor-token-1';

describe('live dashboard in a real headless Chromium', () => {
  let t: TestHub;
  let gw: TestGateway;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    t = await startTestHub({ modulesFor: hubModules, env: { DOCKGATE_API_TOKENS: `wall:viewer:wall-token-1,floor:operator:${OPERATOR},boss:admin:boss-token-1` } });
    gw = await TestGateway.connect(t.mqttUrl);
    await publishStatus(t.mqttUrl, gatewayStatus());
    expect((await call(t.hub.url, 'POST', '/api/v1/items', { token: 'boss-token-1', body: { sku: 'PAL-1', name: 'Pallet', tracking: 'serial', gtins: [TEST_GTIN] } })).status).toBe(201);
    await gw.send([passDraft('door-1', epc('1'), 'in'), passDraft('door-1', '30340000000000000000abcd', 'in')]); // the second: an unknown tag, a variance
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  });
  afterAll(async () => {
    await browser?.close();
    await gw.close();
    await t.stop();
  });

  it('asks for a token, then shows the doors and goes live', async () => {
    await page.goto(t.hub.url + '/');
    await page.waitForSelector('#error:has-text("token")');
    await page.fill('#token', OPERATOR);
    await Promise.all([page.waitForNavigation(), page.click('#auth button')]);
    await page.waitForSelector('body[data-live="true"]');
    expect(await page.evaluate("sessionStorage.getItem('dockgate.token')")).toBe(OPERATOR);
    expect(await page.locator('.tile').count()).toBe(3);
    expect(await page.textContent('#verdict')).toBe('ok');
    expect(await page.locator('.tile.reading').count()).toBe(3);
    expect(await page.textContent('[data-door="door-1"] [data-role="variances"]')).toBe('1 open');
    expect(await page.textContent('#gateways')).toContain('reader portal-1: reading');
  });

  it('shows a pass published over MQTT within a second', async () => {
    const [event] = await gw.send([passDraft('door-1', epc('2'), 'in')]); // resolves once the hub has committed it
    await page.waitForSelector(`[data-door="door-1"] .passes li[data-event="${event!.id}"]`, { timeout: 1000 });
    expect(await page.textContent(`[data-door="door-1"] .passes li[data-event="${event!.id}"]`)).toContain('PAL-1');
    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/dashboard.png', fullPage: true });
  });

  it('resolves a variance from the page, and the API shows it resolved by the token that did it', async () => {
    const open = (await call<{ variances: Array<{ id: number; type: string }> }>(t.hub.url, 'GET', '/api/v1/variances?status=open', { token: OPERATOR })).body.variances;
    expect(open.map((v) => v.type)).toEqual(['unknown_tag']);
    const row = page.locator(`[data-key="variance:${open[0]!.id}"]`);
    await row.locator('input[name="note"]').fill('stray tag from the truck');
    await row.locator('button[data-action="dismiss"]').click();
    const v = await waitFor('variance dismissed', async () => {
      const r = await call<{ status: string; resolvedBy: string; resolutionReason: string }>(t.hub.url, 'GET', `/api/v1/variances/${open[0]!.id}`, { token: OPERATOR });
      return r.body.status === 'open' ? undefined : r.body;
    });
    expect(v).toMatchObject({ status: 'dismissed', resolutionReason: 'stray tag from the truck', resolvedBy: expect.stringContaining('floor') });
    await page.waitForSelector(`[data-key="variance:${open[0]!.id}"]`, { state: 'detached' });
    await page.waitForSelector('[data-door="door-1"]:not(.has-variances)');
    await page.waitForSelector('#variances .empty');
  });

  it('shows why the broker refused a gateway, and an exception that is no variance on its door and in the open list', async () => {
    const refused = await mqtt.connectAsync(t.mqttUrl, { username: 'gw-1', password: 'typo', clientId: 'dockgate-gw-1', reconnectPeriod: 0 }).then(() => 'connected', (err: Error) => err.message);
    expect(refused).toMatch(/Bad username or password/i);
    await gw.send([passDraft('door-2', epc('99'), 'out')]); // shipped but never received: unknown_unit, no variance
    await page.waitForSelector('[data-door="door-2"] [data-role="exceptions"]');
    expect(await page.textContent('[data-door="door-2"] [data-role="exceptions"]')).toBe('1 exception');
    await page.waitForSelector('#gateways [data-refused="gw-1"]');
    expect(await page.textContent('#gateways [data-refused="gw-1"]')).toContain('wrong password');
    expect(await page.textContent('#verdict')).toBe('degraded');
    const row = page.locator('[data-key^="exception:"]');
    expect(await row.textContent()).toContain('unknown unit');
    await row.locator('button[data-action="resolve"]').click();
    await page.waitForSelector('[data-door="door-2"]:not(.has-variances)');
  });

  it('fits a tablet without sideways scrolling', async () => {
    await page.setViewportSize({ width: 768, height: 1024 });
    await page.waitForSelector('.tile');
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    const boxes = await page.locator('.tile').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width));
    expect(Math.min(...boxes)).toBeGreaterThan(200);
  });
});
