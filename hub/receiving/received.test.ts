// hub/receiving — a PO line's received units, read incrementally, against the plain sum of the PO's receipt moves.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postMove, VIRTUAL } from '../ledger/index.js';
import { makeFixture, T0, type Fixture } from '../ledger/test-fixture.js';
import { receivedQty } from './received.js';

/** The sum receivedQty stands for, read whole every time. */
function plainSum(f: Fixture, po: string, sku: string): number {
  return f.db
    .prepare(
      `SELECT COALESCE(SUM(CASE WHEN from_location = 'supplier' THEN qty WHEN to_location = 'supplier' THEN -qty ELSE 0 END), 0)
         FROM moves WHERE reference = ? AND sku = ? AND reason = 'receipt'`,
    )
    .pluck()
    .get(po, sku) as number;
}

describe('units received against a PO line', () => {
  let f: Fixture;
  const receive = (po: string, sku: string, qty: number) =>
    postMove(f.db, f.mv({ sku, qty, from: VIRTUAL.supplier, to: 'receiving', reason: 'receipt', reference: po }), T0);
  const sendBack = (po: string, sku: string, qty: number) =>
    postMove(f.db, f.mv({ sku, qty, from: 'receiving', to: VIRTUAL.supplier, reason: 'receipt', reference: po }), T0);

  beforeEach(() => (f = makeFixture()));
  afterEach(() => f.close());

  it('counts receipts from the supplier less those sent back, of that PO and SKU only', () => {
    expect(receivedQty(f.db, 'PO-1', 'A')).toBe(0);
    receive('PO-1', 'A', 5);
    expect(receivedQty(f.db, 'PO-1', 'A')).toBe(5);
    receive('PO-1', 'M', 7); // another SKU of the PO
    receive('PO-2', 'A', 11); // another PO
    postMove(f.db, f.mv({ sku: 'A', qty: 2, from: 'receiving', to: 'stock', reason: 'transfer', reference: 'PO-1' }), T0); // not a receipt
    expect(receivedQty(f.db, 'PO-1', 'A')).toBe(5);
    sendBack('PO-1', 'A', 2);
    receive('PO-1', 'A', 1);
    expect(receivedQty(f.db, 'PO-1', 'A')).toBe(4);
    expect(receivedQty(f.db, 'PO-1', 'M')).toBe(7);
  });

  it('forgets what a rolled-back savepoint counted, even when another move takes its seq', () => {
    receive('PO-1', 'A', 3);
    expect(receivedQty(f.db, 'PO-1', 'A')).toBe(3);
    f.db.transaction(() => {
      const rolledBack = f.db.transaction(() => {
        receive('PO-1', 'A', 10);
        expect(receivedQty(f.db, 'PO-1', 'A')).toBe(13); // counted, up to the move about to be rolled back
        throw new Error('roll back');
      });
      expect(() => rolledBack()).toThrow('roll back');
      // AUTOINCREMENT's counter rolled back too: this move takes the seq the rolled-back one had.
      const again = receive('PO-1', 'M', 1);
      expect(again.move.seq).toBe(2);
      expect(receivedQty(f.db, 'PO-1', 'A')).toBe(3);
      receive('PO-1', 'A', 4);
      expect(receivedQty(f.db, 'PO-1', 'A')).toBe(7);
    })();
    expect(receivedQty(f.db, 'PO-1', 'A')).toBe(7);
  });

  it('answers right for more PO lines than it remembers, the forgotten ones read whole again', () => {
    const pos = Array.from({ length: 1100 }, (_, i) => `PO-${i}`);
    f.db.transaction(() => pos.forEach((po, i) => receive(po, 'A', 1 + (i % 7))))();
    for (const po of pos) receivedQty(f.db, po, 'A');
    receive('PO-0', 'A', 10); // PO-0 was asked first: forgotten by now
    receive('PO-1099', 'A', 10); // asked last: remembered, read from its last move on
    expect(pos.map((po) => receivedQty(f.db, po, 'A'))).toEqual(pos.map((po) => plainSum(f, po, 'A')));
    expect([receivedQty(f.db, 'PO-0', 'A'), receivedQty(f.db, 'PO-1099', 'A')]).toEqual([11, 1 + (1099 % 7) + 10]);
  });

  it('agrees with the plain sum through a random run of receipts, returns and rollbacks', () => {
    let x = 12345;
    const rand = (n: number) => ((x = (x * 1103515245 + 12345) % 2 ** 31), x % n);
    const lines: Array<[string, string]> = [
      ['PO-1', 'A'],
      ['PO-1', 'M'],
      ['PO-2', 'A'],
    ];
    for (let step = 0; step < 400; step++) {
      const [po, sku] = lines[rand(lines.length)]!;
      const op = rand(10);
      if (op < 6) receive(po, sku, 1 + rand(5));
      else if (op < 8 && plainSum(f, po, sku) > 0) sendBack(po, sku, 1);
      else if (op === 8) {
        const batch = f.db.transaction(() => {
          receive(po, sku, 1 + rand(5));
          receivedQty(f.db, po, sku);
          throw new Error('roll back');
        });
        expect(() => batch()).toThrow('roll back');
      }
      for (const [p, s] of lines) expect(receivedQty(f.db, p, s), `step ${step}: ${p} ${s}`).toBe(plainSum(f, p, s));
    }
  });
});
