// scripts/bench — hub ingest end to end: a gateway publishing QoS 1 batches through the embedded aedes broker, each
// batch validated and applied in one SQLite transaction and acknowledged after commit; raw better-sqlite3 inserts of
// the same rows in the same run are the ceiling; p99 publish→commit latency at a steady 1,000 events/s.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { WIRE_VERSION, isoTs, newEventId, topics, type Event, type EventBatch } from '../../protocols/events/index.js';
import { silentLogger } from '../../protocols/logging/index.js';
import { startBroker, type RunningBroker } from '../../hub/broker/broker.js';
import { hashSecret } from '../../protocols/secrets/secret-hash.js';
import type { HubMqtt } from '../../hub/broker/hub-mqtt.js';
import { Ingest, type IngestOptions } from '../../hub/ingest/ingest.js';
import type { ApplyFn, BatchScope } from '../../hub/ingest/store.js';
import { applyToTarget, count, tempDb, type TempDb } from '../../hub/ingest/test-support.js';
import type { Bench, BenchRow } from './report.js';

const SITE = 'bench';
const GW = 'gw-bench';
const SECRET = 'bench-secret';

/** A realistic tag.pass (the dominant event at a dock door). */
export function tagPass(stream: string, seq: number, nowMs: number): Event {
  const ts = isoTs(nowMs);
  return {
    id: newEventId(nowMs),
    stream,
    seq,
    ts,
    kind: 'tag.pass',
    door: 'door-3',
    direction: 'in',
    epc: (0x3034257bf7194e4000000000n + BigInt(seq)).toString(16).padStart(24, '0'),
    firstSeen: isoTs(nowMs - 1800),
    lastSeen: ts,
    reads: 42,
    peakRssi: -51.5,
    antennas: [
      { reader: 'portal-3', antenna: 1, reads: 25, peakRssi: -51.5 },
      { reader: 'portal-3', antenna: 2, reads: 17, peakRssi: -58 },
    ],
    confidence: 0.97,
  };
}

export function batches(stream: string, n: number, size: number, firstSeq = 1, make: (stream: string, seq: number, nowMs: number) => Event = tagPass, gateway = GW): { payloads: string[]; firstIds: string[]; events: Event[] } {
  const payloads: string[] = [];
  const firstIds: string[] = [];
  const events: Event[] = [];
  let seq = firstSeq;
  for (let b = 0; b < n; b++) {
    const evs: Event[] = [];
    for (let i = 0; i < size; i++) evs.push(make(stream, seq++, Date.now()));
    const batch: EventBatch = { v: WIRE_VERSION, gateway, stream, events: evs };
    payloads.push(JSON.stringify(batch));
    firstIds.push(evs[0]!.id);
    events.push(...evs);
  }
  return { payloads, firstIds, events };
}

export interface Hub {
  t: TempDb;
  broker: RunningBroker;
  ingest: Ingest;
  url: string;
  /** first event id of a batch → performance.now() when its transaction had committed. */
  committedAt: Map<string, number>;
  close(): Promise<void>;
}

/** The hub's HubMqtt, with the moment each handler says done (right after its commit) recorded. */
function timed(inner: HubMqtt, committedAt: Map<string, number>): HubMqtt {
  return {
    ...inner,
    mode: inner.mode,
    subscribe: (filter, handler) =>
      inner.subscribe(filter, (topic, payload, done) =>
        handler(topic, payload, (err) => {
          const at = performance.now();
          const i = payload.indexOf('"id":"');
          if (!err && i >= 0) committedAt.set(payload.toString('latin1', i + 6, i + 42), at);
          done(err);
        }),
      ),
    unsubscribe: (f) => inner.unsubscribe(f),
    detach: (f) => inner.detach(f),
    publish: (t, p, o) => inner.publish(t, p, o),
    close: () => inner.close(),
  };
}

