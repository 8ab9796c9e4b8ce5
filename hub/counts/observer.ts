// hub/counts — counted units from the floor, inside the ingest's batch transaction: RFID passes at a door in count
// mode and arrivals in a read zone count for the open count of that zone; scans in count mode (scanner context
// mode=count, optionally count=<id>) at a door or a station count for the count they name, or the one of that
// door's zone or location, or the only open count.
import type { ScanEvent } from '../../protocols/events/index.js';
import type { Db } from '../db/database.js';
import type { DoorHooks } from '../doors/interpreter.js';
import { stopAll } from '../../runtime/signal.js';
import type { PassOutcome } from '../doors/store.js';
import { LedgerError } from '../ledger/index.js';
import { addCountLine, findOpenCount, type CountSource } from './store.js';

const BY = 'counts';

function count(db: Db, id: number, line: { epc?: string; gtin?: string; qty?: number }, source: CountSource, eventId: string, nowMs: number): PassOutcome {
  try {
    const added = addCountLine(db, id, line, source, eventId, nowMs);
    return { kind: 'claimed', by: BY, message: added ? `counted for count ${id}` : `already counted in count ${id}` };
  } catch (err) {
    // A unit the count cannot place (unknown tag, SKU outside the count) is recorded, not counted.
    if (err instanceof LedgerError && err.code !== 'invariant') return { kind: 'claimed', by: BY, message: `not counted in count ${id}: ${err.message}` };
    throw err;
  }
}

function countMode(event: ScanEvent): { on: boolean; id?: number } {
  let on = false;
  let id: number | undefined;
  for (const c of event.context ?? []) {
    if (c.type === 'mode' && c.value === 'count') on = true;
    if (c.type === 'count' && /^\d+$/.test(c.value)) id = Number(c.value);
  }
  return id === undefined ? { on } : { on, id };
}

function scanned(db: Db, event: ScanEvent, hint: { zone?: string; location?: string }, nowMs: number): PassOutcome | undefined {
  const mode = countMode(event);
  if (!mode.on || !event.gtin) return undefined;
  const id = findOpenCount(db, mode.id !== undefined ? { id: mode.id } : hint);
  if (id === undefined) return { kind: 'claimed', by: BY, message: 'count-mode scan, but no open count to take it' };
  return count(db, id, { gtin: event.gtin, qty: event.qty }, 'scan', event.id, nowMs);
}

/** Counts listen for passes (claiming those they count), station scans and zone arrivals; returns the stop. */
export function listenForCounts(hooks: DoorHooks): () => void {
  return stopAll(
    hooks.claim.listen((db, pass, nowMs) => {
      const event = pass.event;
      if (event.kind === 'scan') return scanned(db, event, { zone: pass.door.id, location: pass.door.location }, nowMs);
      if (pass.door.mode !== 'count' || !pass.epc) return undefined;
      const id = findOpenCount(db, { zone: pass.door.id });
      return id === undefined ? undefined : count(db, id, { epc: pass.epc }, 'rfid', event.id, nowMs);
    }),
    hooks.station.listen((db, event, _gateway, nowMs) => scanned(db, event, {}, nowMs)),
    hooks.zone.listen((db, event, _gateway, nowMs) => {
      if (event.kind !== 'tag.arrive') return;
      const id = db.prepare("SELECT id FROM counts WHERE zone = ? AND status = 'open' ORDER BY id LIMIT 1").get(event.zone) as { id: number } | undefined;
      if (id) count(db, id.id, { epc: event.epc }, 'rfid', event.id, nowMs);
    }),
  );
}
