// The whole hub killed with SIGKILL at random moments while a gateway publishes passes: the ledger ends exactly as
// expected (one receipt per tag, nothing lost, nothing doubled) and every invariant holds.
// DOCKGATE_CRASH_KILLS sets the number of kills (default 50), DOCKGATE_CRASH_SEED replays a run's random moments.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { isoTs, newEventId, type Event } from '../protocols/events/index.js';
import { encodeSgtin } from '../protocols/epc/index.js';
import { freePort } from './broker/test-support.js';
import { openDatabase } from './db/database.js';
import { checkLedger, getStock } from './ledger/index.js';
import { bundleFixture, runCrash } from './testing/crash-run.js';

const KILLS = Number(process.env.DOCKGATE_CRASH_KILLS ?? 50);
const SEED = Number(process.env.DOCKGATE_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const FIXTURE = fileURLToPath(new URL('./testing/fixtures/crash-real-hub.ts', import.meta.url));
const STREAM = 'stream-real-crash-01';

/** tag.pass events for seqs from..to: each a different tagged unit entering the receiving door. */
function passes(from: number, to: number): Event[] {
  const out: Event[] = [];
  for (let seq = from; seq <= to; seq++) {
    const epc = encodeSgtin({ gtin: '09506000134352', companyPrefixLength: 7, serial: String(seq) });
    if (!epc.ok) throw new Error(epc.reason);
    const now = Date.now();
    const ts = isoTs(now);
    out.push({ id: newEventId(now), stream: STREAM, seq, ts, kind: 'tag.pass', door: 'door-1', direction: 'in', epc: epc.hex, firstSeen: ts, lastSeen: ts, reads: 7, peakRssi: -52, antennas: [{ reader: 'r1', antenna: 1, reads: 7, peakRssi: -52 }], confidence: 0.93 });
  }
  return out;
}

describe(`the whole hub killed with SIGKILL ${KILLS} times while passes arrive (seed ${SEED})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dockgate-real-crash-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ends with exactly one receipt per tag, and a consistent ledger', { timeout: 240_000 }, async () => {
    const port = await freePort();
    const { produced, killsWithUnacked } = await runCrash({
      script: await bundleFixture(FIXTURE, 'real-crash-hub'),
      env: { CRASH_DIR: dir, CRASH_PORT: String(port), CRASH_GW: 'gw-1', CRASH_PASSWORD: 'crash-secret' },
      port,
      site: 'test-site',
      gateway: 'gw-1',
      password: 'crash-secret',
      stream: STREAM,
      kills: KILLS,
      seed: SEED,
      events: passes,
    });
    const db = openDatabase(join(dir, 'hub.db'));
    try {
      const n = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
      const summary = { seed: SEED, kills: KILLS, killsWithUnacked, events: produced, moves: n('SELECT COUNT(*) AS n FROM moves'), duplicatesSeen: n('SELECT duplicates AS n FROM streams') };
      console.log('real-ledger crash test', JSON.stringify(summary));
      expect(killsWithUnacked).toBeGreaterThan(0);
      expect(summary.moves).toBe(produced); // one receipt per tag: nothing lost, nothing doubled
      expect(n('SELECT COUNT(DISTINCT event_id) AS n FROM moves')).toBe(produced);
      expect(n("SELECT COUNT(*) AS n FROM moves WHERE reason <> 'receipt' OR from_location <> 'supplier' OR to_location <> 'receiving'")).toBe(0);
      expect(n('SELECT COUNT(DISTINCT epc) AS n FROM serials')).toBe(produced);
      expect(getStock(db, { sku: 'PAL-1' })[0]).toMatchObject({ onHand: produced });
      const check = checkLedger(db);
      expect(check.differences).toEqual([]);
      expect(check.ok).toBe(true);
    } finally {
      db.close();
    }
  });
});
