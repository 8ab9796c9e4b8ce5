// hub/ledger — stock figures: on hand, reserved and available per SKU (and per location), read from balances and
// pending reservations. Available = on hand in sellable real locations − pending reservations.
import type { Db } from '../db/database.js';
import { stmt } from './statements.js';

export interface StockAtLocation {
  location: string;
  sellable: boolean;
  onHand: number;
  /** Pending holds placed at this location. */
  reserved: number;
}

export interface StockRow {
  sku: string;
  /** The location the figures are for, or null for the whole site. */
  location: string | null;
  /** Units in real locations (sellable or not). */
  onHand: number;
  /** Units in sellable real locations. */
  sellableOnHand: number;
  /** Pending reservations. */
  reserved: number;
  /** sellableOnHand − reserved; negative when physical moves took units that were promised. */
  available: number;
  /** Real locations holding (or holding for) this SKU. */
  locations: StockAtLocation[];
}

/** Stock per SKU (every item, or one), site-wide or for one location. */
export function getStock(db: Db, filter: { sku?: string; location?: string } = {}): StockRow[] {
  const skus = (filter.sku !== undefined
    ? stmt(db, 'SELECT sku FROM items WHERE sku = ?').all(filter.sku)
    : stmt(db, 'SELECT sku FROM items ORDER BY sku').all()) as { sku: string }[];
  return skus.map(({ sku }) => stockOf(db, sku, filter.location ?? null));
}

function stockOf(db: Db, sku: string, location: string | null): StockRow {
  const locations = (stmt(db, `
    SELECT l.id AS location, l.sellable AS sellable, COALESCE(b.qty, 0) AS onHand,
           COALESCE((SELECT SUM(r.qty) FROM reservations r WHERE r.sku = @sku AND r.location = l.id AND r.state = 'pending'), 0) AS reserved
    FROM locations l LEFT JOIN balances b ON b.location = l.id AND b.sku = @sku
    WHERE l.virtual = 0 AND (@location IS NULL OR l.id = @location)
      AND (b.qty <> 0 OR EXISTS (SELECT 1 FROM reservations r WHERE r.sku = @sku AND r.location = l.id AND r.state = 'pending'))
    ORDER BY l.id`).all({ sku, location }) as Array<{ location: string; sellable: number; onHand: number; reserved: number }>)
    .map((r) => ({ ...r, sellable: r.sellable === 1 }));
  const onHand = locations.reduce((s, l) => s + l.onHand, 0);
  const sellableOnHand = locations.reduce((s, l) => s + (l.sellable ? l.onHand : 0), 0);
  const reserved = location === null ? pendingQty(db, sku) : locations.reduce((s, l) => s + l.reserved, 0);
  return { sku, location, onHand, sellableOnHand, reserved, available: sellableOnHand - reserved, locations };
}

/** Pending reservations of a SKU: all of them, or those placed at one location. */
export function pendingQty(db: Db, sku: string, location?: string): number {
  const row = (location === undefined
    ? stmt(db, "SELECT COALESCE(SUM(qty), 0) AS q FROM reservations WHERE sku = ? AND state = 'pending'").get(sku)
    : stmt(db, "SELECT COALESCE(SUM(qty), 0) AS q FROM reservations WHERE sku = ? AND location = ? AND state = 'pending'").get(sku, location)) as { q: number };
  return row.q;
}

/** On hand of a SKU in sellable real locations, or at one location (0 if that location is not sellable). */
export function sellableOnHand(db: Db, sku: string, location?: string): number {
  const row = (location === undefined
    ? stmt(db, 'SELECT COALESCE(SUM(b.qty), 0) AS q FROM balances b JOIN locations l ON l.id = b.location WHERE b.sku = ? AND l.virtual = 0 AND l.sellable = 1').get(sku)
    : stmt(db, 'SELECT COALESCE(SUM(b.qty), 0) AS q FROM balances b JOIN locations l ON l.id = b.location WHERE b.sku = ? AND b.location = ? AND l.virtual = 0 AND l.sellable = 1').get(sku, location)) as { q: number };
  return row.q;
}
