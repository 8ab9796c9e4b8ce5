// fleet/store — applying one batch of a site's feed records to PostgreSQL, exactly once, in ONE transaction with a
// fixed number of statements whatever the batch's size: the site's row locked (its applied_through read), the ids at
// the seqs that may be duplicates read, then each table written once (one multi-row INSERT per table; ON CONFLICT adds
// the batch's net effect, planned in plan.ts, to rows that exist), the site's row updated, commit. The caller
// acknowledges JetStream only after this commits; a redelivered batch finds its seqs at or below applied_through.
import type pg from 'pg';
import type { FeedRecord } from '../../protocols/feed/index.js';
import { batchEffects, FeedInvariantError, planBatch, seqsToCheck, type BatchEffects } from './plan.js';

export interface ApplyResult {
  applied: number;
  duplicates: number;
  /** Set when the batch stopped at a gap: the seq the site needed and the one that came. */
  gap?: { expected: number; got: number };
}

/** A message that is not a feed record: kept in fleet_dead_letters, and the site's problem says so. */
export interface DeadLetter {
  streamSeq: number;
  reason: string;
  payload: string;
}

/**
 * Apply `records` (in stream order) and, when the batch ended at an unreadable message and no gap stopped it first,
 * keep that message as a dead letter in the same transaction. Returns whether the dead letter was kept.
 */
