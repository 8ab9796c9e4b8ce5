import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database.js';
import { LedgerError, checkLedger, getItem, getItemByGtin, getLocation, getStock, postMove, updateItem, updateLocation } from './index.js';
import { makeFixture, T0, type Fixture } from './test-fixture.js';

let f: Fixture;
beforeEach(() => { f = makeFixture(); });
afterEach(() => f.close());

const receipt = (over: { sku?: string; qty?: number; to?: string } = {}) => f.mv({ sku: 'A', qty: 1, from: 'supplier', to: 'stock', reason: 'receipt', ...over });
const valued = (sku: string) => (f.db.prepare('SELECT value FROM valuations WHERE sku = ?').get(sku) as { value: number }).value;

describe('the in-memory catalog', () => {
  it('sees a write made with raw SQL behind its back', () => {
    postMove(f.db, receipt(), T0); // the catalog is now in memory
    f.db.prepare("UPDATE items SET standard_cost = 250 WHERE sku = 'A'").run();
    postMove(f.db, receipt(), T0);
    expect(valued('A')).toBe(100 + 250);
    f.db.prepare("UPDATE locations SET allow_negative = 1 WHERE id = 'stock'").run();
    postMove(f.db, f.mv({ sku: 'A', qty: 5, from: 'stock', to: 'customer', reason: 'shipment' }), T0);
    expect(getStock(f.db, { sku: 'A', location: 'stock' })[0]!.onHand).toBe(-3);
    f.db.prepare("INSERT INTO item_gtins (gtin, sku, position) VALUES ('00012345600012', 'M', 0)").run();
    expect(getItemByGtin(f.db, '12345600012')?.sku).toBe('M');
    expect(checkLedger(f.db).ok).toBe(true);
  });

  it('never keeps what a rolled-back transaction wrote, even if it was read meanwhile', () => {
    postMove(f.db, receipt(), T0);
    expect(() => f.db.transaction(() => {
      updateItem(f.db, 'A', { standardCost: 999 }, T0);
      updateLocation(f.db, 'stock', { allowNegative: true }, T0);
      expect(getItem(f.db, 'A')!.standardCost).toBe(999); // read inside: the memory now holds 999
      expect(getLocation(f.db, 'stock')!.allowNegative).toBe(true);
      throw new Error('changed my mind');
    })()).toThrow('changed my mind');
    expect(getItem(f.db, 'A')!.standardCost).toBe(100);
    postMove(f.db, receipt(), T0);
    expect(valued('A')).toBe(200);
    const err = (() => { try { postMove(f.db, f.mv({ sku: 'A', qty: 3, from: 'stock', to: 'customer', reason: 'shipment' }), T0); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(LedgerError);
    expect((err as LedgerError).code).toBe('negative_on_hand');
  });

  it('never takes a stamp a rolled-back transaction used for the stamp of later writes', () => {
    const stamp = () => (f.db.prepare('SELECT v FROM catalog_version').get() as { v: number }).v;
    const writes = (cost: number) => {
      f.db.prepare('UPDATE items SET standard_cost = ? WHERE sku = ?').run(cost, 'A');
      f.db.prepare("UPDATE locations SET name = 'x' WHERE id = 'stock'").run();
    };
    const start = stamp();
    f.db.exec('BEGIN');
    writes(999);
    expect(getItem(f.db, 'A')!.standardCost).toBe(999); // in memory, under the stamp of the rolled-back writes
    const rolledBack = stamp();
    f.db.exec('ROLLBACK');
    expect(stamp()).toBe(start);
    writes(150); // as many writes again, nothing read in between: a stamp that counted writes would repeat
    expect(stamp()).not.toBe(rolledBack);
    expect(getItem(f.db, 'A')!.standardCost).toBe(150);
  });

  it('sees what another connection committed', () => {
    postMove(f.db, receipt(), T0);
    const other = openDatabase(`${f.dir}/hub.db`);
    try {
      other.prepare("UPDATE items SET standard_cost = 40 WHERE sku = 'A'").run();
      other.prepare("INSERT INTO locations (id, name, kind, virtual, parent, allow_negative, sellable, created_at, updated_at) VALUES ('stock-c', 'C', 'stock', 0, NULL, 0, 1, 'x', 'x')").run();
    } finally {
      other.close();
    }
    postMove(f.db, receipt({ to: 'stock-c' }), T0);
    expect(valued('A')).toBe(140);
    expect(getStock(f.db, { sku: 'A', location: 'stock-c' })[0]!.onHand).toBe(1);
  });

  it('hands out copies: changing what a getter returned changes nothing it hands out next', () => {
    const item = getItem(f.db, 'S')!;
    item.standardCost = 1;
    item.gtins.push('00000000000000');
    const loc = getLocation(f.db, 'stock')!;
    loc.allowNegative = true;
    expect(getItem(f.db, 'S')).toMatchObject({ standardCost: 1000, gtins: ['09506000134352'] });
    expect(getItemByGtin(f.db, '9506000134352')).toMatchObject({ standardCost: 1000, gtins: ['09506000134352'] });
    expect(getLocation(f.db, 'stock')!.allowNegative).toBe(false);
  });

  it('remembers an unknown SKU or GTIN only until the catalog changes', () => {
    expect(() => postMove(f.db, receipt({ sku: 'NEW' }), T0)).toThrow(/unknown item "NEW"/);
    expect(getItemByGtin(f.db, '4000000000006')).toBeUndefined();
    f.db.prepare("INSERT INTO items (sku, name, uom, tracking, cost_method, standard_cost, created_at, updated_at) VALUES ('NEW', 'x', 'ea', 'quantity', 'fifo', 7, 'x', 'x')").run();
    f.db.prepare("INSERT INTO valuations (sku, qty, value) VALUES ('NEW', 0, 0)").run();
    f.db.prepare("INSERT INTO item_gtins (gtin, sku, position) VALUES ('04000000000006', 'NEW', 0)").run();
    expect(postMove(f.db, receipt({ sku: 'NEW' }), T0).status).toBe('created');
    expect(getItemByGtin(f.db, '4000000000006')?.sku).toBe('NEW');
  });
});
