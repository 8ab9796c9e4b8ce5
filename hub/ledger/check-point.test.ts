import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkFull, checkIncremental, hasMovesAfter, movesAfter, nextPoint, readVerifiedPoint } from './check-point.js';
import { moveSerial, postMove } from './index.js';
import { makeFixture, T0, type Fixture } from './test-fixture.js';

let f: Fixture;
beforeEach(() => {
  f = makeFixture();
  postMove(f.db, f.mv({ sku: 'A', qty: 5, from: 'supplier', to: 'stock', reason: 'receipt', unitCost: 100 }), T0);
  postMove(f.db, f.mv({ sku: 'M', qty: 4, from: 'supplier', to: 'stock', reason: 'receipt', unitCost: 50 }), T0);
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

describe('the verified point', () => {
  it('starts at 0; an incremental check verifies the moves after it and moves it on; nothing new leaves it', () => {
    expect(readVerifiedPoint(f.db)).toEqual({ seq: 0, atMs: 0, fault: null, faultScope: null, faultAtMs: null });
    expect(movesAfter(f.db, 0)).toBe(3);
    expect([hasMovesAfter(f.db, 0), hasMovesAfter(f.db, 2), hasMovesAfter(f.db, 3)]).toEqual([true, true, false]);
    const first = checkIncremental(f.db, T0 + 1);
    expect(first).toMatchObject({ mode: 'incremental', fromSeq: 0, toSeq: 3, report: { ok: true, moves: 3, skus: 3 } });
    expect(readVerifiedPoint(f.db)).toMatchObject({ seq: 3, atMs: T0 + 1 });
    postMove(f.db, f.mv({ sku: 'A', qty: 2, from: 'stock', to: 'customer', reason: 'shipment' }), T0);
    const second = checkIncremental(f.db, T0 + 2);
    // Only A was touched: its new move is replayed from A's state the first check verified; M and S are not read.
    expect(second).toMatchObject({ fromSeq: 3, toSeq: 4, report: { ok: true, moves: 1, skus: 1 } });
    expect(checkIncremental(f.db, T0 + 3)).toMatchObject({ fromSeq: 4, toSeq: 4, report: { moves: 0 }, point: { seq: 4, atMs: T0 + 2 } });
  });

  it('takes at most `moves` moves per call, in seq order, and refuses a limit below 1', () => {
    postMove(f.db, f.mv({ sku: 'A', qty: 1, from: 'stock', to: 'customer', reason: 'shipment' }), T0);
    expect(checkIncremental(f.db, T0, { moves: 2 })).toMatchObject({ fromSeq: 0, toSeq: 2, report: { skus: 2 } });
    expect(checkIncremental(f.db, T0, { moves: 2 })).toMatchObject({ fromSeq: 2, toSeq: 4, report: { skus: 2 } });
    expect(movesAfter(f.db, readVerifiedPoint(f.db).seq)).toBe(0);
    expect(() => checkIncremental(f.db, T0, { moves: 0 })).toThrow('checkIncremental: limits must be at least 1, got {"moves":0}');
  });

  it('stops before a SKU whose history would take the replay past `replay`, but always takes one SKU', () => {
    postMove(f.db, f.mv({ sku: 'A', qty: 1, from: 'stock', to: 'customer', reason: 'shipment' }), T0); // A: 2 moves
    // seq 1 is A (2 moves to replay): over a budget of 1, taken alone; its later move (seq 4) is verified with it.
    expect(checkIncremental(f.db, T0, { replay: 1 })).toMatchObject({ fromSeq: 0, toSeq: 1, report: { skus: 1, moves: 2 } });
    // M's one move fills the budget: the check stops before S.
    expect(checkIncremental(f.db, T0, { replay: 1 })).toMatchObject({ fromSeq: 1, toSeq: 2, report: { skus: 1, moves: 1 } });
    // S, then A's seq 4 with nothing to replay: A resumes from the state the first check verified through seq 4.
    expect(checkIncremental(f.db, T0, { replay: 1 })).toMatchObject({ fromSeq: 2, toSeq: 4, report: { ok: true, skus: 2, moves: 1 } });
  });

  it('finds a corruption in a SKU touched after the point; one in an untouched SKU before it only with --full, which resets the point', () => {
    checkIncremental(f.db, T0 + 1); // point at 3
    postMove(f.db, f.mv({ sku: 'A', qty: 2, from: 'stock', to: 'customer', reason: 'shipment' }), T0);
    // Before the point, in M (no move after the point): outside the incremental check's scope.
    f.db.prepare("UPDATE balances SET qty = qty + 1 WHERE sku = 'M' AND location = 'stock'").run();
    // In A, touched after the point.
    f.db.prepare("UPDATE valuations SET value = value + 1 WHERE sku = 'A'").run();

    const inc = checkIncremental(f.db, T0 + 2);
    expect(inc.report.ok).toBe(false);
    expect(new Set(inc.report.differences.map((d) => d.sku))).toEqual(new Set(['A']));
    expect(inc.point).toMatchObject({ seq: 3, atMs: T0 + 1, faultScope: 'incremental', faultAtMs: T0 + 2 });
    expect(inc.point.fault).toMatch(/^valuation of A is 3 units \/ 301, the moves give 3 \/ 300 \(and \d+ more differences?\)$/);
    expect(readVerifiedPoint(f.db)).toEqual(inc.point); // the point stays: the next check retries the same moves

    f.db.prepare("UPDATE valuations SET value = value - 1 WHERE sku = 'A'").run(); // repaired
    const retried = checkIncremental(f.db, T0 + 3);
    expect(retried).toMatchObject({ fromSeq: 3, toSeq: 4, report: { ok: true }, point: { seq: 4, fault: null } });

    const full = checkFull(f.db, T0 + 4);
    expect(full.report.differences.map((d) => [d.check, d.sku])).toEqual([
      ['balance', 'M'],
      ['zero_sum', 'M'],
    ]);
    expect(full.point).toMatchObject({ seq: 4, faultScope: 'full', fault: expect.stringMatching(/^balance of M at stock is 5, the moves give 4/) });
    // A passing incremental check does not clear what only the full check sees.
    postMove(f.db, f.mv({ sku: 'A', qty: 1, from: 'stock', to: 'customer', reason: 'shipment' }), T0);
    expect(checkIncremental(f.db, T0 + 5).point).toMatchObject({ seq: 5, faultScope: 'full' });
    f.db.prepare("UPDATE balances SET qty = qty - 1 WHERE sku = 'M' AND location = 'stock'").run();
    expect(checkFull(f.db, T0 + 6).point).toEqual({ seq: 5, atMs: T0 + 6, fault: null, faultScope: null, faultAtMs: null });
  });
});

describe('nextPoint', () => {
  const prev = { seq: 10, atMs: 1, fault: null, faultScope: null, faultAtMs: null };
  const bad = { ok: false, moves: 1, skus: 1, differences: [{ check: 'balance' as const, expected: 1, actual: 2, message: 'x' }] };
  it('keeps the point on a failure and records the fault; a pass moves it and clears a fault of its scope', () => {
    const failed = nextPoint(prev, 'incremental', 20, bad, 5);
    expect(failed).toEqual({ seq: 10, atMs: 1, fault: 'x', faultScope: 'incremental', faultAtMs: 5 });
    expect(nextPoint(failed, 'incremental', 20, { ok: true, moves: 1, skus: 1, differences: [] }, 6)).toEqual({
      seq: 20,
      atMs: 6,
      fault: null,
      faultScope: null,
      faultAtMs: null,
    });
  });
});
