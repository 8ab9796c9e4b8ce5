// fleet/store — what the central view reads from PostgreSQL.
import type pg from 'pg';
import type { TransferDocument, TransferMove } from '../transfers.js';
import type { DoorView, Kpis } from '../view.js';

export interface SiteRow {
  site: string;
  appliedThrough: number;
  lastChangeAt: string | null;
  lastAppliedAt: string | null;
  gap: { expected: number; got: number } | null;
  problem: string | null;
}

export async function listSiteRows(db: pg.Pool): Promise<SiteRow[]> {
  const r = await db.query('SELECT site, applied_through, last_change_at, last_applied_at, gap_expected, gap_got, problem FROM fleet_sites ORDER BY site');
  return r.rows.map((x) => ({
    site: x.site,
    appliedThrough: Number(x.applied_through),
    lastChangeAt: x.last_change_at?.toISOString() ?? null,
    lastAppliedAt: x.last_applied_at?.toISOString() ?? null,
    gap: x.gap_expected === null ? null : { expected: Number(x.gap_expected), got: Number(x.gap_got) },
    problem: x.problem,
  }));
}

export interface StockRow {
  sku: string;
  onHand: number;
  inTransit: number;
  sites: Array<{ site: string; onHand: number; locations: Array<{ location: string; kind: string; qty: number }> }>;
}

/** Stock per SKU across sites and real locations; in transit = units in the sites' `transit` locations. */
export async function stockBySku(db: pg.Pool, sku?: string): Promise<StockRow[]> {
  const r = await db.query<{ sku: string; site: string; location: string; kind: string; virtual: boolean; qty: string }>(
    `SELECT sku, site, location, kind, virtual, qty FROM fleet_balances WHERE qty <> 0 AND (virtual = false OR kind = 'transit') AND ($1::text IS NULL OR sku = $1) ORDER BY sku, site, location`,
    [sku ?? null],
  );
  const out = new Map<string, StockRow>();
  for (const x of r.rows) {
    const row = out.get(x.sku) ?? out.set(x.sku, { sku: x.sku, onHand: 0, inTransit: 0, sites: [] }).get(x.sku)!;
    const qty = Number(x.qty);
    if (x.kind === 'transit') {
      row.inTransit += qty;
      continue;
    }
    let s = row.sites.find((y) => y.site === x.site);
    if (!s) row.sites.push((s = { site: x.site, onHand: 0, locations: [] }));
    s.onHand += qty;
    s.locations.push({ location: x.location, kind: x.kind, qty });
    row.onHand += qty;
  }
  return [...out.values()];
}

export async function transferInputs(db: pg.Pool): Promise<{ docs: TransferDocument[]; moves: TransferMove[] }> {
  const docs = await db.query(`SELECT site, kind, document, party FROM fleet_documents WHERE party LIKE 'site:%'`);
  const moves = await db.query(`SELECT site, reference, sku, side, qty, at FROM fleet_transfer_moves`);
  return {
    docs: docs.rows.map((d) => ({ site: d.site, kind: d.kind, document: d.document, party: d.party })),
    moves: moves.rows.map((m) => ({ site: m.site, reference: m.reference, sku: m.sku, side: m.side, qty: Number(m.qty), atMs: m.at.getTime() })),
  };
}

export async function kpis(db: pg.Pool): Promise<Kpis> {
  const r = (await db.query(`SELECT
      (SELECT COUNT(*) FROM fleet_sites) AS sites,
      (SELECT COUNT(DISTINCT sku) FROM fleet_balances WHERE virtual = false AND qty <> 0) AS skus,
      (SELECT COALESCE(SUM(qty), 0) FROM fleet_balances WHERE virtual = false) AS on_hand,
      (SELECT COALESCE(SUM(qty), 0) FROM fleet_balances WHERE kind = 'transit') AS in_transit,
      (SELECT COUNT(*) FROM fleet_variances WHERE status = 'open') AS open_variances,
      (SELECT COUNT(*) FROM fleet_changes WHERE ts > now() - interval '24 hours') AS changes,
      (SELECT COUNT(*) FROM fleet_documents WHERE kind = 'receipt' AND status = 'open') AS open_receipts,
      (SELECT COUNT(*) FROM fleet_documents WHERE kind = 'shipment' AND status = 'open') AS open_shipments`)).rows[0];
  return {
    sites: Number(r.sites),
    skus: Number(r.skus),
    unitsOnHand: Number(r.on_hand),
    unitsInTransit: Number(r.in_transit),
    openVariances: Number(r.open_variances),
    changesLast24h: Number(r.changes),
    openReceipts: Number(r.open_receipts),
    openShipments: Number(r.open_shipments),
  };
}

/** Each site's doors as the feed shows them: the documents open at them and the variances open there. */
export async function doorsBySite(db: pg.Pool): Promise<DoorView[]> {
  const r = await db.query(`
    SELECT site, door,
      COALESCE(array_agg(DISTINCT kind || ' ' || document) FILTER (WHERE document IS NOT NULL), '{}') AS documents,
      COALESCE(jsonb_agg(jsonb_build_object('variance', variance, 'type', type, 'sku', sku, 'message', message) ORDER BY variance) FILTER (WHERE variance IS NOT NULL), '[]') AS variances
    FROM (
      SELECT site, door, kind, document, NULL::bigint AS variance, NULL AS type, NULL AS sku, NULL AS message FROM fleet_documents WHERE status = 'open' AND door IS NOT NULL
      UNION ALL SELECT site, door, NULL, NULL, variance, type, sku, message FROM fleet_variances WHERE status = 'open' AND door IS NOT NULL) x
    GROUP BY site, door ORDER BY site, door`);
  return r.rows.map((x) => ({ site: x.site, door: x.door, documents: x.documents, variances: x.variances }));
}
