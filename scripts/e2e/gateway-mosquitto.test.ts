// scripts/e2e — dockgate-gateway as a child process against a real Mosquitto (an external broker), with the LLRP
// simulator's clock 14 s ahead: the broker is stopped while pallets pass and started again; nothing is lost (every seq
// the outbox made arrives), the backlog drains, the passes are exactly the engine's; events carry the gateway's time
// with the reader's kept as readerFirstSeen, and the retained status reports the offset.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, topics, type Event, type GatewayStatus } from '../../protocols/events/index.js';
import { silentLogger } from '../../protocols/logging/index.js';
import { Outbox } from '../../gateway/outbox/index.js';
import { startMosquitto, subscriber } from '../../gateway/publisher/test-support/brokers.js';
import { startTestHub } from '../../gateway/publisher/test-support/hub.js';
import { startLlrpSimulator } from '../sim/llrp-reader.js';
import { GATEWAY, SITE, engineDecisions, gatewayYaml, pallets, passKeys, playWhenReading, spawnGateway, until, writeGatewayYaml } from './gateway-support.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const SEED = 3; // two pallets 4 s apart (after the 3× speed-up): the second passes during the outage
const READER_AHEAD_MS = 14_000;

describe('dockgate-gateway with Mosquitto', () => {
  it('loses nothing while the broker is down for a while, drains the backlog, keeps the reader clock', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-e2e-mosq-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const mosqDir = join(dir, 'mosquitto');
    mkdirSync(mosqDir);
    const m = await startMosquitto(mosqDir);
    cleanups.push(() => m.stop('SIGKILL'));
    // The hub's side: a persistent session, so the broker keeps its queue across the restart.
    const sub = await subscriber(m.url, `dockgate/${SITE}/gw/${GATEWAY}/#`, `observer-${process.pid}`);
    cleanups.push(() => sub.close());
    // It also confirms what it got (retained HubAck), which is what deletes the gateway's outbox rows (mqtt.confirm: hub).
    const hub = await startTestHub(m.url, { site: SITE, gateway: GATEWAY, clientId: `hub-${process.pid}` });
    cleanups.push(() => hub.close());
    const sim = await startLlrpSimulator({ readerId: 'r1', now: () => Date.now() + READER_AHEAD_MS });
    cleanups.push(() => sim.close());
    const opts = { mqttUrl: m.url, readers: [{ id: 'r1', port: sim.port }], outboxPath: join(dir, 'outbox.db'), metrics: true };
    const gw = spawnGateway(writeGatewayYaml(dir, opts));
    cleanups.push(() => gw.stop('SIGKILL'));

    const p = pallets(SEED, { speedup: 3 });
    const expected = passKeys(engineDecisions(gatewayYaml(opts), p.stream));
    expect(expected.length).toBe(p.truth.length);

    const events = new Map<string, Event>();
    const statuses: GatewayStatus[] = [];
    let seen = 0;
    const collect = () => {
      for (; seen < sub.messages.length; seen++) {
        const msg = sub.messages[seen]!;
        const r = parse(msg.topic, msg.payload);
        if (!r.ok) throw new Error(`the hub would refuse ${msg.topic}: ${r.reason}`);
        if (r.kind === 'events') {
          // In seq order within each message.
          const seqs = r.value.events.map((e) => e.seq);
          expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
          for (const e of r.value.events) events.set(e.id, e); // the hub's dedupe by id
        } else if (r.kind === 'status') statuses.push(r.value);
      }
      return events;
    };
    const passCount = () => [...collect().values()].filter((e) => e.kind === 'tag.pass').length;

    await gw.waitLog((l) => l.msg === 'gateway running', 'gateway running');
    const playing = playWhenReading(sim, p.stream);
    await until(() => passCount() >= 1, 'the first pass at the broker', 30_000);

    // Outage: the broker goes away while pallets keep passing; the daemon notices and retries with back-off.
    await m.stop('SIGTERM');
    const before = passCount();
    await gw.waitLog((l) => l.msg === 'mqtt connection lost; reconnecting', 'the lost connection');
    const played = await playing;
    expect(played.dropped).toBe(0);
    await gw.waitLog((l) => l.msg === 'mqtt connection attempt failed; retrying with back-off', 'a failed reconnect');
    // Down until the engine has decided every pass (the daemon's own /metrics says so): the rest wait in the outbox.
    const metricsPort = (await gw.waitLog((l) => l.component === 'metrics' && typeof l.port === 'number', 'the metrics port')).port as number;
    const decided = async () => {
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      return [...text.matchAll(/^dockgate_gateway_passes_total\{[^}]*\} (\d+)$/gm)].reduce((a, x) => a + Number(x[1]), 0);
    };
    await until(async () => (await decided()) === expected.length, 'every pass decided', 30_000, 100);
    await m.start();
    await until(() => passCount() >= expected.length, `${expected.length} passes after the restart`, 30_000);
    expect(before).toBeLessThan(expected.length); // some passes were decided during the outage
    await gw.waitLog((l) => l.msg === 'mqtt connected' && (l.backlog as number) > 0, 'a reconnect with a backlog');

    const exit = await gw.stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    const o = Outbox.open({ path: opts.outboxPath, logger: silentLogger() });
    const lastSeq = o.lastSeq();
    const stream = o.stream;
    expect(o.depth()).toBe(0);
    o.close();
    // Every seq the outbox ever made arrived, once each after dedupe by id.
    await until(() => collect().size >= lastSeq, `all ${lastSeq} events`, 15_000);
    const all = [...collect().values()];
    expect(all.every((e) => e.stream === stream)).toBe(true);
    expect(all.map((e) => e.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: lastSeq }, (_, i) => i + 1));
    expect(passKeys(all)).toEqual(expected);

    // Clock: gateway time on the events, the reader's kept on each pass; the offset in the status and the log.
    for (const e of all) {
      if (e.kind !== 'tag.pass') continue;
      expect(e.readerFirstSeen, 'readerFirstSeen on a pass').toBeDefined();
      const diff = Date.parse(e.readerFirstSeen!) - Date.parse(e.firstSeen);
      expect(Math.abs(diff - READER_AHEAD_MS)).toBeLessThan(1000);
      expect(Math.abs(Date.parse(e.ts) - Date.parse(e.lastSeen))).toBeLessThan(READER_AHEAD_MS / 2);
    }
    expect(gw.logs.some((l) => l.level === 'warn' && l.component === 'clock' && /clock is 1[34]\.\d s ahead of the gateway's/.test(l.msg))).toBe(true);
    const withOffset = statuses.filter((s) => s.online && s.clockOffsetMs !== undefined);
    expect(withOffset.length).toBeGreaterThan(0);
    expect(Math.abs(withOffset.at(-1)!.clockOffsetMs! - READER_AHEAD_MS)).toBeLessThan(1000);
    expect(withOffset.at(-1)!.readers![0]).toMatchObject({ id: 'r1', state: 'reading' });
    // The last status is the clean shutdown's: offline.
    expect(statuses.at(-1)!.online).toBe(false);
    expect(topics.status(SITE, GATEWAY)).toBe(sub.messages.filter((x) => x.topic.endsWith('/status')).at(-1)!.topic);
  }, 90_000);
});