/** The hub's broker and ingest on a temp database (ingest tables + the test target), applying with `apply`. */
/** Gateway ids for a bench with `n` gateways (one: the usual gw-bench). */
export function benchGateways(n: number): string[] {
  return n === 1 ? [GW] : Array.from({ length: n }, (_, i) => `${GW}-${i + 1}`);
}

/** `port`: the apply side's record of applied events (AppliedRecord), as the hub wires the doors' (hub/app.ts). */
export async function startHub(
  apply: ApplyFn = applyToTarget,
  t: TempDb = tempDb(),
  batchScope?: BatchScope,
  gateways: readonly string[] = [GW],
  port: Pick<IngestOptions, 'record'> = {},
): Promise<Hub> {
  const secretHash = hashSecret(SECRET, { N: 1024 });
  const broker = await startBroker({ site: SITE, port: 0, host: '127.0.0.1', gateways: gateways.map((id) => ({ id, secretHash })) }, silentLogger());
  const committedAt = new Map<string, number>();
  const ingest = new Ingest({ db: t.db, mqtt: timed(broker.mqtt, committedAt), site: SITE, apply, logger: silentLogger(), ...(batchScope ? { batchScope } : {}), ...port });
  await ingest.start();
  return {
    t,
    broker,
    ingest,
    url: `mqtt://127.0.0.1:${broker.port}`,
    committedAt,
    async close() {
      await ingest.stop();
      await broker.close();
      t.cleanup();
    },
  };
}

/**
 * The gateway runs in a worker thread (its own event loop and core, as a real gateway is another machine): it
 * publishes QoS 1 with at most `window` batches unacknowledged, or one batch every `everyMs`, and reports when each
 * was published and when all were acknowledged (epoch ms, comparable across threads).
 */
const PUBLISHER = `
const { workerData, parentPort } = require('node:worker_threads');
const mqtt = require(workerData.mqttPath);
const now = () => performance.timeOrigin + performance.now();
const c = mqtt.connect(workerData.url, { clientId: workerData.clientId, username: workerData.username, password: workerData.password, reconnectPeriod: 0 });
c.on('error', (err) => parentPort.postMessage({ error: err.message }));
c.once('connect', async () => {
  const { payloads, topic, window, everyMs } = workerData;
  const publishedAt = new Array(payloads.length);
  const t0 = now();
  if (everyMs) {
    const acks = [];
    for (let i = 0; i < payloads.length; i++) {
      const wait = t0 + i * everyMs - now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      publishedAt[i] = now();
      acks.push(c.publishAsync(topic, payloads[i], { qos: 1 }));
    }
    await Promise.all(acks);
  } else {
    let next = 0;
    const lane = async () => {
      while (next < payloads.length) {
        const i = next++;
        publishedAt[i] = now();
        await c.publishAsync(topic, payloads[i], { qos: 1 });
      }
    };
    await Promise.all(Array.from({ length: window }, lane));
  }
  const t1 = now();
  await c.endAsync();
  parentPort.postMessage({ t0, t1, publishedAt });
});
`;

interface PublishReport {
  t0: number;
  t1: number;
  publishedAt: number[];
}

export function publishFromWorker(url: string, payloads: readonly string[], pacing: { window: number } | { everyMs: number }, gateway = GW): Promise<PublishReport> {
  const mqttPath = createRequire(import.meta.url).resolve('mqtt');
  const worker = new Worker(PUBLISHER, {
    eval: true,
    workerData: { mqttPath, url, clientId: gateway, username: gateway, password: SECRET, topic: topics.events(SITE, gateway), payloads, window: 0, everyMs: 0, ...pacing },
  });
  return new Promise((resolve, reject) => {
    worker.once('message', (m: PublishReport | { error: string }) => {
      void worker.terminate();
      if ('error' in m) reject(new Error(`bench publisher: ${m.error}`));
      else resolve(m);
    });
    worker.once('error', reject);
  });
}

