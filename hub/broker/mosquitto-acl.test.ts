// The external-broker recipe (config/mosquitto/, docs/site-trust.md) holds against a real Mosquitto: no anonymous
// clients, client ids bound to usernames, each gateway on its own topics only, and the hub refusing a pass at a door
// it gives to another gateway. The recipe files are used as written; only their file paths and the site id change.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../protocols/events/index.js';
import { call, epc, passDraft, waitFor } from '../status/test-support.js';
import { startTestHub, TestGateway, TEST_SITE, type TestHub } from '../testing/harness.js';
import { startMosquitto, type Mosquitto } from './test-support.js';

const RECIPE = new URL('../../config/mosquitto/', import.meta.url).pathname;
const USERS = { hub: 'hub-secret', 'gw-a': 'a-secret', 'gw-b': 'b-secret' };
const SITE_YAML = `
locations:
  - { id: dock-a, kind: door }
  - { id: dock-b, kind: door }
  - { id: receiving, kind: receiving }
  - { id: stock, kind: stock }
  - { id: returns, kind: returns }
doors:
  - { id: door-a, mode: receiving, gateway: gw-a, location: dock-a }
  - { id: door-b, mode: receiving, gateway: gw-b, location: dock-b }
`;

async function connect(url: string, opts: IClientOptions): Promise<MqttClient> {
  return mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 5, ...opts });
}

describe('Mosquitto with the dockgate recipe', () => {
  let dir: string;
  let broker: Mosquitto;
  let t: TestHub;
  const open: MqttClient[] = [];
  const client = async (opts: IClientOptions) => {
    const c = await connect(broker.url, opts);
    open.push(c);
    return c;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dockgate-recipe-'));
    const passwd = join(dir, 'dockgate.passwd');
    writeFileSync(passwd, '');
    for (const [u, p] of Object.entries(USERS)) execFileSync('mosquitto_passwd', ['-b', passwd, u, p]);
    const acl = join(dir, 'dockgate.acl');
    writeFileSync(acl, readFileSync(join(RECIPE, 'dockgate.acl'), 'utf8').replaceAll('dc-north', TEST_SITE));
    // Mosquitto started as root drops to its own user: it must be able to read the files.
    chmodSync(dir, 0o755);
    for (const f of [passwd, acl]) chmodSync(f, 0o644);
    const security = readFileSync(join(RECIPE, 'dockgate-security.conf'), 'utf8')
      .replace(/^password_file .*$/m, `password_file ${passwd}`)
      .replace(/^acl_file .*$/m, `acl_file ${acl}`);
    broker = await startMosquitto(security.split('\n'), { anonymous: false });
    t = await startTestHub({
      yaml: SITE_YAML,
      broker: `{ type: external, url: "${broker.url}", clientId: dockgate-hub-test, username: hub, keepaliveS: 5, reconnectPeriodMs: 200 }`,
      env: { DOCKGATE_MQTT_PASSWORD: USERS.hub },
    });
  });
  afterAll(async () => {
    await Promise.all(open.map((c) => c.endAsync(true)));
    await t?.stop();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses anonymous clients and wrong passwords', async () => {
    await expect(connect(broker.url, { clientId: 'snoop' })).rejects.toThrow(/Not authorized|Bad user name or password/i);
    await expect(connect(broker.url, { username: 'gw-a', password: 'nope', clientId: 'dockgate-gw-a' })).rejects.toThrow(/Not authorized|Bad user name or password/i);
  });

  it("gateway A's credentials cannot take client id dockgate-gw-b: gw-b stays connected", async () => {
    const b = await client({ username: 'gw-b', password: USERS['gw-b'], clientId: 'dockgate-gw-b', clean: false, properties: { sessionExpiryInterval: 3600 } });
    let bClosed = false;
    const closed = new Promise<'closed'>((resolve) => b.once('close', () => resolve('closed')));
    void closed.then(() => (bClosed = true));
    const a = await client({ username: 'gw-a', password: USERS['gw-a'], clientId: 'dockgate-gw-b', clean: false, properties: { sessionExpiryInterval: 3600 } });
    expect(a.connected).toBe(true);
    // a round trip on gw-b's connection after gw-a's CONNACK: a takeover would have closed it by now
    const roundTrip = b.publishAsync(topics.status(TEST_SITE, 'gw-b'), JSON.stringify({ v: 1, gateway: 'gw-b', online: true }), { qos: 1, retain: true }).then(() => 'acked' as const);
    expect(await Promise.race([roundTrip, closed])).toBe('acked');
    expect(bClosed).toBe(false);
    expect(b.connected).toBe(true);
  });

  it("refuses a gateway's publish on another gateway's topic (MQTT 5: PUBACK not authorized)", async () => {
    const a = await client({ username: 'gw-a', password: USERS['gw-a'], clientId: 'dockgate-gw-a' });
    await expect(a.publishAsync(topics.events(TEST_SITE, 'gw-b'), '{}', { qos: 1 })).rejects.toThrow(/Not authorized|135/);
    await expect(a.subscribeAsync(topics.cmd(TEST_SITE, 'gw-b'), { qos: 1 })).rejects.toThrow();
  });

  it("the hub dead-letters a pass at a door it gives to another gateway, sent on the sender's own topic", async () => {
    const gwb = await TestGateway.connect(broker.url, { gateway: 'gw-b', password: USERS['gw-b'] });
    try {
      const [e] = await gwb.send([passDraft('door-a', epc('1'), 'in')]);
      const dead = await waitFor('the dead letter', async () => {
        const d = (await call<{ deadLetters: Array<{ gateway: string; reason: string; errors: Array<{ message: string }> }> }>(t.hub.url, 'GET', '/api/v1/dead-letters')).body.deadLetters;
        return d.length ? d : undefined;
      });
      expect(dead[0]).toMatchObject({ gateway: 'gw-b', reason: 'refused', errors: [{ message: `event ${e!.id}: door door-a is watched by gateway gw-a, not gw-b: refused` }] });
    } finally {
      await gwb.close();
    }
  });

  it('refuses a publish over max_packet_size (the recipe matches broker.maxPacketBytes): nothing reaches the hub', async () => {
    const before = (await call<{ deadLetters: unknown[] }>(t.hub.url, 'GET', '/api/v1/dead-letters?limit=100')).body.deadLetters.length;
    const a = await client({ username: 'gw-a', password: USERS['gw-a'], clientId: 'dockgate-gw-a-big' });
    const gone = new Promise<void>((resolve) => a.once('close', () => resolve()));
    a.publish(topics.events(TEST_SITE, 'gw-a'), Buffer.alloc(5 * 1024 * 1024, 0x20), { qos: 1 }, () => undefined);
    await gone; // Mosquitto drops the connection at the oversized packet
    const small = await client({ username: 'gw-a', password: USERS['gw-a'], clientId: 'dockgate-gw-a-small' });
    await small.publishAsync(topics.status(TEST_SITE, 'gw-a'), JSON.stringify({ v: 1, gateway: 'gw-a', online: true }), { qos: 1, retain: true });
    expect((await call<{ deadLetters: unknown[] }>(t.hub.url, 'GET', '/api/v1/dead-letters?limit=100')).body.deadLetters.length).toBe(before);
  });
});
