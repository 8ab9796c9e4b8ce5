// Property tests: random sequences of moves and reservations against a real SQLite file. Each run is rolled back,
// so runs are independent; a failure prints the fast-check seed that replays it.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LedgerError,
  checkLedger,
  expireReservations,
  getSerial,
  getStock,
  postMove,
  postReservation,
  reserve,
  valuationReport,
  voidReservation,
  type MoveInput,
  type PostOptions,
} from './index.js';
import { makeFixture, T0, type Fixture } from './test-fixture.js';

const LOCS = ['supplier', 'customer', 'adjustment', 'scrap', 'transit', 'receiving', 'stock', 'stock-b', 'returns', 'floor'] as const;
const EPCS = ['e0000000000000a1', 'e0000000000000a2', 'e0000000000000a3'];

type Op =
  | { op: 'move'; sku: 'A' | 'M'; qty: number; from: number; to: number; unitCost: number | null; reason: MoveInput['reason'] }
  | { op: 'serial'; epc: number; to: number; unitCost: number | null }
  | { op: 'reserve'; sku: 'A' | 'M'; qty: number; at: 'stock' | 'stock-b' | null; ttl: number }
  | { op: 'post'; nth: number; qty: number }
  | { op: 'void'; nth: number }
  | { op: 'tick'; ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('move' as const), sku: fc.constantFrom('A' as const, 'M' as const), qty: fc.integer({ min: 1, max: 6 }), from: fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: fc.nat(LOCS.length - 1) }), to: fc.nat(LOCS.length - 1), unitCost: fc.option(fc.integer({ min: 0, max: 500 })), reason: fc.constantFrom('receipt', 'shipment', 'transfer', 'return', 'adjustment', 'count', 'scrap') as fc.Arbitrary<MoveInput['reason']> }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('serial' as const), epc: fc.nat(EPCS.length - 1), to: fc.nat(LOCS.length - 1), unitCost: fc.option(fc.integer({ min: 0, max: 2000 })) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('reserve' as const), sku: fc.constantFrom('A' as const, 'M' as const), qty: fc.integer({ min: 1, max: 4 }), at: fc.constantFrom('stock' as const, 'stock-b' as const, null), ttl: fc.integer({ min: 1, max: 5000 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('post' as const), nth: fc.nat(20), qty: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('void' as const), nth: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 3000 }) }) },
);

let f: Fixture;
beforeAll(() => {
  f = makeFixture();
  f.db.pragma('synchronous = OFF'); // durability is not under test here; every run is rolled back anyway
});
afterAll(() => f.close());

/** Run fn inside a transaction that is always rolled back. */
function isolated<T>(fn: () => T): T {
  f.db.exec('BEGIN');
  try {
    return fn();
  } finally {
    f.db.exec('ROLLBACK');
  }
}

/** Apply ops; refusals (LedgerError other than an invariant) are fine, anything else fails the property. */
function run(ops: Op[], options?: PostOptions): { posted: MoveInput[]; refused: number } {
  let now = T0;
  let n = 0;
  const posted: MoveInput[] = [];
  const holds: string[] = [];
  let refused = 0;
  const base = () => ({ id: `p-${++n}`, actor: { kind: 'system' as const, id: 'prop' }, occurredAt: new Date(now).toISOString() });
  for (const o of ops) {
    try {
      if (o.op === 'move') {
        const m: MoveInput = { ...base(), sku: o.sku, qty: o.qty, from: LOCS[o.from]!, to: LOCS[o.to]!, reason: o.reason, unitCost: o.unitCost };
        postMove(f.db, m, now, options);
        posted.push(m);
      } else if (o.op === 'serial') {
        const epc = EPCS[o.epc]!;
        const m: MoveInput = { ...base(), sku: 'S', qty: 1, epc, from: getSerial(f.db, epc)?.location ?? 'supplier', to: LOCS[o.to]!, reason: 'transfer', unitCost: o.unitCost };
        postMove(f.db, m, now, options);
        posted.push(m);
      } else if (o.op === 'reserve') {
        const id = `r-${++n}`;
        reserve(f.db, { id, sku: o.sku, qty: o.qty, location: o.at, reference: id, expiresAt: now + o.ttl }, now);
        holds.push(id);
        // A hold is never granted beyond what is available, site-wide and at its location.
        expect(getStock(f.db, { sku: o.sku })[0]!.available).toBeGreaterThanOrEqual(0);
        if (o.at) expect(getStock(f.db, { sku: o.sku, location: o.at })[0]!.available).toBeGreaterThanOrEqual(0);
      } else if (o.op === 'post' && holds.length) {
        const id = holds[o.nth % holds.length]!;
        const sku = f.db.prepare('SELECT sku, location FROM reservations WHERE id = ?').get(id) as { sku: string; location: string | null };
        const m: MoveInput = { ...base(), sku: sku.sku, qty: o.qty, from: sku.location ?? 'stock', to: 'customer', reason: 'shipment' };
        postReservation(f.db, id, m, now);
        posted.push(m);
      } else if (o.op === 'void' && holds.length) {
        voidReservation(f.db, holds[o.nth % holds.length]!, 'changed mind', now);
      } else if (o.op === 'tick') {
        now += o.ms;
        expireReservations(f.db, now);
      }
    } catch (e) {
      if (!(e instanceof LedgerError) || e.code === 'invariant') throw e;
      refused++;
    }
  }
  return { posted, refused };
}