export async function applyBatch(client: pg.ClientBase, site: string, records: readonly FeedRecord[], dead?: DeadLetter): Promise<ApplyResult & { deadLettered: boolean }> {
  await client.query('BEGIN');
  try {
    // Insert-or-touch locks the site's row and reads applied_through in one statement.
    const row = (await client.query<{ applied_through: string }>(
      'INSERT INTO fleet_sites (site) VALUES ($1) ON CONFLICT (site) DO UPDATE SET site = EXCLUDED.site RETURNING applied_through', [site],
    )).rows[0]!;
    const through = Number(row.applied_through);
    const check = seqsToCheck(through, records);
    const appliedIds = new Map<number, string>();
    if (check.length) {
      const seen = await client.query<{ seq: string; id: string }>('SELECT seq, id FROM fleet_changes WHERE site = $1 AND seq = ANY($2::bigint[])', [site, check]);
      for (const s of seen.rows) appliedIds.set(Number(s.seq), s.id);
    }
    const plan = planBatch(site, through, records, appliedIds);
    if (plan.fresh.length) {
      await insertChanges(client, site, plan.fresh);
      await writeEffects(client, site, batchEffects(plan.fresh));
    }
    const deadLettered = dead !== undefined && plan.gap === undefined;
    if (deadLettered) {
      await client.query('INSERT INTO fleet_dead_letters (site, stream_seq, reason, payload) VALUES ($1, $2, $3, $4)', [site, dead.streamSeq, dead.reason, dead.payload]);
    }
    const last = plan.fresh[plan.fresh.length - 1];
    await client.query(
      `UPDATE fleet_sites SET applied_through = $2, last_change_at = COALESCE($3::timestamptz, last_change_at), last_applied_at = now(),
         gap_expected = $4, gap_got = $5, problem = COALESCE($6, problem) WHERE site = $1`,
      [site, plan.through, last?.ts ?? null, plan.gap?.expected ?? null, plan.gap?.got ?? null,
        deadLettered ? `stream message ${dead.streamSeq} is not a valid feed record: ${dead.reason}` : null],
    );
    await client.query('COMMIT');
    return { applied: plan.fresh.length, duplicates: plan.duplicates, ...(plan.gap ? { gap: plan.gap } : {}), deadLettered };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

// Each write sends its rows as one JSON document PostgreSQL unpacks (jsonb_to_recordset): no per-element escaping of
// array parameters on either side, one statement per table whatever the batch's size.
const rowsOf = (rows: readonly object[]): string => JSON.stringify(rows);

async function insertChanges(client: pg.ClientBase, site: string, fresh: readonly FeedRecord[]): Promise<void> {
  // Every seq here is above applied_through, so a conflict can only be a change id applied before at another seq: a
  // plain INSERT (no ON CONFLICT, cheaper per row) fails on it, and the caller rolls the batch back.
  try {
    await client.query(
      `INSERT INTO fleet_changes (site, seq, id, kind, ts, data)
       SELECT $1::text, seq, id, kind, ts, data FROM jsonb_to_recordset($2::jsonb) AS x(seq bigint, id text, kind text, ts timestamptz, data jsonb)`,
      [site, rowsOf(fresh.map((r) => ({ seq: r.seq, id: r.id, kind: r.kind, ts: r.ts, data: r.data })))],
    );
  } catch (err) {
    const e = err as { code?: string; constraint?: string; detail?: string };
    if (e.code === '23505') throw new FeedInvariantError(`site ${site}: a change arrives again at another seq (${e.detail ?? e.constraint}): a change id names one change, a seq one change`);
    throw err;
  }
}

async function writeEffects(client: pg.ClientBase, site: string, e: BatchEffects): Promise<void> {
  if (e.balances.length) {
    await client.query(
      `INSERT INTO fleet_balances (site, sku, location, kind, virtual, qty)
       SELECT $1::text, sku, location, kind, virtual, qty FROM jsonb_to_recordset($2::jsonb) AS x(sku text, location text, kind text, virtual boolean, qty bigint)
       ON CONFLICT (site, sku, location) DO UPDATE SET qty = fleet_balances.qty + EXCLUDED.qty`,
      [site, rowsOf(e.balances)],
    );
  }
  if (e.transfers.length) {
    await client.query(
      `INSERT INTO fleet_transfer_moves (site, reference, sku, side, qty, at)
       SELECT $1::text, reference, sku, side, qty, at FROM jsonb_to_recordset($2::jsonb) AS x(reference text, sku text, side text, qty bigint, at timestamptz)
       ON CONFLICT (site, reference, sku, side) DO UPDATE SET qty = fleet_transfer_moves.qty + EXCLUDED.qty, at = GREATEST(fleet_transfer_moves.at, EXCLUDED.at)`,
      [site, rowsOf(e.transfers)],
    );
  }
  if (e.documents.length) {
    await client.query(
      `INSERT INTO fleet_documents (site, kind, document, status, door, party, lines, opened_at, closed_at)
       SELECT $1::text, kind, document, status, door, party, lines, "openedAt", "closedAt"
         FROM jsonb_to_recordset($2::jsonb) AS x(kind text, document text, status text, door text, party text, lines jsonb, "openedAt" timestamptz, "closedAt" timestamptz)
       ON CONFLICT (site, kind, document) DO UPDATE SET status = EXCLUDED.status, door = COALESCE(EXCLUDED.door, fleet_documents.door), party = EXCLUDED.party,
         lines = EXCLUDED.lines, opened_at = COALESCE(EXCLUDED.opened_at, fleet_documents.opened_at), closed_at = EXCLUDED.closed_at`,
      [site, rowsOf(e.documents)],
    );
  }
  if (e.variances.length) {
    await client.query(
      `INSERT INTO fleet_variances (site, variance, type, status, door, reference, sku, message, opened_at, resolved_at)
       SELECT $1::text, variance, type, status, door, reference, sku, message, "openedAt", "resolvedAt"
         FROM jsonb_to_recordset($2::jsonb) AS x(variance bigint, type text, status text, door text, reference text, sku text, message text, "openedAt" timestamptz, "resolvedAt" timestamptz)
       ON CONFLICT (site, variance) DO UPDATE SET status = EXCLUDED.status, resolved_at = EXCLUDED.resolved_at`,
      [site, rowsOf(e.variances)],
    );
  }
  if (e.reservations.length) {
    // fleet/channels/schema.ts makes the table; a hold's state is all that changes once it exists
    await client.query(
      `INSERT INTO fleet_reservations (site, id, sku, qty, location, state, channel)
       SELECT $1::text, id, sku, qty, location, state, channel FROM jsonb_to_recordset($2::jsonb) AS x(id text, sku text, qty bigint, location text, state text, channel text)
       ON CONFLICT (site, id) DO UPDATE SET state = EXCLUDED.state`,
      [site, rowsOf(e.reservations)],
    );
  }
}
