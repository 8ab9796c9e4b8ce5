// Ingest over real MQTT: the embedded aedes broker and a real Mosquitto (external mode), same scenarios.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse, topics, type Event } from '../../protocols/events/index.js';
import { silentLogger } from '../../protocols/logging/index.js';
import { startBroker } from '../broker/broker.js';
import { hashSecret } from '../../protocols/secrets/secret-hash.js';
import { connectExternalMqtt } from '../broker/external-mqtt.js';
import type { HubMqtt } from '../broker/hub-mqtt.js';
import { startMosquitto, waitFor } from '../broker/test-support.js';
import type { Db } from '../db/database.js';
import { Ingest } from './ingest.js';
import type { ApplyContext } from './store.js';
import { applyToTarget, batchOf, count, doorEvents, tempDb, type TempDb } from './test-support.js';

const SITE = 'site-a';
const GW = 'gw-1';
const S = 'stream-gw1-0001';

interface Running {
  hub: HubMqtt;
  gatewayUrl: string;
  gatewayAuth: IClientOptions;
  /** Reconnect the hub's client (external: same persistent session); undefined for embedded. */
  reopenHub?: () => Promise<HubMqtt>;
  stop(): Promise<void>;
}

const transports: Array<{ name: string; start(): Promise<Running> }> = [
  {
    name: 'embedded aedes',
    async start() {
      const broker = await startBroker({ site: SITE, port: 0, host: '127.0.0.1', gateways: [{ id: GW, secretHash: hashSecret('gw-secret', { N: 1024 }) }] }, silentLogger());
      return { hub: broker.mqtt, gatewayUrl: `mqtt://127.0.0.1:${broker.port}`, gatewayAuth: { username: GW, password: 'gw-secret' }, stop: () => broker.close() };
    },
  },
  {
    name: 'external Mosquitto',
    async start() {
      const mosq = await startMosquitto();
      const clientId = 'dockgate-hub-test';
      const open = () => connectExternalMqtt({ url: mosq.url, clientId, reconnectPeriodMs: 50 }, silentLogger());
      let hub = await open();
      return {
        hub,
        gatewayUrl: mosq.url,
        gatewayAuth: {},
        async reopenHub() {
          hub = await open();
          return hub;
        },
        async stop() {
          await hub.close();
          await mosq.stop();
        },
      };
    },
  },
];

