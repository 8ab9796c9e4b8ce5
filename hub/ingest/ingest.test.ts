// Group commit, driven deterministically: the handlers Ingest registers are called directly (the MQTT side of the
// same code is covered over real brokers in ingest-mqtt.test.ts and crash.test.ts).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { topics, type Event, type HubAck } from '../../protocols/events/index.js';
import { silentLogger } from '../../protocols/logging/index.js';
import { SimulatedRuntime } from '../../runtime/testing/simulated-runtime.js';
import type { HubMqtt, MessageHandler } from '../broker/hub-mqtt.js';
import { BEHIND_HOLD_MS, BEHIND_WAIT_MS, BUSY_WINDOW_MS, Ingest } from './ingest.js';
import { applyToTarget, batchOf, count, doorEvents, tempDb, type TempDb } from './test-support.js';

const SITE = 's1';

/** Records the handlers so a test can deliver several messages in one turn of the event loop. */
class DirectMqtt implements HubMqtt {
  readonly mode = 'embedded' as const;
  readonly handlers = new Map<string, MessageHandler>();
  subscribe(filter: string, handler: MessageHandler) {
    this.handlers.set(filter, handler);
    return Promise.resolve();
  }
  unsubscribe(filter: string) {
    this.handlers.delete(filter);
    return Promise.resolve();
  }
  detach(filter: string) {
    this.handlers.delete(filter);
  }
  /** Acknowledgements published, in order. */
  readonly acks: Array<{ topic: string; ack: HubAck }> = [];
  publish(topic: string, payload: string | Buffer) {
    this.acks.push({ topic, ack: JSON.parse(payload.toString()) as HubAck });
    return Promise.resolve();
  }
  close() {
    return Promise.resolve();
  }
  /** Deliver now; resolves with the ack (undefined) or the refusal. */
  deliver(topic: string, payload: string): Promise<Error | undefined> {
    const filter = topic.endsWith('/events') ? topics.allEvents(SITE) : topics.allStatus(SITE);
    return new Promise((resolve) => this.handlers.get(filter)!(topic, Buffer.from(payload), (err) => resolve(err ?? undefined)));
  }
}

