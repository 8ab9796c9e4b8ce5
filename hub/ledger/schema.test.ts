import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, openDatabase, type Db } from '../db/database.js';
import {
  checkFull,
  checkIncremental,
  checkLedger,
  createItem,
  createLocation,
  ledgerMigrations,
  listMoves,
  moveSerial,
  postMove,
  serialHistory,
} from './index.js';
import { T0 } from './test-fixture.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A hub database file in a fresh temp dir (removed after the test). */
function dbPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-schema-'));
  dirs.push(dir);
  return join(dir, 'hub.db');
}

/** A database with the ledger migrated to `version` only: what an older hub left behind. */
function ledgerAtVersion(version: number): Db {
  const db = openDatabase(dbPath());
  migrate(db, [{ module: 'ledger', migrations: ledgerMigrations.migrations.slice(0, version) }]);
  return db;
}

describe('ledger schema', () => {
  it('migrates an empty database, then does nothing on the next start', () => {
    const path = dbPath();
    let db = openDatabase(path);
    expect(migrate(db, [ledgerMigrations])).toEqual(ledgerMigrations.migrations.map((m) => `ledger#${m.version} ${m.name}`));
    db.close();
    db = openDatabase(path);
    expect(migrate(db, [ledgerMigrations])).toEqual([]);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
    expect(tables).toEqual(
      expect.arrayContaining(['audit_log', 'balances', 'cost_layers', 'item_gtins', 'items', 'locations', 'moves', 'reservations', 'serials', 'valuations']),
    );
    expect(db.prepare('SELECT COUNT(*) AS n FROM locations WHERE virtual = 1').get()).toEqual({ n: 5 });
    db.close();
  });

  it('migrates a version 1 ledger with stock on it to the catalog stamp, and every catalog write moves the stamp', () => {
    const db = ledgerAtVersion(1);
    // What a version 1 hub left behind (written as it wrote it).
    db.exec(`INSERT INTO locations (id, name, kind, virtual, parent, allow_negative, sellable, created_at, updated_at)
               VALUES ('stock', 'Stock', 'stock', 0, NULL, 0, 1, 'x', 'x');
             INSERT INTO items (sku, name, uom, tracking, cost_method, standard_cost, created_at, updated_at) VALUES ('A', 'Widget', 'ea', 'quantity', 'fifo', 100, 'x', 'x');
             INSERT INTO valuations (sku, qty, value) VALUES ('A', 0, 0);`);
    expect(migrate(db, [ledgerMigrations])).toEqual(ledgerMigrations.migrations.slice(1).map((m) => `ledger#${m.version} ${m.name}`));
    postMove(
      db,
      { id: 'm1', sku: 'A', qty: 4, from: 'supplier', to: 'stock', reason: 'receipt', actor: { kind: 'api', id: 't' }, occurredAt: new Date(T0).toISOString() },
      T0,
    );
    const stamp = () => (db.prepare('SELECT v FROM catalog_version').get() as { v: number }).v;
    const writes: Array<[string, () => void]> = [
      ['item insert', () => createItem(db, { sku: 'B', name: 'Other', tracking: 'quantity' }, T0)],
      ['item update', () => db.prepare("UPDATE items SET name = 'Gizmo' WHERE sku = 'A'").run()],
      ['gtin insert', () => db.prepare("INSERT INTO item_gtins (gtin, sku, position) VALUES ('04006381333931', 'A', 0)").run()],
      ['gtin delete', () => db.prepare('DELETE FROM item_gtins').run()],
      ['location insert', () => createLocation(db, { id: 'stock-2', name: 'Stock 2', kind: 'stock' }, T0)],
      ['location update', () => db.prepare("UPDATE locations SET allow_negative = 1 WHERE id = 'stock-2'").run()],
      ['location delete', () => db.prepare("DELETE FROM locations WHERE id = 'stock-2'").run()],
      ['item delete', () => db.prepare("DELETE FROM valuations WHERE sku = 'B'").run() && db.prepare("DELETE FROM items WHERE sku = 'B'").run()],
    ];
    for (const [what, write] of writes) {
      const before = stamp();
      write();
      expect(stamp(), what).not.toBe(before);
      expect(Number.isSafeInteger(stamp()), what).toBe(true);
    }
    const before = stamp();
    postMove(
      db,
      {
        id: 'm2',
        sku: 'A',
        qty: 1,
        from: 'stock',
        to: 'customer',
        reason: 'shipment',
        actor: { kind: 'api', id: 't' },
        occurredAt: new Date(T0).toISOString(),
      },
      T0,
    );
    expect(stamp()).toBe(before); // postings do not touch the catalog
    expect(checkLedger(db).ok).toBe(true);
    db.close();
  });
  it("migrates a version 3 ledger's units to history chains: each unit's moves found by the walk, in order, and the check agrees", () => {
    const db = ledgerAtVersion(3);
    // What a version 3 hub left behind, written as it wrote it: two units, one in-out-in, and a quantity move between.
    db.exec(`INSERT INTO locations (id, name, kind, virtual, parent, allow_negative, sellable, created_at, updated_at)
               VALUES ('stock', 'Stock', 'stock', 0, NULL, 0, 1, 'x', 'x');
             INSERT INTO items (sku, name, uom, tracking, cost_method, standard_cost, created_at, updated_at) VALUES
               ('S', 'Unit', 'ea', 'serial', 'fifo', 100, 'x', 'x'), ('A', 'Widget', 'ea', 'quantity', 'fifo', 100, 'x', 'x');`);
    const v3 =
      db.prepare(`INSERT INTO moves (id, sku, qty, from_location, to_location, reason, actor_kind, actor_id, epc, unit_cost, value_cost, value_delta, value_variance, occurred_ms, posted_ms)
                           VALUES (?, ?, 1, ?, ?, ?, 'api', 't', ?, 100, ?, ?, 0, ${T0}, ${T0})`);
    v3.run('u1-in', 'S', 'supplier', 'stock', 'receipt', 'aabb0001', 100, 100);
    v3.run('u2-in', 'S', 'supplier', 'stock', 'receipt', 'aabb0002', 100, 100);
    v3.run('a-in', 'A', 'supplier', 'stock', 'receipt', null, 100, 100);
    v3.run('u1-out', 'S', 'stock', 'customer', 'shipment', 'aabb0001', 100, -100);
    v3.run('u1-back', 'S', 'customer', 'stock', 'return', 'aabb0001', 100, 100);
    db.exec(`INSERT INTO balances (sku, location, qty) VALUES ('S', 'supplier', -2), ('S', 'stock', 2), ('S', 'customer', 0), ('A', 'supplier', -1), ('A', 'stock', 1);
             INSERT INTO valuations (sku, qty, value) VALUES ('S', 2, 200), ('A', 1, 100);
             INSERT INTO cost_layers (sku, move_seq, unit_cost, remaining_qty, remaining_value) VALUES ('S', 2, 100, 1, 100), ('A', 3, 100, 1, 100), ('S', 5, 100, 1, 100);
             INSERT INTO serials (epc, sku, location, state, last_move_id, last_issue_cost, updated_ms) VALUES
               ('aabb0001', 'S', 'stock', 'in_stock', 'u1-back', 100, ${T0}), ('aabb0002', 'S', 'stock', 'in_stock', 'u2-in', NULL, ${T0});`);
    expect(migrate(db, [ledgerMigrations])).toEqual(ledgerMigrations.migrations.slice(3).map((m) => `ledger#${m.version} ${m.name}`));
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'moves_epc'").get()).toBeUndefined();
    expect(serialHistory(db, 'AABB0001').map((m) => m.id)).toEqual(['u1-in', 'u1-out', 'u1-back']);
    expect(serialHistory(db, 'aabb0002').map((m) => m.id)).toEqual(['u2-in']);
    expect(() => db.prepare("UPDATE moves SET note = 'x' WHERE id = 'u1-in'").run()).toThrow(/moves are immutable/);
    expect(checkLedger(db).differences).toEqual([]);
    // New moves continue the migrated chains.
    moveSerial(
      db,
      { id: 'u1-out-2', epc: 'aabb0001', to: 'customer', reason: 'shipment', actor: { kind: 'api', id: 't' }, occurredAt: new Date(T0).toISOString() },
      T0,
    );
    expect(listMoves(db, { epc: 'aabb0001' }).moves.map((m) => m.id)).toEqual(['u1-in', 'u1-out', 'u1-back', 'u1-out-2']);
    expect(listMoves(db, { epc: 'aabb0001', reason: 'shipment', limit: 1 })).toMatchObject({ moves: [{ id: 'u1-out' }], nextCursor: '4' });
    expect(checkLedger(db).ok).toBe(true);
    db.close();
  });

  it("migrates a version 6 ledger's moves into the day index: a window of them pages as before, through the index", () => {
    const db = ledgerAtVersion(6);
    // What a version 6 hub left behind: receipts over three days, posted out of their days' order.
    db.exec(`INSERT INTO locations (id, name, kind, virtual, parent, allow_negative, sellable, created_at, updated_at)
               VALUES ('stock', 'Stock', 'stock', 0, NULL, 0, 1, 'x', 'x');
             INSERT INTO items (sku, name, uom, tracking, cost_method, standard_cost, created_at, updated_at) VALUES ('A', 'Widget', 'ea', 'quantity', 'fifo', 100, 'x', 'x');`);
    const day = 86_400_000;
    const v6 =
      db.prepare(`INSERT INTO moves (id, sku, qty, from_location, to_location, reason, actor_kind, actor_id, unit_cost, value_cost, value_delta, value_variance, occurred_ms, posted_ms)
                           VALUES (?, 'A', 1, 'supplier', 'stock', 'receipt', 'api', 't', 100, 100, 100, 0, ?, ${T0})`);
    [2, 0, 1, 0, 2, 1].forEach((d, i) => v6.run(`m${i + 1}`, T0 - 3 * day + d * day + i));
    expect(migrate(db, [ledgerMigrations])).toEqual(ledgerMigrations.migrations.slice(6).map((m) => `ledger#${m.version} ${m.name}`));
    const dayOf = (d: number) => ({ since: new Date(T0 - 3 * day + d * day).toISOString(), until: new Date(T0 - 2 * day + d * day).toISOString() });
    expect([0, 1, 2].map((d) => listMoves(db, dayOf(d)).moves.map((m) => m.id))).toEqual([
      ['m2', 'm4'],
      ['m3', 'm6'],
      ['m1', 'm5'],
    ]);
    const inIndex = db.prepare(`SELECT COUNT(*) AS n FROM moves INDEXED BY moves_occurred_day WHERE occurred_ms / ${day} >= 0`).get() as { n: number };
    expect(inIndex).toEqual({ n: 6 });
    db.close();
  });

  it('migrates a version 7 ledger checked up to a point: the incremental check goes on from it and stores its verified states', () => {
    const db = ledgerAtVersion(7);
    // What a version 7 hub left behind: a unit and a quantity SKU posted through the ledger, checked up to seq 2.
    createLocation(db, { id: 'stock', name: 'Stock', kind: 'stock' }, T0);
    createItem(db, { sku: 'A', name: 'Widget', tracking: 'quantity' }, T0);
    createItem(db, { sku: 'S', name: 'Unit', tracking: 'serial' }, T0);
    const actor = { kind: 'api' as const, id: 't' };
    const at = new Date(T0).toISOString();
    postMove(db, { id: 'a-in', sku: 'A', qty: 3, from: 'supplier', to: 'stock', reason: 'receipt', unitCost: 100, actor, occurredAt: at }, T0);
    moveSerial(db, { id: 'u-in', epc: 'aabb0001', sku: 'S', from: 'supplier', to: 'stock', reason: 'receipt', actor, occurredAt: at }, T0);
    db.prepare('UPDATE ledger_check_point SET seq = 2, at_ms = ? WHERE id = 1').run(T0);
    postMove(db, { id: 'a-out', sku: 'A', qty: 1, from: 'stock', to: 'customer', reason: 'shipment', actor, occurredAt: at }, T0);
    moveSerial(db, { id: 'u-out', epc: 'aabb0001', to: 'customer', reason: 'shipment', actor, occurredAt: at }, T0);
    expect(migrate(db, [ledgerMigrations])).toEqual(ledgerMigrations.migrations.slice(7).map((m) => `ledger#${m.version} ${m.name}`));
    expect(checkIncremental(db, T0 + 1)).toMatchObject({ fromSeq: 2, toSeq: 4, report: { ok: true, skus: 2, moves: 4 }, point: { seq: 4 } });
    expect(db.prepare('SELECT sku, seq FROM ledger_check_skus ORDER BY sku').raw().all()).toEqual([
      ['A', 3],
      ['S', 4],
    ]);
    expect(db.prepare('SELECT epc, sku, location, move_id, seq FROM ledger_check_units').raw().all()).toEqual([['aabb0001', 'S', 'customer', 'u-out', 4]]);
    expect(checkFull(db, T0 + 2).report.ok).toBe(true);
    db.close();
  });
});
