import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LedgerError, checkLedger, getSerial, getStock, moveSerial, postMove, readUnit, serialHistory, type MoveSerialInput } from './index.js';
import { makeFixture, T0, type Fixture } from './test-fixture.js';

let f: Fixture;
beforeEach(() => { f = makeFixture(); });
afterEach(() => f.close());

const EPC = '3034257BF400B7800004CB2F';
let n = 0;
const pass = (over: Partial<MoveSerialInput> & Pick<MoveSerialInput, 'to'>): MoveSerialInput => ({
  id: `pass-${++n}`, epc: EPC, reason: 'transfer', actor: { kind: 'gateway', id: 'gw-1' }, occurredAt: new Date(T0 + n).toISOString(), ...over,
});
const onHand = (loc: string) => getStock(f.db, { sku: 'S', location: loc })[0]!.onHand;

describe('serial units', () => {
  it('in, out, in again moves the unit exactly as often as it moved; repeated reads move nothing', () => {
    expect(moveSerial(f.db, pass({ sku: 'S', from: 'supplier', to: 'receiving', reason: 'receipt' }), T0).status).toBe('created');
    expect(moveSerial(f.db, pass({ to: 'receiving' }), T0)).toMatchObject({ status: 'already_there', serial: { location: 'receiving', state: 'in_stock' } });
    expect(moveSerial(f.db, pass({ to: 'dock-1' }), T0).status).toBe('created');
    expect(moveSerial(f.db, pass({ to: 'receiving' }), T0).status).toBe('created');
    expect(moveSerial(f.db, pass({ to: 'receiving' }), T0).status).toBe('already_there');
    expect(serialHistory(f.db, EPC).map((m) => `${m.from}>${m.to}`)).toEqual(['supplier>receiving', 'receiving>dock-1', 'dock-1>receiving']);
    expect(onHand('receiving')).toBe(1);
    expect(onHand('dock-1')).toBe(0);
    expect(getSerial(f.db, EPC)).toMatchObject({ epc: EPC.toLowerCase(), sku: 'S', location: 'receiving', state: 'in_stock' });
    expect(checkLedger(f.db).ok).toBe(true);
  });

  it('takes the unit as the caller read it (readUnit), and reads it itself when the read is of another EPC', () => {
    const unread = readUnit(f.db, EPC);
    expect(unread.serial).toBeUndefined();
    expect(moveSerial(f.db, pass({ sku: 'S', from: 'supplier', to: 'receiving', reason: 'receipt' }), T0, { unit: unread }).status).toBe('created');
    const unit = readUnit(f.db, EPC);
    expect(unit.serial).toMatchObject({ epc: EPC.toLowerCase(), location: 'receiving' });
    expect(moveSerial(f.db, pass({ to: 'receiving' }), T0, { unit }).status).toBe('already_there');
    expect(moveSerial(f.db, pass({ to: 'stock' }), T0, { unit }).status).toBe('created');
    // A read of another unit is not taken for this one: the unit is at stock, not unknown.
    expect(moveSerial(f.db, pass({ to: 'stock' }), T0, { unit: readUnit(f.db, '3034257BF400B7800004CB30') }).status).toBe('already_there');
    expect(checkLedger(f.db).ok).toBe(true);
  });

  it('the same pass id again answers exists, even though the unit is already there', () => {
    const first = pass({ sku: 'S', from: 'supplier', to: 'receiving', reason: 'receipt' });
    moveSerial(f.db, first, T0);
    expect(moveSerial(f.db, first, T0).status).toBe('exists');
  });

  it('a pass posted before answers exists (or conflict) however the unit moved since, with from and sku given or not', () => {
    const first = pass({ sku: 'S', from: 'supplier', to: 'receiving', reason: 'receipt' });
    moveSerial(f.db, first, T0, { callerRollsBack: true });
    moveSerial(f.db, pass({ to: 'stock' }), T0);
    expect(moveSerial(f.db, first, T0).status).toBe('exists'); // unit elsewhere: the insert finds the id taken
    expect(moveSerial(f.db, { ...first, from: undefined, sku: undefined }, T0).status).toBe('exists');
    moveSerial(f.db, pass({ to: 'receiving' }), T0);
    expect(moveSerial(f.db, first, T0).status).toBe('exists'); // back at `to` by another move: still this move
    expect(() => moveSerial(f.db, { ...first, reason: 'transfer' }, T0)).toThrow(/already posted with different reason/);
    const { status } = f.db.transaction(() => moveSerial(f.db, first, T0, { callerRollsBack: true }))();
    expect(status).toBe('exists');
    expect(serialHistory(f.db, EPC)).toHaveLength(3);
    expect(checkLedger(f.db).ok).toBe(true);
  });

  it('refuses a serial move whose from is not where the unit is, and changes nothing', () => {
    moveSerial(f.db, pass({ sku: 'S', from: 'supplier', to: 'stock', reason: 'receipt' }), T0);
    const before = f.snapshot();
    try {
      postMove(f.db, { ...pass({ to: 'customer', reason: 'shipment' }), sku: 'S', qty: 1, from: 'receiving' }, T0);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(LedgerError);
      expect((e as LedgerError).code).toBe('serial_location');
      expect((e as LedgerError).message).toBe(`EPC ${EPC.toLowerCase()} is at stock (in_stock), not at receiving: a unit moves only from where it is`);
    }
    expect(() => moveSerial(f.db, pass({ from: 'dock-1', to: 'customer' }), T0)).toThrow(/is at stock/);
    expect(f.snapshot()).toBe(before);
  });

  it('refuses an unknown unit coming from a real location, a wrong SKU, qty other than 1, and a missing EPC', () => {
    expect(() => moveSerial(f.db, pass({ sku: 'S', from: 'stock', to: 'customer' }), T0)).toThrow(/not known to the ledger, so it cannot be at stock/);
    expect(() => moveSerial(f.db, pass({ to: 'stock' }), T0)).toThrow(/say where it comes from/);
    moveSerial(f.db, pass({ sku: 'S', from: 'supplier', to: 'stock', reason: 'receipt' }), T0);
    expect(() => postMove(f.db, { ...pass({ to: 'customer' }), sku: 'A', qty: 1, from: 'stock' }, T0)).toThrow(/tracked by quantity: a move of it carries no epc/);
    const s = { id: 'x-1', sku: 'S', from: 'stock', to: 'customer', reason: 'shipment' as const, actor: { kind: 'api' as const, id: 'u' }, occurredAt: new Date(T0).toISOString() };
    expect(() => postMove(f.db, { ...s, qty: 1 }, T0)).toThrow(/needs the unit's epc/);
    expect(() => postMove(f.db, { ...s, qty: 2, epc: EPC }, T0)).toThrow(/one unit \(qty 1\)/);
    f.db.prepare("INSERT INTO items (sku, name, uom, tracking, cost_method, standard_cost, created_at, updated_at) VALUES ('S2', 'x', 'ea', 'serial', 'fifo', 0, '', '')").run();
    expect(() => postMove(f.db, { ...s, sku: 'S2', qty: 1, epc: EPC }, T0)).toThrow(/is a unit of S, not S2/);
  });

  it('tracks the state a unit is in by where it went', () => {
    moveSerial(f.db, pass({ sku: 'S', from: 'supplier', to: 'stock', reason: 'receipt' }), T0);
    const states = (['quarantine', 'stock', 'customer', 'returns', 'scrap'] as const).map((to) => {
      moveSerial(f.db, pass({ to }), T0);
      return getSerial(f.db, EPC)!.state;
    });
    expect(states).toEqual(['quarantined', 'in_stock', 'shipped', 'returned', 'scrapped']);
    expect(checkLedger(f.db).ok).toBe(true);
  });
});
