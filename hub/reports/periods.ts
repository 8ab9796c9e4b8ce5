// hub/reports — what the KPIs are computed from, for `n` consecutive periods of `stepMs` from `startMs`, read in one pass
// over the moves (grouped by SKU and period) and one small query per other table, however many periods: each period's
// flows (sold, received, cost of goods sold), stock at its start and end (on hand, value, sellable, reserved, last
// shipped: per SKU), the count results, receipts and shipments closed in it and the variances open at its end.
import type { Db } from '../db/database.js';
import { VIRTUAL } from '../ledger/index.js';

export interface SkuAtEnd {
  sku: string;
  /** units in real locations, their value, and the units in sellable ones, at the period's end */
  onHand: number;
  value: number;
  sellableOnHand: number;
  /** reservations placed before the end and not closed by then */
  reserved: number;
  lastShippedMs: number | null;
  /** units shipped to customers in the period (net of shipments brought back) */
  sold: number;
  reorderPoint: number | null;
  standardCost: number;
}

export interface PeriodState {
  fromMs: number;
  toMs: number;
  ira: { n: number; ok: number; book: number; diff: number };
  receiving: { closed: number; clean: number };
  shipping: { closed: number; clean: number };
  /** variances open at the end: raised before it, resolved after it if at all */
  open: Array<{ type: string; createdMs: number }>;
  opening: { units: number; value: number };
  closing: { units: number; value: number };
  sold: number;
  received: number;
  cogs: number;
  skus: SkuAtEnd[];
}

interface MoveRow { sku: string; b: number; units: number; value: number; sellable: number; sold: number; received: number; cogs: number; last: number | null }
interface PerBucket { b: number; n: number; a: number; c: number; d: number }

