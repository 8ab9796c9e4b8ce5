// The fleet end to end against the real engines: two hubs publish their change feeds to a 3-node NATS JetStream
// cluster, dockgate-fleet applies them to PostgreSQL, and the central API shows stock across sites, transfers and
// freshness. Every server is started here on free loopback ports with its own data dir.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../protocols/logging/index.js';
import { startFleet, type Fleet } from '../../fleet/app.js';
import { startNatsCluster, type NatsCluster } from '../../fleet/testing/nats-cluster.js';
import { startPostgres, type TestPostgres } from '../../fleet/testing/postgres.js';
import { waitFor } from '../../fleet/testing/ports.js';
import { TestGateway, type TestHub } from '../../hub/testing/harness.js';
import { gtin, scan } from '../../hub/variances/scenario-support.js';
import { fleetConfig, hubApi, hubBalances, postMove, startFeedHub } from './fleet-support.js';

describe('fleet over NATS JetStream and PostgreSQL', () => {
  let nats: NatsCluster;
  let pgsrv: TestPostgres;
  let a: TestHub;
  let b: TestHub;
  let fleet: Fleet;
  const get = async (url: string) => (await fleet.http.inject({ method: 'GET', url })).json();

  beforeAll(async () => {
    [nats, pgsrv] = await Promise.all([startNatsCluster(3), startPostgres()]);
    a = await startFeedHub('site-a', nats.servers);
    b = await startFeedHub('site-b', nats.servers);
    fleet = await startFleet(fleetConfig(['site-a', 'site-b'], nats.servers, pgsrv.url), silentLogger());
  }, 120_000);
  afterAll(async () => {
    await fleet?.stop();
    await a?.stop();
    await b?.stop();
    await nats?.stop();
    await pgsrv?.stop();
  }, 60_000);

  it('applies both sites\' moves once: stock per SKU across sites equals each hub\'s ledger; a transfer A → B is matched and its variances raised', async () => {
    for (const t of [a, b]) {
      expect((await hubApi(t, 'POST', '/api/v1/items', { sku: 'X', name: 'X', tracking: 'quantity', gtins: [gtin(22)], standardCost: 100, costMethod: 'fifo' })).status).toBe(201);
    }
    await postMove(a, 'a1', { sku: 'X', qty: 40, from: 'adjustment', to: 'stock', reason: 'adjustment' });
    await postMove(b, 'b1', { sku: 'X', qty: 7, from: 'adjustment', to: 'stock', reason: 'adjustment' });
    // A transfer: A ships 10 to B (shipment TR-1 with customer site:site-b): its shipping door's scans post the units to
    // A's transit, not to the customer; B receives 8 against TR-1.
    expect((await hubApi(a, 'POST', '/api/v1/shipments', { id: 'TR-1', customer: 'site:site-b', lines: [{ sku: 'X', qty: 10 }] })).status).toBe(201);
    expect((await hubApi(a, 'POST', '/api/v1/shipments/TR-1/open', { door: 'door-2' })).status).toBe(200);
    const gw = await TestGateway.connect(a.mqttUrl, { site: 'site-a' });
    try {
      await gw.send([scan('door-2', { gtin: gtin(22), qty: 6 }), scan('door-2', { gtin: gtin(22), qty: 4 })]);
    } finally {
      await gw.close();
    }
    const shipped = a.hub.db.prepare("SELECT from_location AS f, to_location AS t, qty, reference FROM moves WHERE reason = 'shipment' ORDER BY seq").all();
    expect(shipped).toEqual([{ f: 'stock', t: 'transit', qty: 6, reference: 'TR-1' }, { f: 'stock', t: 'transit', qty: 4, reference: 'TR-1' }]);
    expect((await hubApi(a, 'GET', '/api/v1/shipments/TR-1')).body).toMatchObject({ lines: [{ sku: 'X', expected: 10, shipped: 10 }] });
    expect((await hubApi(b, 'POST', '/api/v1/receipts', { po: 'TR-1', kind: 'asn', supplier: 'site:site-a', lines: [{ sku: 'X', qty: 10 }] })).status).toBe(201);
    await postMove(b, 'b2', { sku: 'X', qty: 8, from: 'supplier', to: 'stock', reason: 'receipt', reference: 'TR-1' });

    await waitFor('the fleet to apply both feeds', async () => {
      const sites = (await get('/api/v1/sites')).sites as Array<{ site: string; appliedThrough: number; pending: number | null }>;
      const want = { 'site-a': a.hub.db.prepare('SELECT next_seq - 1 AS n FROM feed_state').pluck().get(), 'site-b': b.hub.db.prepare('SELECT next_seq - 1 AS n FROM feed_state').pluck().get() } as Record<string, number>;
      return sites.every((s) => s.appliedThrough === want[s.site] && s.pending === 0);
    }, 60_000);

    const stock = (await get('/api/v1/stock?sku=X')).stock[0];
    expect(stock).toMatchObject({ sku: 'X', onHand: 30 + 15, inTransit: 10 });
    for (const [t, site] of [[a, 'site-a'], [b, 'site-b']] as const) {
      const central = stock.sites.find((s: { site: string }) => s.site === site).locations.map((l: { location: string; qty: number }) => ({ sku: 'X', location: l.location, qty: l.qty }));
      expect(central).toEqual(hubBalances(t).filter((r) => r.location !== 'transit'));
    }
    const transfers = await get('/api/v1/transfers');
    expect(transfers.transfers).toEqual([expect.objectContaining({ reference: 'TR-1', from: 'site-a', to: 'site-b', lines: [{ sku: 'X', shipped: 10, received: 8, elsewhere: {} }] })]);
    // Not yet overdue (48 h).
    expect(transfers.variances).toEqual([]);
    const kpis = await get('/api/v1/kpis');
    expect(kpis).toMatchObject({ sites: 2, unitsOnHand: 45, unitsInTransit: 10, openShipments: 1 });
    // The central page's data (the page itself is tested in Chromium: fleet/page.test.ts).
    const central = await get('/api/v1/central');
    expect(central.sites.map((x: { site: string; stale: boolean }) => [x.site, x.stale])).toEqual([['site-a', false], ['site-b', false]]);
    expect(central.transfers.map((x: { reference: string }) => x.reference)).toEqual(['TR-1']);
    expect(central.doors).toEqual(expect.arrayContaining([expect.objectContaining({ site: 'site-a', door: 'door-2', documents: ['shipment TR-1'] })]));
    const openapi = await get('/docs/json');
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/api/v1/sites', '/api/v1/stock', '/api/v1/kpis', '/api/v1/transfers', '/api/v1/central']));
    // Both outboxes emptied on JetStream's acknowledgements.
    expect(a.hub.db.prepare('SELECT COUNT(*) FROM feed_outbox').pluck().get()).toBe(0);
  }, 120_000);
});
