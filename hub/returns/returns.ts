// hub/returns — customer returns: returned units go to a `returns` location (not sellable) awaiting inspection, their
// cost coming back at what they left at (the ledger books a unit's last issue cost, or the shipments' average for a
// reference); inspection restocks them (→ stock, value kept) or writes them off (→ scrap, expense booked); units
// waiting too long are reported, aged oldest-first (units leave a location oldest first).
import type { Db } from '../db/database.js';
import { isoTs } from '../../protocols/events/index.js';
import { getItem, getItemByGtin, getLocation, getSerial, LedgerError, listLocations, postMove, recordAudit, VIRTUAL, type Actor, type Move } from '../ledger/index.js';

export interface ReturnInput {
  /** Idempotency key: the same key books the same return once. */
  key: string;
  sku?: string | null;
  gtin?: string | null;
  epc?: string | null;
  qty?: number | null;
  /** A returns location; default the site's first. */
  location?: string | null;
  /** The order or shipment the units came back from (its shipments' cost is what they return at). */
  reference?: string | null;
  note?: string | null;
}

export type Disposition = 'restock' | 'scrap';

export interface InspectionInput {
  key: string;
  epc?: string | null;
  sku?: string | null;
  qty?: number | null;
  /** The returns location the units are in (default: where the EPC is, else the site's first returns location). */
  from?: string | null;
  disposition: Disposition;
  /** Restock target; default the site's first sellable stock location. */
  to?: string | null;
  note: string;
}

const bad = (field: string, message: string) => new LedgerError('invalid', `${field}: ${message}`, field);

function firstLocation(db: Db, kind: 'returns' | 'stock', field: string): string {
  const l = listLocations(db, { kind }).find((x) => kind !== 'stock' || x.sellable);
  if (!l) throw bad(field, `no ${kind === 'stock' ? 'sellable stock' : 'returns'} location exists: name one`);
  return l.id;
}

function requireReturnsLocation(db: Db, id: string, field: string): string {
  const l = getLocation(db, id);
  if (!l) throw new LedgerError('not_found', `${field}: unknown location ${JSON.stringify(id)}`, field);
  if (l.kind !== 'returns') throw bad(field, `location ${id} is a ${l.kind} location, not a returns location`);
  return id;
}

function unitsOf(db: Db, input: { sku?: string | null; gtin?: string | null; epc?: string | null; qty?: number | null }): { sku: string; qty: number; epc: string | null } {
  if (input.qty !== undefined && input.qty !== null && !(Number.isSafeInteger(input.qty) && input.qty > 0)) throw bad('qty', `must be a positive whole number, got ${JSON.stringify(input.qty)}`);
  if (input.epc) {
    const epc = input.epc.toLowerCase();
    const serial = getSerial(db, epc);
    if (!serial) throw new LedgerError('not_found', `epc: EPC ${epc} is not known to the ledger`, 'epc');
    if (input.qty != null && input.qty !== 1) throw bad('qty', 'an EPC is one unit');
    return { sku: serial.sku, qty: 1, epc };
  }
  const item = input.sku ? getItem(db, input.sku) : input.gtin ? getItemByGtin(db, input.gtin.padStart(14, '0')) : undefined;
  if (!input.sku && !input.gtin) throw bad('sku', 'name the units: an epc, or a sku (or gtin) with a qty');
  if (!item) throw new LedgerError('not_found', `${input.sku ? 'sku' : 'gtin'}: unknown item ${JSON.stringify(input.sku ?? input.gtin)}`, input.sku ? 'sku' : 'gtin');
  if (item.tracking === 'serial') throw bad('epc', `${item.sku} is serial-tracked: name the unit by its epc`);
  if (input.qty == null) throw bad('qty', 'qty is required for quantity-tracked items');
  return { sku: item.sku, qty: input.qty, epc: null };
}

/** A return at a station (REST): customer → returns location, at the cost the units left at. */
export function bookReturn(db: Db, input: ReturnInput, actor: Actor, nowMs: number): { status: 'created' | 'exists'; move: Move } {
  return db.transaction(() => {
    const u = unitsOf(db, input);
    const to = input.location ? requireReturnsLocation(db, input.location, 'location') : firstLocation(db, 'returns', 'location');
    const r = postMove(db, { id: `return:${input.key}`, sku: u.sku, qty: u.qty, epc: u.epc, from: VIRTUAL.customer, to, reason: 'return', reference: input.reference ?? null, actor, occurredAt: isoTs(nowMs), note: input.note ?? 'returned, awaiting inspection' }, nowMs);
    if (r.status === 'created') recordAudit(db, { actor, action: 'return.book', target: r.move.id, payload: input, atMs: nowMs });
    return r;
  })();
}

