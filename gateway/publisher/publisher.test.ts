// gateway/publisher — the driver (publisher.ts) on the simulated runtime with an in-memory client and outbox: what
// mqtt.js events become, what reaches the client, the timers, stop(). No broker, no sockets, no wall-clock waits.
import { describe, expect, it } from 'vitest';
import { isoTs, newEventId, topics } from '../../protocols/events/index.js';
import { backoffDelay } from '../../runtime/backoff.js';
import { SimulatedRuntime } from '../../runtime/testing/simulated-runtime.js';
import { captureLogger } from '../../protocols/logging/capture.js';
import { Publisher, type PublisherOptions } from './publisher.js';
import { fakeConnect, type FakeClient } from './testing/fake-client.js';
import { MemoryOutbox } from './testing/memory-outbox.js';

const SITE = 'dc-sim';
const GW = 'dock-9';
const EVENTS = topics.events(SITE, GW);
const ACK = topics.ack(SITE, GW);
const STATUS = topics.status(SITE, GW);

function setup(overrides: Partial<PublisherOptions> = {}) {
  const runtime = new SimulatedRuntime({ startMs: Date.UTC(2026, 0, 1), seed: 7 });
  const outbox = new MemoryOutbox();
  const { logger, lines } = captureLogger('debug');
  const fake = fakeConnect();
  const publisher = new Publisher({
    site: SITE,
    gateway: GW,
    mqtt: { url: 'mqtt://sim', clientId: 'gw-sim' },
    batch: { maxEvents: 10, lingerMs: 5 },
    reconnect: { initialMs: 100, maxMs: 1000 },
    outbox,
    logger,
    runtime,
    connect: fake.connect,
    ...overrides,
  });
  const steps: string[] = [];
  publisher.on('step', (t) => steps.push(t));
  publisher.start();
  const client = fake.clients[0]!;
  const ack = (through: number) => client.deliver(ACK, JSON.stringify({ v: 1, stream: outbox.stream, through, ts: isoTs(runtime.now()) }));
  const seqsOut = (c: FakeClient) =>
    c.published.filter((p) => p.topic === EVENTS).flatMap((p) => (JSON.parse(p.payload) as { events: Array<{ seq: number }> }).events.map((e) => e.seq));
  return { runtime, outbox, lines, publisher, client, steps, ack, seqsOut };
}

