// gateway/publisher — against a real Mosquitto 2 process (an external broker), started and killed by the test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { topics } from '../../protocols/events/index.js';
import { startMosquitto, subscriber, TcpProxy, until, type Mosquitto } from './test-support/brokers.js';
import { batches, eventsOf, GATEWAY, makeRig, SITE, type Rig } from './test-support/rig.js';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function mosquitto(users?: Record<string, string>): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'mosquitto-test-'));
  const m = await startMosquitto(dir, users);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => m.stop('SIGKILL'));
  return m;
}
function rig(url: string, overrides: Parameters<typeof makeRig>[1] = {}): Rig {
  const r = makeRig(url, overrides);
  cleanups.push(() => r.close());
  return r;
}

describe('Publisher with Mosquitto', () => {
  it('publishes events in batches, in seq order, exactly as appended', async () => {
    const m = await mosquitto();
    const s = await subscriber(m.url, topics.events(SITE, GATEWAY));
    cleanups.push(() => s.close());
    const r = rig(m.url);
    r.publisher.start();
    await until(() => r.publisher.state().connected, 'connect');
    const made = [...r.append(40), ...r.append(37), ...r.append(3)];
    await until(() => eventsOf(s.messages).length >= 80 && r.outbox.depth() === 0, 'delivery');
    expect(eventsOf(s.messages)).toEqual(made);
    for (const b of batches(s.messages)) expect(b.events.length).toBeLessThanOrEqual(25);
  });

  it('loses nothing when the broker is stopped for a while and restarted: rows stay until PUBACK, the backlog drains', async () => {
    const m = await mosquitto();
    // The hub side: a persistent session, so the broker keeps its subscription and queue across the restart.
    const s = await subscriber(m.url, topics.events(SITE, GATEWAY), `hub-${process.pid}`);
    cleanups.push(() => s.close());
    const r = rig(m.url, { drainRatePerSecond: 400, batch: { maxEvents: 50, lingerMs: 5 } });
    r.publisher.start();
    await until(() => r.publisher.state().connected, 'connect');
    const before = r.append(50);
    await until(() => r.outbox.depth() === 0, 'the first events acked');

    await m.stop('SIGTERM');
    await until(() => !r.publisher.state().connected, 'the publisher noticing the outage');
    const during = [...r.append(120), ...r.append(80)];
    // Give the publisher reconnect attempts against the dead port; nothing may leave the outbox meanwhile.
    await until(() => r.lines.filter((l) => l.msg.includes('retrying with back-off')).length >= 2, 'failed reconnect attempts');
    expect(r.outbox.depth()).toBe(200);
    expect(r.publisher.state().connected).toBe(false);

    await m.start();
    await until(() => r.publisher.state().connected, 'reconnect after the broker restart');
    const after = r.append(10);
    const all = [...before, ...during, ...after];
    await until(() => r.outbox.depth() === 0 && new Set(eventsOf(s.messages).map((e) => e.id)).size >= all.length, 'backlog drained and fresh delivered', 30_000);
    const got = eventsOf(s.messages);
    const ids = new Set(got.map((e) => e.id));
    for (const e of all) expect(ids.has(e.id), `event seq ${e.seq}`).toBe(true);
    // The hub's view: by seq, every event exactly once after its dedupe by id (it may see some twice).
    const bySeq = new Map(got.map((e) => [e.seq, e.id]));
    expect([...bySeq.keys()].sort((a, b) => a - b)).toEqual(all.map((e) => e.seq));
    for (const b of batches(s.messages)) {
      const seqs = b.events.map((e) => e.seq);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    }
  });

  it('a broker that refuses the credentials gets a clear error log and back-off retries; the right password connects', async () => {
    const m = await mosquitto({ gw: 'right-secret' });
    const wrong = rig(m.url, { mqtt: { url: m.url, clientId: 'gw-wrong', username: 'gw', password: 'wrong-secret' } });
    wrong.publisher.start();
    await until(() => wrong.lines.filter((l) => l.msg.includes('retrying with back-off')).length >= 3, 'three failed attempts');
    const refusal = wrong.lines.find((l) => l.level === 'error' && l.msg.includes('broker refused the connection'));
    expect(refusal?.msg).toMatch(/not authorized|bad user name or password/);
    expect(JSON.stringify(wrong.lines)).not.toContain('wrong-secret');
    expect(wrong.publisher.state().connected).toBe(false);

    const right = rig(m.url, { mqtt: { url: m.url, clientId: 'gw-right', username: 'gw', password: 'right-secret' } });
    right.publisher.start();
    await until(() => right.publisher.state().connected, 'the right password to connect');
  });

  it('the Last Will (retained, online:false) is published when the publisher socket dies', async () => {
    const m = await mosquitto();
    const proxy = new TcpProxy(m.port);
    const url = await proxy.listen();
    cleanups.push(() => proxy.close());
    const r = rig(url);
    r.publisher.start();
    await until(() => r.publisher.state().connected, 'connect');
    await r.publisher.publishStatus({ v: 1, gateway: GATEWAY, online: true });
    const s = await subscriber(m.url, topics.status(SITE, GATEWAY));
    cleanups.push(() => s.close());
    await until(() => s.messages.some((x) => JSON.parse(x.payload).online === true), 'the retained online status');
    proxy.cut();
    await until(() => s.messages.some((x) => JSON.parse(x.payload).online === false), 'the Last Will');
    expect(JSON.parse(s.messages.find((x) => JSON.parse(x.payload).online === false)!.payload)).toEqual({ v: 1, gateway: GATEWAY, online: false });
  });
});
