import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createItem, getItem, getItemByGtin, importItemsCsv, listItems, postMove, updateItem } from './index.js';
import { makeFixture, T0, type Fixture } from './test-fixture.js';

let f: Fixture;
beforeEach(() => { f = makeFixture(); });
afterEach(() => f.close());

describe('catalog', () => {
  it('creates an item with defaults, GTINs normalised to GTIN-14, found by any GTIN form', () => {
    const item = createItem(f.db, { sku: 'B-1', name: 'Bolt', tracking: 'quantity', gtins: ['96385074', '012345678905'] }, T0);
    expect(item).toMatchObject({ sku: 'B-1', uom: 'ea', costMethod: 'fifo', standardCost: 0, reorderPoint: null, abcClass: null, gtins: ['00000096385074', '00012345678905'] });
    expect(getItemByGtin(f.db, '012345678905')?.sku).toBe('B-1');
    expect(getItemByGtin(f.db, '00000096385074')?.sku).toBe('B-1');
    expect(getItemByGtin(f.db, '4006381333931')?.sku).toBe('A');
    expect(getItemByGtin(f.db, '12345')).toBeUndefined();
  });

  it('refuses bad items naming the field', () => {
    expect(() => createItem(f.db, { sku: 'X', name: 'x', tracking: 'quantity', gtins: ['4006381333932'] }, T0)).toThrow('gtins[0] 4006381333932 has a wrong check digit (expected 1)');
    expect(() => createItem(f.db, { sku: 'X', name: 'x', tracking: 'quantity', gtins: ['4006381333931'] }, T0)).toThrow('GTIN 04006381333931 already belongs to item A');
    expect(() => createItem(f.db, { sku: 'X', name: 'x', tracking: 'lot' as never }, T0)).toThrow('tracking must be one of serial, quantity, got "lot"');
    expect(() => createItem(f.db, { sku: 'X', name: 'x', tracking: 'quantity', standardCost: 1.5 }, T0)).toThrow('standardCost must be a non-negative integer');
    expect(() => createItem(f.db, { sku: 'A', name: 'x', tracking: 'quantity' }, T0)).toThrow('item A already exists');
    expect(getItem(f.db, 'X')).toBeUndefined();
  });

  it('updates an item; tracking and cost method are frozen once it has moves', () => {
    expect(updateItem(f.db, 'A', { name: 'Widget v2', standardCost: 120, abcClass: 'A' }, T0 + 1)).toMatchObject({ name: 'Widget v2', standardCost: 120, abcClass: 'A', gtins: ['04006381333931'] });
    expect(updateItem(f.db, 'A', { costMethod: 'moving_average' }, T0).costMethod).toBe('moving_average');
    postMove(f.db, f.mv({ sku: 'A', qty: 1, from: 'supplier', to: 'stock', reason: 'receipt' }), T0);
    expect(() => updateItem(f.db, 'A', { costMethod: 'fifo' }, T0)).toThrow('item A already has moves: its costMethod can no longer change');
    expect(() => updateItem(f.db, 'A', { tracking: 'serial' }, T0)).toThrow('its tracking can no longer change');
    expect(() => updateItem(f.db, 'NOPE', { name: 'x' }, T0)).toThrow('unknown item "NOPE"');
  });

  it('lists items a page at a time', () => {
    expect(listItems(f.db, { limit: 2 }).map((i) => i.sku)).toEqual(['A', 'M']);
    expect(listItems(f.db, { after: 'M' }).map((i) => i.sku)).toEqual(['S']);
  });
});

describe('CSV import', () => {
  it('imports good rows (quoted fields, several GTINs) and replaces existing SKUs', () => {
    const csv = [
      'SKU,name,gtins,uom,tracking,cost_method,standard_cost,reorder_point,abc_class',
      'C-1,"Cable, 2 m",96385074;012345678905,ea,quantity,moving_average,250,10,b',
      'A,"Widget ""pro""",4006381333931,box,quantity,fifo,130,,',
      '',
    ].join('\r\n');
    expect(importItemsCsv(f.db, csv, T0)).toEqual({ ok: true, created: ['C-1'], updated: ['A'] });
    expect(getItem(f.db, 'C-1')).toMatchObject({ name: 'Cable, 2 m', gtins: ['00000096385074', '00012345678905'], costMethod: 'moving_average', standardCost: 250, reorderPoint: 10, abcClass: 'B' });
    expect(getItem(f.db, 'A')).toMatchObject({ name: 'Widget "pro"', uom: 'box', standardCost: 130 });
  });

  it('validates every row, imports none if any is bad, and names each bad row and column', () => {
    const before = f.snapshot();
    const csv = [
      'sku,name,gtins,tracking,standard_cost',
      'OK-1,Fine,,quantity,5',
      'BAD-1,,96385075,lot,-1',
      'OK-2,Also fine,4006381333931,quantity,1',
      'OK-1,Twice,,serial,0',
      'BAD-2,Short',
    ].join('\n');
    const r = importItemsCsv(f.db, csv, T0);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => [e.row, e.column])).toEqual([
      [3, 'name'], [3, 'gtins'], [3, 'tracking'], [3, 'standard_cost'],
      [4, 'gtins'],
      [5, 'sku'],
      [6, ''],
    ]);
    expect(r.errors[4]!.message).toBe('GTIN 04006381333931 already belongs to item A');
    expect(r.errors[5]!.message).toBe('SKU OK-1 already appears in row 2');
    expect(r.errors[6]!.message).toBe('has 2 cells, the header has 5');
    expect(f.snapshot()).toBe(before);
  });

  it('reports unknown and missing columns from the header', () => {
    const r = importItemsCsv(f.db, 'sku,colour\nX,red\n', T0);
    expect(r).toEqual({ ok: false, errors: [
      { row: 1, column: 'colour', message: 'unknown column "colour": columns are sku, name, gtins, uom, tracking, cost_method, standard_cost, reorder_point, abc_class' },
      { row: 1, column: 'name', message: 'required column name is missing' },
      { row: 1, column: 'tracking', message: 'required column tracking is missing' },
    ] });
    expect(importItemsCsv(f.db, '', T0)).toMatchObject({ ok: false, errors: [{ row: 1, message: 'the file is empty: expected a header row' }] });
    expect(importItemsCsv(f.db, 'sku,name,tracking\n"X,y,quantity\n', T0)).toMatchObject({ ok: false, errors: [{ row: 2, message: 'row 2: a quoted field is never closed' }] });
  });

  it('lets a GTIN move from one SKU to another within one file', () => {
    const csv = 'sku,name,gtins,tracking\nA,Widget,,quantity\nN,New,4006381333931,quantity\n';
    expect(importItemsCsv(f.db, csv, T0)).toEqual({ ok: true, created: ['N'], updated: ['A'] });
    expect(getItemByGtin(f.db, '4006381333931')?.sku).toBe('N');
  });

  it('refuses a row that would change the tracking of a SKU with moves', () => {
    postMove(f.db, f.mv({ sku: 'A', qty: 1, from: 'supplier', to: 'stock', reason: 'receipt' }), T0);
    const r = importItemsCsv(f.db, 'sku,name,tracking,cost_method\nA,Widget,quantity,moving_average\n', T0);
    expect(r).toMatchObject({ ok: false, errors: [{ row: 2, column: 'cost_method' }] });
  });
});
