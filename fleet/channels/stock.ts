// fleet/channels — a snapshot of the sites' stock for some SKUs, read from the central read model in one repeatable
// read: on hand per site × SKU × real location (fleet_balances) and the pending holds each site's feed reported.
import type pg from 'pg';
import { addTo, emptySnapshot, type StockSnapshot } from './network.js';

export async function loadSnapshot(pool: pg.Pool, skus: readonly string[], sites: readonly string[]): Promise<StockSnapshot> {
  const snap = emptySnapshot();
  if (!skus.length || !sites.length) return snap;
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const on = await client.query<{ site: string; sku: string; location: string; qty: string }>(
      'SELECT site, sku, location, qty FROM fleet_balances WHERE virtual = false AND sku = ANY($1) AND site = ANY($2)',
      [skus, sites],
    );
    const held = await client.query<{ site: string; sku: string; location: string | null; qty: string }>(
      `SELECT site, sku, location, SUM(qty) AS qty FROM fleet_reservations WHERE state = 'pending' AND sku = ANY($1) AND site = ANY($2) GROUP BY site, sku, location`,
      [skus, sites],
    );
    await client.query('COMMIT');
    for (const r of on.rows) addTo(snap.onHand, r.site, r.sku, r.location, Number(r.qty));
    for (const r of held.rows) addTo(snap.held, r.site, r.sku, r.location ?? '', Number(r.qty));
    return snap;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