function balances(): string {
  return JSON.stringify(f.db.prepare('SELECT sku, location, qty FROM balances WHERE qty <> 0 ORDER BY sku, location').all());
}

function assertLedgerHolds(): void {
  const report = checkLedger(f.db);
  expect(report.differences).toEqual([]);
  const sums = f.db.prepare('SELECT sku, SUM(qty) AS s FROM balances GROUP BY sku HAVING s <> 0').all();
  expect(sums).toEqual([]);
  for (const row of valuationReport(f.db).rows) {
    const layers = f.db.prepare('SELECT COALESCE(SUM(remaining_qty), 0) AS qty, COALESCE(SUM(remaining_value), 0) AS value FROM cost_layers WHERE sku = ?').get(row.sku);
    expect(layers).toEqual({ qty: row.qty, value: row.value });
  }
}

describe('ledger properties', () => {
  it('any sequence of moves and reservations keeps zero-sum, balances = moves, valuation = layers', () => {
    fc.assert(fc.property(fc.array(opArb, { minLength: 1, maxLength: 60, size: 'max' }), (ops) => {
      isolated(() => {
        run(ops);
        assertLedgerHolds();
      });
    }), { numRuns: 60 });
  });

  it('the same holds without savepoints (callerRollsBack): refusals inside the caller\'s transaction change nothing', () => {
    let refusals = 0;
    fc.assert(fc.property(fc.array(opArb, { minLength: 1, maxLength: 60, size: 'max' }), (ops) => {
      isolated(() => {
        refusals += run(ops, { callerRollsBack: true }).refused;
        assertLedgerHolds();
      });
    }), { numRuns: 60 });
    expect(refusals).toBeGreaterThan(0);
  });

  it('posting every move a second time changes nothing', () => {
    fc.assert(fc.property(fc.array(opArb, { minLength: 1, maxLength: 40, size: 'max' }), (ops) => {
      isolated(() => {
        const { posted } = run(ops);
        const before = f.snapshot();
        for (const m of [...posted].reverse()) expect(postMove(f.db, m, T0 + 1e9).status).toBe('exists');
        expect(f.snapshot()).toBe(before);
      });
    }), { numRuns: 40 });
  });

  it('independent postings in any order give the same balances', () => {
    // Independent: nothing can refuse them whatever the order (from a virtual or negative-allowing location).
    const moveArb = fc.record({
      sku: fc.constantFrom('A', 'M'),
      qty: fc.integer({ min: 1, max: 9 }),
      from: fc.constantFrom('supplier', 'adjustment', 'transit', 'floor'),
      to: fc.constantFrom(...LOCS),
      unitCost: fc.option(fc.integer({ min: 0, max: 300 })),
    }).filter((m) => m.from !== m.to);
    const setArb = fc.array(moveArb, { minLength: 1, maxLength: 30 })
      .chain((ms) => fc.tuple(fc.constant(ms), fc.shuffledSubarray(ms.map((_, i) => i), { minLength: ms.length, maxLength: ms.length })));
    fc.assert(fc.property(setArb, ([ms, order]) => {
      const inputs: MoveInput[] = ms.map((m, i) => ({ ...m, id: `ind-${i}`, reason: 'adjustment', actor: { kind: 'system', id: 'prop' }, occurredAt: new Date(T0).toISOString() }));
      const post = (seq: MoveInput[]) => isolated(() => {
        for (const m of seq) postMove(f.db, m, T0);
        assertLedgerHolds();
        return balances();
      });
      expect(post(order.map((i) => inputs[i]!))).toBe(post(inputs));
    }), { numRuns: 50 });
  });

  it('a replay of the same failing seed reproduces it (seeded runs are deterministic)', () => {
    const sample = fc.sample(fc.array(opArb, { minLength: 20, maxLength: 20 }), { seed: 42, numRuns: 1 })[0]!;
    const a = isolated(() => { const r = run(sample); return [r.posted.length, r.refused, balances()]; });
    const b = isolated(() => { const r = run(sample); return [r.posted.length, r.refused, balances()]; });
    expect(a).toEqual(b);
    expect((a[0] as number) + (a[1] as number)).toBeGreaterThan(0);
  });
});
