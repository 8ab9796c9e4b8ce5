// The simulator's broker keeps QoS 1 semantics (queued until acknowledged, delivered again on the next connection) and
// loses, on a crash, exactly what came after its last autosave; on simulated time, no waits.
import { describe, expect, it } from 'vitest';
import { SimulatedRuntime } from '../../runtime/testing/simulated-runtime.js';
import { SimBroker, topicMatches, type BrokerFaults, type Connection } from './broker.js';

const CALM: BrokerFaults = { latencyMs: 5, dropPublish: 0, duplicateDelivery: 0, saveEveryMs: 1000 };

interface Client {
  conn: Connection;
  got: string[];
  connects: boolean[];
  closes: number;
  /** Acknowledge deliveries (else they stay queued at the broker). */
  acking: boolean;
}

function client(broker: SimBroker, id: string, acking = true): Client {
  const c: Client = { conn: undefined as unknown as Connection, got: [], connects: [], closes: 0, acking };
  c.conn = broker.connect(id, {
    connected: (present) => c.connects.push(present),
    closed: () => c.closes++,
    message: (_topic, payload, ack) => {
      c.got.push(payload.toString());
      if (c.acking) ack();
    },
  });
  return c;
}

/** A subscriber to t/+ that does not acknowledge, and a publisher, both connected. */
async function subscribed(rt: SimulatedRuntime, broker: SimBroker): Promise<{ sub: Client; pub: Client }> {
  const sub = client(broker, 'hub', false);
  await rt.advanceAsync(10);
  sub.conn.subscribe('t/+', () => {});
  const pub = client(broker, 'gw');
  await rt.advanceAsync(10);
  return { sub, pub };
}

describe('topicMatches', () => {
  it('matches + for one level and # for the rest, nothing else', () => {
    expect(topicMatches('a/+/c', 'a/b/c')).toBe(true);
    expect(topicMatches('a/+/c', 'a/b/d')).toBe(false);
    expect(topicMatches('a/+', 'a/b/c')).toBe(false);
    expect(topicMatches('a/#', 'a/b/c')).toBe(true);
    expect(topicMatches('a/b', 'a/b')).toBe(true);
  });
});

describe('SimBroker', () => {
  it('delivers a message again on the next connection until the subscriber acknowledges it', async () => {
    const rt = new SimulatedRuntime({ seed: 7 });
    const broker = new SimBroker(rt, CALM);
    const { sub, pub } = await subscribed(rt, broker);
    let pubacks = 0;
    pub.conn.publish('t/1', Buffer.from('m1'), false, () => pubacks++);
    await rt.advanceAsync(20);
    expect(pubacks).toBe(1);
    expect(sub.got).toEqual(['m1']);
    expect(broker.queuedCount()).toBe(1); // not acknowledged

    sub.conn.break();
    const again = client(broker, 'hub');
    await rt.advanceAsync(20);
    expect(again.connects).toEqual([true]);
    expect(again.got).toEqual(['m1']);
    expect(broker.queuedCount()).toBe(0);
  });

  it('loses on a crash what it acknowledged after its last autosave, and keeps what it saved', async () => {
    const rt = new SimulatedRuntime({ seed: 3 });
    const broker = new SimBroker(rt, CALM);
    const { sub, pub } = await subscribed(rt, broker);
    pub.conn.publish('t/1', Buffer.from('saved'), false, () => {});
    await rt.advanceAsync(1000); // the autosave at 1000 ms holds it
    pub.conn.publish('t/1', Buffer.from('unsaved'), false, () => {});
    await rt.advanceAsync(20);
    expect(broker.queuedCount()).toBe(2);

    broker.crash(50);
    await rt.advanceAsync(20);
    expect(sub.closes).toBe(1);
    expect(pub.closes).toBe(1);
    expect(broker.stats.lostInCrash).toBe(1);
    await rt.advanceAsync(50);
    const back = client(broker, 'hub');
    await rt.advanceAsync(20);
    expect(back.got).toEqual(['saved']);
  });

  it('refuses connections while down', async () => {
    const rt = new SimulatedRuntime({ seed: 1 });
    const broker = new SimBroker(rt, CALM);
    broker.crash(100);
    const c = client(broker, 'gw');
    await rt.advanceAsync(20);
    expect(c.connects).toEqual([]);
    expect(c.closes).toBe(1);
  });
});