/** Let the turn's end (the acknowledgements of its commit) run. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('Ingest group commit', () => {
  let t: TempDb;
  let mqtt: DirectMqtt;
  let ingest: Ingest;
  let poison: string | undefined;
  const runtime = new SimulatedRuntime({ startMs: Date.parse('2026-03-01T10:00:00.000Z') });
  beforeEach(async () => {
    t = tempDb();
    poison = undefined;
    mqtt = new DirectMqtt();
    ingest = new Ingest({
      db: t.db,
      mqtt,
      site: SITE,
      runtime,
      logger: silentLogger(),
      apply: (db, e: Event, ctx) => {
        if (e.id === poison) throw new Error('poison');
        applyToTarget(db, e, ctx);
      },
    });
    await ingest.start();
  });
  afterEach(async () => {
    await ingest.stop();
    t.cleanup();
  });

  const gwTopic = (gw: string) => topics.events(SITE, gw);
  const payload = (gw: string, events: Event[]) => JSON.stringify(batchOf(gw, `stream-${gw}-0001`, events));

  it('applies messages of one turn together and acknowledges each after the commit', async () => {
    const msgs = ['gw-1', 'gw-2', 'gw-3'].map((gw) => mqtt.deliver(gwTopic(gw), payload(gw, doorEvents(`stream-${gw}-0001`, 1, 10))));
    expect(await Promise.all(msgs)).toEqual([undefined, undefined, undefined]);
    expect(count(t.db, 'SELECT COUNT(*) AS n FROM applied_events')).toBe(30);
    expect(ingest.stats().totals).toMatchObject({ messages: 3, applied: 30, applyFailures: 0 });
    expect(ingest.stats().groups).toEqual({ committed: 1, messages: 3, rolledBack: 0 });
  });

  it('a flood is taken in groups of at most maxGroupBytes, each acknowledged before the next is applied', async () => {
    await ingest.stop();
    const gws = ['gw-1', 'gw-2', 'gw-3', 'gw-4', 'gw-5'];
    const payloads = gws.map((gw) => payload(gw, doorEvents(`stream-${gw}-0001`, 1, 10)));
    const order: string[] = [];
    const recording = new (class extends DirectMqtt {
      override publish(topic: string, body: string | Buffer) {
        order.push(`ack ${(JSON.parse(body.toString()) as HubAck).stream}`);
        return super.publish(topic, body);
      }
    })();
    const longest = Math.max(...payloads.map((p) => Buffer.byteLength(p)));
    ingest = new Ingest({
      db: t.db,
      mqtt: recording,
      site: SITE,
      runtime,
      logger: silentLogger(),
      maxGroupBytes: 2 * longest, // two messages a group
      apply: (db, e: Event, ctx) => {
        if (e.seq === 1) order.push(`apply ${e.stream}`);
        applyToTarget(db, e, ctx);
      },
    });
    await ingest.start();
    order.length = 0; // the start's acknowledgements
    const results = await Promise.all(gws.map((gw, i) => recording.deliver(gwTopic(gw), payloads[i]!)));
    await nextTurn();
    expect(results).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(count(t.db, 'SELECT COUNT(*) AS n FROM applied_events')).toBe(50);
    const s = (gw: string) => `stream-${gw}-0001`;
    expect(order).toEqual([
      `apply ${s('gw-1')}`,
      `apply ${s('gw-2')}`,
      `ack ${s('gw-1')}`,
      `ack ${s('gw-2')}`,
      `apply ${s('gw-3')}`,
      `apply ${s('gw-4')}`,
      `ack ${s('gw-3')}`,
      `ack ${s('gw-4')}`,
      `apply ${s('gw-5')}`,
      `ack ${s('gw-5')}`,
    ]);
    expect(ingest.stats().groups).toEqual({ committed: 2, messages: 4, rolledBack: 0 });
    expect(ingest.stats().totals).toMatchObject({ messages: 5, applied: 50 });
    // Messages were left for later turns: behind (the self-check stands aside) until BEHIND_HOLD_MS has passed.
    expect(ingest.behind()).toBe(true);
    runtime.advance(BEHIND_HOLD_MS);
    expect(ingest.behind()).toBe(false);
  });

  it('counts as behind when a message waited BEHIND_WAIT_MS for its group, not when it is taken at the end of its turn', async () => {
    const p = payload('gw-1', doorEvents('stream-gw-1-0001', 1, 3));
    expect(await mqtt.deliver(gwTopic('gw-1'), p)).toBeUndefined();
    expect(ingest.behind()).toBe(false);
    const late = mqtt.deliver(gwTopic('gw-1'), payload('gw-1', doorEvents('stream-gw-1-0001', 4, 6)));
    runtime.advance(BEHIND_WAIT_MS); // the turn is held up this long before the group is taken
    expect(await late).toBeUndefined();
    expect(ingest.behind()).toBe(true);
    runtime.advance(BEHIND_HOLD_MS);
    expect(ingest.behind()).toBe(false);
  });

  it('counts as behind when applying kept it busy half of a window, though no message waited (a drain paced by its acks)', async () => {
    await ingest.stop();
    let now = runtime.now();
    let msPerEvent = 0;
    ingest = new Ingest({
      db: t.db,
      mqtt,
      site: SITE,
      clock: () => now,
      logger: silentLogger(),
      apply: (db, e: Event, ctx) => {
        now += msPerEvent; // applying takes this long
        applyToTarget(db, e, ctx);
      },
    });
    await ingest.start();
    // Messages of 10 events one turn apart, `idle` ms between them: none waits for its group.
    let seq = 1;
    const drain = async (messages: number, idle: number) => {
      for (let i = 0; i < messages; i++) {
        expect(await mqtt.deliver(gwTopic('gw-1'), payload('gw-1', doorEvents('stream-gw-1-0001', seq, seq + 9)))).toBeUndefined();
        seq += 10;
        now += idle;
      }
    };
    msPerEvent = 5; // 50 ms a message, 450 ms idle: busy a tenth of the time
    await drain(8, 450);
    expect(ingest.behind()).toBe(false);
    msPerEvent = 20; // 200 ms a message, 100 ms idle: two thirds
    await drain(3, 100);
    expect(ingest.behind()).toBe(true);
    now += BEHIND_HOLD_MS + BUSY_WINDOW_MS;
    expect(ingest.behind()).toBe(false);
  });

  it("a batch on another gateway's stream is dead-lettered inside its group, which commits the others (no savepoint per batch)", async () => {
    const shared = 'stream-gw-1-0001';
    expect(await mqtt.deliver(gwTopic('gw-1'), payload('gw-1', doorEvents(shared, 1, 3)))).toBeUndefined();
    const results = await Promise.all([
      mqtt.deliver(gwTopic('gw-2'), JSON.stringify(batchOf('gw-2', shared, doorEvents(shared, 4, 6)))),
      mqtt.deliver(gwTopic('gw-3'), payload('gw-3', doorEvents('stream-gw-3-0001', 1, 4))),
    ]);
    expect(results).toEqual([undefined, undefined]); // both acknowledged: one kept as a dead letter, one applied
    expect(ingest.stats().groups).toEqual({ committed: 1, messages: 2, rolledBack: 0 });
    expect(count(t.db, 'SELECT COUNT(*) AS n FROM applied_events')).toBe(7);
    expect(count(t.db, "SELECT COUNT(*) AS n FROM inbox WHERE gateway = 'gw-2'")).toBe(0);
    expect(count(t.db, "SELECT COUNT(*) AS n FROM dead_letters WHERE gateway = 'gw-2'")).toBe(1);
    expect(count(t.db, 'SELECT last_seq AS n FROM streams WHERE stream = ?', shared)).toBe(3);
  });

  it('one failing message does not hold back the others of its group', async () => {
    const bad = doorEvents('stream-gw-2-0001', 1, 5);
    poison = bad[2]!.id;
    const results = await Promise.all([
      mqtt.deliver(gwTopic('gw-1'), payload('gw-1', doorEvents('stream-gw-1-0001', 1, 5))),
      mqtt.deliver(gwTopic('gw-2'), payload('gw-2', bad)),
      mqtt.deliver(gwTopic('gw-3'), 'not json'),
      mqtt.deliver(gwTopic('gw-4'), payload('gw-4', doorEvents('stream-gw-4-0001', 1, 5))),
    ]);
    expect(results[0]).toBeUndefined();
    expect(results[1]?.message).toBe('poison'); // not acknowledged: the broker will deliver it again
    expect(results[2]).toBeUndefined(); // dead-lettered and acknowledged
    expect(results[3]).toBeUndefined();
    expect(count(t.db, 'SELECT COUNT(*) AS n FROM applied_events')).toBe(10);
    expect(count(t.db, "SELECT COUNT(*) AS n FROM inbox WHERE gateway = 'gw-2'")).toBe(0);
    expect(count(t.db, 'SELECT COUNT(*) AS n FROM dead_letters')).toBe(1);
    const stats = ingest.stats();
    expect(stats.gateways['gw-2']).toMatchObject({ applyFailures: 1, applied: 0 });
    expect(stats.gateways['gw-3']).toMatchObject({ deadLettered: 1 });
    expect(stats.totals).toMatchObject({ applied: 10, deadLettered: 1, applyFailures: 1 });
    expect(stats.groups).toEqual({ committed: 0, messages: 0, rolledBack: 1 });
    // Redelivered once the cause is gone: applied, exactly once.
    poison = undefined;
    expect(await mqtt.deliver(gwTopic('gw-2'), payload('gw-2', bad))).toBeUndefined();
    expect(count(t.db, 'SELECT COUNT(*) AS n FROM applied_events')).toBe(15);
  });

  it('after maxApplyAttempts the refusing event alone is dead-lettered, the rest applied and the message acknowledged', async () => {
    const events = doorEvents('stream-gw-1-0001', 1, 4);
    poison = events[1]!.id;
    const msg = payload('gw-1', events);
    for (let i = 1; i < 5; i++) expect(await mqtt.deliver(gwTopic('gw-1'), msg)).toBeInstanceOf(Error);
    expect(await mqtt.deliver(gwTopic('gw-1'), msg)).toBeUndefined(); // 5th attempt: isolation
    expect(count(t.db, 'SELECT COUNT(*) AS n FROM applied_events')).toBe(3);
    const [dl] = ingest.tables.deadLetters();
    expect(dl).toMatchObject({ reason: 'apply', gateway: 'gw-1' });
    expect(ingest.stats().gateways['gw-1']).toMatchObject({ applyFailures: 4, applied: 3, deadLettered: 1 });
  });

  it('acknowledges what committed, after the commit, on the injected clock; a rolled-back message is not acknowledged', async () => {
    await nextTurn();
    mqtt.acks.length = 0; // the start's announcement (no stream known yet)
    const bad = doorEvents('stream-gw-2-0001', 1, 3);
    poison = bad[0]!.id;
    const good = doorEvents('stream-gw-1-0001', 1, 4);
    const results = await Promise.all([
      mqtt.deliver(gwTopic('gw-1'), payload('gw-1', good.slice(0, 2))),
      mqtt.deliver(gwTopic('gw-1'), payload('gw-1', [good[3]!])), // seq 4: 3 is missing
      mqtt.deliver(gwTopic('gw-2'), payload('gw-2', bad)),
    ]);
    expect(results.map((r) => r?.message)).toEqual([undefined, undefined, 'poison']);
    await nextTurn();
    const ts = new Date(runtime.now()).toISOString();
    expect(mqtt.acks).toEqual([{ topic: topics.ack(SITE, 'gw-1'), ack: { v: 1, stream: 'stream-gw-1-0001', through: 2, ts } }]);
    runtime.advance(1000);
    poison = undefined;
    expect(await mqtt.deliver(gwTopic('gw-2'), payload('gw-2', bad))).toBeUndefined();
    await nextTurn();
    expect(mqtt.acks[1]).toEqual({
      topic: topics.ack(SITE, 'gw-2'),
      ack: { v: 1, stream: 'stream-gw-2-0001', through: 3, ts: new Date(runtime.now()).toISOString() },
    });
    expect(ingest.stats().gateways['gw-1']).toMatchObject({ missingSeqs: 1, applied: 3 });
  });
});
