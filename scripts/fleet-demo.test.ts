// npm run fleet-demo starts two demo sites, a 3-node NATS cluster, PostgreSQL and the fleet, and the central view
// shows the transfer between the sites: shipped through demo-a's shipping door into transit, partly received at demo-b.
import { afterAll, describe, expect, it } from 'vitest';
import { startFleetDemo, type FleetDemo } from './fleet-demo.js';

describe('fleet demo', () => {
  let demo: FleetDemo | undefined;
  afterAll(async () => {
    await demo?.stop();
  }, 60_000);

  it('starts and shows the transfer demo-a → demo-b in the central view', async () => {
    demo = await startFleetDemo({ port: 0, logLevel: 'silent' });
    const transfers = (await (await fetch(`${demo.url}/api/v1/transfers`)).json()) as { transfers: unknown[] };
    expect(transfers.transfers).toEqual([expect.objectContaining({ reference: 'TR-1001', from: 'demo-a', to: 'demo-b', lines: [expect.objectContaining({ sku: 'TEE-M', shipped: 24, received: 20 })] })]);
    const stock = (await (await fetch(`${demo.url}/api/v1/stock?sku=TEE-M`)).json()) as { stock: Array<{ onHand: number; inTransit: number }> };
    expect(stock.stock[0]).toMatchObject({ onHand: 96 + 35, inTransit: 24 });
    const central = (await (await fetch(`${demo.url}/api/v1/central`)).json()) as { sites: Array<{ site: string; stale: boolean }>; transfers: Array<{ reference: string }> };
    expect(central.sites.map((x) => [x.site, x.stale])).toEqual([['demo-a', false], ['demo-b', false]]);
    expect(central.transfers.map((x) => x.reference)).toEqual(['TR-1001']);
    expect(await (await fetch(`${demo.url}/`)).text()).toContain('<script type="module" src="/fleet/app.js">');
  }, 300_000);
});
