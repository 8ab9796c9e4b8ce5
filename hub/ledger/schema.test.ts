import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../db/database.js';
import { checkLedger, createItem, createLocation, ledgerMigrations, postMove } from './index.js';
import { T0 } from './test-fixture.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('ledger schema', () => {
  it('migrates an empty database, then does nothing on the next start', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-schema-'));
    dirs.push(dir);
    const path = join(dir, 'hub.db');
    let db = openDatabase(path);
    expect(migrate(db, [ledgerMigrations])).toEqual(ledgerMigrations.migrations.map((m) => `ledger#${m.version} ${m.name}`));
    db.close();
    db = openDatabase(path);
    expect(migrate(db, [ledgerMigrations])).toEqual([]);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
    expect(tables).toEqual(expect.arrayContaining(['audit_log', 'balances', 'cost_layers', 'item_gtins', 'items', 'locations', 'moves', 'reservations', 'serials', 'valuations']));
    expect(db.prepare('SELECT COUNT(*) AS n FROM locations WHERE virtual = 1').get()).toEqual({ n: 5 });
    db.close();
  });

  it('migrates a version 1 ledger with stock on it to the catalog stamp, and every catalog write moves the stamp', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-schema-'));
    dirs.push(dir);
    const db = openDatabase(join(dir, 'hub.db'));
    migrate(db, [{ module: 'ledger', migrations: ledgerMigrations.migrations.slice(0, 1) }]);
    // What a version 1 hub left behind (written as it wrote it).
    db.exec(`INSERT INTO locations (id, name, kind, virtual, parent, allow_negative, sellable, created_at, updated_at)
               VALUES ('stock', 'Stock', 'stock', 0, NULL, 0, 1, 'x', 'x');
             INSERT INTO items (sku, name, uom, tracking, cost_method, standard_cost, created_at, updated_at) VALUES ('A', 'Widget', 'ea', 'quantity', 'fifo', 100, 'x', 'x');
             INSERT INTO valuations (sku, qty, value) VALUES ('A', 0, 0);`);
    expect(migrate(db, [ledgerMigrations])).toEqual(ledgerMigrations.migrations.slice(1).map((m) => `ledger#${m.version} ${m.name}`));
    postMove(db, { id: 'm1', sku: 'A', qty: 4, from: 'supplier', to: 'stock', reason: 'receipt', actor: { kind: 'api', id: 't' }, occurredAt: new Date(T0).toISOString() }, T0);
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
    postMove(db, { id: 'm2', sku: 'A', qty: 1, from: 'stock', to: 'customer', reason: 'shipment', actor: { kind: 'api', id: 't' }, occurredAt: new Date(T0).toISOString() }, T0);
    expect(stamp()).toBe(before); // postings do not touch the catalog
    expect(checkLedger(db).ok).toBe(true);
    db.close();
  });
});