export async function endToEnd(batchCount: number, batchSize: number): Promise<{ eventsPerS: number; groups: string }> {
  const hub = await startHub();
  try {
    await publishFromWorker(hub.url, batches('stream-warmup-01', 20, batchSize).payloads, { window: 16 });
    const run = await publishFromWorker(hub.url, batches('stream-measured-01', batchCount, batchSize).payloads, { window: 16 });
    const seconds = (run.t1 - run.t0) / 1000;
    const applied = count(hub.t.db, 'SELECT COUNT(*) AS n FROM applied_events');
    if (applied !== (batchCount + 20) * batchSize) throw new Error(`bench ingest: ${applied} rows applied, expected ${(batchCount + 20) * batchSize}`);
    const g = hub.ingest.stats().groups;
    const groups = `${g.messages} of ${batchCount + 20} messages committed in ${g.committed} group transactions`;
    return { eventsPerS: (batchCount * batchSize) / seconds, groups };
  } finally {
    await hub.close();
  }
}

/** The ceiling: the same inbox and target rows inserted with prepared statements, one transaction per batch. */
function rawInserts(events: readonly Event[], batchSize: number): number {
  const t = tempDb();
  try {
    const inbox = t.db.prepare('INSERT INTO inbox (event_id, gateway, stream, seq, kind, event_ts, applied_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const target = t.db.prepare('INSERT INTO applied_events (event_id, stream, seq, kind) VALUES (?, ?, ?, ?)');
    const tx = t.db.transaction((slice: readonly Event[]) => {
      const at = new Date().toISOString();
      for (const e of slice) {
        inbox.run(e.id, GW, e.stream, e.seq, e.kind, e.ts, at);
        target.run(e.id, e.stream, e.seq, e.kind);
      }
    });
    const t0 = performance.now();
    for (let i = 0; i < events.length; i += batchSize) tx(events.slice(i, i + batchSize));
    return events.length / ((performance.now() - t0) / 1000);
  } finally {
    t.cleanup();
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Steady 1,000 events/s (a batch of 10 every 10 ms) for `seconds`; publish→commit latencies in ms. */
async function latencyAt1000(seconds: number): Promise<number[]> {
  const hub = await startHub();
  try {
    const perBatch = 10;
    const n = Math.round((seconds * 1000) / perBatch);
    const run = batches('stream-latency-01', n, perBatch);
    const report = await publishFromWorker(hub.url, run.payloads, { everyMs: 10 });
    const lat = run.firstIds.map((id, i) => {
      const c = hub.committedAt.get(id);
      if (c === undefined) throw new Error(`bench ingest: no commit recorded for batch ${i}`);
      return c + performance.timeOrigin - report.publishedAt[i]!;
    });
    return lat.sort((a, b) => a - b);
  } finally {
    await hub.close();
  }
}

export const bench: Bench = {
  name: 'ingest',
  async run(): Promise<BenchRow[]> {
    const batchSize = 100;
    const batchCount = 400;
    const { eventsPerS: e2e, groups } = await endToEnd(batchCount, batchSize);
    const ceiling = rawInserts(batches('stream-raw-0001', batchCount, batchSize).events, batchSize);
    const lat = await latencyAt1000(5);
    const p99 = percentile(lat, 99);
    return [
      {
        name: 'hub ingest end to end (events/s)',
        value: e2e,
        unit: 'events/s',
        baseline: { name: 'raw better-sqlite3 inserts, same rows', value: ceiling },
        target: '>= 20,000',
        met: e2e >= 20_000,
        note: `${batchCount} batches of ${batchSize} tag.pass, QoS 1, 16 unacked, embedded aedes, parse + inbox + trivial apply (one INSERT), WAL synchronous=FULL, PUBACK after commit; gateway in a worker thread; ${groups}`,
      },
      {
        name: 'hub ingest publish→commit p99 at 1,000 events/s',
        value: p99,
        unit: 'ms',
        note: `batches of 10 every 10 ms for 5 s (${lat.length} batches); p50 ${percentile(lat, 50).toFixed(2)} ms, max ${lat[lat.length - 1]!.toFixed(2)} ms`,
      },
    ];
  },
};
