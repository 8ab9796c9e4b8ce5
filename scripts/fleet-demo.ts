// npm run fleet-demo — the fleet on one machine: a 3-node NATS JetStream cluster and a PostgreSQL server (own data
// dirs under a temp dir, free loopback ports), two demo sites (hubs with the change feed on), and dockgate-fleet. It
// posts some stock at both sites, ships a transfer demo-a → demo-b through demo-a's shipping door (scans: the units go
// to transit), receives most of it at demo-b against its internal ASN, and waits until the central view shows it.
// Ctrl-C stops everything and removes the data dirs.
import { pathToFileURL } from 'node:url';
import { startFleet, type Fleet } from '../fleet/app.js';
import { parseFleetConfig } from '../fleet/config.js';
import { startNatsCluster, type NatsCluster } from '../fleet/testing/nats-cluster.js';
import { startPostgres, type TestPostgres } from '../fleet/testing/postgres.js';
import { waitFor } from '../fleet/testing/ports.js';
import { TestGateway, type TestHub } from '../hub/testing/harness.js';
import { gtin, scan } from '../hub/variances/scenario-support.js';
import { createLogger, silentLogger } from '../protocols/logging/index.js';
import { hubApi, postMove, startFeedHub } from './e2e/fleet-support.js';

export interface FleetDemo {
  url: string;
  fleet: Fleet;
  stop(): Promise<void>;
}

export async function startFleetDemo(opts: { port?: number; logLevel?: 'info' | 'warn' | 'silent' } = {}): Promise<FleetDemo> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const [nats, pgsrv]: [NatsCluster, TestPostgres] = await Promise.all([startNatsCluster(3), startPostgres()]);
    stops.push(() => pgsrv.stop(), () => nats.stop());
    const a: TestHub = await startFeedHub('demo-a', nats.servers);
    stops.push(() => a.stop());
    const b: TestHub = await startFeedHub('demo-b', nats.servers);
    stops.push(() => b.stop());
    const config = parseFleetConfig(`logLevel: ${opts.logLevel === 'info' ? 'info' : 'warn'}
sites: [{ id: demo-a, name: Demo DC }, { id: demo-b, name: Demo store }]
nats: { servers: [${nats.servers.join(', ')}], replicas: 3, retryMs: 500 }
postgres: { url: '${pgsrv.url}' }
http: { host: 127.0.0.1, port: ${opts.port ?? 8090} }
staleAfterS: 600
`);
    const fleet = await startFleet(config, opts.logLevel === 'silent' ? silentLogger() : createLogger({ name: 'dockgate-fleet', level: config.logLevel }));
    stops.push(() => fleet.stop());

    for (const t of [a, b]) await hubApi(t, 'POST', '/api/v1/items', { sku: 'TEE-M', name: 'T-shirt M', tracking: 'quantity', gtins: [gtin(501)], standardCost: 450, costMethod: 'fifo' });
    await postMove(a, 'demo-a-stock', { sku: 'TEE-M', qty: 120, from: 'adjustment', to: 'stock', reason: 'adjustment' });
    await postMove(b, 'demo-b-stock', { sku: 'TEE-M', qty: 15, from: 'adjustment', to: 'stock', reason: 'adjustment' });
    await hubApi(a, 'POST', '/api/v1/shipments', { id: 'TR-1001', customer: 'site:demo-b', lines: [{ sku: 'TEE-M', qty: 24 }] });
    await hubApi(a, 'POST', '/api/v1/shipments/TR-1001/open', { door: 'door-2' });
    const gw = await TestGateway.connect(a.mqttUrl, { site: 'demo-a' });
    await gw.send([scan('door-2', { gtin: gtin(501), qty: 12 }), scan('door-2', { gtin: gtin(501), qty: 12 })]);
    await gw.close();
    await hubApi(b, 'POST', '/api/v1/receipts', { po: 'TR-1001', kind: 'asn', supplier: 'site:demo-a', lines: [{ sku: 'TEE-M', qty: 24 }] });
    await postMove(b, 'demo-b-receive', { sku: 'TEE-M', qty: 20, from: 'supplier', to: 'stock', reason: 'receipt', reference: 'TR-1001' });

    await waitFor('the central view to show transfer TR-1001', async () => {
      const r = (await (await fetch(`${fleet.url}/api/v1/transfers`)).json()) as { transfers: Array<{ reference: string; lines: Array<{ received: number }> }> };
      return r.transfers.some((t) => t.reference === 'TR-1001' && t.lines[0]?.received === 20);
    }, 60_000);
    return { url: fleet.url, fleet, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const demo = await startFleetDemo({ logLevel: 'info' });
  process.stdout.write(`dockgate fleet demo: two sites (demo-a, demo-b), a 3-node NATS JetStream cluster and PostgreSQL.
Transfer TR-1001: demo-a shipped 24 TEE-M through its shipping door (to transit), demo-b received 20.
  central page:  ${demo.url}/
  transfers:     ${demo.url}/api/v1/transfers
  sites:         ${demo.url}/api/v1/sites
  OpenAPI:       ${demo.url}/docs
Ctrl-C stops it.
`);
  const quit = () => void demo.stop().then(() => process.exit(0));
  process.once('SIGINT', quit);
  process.once('SIGTERM', quit);
}
