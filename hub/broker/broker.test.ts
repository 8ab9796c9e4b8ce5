import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../protocols/logging/index.js';
import { startBroker, type RunningBroker } from './broker.js';
import { hashSecret } from '../../protocols/secrets/secret-hash.js';
import { waitFor } from './test-support.js';

const SITE = 's1';
const CHEAP = { N: 1024 };
const secrets = { 'gw-1': 'one-secret', 'gw-2': 'two-secret' } as const;
const gateways = Object.entries(secrets).map(([id, s]) => ({ id, secretHash: hashSecret(s, CHEAP) }));

const clients: MqttClient[] = [];
function client(url: string, opts: IClientOptions): MqttClient {
  const c = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
  c.on('error', () => {});
  clients.push(c);
  return c;
}
function connected(c: MqttClient): Promise<void> {
  return new Promise((resolve, reject) => {
    c.once('connect', () => resolve());
    c.once('error', reject);
  });
}
function refused(c: MqttClient): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    c.once('connect', () => reject(new Error('connected, but should have been refused')));
    c.once('error', (err: Error & { code?: number }) => resolve(err.code));
  });
}
function closed(c: MqttClient): Promise<void> {
  return new Promise((resolve) => c.once('close', () => resolve()));
}
const gw = (id: keyof typeof secrets, url: string, extra: IClientOptions = {}) =>
  client(url, { username: id, password: secrets[id], clientId: id, ...extra });

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
});

describe('embedded broker packet size limit', () => {
  it('closes a connection at the header of a packet over maxPacketBytes, before its body is buffered; smaller ones pass', async () => {
    const broker = await startBroker({ site: SITE, port: 0, host: '127.0.0.1', gateways, maxPacketBytes: 64 * 1024 }, silentLogger());
    const got: number[] = [];
    await broker.mqtt.subscribe(`dockgate/${SITE}/gw/+/events`, (_t, payload, done) => {
      got.push(payload.length);
      done();
    });
    try {
      const url = `mqtt://127.0.0.1:${broker.port}`;
      const c = gw('gw-1', url);
      await connected(c);
      await c.publishAsync(`dockgate/${SITE}/gw/gw-1/events`, Buffer.alloc(10 * 1024, 0x20), { qos: 1 });
      const gone = closed(c);
      c.publish(`dockgate/${SITE}/gw/gw-1/events`, Buffer.alloc(32 * 1024 * 1024, 0x20), { qos: 1 });
      await gone;
      expect(got).toEqual([10 * 1024]);
      expect(broker.stats().oversizedPackets).toBe(1);
    } finally {
      await broker.close();
    }
  });
});