describe('Publisher (driver) on the simulated runtime', () => {
  it('publishes what the core says, at QoS 1, and deletes rows on the hub acknowledgement', () => {
    const t = setup();
    expect(t.client.options).toMatchObject({ clientId: 'gw-sim', reconnectPeriod: 0 });
    t.client.connect();
    expect(t.client.subscriptions).toEqual([topics.cmd(SITE, GW), ACK]);
    t.outbox.append(25);
    t.publisher.kick();
    expect(t.seqsOut(t.client)).toHaveLength(20); // two full messages; the rest lingers
    t.runtime.advance(5);
    expect(t.seqsOut(t.client)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    for (const p of t.client.unacked(EVENTS)) p.ack();
    expect(t.outbox.depth()).toBe(25);
    t.ack(25);
    expect(t.outbox.depth()).toBe(0);
    expect(t.publisher.state()).toMatchObject({ publishedEvents: 25, ackedEvents: 25, confirmedEvents: 25, hubConfirmedSeq: 25, inFlight: 0 });
    expect(t.steps).toContain('hub-ack');
  });

  it('on a lost connection drops mqtt.js copies, reconnects after the back-off, and publishes again from the confirmed point', () => {
    const t = setup();
    const offline: unknown[] = [];
    t.publisher.on('offline', (o) => offline.push(o));
    t.client.connect();
    void t.publisher.publishStatus({ v: 1, gateway: GW, online: true });
    t.outbox.append(30);
    t.publisher.kick();
    const [first] = t.client.unacked(EVENTS);
    first!.ack();
    t.ack(10);
    t.client.drop(new Error('read ECONNRESET'));
    expect(offline).toEqual([{ reason: 'read ECONNRESET' }]);
    expect(t.client.unacked()).toEqual([]); // removed, their callbacks ignored by the core
    expect(t.publisher.state()).toMatchObject({ connected: false, inFlight: 0, ackedEvents: 10 });
    const delay = backoffDelay(0, { initialMs: 100, maxMs: 1000 }, 0); // at least the fixed half
    t.runtime.advance(delay - 1);
    expect(t.client.reconnects).toBe(0);
    t.runtime.advance(1000);
    expect(t.client.reconnects).toBe(1);
    const before = t.seqsOut(t.client).length;
    t.client.connect();
    expect(t.client.published.filter((p) => p.topic === STATUS).map((p) => JSON.parse(p.payload).online)).toEqual([true, true]); // again on connect
    t.runtime.advance(1000);
    expect(t.seqsOut(t.client).slice(before)).toEqual(Array.from({ length: 20 }, (_, i) => i + 11));
  });

  it('stop() publishes offline after the PUBACKs and the confirmation', async () => {
    const t = setup({ batch: { maxEvents: 10, lingerMs: 60_000 } });
    t.client.connect();
    const online = t.publisher.publishStatus({ v: 1, gateway: GW, online: true });
    t.client.unacked(STATUS)[0]!.ack();
    expect(await online).toBe(true);
    t.outbox.append(3);
    const stopped = t.publisher.stop({ flushMs: 10_000 });
    const out = t.client.unacked(EVENTS);
    expect(out).toHaveLength(1); // no linger when stopping
    out[0]!.ack();
    expect(t.client.unacked(STATUS)).toEqual([]); // still waiting for the hub
    t.ack(3);
    await t.runtime.advanceAsync(0); // one turn: stop() sees the confirmation
    const offline = t.client.unacked(STATUS);
    expect(offline.map((p) => JSON.parse(p.payload))).toMatchObject([{ online: false }]);
    offline[0]!.ack();
    await stopped;
    expect(t.client.ended).toEqual({ force: false });
    expect(t.outbox.depth()).toBe(0);
    expect(t.publisher.state()).toMatchObject({ connected: false, stopping: true });
    expect(t.runtime.pending()).toBe(0); // every timer cancelled
    expect(t.lines.at(-1)).toMatchObject({ msg: 'mqtt publisher stopped', unacked: 0, unconfirmed: 0 });
  });

  it('stop() gives a silent hub flushMs of simulated time, then leaves the rows for the next start', async () => {
    const t = setup({ batch: { maxEvents: 10, lingerMs: 0 } });
    t.client.connect();
    t.outbox.append(5);
    t.publisher.kick();
    t.client.unacked(EVENTS)[0]!.ack();
    const stopped = t.publisher.stop({ flushMs: 300 });
    await t.runtime.advanceAsync(299);
    expect(t.client.ended).toBeUndefined();
    await t.runtime.advanceAsync(1);
    await stopped;
    expect(t.client.ended).toEqual({ force: false });
    expect(t.outbox.depth()).toBe(5);
    expect(t.publisher.state()).toMatchObject({ ackedEvents: 5, confirmedEvents: 0, unconfirmedEvents: 5 });
  });

  it('looks for rows appended without kick() every pollMs', () => {
    const t = setup({ pollMs: 250, batch: { maxEvents: 10, lingerMs: 0 } });
    t.client.connect();
    t.outbox.append(4);
    t.runtime.advance(249);
    expect(t.seqsOut(t.client)).toEqual([]);
    t.runtime.advance(1);
    expect(t.seqsOut(t.client)).toEqual([1, 2, 3, 4]);
  });

  it('a refused PUBACK (MQTT 5 reason code) is described, logged, and the rows go again after the refusal back-off', () => {
    const t = setup({ confirm: 'broker', batch: { maxEvents: 10, lingerMs: 0 }, mqtt: { url: 'mqtt://sim', clientId: 'gw-sim', protocolVersion: 5 } });
    t.client.connect();
    t.outbox.append(3);
    t.publisher.kick();
    t.client.unacked(EVENTS)[0]!.ack(Object.assign(new Error('Publish error: Not authorized'), { code: 135 }));
    const refusal = t.lines.find((l) => String(l.msg).includes('refused by the broker'))!;
    expect(refusal).toMatchObject({ level: 'error', firstSeq: 1, lastSeq: 3 });
    expect(t.publisher.state().lastError).toContain('135');
    t.runtime.advance(refusal.retryInMs as number);
    t.client.unacked(EVENTS)[0]!.ack();
    expect(t.outbox.depth()).toBe(0);
  });

  it('logs an invalid acknowledgement and a failed ack subscription, and hands commands to the handler', () => {
    const t = setup();
    t.client.granted.set(ACK, 128);
    t.client.connect();
    expect(t.lines.some((l) => l.level === 'error' && String(l.msg).includes("cannot subscribe to the hub's acknowledgements"))).toBe(true);
    t.client.deliver(ACK, 'not json');
    expect(t.lines.find((l) => l.msg === 'mqtt: invalid hub acknowledgement ignored')).toMatchObject({ errors: expect.stringContaining('not JSON') });
    const got: unknown[] = [];
    t.publisher.onCommand((c) => void got.push(c.cmd));
    const cmd = { v: 1, id: newEventId(), ts: isoTs(t.runtime.now()), cmd: 'horn', door: 'dock-9', durationMs: 500 };
    t.client.deliver(topics.cmd(SITE, GW), JSON.stringify(cmd));
    expect(got).toEqual(['horn']);
  });
});
