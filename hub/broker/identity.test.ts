// The embedded broker binds identities: what each refusal says and remembers (per claimed gateway id), client ids bound
// to their gateway, anonymous clients kept off listeners other than loopback. Real aedes, real MQTT clients.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../protocols/logging/index.js';
import { startBroker, type RunningBroker } from './broker.js';
import { hashSecret } from '../../protocols/secrets/secret-hash.js';
import { lanAddress } from './test-support.js';

const SITE = 'dc-north';
const CHEAP = { N: 1024 };
const gateways = [
  { id: 'gw-a', secretHash: hashSecret('a-secret', CHEAP) },
  { id: 'gw-b', secretHash: hashSecret('b-secret', CHEAP) },
];

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
const will = (site: string, gw: string) => ({ topic: `dockgate/${site}/gw/${gw}/status`, payload: Buffer.from('{"v":1,"online":false}'), qos: 1 as const, retain: true });

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
});

describe('embedded broker: refusals remembered with their cause, client ids bound to gateways', () => {
  let broker: RunningBroker;
  let url: string;
  beforeAll(async () => {
    broker = await startBroker({ site: SITE, port: 0, host: '127.0.0.1', gateways }, silentLogger());
    url = `mqtt://127.0.0.1:${broker.port}`;
    await broker.mqtt.subscribe(`dockgate/${SITE}/gw/+/status`, (_t, _p, done) => done());
  });
  afterAll(() => broker.close());

  const refusalOf = (gateway: string) => broker.refusals().find((r) => r.gateway === gateway);

  it("says a gateway whose site id is mistyped is refused for that, not just 'offline'", async () => {
    expect(await refused(client(url, { username: 'gw-a', password: 'a-secret', clientId: 'dockgate-gw-a', will: will('dc-nrth', 'gw-a') }))).toBe(5);
    expect(refusalOf('gw-a')).toMatchObject({ cause: "site id dc-nrth does not match this hub's dc-north", clientId: 'dockgate-gw-a', count: 1, connectedSince: false });
  });

  it('says wrong password, no password and unknown gateway', async () => {
    expect(await refused(client(url, { username: 'gw-b', password: 'nope', clientId: 'dockgate-gw-b' }))).toBe(4);
    expect(refusalOf('gw-b')).toMatchObject({ cause: 'wrong password', count: 1 });
    expect(await refused(client(url, { username: 'gw-b', password: 'nope', clientId: 'dockgate-gw-b' }))).toBe(4);
    expect(refusalOf('gw-b')).toMatchObject({ cause: 'wrong password', count: 2 });
    expect(await refused(client(url, { username: 'gw-b', clientId: 'dockgate-gw-b' }))).toBe(4);
    expect(refusalOf('gw-b')).toMatchObject({ cause: 'no password', count: 1 });
    expect(await refused(client(url, { username: 'gw-c', password: 'c-secret', clientId: 'dockgate-gw-c' }))).toBe(4);
    expect(refusalOf('gw-c')!.cause).toBe('unknown gateway gw-c: not in broker.gateways of this hub');
    expect(await refused(client(url, { clientId: 'dockgate-gw-d' }))).toBe(4);
    expect(refusalOf('gw-d')!.cause).toMatch(/^no username/);
  });

  it("gateway A's credentials may not take client id dockgate-gw-b, and gw-b stays connected", async () => {
    const b = client(url, { username: 'gw-b', password: 'b-secret', clientId: 'dockgate-gw-b', clean: false, will: will(SITE, 'gw-b') });
    await connected(b);
    expect(refusalOf('gw-b')!.connectedSince).toBe(true);
    expect(await refused(client(url, { username: 'gw-a', password: 'a-secret', clientId: 'dockgate-gw-b', clean: false }))).toBe(2);
    expect(refusalOf('gw-a')!.cause).toBe('client id dockgate-gw-b belongs to gateway gw-b, not to gateway gw-a');
    expect(b.connected).toBe(true);
    expect(broker.connectedClients()).toContainEqual({ clientId: 'dockgate-gw-b', principal: 'gateway gw-b' });
    // … nor squat it while gw-b is away (so gw-b finds it taken when it comes back)
    await b.endAsync();
    expect(await refused(client(url, { username: 'gw-a', password: 'a-secret', clientId: 'gw-b' }))).toBe(2);
    const back = client(url, { username: 'gw-b', password: 'b-secret', clientId: 'dockgate-gw-b', clean: false });
    await connected(back);
  });

  it('says whose client id it is when two gateways share one that is not bound', async () => {
    const a = client(url, { username: 'gw-a', password: 'a-secret', clientId: 'pi-7' });
    await connected(a);
    expect(await refused(client(url, { username: 'gw-b', password: 'b-secret', clientId: 'pi-7' }))).toBe(2);
    expect(refusalOf('gw-b')!.cause).toBe('client id pi-7 held by gateway gw-a');
  });
});

describe('embedded broker: anonymous clients only on loopback listeners', () => {
  const lan = lanAddress();
  const open: RunningBroker[] = [];
  afterAll(() => Promise.all(open.map((b) => b.close())));
  const start = async (extra: { host: string; insecureAllowAnonymousOnNetwork?: boolean }) => {
    const b = await startBroker({ site: SITE, port: 0, gateways, allowAnonymous: true, ...extra }, silentLogger());
    open.push(b);
    return b;
  };

  it('refuses an anonymous client on a listener bound to a LAN address, even with allowAnonymous', async () => {
    const b = await start({ host: lan });
    expect(await refused(client(`mqtt://${lan}:${b.port}`, { clientId: 'snoop' }))).toBe(4);
    expect(b.refusals()[0]!.cause).toMatch(/not loopback: anonymous clients are let in on loopback listeners only \(broker\.insecureAllowAnonymousOnNetwork is not set\)/);
    // a gateway with its credentials still gets in
    await connected(client(`mqtt://${lan}:${b.port}`, { username: 'gw-a', password: 'a-secret', clientId: 'dockgate-gw-a' }));
  });

  it('lets it in on loopback, and on the network only with the loudly named insecure setting', async () => {
    const local = await start({ host: '127.0.0.1' });
    await connected(client(`mqtt://127.0.0.1:${local.port}`, { clientId: 'dev-tool' }));
    const insecure = await start({ host: lan, insecureAllowAnonymousOnNetwork: true });
    await connected(client(`mqtt://${lan}:${insecure.port}`, { clientId: 'dev-tool' }));
  });
});