describe('embedded broker over TCP', () => {
  let broker: RunningBroker;
  let url: string;
  const received: Array<{ topic: string; payload: string }> = [];
  beforeAll(async () => {
    broker = await startBroker({ site: SITE, port: 0, host: '127.0.0.1', gateways, hubClients: [{ username: 'ops', secretHash: hashSecret('ops-secret', CHEAP) }] }, silentLogger());
    url = `mqtt://127.0.0.1:${broker.port}`;
    await broker.mqtt.subscribe(`dockgate/${SITE}/gw/+/events`, (topic, payload, done) => {
      received.push({ topic, payload: payload.toString() });
      done();
    });
    await broker.mqtt.subscribe(`dockgate/${SITE}/gw/+/status`, (_t, _p, done) => done());
  });
  afterAll(() => broker.close());

  it('refuses a wrong password, an unknown user and a missing username', async () => {
    expect(await refused(client(url, { username: 'gw-1', password: 'nope' }))).toBe(4);
    expect(await refused(client(url, { username: 'gw-9', password: 'one-secret' }))).toBe(4);
    expect(await refused(client(url, {}))).toBe(4);
    expect(broker.stats().authFailures).toBe(3);
  });

  it('lets a gateway publish to its own events topic, and the hub handler sees it', async () => {
    const c = gw('gw-1', url);
    await connected(c);
    await c.publishAsync(`dockgate/${SITE}/gw/gw-1/events`, 'hello', { qos: 1 });
    expect(received).toContainEqual({ topic: `dockgate/${SITE}/gw/gw-1/events`, payload: 'hello' });
    expect(broker.connectedClients()).toContainEqual({ clientId: 'gw-1', principal: 'gateway gw-1' });
  });

  it("refuses a gateway publishing to another gateway's topic: no PUBACK, connection dropped, nothing delivered", async () => {
    const before = received.length;
    const c = gw('gw-1', url);
    await connected(c);
    const gone = closed(c);
    let acked = false;
    void c.publishAsync(`dockgate/${SITE}/gw/gw-2/events`, 'forged', { qos: 1 }).then(() => (acked = true), () => {});
    await gone;
    expect(acked).toBe(false);
    expect(received.length).toBe(before);
    expect(broker.stats().publishRefused).toBeGreaterThanOrEqual(1);
  });

  it("refuses a subscription to another gateway's cmd and grants its own", async () => {
    const c = gw('gw-1', url);
    await connected(c);
    // mqtt.js turns a SUBACK failure (0x80) into a rejected promise.
    await expect(c.subscribeAsync(`dockgate/${SITE}/gw/gw-2/cmd`, { qos: 1 })).rejects.toThrow(/Subscribe error/);
    await expect(c.subscribeAsync(`dockgate/${SITE}/gw/+/cmd`, { qos: 1 })).rejects.toThrow(/Subscribe error/);
    expect(broker.stats().subscribeRefused).toBe(2);
    const own = await c.subscribeAsync(`dockgate/${SITE}/gw/gw-1/cmd`, { qos: 1 });
    expect(own[0]!.qos).toBe(1);
    const got = new Promise<string>((resolve) => c.once('message', (t, p) => resolve(`${t} ${p.toString()}`)));
    await broker.mqtt.publish(`dockgate/${SITE}/gw/gw-2/cmd`, 'not for you', { qos: 1, retain: false });
    await broker.mqtt.publish(`dockgate/${SITE}/gw/gw-1/cmd`, 'for gw-1', { qos: 1, retain: false });
    expect(await got).toBe(`dockgate/${SITE}/gw/gw-1/cmd for gw-1`);
  });

  it("refuses a Last Will on another gateway's status", async () => {
    const code = await refused(gw('gw-1', url, { will: { topic: `dockgate/${SITE}/gw/gw-2/status`, payload: Buffer.from('x'), qos: 1, retain: true } }));
    expect(code).toBe(5);
    const ok = gw('gw-1', url, { will: { topic: `dockgate/${SITE}/gw/gw-1/status`, payload: Buffer.from('x'), qos: 1, retain: true } });
    await connected(ok);
  });

  it("refuses a client id held by another principal (no session takeover)", async () => {
    const holder = gw('gw-1', url);
    await connected(holder);
    expect(await refused(gw('gw-2', url, { clientId: 'gw-1' }))).toBe(2);
    expect(holder.connected).toBe(true);
  });

  it('a hub client may do all', async () => {
    const ops = client(url, { username: 'ops', password: 'ops-secret' });
    await connected(ops);
    const grants = await ops.subscribeAsync('dockgate/#', { qos: 1 });
    expect(grants[0]!.qos).toBe(1);
    await ops.publishAsync(`dockgate/${SITE}/gw/gw-2/cmd`, 'x', { qos: 1 });
  });
});

