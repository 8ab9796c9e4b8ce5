// Health that does not lie: /ready and the status verdict reflect a database that cannot write and a disk that is
// (nearly) full, measured on the real file system of the real database file.
import { afterEach, describe, expect, it } from 'vitest';
import { call, epc, passDraft, waitFor } from './test-support.js';
import { BASE_SITE_YAML, startTestHub, TestGateway, type TestHub } from '../testing/harness.js';

interface Ready { ready: boolean; database: { ok: boolean; error?: string } }
interface Status { verdict: string; reasons: Array<{ code: string; level: string; message: string }> }

describe('database health', () => {
  let t: TestHub | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });
  let now = Date.parse('2026-12-05T12:00:00Z');
  const start = async (status: string) => (t = await startTestHub({ clock: () => now, yaml: `${BASE_SITE_YAML}\nstatus: ${status}\n` }));
  const ready = async (h: TestHub) => call<Ready>(h.hub.url, 'GET', '/ready');
  const status = async (h: TestHub) => (await call<Status>(h.hub.url, 'GET', '/api/v1/status')).body;

  it('is not ready, and down, when free space is below status.diskDownBytes', async () => {
    const h = await start('{ diskDownBytes: 4503599627370496 }');
    const r = await ready(h);
    expect(r.status).toBe(503);
    expect(r.body.database.error).toMatch(/disk almost full: .* free at .*status\.diskDownBytes/);
    const s = await status(h);
    expect(s.verdict).toBe('down');
    expect(s.reasons.find((x) => x.code === 'database')?.message).toMatch(/disk almost full/);
  });

  it('stays ready but degraded below status.diskDegradedBytes', async () => {
    const h = await start('{ diskDegradedBytes: 4503599627370496, diskDownBytes: 0 }');
    expect((await ready(h)).status).toBe(200);
    const s = await status(h);
    expect(s.reasons.find((x) => x.code === 'disk_space')).toMatchObject({ level: 'degraded' });
  });

  it('is not ready while a write to the database fails, and ready again when writes work', async () => {
    const h = await start('{ diskDownBytes: 0, diskDegradedBytes: 0 }');
    expect((await ready(h)).status).toBe(200);
    h.hub.db.pragma('query_only = ON'); // every write now fails, reads still answer, as on a full disk
    now += 10_000; // past the probe's throttle
    try {
      const r = await ready(h);
      expect(r.status).toBe(503);
      expect(r.body.database.error).toMatch(/database write failed/);
      expect((await status(h)).verdict).toBe('down');
    } finally {
      h.hub.db.pragma('query_only = OFF');
    }
    expect((await ready(h)).status).toBe(200);
  });

  it('is not ready, and down, while the ingest cannot write (SQLITE_FULL through real MQTT); nothing is dead-lettered; ready again once the batch commits', async () => {
    const h = await start('{ diskDownBytes: 0, diskDegradedBytes: 0 }');
    expect((await ready(h)).status).toBe(200);
    // The database may not grow by a page: inserts fail with SQLITE_FULL (a full disk), the status probe's one-row
    // update still succeeds.
    const pages = h.hub.db.pragma('page_count', { simple: true }) as number;
    h.hub.db.pragma(`max_page_count = ${pages}`);
    const count = (table: string) => h.hub.db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;
    const gw = await TestGateway.connect(h.mqttUrl, { stream: 'full-disk', clock: () => now });
    const events = gw.stamp(Array.from({ length: 300 }, (_, i) => passDraft('door-1', epc(String(i + 1)), 'in', now)));
    gw.publish(events).catch(() => undefined); // the hub does not acknowledge it: the broker closes the connection
    const r = await waitFor('/ready 503', async () => {
      const x = await ready(h);
      return x.status === 503 ? x : undefined;
    });
    expect(r.body.database.error).toMatch(/database write failed \(ingest, .*\): .*SQLITE_FULL/);
    const s = await status(h);
    expect(s.verdict).toBe('down');
    expect(s.reasons.find((x) => x.code === 'database')?.message).toMatch(/SQLITE_FULL/);
    expect(count('door_activity')).toBe(0);
    expect(count('dead_letters')).toBe(0);
    gw.client.end(true);

    h.hub.db.pragma('max_page_count = 1073741823'); // space again; the gateway sends the batch again
    const again = await TestGateway.connect(h.mqttUrl, { stream: 'full-disk', clock: () => now });
    await again.publish(events);
    await again.close();
    expect(count('door_activity')).toBe(300);
    expect((await ready(h)).status).toBe(200);
    expect((await status(h)).reasons.find((x) => x.code === 'database')).toBeUndefined();
  });
});
