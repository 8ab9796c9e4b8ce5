// gateway/publisher — against a real embedded aedes broker (the hub's default), over real TCP.
import type { Client, PublishPacket } from 'aedes';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { newEventId, topics, type Command } from '../../protocols/events/index.js';
import { changed, startAedes, subscriber, TcpProxy, until, type AedesBroker } from './test-support/brokers.js';
import { startTestHub } from './test-support/hub.js';
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
async function hub(url: string, opts: Partial<Parameters<typeof startTestHub>[1]> = {}) {
  const h = await startTestHub(url, { site: SITE, gateway: GATEWAY, ...opts });
  cleanups.push(() => h.close());
  return h;
}

describe('Publisher with aedes', () => {
  it('publishes events in batches, in seq order, exactly as appended, and empties the outbox once the hub confirms', async () => {
    const b = await broker();
    const s = await sub(b.url, topics.events(SITE, GATEWAY));
    const h = await hub(b.url);
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
    expect(r.publisher.state()).toMatchObject({
      publishedEvents: 130,
      ackedEvents: 130,
      inFlight: 0,
      confirmedEvents: 130,
      hubConfirmedSeq: 130,
      unconfirmedEvents: 0,
    });
    expect(h.acks.at(-1)).toMatchObject({ stream: r.outbox.stream, through: 130 });
  });

  it("confirm 'broker': deletes outbox rows only when the PUBACK arrives", async () => {
    let hold = true;
    const held: Array<() => void> = [];
    const b = await broker({
      authorizePublish: (_c: Client | null, packet: PublishPacket, cb: (e?: Error | null) => void) => {
        if (hold && packet.topic.endsWith('/events')) {
          held.push(() => cb(null));
          changed();
        } else cb(null);
      },
    });
    const r = rig(b.url, { confirm: 'broker' });
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
    await hub(b.url);
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

  it("confirm 'broker': republishes what was in flight when the connection dies, so nothing is lost", async () => {
    let hold = true;
    const held: Array<() => void> = [];
    const b = await broker({
      authorizePublish: (_c: Client | null, packet: PublishPacket, cb: (e?: Error | null) => void) => {
        if (hold && packet.topic.endsWith('/events')) {
          held.push(() => cb(null));
          changed();
        } else cb(null);
      },
    });
    const proxy = new TcpProxy(b.port);
    const url = await proxy.listen();
    cleanups.push(() => proxy.close());
    const s = await sub(b.url, topics.events(SITE, GATEWAY));
    const r = rig(url, { confirm: 'broker' });
    r.publisher.start();
    await until(() => r.publisher.state().connected, 'connect');
    const made = r.append(60);
    await until(() => held.length > 0, 'messages held without PUBACK');
    proxy.cut();
    await until(() => !r.publisher.state().connected, 'the disconnect');
    expect(r.outbox.depth()).toBe(60);
    hold = false;
    for (const release of held.splice(0)) release();
    // The PUBACK (which empties the outbox) and the delivery to the subscriber race: wait for both.
    const delivered = () => new Set(eventsOf(s.messages).map((e) => e.id));
    await until(() => r.outbox.depth() === 0 && made.every((e) => delivered().has(e.id)), 'redelivery after reconnect');
    const ids = delivered();
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

  it("confirm 'broker': stop() publishes the fresh events already stored, waits for their PUBACKs, then disconnects cleanly", async () => {
    const b = await broker();
    const s = await sub(b.url, topics.events(SITE, GATEWAY));
    const r = makeRig(b.url, { confirm: 'broker', batch: { maxEvents: 25, lingerMs: 60_000 } }); // a linger stop() must not wait for
    r.publisher.start();
    await until(() => r.publisher.state().connected, 'connect');
    const made = r.outbox.append(
      Array.from({ length: 30 }, (_, i) => ({ kind: 'door', door: 'dock-3', state: i % 2 ? 'open' : 'closed' }) as const),
      Date.now(),
    );
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
        changed();
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
      changed();
      if (c.cmd === 'horn') throw new Error('horn driver failed'); // a failing handler must not take us down
    });
    const topic = topics.cmd(SITE, GATEWAY);
    // The publisher subscribes after it connects: commands published before the broker has the subscription are lost.
    const subscribed = new Promise<void>((resolve) => b.broker.on('subscribe', (subs) => subs.some((x) => x.topic === topic) && resolve()));
    r.publisher.start();
    await subscribed;
    const hub = await mqtt.connectAsync(b.url, { clientId: 'hub-test' });
    cleanups.push(() => hub.endAsync());
    const light: Command = { v: 1, id: newEventId(), ts: new Date().toISOString(), cmd: 'light', door: 'dock-3', color: 'red', durationMs: 5000 };
    const horn: Command = { v: 1, id: newEventId(), ts: new Date().toISOString(), cmd: 'horn', door: 'dock-3', durationMs: 500 };
    await hub.publishAsync(topic, JSON.stringify(light), { qos: 1 });
    await until(() => got.length > 0, 'the first command');
    await hub.publishAsync(topic, '{"v":1,"cmd":"self-destruct"}', { qos: 1 });
    await hub.publishAsync(topic, 'not json', { qos: 1 });
    await hub.publishAsync(topic, JSON.stringify({ ...light, color: 'purple' }), { qos: 1 });
    await hub.publishAsync(topic, JSON.stringify(horn), { qos: 1 });
    await until(() => got.some((c) => c.cmd === 'horn'), 'the horn command');
    expect(got.every((c) => c.cmd === 'light' || c.cmd === 'horn')).toBe(true);
    expect(got.filter((c) => c.cmd === 'light').every((c) => c.id === light.id && (c as { color: string }).color === 'red')).toBe(true);
    const rejected = r.lines.filter((l) => l.msg === 'mqtt: invalid command rejected');
    expect(rejected.map((l) => l.errors)).toEqual([
      expect.stringContaining('unknown command "self-destruct"'),
      expect.stringContaining('not JSON'),
      expect.stringContaining('/color'),
    ]);
    expect(r.lines.some((l) => l.level === 'error' && l.msg === 'command handler failed')).toBe(true);
    expect(r.publisher.state().connected).toBe(true);
  });
});

describe("Publisher with aedes, confirm 'hub' (the default): rows go only with the hub's acknowledgement", () => {
  it('keeps rows after the PUBACK, deletes those up to `through`, and ignores another stream, a malformed and an impossible ack', async () => {
    const b = await broker();
    const h = await hub(b.url, { autoAck: false });
    const r = rig(b.url);
    r.publisher.start();
    await until(() => r.publisher.state().connected, 'connect');
    r.append(20);
    await until(() => r.publisher.state().ackedEvents === 20, 'the PUBACKs');
    expect(r.outbox.depth()).toBe(20);
    expect(r.publisher.state()).toMatchObject({ inFlight: 0, unconfirmedEvents: 20, hubConfirmedSeq: 0, confirmedEvents: 0 });
    const ack = (through: number, stream = r.outbox.stream) => ({ v: 1 as const, stream, through, ts: new Date().toISOString() });

    await h.publishAck(JSON.stringify({ ...ack(20), through: 'all' }));
    await until(() => r.lines.some((l) => l.msg === 'mqtt: invalid hub acknowledgement ignored'), 'the warning for a malformed ack');
    const warn = r.lines.find((l) => l.msg === 'mqtt: invalid hub acknowledgement ignored')!;
    expect(warn).toMatchObject({ level: 'warn', errors: expect.stringContaining('/through') });
    await h.publishAck('not json');
    await until(() => r.lines.filter((l) => l.msg === 'mqtt: invalid hub acknowledgement ignored').length === 2, 'the warning for a non-JSON ack');
    expect(r.lines.filter((l) => l.msg === 'mqtt: invalid hub acknowledgement ignored')[1]).toMatchObject({ errors: expect.stringContaining('not JSON') });

    await h.publishAck(ack(20, 'an-older-stream-0001'));
    await until(() => r.lines.some((l) => l.msg === 'hub acknowledgement for another stream ignored'), 'the other stream noticed');
    expect(r.outbox.depth()).toBe(20);

    await h.publishAck(ack(12));
    await until(() => r.outbox.depth() === 8, 'rows up to 12 deleted');
    expect(r.outbox.peek(100).map((e) => e.seq)).toEqual([13, 14, 15, 16, 17, 18, 19, 20]);
    expect(r.publisher.state()).toMatchObject({ hubConfirmedSeq: 12, confirmedEvents: 12, unconfirmedEvents: 8 });

    await h.publishAck(ack(99)); // beyond anything written: never deletes rows the hub cannot have
    await until(() => r.lines.some((l) => l.level === 'error' && String(l.msg).includes('never handed out')), 'the impossible ack refused');
    expect(r.outbox.depth()).toBe(8);

    await h.publishAck(ack(20));
    await until(() => r.outbox.depth() === 0, 'the rest deleted');
    // Nothing was published twice: the fresh lane does not take PUBACKed-but-unconfirmed rows again.
    expect(r.publisher.state()).toMatchObject({ publishedEvents: 20, confirmedEvents: 20, hubConfirmedSeq: 20, confirmTimeouts: 0 });
  });

  it('after a reconnect publishes the unconfirmed rows again (the hub dedupes), and the retained ack still applies', async () => {
    const b = await broker();
    const proxy = new TcpProxy(b.port);
    const url = await proxy.listen();
    cleanups.push(() => proxy.close());
    const h = await hub(b.url, { autoAck: false });
    const r = rig(url);
    r.publisher.start();
    await until(() => r.publisher.state().connected, 'connect');
    const made = r.append(30);
    await until(() => r.publisher.state().ackedEvents === 30 && h.received.length === 30, 'delivered and PUBACKed');
    await h.publishAck({ v: 1, stream: r.outbox.stream, through: 10, ts: new Date().toISOString() });
    await until(() => r.outbox.depth() === 20, 'the first ten confirmed');
    proxy.cut();
    await until(() => r.publisher.state().connects >= 2 && h.received.length >= 50, 'seqs 11..30 published again after the reconnect');
    expect(h.received.slice(30).map((e) => e.seq)).toEqual(made.slice(10).map((e) => e.seq));
    expect(h.received.slice(30)).toEqual(made.slice(10)); // the same events: same ids, same bodies
    await h.publishAck({ v: 1, stream: r.outbox.stream, through: 30, ts: new Date().toISOString() });
    await until(() => r.outbox.depth() === 0, 'all confirmed');
  });

  it('publishes again, once, what the hub has not confirmed within confirmTimeoutMs; a confirming hub empties the outbox', async () => {
    const b = await broker();
    const dropped = new Set<number>();
    // A hub that loses seqs 6..10 the first time it sees them (and so cannot confirm past 5).
    const h = await hub(b.url, {
      apply: (e) => {
        if (e.seq < 6 || e.seq > 10 || dropped.has(e.seq)) return true;
        dropped.add(e.seq);
        return false;
      },
    });
    const r = rig(b.url, { confirmTimeoutMs: 300, drainRatePerSecond: 1000 });
    r.publisher.start();
    await until(() => r.publisher.state().connected, 'connect');
    const made = r.append(20);
    await until(() => r.publisher.state().ackedEvents >= 20 && r.publisher.state().hubConfirmedSeq === 5, 'the hub stuck at 5');
    expect(r.outbox.depth()).toBe(15);
    await until(() => r.outbox.depth() === 0, 'seqs 6..20 confirmed after they went again');
    const stalls = r.lines.filter((l) => String(l.msg).startsWith('hub has not confirmed'));
    expect(stalls).toHaveLength(1);
    expect(stalls[0]).toMatchObject({
      level: 'warn',
      fromSeq: 6,
      toSeq: 20,
      msg: expect.stringMatching(/^hub has not confirmed seq 6\.\.20 for \d+\.\d s: publishing again$/),
    });
    expect(stalls[0]!.waitedMs as number).toBeGreaterThanOrEqual(300);
    // Every seq reached the hub; 6..20 twice; and the hub's ledger has each once.
    expect(
      h.received
        .filter((e) => e.seq >= 6)
        .map((e) => e.seq)
        .sort((x, y) => x - y),
    ).toEqual(made.slice(5).flatMap((e) => [e.seq, e.seq]));
    expect([...h.applied].sort((x, y) => x - y)).toEqual(made.map((e) => e.seq));
    expect(r.publisher.state()).toMatchObject({ confirmTimeouts: 1, hubConfirmedSeq: 20, publishedEvents: 35 });
  });

  it("stop() waits within flushMs for the hub's confirmation; what a silent hub leaves unconfirmed stays for the next start", async () => {
    const b = await broker();
    const h = await hub(b.url);
    const r = makeRig(b.url, { batch: { maxEvents: 25, lingerMs: 60_000 } });
    r.publisher.start();
    await until(() => r.publisher.state().connected, 'connect');
    r.outbox.append(
      Array.from({ length: 30 }, (_, i) => ({ kind: 'door', door: 'dock-3', state: i % 2 ? 'open' : 'closed' }) as const),
      Date.now(),
    );
    await r.publisher.stop({ flushMs: 10_000 });
    expect(r.outbox.depth()).toBe(0);
    expect(r.publisher.state()).toMatchObject({ connected: false, ackedEvents: 30, confirmedEvents: 30 });
    await r.close();
    await h.close();

    const silent = await hub(b.url, { autoAck: false });
    const q = makeRig(b.url, { batch: { maxEvents: 25, lingerMs: 60_000 } });
    q.publisher.start();
    await until(() => q.publisher.state().connected, 'connect');
    q.outbox.append(
      Array.from({ length: 5 }, () => ({ kind: 'door', door: 'dock-3', state: 'open' }) as const),
      Date.now(),
    );
    const t0 = Date.now();
    await q.publisher.stop({ flushMs: 300 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250); // it did wait for the hub, up to flushMs
    expect(silent.received).toHaveLength(5);
    expect(q.outbox.depth()).toBe(5);
    expect(q.publisher.state()).toMatchObject({ ackedEvents: 5, confirmedEvents: 0 });
    await q.close();
  });
});
