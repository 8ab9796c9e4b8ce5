// hub/ledger — serialized units (one EPC = one unit): where each is, and moving a unit only when it really moved.
import type { Db } from '../db/database.js';
import { LedgerError } from './errors.js';
import {
  checkMoveInput,
  getMove,
  getSerialRow,
  moveFromRow,
  postChecked,
  postMove,
  serialFromRow,
  unitMoveSeqs,
  type MoveRow,
  type PostOptions,
  type SerialRow,
} from './moves.js';
import { archivedMoves, archivedSeq, unitSeqs } from './archive.js';
import { inTransaction, stmt } from './statements.js';
import type { Move, MoveInput, PostResult, Serial } from './types.js';
import { requireEpc } from './validate.js';

export function getSerial(db: Db, epc: string): Serial | undefined {
  const row = getSerialRow(db, epc.toLowerCase());
  return row && serialFromRow(row);
}

/**
 * A unit as read just before deciding whether to move it. Handed to moveSerial (`options.unit`) with nothing written
 * since, it spares moveSerial reading the unit again.
 */
export interface UnitRead {
  readonly epc: string;
  readonly serial: Serial | undefined;
  readonly row: SerialRow | null;
}

export function readUnit(db: Db, epc: string): UnitRead {
  const key = epc.toLowerCase();
  const row = getSerialRow(db, key) ?? null;
  return { epc: key, serial: row ? serialFromRow(row) : undefined, row };
}

/** Every move of one unit, oldest first: those of closed periods from the archive, then the live ones. */
export function serialHistory(db: Db, epc: string): Move[] {
  const key = epc.toLowerCase();
  if (archivedSeq(db) === 0) return (stmt(db, `SELECT * FROM moves WHERE seq IN (${unitMoveSeqs('?')}) ORDER BY seq`).all(key) as MoveRow[]).map(moveFromRow);
  return inTransaction(db, () => {
    const seqs = unitSeqs(db, key);
    const live = stmt(db, 'SELECT * FROM moves WHERE seq IN (SELECT value FROM json_each(?)) ORDER BY seq').all(JSON.stringify(seqs.live)) as MoveRow[];
    return [...archivedMoves(db, seqs.archived), ...live.map(moveFromRow)];
  });
}

/** Units of a SKU, optionally at one location. */
export function listSerials(db: Db, filter: { sku: string; location?: string }): Serial[] {
  return (
    stmt(db, 'SELECT * FROM serials WHERE sku = @sku AND (@location IS NULL OR location = @location) ORDER BY epc').all({
      sku: filter.sku,
      location: filter.location ?? null,
    }) as Parameters<typeof serialFromRow>[0][]
  ).map(serialFromRow);
}

export type MoveSerialInput = Omit<MoveInput, 'qty' | 'from' | 'sku' | 'epc'> & {
  epc: string;
  /** Default: where the unit is now. Required (with sku) for a unit the ledger has never seen. */
  from?: string;
  /** Default: the unit's SKU. */
  sku?: string;
};

export type MoveSerialResult = PostResult | { status: 'already_there'; serial: Serial };

/**
 * Move one unit to `to`. A unit already at `to` (a repeated read, a second pass) moves nothing and answers
 * `already_there`; a unit that is somewhere other than a given `from` is refused (serial_location). The same move id
 * posted again answers `exists`, as postMove does. `options` as for postMove; `options.unit`: the unit as the caller
 * read it (readUnit) with nothing written since.
 */
export function moveSerial(db: Db, input: MoveSerialInput, nowMs: number, options?: PostOptions & { unit?: UnitRead }): MoveSerialResult {
  const epc = requireEpc(input.epc, 'epc');
  // A move id posted before answers as it was; with from and sku given, postMove finds it by itself (only when it
  // would refuse or insert, so a new id costs no lookup), else its from and sku are the defaults.
  const previous = (input.from === undefined || input.sku === undefined) && typeof input.id === 'string' ? getMove(db, input.id) : undefined;
  if (previous) return postMove(db, { ...input, epc, qty: 1, from: input.from ?? previous.from, sku: input.sku ?? previous.sku }, nowMs, options);
  const serial = options?.unit?.epc === epc ? (options.unit.row ?? undefined) : getSerialRow(db, epc);
  if (serial && serial.location === input.to) {
    const again = serial.last_move_id === input.id || (typeof input.id === 'string' && getMove(db, input.id) !== undefined);
    if (!again) return { status: 'already_there', serial: serialFromRow(serial) };
  }
  const from = input.from ?? serial?.location;
  const sku = input.sku ?? serial?.sku;
  if (from === undefined) throw new LedgerError('invalid', `EPC ${epc} is not known to the ledger: say where it comes from (from, e.g. supplier)`, 'from');
  if (sku === undefined) throw new LedgerError('invalid', `EPC ${epc} is not known to the ledger: say which sku it is a unit of`, 'sku');
  // Nothing was written since the serial was read: the posting takes it as read. The input is built field by field,
  // not spread: one object shape for every caller keeps checkMoveInput's property reads monomorphic (a spread made a
  // new hidden class per pass, ~5 % of a catch-up's CPU in V8's inline-cache misses). Every field is named (a field
  // added to MoveInput and not passed on here is a type error, not a silent loss).
  const move: { [K in keyof Required<MoveInput>]: MoveInput[K] } = {
    id: input.id,
    sku,
    qty: 1,
    from,
    to: input.to,
    reason: input.reason,
    reference: input.reference,
    actor: input.actor,
    eventId: input.eventId,
    epc,
    unitCost: input.unitCost,
    occurredAt: input.occurredAt,
    note: input.note,
    intoOpenPeriod: input.intoOpenPeriod,
  };
  return postChecked(db, checkMoveInput(move), nowMs, null, options, serial ?? null);
}
