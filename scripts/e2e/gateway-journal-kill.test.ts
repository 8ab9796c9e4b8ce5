// scripts/e2e — fault test of the read journal: dockgate-gateway killed with SIGKILL at seeded random moments while a
// pallet's tags are inside the portal (reads delivered, passages not yet decided: absence not elapsed). After each
// kill the test reads what the dead process had committed: journaled reads and stored passes. Every tag among them
// must reach the hub exactly once (a restart replays the journal into the engine and decides what was in progress);
// no tag may reach it twice.
// Runs: JOURNAL_KILL_RUNS (default 50). Seed: JOURNAL_KILL_SEED (default random; printed to replay a failure).
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../protocols/logging/index.js';
import { Outbox } from '../../gateway/outbox/index.js';
import { TEST_GATEWAY_PASSWORD, startTestHub } from '../../hub/testing/harness.js';
import { startLlrpSimulator } from '../sim/llrp-reader.js';
import { rng } from '../sim/scenario.js';
import { bundleGateway, spawnGateway, until, writeGatewayYaml } from './gateway-support.js';

const RUNS = Number(process.env.JOURNAL_KILL_RUNS ?? 50);
const SEED = Number(process.env.JOURNAL_KILL_SEED ?? Math.floor(Math.random() * 2 ** 31));

let bundle: ReturnType<typeof bundleGateway>;
beforeAll(() => {
  bundle = bundleGateway();
});
afterAll(() => bundle?.remove());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What a dead gateway had committed: tags with journaled reads, and tags whose pass was stored. */
function committed(outboxPath: string): { all: Set<string>; journaled: number } {
  const db = new Database(outboxPath);
  try {
    const journal = (db.prepare('SELECT DISTINCT epc FROM journal').all() as Array<{ epc: string }>).map((r) => r.epc);
    const passes = (db.prepare("SELECT body FROM events WHERE kind = 'tag.pass'").all() as Array<{ body: string }>).map((r) => (JSON.parse(r.body) as { epc: string }).epc);
    return { all: new Set([...journal, ...passes]), journaled: journal.length };
  } finally {
    db.close();
  }
}

describe('dockgate-gateway killed with SIGKILL mid-pallet', () => {
  it(`decides every passage whose reads the journal committed, exactly once, over ${RUNS} kills (seed ${SEED})`, async () => {
    const rand = rng(SEED);
    const th = await startTestHub();
    const sim = await startLlrpSimulator({ readerId: 'r1', reportBatch: 20 });
    const dir = mkdtempSync(join(tmpdir(), 'gw-e2e-journal-'));
    const outboxPath = join(dir, 'outbox.db');
    // One read makes a tag; a passage stays open 1.5 s after its last read; a tag never passes twice in this test.
    const config = writeGatewayYaml(dir, {
      mqttUrl: th.mqttUrl,
      password: TEST_GATEWAY_PASSWORD,
      readers: [{ id: 'r1', port: sim.port }],
      outboxPath,
      metrics: true,
      portalDefaults: '{ minReads: 1, absenceMs: 1500, rearmMs: 600000 }',
    });
    const ctx = (run: number, extra = '') => `run ${run} of ${RUNS}, seed ${SEED}${extra}`;
    const mustAppear = new Set<string>();
    const sent = new Set<string>();
    let inProgressAtKill = 0;
    try {
      for (let run = 0; run < RUNS; run++) {
        const gw = spawnGateway(config, { bundle: bundle.file });
        await gw.waitLog((l) => l.msg === 'gateway running', ctx(run, ': gateway running'), 20_000);
        await until(() => sim.connected && sim.rospecState === 'active', ctx(run, ': reading'), 20_000, 10);
        for (const epc of sim.misbehave.burst(20, 5)) sent.add(epc);
        await sleep(Math.floor(rand() * 2000)); // mostly inside the 1.5 s absence: passages in progress
        const exit = await gw.stop('SIGKILL');
        expect(exit.signal, ctx(run, `: it died by itself: ${gw.stderr()}`)).toBe('SIGKILL');
        const c = committed(outboxPath);
        inProgressAtKill += c.journaled;
        for (const epc of c.all) mustAppear.add(epc);
      }

      // The last start: replayed passages are decided, the outbox drains, a clean stop leaves nothing behind.
      let left = -1;
      for (let attempt = 0; attempt < 3 && left !== 0; attempt++) {
        const gw = spawnGateway(config, { bundle: bundle.file });
        await gw.waitLog((l) => l.msg === 'gateway running', 'the final start');
        const port = (await gw.waitLog((l) => l.component === 'metrics' && typeof l.port === 'number', 'the metrics port')).port as number;
        await sleep(2500); // past the absence: the replayed passages are decided
        const depth = async () => Number(/^dockgate_gateway_outbox_depth (\d+)$/m.exec(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text())?.[1]);
        await until(async () => (await depth()) === 0, 'the outbox drained', 30_000, 100);
        expect(await gw.stop('SIGTERM')).toEqual({ code: 0, signal: null });
        const o = Outbox.open({ path: outboxPath, logger: silentLogger() });
        left = o.depth() + o.journal.rows();
        o.close();
      }
      expect(left, 'outbox and journal empty after a clean stop').toBe(0);

      const rows = th.hub.db.prepare("SELECT epc, COUNT(*) AS n FROM door_activity WHERE kind = 'pass' GROUP BY epc").all() as Array<{ epc: string; n: number }>;
      const atHub = new Map(rows.map((r) => [r.epc, r.n]));
      const twice = rows.filter((r) => r.n > 1).map((r) => r.epc);
      expect(twice, 'tags that reached the hub more than once').toEqual([]);
      const lost = [...mustAppear].filter((epc) => !atHub.has(epc));
      expect(lost, `committed tags that never reached the hub (seed ${SEED})`).toEqual([]);
      expect([...atHub.keys()].filter((e) => !sent.has(e))).toEqual([]);
      expect(inProgressAtKill, 'kills that caught passages in progress').toBeGreaterThan(RUNS);
      process.stdout.write(
        `journal kill test: ${RUNS} kills, ${sent.size} tags sent, ${mustAppear.size} committed, ${inProgressAtKill} in progress at a kill (journaled), ${atHub.size} at the hub once each, seed ${SEED}\n`,
      );
    } finally {
      await sim.close();
      await th.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 480_000);
});
