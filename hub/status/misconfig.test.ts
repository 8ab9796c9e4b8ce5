// The site tells the truth: typical installer mistakes become loud in status (and logs), and a gateway cannot post at
// a door the hub gives to another gateway. A real hub: embedded broker, SQLite file, HTTP; gateways as MQTT clients.
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics, type GatewayStatus } from '../../protocols/events/index.js';
import { captureLogger } from '../../protocols/logging/capture.js';
import { lanAddress } from '../broker/test-support.js';
import { hubModules } from '../modules.js';
import { startTestHub, TestGateway, TEST_SITE, type TestHub } from '../testing/harness.js';
import type { StatusReport } from './service.js';
import { call, epc, gatewayStatus, passDraft, TEST_GTIN, waitFor } from './test-support.js';

const SITE_YAML = `
locations:
  - { id: dock-1, kind: door }
  - { id: dock-2, kind: door }
  - { id: receiving, kind: receiving }
  - { id: stock, kind: stock, sellable: true }
  - { id: returns, kind: returns }
doors:
  - { id: door-1, mode: receiving, gateway: gw-1, location: dock-1 }
  - { id: door-2, mode: shipping, gateway: gw-2, location: dock-2 }
`;
const PASSWORDS = { DOCKGATE_GATEWAY_PASSWORDS: 'gw-1:gw-1-secret,gw-2:gw-2-secret' };

function statusOf(gateway: string, doors: string[], over: Partial<GatewayStatus> = {}): GatewayStatus {
  return gatewayStatus({ gateway, readers: [{ id: 'portal-1', state: 'reading', doors }], outbox: { depth: 0, bytes: 0, oldestAgeS: 0, dropped: 0 }, ...over });
}

