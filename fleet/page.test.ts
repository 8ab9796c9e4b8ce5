// The central page in a real headless Chromium against a real fleet (NATS JetStream and PostgreSQL started here):
// three sites' feeds published to their streams, the page signs in with a viewer token, shows which site is stale,
// each site's doors with their open documents and variances, the transfer between two sites, and follows a change
// live. Screenshots at tablet and desktop size go to test-artifacts/fleet/.
import { mkdirSync } from 'node:fs';
import { jetstream, jetstreamManager, StorageType, type JetStreamClient } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEED_VERSION, feedStream, feedSubject, type FeedRecord, type MoveChange } from '../protocols/feed/index.js';
import { silentLogger } from '../protocols/logging/index.js';
import { hashSecret } from '../protocols/secrets/secret-hash.js';
import { startFleet, type Fleet } from './app.js';
import { parseFleetConfig } from './config.js';
import { startNatsCluster, type NatsCluster } from './testing/nats-cluster.js';
import { waitFor } from './testing/ports.js';
import { startPostgres, type TestPostgres } from './testing/postgres.js';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ARTIFACTS = 'test-artifacts/fleet';
const TOKEN = 'fleet-wall-1';

async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  for (const [size, w, h] of [['tablet', 800, 1280], ['desktop', 1440, 900]] as const) {
    await page.setViewportSize({ width: w, height: h });
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'), `${name} at ${size}: no sideways scrolling`).toBe(true);
    await page.screenshot({ path: `${ARTIFACTS}/${name}-${size}.png`, fullPage: true });
  }
}

const seqs = new Map<string, number>();
function record(site: string, kind: FeedRecord['kind'], data: FeedRecord['data']): FeedRecord {
  const seq = (seqs.get(site) ?? 0) + 1;
  seqs.set(site, seq);
  return { v: FEED_VERSION, site, seq, id: `${site}-${seq}`, ts: new Date().toISOString(), kind, data } as FeedRecord;
}
const move = (site: string, m: Partial<MoveChange>) => record(site, 'move', {
  sku: 'X', qty: 1, from: 'adjustment', to: 'stock', fromKind: 'adjustment', toKind: 'stock', fromVirtual: true, toVirtual: false, reason: 'adjustment', reference: null, epc: null, occurredAt: new Date().toISOString(), valueDelta: 0, ...m,
});

