// hub/variances — a variance's plan as rows: a growing variance appends a row per move and keeps its size and
// quantity on the variance; plans written as one JSON array before (variances v1) move into rows unchanged.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../db/database.js';
import { VIRTUAL } from '../ledger/index.js';
import { makeFixture, T0, type Fixture } from '../ledger/test-fixture.js';
import { planHasEpc } from './plan.js';
import { getVariance, openVarianceByKey, raiseVariance, resolveVariance, variancesMigrations, type MoveSpec } from './store.js';

const actor = { kind: 'api' as const, id: 'tester' };
const unit = (i: number): MoveSpec => ({ sku: 'S', qty: 1, from: VIRTUAL.supplier, to: 'receiving', reason: 'receipt', reference: 'PO-1', epc: `e${i}` });

describe('a variance plan as rows', () => {
  let f: Fixture;
  afterEach(() => f.close());

  describe('on the current schema', () => {
    beforeEach(() => {
      f = makeFixture();
      migrate(f.db, [variancesMigrations]);
    });

    it('grows by a row per unit held, in order, with its size and units on the variance', () => {
      const key = 'unexpected_item:PO-1:S';
      let id = 0;
      for (let i = 0; i < 300; i++) {
        id = raiseVariance(
          f.db,
          { type: 'unexpected_item', reference: 'PO-1', sku: 'S', message: `${i + 1} held`, evidence: [`ev-${i}`], plan: [unit(i)], key },
          T0 + i,
        ).id;
      }
      expect(openVarianceByKey(f.db, key)).toEqual({ id, planSize: 300, planQty: 300 });
      const v = getVariance(f.db, id)!;
      expect(v.plan.map((m) => m.epc)).toEqual(Array.from({ length: 300 }, (_, i) => `e${i}`));
      expect(v.occurrences).toBe(300);
      expect(v.evidence).toHaveLength(100); // evidence stays bounded; the plan keeps every unit
      expect([planHasEpc(f.db, id, 'e299'), planHasEpc(f.db, id, 'e300')]).toEqual([true, false]);
      expect(f.db.prepare('SELECT COUNT(*) FROM variance_plan WHERE variance = ?').pluck().get(id)).toBe(300);
    });

    it('accepting posts every move of the plan, once', () => {
      const key = 'over:PO-1:A';
      const spec: MoveSpec = { sku: 'A', qty: 4, from: VIRTUAL.supplier, to: 'receiving', reason: 'receipt', reference: 'PO-1', unitCost: 100 };
      const { id } = raiseVariance(f.db, { type: 'over', reference: 'PO-1', sku: 'A', message: '4 over', plan: [spec], key }, T0);
      raiseVariance(f.db, { type: 'over', reference: 'PO-1', sku: 'A', message: '7 over', plan: [{ ...spec, qty: 3 }], key }, T0 + 1);
      expect(openVarianceByKey(f.db, key)?.planQty).toBe(7);
      const { moves } = resolveVariance(f.db, id, { action: 'accept', reason: 'keep them' }, actor, T0 + 2);
      expect(moves.map((m) => m.qty)).toEqual([4, 3]);
      expect(openVarianceByKey(f.db, key)).toBeUndefined();
      expect(() => resolveVariance(f.db, id, { action: 'accept', reason: 'again' }, actor, T0 + 3)).toThrow(/already accepted/);
    });
  });

  it('moves the plans of a version 1 database into rows, unchanged', () => {
    f = makeFixture();
    migrate(f.db, [{ ...variancesMigrations, migrations: variancesMigrations.migrations.slice(0, 1) }]);
    const insert = f.db.prepare(`INSERT INTO variances (type, status, message, evidence, occurrences, plan, key, created_ms, updated_ms)
      VALUES ('over', 'open', 'held', '[]', 1, ?, ?, 0, 0)`);
    const plan = [unit(1), { ...unit(2), qty: 1, epc: undefined }, unit(3)];
    const held = Number(insert.run(JSON.stringify(plan), 'over:PO-1:S').lastInsertRowid);
    const none = Number(insert.run('[]', 'over:PO-2:S').lastInsertRowid);
    migrate(f.db, [variancesMigrations]);
    expect(getVariance(f.db, held)!.plan).toEqual(JSON.parse(JSON.stringify(plan)));
    expect(openVarianceByKey(f.db, 'over:PO-1:S')).toEqual({ id: held, planSize: 3, planQty: 3 });
    expect(getVariance(f.db, none)!.plan).toEqual([]);
    expect(openVarianceByKey(f.db, 'over:PO-2:S')).toEqual({ id: none, planSize: 0, planQty: 0 });
    expect([planHasEpc(f.db, held, 'e3'), planHasEpc(f.db, held, 'e2')]).toEqual([true, false]);
    expect(f.db.prepare("SELECT COUNT(*) FROM pragma_table_info('variances') WHERE name = 'plan'").pluck().get()).toBe(0);
  });
});
