// hub/ledger — read side: the moves list (the audit trail of stock, cursor-paginated by posting sequence) and the
// valuation report.
import type { Db } from '../db/database.js';
import { LedgerError } from './errors.js';
import { moveFromRow, unitMoveSeqs, type MoveRow } from './moves.js';
import { archiveReader, archivedSeq, unitSeqs } from './archive.js';
import { inTransaction, stmt } from './statements.js';
import { MOVE_REASONS, type CostMethod, type Move, type MoveReason } from './types.js';
import { requireOneOf, requireTimestamp } from './validate.js';

/** The day of moves_occurred_day (schema v7): `occurred_ms / DAY_MS`, SQLite's integer division, as the index has it. */
const DAY_MS = 86_400_000;
/** Beyond any timestamp, for an open end of a window (bound values arrive as REAL: the day is CAST back to INTEGER). */
const FAR_MS = 1e15;

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

/**
 * Moves in posting order. The cursor is the last seq seen, so pages are stable while new moves are posted. Moves of
 * closed periods come from the archive (archive.ts): they all precede the live ones, so a page reads the archive first
 * and the live moves after, in one read transaction of the live database.
 */
export function listMoves(db: Db, filter: MoveFilter = {}): MovePage {
  const upTo = archivedSeq(db);
  if (upTo === 0 || (filter.cursor !== undefined && /^\d{1,15}$/.test(filter.cursor) && Number(filter.cursor) >= upTo)) return listLiveMoves(db, filter);
  return inTransaction(db, () => {
    const limit = filter.limit ?? 100;
    const seqs = filter.epc === undefined ? undefined : unitSeqs(db, filter.epc.toLowerCase());
    const old = listMovesIn(archiveReader(db), { ...filter, epc: undefined }, { upTo, seqs: seqs?.archived });
    if (old.moves.length === limit && old.nextCursor !== null) return old;
    const rest =
      old.moves.length === limit
        ? undefined
        : listMovesIn(db, { ...filter, epc: undefined, cursor: String(upTo), limit: limit - old.moves.length }, { seqs: seqs?.live });
    const moves = [...old.moves, ...(rest?.moves ?? [])];
    const more =
      rest === undefined
        ? listMovesIn(db, { ...filter, epc: undefined, cursor: String(upTo), limit: 1 }, { seqs: seqs?.live }).moves.length > 0
        : rest.nextCursor !== null;
    return { moves, nextCursor: more ? String(moves[moves.length - 1]!.seq) : null };
  });
}

/** listMoves over the live moves only (nothing archived). */
function listLiveMoves(db: Db, filter: MoveFilter): MovePage {
  if (filter.epc === undefined || archivedSeq(db) === 0) return listMovesIn(db, filter, {});
  return inTransaction(db, () => listMovesIn(db, { ...filter, epc: undefined }, { seqs: unitSeqs(db, filter.epc!.toLowerCase()).live }));
}

/**
 * One database's moves (the live one or the archive's) by the filter; `only.upTo` bounds the seqs (the archive's
 * committed part), `only.seqs` replaces the EPC filter with the unit's seqs found across both.
 */
function listMovesIn(db: Db, filter: MoveFilter, only: { upTo?: number; seqs?: readonly number[] }): MovePage {
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
  if (only.seqs !== undefined) add('seq IN (SELECT value FROM json_each(@seqs))', 'seqs', JSON.stringify(only.seqs));
  if (only.upTo !== undefined) add('seq <= @upTo', 'upTo', only.upTo);
  const since = filter.since === undefined ? undefined : requireTimestamp(filter.since, 'since');
  const until = filter.until === undefined ? undefined : requireTimestamp(filter.until, 'until');
  // A window on the live moves: bounded by its first and last seq (windowSeqs), the page is a walk by seq that stops at
  // its end; `+occurred_ms` keeps the planner off moves_occurred, whose order would need a sort of the whole window.
  // The archive has no day index, so it keeps the plain filter.
  const col = only.upTo === undefined ? '+occurred_ms' : 'occurred_ms';
  if (since !== undefined) add(`${col} >= @since`, 'since', since);
  if (until !== undefined) add(`${col} < @until`, 'until', until);
  if (only.upTo === undefined && (since !== undefined || until !== undefined)) {
    const bounds = windowSeqs(db, since, until);
    if (bounds === null) return { moves: [], nextCursor: null };
    add('seq >= @windowFirst', 'windowFirst', bounds.first);
    add('seq <= @windowLast', 'windowLast', bounds.last);
  }
  if (filter.cursor !== undefined) {
    if (!/^\d{1,15}$/.test(filter.cursor))
      throw new LedgerError('invalid', `cursor must be the nextCursor of a previous page, got ${JSON.stringify(filter.cursor)}`, 'cursor');
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

/**
 * Bounds on the seqs of the moves that occurred in [since, until) — at most the first, at least the last (the moves of
 * the window's UTC days, by moves_occurred_day: one seek per day, however many moves a day has) — or null when no
 * move can be in the window. The window is clipped to the moves' first and last occurrence, so an open or wide window
 * seeks only the days that have moves.
 */
function windowSeqs(db: Db, since: number | undefined, until: number | undefined): { first: number; last: number } | null {
  const row = stmt(
    db,
    `WITH RECURSIVE span(d0, d1) AS (
       SELECT CAST(MAX(COALESCE(@since, ${-FAR_MS}), (SELECT MIN(occurred_ms) FROM moves)) AS INTEGER) / ${DAY_MS},
              CAST(MIN(COALESCE(@until - 1, ${FAR_MS}), (SELECT MAX(occurred_ms) FROM moves)) AS INTEGER) / ${DAY_MS}),
     days(d) AS (SELECT d0 FROM span WHERE d0 <= d1 UNION ALL SELECT d + 1 FROM days, span WHERE d < d1)
     SELECT MIN((SELECT MIN(seq) FROM moves WHERE occurred_ms / ${DAY_MS} = d)) AS first,
            MAX((SELECT MAX(seq) FROM moves WHERE occurred_ms / ${DAY_MS} = d)) AS last FROM days`,
  ).get({ since: since ?? null, until: until ?? null }) as { first: number | null; last: number | null };
  if (row.first === null || row.last === null) return null;
  return { first: row.first, last: row.last };
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
  const rows = (
    stmt(
      db,
      `SELECT v.sku, i.cost_method AS costMethod, v.qty, v.value,
                          (SELECT COUNT(*) FROM cost_layers c WHERE c.sku = v.sku AND c.remaining_qty <> 0) AS openLayers
                          FROM valuations v JOIN items i ON i.sku = v.sku WHERE (@sku IS NULL OR v.sku = @sku) ORDER BY v.sku`,
    ).all({ sku: filter.sku ?? null }) as Array<Omit<ValuationRow, 'averageUnitCost'>>
  ).map((r) => ({ ...r, averageUnitCost: r.qty > 0 ? r.value / r.qty : null }));
  return { rows, totalValue: rows.reduce((s, r) => s + r.value, 0) };
}
