// hub/variances — a variance's plan (the moves accepting it posts) as rows, one per move in the order they came. A
// growing variance (units held beyond a PO line, a whole pallet of an SKU not on the order) gains a move per unit:
// kept as one JSON array on the variance, every unit re-read and rewrote all the units before it, so holding n units
// cost n² (`backlog.ts --open-po --unexpected`, 50,000 events from 10 gateways, 1,250 units held per door: 32.5 hub
// CPU-s as one array, 4.4 as rows). A row each, with the count and quantity kept on the variance, makes adding a unit,
// asking whether a unit is held and how many are, one or two index seeks whatever the plan's size.
import type { Db } from '../db/database.js';
import { stmt } from '../ledger/statements.js';
import type { MoveSpec } from './store.js';

/** Migration SQL (variances v2): the plan rows, the counters, and every plan so far moved into them. */
export const PLAN_ROWS_SQL = `
CREATE TABLE variance_plan (
  variance INTEGER NOT NULL REFERENCES variances(id),
  n        INTEGER NOT NULL,              -- 0, 1, 2 … in the order the moves were added
  epc      TEXT,                          -- the move's unit, if any: is it held already?
  spec     TEXT NOT NULL,                 -- the MoveSpec, JSON
  PRIMARY KEY (variance, n)
) WITHOUT ROWID;
CREATE INDEX variance_plan_epc ON variance_plan (variance, epc) WHERE epc IS NOT NULL;
ALTER TABLE variances ADD COLUMN plan_size INTEGER NOT NULL DEFAULT 0;  -- rows in variance_plan
ALTER TABLE variances ADD COLUMN plan_qty INTEGER NOT NULL DEFAULT 0;   -- the sum of their qty
INSERT INTO variance_plan (variance, n, epc, spec)
  SELECT v.id, j.key, j.value ->> 'epc', j.value FROM variances v, json_each(v.plan) j;
UPDATE variances SET plan_size = json_array_length(plan), plan_qty = (SELECT COALESCE(SUM(j.value ->> 'qty'), 0) FROM json_each(plan) j);
ALTER TABLE variances DROP COLUMN plan;
`;

/** Append moves to the plan of variance `id`, which holds `size` of them now; updates its counters. */
export function appendPlan(db: Db, id: number, size: number, specs: readonly MoveSpec[]): void {
  if (specs.length === 0) return;
  const insert = stmt(db, 'INSERT INTO variance_plan (variance, n, epc, spec) VALUES (?, ?, ?, ?)');
  specs.forEach((s, i) => insert.run(id, size + i, s.epc ?? null, JSON.stringify(s)));
  const qty = specs.reduce((sum, s) => sum + s.qty, 0);
  stmt(db, 'UPDATE variances SET plan_size = plan_size + ?, plan_qty = plan_qty + ? WHERE id = ?').run(specs.length, qty, id);
}

/** The plan of variance `id`, in order. */
export function readPlan(db: Db, id: number): MoveSpec[] {
  return (stmt(db, 'SELECT spec FROM variance_plan WHERE variance = ? ORDER BY n').pluck().all(id) as string[]).map((s) => JSON.parse(s) as MoveSpec);
}

/** Whether the plan of variance `id` moves this unit. */
export function planHasEpc(db: Db, id: number, epc: string): boolean {
  return stmt(db, 'SELECT 1 FROM variance_plan WHERE variance = ? AND epc = ?').pluck().get(id, epc) !== undefined;
}