describe('embedded broker acknowledges only after the hub handler is done', () => {
  let broker: RunningBroker;
  let url: string;
  beforeAll(async () => {
    broker = await startBroker({ site: SITE, port: 0, host: '127.0.0.1', gateways }, silentLogger());
    url = `mqtt://127.0.0.1:${broker.port}`;
  });
  afterAll(() => broker.close());

  it('refuses (no PUBACK) while no hub handler takes gateway messages', async () => {
    const c = gw('gw-1', url);
    await connected(c);
    const gone = closed(c);
    let acked = false;
    void c.publishAsync(`dockgate/${SITE}/gw/gw-1/events`, 'early', { qos: 1 }).then(() => (acked = true), () => {});
    await gone;
    expect(acked).toBe(false);
    expect(broker.stats().notReady).toBe(1);
  });

  it('holds the PUBACK until done(), and a done(err) makes the gateway send it again', async () => {
    const events: string[] = [];
    let pendingDone: ((err?: Error | null) => void) | undefined;
    let calls = 0;
    await broker.mqtt.subscribe(`dockgate/${SITE}/gw/+/events`, (_topic, payload, done) => {
      calls++;
      events.push(`handler ${calls} ${payload.toString()}`);
      pendingDone = done;
    });
    const c = gw('gw-1', url, { reconnectPeriod: 20, clean: false });
    await connected(c);
    const acked = c.publishAsync(`dockgate/${SITE}/gw/gw-1/events`, 'm1', { qos: 1 }).then(() => events.push('puback'));
    await waitFor(() => pendingDone, 'the handler to be called');
    // Refuse the first delivery: the broker drops the connection without a PUBACK …
    const gone = closed(c);
    const first = pendingDone!;
    pendingDone = undefined;
    first(new Error('transaction rolled back'));
    await gone;
    // … the gateway reconnects and sends the same message again; this time the handler commits and says so.
    await waitFor(() => pendingDone, 'the redelivery');
    events.push('commit');
    pendingDone!();
    await acked;
    expect(events).toEqual(['handler 1 m1', 'handler 2 m1', 'commit', 'puback']);
    await broker.mqtt.unsubscribe(`dockgate/${SITE}/gw/+/events`);
  });
});

describe('embedded broker over TLS and WebSocket', () => {
  let dir: string;
  let broker: RunningBroker;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dockgate-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    broker = await startBroker(
      { site: SITE, port: 0, host: '127.0.0.1', gateways, tls: { port: 0, certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') }, ws: { port: 0 } },
      silentLogger(),
    );
    await broker.mqtt.subscribe(`dockgate/${SITE}/gw/+/events`, (_t, _p, done) => done());
  });
  afterAll(async () => {
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts an authenticated gateway over TLS (certificate checked) and applies the same ACL', async () => {
    const { readFileSync } = await import('node:fs');
    const ca = readFileSync(join(dir, 'cert.pem'));
    const c = gw('gw-1', `mqtts://127.0.0.1:${broker.tlsPort}`, { ca, rejectUnauthorized: true });
    await connected(c);
    await c.publishAsync(`dockgate/${SITE}/gw/gw-1/events`, 'over tls', { qos: 1 });
    expect(await refused(client(`mqtts://127.0.0.1:${broker.tlsPort}`, { username: 'gw-1', password: 'bad', ca }))).toBe(4);
  });

  it('accepts an authenticated gateway over WebSocket', async () => {
    const c = gw('gw-2', `ws://127.0.0.1:${broker.wsPort}/mqtt`);
    await connected(c);
    await c.publishAsync(`dockgate/${SITE}/gw/gw-2/events`, 'over ws', { qos: 1 });
    await expect(c.subscribeAsync(`dockgate/${SITE}/gw/gw-1/cmd`, { qos: 1 })).rejects.toThrow(/Subscribe error/);
  });

  it('names the file when a TLS file is missing', async () => {
    await expect(startBroker({ site: SITE, port: 0, gateways, tls: { port: 0, certFile: join(dir, 'nope.pem'), keyFile: join(dir, 'key.pem') } }, silentLogger())).rejects.toThrow(
      /broker\.tls\.certFile: cannot read .*nope\.pem/,
    );
  });

  it('names the key when a secret hash is bad', async () => {
    await expect(startBroker({ site: SITE, port: 0, gateways: [{ id: 'gw-1', secretHash: 'hunter2' }] }, silentLogger())).rejects.toThrow(/broker\.gateways\[0\]\.secretHash/);
  });
});
