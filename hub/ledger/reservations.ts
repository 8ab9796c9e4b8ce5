// hub/ledger — reservations: two-phase holds on available stock (pending → posted | voided | expired), so two
// channels can never both sell the last unit. Each step is one transaction; SQLite's single writer makes it atomic.
import type { Db } from '../db/database.js';
import { archivedReservationRow, archivedReservationRows } from './archive.js';
import { skuChanged } from './changes.js';
import { LedgerError } from './errors.js';
import { requireLocation } from './locations.js';
import { postMoveFor, type PostOptions } from './moves.js';
import { stmt, inTransaction } from './statements.js';
import { pendingQty, sellableOnHand } from './stock.js';
import type { Move, MoveInput, Reservation, ReservationInput, ReservationState } from './types.js';
import { optionalText, requireId, requireMs, requirePositiveInt, requireText } from './validate.js';

/** The move and the hold change in one transaction (inTransaction below), which any error rolls back. */
const WITHIN_THIS_TRANSACTION: PostOptions = { callerRollsBack: true };

interface ReservationRow {
  id: string;
  sku: string;
  qty: number;
  location: string | null;
  channel: string | null;
  reference: string;
  state: ReservationState;
  expires_ms: number;
  created_ms: number;
  closed_ms: number | null;
  close_reason: string | null;
  move_id: string | null;
}

function fromRow(r: ReservationRow): Reservation {
  return {
    id: r.id,
    sku: r.sku,
    qty: r.qty,
    location: r.location,
    channel: r.channel,
    reference: r.reference,
    state: r.state,
    expiresAt: r.expires_ms,
    createdAt: r.created_ms,
    closedAt: r.closed_ms,
    closeReason: r.close_reason,
    moveId: r.move_id,
  };
}

/** A hold's row, live or archived with its move (a closed period's posted holds leave for the archive). */
function reservationRow(db: Db, id: string): ReservationRow | undefined {
  return (stmt(db, 'SELECT * FROM reservations WHERE id = ?').get(id) as ReservationRow | undefined) ?? archivedReservationRow<ReservationRow>(db, id);
}

export function getReservation(db: Db, id: string): Reservation | undefined {
  const row = reservationRow(db, id);
  return row && fromRow(row);
}

