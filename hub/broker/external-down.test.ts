// An external broker that is down when the hub starts: REST and status come up at once (status `down`, reason
// broker), the hub keeps trying, and once the broker is there the hub is ready and takes events. And a broker that
// goes away while the hub runs does not hold up the hub's stop.
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../protocols/logging/index.js';
import { call, epc, passDraft, waitFor } from '../status/test-support.js';
import { startTestHub, TestGateway, type TestHub } from '../testing/harness.js';
import { freePort, startMosquitto, type Mosquitto } from './test-support.js';

describe('external broker down at start', () => {
  let t: TestHub | undefined;
  let broker: Mosquitto | undefined;
  afterAll(async () => {
    await t?.stop();
    await broker?.stop();
  });

  it('serves REST and status while it keeps trying, and ingests once the broker is up', { timeout: 120_000 }, async () => {
    const port = await freePort();
    t = await startTestHub({ broker: `{ type: external, url: "mqtt://127.0.0.1:${port}", clientId: dockgate-hub-late, reconnectPeriodMs: 100 }` });
    const ready = await call<{ ready: boolean; broker: { ok: boolean } }>(t.hub.url, 'GET', '/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.broker.ok).toBe(false);
    const status = (await call<{ verdict: string; reasons: Array<{ code: string }> }>(t.hub.url, 'GET', '/api/v1/status')).body;
    expect(status.verdict).toBe('down');
    expect(status.reasons.map((r) => r.code)).toContain('broker');
    expect(
      (await call(t.hub.url, 'POST', '/api/v1/items', { body: { sku: 'PAL-1', name: 'Pallet', tracking: 'serial', gtins: ['09506000134352'] } })).status,
    ).toBe(201);

    broker = await startMosquitto([`listener ${port} 127.0.0.1`]);
    const hub = t.hub;
    await waitFor('the hub to be ready', async () => ((await call(hub.url, 'GET', '/ready')).status === 200 ? true : undefined), 30_000);
    const gw = await TestGateway.connect(`mqtt://127.0.0.1:${port}`);
    await gw.send([passDraft('door-1', epc('1'), 'in')]);
    await waitFor(
      'the pass to be applied',
      () => (hub.db.prepare("SELECT COUNT(*) FROM door_activity WHERE kind = 'pass'").pluck().get() as number) > 0 || undefined,
      30_000,
    );
    await gw.close();
  });
});

it('stops when the broker went away, saying the offline status was not taken', { timeout: 60_000 }, async () => {
  const broker = await startMosquitto();
  let logged = '';
  const logger = createLogger({ name: 't', level: 'warn', env: {}, destination: new Writable({ write: (c, _e, cb) => ((logged += String(c)), cb()) }) });
  const t = await startTestHub({ broker: `{ type: external, url: "${broker.url}", clientId: dockgate-hub-gone, reconnectPeriodMs: 100 }`, logger });
  await broker.stop();
  await t.stop(); // hung before: the offline status's PUBACK never came, and mqtt.js's graceful end waited for it
  expect(logged).toContain('the broker did not take the offline status: stopping without it');
  expect(logged).toContain('"component":"hub"');
});
