// gateway/publisher — against a real embedded aedes broker (the hub's default), over real TCP.
import type { Client, PublishPacket } from 'aedes';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { newEventId, topics, type Command } from '../../protocols/events/index.js';
import { startAedes, subscriber, TcpProxy, until, type AedesBroker } from './test-support/brokers.js';
import { batches, eventsOf, GATEWAY, makeRig, SITE, type Rig } from './test-support/rig.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function broker(opts: Parameters<typeof startAedes>[0] = {}): Promise<AedesBroker> {
  const b = await startAedes(opts);
  cleanups.push(() => b.close());
  return b;
}
function rig(url: string, overrides: Parameters<typeof makeRig>[1] = {}): Rig {
  const r = makeRig(url, overrides);
  cleanups.push(() => r.close());
  return r;
}
async function sub(url: string, filter: string) {
  const s = await subscriber(url, filter);
  cleanups.push(() => s.close());
  return s;
}

describe('Publisher with aedes', () => {
  it('publishes events in batches, in seq order, exactly as appended, and empties the outbox', async () => {
    const b = await broker();
    const s = await sub(b.url, topics.events(SITE, GATEWAY));
    const r = rig(b.url);
    r.publisher.start();
    await until(() => r.publisher.state().connected, 'connect');
    const made = [];
    for (let i = 0; i < 13; i++) made.push(...r.append(10));
    await until(() => eventsOf(s.messages).length >= 130 && r.outbox.depth() === 0, 'all events delivered and acked');
    const got = batches(s.messages);
    for (const batch of got) {
      expect(batch).toMatchObject({ v: 1, gateway: GATEWAY, stream: r.outbox.stream });
      expect(batch.events.length).toBeLessThanOrEqual(25);
    }
    expect(got.length).toBeLessThan(130); // batched, not one message per event
    expect(got.flatMap((x) => x.events)).toEqual(made);
    expect(r.publisher.state()).toMatchObject({ publishedEvents: 130, ackedEvents: 130, inFlight: 0 });
  });

  it('deletes outbox rows only when the PUBACK arrives', async () => {
    let hold = true;
    const held: Array<() => void> = [];
    const b = await broker({
      authorizePublish: (_c: Client | null, packet: PublishPacket, cb: (e?: Error | null) => void) => {
        if (hold && packet.topic.endsWith('/events')) held.push(() => cb(null));
        else cb(null);
      },
    });
    const r = rig(b.url);
    r.publisher.start();
    await until(() => r.publisher.state().connected, 'connect');
    r.append(10);
    await until(() => held.length > 0, 'the broker to hold the message');
    // The broker has the message but has not acknowledged it: every row is still there.
    expect(r.outbox.depth()).toBe(10);
    expect(r.publisher.state().inFlightEvents).toBe(10);
    hold = false;
    for (const release of held.splice(0)) release();
    await until(() => r.outbox.depth() === 0, 'rows deleted after PUBACK');
    expect(r.publisher.state().ackedEvents).toBe(10);
  });

  it('drains a backlog oldest first at the drain rate while fresh events still flow', async () => {
    const b = await broker();
    const s = await sub(b.url, topics.events(SITE, GATEWAY));
    const r = rig(b.url, { drainRatePerSecond: 200, batch: { maxEvents: 40, lingerMs: 5 } });
    const backlog = r.append(300); // left from an outage: stored before the publisher connects
    r.publisher.start();
    await until(() => eventsOf(s.messages).length > 0, 'the first backlog batch');
    const fresh = r.append(5, 10_000);
    await until(() => eventsOf(s.messages).length >= 305 && r.outbox.depth() === 0, 'backlog and fresh delivered');
    const order = eventsOf(s.messages).map((e) => e.seq);
    expect(new Set(order).size).toBe(305);
    // Fresh events did not wait for the backlog to finish.
    expect(order.indexOf(fresh[0]!.seq)).toBeLessThan(order.indexOf(backlog.at(-1)!.seq));
    // The backlog went out oldest first; every message ascends by seq.
    const backlogOrder = order.filter((seq) => seq <= 300);
    expect(backlogOrder).toEqual(backlog.map((e) => e.seq));
    for (const batch of batches(s.messages)) {
      const seqs = batch.events.map((e) => e.seq);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      expect(batch.events.length).toBeLessThanOrEqual(40);
    }
  });

  it('republishes what was in flight when the connection dies, so nothing is lost', async () => {
    let hold = true;
    const held: Array<() => void> = [];
    const b = await broker({
      authorizePublish: (_c: Client | null, packet: PublishPacket, cb: (e?: Error | null) => void) => {
        if (hold && packet.topic.endsWith('/events')) held.push(() => cb(null));
        else cb(null);
      },
    });
    const proxy = new TcpProxy(b.port);
    const url = await proxy.listen();
    cleanups.push(() => proxy.close());
    const s = await sub(b.url, topics.events(SITE, GATEWAY));
    const r = rig(url);
    r.publisher.start();
    await until(() => r.publisher.state().connected, 'connect');
    const made = r.append(60);
    await until(() => held.length > 0, 'messages held without PUBACK');
    proxy.cut();
    await until(() => !r.publisher.state().connected, 'the disconnect');
    expect(r.outbox.depth()).toBe(60);
    hold = false;
    for (const release of held.splice(0)) release();
    await until(() => r.outbox.depth() === 0, 'redelivery after reconnect');
    const ids = new Set(eventsOf(s.messages).map((e) => e.id));
    for (const e of made) expect(ids.has(e.id)).toBe(true);
    expect(r.publisher.state().connects).toBeGreaterThanOrEqual(2);
  });

  it('the Last Will marks the gateway offline when its socket dies; the status is republished on reconnect', async () => {
    const b = await broker();
    const proxy = new TcpProxy(b.port);
    const url = await proxy.listen();
    cleanups.push(() => proxy.close());
    const s = await sub(b.url, topics.status(SITE, GATEWAY));
    const r = rig(url);
    r.publisher.start();
    await until(() => r.publisher.state().connected, 'connect');
    await r.publisher.publishStatus({ v: 1, gateway: GATEWAY, online: true, version: '0.1.0' });
    await until(() => s.messages.some((m) => JSON.parse(m.payload).online === true), 'the online status');
    proxy.cut();
    await until(() => s.messages.some((m) => JSON.parse(m.payload).online === false), 'the Last Will');
    const will = s.messages.find((m) => JSON.parse(m.payload).online === false)!;
    expect(JSON.parse(will.payload)).toEqual({ v: 1, gateway: GATEWAY, online: false });
    const before = s.messages.length;
    await until(() => s.messages.slice(before).some((m) => JSON.parse(m.payload).online === true), 'status republished on reconnect');
  });

  it('a clean stop publishes a retained offline status (no Last Will needed)', async () => {
    const b = await broker();
    const r = makeRig(b.url);
    r.publisher.start();
    await until(() => r.publisher.state().connected, 'connect');
    await r.publisher.publishStatus({ v: 1, gateway: GATEWAY, online: true });
    await r.close();
    const late = await sub(b.url, topics.status(SITE, GATEWAY)); // a newcomer sees the retained message
    await until(() => late.messages.length > 0, 'the retained status');
    expect(late.messages[0]).toMatchObject({ retain: true });
    expect(JSON.parse(late.messages[0]!.payload)).toMatchObject({ v: 1, gateway: GATEWAY, online: false });
  });

  it('stop() publishes the fresh events already stored, waits for their PUBACKs, then disconnects cleanly', async () => {
    const b = await broker();
    const s = await sub(b.url, topics.events(SITE, GATEWAY));
    const r = makeRig(b.url, { batch: { maxEvents: 25, lingerMs: 60_000 } }); // a linger stop() must not wait for
    r.publisher.start();
    await until(() => r.publisher.state().connected, 'connect');
    const made = r.outbox.append(Array.from({ length: 30 }, (_, i) => ({ kind: 'door', door: 'dock-3', state: i % 2 ? 'open' : 'closed' }) as const), Date.now());
    await r.publisher.stop({ flushMs: 10_000 });
    expect(r.outbox.depth()).toBe(0);
    expect(r.publisher.state()).toMatchObject({ connected: false, inFlight: 0, ackedEvents: 30 });
    await until(() => eventsOf(s.messages).length >= 30, 'delivery');
    expect(eventsOf(s.messages)).toEqual(made);
    await r.close();
  });

  it('logs a broker that refuses its credentials clearly, and retries with back-off without crashing', async () => {
    let attempts = 0;
    const b = await broker({
      authenticate: (_c: Client, username: Readonly<string | undefined>, password: Readonly<Buffer | undefined>, done) => {
        attempts++;
        if (username === 'gw' && password?.toString() === 'right') done(null, true);
        else done(Object.assign(new Error('bad credentials'), { returnCode: 4 }), false);
      },
    });
    const r = rig(b.url, { mqtt: { url: b.url, clientId: 'gw-refused', username: 'gw', password: 'wrong' } });
    r.publisher.start();
    await until(() => attempts >= 3, 'three attempts');
    const refusals = r.lines.filter((l) => l.level === 'error' && l.msg.includes('bad user name or password'));
    expect(refusals.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(refusals[0])).not.toContain('wrong'); // the password never reaches the log
    const retries = r.lines.filter((l) => l.msg.includes('retrying with back-off'));
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expect(retries.every((l) => typeof l.retryInMs === 'number' && (l.retryInMs as number) >= 10)).toBe(true);
    expect(r.publisher.state()).toMatchObject({ connected: false, lastError: expect.stringContaining('bad user name or password') });
  });

  it('hands valid commands to the handler and logs and drops invalid ones', async () => {
    const b = await broker();
    const r = rig(b.url);
    const got: Command[] = [];
    r.publisher.onCommand((c) => {
      got.push(c);
      if (c.cmd === 'horn') throw new Error('horn driver failed'); // a failing handler must not take us down
    });
    r.publisher.start();
    await until(() => r.publisher.state().connected, 'connect');
    const hub = await mqtt.connectAsync(b.url, { clientId: 'hub-test' });
    cleanups.push(() => hub.endAsync());
    const topic = topics.cmd(SITE, GATEWAY);
    const light: Command = { v: 1, id: newEventId(), ts: new Date().toISOString(), cmd: 'light', door: 'dock-3', color: 'red', durationMs: 5000 };
    const horn: Command = { v: 1, id: newEventId(), ts: new Date().toISOString(), cmd: 'horn', door: 'dock-3', durationMs: 500 };
    // Subscription is asynchronous after connect: wait until the first command arrives.
    await until(() => {
      if (got.length === 0) void hub.publishAsync(topic, JSON.stringify(light), { qos: 1 });
      return got.length > 0;
    }, 'the first command');
    await hub.publishAsync(topic, '{"v":1,"cmd":"self-destruct"}', { qos: 1 });
    await hub.publishAsync(topic, 'not json', { qos: 1 });
    await hub.publishAsync(topic, JSON.stringify({ ...light, color: 'purple' }), { qos: 1 });
    await hub.publishAsync(topic, JSON.stringify(horn), { qos: 1 });
    await until(() => got.some((c) => c.cmd === 'horn'), 'the horn command');
    expect(got.every((c) => c.cmd === 'light' || c.cmd === 'horn')).toBe(true);
    expect(got.filter((c) => c.cmd === 'light').every((c) => c.id === light.id && (c as { color: string }).color === 'red')).toBe(true);
    const rejected = r.lines.filter((l) => l.msg === 'mqtt: invalid command rejected');
    expect(rejected.map((l) => l.errors)).toEqual([expect.stringContaining('unknown command "self-destruct"'), expect.stringContaining('not JSON'), expect.stringContaining('/color')]);
    expect(r.lines.some((l) => l.level === 'error' && l.msg === 'command handler failed')).toBe(true);
    expect(r.publisher.state().connected).toBe(true);
  });
});