/** Holds by filter, ordered by creation then id: the live ones and those archived with a closed period. */
export function listReservations(db: Db, filter: { sku?: string; state?: ReservationState; reference?: string } = {}): Reservation[] {
  const q = { sku: filter.sku ?? null, state: filter.state ?? null, reference: filter.reference ?? null };
  const rows = inTransaction(db, () => [
    ...archivedReservationRows<ReservationRow>(db, q),
    ...(stmt(db, `SELECT * FROM reservations WHERE (@sku IS NULL OR sku = @sku) AND (@state IS NULL OR state = @state)
                    AND (@reference IS NULL OR reference = @reference) ORDER BY created_ms, id`).all(q) as ReservationRow[]),
  ]);
  rows.sort((a, b) => a.created_ms - b.created_ms || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return rows.map(fromRow);
}

export type ReserveResult = { status: 'created' | 'exists'; reservation: Reservation };

/**
 * Hold qty of a SKU (at one sellable location, or anywhere sellable) until expiresAt. Refused when it would make
 * available stock negative. Idempotent by id like moves. Holds already past their expiry are released first.
 */
export function reserve(db: Db, input: ReservationInput, nowMs: number): ReserveResult {
  const r = {
    id: requireId(input.id, 'id'),
    sku: requireId(input.sku, 'sku'),
    qty: requirePositiveInt(input.qty, 'qty'),
    location: input.location == null ? null : requireId(input.location, 'location'),
    channel: optionalText(input.channel, 'channel', 100),
    reference: requireText(input.reference, 'reference', 200),
    expiresAt: requireMs(input.expiresAt, 'expiresAt'),
  };
  return inTransaction(db, () => {
    const existing = reservationRow(db, r.id);
    if (existing) {
      const diff = (['sku', 'qty', 'location', 'channel', 'reference', 'expiresAt'] as const).filter((f) =>
        (f === 'expiresAt' ? existing.expires_ms : existing[f]) !== r[f]);
      if (diff.length) throw new LedgerError('conflict', `reservation ${r.id} already exists with different ${diff.join(', ')}`, diff[0], { fields: diff });
      return { status: 'exists', reservation: fromRow(existing) };
    }
    if (r.expiresAt <= nowMs) throw new LedgerError('invalid', `expiresAt ${r.expiresAt} is not after now (${nowMs})`, 'expiresAt');
    if (!stmt(db, 'SELECT 1 FROM items WHERE sku = ?').get(r.sku)) throw new LedgerError('not_found', `sku: unknown item ${JSON.stringify(r.sku)}`, 'sku');
    if (r.location !== null) {
      const loc = requireLocation(db, r.location, 'location');
      if (loc.virtual || !loc.sellable) throw new LedgerError('invalid', `location ${loc.id} is not a sellable real location: stock there cannot be reserved`, 'location');
    }
    expireReservations(db, nowMs, r.sku);
    const available = sellableOnHand(db, r.sku) - pendingQty(db, r.sku);
    if (available < r.qty) {
      throw new LedgerError('insufficient_available', `only ${Math.max(available, 0)} of ${r.sku} available, ${r.qty} requested`, 'qty', { available });
    }
    if (r.location !== null) {
      const here = sellableOnHand(db, r.sku, r.location) - pendingQty(db, r.sku, r.location);
      if (here < r.qty) {
        throw new LedgerError('insufficient_available', `only ${Math.max(here, 0)} of ${r.sku} available at ${r.location}, ${r.qty} requested`, 'qty', { available: here });
      }
    }
    stmt(db, `INSERT INTO reservations (id, sku, qty, location, channel, reference, state, expires_ms, created_ms)
              VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)`).run(r.id, r.sku, r.qty, r.location, r.channel, r.reference, r.expiresAt, nowMs);
    skuChanged(db).emit(r.sku, 'reservation', true);
    return { status: 'created', reservation: getReservation(db, r.id)! };
  });
}

export type PostReservationResult = { status: 'created' | 'exists'; move: Move; reservation: Reservation };

/**
 * Second phase: post the shipment move (qty up to the hold's; the rest is released) and close the hold, in one
 * transaction. Posting the same move again answers `exists`.
 */
export function postReservation(db: Db, id: string, move: MoveInput, nowMs: number): PostReservationResult {
  return inTransaction(db, () => {
    const res = getReservation(db, id);
    if (!res) throw new LedgerError('not_found', `unknown reservation ${JSON.stringify(id)}`, 'id');
    if (res.state === 'posted' && res.moveId === move?.id) {
      const again = postMoveFor(db, move, nowMs, res.id, WITHIN_THIS_TRANSACTION);
      return { status: 'exists', move: again.move, reservation: res };
    }
    if (res.state !== 'pending') throw new LedgerError('reservation_state', `reservation ${id} is ${res.state}, not pending: it can no longer be posted`, 'id');
    if (res.expiresAt <= nowMs) throw new LedgerError('reservation_state', `reservation ${id} expired at ${new Date(res.expiresAt).toISOString()}`, 'id');
    if (move.sku !== res.sku) throw new LedgerError('invalid', `reservation ${id} holds ${res.sku}, the move is of ${JSON.stringify(move.sku)}`, 'sku');
    if (typeof move.qty === 'number' && move.qty > res.qty) throw new LedgerError('invalid', `reservation ${id} holds ${res.qty}, the move takes ${move.qty}`, 'qty');
    if (res.location !== null && move.from !== res.location) throw new LedgerError('invalid', `reservation ${id} holds stock at ${res.location}, the move is from ${JSON.stringify(move.from)}`, 'from');
    const from = requireLocation(db, move.from, 'from');
    if (from.virtual) throw new LedgerError('invalid', `a reservation ships from a real location, ${from.id} is virtual`, 'from');
    const posted = postMoveFor(db, move, nowMs, res.id, WITHIN_THIS_TRANSACTION);
    const note = posted.move.qty < res.qty ? `posted ${posted.move.qty} of ${res.qty}; ${res.qty - posted.move.qty} released` : null;
    stmt(db, "UPDATE reservations SET state = 'posted', closed_ms = ?, close_reason = ?, move_id = ? WHERE id = ?").run(nowMs, note, posted.move.id, id);
    return { status: 'created', move: posted.move, reservation: getReservation(db, id)! };
  });
}

/** Release a pending hold. Voiding a hold that is already voided or expired changes nothing; a posted one is refused. */
export function voidReservation(db: Db, id: string, reason: string, nowMs: number): Reservation {
  const why = requireText(reason, 'reason', 500);
  return inTransaction(db, () => {
    const res = getReservation(db, id);
    if (!res) throw new LedgerError('not_found', `unknown reservation ${JSON.stringify(id)}`, 'id');
    if (res.state === 'voided' || res.state === 'expired') return res;
    if (res.state === 'posted') throw new LedgerError('reservation_state', `reservation ${id} is already posted (move ${res.moveId}): correct it with a return move`, 'id');
    stmt(db, "UPDATE reservations SET state = 'voided', closed_ms = ?, close_reason = ? WHERE id = ?").run(nowMs, why, id);
    skuChanged(db).emit(res.sku, 'reservation', true);
    return getReservation(db, id)!;
  });
}

/** Expire every pending hold whose expiry is at or before nowMs (optionally of one SKU). Returns their ids. */
export function expireReservations(db: Db, nowMs: number, sku?: string): string[] {
  const expired = stmt(db, `UPDATE reservations SET state = 'expired', closed_ms = @now, close_reason = 'expired'
                    WHERE state = 'pending' AND expires_ms <= @now AND (@sku IS NULL OR sku = @sku) RETURNING id, sku`)
    .all({ now: nowMs, sku: sku ?? null }) as { id: string; sku: string }[];
  for (const r of expired) skuChanged(db).emit(r.sku, 'reservation', true);
  return expired.map((r) => r.id);
}
