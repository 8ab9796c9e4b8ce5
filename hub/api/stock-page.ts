// hub/api — a page of stock figures in three range queries (items, balances, pending reservations) instead of the
// ledger's per-SKU reads: the same rows getStock gives, for up to `limit` SKUs after a cursor, fast at 10,000 SKUs.
import type { Db } from '../db/database.js';
import type { StockAtLocation, StockRow } from '../ledger/index.js';

export interface StockPage {
  stock: StockRow[];
  /** Pass as `after` for the next page; null on the last one. */
  nextAfter: string | null;
}

const statements = new WeakMap<Db, ReturnType<typeof prepare>>();

function prepare(db: Db) {
  return {
    skus: db.prepare('SELECT sku FROM items WHERE sku > ? ORDER BY sku LIMIT ?').pluck(),
    balances: db.prepare(`SELECT b.sku, b.location, b.qty, l.sellable FROM balances b JOIN locations l ON l.id = b.location
      WHERE b.sku BETWEEN @first AND @last AND l.virtual = 0 AND b.qty <> 0 AND (@location IS NULL OR b.location = @location)`),
    held: db.prepare(`SELECT r.sku, r.location, SUM(r.qty) AS qty, l.sellable FROM reservations r LEFT JOIN locations l ON l.id = r.location
      WHERE r.state = 'pending' AND r.sku BETWEEN @first AND @last GROUP BY r.sku, r.location`),
  };
}

export function stockPage(db: Db, q: { after?: string; limit: number; location?: string }): StockPage {
  let s = statements.get(db);
  if (!s) {
    s = prepare(db);
    statements.set(db, s);
  }
  const skus = s.skus.all(q.after ?? '', q.limit) as string[];
  if (skus.length === 0) return { stock: [], nextAfter: null };
  const range = { first: skus[0]!, last: skus[skus.length - 1]!, location: q.location ?? null };
  const at = new Map<string, Map<string, StockAtLocation>>(skus.map((k) => [k, new Map()]));
  const siteHeld = new Map<string, number>();
  const slot = (sku: string, location: string, sellable: number) => {
    const m = at.get(sku)!;
    let l = m.get(location);
    if (!l) {
      l = { location, sellable: sellable === 1, onHand: 0, reserved: 0 };
      m.set(location, l);
    }
    return l;
  };
  for (const b of s.balances.all(range) as Array<{ sku: string; location: string; qty: number; sellable: number }>) {
    if (at.has(b.sku)) slot(b.sku, b.location, b.sellable).onHand = b.qty;
  }
  for (const r of s.held.all(range) as Array<{ sku: string; location: string | null; qty: number; sellable: number | null }>) {
    if (!at.has(r.sku)) continue;
    siteHeld.set(r.sku, (siteHeld.get(r.sku) ?? 0) + r.qty);
    if (r.location !== null && (q.location === undefined || r.location === q.location)) slot(r.sku, r.location, r.sellable ?? 0).reserved = r.qty;
  }
  const stock = skus.map((sku): StockRow => {
    const locations = [...at.get(sku)!.values()].sort((a, b) => (a.location < b.location ? -1 : a.location > b.location ? 1 : 0));
    const onHand = locations.reduce((n, l) => n + l.onHand, 0);
    const sellableOnHand = locations.reduce((n, l) => n + (l.sellable ? l.onHand : 0), 0);
    const reserved = q.location === undefined ? (siteHeld.get(sku) ?? 0) : locations.reduce((n, l) => n + l.reserved, 0);
    return { sku, location: q.location ?? null, onHand, sellableOnHand, reserved, available: sellableOnHand - reserved, locations };
  });
  return { stock, nextAfter: skus.length === q.limit ? skus[skus.length - 1]! : null };
}
