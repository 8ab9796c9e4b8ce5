import { afterEach, describe, expect, it } from 'vitest';
import { WIRE_VERSION } from '../../protocols/events/index.js';
import { migrate, openDatabase, type Db } from '../../hub/db/database.js';
import { doorsMigrations } from '../../hub/doors/store.js';
import { IngestStore } from '../../hub/ingest/store.js';
import { tempDb, type TempDb } from '../../hub/ingest/test-support.js';
import { checkLedger, createItem, createLocation, ledgerMigrations, withBatchedInvariants } from '../../hub/ledger/index.js';
import { GTINS, receivingDoor, receivingPass } from './apply.js';
import { batches } from './ingest.js';
import { receiptRowsWriter, timeReceiptRows, type RawPass, type RawSite } from './receipt-rows.js';

const T0 = Date.UTC(2025, 2, 1);
const COST = 10_000;
const dbs: TempDb[] = [];
afterEach(() => dbs.splice(0).forEach((t) => t.cleanup()));

/** A site as the apply bench makes it: its locations and one serial FIFO item at COST per GTIN its passes carry. */
function site(): Db {
  const t = tempDb();
  dbs.push(t);
  migrate(t.db, [ledgerMigrations, doorsMigrations]);
  for (const [id, kind] of [
    ['dock-1', 'door'],
    ['receiving', 'receiving'],
    ['stock', 'stock'],
    ['returns', 'returns'],
  ] as const)
    createLocation(t.db, { id, name: id, kind }, T0);
  GTINS.forEach((gtin, i) =>
    createItem(t.db, { sku: `P-${i}`, name: `P ${i}`, tracking: 'serial', costMethod: 'fifo', standardCost: COST, gtins: [gtin] }, T0),
  );
  return t.db;
}

/** The bench's passes raw: the item `receivingPass` picks by seq, at COST. */
const RAW: RawSite = { door: 'door-1', gateway: 'gw-bench', from: 'supplier', to: 'receiving', sku: (p) => `P-${p.seq % GTINS.length}`, cost: () => COST };

/** What the receipts left in each table they write, times and generated keys aside. */
function rows(db: Db): Record<string, unknown[]> {
  const q = (sql: string) => db.prepare(sql).all();
  return {
    moves: q(`SELECT id, sku, qty, from_location, to_location, reason, reference, actor_kind, actor_id, event_id, epc, unit_cost, value_cost,
                value_delta, value_variance, occurred_ms, note, reservation_id FROM moves ORDER BY seq`),
    balances: q('SELECT sku, location, qty FROM balances ORDER BY sku, location'),
    layers: q('SELECT sku, unit_cost, remaining_qty, remaining_value FROM cost_layers ORDER BY id'),
    valuations: q('SELECT sku, qty, value FROM valuations ORDER BY sku'),
    serials: q('SELECT epc, sku, location, state, last_move_id, last_issue_cost FROM serials ORDER BY epc'),
    activity: q(
      'SELECT event_id, kind, door, gateway, epc, gtin, sku, qty, direction, confidence, outcome, move_id, message, occurred_at FROM door_activity ORDER BY seq',
    ),
  };
}

describe("a receipt's rows written raw (the apply's ceiling)", () => {
  const passes = batches('stream-rows', 3, 10, 1, receivingPass).events as RawPass[];

  it('are the rows the real apply writes for the same passes, so the ceiling measures the same writes', () => {
    const real = site();
    const doors = receivingDoor(real);
    const store = new IngestStore(real, 'bench', doors.apply, withBatchedInvariants, doors.refusal, doors.record);
    store.applyBatch({ v: WIRE_VERSION, gateway: 'gw-bench', stream: passes[0]!.stream, events: passes }, Date.now());
    const raw = site();
    receiptRowsWriter(raw, RAW, false)(passes);
    const written = rows(raw);
    expect(written.moves).toHaveLength(passes.length);
    expect(written).toEqual(rows(real));
  });

  it('times them into a database kept as the hub keeps its own, which then holds a ledger the check accepts', async () => {
    const t = tempDb();
    dbs.push(t);
    const path = `${t.dir}/ceiling.db`;
    const seconds = await timeReceiptRows(
      path,
      passes,
      7,
      RAW,
      GTINS.map((_, i) => `P-${i}`),
    );
    expect(seconds).toBeGreaterThan(0);
    const db = openDatabase(path);
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(rows(db).moves).toHaveLength(passes.length);
      const report = checkLedger(db);
      expect(report.differences).toEqual([]);
    } finally {
      db.close();
    }
  });
});
