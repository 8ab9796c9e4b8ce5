// scripts/bench — the growth bench's fixture is a ledger the hub's own check accepts, whatever its size (a prefix of
// the rounds), its check in a process of its own reports that process's memory, and the cache answers a second call
// without building.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../hub/db/database.js';
import { checkLedger, listMoves } from '../../hub/ledger/index.js';
import { DAY_MS, SKUS, T0, epcOf, growthLedger, openVariances, skuName, type Fixture } from './growth-ledger.js';
import { checkFullApart, sideBySide } from './growth.js';

// Three rounds per SKU and a half: every rule of the rounds (k = 0, 1, ≥ 2) and a partial last round.
const N = 6 * SKUS * 3 + 6 * 7 + 3;

describe('growth ledger', () => {
  let dir: string;
  let fixture: Fixture;
  let db: Db;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'growth-ledger-'));
    fixture = growthLedger(dir, N, ['09506000130007']);
    db = openDatabase(fixture.path);
  }, 120_000);
  afterAll(() => {
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is a ledger the check accepts: moves, balances, layers, valuations and units agree', () => {
    expect(fixture.buildS).not.toBeNull();
    const report = checkLedger(db);
    expect(report.differences.slice(0, 3)).toEqual([]);
    expect(report).toMatchObject({ ok: true, moves: N, skus: SKUS });
  }, 60_000);

  it('holds serial units with their history chained, open FIFO layers and open variances', () => {
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    // Serial rounds (even SKUs) receive two units each; the last, partial round is a quantity SKU's.
    expect(count('SELECT COUNT(*) AS n FROM serials')).toBe(2 * (SKUS / 2) * 3 + 2 * 4);
    // Each serial SKU keeps its last round's unit B in stock; every other unit has shipped.
    expect(count("SELECT COUNT(*) AS n FROM serials WHERE state = 'in_stock'")).toBe(SKUS / 2);
    expect(count('SELECT COUNT(*) AS n FROM cost_layers WHERE remaining_qty <> 0')).toBeGreaterThan(SKUS / 2);
    expect(count("SELECT COUNT(*) AS n FROM variances WHERE status = 'open'")).toBe(openVariances(N));
    // The open ones are the newest: a site resolves what it finds within days.
    expect(count("SELECT MIN(id) AS n FROM variances WHERE status = 'open'")).toBe(count("SELECT MAX(id) AS n FROM variances WHERE status <> 'open'") + 1);
    // Unit B of SKU-00000's first round: received, put away, parked in the reserve, shipped in the SKU's next round.
    const moves = listMoves(db, { epc: epcOf(0, 1) }).moves;
    expect(moves.map((m) => [m.from, m.to])).toEqual([
      ['supplier', 'receiving'],
      ['receiving', 'stock'],
      ['stock', 'reserve'],
      ['reserve', 'customer'],
    ]);
    expect(moves.every((m) => m.sku === skuName(0))).toBe(true);
  });

  it('spreads the moves over a year, a day holding a page and more', () => {
    const day = listMoves(db, { since: new Date(T0 + 100 * DAY_MS).toISOString(), until: new Date(T0 + 101 * DAY_MS).toISOString(), limit: 100 });
    expect(day.moves).toHaveLength(100);
    expect(day.nextCursor).not.toBeNull();
  });

  it('maps the extra GTINs onto serial SKUs', () => {
    expect(db.prepare("SELECT sku FROM item_gtins WHERE gtin = '09506000130007'").pluck().get()).toBe(skuName(0));
  });

  it("is checked in a process of its own whose peak RSS is that process's, not the parent's it forked from", () => {
    const ballast = Buffer.alloc(512 * 1024 * 1024, 1); // the parent's RSS: 512 MiB more than the child will need
    const parentMiB = process.memoryUsage().rss / 1024 / 1024;
    const check = checkFullApart(fixture.path);
    expect(ballast[ballast.length - 1]).toBe(1);
    expect(check).toMatchObject({ ok: true, moves: N, firstDifference: null });
    expect(check.rssPeakMiB).toBeGreaterThanOrEqual(check.rssBeforeMiB);
    expect(check.rssPeakMiB).toBeLessThan(parentMiB - 256);
  }, 60_000);

  it('comes from the cache the second time', () => {
    expect(growthLedger(dir, N, ['09506000130007'])).toEqual({ path: fixture.path, moves: N, buildS: null });
  });
});

describe('growth table', () => {
  it('puts sizes side by side and rates each larger size against 1 M, rates and times both as "times worse"', () => {
    const table = sideBySide(
      [1_000_000, 10_000_000, 50_000_000],
      new Map([
        [1_000_000, { apply: 10_000, stock: 2 }],
        [10_000_000, { apply: 5_000, stock: 3 }],
        [50_000_000, { apply: 8_000 }],
      ]),
    );
    const line = (name: string) =>
      table
        .split('\n')
        .find((l) => l.includes(name))!
        .split('|')
        .map((c) => c.trim());
    expect(line('receipts applied')).toEqual(['', 'receipts applied end to end (events/s)', '10,000', '5,000', '8,000', '2.00', '1.25', '']);
    expect(line('stock?sku=')).toEqual(['', 'REST p99 GET /api/v1/stock?sku= (ms)', '2.00', '3.00', '—', '1.50', '—', '']);
    expect(line('backup')).toEqual(['', 'backup (SQLite online backup API) (s)', '—', '—', '—', '—', '—', '']);
  });
});
