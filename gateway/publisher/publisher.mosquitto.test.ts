// gateway/publisher — against a real Mosquitto 2 process (an external broker), started and killed by the test.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { topics } from '../../protocols/events/index.js';
import { startMosquitto, subscriber, TcpProxy, until, type Mosquitto, type MosquittoTls } from './test-support/brokers.js';
import { makeCerts } from './test-support/certs.js';
import { startTestHub } from './test-support/hub.js';
import { batches, eventsOf, GATEWAY, makeRig, SITE, type Rig } from './test-support/rig.js';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mosquitto-test-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function mosquitto(opts: { users?: Record<string, string>; tls?: MosquittoTls; acl?: string; extra?: string[] } = {}): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'mosquitto-test-'));
  const m = await startMosquitto(dir, opts);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => m.stop('SIGKILL'));
  return m;
}
function rig(url: string, overrides: Parameters<typeof makeRig>[1] = {}): Rig {
  const r = makeRig(url, overrides);
  cleanups.push(() => r.close());
  return r;
}
async function hub(url: string, opts: Partial<Parameters<typeof startTestHub>[1]> = {}) {
  const h = await startTestHub(url, { site: SITE, gateway: GATEWAY, ...opts });
  cleanups.push(() => h.close());
  return h;
}

describe('Publisher with Mosquitto', () => {
  it('publishes events in batches, in seq order, exactly as appended', async () => {
    const m = await mosquitto();
    const s = await subscriber(m.url, topics.events(SITE, GATEWAY));
    cleanups.push(() => s.close());
    await hub(m.url);
    const r = rig(m.url);
    r.publisher.start();
    await until(() => r.publisher.state().connected, 'connect');
    const made = [...r.append(40), ...r.append(37), ...r.append(3)];
    await until(() => eventsOf(s.messages).length >= 80 && r.outbox.depth() === 0, 'delivery');
    expect(eventsOf(s.messages)).toEqual(made);
    for (const b of batches(s.messages)) expect(b.events.length).toBeLessThanOrEqual(25);
  });

  it("confirm 'broker': loses nothing when the broker is stopped (SIGTERM) for a while and restarted: rows stay until PUBACK, the backlog drains", async () => {
    const m = await mosquitto();
    // The hub side: a persistent session, so the broker keeps its subscription and queue across the restart.
    const s = await subscriber(m.url, topics.events(SITE, GATEWAY), `hub-${process.pid}`);
    cleanups.push(() => s.close());
    const r = rig(m.url, { confirm: 'broker', drainRatePerSecond: 400, batch: { maxEvents: 50, lingerMs: 5 } });
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
    await until(
      () => r.outbox.depth() === 0 && new Set(eventsOf(s.messages).map((e) => e.id)).size >= all.length,
      'backlog drained and fresh delivered',
      30_000,
    );
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
    const m = await mosquitto({ users: { gw: 'right-secret' } });
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

  it('speaks MQTT 5 too (persistent session via session expiry)', async () => {
    const m = await mosquitto();
    const s = await subscriber(m.url, topics.events(SITE, GATEWAY));
    cleanups.push(() => s.close());
    await hub(m.url);
    const r = rig(m.url, { mqtt: { url: m.url, clientId: 'gw-v5', protocolVersion: 5 } });
    r.publisher.start();
    await until(() => r.publisher.state().connected, 'connect');
    const made = r.append(30);
    await until(() => r.outbox.depth() === 0 && eventsOf(s.messages).length >= 30, 'delivery');
    expect(eventsOf(s.messages)).toEqual(made);
  });

  it('TLS with a client certificate: publishes over mqtts, the broker verified against the CA', async () => {
    const dir = tempDir();
    const c = makeCerts(dir);
    const m = await mosquitto({ tls: { caFile: c.caFile, certFile: c.serverCert, keyFile: c.serverKey, requireCertificate: true } });
    const tlsClient = { ca: readFileSync(c.caFile), cert: readFileSync(c.clientCert), key: readFileSync(c.clientKey) };
    const s = await subscriber(m.url, topics.events(SITE, GATEWAY), undefined, tlsClient);
    cleanups.push(() => s.close());
    await hub(m.url, { extra: tlsClient });
    const r = rig(m.url, { mqtt: { url: m.url, clientId: 'gw-tls', tls: { caFile: c.caFile, certFile: c.clientCert, keyFile: c.clientKey } } });
    r.publisher.start();
    await until(() => r.publisher.state().connected, 'a TLS connection');
    const made = r.append(5);
    await until(() => r.outbox.depth() === 0 && eventsOf(s.messages).length >= 5, 'delivery over TLS');
    expect(eventsOf(s.messages)).toEqual(made);
  });

  it('TLS: a broker whose certificate the configured CA did not sign is refused, logged, and retried', async () => {
    const dir = tempDir();
    const good = makeCerts(dir);
    const other = makeCerts(dir, 'other-');
    const m = await mosquitto({ tls: { caFile: good.caFile, certFile: good.serverCert, keyFile: good.serverKey, requireCertificate: false } });
    const r = rig(m.url, { mqtt: { url: m.url, clientId: 'gw-tls-bad', tls: { caFile: other.caFile } } });
    r.publisher.start();
    await until(() => r.lines.filter((l) => l.msg.includes('retrying with back-off')).length >= 2, 'failed TLS attempts');
    const err = r.lines.find((l) => l.level === 'error' && l.msg === 'mqtt connection error');
    expect(String(err?.err)).toMatch(/certificate/i);
    expect(r.publisher.state()).toMatchObject({ connected: false, lastError: expect.stringMatching(/certificate/i) });
  });

  it('MQTT 5, confirm \'broker\': a message the broker refuses (PUBACK "not authorized") stays in the outbox and goes again after back-off', async () => {
    const status = 'topic readwrite dockgate/+/gw/+/status\ntopic read dockgate/+/gw/+/cmd\n';
    const m = await mosquitto({ acl: status + 'topic read dockgate/+/gw/+/events\n' });
    const s = await subscriber(m.url, topics.events(SITE, GATEWAY));
    cleanups.push(() => s.close());
    const r = rig(m.url, { confirm: 'broker', mqtt: { url: m.url, clientId: 'gw-acl', protocolVersion: 5 } });
    r.publisher.start();
    await until(() => r.publisher.state().connected, 'connect');
    const made = r.append(10);
    await until(() => r.lines.filter((l) => l.msg.includes('refused by the broker')).length >= 2, 'refusals, retried');
    const refusal = r.lines.find((l) => l.msg.includes('refused by the broker'))!;
    expect(refusal).toMatchObject({ level: 'error', firstSeq: 1, lastSeq: 10 });
    expect(String(refusal.err)).toMatch(/not authorized|135/i);
    expect(r.outbox.depth()).toBe(10);
    m.setAcl(status + 'topic readwrite dockgate/+/gw/+/events\n');
    // The PUBACK (which empties the outbox) and the delivery to the subscriber race: wait for both.
    await until(() => r.outbox.depth() === 0 && eventsOf(s.messages).length >= made.length, 'delivery once the broker allows it', 30_000);
    expect(eventsOf(s.messages)).toEqual(made);
  });

  /**
   * The site simulator's loss (seed 2): Mosquitto saves its store only every autosave_interval, so a kill -9 loses
   * messages it had PUBACKed and not yet delivered. The hub's session is long established (saved); the hub is away
   * for a moment (a restart) while the gateway publishes; Mosquitto queues, PUBACKs, and is killed.
   */
  async function crashWhileQueued(confirm: 'hub' | 'broker') {
    const m = await mosquitto({ extra: ['autosave_interval 3600'] });
    const hubId = `hub-${confirm}-${process.pid}`;
    await (await startTestHub(m.url, { site: SITE, gateway: GATEWAY, clientId: hubId })).close();
    await m.stop('SIGTERM'); // a clean stop saves the hub's session (and nothing queued: there is nothing yet)
    await m.start();
    const r = rig(m.url, { confirm, batch: { maxEvents: 10, lingerMs: 5 } });
    r.publisher.start();
    await until(() => r.publisher.state().connected, 'connect');
    const queued = [...r.append(40), ...r.append(30)];
    await until(() => r.publisher.state().ackedEvents === 70, 'Mosquitto PUBACKs all 70 (queued for the absent hub)');
    await m.stop('SIGKILL');
    await m.start();
    await until(() => r.publisher.state().connected && r.publisher.state().connects >= 2, 'reconnect to the restarted broker');
    return { m, r, queued, hubId };
  }

  it("confirm 'hub': a kill -9 of Mosquitto loses what it PUBACKed but had not delivered; the gateway publishes it again and empties only on the hub's acks", async () => {
    const { m, r, queued, hubId } = await crashWhileQueued('hub');
    // PUBACKed before the crash, unconfirmed: every row is still here, and goes again to the restarted broker.
    expect(r.outbox.depth()).toBe(70);
    await until(() => r.publisher.state().ackedEvents >= 140, 'the backlog PUBACKed by the restarted broker');
    expect(r.outbox.depth()).toBe(70); // the broker's word is not enough
    const h = await hub(m.url, { clientId: hubId });
    await until(() => r.outbox.depth() === 0, "the hub's acks", 30_000);
    const seqs = new Set(h.received.map((e) => e.seq));
    for (const e of queued) expect(seqs.has(e.seq), `seq ${e.seq} reached the hub`).toBe(true);
    expect(h.acks.at(-1)).toMatchObject({ stream: r.outbox.stream, through: 70 });
    expect(r.publisher.state()).toMatchObject({ hubConfirmedSeq: 70, confirmedEvents: 70 });
  });

  it("confirm 'broker' (the old behaviour): the same crash loses those events for good — why 'hub' is the default", async () => {
    const { m, r, hubId } = await crashWhileQueued('broker');
    expect(r.outbox.depth()).toBe(0); // deleted on PUBACK
    const h = await hub(m.url, { clientId: hubId });
    const [after] = r.append(1);
    await until(() => h.received.some((e) => e.seq === after!.seq), 'a fresh event after the crash');
    expect(h.received.map((e) => e.seq)).toEqual([71]); // seqs 1..70 died with the broker
  });

  it("confirm 'hub': what the hub lost without confirming goes again after confirmTimeoutMs", async () => {
    const m = await mosquitto();
    let lostOnce = false;
    const h = await hub(m.url, { apply: (e) => e.seq !== 3 || (lostOnce ? true : !(lostOnce = true)) });
    const r = rig(m.url, { confirmTimeoutMs: 200 });
    r.publisher.start();
    await until(() => r.publisher.state().connected, 'connect');
    const made = r.append(8);
    await until(() => r.outbox.depth() === 0, 'every event confirmed after seq 3 went again');
    expect(h.received.filter((e) => e.seq === 3)).toHaveLength(2);
    expect([...h.applied].sort((a, b) => a - b)).toEqual(made.map((e) => e.seq));
    expect(r.lines.filter((l) => String(l.msg).startsWith('hub has not confirmed seq 3..8 for'))).toHaveLength(1);
    expect(r.publisher.state().confirmTimeouts).toBe(1);
  });
});
