// fleet/store — applying one site's feed records to PostgreSQL, exactly once: in one transaction per batch, the
// site's row locked, each record checked against the site's applied_through (a seq at or below it is a duplicate and
// skipped; one beyond the next is a gap and stops the batch, recorded on the site) and against its change id (the
// same id at another seq is a broken feed). The caller acknowledges JetStream only after this commits.
import type pg from 'pg';
import type { DocumentChange, FeedRecord, MoveChange, VarianceChange } from '../../protocols/feed/index.js';
import { applyReservation } from '../channels/schema.js';

export interface ApplyResult {
  applied: number;
  duplicates: number;
  /** Set when the batch stopped at a gap: the seq the site needed and the one that came. */
  gap?: { expected: number; got: number };
}

export class FeedInvariantError extends Error {}

export async function applyBatch(client: pg.ClientBase, site: string, records: readonly FeedRecord[]): Promise<ApplyResult> {
  await client.query('BEGIN');
  try {
    await client.query('INSERT INTO fleet_sites (site) VALUES ($1) ON CONFLICT (site) DO NOTHING', [site]);
    const row = (await client.query<{ applied_through: string }>('SELECT applied_through FROM fleet_sites WHERE site = $1 FOR UPDATE', [site])).rows[0]!;
    let through = Number(row.applied_through);
    const result: ApplyResult = { applied: 0, duplicates: 0 };
    let lastTs: string | undefined;
    for (const r of records) {
      if (r.site !== site) throw new FeedInvariantError(`record of site ${r.site} in the batch of site ${site}`);
      if (r.seq <= through) {
        const seen = (await client.query<{ id: string }>('SELECT id FROM fleet_changes WHERE site = $1 AND seq = $2', [site, r.seq])).rows[0];
        if (seen && seen.id !== r.id) throw new FeedInvariantError(`site ${site} seq ${r.seq}: change ${r.id} arrived, but ${seen.id} was applied at that seq`);
        result.duplicates++;
        continue;
      }
      if (r.seq !== through + 1) {
        result.gap = { expected: through + 1, got: r.seq };
        break;
      }
      const inserted = await client.query('INSERT INTO fleet_changes (site, seq, id, kind, ts, data) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (site, id) DO NOTHING', [site, r.seq, r.id, r.kind, r.ts, JSON.stringify(r.data)]);
      if (inserted.rowCount === 0) throw new FeedInvariantError(`site ${site}: change ${r.id} arrives again at seq ${r.seq}: a change id names one change`);
      await applyChange(client, site, r);
      through = r.seq;
      lastTs = r.ts;
      result.applied++;
    }
    await client.query(
      `UPDATE fleet_sites SET applied_through = $2, last_change_at = COALESCE($3::timestamptz, last_change_at), last_applied_at = now(),
         gap_expected = $4, gap_got = $5 WHERE site = $1`,
      [site, through, lastTs ?? null, result.gap?.expected ?? null, result.gap?.got ?? null],
    );
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

async function applyChange(client: pg.ClientBase, site: string, r: FeedRecord): Promise<void> {
  switch (r.kind) {
    case 'move':
      return applyMove(client, site, r.data, r.ts);
    case 'receipt.opened':
    case 'receipt.closed':
    case 'shipment.opened':
    case 'shipment.closed':
      return applyDocument(client, site, r.kind, r.data, r.ts);
    case 'variance.opened':
    case 'variance.resolved':
      return applyVariance(client, site, r.data, r.ts);
    case 'count.posted':
      return; // a count's differences reach stock as its moves; the record is kept in fleet_changes
    case 'reservation':
      return applyReservation(client, site, r.data);
  }
}

const upsertBalance = `INSERT INTO fleet_balances (site, sku, location, kind, virtual, qty) VALUES ($1, $2, $3, $4, $5, $6)
  ON CONFLICT (site, sku, location) DO UPDATE SET qty = fleet_balances.qty + EXCLUDED.qty`;

async function applyMove(client: pg.ClientBase, site: string, m: MoveChange, ts: string): Promise<void> {
  await client.query(upsertBalance, [site, m.sku, m.from, m.fromKind, m.fromVirtual, -m.qty]);
  await client.query(upsertBalance, [site, m.sku, m.to, m.toKind, m.toVirtual, m.qty]);
  // Transfers between sites: what left for transit, and what came in against a reference.
  const side = m.toKind === 'transit' ? 'shipped' : m.fromKind === 'transit' ? 'returned' : m.reason === 'receipt' && m.reference ? 'received' : undefined;
  if (side === undefined || m.reference === null) return;
  const [s, q] = side === 'returned' ? ['shipped', -m.qty] : [side, m.qty];
  await client.query(
    `INSERT INTO fleet_transfer_moves (site, reference, sku, side, qty, at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (site, reference, sku, side) DO UPDATE SET qty = fleet_transfer_moves.qty + EXCLUDED.qty, at = GREATEST(fleet_transfer_moves.at, EXCLUDED.at)`,
    [site, m.reference, m.sku, s, q, ts],
  );
}

async function applyDocument(client: pg.ClientBase, site: string, kind: FeedRecord['kind'], d: DocumentChange, ts: string): Promise<void> {
  const [doc, status] = kind.split('.') as ['receipt' | 'shipment', 'opened' | 'closed'];
  await client.query(
    `INSERT INTO fleet_documents (site, kind, document, status, door, party, lines, opened_at, closed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (site, kind, document) DO UPDATE SET status = EXCLUDED.status, door = COALESCE(EXCLUDED.door, fleet_documents.door), party = EXCLUDED.party,
       lines = EXCLUDED.lines, opened_at = COALESCE(EXCLUDED.opened_at, fleet_documents.opened_at), closed_at = EXCLUDED.closed_at`,
    [site, doc, d.document, status === 'opened' ? 'open' : 'closed', d.door, d.party, JSON.stringify(d.lines), status === 'opened' ? ts : null, status === 'closed' ? ts : null],
  );
}

async function applyVariance(client: pg.ClientBase, site: string, v: VarianceChange, ts: string): Promise<void> {
  await client.query(
    `INSERT INTO fleet_variances (site, variance, type, status, door, reference, sku, message, opened_at, resolved_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (site, variance) DO UPDATE SET status = EXCLUDED.status, resolved_at = EXCLUDED.resolved_at`,
    [site, v.variance, v.type, v.status, v.door, v.reference, v.sku, v.message, ts, v.status === 'open' ? null : ts],
  );
}
