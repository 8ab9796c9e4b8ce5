import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isoTs } from '../../protocols/events/index.js';
import { encodeSgtin } from '../../protocols/epc/index.js';
import { waitFor } from '../broker/test-support.js';
import { hubModules } from '../modules.js';
import { BASE_SITE_YAML, startTestHub, TestGateway, type TestHub } from '../testing/harness.js';

describe('channel sync inside the hub', () => {
  let t: TestHub | undefined;
  let server: Server | undefined;
  afterEach(async () => {
    await t?.stop();
    await new Promise((r) => server?.close(r));
  });

  it('pushes the new availability to a webhook channel as units are received at the door and put away', async () => {
    const pushes: Array<{ items: Array<{ sku: string; quantity: number }> }> = [];
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        pushes.push(JSON.parse(body) as { items: Array<{ sku: string; quantity: number }> });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/stock`;
    const yaml = `${BASE_SITE_YAML}
channels:
  - id: web
    connector: webhook
    locations: [stock, receiving]
    skus: { PAL-1: { item: pal-1 } }
    rule: { pct: 1 }
    webhook: { url: "${url}", secret: hook-secret }
`;
    t = await startTestHub({ yaml, modulesFor: (config) => hubModules(config) });
    await fetch(t.hub.url + '/api/v1/items', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sku: 'PAL-1', name: 'Pallet', tracking: 'serial', gtins: ['09506000134352'] }) });
    const gw = await TestGateway.connect(t.mqttUrl);
    const epc = encodeSgtin({ gtin: '09506000134352', companyPrefixLength: 7, serial: '42' });
    if (!epc.ok) throw new Error(epc.reason);
    const now = isoTs(Date.now());
    await gw.send([{ kind: 'tag.pass', door: 'door-1', direction: 'in', epc: epc.hex, firstSeen: now, lastSeen: now, reads: 5, peakRssi: -50, antennas: [], confidence: 0.9 }]);
    await gw.close();
    // Received units are not sellable until put away: the channel first learns 0, then 1 after the transfer.
    await waitFor(() => pushes.flatMap((p) => p.items).find((i) => i.sku === 'PAL-1' && i.quantity === 0), 'a push of PAL-1 = 0');
    const putaway = await fetch(t.hub.url + '/api/v1/moves', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'putaway-1' },
      body: JSON.stringify({ sku: 'PAL-1', qty: 1, from: 'receiving', to: 'stock', reason: 'transfer', epc: epc.hex, note: 'put away' }),
    });
    expect(putaway.status).toBe(201);
    const pushed = await waitFor(() => pushes.flatMap((p) => p.items).find((i) => i.sku === 'PAL-1' && i.quantity === 1), 'a push of PAL-1 = 1');
    expect(pushed).toMatchObject({ sku: 'PAL-1', item: 'pal-1', quantity: 1 });
  });
});
