import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LedgerError, checkLedger, getStock, postMove, withBatchedInvariants, type MoveInput } from './index.js';
import { withBatchReads } from '../db/batch-reads.js';
import { makeFixture, T0, type Fixture } from './test-fixture.js';

let f: Fixture;
beforeEach(() => { f = makeFixture(); });
afterEach(() => f.close());

function expectLedgerError(fn: () => unknown, code: string, field?: string): LedgerError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(LedgerError);
    const err = e as LedgerError;
    expect(err.code).toBe(code);
    if (field !== undefined) expect(err.field).toBe(field);
    return err;
  }
  throw new Error('expected a LedgerError');
}

function onHand(sku: string, location: string): number {
  return (f.db.prepare('SELECT qty FROM balances WHERE sku = ? AND location = ?').get(sku, location) as { qty: number } | undefined)?.qty ?? 0;
}

describe('postMove', () => {
  it('posts a receipt: balances both sides, zero-sum, a FIFO layer at the given cost', () => {
    const r = postMove(f.db, f.mv({ sku: 'A', qty: 10, from: 'supplier', to: 'receiving', reason: 'receipt', reference: 'PO-1', unitCost: 120 }), T0);
    expect(r.status).toBe('created');
    expect(r.move).toMatchObject({ seq: 1, qty: 10, valueCost: 1200, valueDelta: 1200, valueVariance: 0, unitCost: 120, reference: 'PO-1' });
    expect(onHand('A', 'receiving')).toBe(10);
    expect(onHand('A', 'supplier')).toBe(-10);
    expect(getStock(f.db, { sku: 'A' })[0]).toMatchObject({ onHand: 10, sellableOnHand: 0, available: 0 });
    expect(checkLedger(f.db)).toMatchObject({ ok: true, moves: 1 });
  });

  it('answers exists for the same id posted twice and changes nothing', () => {
    const input = f.mv({ sku: 'A', qty: 3, from: 'supplier', to: 'stock', reason: 'receipt' });
    const first = postMove(f.db, input, T0);
    const before = f.snapshot();
    const again = postMove(f.db, { ...input }, T0 + 5000);
    expect(again).toEqual({ status: 'exists', move: first.move });
    expect(f.snapshot()).toBe(before);
  });

  it('refuses the same id with different content, naming every conflicting field, and changes nothing', () => {
    const input = f.mv({ sku: 'A', qty: 3, from: 'supplier', to: 'stock', reason: 'receipt', reference: 'PO-1' });
    postMove(f.db, input, T0);
    const before = f.snapshot();
    const err = expectLedgerError(() => postMove(f.db, { ...input, qty: 4, reference: 'PO-2', note: 'x' }, T0), 'conflict', 'qty');
    expect(err.details).toEqual({ fields: ['qty', 'reference', 'note'] });
    expect(err.message).toContain('qty, reference, note');
    expect(f.snapshot()).toBe(before);
  });

  it('refuses bad input with an error naming the field, and changes nothing', () => {
    postMove(f.db, f.mv({ sku: 'A', qty: 5, from: 'supplier', to: 'stock', reason: 'receipt' }), T0);
    const before = f.snapshot();
    const cases: Array<[Partial<MoveInput>, string, string]> = [
      [{ qty: -1 }, 'invalid', 'qty'],
      [{ qty: 0 }, 'invalid', 'qty'],
      [{ qty: 1.5 }, 'invalid', 'qty'],
      [{ sku: 'NOPE' }, 'not_found', 'sku'],
      [{ from: 'nowhere' }, 'not_found', 'from'],
      [{ to: 'nowhere' }, 'not_found', 'to'],
      [{ to: 'stock' }, 'invalid', 'to'],
      [{ reason: 'theft' as never }, 'invalid', 'reason'],
      [{ actor: { kind: 'robot' as never, id: 'x' } }, 'invalid', 'actor.kind'],
      [{ occurredAt: 'yesterday' }, 'invalid', 'occurredAt'],
      [{ unitCost: -3 }, 'invalid', 'unitCost'],
      [{ epc: 'abcd1234' }, 'invalid', 'epc'],
      [{ id: '' }, 'invalid', 'id'],
      [{ qty: 6 }, 'negative_on_hand', 'qty'],
    ];
    for (const [over, code, field] of cases) {
      expectLedgerError(() => postMove(f.db, { ...f.mv({ sku: 'A', qty: 1, from: 'stock', to: 'customer', reason: 'shipment' }), ...over }, T0), code, field);
    }
    expect(f.snapshot()).toBe(before);
  });

  it('refuses negative on-hand in a real location by default, with the balance in the message', () => {
    postMove(f.db, f.mv({ sku: 'A', qty: 2, from: 'supplier', to: 'stock', reason: 'receipt' }), T0);
    const err = expectLedgerError(() => postMove(f.db, f.mv({ sku: 'A', qty: 3, from: 'stock', to: 'customer', reason: 'shipment' }), T0), 'negative_on_hand');
    expect(err.message).toBe('location stock holds 2 of A: moving 3 out would leave -1, and it refuses negative on-hand');
    expect(onHand('A', 'stock')).toBe(2);
  });

  it('lets a location that allows negative go below zero, and virtual ones always', () => {
    postMove(f.db, f.mv({ sku: 'A', qty: 3, from: 'floor', to: 'customer', reason: 'shipment' }), T0);
    expect(onHand('A', 'floor')).toBe(-3);
    expect(onHand('A', 'customer')).toBe(3);
    expect(checkLedger(f.db).ok).toBe(true);
  });

  it('composes with the caller\'s transaction: a refused move rolls back only itself', () => {
    const ok1 = f.mv({ sku: 'A', qty: 2, from: 'supplier', to: 'stock', reason: 'receipt' });
    const bad = f.mv({ sku: 'A', qty: 9, from: 'stock', to: 'customer', reason: 'shipment' });
    const ok2 = f.mv({ sku: 'A', qty: 1, from: 'stock', to: 'customer', reason: 'shipment' });
    const outcomes = f.db.transaction(() => [ok1, bad, ok2].map((m) => {
      try {
        return postMove(f.db, m, T0).status;
      } catch (e) {
        return (e as LedgerError).code;
      }
    }))();
    expect(outcomes).toEqual(['created', 'negative_on_hand', 'created']);
    expect(onHand('A', 'stock')).toBe(1);
    expect(checkLedger(f.db)).toMatchObject({ ok: true, moves: 2 });
  });

  it('without a savepoint (callerRollsBack) a refusal still changes nothing: every refusal is decided before writing', () => {
    postMove(f.db, f.mv({ sku: 'S', qty: 1, from: 'supplier', to: 'stock', reason: 'receipt', epc: '3034257bf400b7800004cb2f' }), T0);
    const done = f.mv({ sku: 'A', qty: 2, from: 'supplier', to: 'stock', reason: 'receipt' });
    postMove(f.db, done, T0);
    const before = f.snapshot();
    const refusals: Array<[MoveInput, string]> = [
      [f.mv({ sku: 'A', qty: 3, from: 'stock', to: 'customer', reason: 'shipment' }), 'negative_on_hand'],
      [f.mv({ sku: 'NOPE', from: 'stock', to: 'customer' }), 'not_found'],
      [f.mv({ sku: 'A', from: 'nowhere', to: 'customer' }), 'not_found'],
      [f.mv({ sku: 'S', from: 'receiving', to: 'customer', epc: '3034257bf400b7800004cb2f' }), 'serial_location'],
      [f.mv({ sku: 'S', from: 'stock', to: 'customer', epc: '3034257bf400b7800004cb30' }), 'serial_location'],
      [f.mv({ sku: 'S', from: 'stock', to: 'customer' }), 'invalid'],
      [f.mv({ sku: 'A', from: 'stock', to: 'customer', epc: '3034257bf400b7800004cb2f' }), 'invalid'],
      [{ ...done, qty: 1 }, 'conflict'],
    ];
    const outcomes = f.db.transaction(() => refusals.map(([m]) => {
      try {
        return postMove(f.db, m, T0, { callerRollsBack: true }).status;
      } catch (e) {
        return (e as LedgerError).code;
      }
    }))();
    expect(outcomes).toEqual(refusals.map(([, code]) => code));
    expect(f.snapshot()).toBe(before);
    expect(f.db.transaction(() => postMove(f.db, done, T0, { callerRollsBack: true }).status)()).toBe('exists');
  });

  it('a broken invariant changes nothing by default; with callerRollsBack the caller\'s rollback removes the half-written move', () => {
    postMove(f.db, f.mv({ sku: 'A', qty: 2, from: 'supplier', to: 'stock', reason: 'receipt' }), T0);
    f.db.prepare("UPDATE balances SET qty = qty + 1 WHERE sku = 'A' AND location = 'supplier'").run(); // a corrupted row
    const before = f.snapshot();
    const moves = () => (f.db.prepare('SELECT COUNT(*) AS n FROM moves').get() as { n: number }).n;
    let halfWritten = -1;
    const outcome = f.db.transaction(() => {
      try {
        postMove(f.db, f.mv({ sku: 'A', qty: 1, from: 'supplier', to: 'stock', reason: 'receipt' }), T0);
      } catch (e) {
        return (e as LedgerError).code;
      }
      return 'posted';
    })();
    expect(outcome).toBe('invariant');
    expect(f.snapshot()).toBe(before);
    expect(() => f.db.transaction(() => {
      try {
        postMove(f.db, f.mv({ sku: 'A', qty: 1, from: 'supplier', to: 'stock', reason: 'receipt' }), T0, { callerRollsBack: true });
      } finally {
        halfWritten = moves();
      }
    })()).toThrow(/balances of A sum to 1, not 0/);
    expect(halfWritten).toBe(2);
    expect(moves()).toBe(1);
    expect(f.snapshot()).toBe(before);
  });

  it('a period closed earlier in the same batch is seen by the later postings (the period row is read once per batch, again after a write)', () => {
    const receipt = (at: number) => f.mv({ sku: 'A', qty: 1, from: 'supplier', to: 'stock', reason: 'receipt', occurredAt: new Date(at).toISOString() });
    postMove(f.db, receipt(T0), T0); // the connection has its period read before the batch
    const refused = f.db.transaction(() =>
      withBatchReads(f.db, () => {
        postMove(f.db, receipt(T0 + 1000), T0, { callerRollsBack: true });
        f.db.prepare("UPDATE ledger_period SET period = '2025-02', closed_through_ms = ? WHERE id = 1").run(T0 + 5000);
        try {
          postMove(f.db, receipt(T0 + 2000), T0, { callerRollsBack: true });
          return undefined;
        } catch (err) {
          return (err as LedgerError).code;
        }
      }),
    )();
    expect(refused).toBe('closed_period');
  });

  it('withBatchedInvariants asserts each posted SKU once when the batch ends, before commit: a broken sum rolls the batch back', () => {
    postMove(f.db, f.mv({ sku: 'A', qty: 2, from: 'supplier', to: 'stock', reason: 'receipt' }), T0);
    const before = f.snapshot();
    const corrupt = (d: number) => f.db.prepare("UPDATE balances SET qty = qty + ? WHERE sku = 'A' AND location = 'supplier'").run(d);
    // Inside the scope the sums are read at the end only: a row broken and mended between postings passes …
    f.db.transaction(() => withBatchedInvariants(f.db, () => {
      corrupt(1);
      postMove(f.db, f.mv({ sku: 'A', qty: 1, from: 'supplier', to: 'stock', reason: 'receipt' }), T0, { callerRollsBack: true });
      postMove(f.db, f.mv({ sku: 'M', qty: 1, from: 'supplier', to: 'stock', reason: 'receipt' }), T0, { callerRollsBack: true });
      corrupt(-1);
    }))();
    expect(onHand('A', 'stock')).toBe(3);
    expect(checkLedger(f.db).ok).toBe(true);
    // … one still broken when the batch ends throws, naming the SKU, and the caller's transaction rolls it all back.
    const after = f.snapshot();
    expect(() => f.db.transaction(() => withBatchedInvariants(f.db, () => {
      postMove(f.db, f.mv({ sku: 'M', qty: 1, from: 'supplier', to: 'stock', reason: 'receipt' }), T0, { callerRollsBack: true });
      postMove(f.db, f.mv({ sku: 'A', qty: 1, from: 'supplier', to: 'stock', reason: 'receipt' }), T0, { callerRollsBack: true });
      corrupt(1);
    }))()).toThrow("balances of A sum to 1, not 0, after the batch's moves");
    expect(f.snapshot()).toBe(after);
    expect(after).not.toBe(before);
    // Outside a transaction there would be no commit to hold back.
    expect(() => withBatchedInvariants(f.db, () => 1)).toThrow(/inside the transaction/);
    // Without the scope a posting asserts at once.
    expect(() => f.db.transaction(() => {
      corrupt(1);
      postMove(f.db, f.mv({ sku: 'A', qty: 1, from: 'supplier', to: 'stock', reason: 'receipt' }), T0, { callerRollsBack: true });
    })()).toThrow(/balances of A sum to 1, not 0, after move/);
  });

  it('rolls back with the caller\'s transaction', () => {
    expect(() => f.db.transaction(() => {
      postMove(f.db, f.mv({ sku: 'A', qty: 2, from: 'supplier', to: 'stock', reason: 'receipt' }), T0);
      throw new Error('ingest failed later in the batch');
    })()).toThrow('ingest failed');
    expect(onHand('A', 'stock')).toBe(0);
    expect(f.db.prepare('SELECT COUNT(*) AS n FROM moves').get()).toEqual({ n: 0 });
  });

  it('keeps moves immutable in the database itself', () => {
    postMove(f.db, f.mv({ sku: 'A', qty: 2, from: 'supplier', to: 'stock', reason: 'receipt' }), T0);
    expect(() => f.db.prepare('UPDATE moves SET qty = 5').run()).toThrow('moves are immutable');
    expect(() => f.db.prepare('DELETE FROM moves').run()).toThrow('moves are immutable');
  });

  it('records actor, reason, reference, event id and both timestamps', () => {
    const { move } = postMove(f.db, f.mv({ sku: 'A', qty: 1, from: 'supplier', to: 'dock-1', reason: 'receipt', reference: 'PO-9', eventId: 'evt-1', actor: { kind: 'gateway', id: 'gw-1' }, occurredAt: '2025-03-01T07:59:00+00:00', note: 'pallet 1' }), T0 + 60_000);
    expect(move).toMatchObject({ actor: { kind: 'gateway', id: 'gw-1' }, reason: 'receipt', reference: 'PO-9', eventId: 'evt-1', occurredAt: '2025-03-01T07:59:00.000Z', postedAt: '2025-03-01T08:01:00.000Z', note: 'pallet 1' });
  });
});
