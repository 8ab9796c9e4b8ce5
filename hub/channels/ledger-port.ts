// hub/channels — the ledger seen from channel sync: availability over a channel's locations, and reservations as a
// port. The only file of hub/channels that imports hub/ledger.
import type { Db } from '../db/database.js';
import { getReservation, getStock, LedgerError, reserve, skuChanged, voidReservation } from '../ledger/index.js';
import type { ReservationsPort } from './orders.js';
import type { Availability, ChannelSync } from './sync.js';
import { systemRuntime } from '../../runtime/runtime.js';

/**
 * available(sku, locations) = sellable on-hand in those locations − holds placed there − holds placed nowhere in
 * particular (they may be drawn from any location, so every channel counts them), and never more than the site's
 * available. Conservative on purpose: a channel may show too little for a moment, never too much.
 */
export function ledgerAvailability(db: Db): (sku: string, locations: readonly string[]) => Availability {
  return (sku, locations) => {
    const site = getStock(db, { sku })[0];
    if (!site) return { onHand: 0, reserved: 0, available: 0 };
    const wanted = new Set(locations);
    let onHand = 0;
    let reservedHere = 0;
    let reservedPlaced = 0;
    for (const l of site.locations) {
      reservedPlaced += l.reserved;
      if (!wanted.has(l.location)) continue;
      if (l.sellable) onHand += l.onHand;
      reservedHere += l.reserved;
    }
    const reserved = reservedHere + (site.reserved - reservedPlaced);
    return { onHand, reserved, available: Math.min(onHand - reserved, site.available) };
  };
}

/**
 * Tell `sync` of the stock changes on `db` that can change a channel's quantity; returns the function that stops. A
 * move between locations none of which is sellable (a receipt to the dock) cannot: during a receiving catch-up that is
 * nearly every move, and recomputing each cost ~3 % of the hub's time.
 */
export function markDirtyOnStockChange(db: Db, sync: Pick<ChannelSync, 'markDirty'>): () => void {
  return skuChanged(db).listen((sku, _why, sellable) => {
    if (sellable) sync.markDirty(sku);
  });
}

function fail(err: unknown) {
  if (err instanceof LedgerError) return { ok: false as const, code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) };
  throw err;
}

export function ledgerReservations(db: Db, now: () => number = systemRuntime.now): ReservationsPort {
  return {
    reserve(r) {
      try {
        const made = reserve(db, r, now());
        return { ok: true, status: made.status, state: made.reservation.state };
      } catch (err) {
        // A replayed order computes a later expiry; the hold it made is the same hold.
        const fields = err instanceof LedgerError ? (err.details?.fields as string[] | undefined) : undefined;
        if (err instanceof LedgerError && err.code === 'conflict' && fields?.length === 1 && fields[0] === 'expiresAt')
          return { ok: true, status: 'exists' as const, state: getReservation(db, r.id)!.state };
        return fail(err);
      }
    },
    void(id, reason) {
      try {
        return { ok: true, state: voidReservation(db, id, reason, now()).state };
      } catch (err) {
        return fail(err);
      }
    },
  };
}
