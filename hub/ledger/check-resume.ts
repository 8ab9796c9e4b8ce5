// hub/ledger — the incremental check of some SKUs, each resumed where the last passing check left it (check-state.ts):
// only a SKU's moves after its resume seq are replayed, from its stored state or from the basis (the closed period's
// snapshot, or nothing), then compared with the stored rows. A replay resumed from a verified state reaches exactly
// what a replay of the SKU's whole history reaches (moves are immutable, the basis and catalog are the same), so the
// balances, valuation and cost layers it compares, and each move's value and unit chain on the way, are checked as the
// whole replay checks them. Units: only those the replayed moves touched are compared — any other unit of the SKU has
// not moved since a check (or the close's full check) verified its row; a row drifted without a move is the full
// check's to find, as is any row of a SKU no move after the point touched.
// In slices of at most `chunk` moves replayed, then of `chunk` units compared: the replay runs outside any transaction
// (the moves after the basis never change while it stays); each units slice first replays, in its read transaction,
// what was posted since, then compares its units; the last slice, in ONE read transaction, replays what was posted
// since, compares balances, valuation, layers and holds, and the units not compared yet or moved again meanwhile.
import type { Db } from '../db/database.js';
import {
  catalogPrint,
  checkBalances,
  checkHolds,
  checkLedger,
  checkUnit,
  checkValuation,
  narrow,
  SERIAL_COLUMNS,
  type CheckReport,
  type Difference,
  type SerialRow,
} from './check.js';
import { unitSource, type Resume, type VerifiedStates } from './check-state.js';
import type { MoveRow } from './moves.js';
import { LedgerReplay, snapshotSeq, type ReplayUnit } from './replay.js';
import { stmt } from './statements.js';

export interface ResumedCheck {
  /** The newest move in the ledger when the check ended. */
  toSeq: number;
  report: CheckReport;
  /** What to store with the point when the report is ok; null when a close or a catalog change made the check start over. */
  verified: VerifiedStates | null;
}

/** Check the SKUs of `picks` from their resume points, yielding the seq reached after each slice. */
export function* checkResumedSliced(db: Db, picks: readonly Resume[], chunk: number): Generator<number, ResumedCheck> {
  if (!(chunk >= 1)) throw new RangeError(`check slice must be at least 1 move, got ${chunk}`);
  const differences: Difference[] = [];
  const { locs, methods } = LedgerReplay.catalog(db);
  const skus = picks.map((p) => p.sku);
  const scope = narrow({ full: false, skus });
  const print = catalogPrint(db, scope);
  const basis = snapshotSeq(db);
  const replay = new LedgerReplay(locs, methods, (d) => differences.push(d), unitSource(db, locs, new Set(picks.filter((p) => p.state).map((p) => p.sku))));
  for (const p of picks) {
    if (p.state) replay.restore(p.sku, p.state);
    else if (basis > 0) replay.loadSnapshot(db, ' AND sku = ?', [p.sku], false);
  }
  const streams = picks.map((p) => ({ sku: p.sku, seq: p.seq }));
  /** Units to compare: every unit a replayed move touched, until compared (and again once moved after that). */
  const pending = new Set<string>();
  const moved = new Set<string>();
  const page = (s: (typeof streams)[number], limit: number) =>
    stmt(db, 'SELECT * FROM moves WHERE seq > ? AND sku = ? ORDER BY seq LIMIT ?').all(s.seq, s.sku, limit) as MoveRow[];
  const apply = (s: (typeof streams)[number], rows: readonly MoveRow[]) => {
    for (const m of rows) {
      replay.apply(m);
      if (m.epc === null) continue;
      pending.add(m.epc);
      moved.add(m.epc);
    }
    if (rows.length > 0) s.seq = rows[rows.length - 1]!.seq;
  };
  const catchUp = () => streams.forEach((s) => apply(s, page(s, Number.MAX_SAFE_INTEGER)));
  const unchanged = () => snapshotSeq(db) === basis && catalogPrint(db, scope) === print;
  const serial = (epc: string) => stmt(db, `SELECT ${SERIAL_COLUMNS} FROM serials WHERE epc = ?`).get(epc) as SerialRow | undefined;
  const compareUnits = (most: number) => {
    for (const epc of pending) {
      if (most-- <= 0) break;
      checkUnit(replay, epc, serial(epc));
      pending.delete(epc);
    }
  };

  let budget = chunk;
  for (const s of streams) {
    for (let rows = page(s, budget); ; rows = page(s, budget)) {
      apply(s, rows);
      budget -= rows.length;
      if (budget > 0) break; // a short page: this stream is done for now
      yield s.seq;
      budget = chunk;
    }
  }
  const reached = () => Math.max(...streams.map((s) => s.seq));
  while (pending.size > budget) {
    if (!db.transaction(() => unchanged() && (catchUp(), compareUnits(chunk), true))()) break;
    yield reached();
    budget = chunk;
  }
  return db.transaction((): ResumedCheck => {
    const toSeq = db.prepare('SELECT COALESCE(MAX(seq), 0) FROM moves').pluck().get() as number;
    if (!unchanged()) return { toSeq, report: checkLedger(db, { full: false, skus }), verified: null };
    catchUp();
    checkBalances(db, replay, scope.only, scope.args);
    checkValuation(db, replay, scope.only, scope.args);
    compareUnits(pending.size);
    checkHolds(db, scope, replay.diff);
    const report = { ok: differences.length === 0, moves: replay.moves, skus: skus.length, differences };
    const states = streams.map((s) => ({ sku: s.sku, seq: s.seq, state: replay.stateOf(s.sku) }));
    const units = [...moved].map((epc): [string, ReplayUnit] => [epc, replay.units.get(epc)!]);
    return { toSeq, report, verified: { basis, skus: states, units } };
  })();
}
