// hub/ledger — the incremental check's verified state, per SKU (issue #24 point 4): what a replay of the SKU's moves
// through `seq` held when a check of them passed — balances, valuation, open cost layers (ledger_check_skus) and, for
// each unit those moves touched, where its last move put it (ledger_check_units) — so that the next check of the SKU
// replays only its moves after `seq`, starting from there (check-resume.ts). A SKU's row is written only by a passing
// incremental check, in the transaction that moves the verified point (check-point.ts), and it is what makes the units'
// rows count: a check that replayed a SKU from the basis writes that SKU's units (every unit moved since the close)
// ahead, a slice per transaction, and they are read only under a valid SKU row. A row is valid only on the basis it
// was replayed from (the closed period's snapshot_seq) and with the catalog it was replayed with (the SKU's cost
// method, the locations); a period close clears both tables in its own transaction (hub/periods/close.ts), and a failing
// check drops its SKUs' rows, so that the retry replays them from the basis: a fault never rests on a stored state
// alone. A unit with no row is where the snapshot (ledger_snapshot_units) or nothing puts it. The full check
// (`check --full`) neither reads nor writes any of it. Size: one row per SKU, one per unit moved since the close.
import { createHash } from 'node:crypto';
import type { Db } from '../db/database.js';
import { catalogPrint, narrow } from './check.js';
import { snapshotSeq, type ReplayLocation, type ReplayUnit, type SkuState, type UnitSource } from './replay.js';
import { stmt } from './statements.js';

/** Where a check starts a SKU: its verified state through `seq`, or (state null) the basis — the snapshot or nothing. */
export interface Resume {
  sku: string;
  seq: number;
  state: SkuState | null;
}

/**
 * What a passing check verified, to store with the point: each SKU's state through its seq, and the units it moved —
 * those of SKUs it resumed from a state (`units`: no more than its moves replayed), and those of SKUs it replayed from
 * the basis (`newUnits`: every unit moved since the close, written ahead in slices: writeUnitsAhead).
 */
export interface VerifiedStates {
  basis: number;
  skus: Array<{ sku: string; seq: number; state: SkuState }>;
  units: Array<[epc: string, unit: ReplayUnit]>;
  newUnits: Array<[epc: string, unit: ReplayUnit]>;
}

/** The catalog a SKU's replay depends on (its cost method, every location's flags), as a short digest. */
function catalogDigest(db: Db, sku: string): string {
  return createHash('sha1')
    .update(catalogPrint(db, narrow({ full: false, skus: [sku] })))
    .digest('base64');
}

/** Where the next check starts `sku`: its stored state when valid on `basis` and the catalog as it is, else the basis. */
export function resumeOf(db: Db, sku: string, basis: number): Resume {
  type Row = { seq: number; basis: number; catalog: string; state: string };
  const row = stmt(db, 'SELECT seq, basis, catalog, state FROM ledger_check_skus WHERE sku = ?').get(sku) as Row | undefined;
  if (!row || row.basis !== basis || row.catalog !== catalogDigest(db, sku)) return { sku, seq: basis, state: null };
  return { sku, seq: row.seq, state: JSON.parse(row.state) as SkuState };
}

/**
 * Where a resumed replay finds a unit it does not hold: the unit's verified state when its SKU resumed from one (a
 * row there is newer than the snapshot's: both are cleared together with the snapshot's rewrite), else the snapshot.
 */
export function unitSource(db: Db, locs: ReadonlyMap<string, ReplayLocation>, fromState: ReadonlySet<string>): UnitSource {
  type Row = { sku: string; location: string; move_id: string; seq: number };
  return (epc, sku) => {
    const verified = fromState.has(sku)
      ? (stmt(db, 'SELECT sku, location, move_id, seq FROM ledger_check_units WHERE epc = ? AND sku = ?').get(epc, sku) as Row | undefined)
      : undefined;
    const row =
      verified ?? (stmt(db, 'SELECT sku, location, move_id, seq FROM ledger_snapshot_units WHERE epc = ? AND sku = ?').get(epc, sku) as Row | undefined);
    return row ? { sku: row.sku, location: row.location, kind: locs.get(row.location)?.kind ?? 'stock', moveId: row.move_id, seq: row.seq } : null;
  };
}

/**
 * Store what a passing check verified (in the caller's transaction, the point's); nothing if a close changed the basis
 * since. A row never goes back to an older seq: two checks may overlap (the CLI's beside the hub's), and a unit's row
 * must be its state after its last move up to its SKU's seq, which the check that reached further knows.
 */
export function saveCheckState(db: Db, basis: number, v: VerifiedStates): void {
  if (v.basis !== basis) return;
  const sku = stmt(
    db,
    `INSERT INTO ledger_check_skus (sku, seq, basis, catalog, state) VALUES (?, ?, ?, ?, ?) ON CONFLICT (sku) DO UPDATE
       SET seq = excluded.seq, basis = excluded.basis, catalog = excluded.catalog, state = excluded.state
       WHERE excluded.seq >= ledger_check_skus.seq OR excluded.catalog <> ledger_check_skus.catalog`,
  );
  writeUnits(db, v.units);
  for (const s of v.skus) sku.run(s.sku, s.seq, v.basis, catalogDigest(db, s.sku), JSON.stringify(s.state));
}

function writeUnits(db: Db, units: ReadonlyArray<[string, ReplayUnit]>): void {
  const unit = stmt(
    db,
    `INSERT INTO ledger_check_units (epc, sku, location, move_id, seq) VALUES (?, ?, ?, ?, ?) ON CONFLICT (epc) DO UPDATE
       SET sku = excluded.sku, location = excluded.location, move_id = excluded.move_id, seq = excluded.seq WHERE excluded.seq >= ledger_check_units.seq`,
  );
  for (const [epc, u] of units) unit.run(epc, u.sku, u.location, u.moveId, u.seq);
}

/**
 * Before the point's transaction, the units of the SKUs a passing check replayed from the basis (all their units moved
 * since the close: too many for one transaction), `chunk` per transaction (or what next() passes), yielding after each
 * how many it stored. Inert until their SKU's row is written with the point: a SKU without a valid row never reads them
 * (unitSource). Stops when a close has changed the basis (it cleared the table; what the check verified is not stored
 * then).
 */
export function* writeUnitsAhead(db: Db, v: VerifiedStates, chunk: number): Generator<number, void, number | undefined> {
  for (let i = 0; i < v.newUnits.length;) {
    const part = v.newUnits.slice(i, i + chunk);
    i += part.length;
    if (!db.transaction(() => snapshotSeq(db) === v.basis && (writeUnits(db, part), true))()) return;
    chunk = (yield part.length) ?? chunk;
  }
}

/** Drop the states of these SKUs (a failing check): the next check replays them from the basis. */
export function dropCheckState(db: Db, skus: readonly string[]): void {
  stmt(db, 'DELETE FROM ledger_check_skus WHERE sku IN (SELECT value FROM json_each(?))').run(JSON.stringify(skus));
}

/** Clear every state (a period close rewrites the snapshot they were replayed from; in its transaction). */
export function clearCheckState(db: Db): void {
  db.prepare('DELETE FROM ledger_check_skus').run();
  db.prepare('DELETE FROM ledger_check_units').run();
}
