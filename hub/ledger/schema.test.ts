import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../db/database.js';
import { ledgerMigrations } from './index.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('ledger schema', () => {
  it('migrates an empty database, then does nothing on the next start', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-schema-'));
    dirs.push(dir);
    const path = join(dir, 'hub.db');
    let db = openDatabase(path);
    expect(migrate(db, [ledgerMigrations])).toEqual([`ledger#1 ${ledgerMigrations.migrations[0]!.name}`]);
    db.close();
    db = openDatabase(path);
    expect(migrate(db, [ledgerMigrations])).toEqual([]);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
    expect(tables).toEqual(expect.arrayContaining(['audit_log', 'balances', 'cost_layers', 'item_gtins', 'items', 'locations', 'moves', 'reservations', 'serials', 'valuations']));
    expect(db.prepare('SELECT COUNT(*) AS n FROM locations WHERE virtual = 1').get()).toEqual({ n: 5 });
    db.close();
  });
});
