// hub/putaway — putting received units away: every unit a scan names (an EPC, a GS1 GTIN + serial, or an SSCC pallet
// with the EPCs its receipt declared) moves from where the ledger has it to one location, one move per unit, all in one
// transaction: a unit that cannot be found or moved refuses the whole put-away, naming it (units[i]). The same key
// posted again answers with the same moves (each move's id is made from the key and the EPC).
import { encodeSgtin, decodeEpc } from '../../protocols/epc/index.js';
import { isoTs } from '../../protocols/events/index.js';
import type { Db } from '../db/database.js';
import { getLocation, getMove, getSerial, LedgerError, moveSerial, recordAudit, type Actor, type Move } from '../ledger/index.js';
import { palletContents } from '../receiving/store.js';

export type PutawayUnit = { epc: string } | { sscc: string } | { gtin: string; serial: string };

export interface PutawayInput {
  /** The client's idempotency key. */
  key: string;
  /** Where every unit goes (a real location). */
  to: string;
  units: readonly PutawayUnit[];
  note?: string | null;
}

export interface PutawayResult {
  to: string;
  /** EPCs the scans named, each once, in scan order. */
  epcs: string[];
  /** Moves posted now (created) or by an earlier request with the same key (replayed). */
  moves: Move[];
  created: number;
  replayed: number;
  /** Units that were already at `to`: nothing to move. */
  alreadyThere: string[];
}

/** The EPC of a GTIN + serial as the ledger knows it: SGTIN for each company prefix length and filter, the one on file. */
function epcOfGtinSerial(db: Db, gtin: string, serial: string, field: string): string {
  let encodable = false;
  for (let cpl = 6; cpl <= 12; cpl++) {
    for (let filter = 0; filter <= 7; filter++) {
      const r = encodeSgtin({ gtin, serial, companyPrefixLength: cpl, filter });
      if (!r.ok) {
        if (cpl === 12 && filter === 7 && !encodable) throw new LedgerError('invalid', `${field}: GTIN ${gtin} serial ${serial}: ${r.reason}`, field);
        continue;
      }
      encodable = true;
      if (getSerial(db, r.hex)) return r.hex.toLowerCase();
    }
  }
  throw new LedgerError('not_found', `${field}: no unit of GTIN ${gtin} with serial ${serial} is known to the ledger`, field);
}

/** The EPCs the scanned units name, each once, in order. */
export function unitEpcs(db: Db, units: readonly PutawayUnit[]): string[] {
  const out = new Set<string>();
  units.forEach((u, i) => {
    const field = `units[${i}]`;
    if ('epc' in u) {
      const epc = u.epc.toLowerCase();
      if (!getSerial(db, epc)) throw new LedgerError('not_found', `${field}.epc: EPC ${epc} is not known to the ledger (never received)`, `${field}.epc`);
      out.add(epc);
    } else if ('sscc' in u) {
      let contents: ReturnType<typeof palletContents>;
      try {
        contents = palletContents(db, u.sscc);
      } catch (err) {
        throw new LedgerError('invalid', `${field}.sscc: pallets cannot be looked up on this hub (the receiving room is not running): ${(err as Error).message}`, `${field}.sscc`);
      }
      if (!contents) throw new LedgerError('not_found', `${field}.sscc: no receipt expected pallet ${u.sscc}`, `${field}.sscc`);
      for (const c of contents) {
        if (c.epcs.length === 0) throw new LedgerError('invalid', `${field}.sscc: pallet ${u.sscc} holds ${c.qty} of ${c.sku} without EPCs (tracked by quantity): move those with a manual move`, `${field}.sscc`);
        for (const epc of c.epcs) out.add(epc.toLowerCase());
      }
    } else {
      out.add(epcOfGtinSerial(db, u.gtin, u.serial, field));
    }
  });
  return [...out];
}

export function putAway(db: Db, input: PutawayInput, actor: Actor, nowMs: number): PutawayResult {
  return db.transaction(() => {
    const to = getLocation(db, input.to);
    if (!to) throw new LedgerError('not_found', `to: location ${input.to} does not exist`, 'to');
    if (to.virtual) throw new LedgerError('invalid', `to: ${input.to} is a virtual location (${to.kind}): units are put away into a real one`, 'to');
    const epcs = unitEpcs(db, input.units);
    const moves: Move[] = [];
    const alreadyThere: string[] = [];
    let created = 0;
    const occurredAt = isoTs(nowMs);
    for (const epc of epcs) {
      const id = `putaway:${input.key}:${epc}`;
      const earlier = getMove(db, id);
      if (earlier) {
        moves.push(earlier);
        continue;
      }
      const from = getSerial(db, epc)!.location;
      const fromLoc = getLocation(db, from);
      if (fromLoc?.virtual && from !== input.to) {
        const sgtin = decodeEpc(epc);
        throw new LedgerError('conflict', `EPC ${epc}${sgtin.ok ? ` ${sgtin.elementString}` : ''} is at ${from}, outside the site: only units on site can be put away`, 'units');
      }
      const r = moveSerial(db, { id, epc, to: input.to, reason: 'transfer', actor, occurredAt, note: input.note ?? `put away to ${input.to}` }, nowMs);
      if (r.status === 'already_there') alreadyThere.push(epc);
      else {
        moves.push(r.move);
        if (r.status === 'created') created++;
      }
    }
    if (created > 0) recordAudit(db, { actor, action: 'putaway', target: input.to, reason: input.note ?? null, payload: { key: input.key, units: epcs.length, moved: created }, atMs: nowMs });
    return { to: input.to, epcs, moves, created, replayed: moves.length - created, alreadyThere };
  })();
}
