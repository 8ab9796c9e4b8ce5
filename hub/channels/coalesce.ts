// hub/channels — when a dirty SKU is due for recomputation: after a quiet gap, or at the latest after a maximum
// delay, so a burst of moves of one SKU (a pallet of 200 units read one by one) becomes one push. Pure.

export interface DirtyMark {
  /** when the SKU first became dirty since it was last computed (ms) */
  first: number;
  /** the latest mark (ms) */
  last: number;
  /** how many marks were folded into this one */
  marks: number;
}

export interface CoalescePolicy {
  /** push once no new mark has come for this long */
  quietMs: number;
  /** …but never later than this after the first mark (bounds commit → request latency under a steady stream) */
  maxDelayMs: number;
}

export const DEFAULT_COALESCE: CoalescePolicy = { quietMs: 25, maxDelayMs: 250 };

export function markDirty(dirty: Map<string, DirtyMark>, sku: string, now: number): void {
  const m = dirty.get(sku);
  if (m) {
    m.last = Math.max(m.last, now);
    m.marks++;
  } else dirty.set(sku, { first: now, last: now, marks: 1 });
}

export function isDue(m: DirtyMark, now: number, p: CoalescePolicy): boolean {
  return now - m.last >= p.quietMs || now - m.first >= p.maxDelayMs;
}

/** The SKUs due now, and when the next one falls due (null when nothing is waiting). */
export function dueSkus(dirty: ReadonlyMap<string, DirtyMark>, now: number, p: CoalescePolicy): { due: string[]; nextAt: number | null } {
  const due: string[] = [];
  let nextAt: number | null = null;
  for (const [sku, m] of dirty) {
    if (isDue(m, now, p)) due.push(sku);
    else {
      const at = Math.min(m.last + p.quietMs, m.first + p.maxDelayMs);
      if (nextAt === null || at < nextAt) nextAt = at;
    }
  }
  return { due, nextAt };
}
