// hub/ledger — the incremental check of some SKUs, each resumed where the last passing check left it (check-state.ts):
// only a SKU's moves after its resume seq are replayed, from its stored state or from the basis (the closed period's
// snapshot, or nothing), then compared with the stored rows. A replay resumed from a verified state reaches exactly
// what a replay of the SKU's whole history reaches (moves are immutable, the basis and catalog are the same), so the
// balances, valuation and cost layers it compares, and each move's value and unit chain on the way, are checked as the
// whole replay checks them. Units: only those the replayed moves touched are compared — any other unit of the SKU has
// not moved since a check (or the close's full check) verified its row; a row drifted without a move is the full
// check's to find, as is any row of a SKU no move after the point touched.
// In turns of at most `chunk` moves replayed or units compared, together (the caller may size each next turn by what it
// passes to next(): the self-check sizes them by the time they take): the replay runs outside any transaction
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
  type Narrow,
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

type Stream = { sku: string; seq: number };

/** The replay of the picked SKUs, each from its resume point, and the units it still has to compare. */
class ResumedReplay {
  readonly differences: Difference[] = [];
  readonly replay: LedgerReplay;
  readonly basis: number;
  /** One stream of moves per SKU (by the moves_sku index), each remembering the last seq replayed. */
  readonly streams: Stream[];
  /** Units to compare: every unit a replayed move touched, until compared (and again once moved after that). */
  readonly pending = new Set<string>();
  /** Every unit a replayed move touched: what the check stores once it passes. */
  private readonly moved = new Set<string>();
  private readonly fromState: Set<string>;

  constructor(
    private readonly db: Db,
    picks: readonly Resume[],
    scope: Narrow,
  ) {
    const { locs, methods } = LedgerReplay.catalog(db, scope.only('sku'), scope.args);
    this.basis = snapshotSeq(db);
    this.fromState = new Set(picks.filter((p) => p.state).map((p) => p.sku));
    this.replay = new LedgerReplay(locs, methods, (d) => this.differences.push(d), unitSource(db, locs, this.fromState));
    for (const p of picks) {
      if (p.state) this.replay.restore(p.sku, p.state);
      else if (this.basis > 0) this.replay.loadSnapshot(db, ' AND sku = ?', [p.sku], false);
    }
    this.streams = picks.map((p) => ({ sku: p.sku, seq: p.seq }));
  }

  /** Replay at most `limit` more moves of the stream; returns how many there were. */
  next(s: Stream, limit: number): number {
    const rows = stmt(this.db, 'SELECT * FROM moves WHERE seq > ? AND sku = ? ORDER BY seq LIMIT ?').all(s.seq, s.sku, limit) as MoveRow[];
    for (const m of rows) {
      this.replay.apply(m);
      if (m.epc === null) continue;
      this.pending.add(m.epc);
      this.moved.add(m.epc);
    }
    if (rows.length > 0) s.seq = rows[rows.length - 1]!.seq;
    return rows.length;
  }

  /** Replay what was posted since (in the caller's read transaction). */
  catchUp(): void {
    for (const s of this.streams) this.next(s, Number.MAX_SAFE_INTEGER);
  }

  /** Compare at most `most` pending units with their serial rows. */
  compareUnits(most: number): void {
    const serial = stmt(this.db, `SELECT ${SERIAL_COLUMNS} FROM serials WHERE epc = ?`);
    for (const epc of this.pending) {
      if (most-- <= 0) break;
      checkUnit(this.replay, epc, serial.get(epc) as SerialRow | undefined);
      this.pending.delete(epc);
    }
  }

  reached(): number {
    return Math.max(...this.streams.map((s) => s.seq));
  }

  /** What a pass stores: each SKU's state through its stream's seq, the units moved (split by how their SKU began). */
  verified(): VerifiedStates {
    const skus = this.streams.map((s) => ({ sku: s.sku, seq: s.seq, state: this.replay.stateOf(s.sku) }));
    const units = [...this.moved].map((epc): [string, ReplayUnit] => [epc, this.replay.units.get(epc)!]);
    const resumed = ([, u]: [string, ReplayUnit]) => this.fromState.has(u.sku);
    return { basis: this.basis, skus, units: units.filter(resumed), newUnits: units.filter((u) => !resumed(u)) };
  }
}

/**
 * Check the SKUs of `picks` from their resume points, a turn at a time: each yields the moves and units it took on (its
 * whole slice); next(n): n for the next.
 */
export function* checkResumedSliced(db: Db, picks: readonly Resume[], chunk: number): Generator<number, ResumedCheck, number | undefined> {
  if (!(chunk >= 1)) throw new RangeError(`check slice must be at least 1 move, got ${chunk}`);
  const skus = picks.map((p) => p.sku);
  const scope = narrow({ full: false, skus });
  const print = catalogPrint(db, scope);
  const r = new ResumedReplay(db, picks, scope);
  const unchanged = () => snapshotSeq(db) === r.basis && catalogPrint(db, scope) === print;
  let slice = chunk;
  let budget = slice;
  const turnEnds = function* (): Generator<number, void, number | undefined> {
    slice = budget = (yield slice) ?? chunk;
  };
  // a short page: this stream is done for now; a full one: the turn is
  for (const s of r.streams) while ((budget -= r.next(s, budget)) === 0) yield* turnEnds();
  // the units, in what is left of the turn, then a turn's worth at a time
  while (r.pending.size > budget) {
    if (!db.transaction(() => unchanged() && (r.catchUp(), r.compareUnits(budget), true))()) break;
    yield* turnEnds();
  }
  return db.transaction((): ResumedCheck => {
    const toSeq = db.prepare('SELECT COALESCE(MAX(seq), 0) FROM moves').pluck().get() as number;
    if (!unchanged()) return { toSeq, report: checkLedger(db, { full: false, skus }), verified: null };
    r.catchUp();
    checkBalances(db, r.replay, scope.only, scope.args);
    checkValuation(db, r.replay, scope.only, scope.args);
    r.compareUnits(r.pending.size);
    checkHolds(db, scope, r.replay.diff);
    return { toSeq, report: { ok: r.differences.length === 0, moves: r.replay.moves, skus: skus.length, differences: r.differences }, verified: r.verified() };
  })();
}
