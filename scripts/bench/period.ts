// scripts/bench — closing a period on a ledger of 200,000 moves over ten days (200 SKUs, FIFO and moving average,
// serialized units): live database bytes, the incremental check of the same 2,000 new moves and the full check,
// before the close and after it (the closed nine days archived), in one run; and how long the close itself took.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openDatabase, type Db } from '../../hub/db/database.js';
import { archivePathOf, closeArchiveReader } from '../../hub/ledger/archive.js';
import {
  checkFull,
  checkIncremental,
  createItem,
  createLocation,
  ledgerMigrations,
  moveSerial,
  postMove,
  withBatchedInvariants,
} from '../../hub/ledger/index.js';
import { bytesOf } from '../../hub/periods/archive.js';
import { closePeriod } from '../../hub/periods/index.js';
import type { Bench, BenchRow } from './report.js';

/** The ledger's size: SKUs, days of moves, moves; the new moves each check verifies. */
const { SKUS, DAYS, MOVES, NEW_MOVES } = { SKUS: 200, DAYS: 10, MOVES: 200_000, NEW_MOVES: 2_000 };
const [T0, DAY] = [Date.UTC(2025, 2, 1), 86_400_000];
const actor = { kind: 'gateway' as const, id: 'gw-1' };

/** `n` moves from move number `from` on: cycles of receive 10, ship 3, ship 3 per SKU; every 25th cycle a unit in and out instead of its ships. */
function post(db: Db, from: number, n: number, span: { startMs: number; msPerMove: number }): void {
  for (let done = 0; done < n;) {
    db.transaction(() =>
      withBatchedInvariants(db, () => {
        for (let k = 0; k < 1000 && done < n; k++) {
          const i = from + done;
          const ms = span.startMs + done * span.msPerMove;
          const at = new Date(ms).toISOString();
          const sku = `SKU-${Math.floor(i / 3) % SKUS}`;
          if (i % 75 === 1) {
            const epc = `30340000000000${String(i).padStart(10, '0')}`;
            moveSerial(db, { id: `u-${i}-in`, epc, sku: 'UNIT', from: 'supplier', to: 'stock', reason: 'receipt', actor, occurredAt: at }, ms);
            moveSerial(db, { id: `u-${i}-out`, epc, to: 'customer', reason: 'shipment', actor, occurredAt: at }, ms);
            done += 2;
            continue;
          }
          const receipt = i % 3 === 0;
          const move = receipt
            ? { id: `m-${i}`, sku, qty: 10, from: 'supplier', to: 'stock', reason: 'receipt' as const, unitCost: 100 + (i % 13), actor, occurredAt: at }
            : { id: `m-${i}`, sku, qty: 3, from: 'stock', to: 'customer', reason: 'shipment' as const, actor, occurredAt: at };
          postMove(db, move, ms, { callerRollsBack: true });
          done++;
        }
      }),
    )();
  }
}

const seconds = (fn: () => void): number => {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
};

/** Incremental check of NEW_MOVES fresh moves (ms), then a full check (s). */
function checks(db: Db, from: number, startMs: number): { incrementalMs: number; fullS: number } {
  checkIncremental(db, startMs);
  post(db, from, NEW_MOVES, { startMs, msPerMove: 10 });
  const incrementalMs = seconds(() => checkIncremental(db, startMs)) * 1000;
  const fullS = seconds(() => checkFull(db, startMs));
  return { incrementalMs, fullS };
}

export const bench: Bench = {
  name: 'period',
  async run(): Promise<BenchRow[]> {
    const dir = mkdtempSync(join(tmpdir(), 'bench-period-'));
    const path = join(dir, 'hub.db');
    const db = openDatabase(path);
    try {
      migrate(db, [ledgerMigrations]);
      createLocation(db, { id: 'stock', name: 'Stock', kind: 'stock' }, T0);
      for (let s = 0; s < SKUS; s++)
        createItem(db, { sku: `SKU-${s}`, name: `Item ${s}`, tracking: 'quantity', costMethod: s % 2 ? 'fifo' : 'moving_average', standardCost: 100 }, T0);
      createItem(db, { sku: 'UNIT', name: 'Unit', tracking: 'serial', costMethod: 'fifo', standardCost: 1000 }, T0);
      post(db, 0, MOVES, { startMs: T0, msPerMove: (DAYS * DAY) / MOVES });
      const end = T0 + DAYS * DAY;
      const before = checks(db, MOVES, end);
      db.pragma('wal_checkpoint(TRUNCATE)');
      const bytesBefore = bytesOf(path);
      let archived = 0;
      const closeS = seconds(() => (archived = closePeriod(db, { throughMs: T0 + (DAYS - 1) * DAY, nowMs: end + DAY }).archive.moves));
      const bytesAfter = bytesOf(path);
      const after = checks(db, MOVES + 2 * NEW_MOVES, end + DAY);
      const archivedText = `${archived.toLocaleString('en-US')} moves archived`;
      const note = `${MOVES.toLocaleString('en-US')} moves over ${DAYS} days, ${SKUS} SKUs; closed through day ${DAYS - 1}: ${archivedText}`;
      return [
        {
          name: 'period: live database after the close',
          value: bytesAfter / 1e6,
          unit: 'MB',
          baseline: { name: 'before', value: bytesBefore / 1e6 },
          note: `${note}; archive ${(bytesOf(archivePathOf(path)) / 1e6).toFixed(1)} MB`,
        },
        {
          name: `period: incremental check of ${NEW_MOVES.toLocaleString('en-US')} new moves, after the close`,
          value: after.incrementalMs,
          unit: 'ms',
          baseline: { name: 'before', value: before.incrementalMs },
          note,
        },
        { name: 'period: full check, after the close', value: after.fullS, unit: 's', baseline: { name: 'before', value: before.fullS }, note },
        { name: 'period: close (check, snapshot, archive, vacuum)', value: closeS, unit: 's', note },
      ];
    } finally {
      closeArchiveReader(db);
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
