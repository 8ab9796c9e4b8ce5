// kill -9 of the hub at random moments while a gateway publishes: every event is applied exactly once.
// DOCKGATE_CRASH_KILLS sets the number of kills (default 50), DOCKGATE_CRASH_SEED replays a run's random moments.
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../protocols/secrets/secret-hash.js';
import { freePort } from '../broker/test-support.js';
import { openDatabase } from '../db/database.js';
import { bundleFixture, runCrash } from '../testing/crash-run.js';
import { count, doorEvents, tempDb } from './test-support.js';

const KILLS = Number(process.env.DOCKGATE_CRASH_KILLS ?? 50);
const SEED = Number(process.env.DOCKGATE_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const SITE = 'crash-site';
const GW = 'gw-crash';
const STREAM = 'stream-crash-0001';
const FIXTURE = fileURLToPath(new URL('./fixtures/crash-hub.ts', import.meta.url));

describe(`hub killed with SIGKILL ${KILLS} times while a gateway publishes (seed ${SEED})`, () => {
  const t = tempDb();
  t.db.close();
  afterAll(() => t.cleanup());

  it('applies every event exactly once', { timeout: 180_000 }, async () => {
    const port = await freePort();
    const { produced, killsWithUnacked } = await runCrash({
      script: await bundleFixture(FIXTURE, 'ingest-crash-hub'),
      env: { CRASH_DB: t.path, CRASH_PORT: String(port), CRASH_SITE: SITE, CRASH_GW: GW, CRASH_SECRET_HASH: hashSecret('crash-secret', { N: 1024 }) },
      port,
      site: SITE,
      gateway: GW,
      password: 'crash-secret',
      stream: STREAM,
      kills: KILLS,
      seed: SEED,
      events: (from, to) => doorEvents(STREAM, from, to),
    });

    const db = openDatabase(t.path);
    try {
      const summary = {
        seed: SEED,
        kills: KILLS,
        killsWithUnacked,
        events: produced,
        rows: count(db, 'SELECT COUNT(*) AS n FROM applied_events'),
        distinct: count(db, 'SELECT COUNT(DISTINCT event_id) AS n FROM applied_events'),
        inbox: count(db, 'SELECT COUNT(*) AS n FROM inbox'),
        duplicatesSeen: count(db, 'SELECT duplicates AS n FROM streams'),
      };
      console.log('crash test', JSON.stringify(summary));
      expect(killsWithUnacked).toBeGreaterThan(0); // the kills did land while messages were unacknowledged
      // Some kills fell between a commit and the gateway receiving its PUBACK: those events came again and the inbox
      // turned them away (a kill with unread input resets the socket, so even a PUBACK already written is lost).
      expect(summary.duplicatesSeen).toBeGreaterThan(0);
      expect(summary.rows).toBe(produced); // nothing lost, nothing doubled
      expect(summary.distinct).toBe(produced);
      expect(summary.inbox).toBe(produced);
      expect(count(db, 'SELECT COUNT(DISTINCT seq) AS n FROM applied_events WHERE seq BETWEEN 1 AND ?', produced)).toBe(produced);
      expect(count(db, 'SELECT last_seq AS n FROM streams WHERE stream = ?', STREAM)).toBe(produced);
      expect(count(db, 'SELECT COUNT(*) AS n FROM stream_gaps')).toBe(0); // every gap seen during the run was filled
    } finally {
      db.close();
    }
  });
});