export function periodStates(db: Db, startMs: number, stepMs: number, n: number): PeriodState[] {
  if (!(Number.isInteger(startMs) && Number.isInteger(stepMs) && stepMs > 0 && Number.isInteger(n) && n >= 1)) {
    throw new Error(`invariant: periods need whole ms and at least one period (start ${startMs}, step ${stepMs}, ${n} periods)`);
  }
  const endMs = startMs + n * stepMs;
  const p = { start: startMs, step: stepMs, end: endMs, customer: VIRTUAL.customer, supplier: VIRTUAL.supplier };
  const bucket = (col: string) => `CAST((${col} - @start) / @step AS INTEGER)`;

  // Moves before the first period are bucket −1: the opening stock. Index i + 1 below holds bucket i.
  const moves = db.prepare(`SELECT m.sku AS sku, CASE WHEN m.occurred_ms < @start THEN -1 ELSE ${bucket('m.occurred_ms')} END AS b,
      SUM(CASE WHEN f.virtual = 1 AND tl.virtual = 0 THEN m.qty WHEN f.virtual = 0 AND tl.virtual = 1 THEN -m.qty ELSE 0 END) AS units,
      SUM(m.value_delta) AS value,
      SUM(CASE WHEN tl.virtual = 0 AND tl.sellable = 1 THEN m.qty ELSE 0 END) - SUM(CASE WHEN f.virtual = 0 AND f.sellable = 1 THEN m.qty ELSE 0 END) AS sellable,
      SUM(CASE WHEN m.reason = 'shipment' AND m.to_location = @customer THEN m.qty WHEN m.reason = 'shipment' AND m.from_location = @customer THEN -m.qty ELSE 0 END) AS sold,
      SUM(CASE WHEN m.reason = 'receipt' AND m.from_location = @supplier THEN m.qty WHEN m.reason = 'receipt' AND m.to_location = @supplier THEN -m.qty ELSE 0 END) AS received,
      SUM(CASE WHEN m.to_location = @customer THEN m.value_cost WHEN m.from_location = @customer THEN -m.value_cost ELSE 0 END) AS cogs,
      MAX(CASE WHEN m.to_location = @customer THEN m.occurred_ms END) AS last
      FROM moves m JOIN locations f ON f.id = m.from_location JOIN locations tl ON tl.id = m.to_location
      WHERE m.occurred_ms < @end GROUP BY m.sku, b`).all(p) as MoveRow[];

  const items = db.prepare('SELECT sku, reorder_point AS rp, standard_cost AS std FROM items ORDER BY sku').all() as Array<{ sku: string; rp: number | null; std: number }>;
  const zero = () => new Array<number>(n + 1).fill(0);
  const per = new Map(items.map((i) => [i.sku, { units: zero(), value: zero(), sellable: zero(), sold: zero(), received: zero(), cogs: zero(), last: new Array<number | null>(n + 1).fill(null) }]));
  for (const r of moves) {
    const s = per.get(r.sku);
    if (!s) throw new Error(`invariant: moves of ${r.sku}, which is no item`);
    const i = r.b + 1;
    if (!(i >= 0 && i <= n)) throw new Error(`invariant: a move of ${r.sku} outside the periods (bucket ${r.b})`);
    s.units[i] = r.units;
    s.value[i] = r.value;
    s.sellable[i] = r.sellable;
    s.sold[i] = r.sold;
    s.received[i] = r.received;
    s.cogs[i] = r.cogs;
    s.last[i] = r.last;
  }
  for (const s of per.values()) {
    for (let i = 1; i <= n; i++) {
      s.units[i]! += s.units[i - 1]!;
      s.value[i]! += s.value[i - 1]!;
      s.sellable[i]! += s.sellable[i - 1]!;
      s.last[i] = Math.max(s.last[i] ?? -Infinity, s.last[i - 1] ?? -Infinity);
      if (s.last[i] === -Infinity) s.last[i] = null;
    }
  }

  const byBucket = (sql: string) => new Map((db.prepare(sql).all(p) as PerBucket[]).map((r) => [r.b, r]));
  const ira = byBucket(`SELECT ${bucket('r.closed_ms')} AS b, COUNT(*) AS n, SUM(r.within_tolerance) AS a, SUM(ABS(r.book)) AS c, SUM(ABS(r.difference)) AS d
      FROM count_results r JOIN counts c ON c.id = r.count WHERE c.baseline = 0 AND r.closed_ms >= @start AND r.closed_ms < @end GROUP BY b`);
  const closed = (table: 'receipts' | 'shipments', types: string) =>
    byBucket(`SELECT ${bucket('d.closed_ms')} AS b, COUNT(*) AS n, SUM(NOT EXISTS (SELECT 1 FROM variances v WHERE v.reference = d.id AND v.type IN (${types}))) AS a, 0 AS c, 0 AS d
        FROM ${table} d WHERE d.status = 'closed' AND d.closed_ms >= @start AND d.closed_ms < @end GROUP BY b`);
  const receipts = closed('receipts', "'short','over','unexpected_item','wrong_door'");
  const shipments = closed('shipments', "'unexpected_outbound','missing_outbound','wrong_door'");
  const variances = db.prepare('SELECT type, created_ms AS c, resolved_ms AS r FROM variances WHERE created_ms < @end AND (resolved_ms IS NULL OR resolved_ms >= @start)').all(p) as Array<{ type: string; c: number; r: number | null }>;
  const holds = db.prepare('SELECT sku, qty, created_ms AS c, closed_ms AS r FROM reservations WHERE created_ms < @end AND (closed_ms IS NULL OR closed_ms >= @start)').all(p) as Array<{ sku: string; qty: number; c: number; r: number | null }>;
  const openAt = (t: number, x: { c: number; r: number | null }) => x.c < t && (x.r === null || x.r >= t);

  const out: PeriodState[] = [];
  for (let b = 0; b < n; b++) {
    const toMs = startMs + (b + 1) * stepMs;
    const reserved = new Map<string, number>();
    for (const h of holds) if (openAt(toMs, h)) reserved.set(h.sku, (reserved.get(h.sku) ?? 0) + h.qty);
    const skus = items.map((i): SkuAtEnd => {
      const s = per.get(i.sku)!;
      return { sku: i.sku, onHand: s.units[b + 1]!, value: s.value[b + 1]!, sellableOnHand: s.sellable[b + 1]!, reserved: reserved.get(i.sku) ?? 0, lastShippedMs: s.last[b + 1]!, sold: s.sold[b + 1]!, reorderPoint: i.rp, standardCost: i.std };
    });
    const sum = (pick: (s: NonNullable<ReturnType<typeof per.get>>) => number) => [...per.values()].reduce((t, s) => t + pick(s), 0);
    const c = ira.get(b);
    const rc = receipts.get(b);
    const sh = shipments.get(b);
    out.push({
      fromMs: toMs - stepMs,
      toMs,
      ira: { n: c?.n ?? 0, ok: c?.a ?? 0, book: c?.c ?? 0, diff: c?.d ?? 0 },
      receiving: { closed: rc?.n ?? 0, clean: rc?.a ?? 0 },
      shipping: { closed: sh?.n ?? 0, clean: sh?.a ?? 0 },
      open: variances.filter((v) => openAt(toMs, v)).map((v) => ({ type: v.type, createdMs: v.c })),
      opening: { units: sum((s) => s.units[b]!), value: sum((s) => s.value[b]!) },
      closing: { units: sum((s) => s.units[b + 1]!), value: sum((s) => s.value[b + 1]!) },
      sold: sum((s) => s.sold[b + 1]!),
      received: sum((s) => s.received[b + 1]!),
      cogs: sum((s) => s.cogs[b + 1]!),
      skus,
    });
  }
  return out;
}
