// hub/ledger — test fixture (used by the *.test.ts files only): a real SQLite file in a temp dir with a small site.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openDatabase, type Db } from '../db/database.js';
import { createItem } from './catalog.js';
import { createLocation } from './locations.js';
import { ledgerMigrations } from './schema.js';
import type { MoveInput } from './types.js';

export const T0 = Date.UTC(2025, 2, 1, 8, 0, 0);

export interface Fixture {
  db: Db;
  dir: string;
  close(): void;
  /** A move with defaults (fresh id, api actor, occurredAt T0) overridden by `over`. */
  mv(over: Partial<MoveInput> & Pick<MoveInput, 'sku' | 'from' | 'to'>): MoveInput;
  /** Every ledger table, for "changes nothing" assertions. */
  snapshot(): string;
}

/**
 * Locations: dock-1 (door), receiving, stock (sellable), stock-b (zone, sellable), returns, quarantine,
 * floor (stock, allows negative, sellable). Items: A (quantity, fifo, std 100), M (quantity, moving average, std 50),
 * S (serial, fifo, std 1000, GTIN 09506000134352).
 */
export function makeFixture(): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-'));
  const db = openDatabase(join(dir, 'hub.db'));
  db.pragma('synchronous = NORMAL'); // a real file; power-loss durability is not what these tests are about
  migrate(db, [ledgerMigrations]);
  createLocation(db, { id: 'site', name: 'Site', kind: 'zone', sellable: false }, T0);
  for (const [id, kind] of [['dock-1', 'door'], ['receiving', 'receiving'], ['stock', 'stock'], ['stock-b', 'zone'], ['returns', 'returns'], ['quarantine', 'quarantine']] as const) {
    createLocation(db, { id, name: id, kind, parent: 'site' }, T0);
  }
  createLocation(db, { id: 'floor', name: 'floor', kind: 'stock', parent: 'site', allowNegative: true }, T0);
  createItem(db, { sku: 'A', name: 'Widget', tracking: 'quantity', costMethod: 'fifo', standardCost: 100, gtins: ['4006381333931'] }, T0);
  createItem(db, { sku: 'M', name: 'Gadget', tracking: 'quantity', costMethod: 'moving_average', standardCost: 50 }, T0);
  createItem(db, { sku: 'S', name: 'Pallet unit', tracking: 'serial', costMethod: 'fifo', standardCost: 1000, gtins: ['09506000134352'] }, T0);
  let n = 0;
  return {
    db,
    dir,
    close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
    mv(over) {
      n++;
      return { id: `m-${n}`, qty: 1, reason: 'transfer', actor: { kind: 'api', id: 'tester' }, occurredAt: new Date(T0 + n * 1000).toISOString(), ...over };
    },
    snapshot() {
      const tables = ['locations', 'items', 'item_gtins', 'moves', 'balances', 'valuations', 'cost_layers', 'serials', 'reservations', 'audit_log'];
      return JSON.stringify(tables.map((t) => db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).all()));
    },
  };
}
