// hub/counts — ABC classes and the cycle count schedule (pure): classes by share of COGS (A: the SKUs making up the
// first aShare of consumption value, B: the next bShare, C: the rest and anything that did not move), an explicit class
// on the item wins; an item is due when its class's interval has passed since it was last counted (never: due now).
import type { AbcClass } from '../ledger/index.js';

export interface AbcShares {
  aShare: number;
  bShare: number;
}

export interface EveryDays {
  a: number;
  b: number;
  c: number;
}

/** Class per SKU from its COGS; ties keep input order. */
export function classify(rows: ReadonlyArray<{ sku: string; cogs: number }>, shares: AbcShares): Map<string, AbcClass> {
  const total = rows.reduce((s, r) => s + Math.max(0, r.cogs), 0);
  const sorted = [...rows].sort((x, y) => y.cogs - x.cogs);
  const out = new Map<string, AbcClass>();
  let before = 0;
  for (const r of sorted) {
    // A SKU belongs to the class its cumulative share *starts* in, so the largest SKU is always A.
    const start = total > 0 ? before / total : 1;
    out.set(r.sku, r.cogs <= 0 ? 'C' : start < shares.aShare ? 'A' : start < shares.aShare + shares.bShare ? 'B' : 'C');
    before += Math.max(0, r.cogs);
  }
  return out;
}

export interface ScheduleItem {
  sku: string;
  abcClass: AbcClass;
  /** Where the class came from: the item's own setting or its COGS share. */
  classFrom: 'item' | 'cogs';
  lastCountedAt: number | null;
  dueAt: number;
  due: boolean;
  overdueDays: number;
}

const DAY = 86_400_000;

export function schedule(
  items: ReadonlyArray<{ sku: string; abcClass: AbcClass | null; cogs: number; lastCountedAt: number | null }>,
  shares: AbcShares,
  every: EveryDays,
  nowMs: number,
): ScheduleItem[] {
  const computed = classify(items, shares);
  const interval: Record<AbcClass, number> = { A: every.a, B: every.b, C: every.c };
  return items
    .map((i) => {
      const abcClass = i.abcClass ?? computed.get(i.sku) ?? 'C';
      const dueAt = i.lastCountedAt === null ? nowMs : i.lastCountedAt + interval[abcClass] * DAY;
      return { sku: i.sku, abcClass, classFrom: i.abcClass ? ('item' as const) : ('cogs' as const), lastCountedAt: i.lastCountedAt, dueAt, due: dueAt <= nowMs, overdueDays: Math.max(0, Math.floor((nowMs - dueAt) / DAY)) };
    })
    .sort((x, y) => Number(y.due) - Number(x.due) || x.abcClass.localeCompare(y.abcClass) || x.dueAt - y.dueAt || x.sku.localeCompare(y.sku));
}

export interface CountTolerance {
  pct: number;
  abs: number;
}

/** Whether a counted difference is within the class's tolerance (the larger of percent of book and absolute units). */
export function withinTolerance(book: number, difference: number, t: CountTolerance): boolean {
  return Math.abs(difference) <= Math.max(Math.floor((Math.abs(book) * t.pct) / 100 + 1e-9), t.abs);
}
