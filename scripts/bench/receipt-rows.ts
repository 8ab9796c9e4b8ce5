// scripts/bench — a receipt's rows written raw: the move, its two balances, a FIFO cost layer, the SKU's valuation,
// the unit and the door activity row (and, optionally, the inbox row every pass had when issue #24 set its target),
// with prepared statements from values computed up front. The ceiling an apply is measured against, in the same run
// on the same machine: the apply bench (`apply.ts`) and the backlog replay (`../e2e/backlog.ts`).
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { isoTs, type Event } from '../../protocols/events/index.js';
import { silentLogger } from '../../protocols/logging/index.js';
import { WalCheckpointer } from '../../hub/db/checkpointer.js';
import { migrate, openDatabase, type Db } from '../../hub/db/database.js';
import { doorsMigrations } from '../../hub/doors/store.js';
import { createItem, createLocation, ledgerMigrations } from '../../hub/ledger/index.js';
import { systemRuntime } from '../../runtime/runtime.js';

/** A pass at a receiving door, as the raw rows need it. */
export type RawPass = Event & { kind: 'tag.pass' };

/** Where the receipts land: the door and its gateway, the move's two locations, and each pass's SKU and unit cost. */
export interface RawSite {
  door: string;
  gateway: string;
  from: string;
  to: string;
  sku(p: RawPass): string;
  cost(p: RawPass): number;
}

/**
 * A transaction writing one receipt's rows per pass, on a database with the ledger's and the doors' schema where the
 * site's locations and SKUs exist. `inbox`: also the pass's inbox row (the ingest's schema too).
 */
export function receiptRowsWriter(db: Db, site: RawSite, inbox: boolean): (passes: readonly RawPass[]) => void {
  const s = {
    inbox: inbox ? db.prepare('INSERT INTO inbox (event_id, gateway, stream, seq, kind, event_ts, applied_at) VALUES (?, ?, ?, ?, ?, ?, ?)') : undefined,
    move: db.prepare(`INSERT INTO moves (id, sku, qty, from_location, to_location, reason, reference, actor_kind, actor_id, event_id, epc,
        unit_cost_input, unit_cost, value_cost, value_delta, value_variance, occurred_ms, posted_ms, note, reservation_id)
        VALUES (?, ?, 1, ?, ?, 'receipt', NULL, 'gateway', ?, ?, ?, NULL, ?, ?, ?, 0, ?, ?, NULL, NULL)`),
    balance: db.prepare('INSERT INTO balances (sku, location, qty) VALUES (?, ?, ?) ON CONFLICT (sku, location) DO UPDATE SET qty = qty + excluded.qty'),
    layer: db.prepare('INSERT INTO cost_layers (sku, move_seq, unit_cost, remaining_qty, remaining_value) VALUES (?, ?, ?, 1, ?)'),
    valuation: db.prepare('UPDATE valuations SET qty = qty + 1, value = value + ? WHERE sku = ?'),
    serial: db.prepare(
      "INSERT INTO serials (epc, sku, location, state, last_move_id, last_move_seq, last_issue_cost, updated_ms) VALUES (?, ?, ?, 'in_stock', ?, ?, NULL, ?)",
    ),
    activity:
      db.prepare(`INSERT INTO door_activity (event_id, kind, door, gateway, epc, gtin, sku, qty, direction, confidence, outcome, move_id, message, occurred_at, recorded_at)
        VALUES (?, 'pass', ?, ?, ?, NULL, ?, 1, 'in', ?, 'moved', ?, NULL, ?, ?)`),
  };
  return db.transaction((passes: readonly RawPass[]) => {
    const now = Date.now();
    const at = isoTs(now);
    for (const p of passes) {
      const sku = site.sku(p);
      const cost = site.cost(p);
      const moveId = `ev:${p.id}`;
      s.inbox?.run(p.id, site.gateway, p.stream, p.seq, p.kind, p.ts, at);
      const seq = s.move.run(moveId, sku, site.from, site.to, site.gateway, p.id, p.epc, cost, cost, cost, Date.parse(p.lastSeen), now).lastInsertRowid;
      s.balance.run(sku, site.from, -1);
      s.balance.run(sku, site.to, 1);
      s.layer.run(sku, seq, cost, cost);
      s.valuation.run(cost, sku);
      s.serial.run(p.epc, sku, site.to, moveId, seq, now);
      s.activity.run(p.id, site.door, site.gateway, p.epc, sku, p.confidence, moveId, p.lastSeen, at);
    }
  });
}

/**
 * The seconds it takes to write `passes`' rows raw into a new database at `path` kept as the hub keeps its own (its
 * pragmas, checkpoints on a worker thread), `perTransaction` passes per transaction, after a receiving location `to`
 * and the `skus` (serial, FIFO) were made. The event loop turns between transactions, as the hub's does between groups.
 */
export async function timeReceiptRows(
  path: string,
  passes: readonly RawPass[],
  perTransaction: number,
  site: RawSite,
  skus: readonly string[],
): Promise<number> {
  const db = openDatabase(path);
  const checkpointer = new WalCheckpointer(db, path, silentLogger(), systemRuntime);
  try {
    migrate(db, [ledgerMigrations, doorsMigrations]);
    const t = Date.now();
    createLocation(db, { id: site.to, name: site.to, kind: 'receiving' }, t);
    for (const sku of skus) createItem(db, { sku, name: sku, tracking: 'serial', costMethod: 'fifo', standardCost: 1 }, t);
    const write = receiptRowsWriter(db, site, false);
    const t0 = performance.now();
    for (let i = 0; i < passes.length; i += perTransaction) {
      write(passes.slice(i, i + perTransaction));
      await yieldToLoop();
    }
    return (performance.now() - t0) / 1000;
  } finally {
    await checkpointer.close();
    db.close();
  }
}
