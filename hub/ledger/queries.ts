// hub/ledger — read side: the moves list (the audit trail of stock, cursor-paginated by posting sequence) and the
// valuation report.
import type { Db } from '../db/database.js';
import { LedgerError } from './errors.js';
import { moveFromRow, unitMoveSeqs, type MoveRow } from './moves.js';
import { stmt } from './statements.js';
import { MOVE_REASONS, type CostMethod, type Move, type MoveReason } from './types.js';
import { requireOneOf, requireTimestamp } from './validate.js';

export interface MoveFilter {
  sku?: string;
  /** Moves from or to this location. */
  location?: string;
  reason?: MoveReason;
  reference?: string;
  epc?: string;
  /** occurredAt ≥ since (ISO-8601). */
  since?: string;
  /** occurredAt < until (ISO-8601). */
  until?: string;
  /** The nextCursor of the previous page. */
  cursor?: string;
  /** Default 100, at most 1000. */
  limit?: number;
}

export interface MovePage {
  moves: Move[];
  /** Pass as `cursor` for the next page; null when this is the last page. */
  nextCursor: string | null;
}

/** Moves in posting order. The cursor is the last seq seen, so pages are stable while new moves are posted. */
export function listMoves(db: Db, filter: MoveFilter = {}): MovePage {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  const add = (sql: string, key: string, value: unknown) => {
    where.push(sql);
    params[key] = value;
  };
  if (filter.sku !== undefined) add('sku = @sku', 'sku', filter.sku);
  if (filter.location !== undefined) {
    where.push('seq IN (SELECT seq FROM moves WHERE from_location = @location UNION SELECT seq FROM moves WHERE to_location = @location)');
    params.location = filter.location;
  }
  if (filter.reason !== undefined) add('reason = @reason', 'reason', requireOneOf(filter.reason, MOVE_REASONS, 'reason'));
  if (filter.reference !== undefined) add('reference = @reference', 'reference', filter.reference);
  if (filter.epc !== undefined) add(`seq IN (${unitMoveSeqs('@epc')})`, 'epc', filter.epc.toLowerCase());
  if (filter.since !== undefined) add('occurred_ms >= @since', 'since', requireTimestamp(filter.since, 'since'));
  if (filter.until !== undefined) add('occurred_ms < @until', 'until', requireTimestamp(filter.until, 'until'));
  if (filter.cursor !== undefined) {
    if (!/^\d{1,15}$/.test(filter.cursor)) throw new LedgerError('invalid', `cursor must be the nextCursor of a previous page, got ${JSON.stringify(filter.cursor)}`, 'cursor');
    add('seq > @cursor', 'cursor', Number(filter.cursor));
  }
  const limit = filter.limit ?? 100;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) throw new LedgerError('invalid', `limit must be 1 to 1000, got ${limit}`, 'limit');
  params.limit = limit + 1;
  const rows = stmt(db, `SELECT * FROM moves ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq LIMIT @limit`).all(params) as MoveRow[];
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  return { moves: page.map(moveFromRow), nextCursor: more ? String(page[page.length - 1]!.seq) : null };
}

export interface ValuationRow {
  sku: string;
  costMethod: CostMethod;
  /** Units on hand (all real locations). */
  qty: number;
  /** Inventory value, minor currency units; equals the sum of the open cost layers. */
  value: number;
  /** value / qty (a report figure, not stored); null when nothing is on hand. */
  averageUnitCost: number | null;
  openLayers: number;
}

export function valuationReport(db: Db, filter: { sku?: string } = {}): { rows: ValuationRow[]; totalValue: number } {
  const rows = (stmt(db, `SELECT v.sku, i.cost_method AS costMethod, v.qty, v.value,
                          (SELECT COUNT(*) FROM cost_layers c WHERE c.sku = v.sku AND c.remaining_qty <> 0) AS openLayers
                          FROM valuations v JOIN items i ON i.sku = v.sku WHERE (@sku IS NULL OR v.sku = @sku) ORDER BY v.sku`)
    .all({ sku: filter.sku ?? null }) as Array<Omit<ValuationRow, 'averageUnitCost'>>).map((r) => ({ ...r, averageUnitCost: r.qty > 0 ? r.value / r.qty : null }));
  return { rows, totalValue: rows.reduce((s, r) => s + r.value, 0) };
}
