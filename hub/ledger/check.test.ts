import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkLedgerSliced } from './check.js';
import { checkLedger, createItem, moveSerial, postMove, postReservation, reserve } from './index.js';
import { makeFixture, T0, type Fixture } from './test-fixture.js';

let f: Fixture;
beforeEach(() => {
  f = makeFixture();
  postMove(f.db, f.mv({ sku: 'A', qty: 5, from: 'supplier', to: 'stock', reason: 'receipt', unitCost: 100 }), T0);
  postMove(f.db, f.mv({ sku: 'A', qty: 2, from: 'stock', to: 'customer', reason: 'shipment' }), T0);
  moveSerial(
    f.db,
    {
      id: 'p-1',
      epc: 'aabbccdd00112233',
      sku: 'S',
      from: 'supplier',
      to: 'stock',
      reason: 'receipt',
      actor: { kind: 'gateway', id: 'gw' },
      occurredAt: '2025-03-01T08:00:00Z',
    },
    T0,
  );
});
afterEach(() => f.close());

describe('checkLedger', () => {
  it('agrees with a ledger built by postMove', () => {
    expect(checkLedger(f.db)).toEqual({ ok: true, moves: 3, skus: 3, differences: [] });
  });

  it('finds a balance that drifted from the moves (and the broken zero-sum)', () => {
    f.db.prepare("UPDATE balances SET qty = qty + 1 WHERE sku = 'A' AND location = 'stock'").run();
    const r = checkLedger(f.db);
    expect(r.ok).toBe(false);
    expect(r.differences.map((d) => d.check).sort()).toEqual(['balance', 'zero_sum']);
    expect(r.differences.find((d) => d.check === 'balance')!.message).toBe('balance of A at stock is 4, the moves give 3');
  });

  it('finds valuation and layers that drifted', () => {
    f.db.prepare("UPDATE cost_layers SET remaining_value = remaining_value - 7 WHERE sku = 'A'").run();
    f.db.prepare("UPDATE valuations SET value = value + 1 WHERE sku = 'A'").run();
    const checks = checkLedger(f.db)
      .differences.map((d) => d.check)
      .sort();
    expect(checks).toEqual(['layers', 'layers', 'valuation']);
  });

  it('finds a unit recorded in the wrong place', () => {
    f.db.prepare("UPDATE serials SET location = 'dock-1'").run();
    const [d] = checkLedger(f.db).differences;
    expect(d).toMatchObject({
      check: 'serial',
      epc: 'aabbccdd00112233',
      message: 'EPC aabbccdd00112233 is recorded at dock-1 (in_stock); its moves put it at stock (in_stock)',
    });
  });

  it("finds a unit's history chain that does not match its moves", () => {
    moveSerial(
      f.db,
      { id: 'p-2', epc: 'aabbccdd00112233', to: 'customer', reason: 'shipment', actor: { kind: 'gateway', id: 'gw' }, occurredAt: '2025-03-01T09:00:00Z' },
      T0,
    );
    f.db.prepare('UPDATE serials SET last_move_seq = last_move_seq - 1').run();
    f.db.exec('DROP TRIGGER moves_immutable_update');
    f.db.prepare("UPDATE moves SET prev_seq = NULL WHERE id = 'p-2'").run();
    const ds = checkLedger(f.db).differences;
    expect(ds.map((d) => d.message)).toEqual([
      "move p-2 links EPC aabbccdd00112233's history to move seq null, but the unit's previous move is 3",
      'EPC aabbccdd00112233 is recorded at customer (shipped); its moves put it at customer (shipped)',
    ]);
    expect(ds[1]).toMatchObject({ expected: { lastMoveSeq: 4 }, actual: { lastMoveSeq: 3 } });
  });

  it('finds a negative balance where policy refuses it', () => {
    f.db.prepare("UPDATE balances SET qty = -1 WHERE sku = 'A' AND location = 'stock'").run();
    f.db.prepare("UPDATE balances SET qty = qty + 4 WHERE sku = 'A' AND location = 'customer'").run();
    expect(
      checkLedger(f.db)
        .differences.map((d) => d.check)
        .sort(),
    ).toEqual(['balance', 'balance', 'negative_on_hand']);
  });

  it('finds a move whose booked value the cost rules do not give (immutability bypassed)', () => {
    f.db.exec('DROP TRIGGER moves_immutable_update');
    f.db.prepare("UPDATE moves SET value_cost = 150, value_delta = -150 WHERE id = 'm-2'").run();
    const r = checkLedger(f.db);
    expect(r.differences.map((d) => d.check)).toEqual(['move_value']);
    expect(r.differences.find((d) => d.check === 'move_value')).toMatchObject({ moveId: 'm-2', expected: { valueCost: 200, valueDelta: -200, variance: 0 } });
  });

  it('finds a posted reservation that does not match its move', () => {
    reserve(f.db, { id: 'r-1', sku: 'A', qty: 1, reference: 'SO-1', expiresAt: T0 + 1000 }, T0);
    postReservation(f.db, 'r-1', f.mv({ sku: 'A', qty: 1, from: 'stock', to: 'customer', reason: 'shipment' }), T0);
    expect(checkLedger(f.db).ok).toBe(true);
    f.db.prepare("UPDATE reservations SET move_id = 'm-1' WHERE id = 'r-1'").run();
    expect(checkLedger(f.db).differences).toMatchObject([{ check: 'reservation', message: 'posted reservation r-1 does not match its move m-1' }]);
  });

  it('finds every difference in every SKU at once, a SKU only a stray row names too, the same as checking each SKU alone', () => {
    postMove(f.db, f.mv({ sku: 'M', qty: 4, from: 'supplier', to: 'stock', reason: 'receipt', unitCost: 50 }), T0);
    reserve(f.db, { id: 'r-1', sku: 'A', qty: 1, reference: 'SO-1', expiresAt: T0 + 1000 }, T0);
    postReservation(f.db, 'r-1', f.mv({ sku: 'A', qty: 1, from: 'stock', to: 'customer', reason: 'shipment' }), T0);
    f.db.exec('DROP TRIGGER moves_immutable_update');
    f.db.prepare("UPDATE moves SET value_cost = 150, value_delta = -150 WHERE id = 'm-2'").run(); // A: a move's value
    f.db.prepare("UPDATE reservations SET move_id = 'm-1' WHERE id = 'r-1'").run(); // A: a posted hold
    f.db.prepare("UPDATE valuations SET value = value + 1 WHERE sku = 'M'").run(); // M: valuation and layers
    f.db.prepare("UPDATE serials SET location = 'dock-1'").run(); // S: a unit's place
    f.db.prepare("INSERT INTO balances (sku, location, qty) VALUES ('ZZ-STRAY', 'stock', -2)").run(); // a SKU no item, move or valuation names
    const found = (ds: readonly { check: string; sku?: string }[]) => ds.map((d) => `${d.check} ${d.sku ?? ''}`).sort();
    const full = checkLedger(f.db);
    expect(found(full.differences)).toEqual([
      'balance ZZ-STRAY',
      'layers M',
      'move_value A',
      'negative_on_hand ZZ-STRAY',
      'reservation A',
      'serial S',
      'valuation M',
      'zero_sum ZZ-STRAY',
    ]);
    expect(full.moves).toBe(5);
    const alone = ['A', 'M', 'S', 'ZZ-STRAY'].flatMap((sku) => checkLedger(f.db, { full: false, skus: [sku] }).differences);
    expect(found(alone)).toEqual(found(full.differences));
  });
});

