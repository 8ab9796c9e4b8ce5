// scripts/e2e/site — the day's expected receipts (ASNs) as the hub sees them: the request a planned receipt makes, what
// the hub holds on its variances, and after the run the hub's receipt variances against the ones the plan implies.
import type { Finding, HubDb } from './checks.js';
import type { ExpectedVariance, ReceiptPlan } from './plan.js';

/** POST /api/v1/receipts body of a planned ASN (no EPCs listed: the lines say SKU and quantity, as most ASNs do). */
export function expectReceipt(r: ReceiptPlan): { po: string; kind: 'asn'; supplier: string; lines: Array<{ sku: string; qty: number }> } {
  return { po: r.po, kind: 'asn', supplier: 'sim-supplier', lines: r.lines.map((l) => ({ sku: l.sku, qty: l.qty })) };
}

/** EPCs the hub holds on the receipt's unexpected_item / over variances (not received). */
export function heldOn(db: HubDb, po: string): Set<string> {
  const out = new Set<string>();
  const held = db.prepare(
    "SELECT p.epc FROM variances v JOIN variance_plan p ON p.variance = v.id WHERE v.reference = ? AND v.type IN ('unexpected_item', 'over') AND p.epc IS NOT NULL",
  );
  for (const epc of held.pluck().all(po) as string[]) out.add(epc);
  return out;
}

/** 'expected' | 'open@door' | 'closed', or undefined when the hub has no such receipt. */
export function receiptState(db: HubDb, po: string): string | undefined {
  const r = db.prepare('SELECT status, door FROM receipts WHERE id = ?').get(po) as { status: string; door: string | null } | undefined;
  return r && (r.status === 'open' ? `open@${r.door}` : r.status);
}

export function varianceOf(db: HubDb, po: string, type: string): { id: number; status: string } | undefined {
  return db.prepare('SELECT id, status FROM variances WHERE reference = ? AND type = ? ORDER BY id LIMIT 1').get(po, type) as { id: number; status: string } | undefined;
}

const show = (v: Omit<ExpectedVariance, 'type'> & { type: string }) => `${v.reference} ${v.type} ${v.sku}: expected ${v.expected}, actual ${v.actual}, ${v.status}`;

/** Every variance the hub raised against the day's receipts equals one the plan implies (kind, SKU, quantities,
 * receipt, resolution), and none is missing or extra. */
export function compareVariances(db: HubDb, expected: readonly ExpectedVariance[], pos: readonly string[]): Finding[] {
  const got: string[] = [];
  const q = db.prepare('SELECT type, reference, sku, expected, actual, status FROM variances WHERE reference = ? ORDER BY id');
  for (const po of pos) for (const r of q.all(po) as Array<ExpectedVariance & { type: string }>) got.push(show(r));
  const want = expected.map(show);
  const left = [...got];
  const missing: string[] = [];
  for (const w of want) {
    const i = left.indexOf(w);
    if (i >= 0) left.splice(i, 1);
    else missing.push(w);
  }
  if (!missing.length && !left.length) return [];
  return [{ check: 'receipt variances', detail: `${missing.length ? `expected but not raised: ${missing.slice(0, 6).join('; ')}` : ''}${missing.length && left.length ? ' | ' : ''}${left.length ? `raised but not expected: ${left.slice(0, 6).join('; ')}` : ''}` }];
}

/** Cost of goods sold: the value that left for customers less what came back, at standard cost per unit. */
export function cogs(db: HubDb): number {
  const out = db.prepare("SELECT coalesce(sum(value_cost), 0) AS v FROM moves WHERE to_location = 'customer'").get() as { v: number };
  const back = db.prepare("SELECT coalesce(sum(value_cost), 0) AS v FROM moves WHERE from_location = 'customer'").get() as { v: number };
  return out.v - back.v;
}