describe('the fleet central page in a real headless Chromium', () => {
  let nats: NatsCluster;
  let pgsrv: TestPostgres;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let fleet: Fleet;
  let browser: Browser;
  let page: Page;
  const publish = async (...records: FeedRecord[]) => {
    for (const r of records) await js.publish(feedSubject(r.site), JSON.stringify(r), { msgID: r.id });
  };
  const applied = async (site: string) => Number((await fleet.pool.query('SELECT applied_through FROM fleet_sites WHERE site = $1', [site])).rows[0]?.applied_through ?? 0);

  beforeAll(async () => {
    [nats, pgsrv] = await Promise.all([startNatsCluster(1), startPostgres()]);
    nc = await connect({ servers: nats.servers });
    const jsm = await jetstreamManager(nc);
    js = jetstream(nc);
    for (const s of ['site-a', 'site-b', 'site-c']) await jsm.streams.add({ name: feedStream(s), subjects: [feedSubject(s)], storage: StorageType.File, num_replicas: 1 });
    fleet = await startFleet(parseFleetConfig(`sites: [{ id: site-a }, { id: site-b }, { id: site-c }]
nats: { servers: [${nats.servers.join(', ')}], replicas: 1, retryMs: 200 }
postgres: { url: '${pgsrv.url}', poolSize: 4 }
http: { host: 127.0.0.1, port: 0, tokens: [{ name: wall, role: viewer, tokenHash: '${hashSecret(TOKEN, { N: 1024 })}' }] }
staleAfterS: 3600
`), silentLogger());
    const doc = (door: string, document: string, party: string, qty: number) => ({ document, door, party, lines: [{ sku: 'X', qty, done: null }] });
    await publish(
      move('site-a', { qty: 40 }),
      record('site-a', 'receipt.opened', doc('door-1', 'PO-7', 'acme', 5)),
      record('site-a', 'variance.opened', { variance: 3, type: 'over', status: 'open', door: 'door-1', reference: 'PO-7', sku: 'X', expected: 5, actual: 6, message: 'one unit over PO-7' }),
      record('site-a', 'shipment.opened', doc('door-2', 'TR-1', 'site:site-b', 10)),
      move('site-a', { qty: 10, from: 'stock', to: 'transit', fromKind: 'stock', toKind: 'transit', fromVirtual: false, toVirtual: true, reason: 'shipment', reference: 'TR-1' }),
      record('site-b', 'receipt.opened', doc('dock-9', 'TR-1', 'site:site-a', 10)),
      move('site-b', { qty: 8, from: 'supplier', to: 'stock', fromKind: 'supplier', toKind: 'stock', reason: 'receipt', reference: 'TR-1' }),
    );
    await waitFor('the fleet to apply both feeds', async () => (await applied('site-a')) === 5 && (await applied('site-b')) === 2, 30_000);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 800, height: 1280 } });
    page.setDefaultTimeout(15_000);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await fleet?.stop();
    await nc?.close();
    await nats?.stop();
    await pgsrv?.stop();
  }, 60_000);

  it('serves its shell and bundle to anyone, its data only with a token', async () => {
    for (const [path, type] of [['/', 'text/html'], ['/fleet/app.js', 'text/javascript'], ['/fleet/app.css', 'text/css']]) {
      const r = await fetch(fleet.url + path);
      expect(r.status, path).toBe(200);
      expect(r.headers.get('content-type'), path).toContain(type!);
    }
    expect((await fetch(`${fleet.url}/api/v1/central`)).status).toBe(401);
    const r = await fetch(`${fleet.url}/api/v1/central`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ staleAfterS: 3600, kpis: { sites: 2, unitsInTransit: 10, openVariances: 1, staleSites: 1 } });
  });

  it('signs in, refuses a wrong token, and shows every site, its doors and verdicts, and the transfer', async () => {
    await page.goto(fleet.url + '/');
    await page.waitForSelector('label[for="token"]:has-text("Sign in with your API token")');
    await shoot(page, 'sign-in');
    await page.fill('#token', 'not-a-token');
    await page.click('#signin button[type="submit"]');
    await page.waitForSelector('[role="alert"]:has-text("That token is not valid.")');
    await page.fill('#token', TOKEN);
    await page.click('#signin button[type="submit"]');
    await page.waitForSelector('#summary');
    expect(await page.textContent('#summary')).toBe('1 of 3 sites stale');
    // The stale site first, saying why; the others fresh.
    expect(await page.locator('#sites .site').evaluateAll((els) => els.map((e) => [e.getAttribute('data-site'), e.querySelector('.state')!.textContent]))).toEqual([['site-c', 'STALE'], ['site-a', 'fresh'], ['site-b', 'fresh']]);
    expect(await page.textContent('#sites [data-site="site-c"] .behind')).toBe('behind: no change yet');
    expect(await page.textContent('#sites [data-site="site-a"] .sub')).toBe('applied through #5 · 0 pending');
    // Doors by site: documents open at each, and the open variance at door-1 with its message.
    const door1 = page.locator('#doors [data-site="site-a"] [data-door="door-1"]');
    expect(await door1.locator('.sub').textContent()).toBe('receipt PO-7');
    expect(await door1.locator('.badge').textContent()).toBe('1');
    expect(await door1.locator('.verdicts li').textContent()).toBe('over X: one unit over PO-7');
    expect(await page.textContent('#doors [data-site="site-a"] [data-door="door-2"] .sub')).toBe('shipment TR-1');
    expect(await page.textContent('#doors [data-site="site-b"] [data-door="dock-9"] .sub')).toBe('receipt TR-1');
    expect(await page.locator('#transfers tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)))).toEqual([
      ['TR-1', 'site-a → site-b', 'in transit', 'X: 10 shipped, 8 received'],
    ]);
    expect(await page.textContent('#kpis')).toContain('10 in transit');
    await shoot(page, 'central');
  });

  it('follows the feed: a variance resolved at the site leaves the door within a refresh', async () => {
    await publish(record('site-a', 'variance.resolved', { variance: 3, type: 'over', status: 'resolved', door: 'door-1', reference: 'PO-7', sku: 'X', expected: 5, actual: 6, message: 'accepted' }));
    await page.locator('#doors [data-door="door-1"] .badge').waitFor({ state: 'detached', timeout: 20_000 });
    expect(await page.textContent('#doors [data-door="door-1"] .verdicts')).toBe('');
    expect(await page.textContent('#sites [data-site="site-a"] .sub')).toBe('applied through #6 · 0 pending');
  });
});