describe('misconfiguration is loud, doors are bound to their gateways', () => {
  let t: TestHub;
  let gw1: TestGateway;
  let gw2: TestGateway;
  const log = captureLogger('info');
  const status = async () => (await call<StatusReport>(t.hub.url, 'GET', '/api/v1/status')).body;
  const report = (gw: TestGateway, s: GatewayStatus) => gw.client.publishAsync(topics.status(TEST_SITE, gw.gateway), JSON.stringify(s), { qos: 1, retain: true });

  beforeAll(async () => {
    t = await startTestHub({ yaml: SITE_YAML, env: PASSWORDS, modulesFor: hubModules, logger: log.logger });
    gw1 = await TestGateway.connect(t.mqttUrl, { gateway: 'gw-1', password: 'gw-1-secret' });
    gw2 = await TestGateway.connect(t.mqttUrl, { gateway: 'gw-2', password: 'gw-2-secret' });
    await report(gw1, statusOf('gw-1', ['door-1']));
    await report(gw2, statusOf('gw-2', ['door-2']));
    expect((await call(t.hub.url, 'POST', '/api/v1/items', { body: { sku: 'PAL-1', name: 'Pallet', tracking: 'serial', gtins: [TEST_GTIN] } })).status).toBe(201);
  });
  afterAll(async () => {
    await gw1.close();
    await gw2.close();
    await t.stop();
  });

  it('is plain ok while every door is watched and nothing is open', async () => {
    const s = await status();
    expect(s.reasons).toEqual([]);
    expect(s.verdict).toBe('ok');
    expect(s.doors.map((d) => [d.id, d.reading])).toEqual([['door-1', true], ['door-2', true]]);
  });

  it('counts an exception that never becomes a variance in the door badge and the reasons: not plain ok', async () => {
    // A shipping pass of a unit that was never received: exception unknown_unit, which is no variance.
    await gw2.send([passDraft('door-2', epc('77'), 'out')]);
    const s = await status();
    const door = s.doors.find((d) => d.id === 'door-2')!;
    expect(door.openVariances).toBe(0);
    expect(door.openExceptions).toBe(1);
    expect(s.verdict).toBe('degraded');
    expect(s.reasons).toEqual([{ level: 'degraded', code: 'open_exceptions', subject: 'door-2', message: 'door-2 has 1 open exception (unknown_unit 1): see /api/v1/exceptions' }]);
    const open = (await call<{ exceptions: Array<{ id: number }> }>(t.hub.url, 'GET', '/api/v1/exceptions/open')).body.exceptions;
    expect((await call(t.hub.url, 'POST', `/api/v1/exceptions/${open[0]!.id}/resolve`, { body: { note: 'test pallet' } })).status).toBe(200);
    expect((await status()).verdict).toBe('ok');
  });

  it('refuses a pass at a door the hub gives to another gateway: dead-lettered with the reason, nothing moved', async () => {
    const [e] = await gw2.send([passDraft('door-1', epc('5'), 'in')]); // resolves on PUBACK: taken, not retried
    const dead = (await call<{ deadLetters: Array<{ gateway: string; reason: string; errors: Array<{ message: string }> }> }>(t.hub.url, 'GET', '/api/v1/dead-letters')).body.deadLetters;
    expect(dead[0]).toMatchObject({ gateway: 'gw-2', reason: 'refused', errors: [{ message: `event ${e!.id}: door door-1 is watched by gateway gw-1, not gw-2: refused` }] });
    const activity = (await call<{ activity: Array<{ eventId: string }> }>(t.hub.url, 'GET', '/api/v1/doors/door-1/activity')).body.activity;
    expect(activity.map((a) => a.eventId)).not.toContain(e!.id);
    const moves = (await call<{ moves: unknown[] }>(t.hub.url, 'GET', '/api/v1/moves')).body.moves;
    expect(moves).toEqual([]);
    // the stream goes on: gw-2's next event at its own door is applied
    const [next] = await gw2.send([{ kind: 'door', door: 'door-2', state: 'open' }]);
    const doors = (await call<{ doors: Array<{ id: string; sensor: string | null }> }>(t.hub.url, 'GET', '/api/v1/doors')).body.doors;
    expect(doors.find((d) => d.id === 'door-2')!.sensor).toBe('open');
    expect(next!.seq).toBe(e!.seq + 1);
    expect((await status()).ingest.streamGaps.missing).toBe(0);
  });

  it('makes passes at a door the hub does not know a visible exception, a status reason naming gateway and door, and a log line', async () => {
    await gw1.send([passDraft('door-9', epc('9'), 'in')]);
    const exceptions = (await call<{ exceptions: Array<{ door: string; type: string; message: string }> }>(t.hub.url, 'GET', '/api/v1/exceptions/open')).body.exceptions;
    expect(exceptions[0]).toMatchObject({ door: 'door-9', type: 'unknown_door', message: 'gateway gw-1 reported a pass at door door-9, which is not configured on this hub' });
    const s = await status();
    expect(s.verdict).toBe('degraded');
    expect(s.reasons).toContainEqual({
      level: 'degraded',
      code: 'unknown_door',
      subject: 'door-9',
      message: 'gateway gw-1 reports passes at door door-9, which this hub does not know (1 open exception): add the door to hub.yaml or fix the gateway\'s portal.doors',
    });
    const line = await waitFor('log line', () => log.lines.find((l) => l.msg.includes('unknown door')));
    expect(line).toMatchObject({ level: 'warn', component: 'doors', gateway: 'gw-1', door: 'door-9' });
  });

  it('calls a door reading only while a connected gateway reports a reader covering it', async () => {
    // gw-2's reader no longer covers door-2 (its antennas were moved): not reading, though the reader reads.
    await report(gw2, statusOf('gw-2', []));
    expect((await status()).doors.find((d) => d.id === 'door-2')!.reading).toBe(false);
    await report(gw2, statusOf('gw-2', ['door-2']));
    expect((await status()).doors.find((d) => d.id === 'door-2')!.reading).toBe(true);
    // gw-2 leaves the broker; its retained status still says online (a clean disconnect sends no Last Will)
    await gw2.close();
    await waitFor('gw-2 gone from the broker', () => (t.hub.broker!.connectedClients().some((c) => c.principal === 'gateway gw-2') ? undefined : true));
    const s = await status();
    expect(s.gateways.find((g) => g.id === 'gw-2')!.reportedOnline).toBe(true);
    expect(s.doors.find((d) => d.id === 'door-2')!.reading).toBe(false);
    gw2 = await TestGateway.connect(t.mqttUrl, { gateway: 'gw-2', password: 'gw-2-secret' });
    expect((await status()).doors.find((d) => d.id === 'door-2')!.reading).toBe(true);
  });

  it('remembers why the broker refused a gateway, in status, until it gets in', async () => {
    const wrong = await mqtt.connectAsync(t.mqttUrl, { username: 'gw-2', password: 'typo', clientId: 'dockgate-gw-2', reconnectPeriod: 0 }).then(
      () => 'connected',
      (err: Error) => err.message,
    );
    expect(wrong).toMatch(/Bad username or password/i);
    let s = await status();
    expect(s.broker.refusals).toMatchObject([{ gateway: 'gw-2', cause: 'wrong password', clientId: 'dockgate-gw-2', count: 1, connectedSince: false }]);
    expect(s.reasons).toContainEqual({ level: 'degraded', code: 'mqtt_refused', subject: 'gw-2', message: 'the broker refused gateway gw-2 (client id dockgate-gw-2): wrong password' });
    const refusedMetric = async () => /^dockgate_broker_refused\{gateway="gw-2"\} (\d)$/m.exec((await call<string>(t.hub.url, 'GET', '/metrics')).body)?.[1];
    expect(await refusedMetric()).toBe('1');
    const again = await TestGateway.connect(t.mqttUrl, { gateway: 'gw-2', password: 'gw-2-secret' });
    await again.close();
    s = await status();
    expect(s.broker.refusals[0]).toMatchObject({ gateway: 'gw-2', connectedSince: true });
    expect(s.reasons.map((r) => r.code)).not.toContain('mqtt_refused');
    expect(await refusedMetric()).toBe('0');
  });

  it('has no plain-network warnings when everything listens on loopback', async () => {
    expect((await status()).warnings).toEqual([]);
  });
});

describe('plain MQTT and REST on a network address', () => {
  it('logs a warning at start and shows it in status', async () => {
    const lan = lanAddress();
    const log = captureLogger('info');
    const t = await startTestHub({
      broker: `{ type: embedded, tcp: { host: ${lan}, port: 0 } }`,
      http: `{ host: ${lan}, port: 0 }`,
      env: { DOCKGATE_API_TOKENS: 'ops:viewer:ops-token-1' },
      logger: log.logger,
    });
    try {
      const s = (await call<StatusReport>(t.hub.url, 'GET', '/api/v1/status', { token: 'ops-token-1' })).body;
      expect(s.warnings).toEqual([
        { code: 'plain_mqtt', subject: 'broker.tcp', message: `MQTT without TLS on ${lan} (broker.tcp), which is not loopback: gateway passwords and every event cross the network readable; use broker.tls, or bind broker.tcp.host to 127.0.0.1` },
        { code: 'plain_http', subject: 'http', message: `REST API without TLS on ${lan} (http), which is not loopback: API tokens cross the network readable; set http.tls, or bind http.host to 127.0.0.1 behind a TLS proxy` },
      ]);
      const warned = log.lines.filter((l) => l.level === 'warn' && l.component === 'hub' && /without TLS/.test(l.msg));
      expect(warned.map((l) => l.code)).toEqual(['plain_mqtt', 'plain_http']);
    } finally {
      await t.stop();
    }
  });
});