describe('checkLedgerSliced', () => {
  const drain = (steps: Generator<number, { toSeq: number; report: ReturnType<typeof checkLedger> }>, between?: () => void) => {
    const seen: number[] = [];
    for (let r = steps.next(); ; r = steps.next()) {
      if (r.done) return { seen, ...r.value };
      seen.push(r.value);
      between?.();
    }
  };

  it('answers what checkLedger answers, a slice at a time, including moves posted between slices', () => {
    f.db.prepare("UPDATE serials SET location = 'dock-1'").run();
    let posted = false;
    const r = drain(checkLedgerSliced(f.db, 1), () => {
      if (posted) return;
      posted = true;
      postMove(f.db, f.mv({ sku: 'A', qty: 1, from: 'stock', to: 'customer', reason: 'shipment' }), T0);
    });
    expect(r.seen).toEqual([1, 2, 3, 4]); // the move posted after the first slice is read by a slice too
    expect(r.toSeq).toBe(4);
    expect(r.report).toEqual(checkLedger(f.db));
    expect(r.report.moves).toBe(4);
    expect(r.report.differences.map((d) => d.check)).toEqual(['serial']);
  });

  it('checks from scratch when the catalog changed between slices (a new item would not be in its replay)', () => {
    let changed = false;
    const r = drain(checkLedgerSliced(f.db, 1), () => {
      if (changed) return;
      changed = true;
      createItem(f.db, { sku: 'NEW', name: 'New', tracking: 'quantity', costMethod: 'fifo', standardCost: 1 }, T0);
      postMove(f.db, f.mv({ sku: 'NEW', qty: 2, from: 'supplier', to: 'stock', reason: 'receipt' }), T0);
    });
    expect(r.report).toEqual({ ok: true, moves: 4, skus: 4, differences: [] });
  });
});