/** Inspect returned units: restock (returns → stock; the value they came back at stays) or write off (→ scrap). */
export function inspectReturn(db: Db, input: InspectionInput, actor: Actor, nowMs: number): { status: 'created' | 'exists'; move: Move } {
  if (input.disposition !== 'restock' && input.disposition !== 'scrap') throw bad('disposition', `must be restock or scrap, got ${JSON.stringify(input.disposition)}`);
  if (typeof input.note !== 'string' || input.note.trim() === '') throw bad('note', 'say what the inspection found');
  return db.transaction(() => {
    const u = unitsOf(db, input);
    const from = input.from
      ? requireReturnsLocation(db, input.from, 'from')
      : u.epc
        ? requireReturnsLocation(db, getSerial(db, u.epc)!.location, 'epc')
        : firstLocation(db, 'returns', 'from');
    let to: string = VIRTUAL.scrap;
    if (input.disposition === 'restock') {
      to = input.to ?? firstLocation(db, 'stock', 'to');
      const loc = getLocation(db, to);
      if (!loc) throw new LedgerError('not_found', `to: unknown location ${JSON.stringify(to)}`, 'to');
      if (loc.virtual) throw bad('to', `restocking puts units in a real location, not ${to}`);
    }
    const r = postMove(db, {
      id: `inspect:${input.key}`,
      sku: u.sku,
      qty: u.qty,
      epc: u.epc,
      from,
      to,
      reason: input.disposition === 'restock' ? 'return' : 'scrap',
      actor,
      occurredAt: isoTs(nowMs),
      note: `inspected, ${input.disposition === 'restock' ? 'restocked' : 'written off'}: ${input.note}`,
    }, nowMs);
    if (r.status === 'created') recordAudit(db, { actor, action: `return.${input.disposition}`, target: r.move.id, reason: input.note, payload: input, atMs: nowMs });
    return r;
  })();
}

/** Units of one SKU at a location, aged: on hand attributed to the newest arrivals (they leave oldest first). */
export function ageOnHand(onHand: number, arrivalsNewestFirst: Iterable<{ qty: number; atMs: number }>, nowMs: number): Array<{ qty: number; since: number; ageHours: number }> {
  const out: Array<{ qty: number; since: number; ageHours: number }> = [];
  let left = onHand;
  for (const a of arrivalsNewestFirst) {
    if (left <= 0) break;
    const q = Math.min(left, a.qty);
    out.push({ qty: q, since: a.atMs, ageHours: (nowMs - a.atMs) / 3_600_000 });
    left -= q;
  }
  // More on hand than arrivals explain (an opening balance): age unknown, reported from the epoch.
  if (left > 0) out.push({ qty: left, since: 0, ageHours: nowMs / 3_600_000 });
  return out;
}

export interface WaitingUnits {
  location: string;
  sku: string;
  epc: string | null;
  qty: number;
  since: string;
  ageHours: number;
  overdue: boolean;
}

/** Everything in returns locations awaiting inspection, oldest first, with the units waiting longer than maxWaitHours flagged. */
export function waitingReturns(db: Db, maxWaitHours: number, nowMs: number): WaitingUnits[] {
  const out: WaitingUnits[] = [];
  const at = (w: Omit<WaitingUnits, 'overdue' | 'since' | 'ageHours'> & { sinceMs: number }) =>
    out.push({ location: w.location, sku: w.sku, epc: w.epc, qty: w.qty, since: isoTs(w.sinceMs), ageHours: Math.round(((nowMs - w.sinceMs) / 3_600_000) * 10) / 10, overdue: nowMs - w.sinceMs > maxWaitHours * 3_600_000 });
  for (const loc of listLocations(db, { kind: 'returns' })) {
    // updated_ms is when its last move was posted (no join to moves: a closed period's moves are archived)
    const serials = db.prepare('SELECT s.epc, s.sku, s.updated_ms AS posted_ms FROM serials s WHERE s.location = ?').all(loc.id) as Array<{ epc: string; sku: string; posted_ms: number }>;
    for (const s of serials) at({ location: loc.id, sku: s.sku, epc: s.epc, qty: 1, sinceMs: s.posted_ms });
    const balances = db.prepare("SELECT b.sku, b.qty FROM balances b JOIN items i ON i.sku = b.sku WHERE b.location = ? AND b.qty > 0 AND i.tracking = 'quantity'").all(loc.id) as Array<{ sku: string; qty: number }>;
    for (const b of balances) {
      const arrivals = db.prepare('SELECT qty, posted_ms AS atMs FROM moves WHERE to_location = ? AND sku = ? ORDER BY seq DESC').iterate(loc.id, b.sku) as IterableIterator<{ qty: number; atMs: number }>;
      for (const part of ageOnHand(b.qty, arrivals, nowMs)) at({ location: loc.id, sku: b.sku, epc: null, qty: part.qty, sinceMs: part.since });
    }
  }
  return out.sort((a, b) => a.since.localeCompare(b.since));
}