describe.each(transports)('ingest over $name', (transport) => {
  let t: TempDb;
  let running: Running;
  let ingest: Ingest;
  let failNext: Set<string>;
  let applyCalls: Map<string, number>;
  const gateways: MqttClient[] = [];

  const apply = (db: Db, e: Event, ctx: ApplyContext) => {
    applyCalls.set(e.id, (applyCalls.get(e.id) ?? 0) + 1);
    if (failNext.delete(e.id)) throw new Error(`simulated ledger failure on ${e.id}`);
    applyToTarget(db, e, ctx);
  };

  function gateway(extra: IClientOptions = {}): Promise<MqttClient> {
    const c = mqtt.connect(running.gatewayUrl, { clientId: `${GW}`, reconnectPeriod: 30, ...running.gatewayAuth, ...extra });
    c.on('error', () => {});
    gateways.push(c);
    return new Promise((resolve, reject) => {
      c.once('connect', () => resolve(c));
      c.once('error', reject);
    });
  }
  const publishBatch = (c: MqttClient, events: Event[]) => c.publishAsync(topics.events(SITE, GW), JSON.stringify(batchOf(GW, S, events)), { qos: 1 });
  const rows = () => count(t.db, 'SELECT COUNT(*) AS n FROM applied_events');
  const deadLetters = () => ingest.tables.deadLetters();

  beforeEach(async () => {
    t = tempDb();
    failNext = new Set();
    applyCalls = new Map();
    running = await transport.start();
    ingest = new Ingest({ db: t.db, mqtt: running.hub, site: SITE, apply, logger: silentLogger() });
    await ingest.start();
  });
  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((c) => c.endAsync(true)));
    await ingest.stop();
    await running.stop();
    t.cleanup();
  });

  it('applies batches; the same batch published twice is applied once', async () => {
    const c = await gateway();
    const events = doorEvents(S, 1, 20);
    await publishBatch(c, events.slice(0, 10));
    await publishBatch(c, events.slice(10));
    await publishBatch(c, events.slice(0, 10));
    await waitFor(() => ingest.stats().totals.duplicates === 10, 'the duplicate batch to be seen');
    expect(rows()).toBe(20);
    expect(count(t.db, 'SELECT COUNT(*) AS n FROM inbox')).toBe(20);
    expect(ingest.stats().gateways[GW]).toMatchObject({ messages: 3, received: 30, applied: 20, duplicates: 10, deadLettered: 0 });
    expect(count(t.db, 'SELECT last_seq AS n FROM streams WHERE stream = ?', S)).toBe(20);
  });

  it('dead-letters malformed payloads with the reason and the raw bytes, acks them, and keeps going', async () => {
    const c = await gateway();
    const garbage = Buffer.from([0x7b, 0x22, 0xff, 0xfe]); // "{" + '"' + invalid UTF-8
    await c.publishAsync(topics.events(SITE, GW), garbage, { qos: 1 });
    await c.publishAsync(topics.events(SITE, GW), '{"v":1,"gateway":', { qos: 1 });
    const newer = { ...batchOf(GW, S, doorEvents(S, 1, 1)), v: 2 };
    await c.publishAsync(topics.events(SITE, GW), JSON.stringify(newer), { qos: 1 });
    const wrong = batchOf(GW, S, doorEvents(S, 1, 2));
    delete (wrong.events[1] as Partial<Event>).ts;
    await c.publishAsync(topics.events(SITE, GW), JSON.stringify(wrong), { qos: 1 });
    await c.publishAsync(topics.status(SITE, GW), JSON.stringify({ v: 1, gateway: 'gw-2', online: true }), { qos: 1 });
    await publishBatch(c, doorEvents(S, 3, 5));
    // The good event of the batch with one bad event is applied: 1 + 3 rows.
    await waitFor(() => rows() === 4, 'the valid batch after the bad ones');
    const dls = deadLetters().reverse();
    expect(dls.map((d) => d.reason)).toEqual(['encoding', 'json', 'version', 'schema', 'schema']);
    expect(dls[0]!.payload.equals(garbage)).toBe(true);
    expect(dls[0]!.topic).toBe(topics.events(SITE, GW));
    expect(dls[0]!.gateway).toBe(GW);
    expect(dls[2]!.errors[0]).toMatchObject({ path: '/v', message: expect.stringMatching(/unsupported wire version 2/) });
    expect(dls[3]!.errors.map((e) => e.path)).toContain('/events/1/ts');
    expect(dls[3]).toMatchObject({ stream: S, seq: 2 }); // that event alone
    expect(dls[4]!.errors[0]!.message).toMatch(/gateway gw-2 does not match the topic's gateway gw-1/);
    expect(ingest.stats().gateways[GW]!.deadLettered).toBe(5);
  });

  it('does not acknowledge a batch whose apply failed: it comes again and is applied once', async () => {
    const c = await gateway({ clean: false });
    const events = doorEvents(S, 1, 5);
    failNext.add(events[3]!.id);
    await publishBatch(c, events);
    await waitFor(() => rows() === 5, 'the redelivered batch to be applied');
    expect(applyCalls.get(events[3]!.id)).toBe(2); // failed once, then applied
    expect(applyCalls.get(events[0]!.id)).toBe(2); // rolled back with the batch, applied again
    expect(count(t.db, 'SELECT COUNT(DISTINCT event_id) AS n FROM applied_events')).toBe(5);
    expect(ingest.stats().gateways[GW]).toMatchObject({ applyFailures: 1, applied: 5 });
  });

  it("acknowledges each stream end to end: retained HubAck with the highest seq below which nothing is missing, after every commit and at start", async () => {
    const c = await gateway();
    const acks: number[] = [];
    c.on('message', (topic, payload) => {
      if (topic !== topics.ack(SITE, GW) || payload.length === 0) return;
      const r = parse(topic, payload);
      if (!r.ok || r.kind !== 'ack') throw new Error(`bad ack ${payload.toString()}`);
      expect(r.value.stream).toBe(S);
      acks.push(r.value.through);
    });
    await c.subscribeAsync(topics.ack(SITE, GW), { qos: 1 });
    const events = doorEvents(S, 1, 7);
    await publishBatch(c, events.slice(0, 3));
    await waitFor(() => acks.at(-1) === 3, 'the ack through 3');
    await publishBatch(c, events.slice(5)); // 6–7 arrive before 4–5: 4–5 missing
    await waitFor(() => acks.length >= 2, 'the ack after the jump');
    expect(acks.at(-1)).toBe(3);
    await publishBatch(c, events.slice(3, 5));
    await waitFor(() => acks.at(-1) === 7, 'the ack through 7 once the gap is filled');
    const before = acks.length;
    await publishBatch(c, events.slice(0, 3)); // a redelivery is answered too: its sender may have missed the ack
    await waitFor(() => acks.length > before, 'the ack of a duplicate batch');
    expect(acks.at(-1)).toBe(7);
    // Retained: a gateway that connects later learns where its stream stands.
    const late = mqtt.connect(running.gatewayUrl, { clientId: `${GW}-late`, ...running.gatewayAuth, ...(transport.name === 'embedded aedes' ? { username: GW } : {}) });
    gateways.push(late);
    const retained = new Promise<number>((resolve) => late.on('message', (_t, p) => p.length > 0 && resolve((JSON.parse(p.toString()) as { through: number }).through)));
    await new Promise((r) => late.once('connect', r));
    await late.subscribeAsync(topics.ack(SITE, GW), { qos: 1 });
    expect(await retained).toBe(7);
    // At start the hub announces every stream, whatever the broker kept.
    await ingest.stop();
    await running.hub.publish(topics.ack(SITE, GW), '', { qos: 1, retain: true }); // clear the retained ack
    const n = acks.length;
    ingest = new Ingest({ db: t.db, mqtt: running.hub, site: SITE, apply, logger: silentLogger() });
    await ingest.start();
    await waitFor(() => acks.length > n, 'the ack announced at start');
    expect(acks.at(-1)).toBe(7);
  });

  it('keeps the gateways table from status messages and the Last Will', async () => {
    const will = { topic: topics.status(SITE, GW), payload: Buffer.from(JSON.stringify({ v: 1, gateway: GW, online: false })), qos: 1 as const, retain: true };
    const c = await gateway({ will });
    const status = { v: 1, gateway: GW, online: true, version: '0.1.0', readers: [{ id: 'r1', state: 'reading' }], outbox: { depth: 3, bytes: 120, dropped: 0 } };
    await c.publishAsync(topics.status(SITE, GW), JSON.stringify(status), { qos: 1, retain: true });
    const row = () => t.db.prepare('SELECT online, version, outbox_depth, readers FROM gateways WHERE gateway = ?').get(GW) as Record<string, unknown> | undefined;
    await waitFor(() => row()?.online === 1, 'the status row');
    expect(row()).toMatchObject({ version: '0.1.0', outbox_depth: 3 });
    c.stream.destroy(); // no DISCONNECT: the broker publishes the Last Will
    await waitFor(() => row()?.online === 0, 'the Last Will to mark the gateway offline');
    expect(row()).toMatchObject({ version: '0.1.0', outbox_depth: 3 });
  });

  if (transport.name === 'external Mosquitto') {
    it('gets what gateways sent while the hub was away from its persistent session', async () => {
      const c = await gateway();
      await publishBatch(c, doorEvents(S, 1, 5));
      await waitFor(() => rows() === 5, 'the first batch');
      await ingest.stop();
      await running.hub.close();
      await publishBatch(c, doorEvents(S, 6, 10)); // acked by Mosquitto, queued for the hub's session
      await publishBatch(c, doorEvents(S, 11, 15));
      expect(rows()).toBe(5);
      const hub = await running.reopenHub!();
      ingest = new Ingest({ db: t.db, mqtt: hub, site: SITE, apply, logger: silentLogger() });
      await ingest.start();
      await waitFor(() => rows() === 15, 'the queued batches');
      expect(count(t.db, 'SELECT last_seq AS n FROM streams')).toBe(15);
      expect(count(t.db, 'SELECT COUNT(*) AS n FROM stream_gaps')).toBe(0);
    });

    it('starts when the stored session begins with a message for its second subscription (a status before events)', async () => {
      const c = await gateway();
      await publishBatch(c, doorEvents(S, 1, 2));
      await waitFor(() => rows() === 2, 'the first batch');
      await ingest.stop();
      await running.hub.close();
      // Queued for the hub's session, status first: it reaches the hub before the events handler's SUBACK.
      await c.publishAsync(topics.status(SITE, GW), JSON.stringify({ v: 1, gateway: GW, online: true, version: '0.2.0' }), { qos: 1 });
      await publishBatch(c, doorEvents(S, 3, 6));
      const hub = await running.reopenHub!();
      ingest = new Ingest({ db: t.db, mqtt: hub, site: SITE, apply, logger: silentLogger() });
      await ingest.start();
      await waitFor(() => rows() === 6, 'the queued batch after the queued status');
      expect(t.db.prepare('SELECT version FROM gateways WHERE gateway = ?').get(GW)).toEqual({ version: '0.2.0' });
    });
  }
});
