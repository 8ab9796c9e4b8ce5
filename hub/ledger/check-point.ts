// hub/ledger — the ledger check's verified point: every move up to `seq` has been verified. `check` (incremental)
// verifies the moves after it — the SKUs they touch, each replayed from where the last passing check left it (its
// verified state, check-state.ts; from the closed period's snapshot or nothing when it has none) — and moves the point
// on; `check --full` verifies every SKU from its whole history and resets the point to the newest move. A check that
// finds a difference leaves the point where it was and records the fault, so status reports it and the next
// incremental check retries the same moves. Scope of the incremental check: a row that drifted in a SKU no move after
// the point touched, or a unit's row that drifted though no move touched the unit since, is found by the full check only.
import type { Db } from '../db/database.js';
import { checkResumedSliced, type ResumedCheck } from './check-resume.js';
import { dropCheckState, resumeOf, saveCheckState, writeUnitsAhead, type Resume } from './check-state.js';
import { checkLedger, checkLedgerSliced, type CheckReport } from './check.js';
import { snapshotSeq } from './replay.js';

export interface VerifiedPoint {
  /** Moves up to this seq are verified (0: none yet). */
  seq: number;
  /** When the point last moved (ms; 0: never). */
  atMs: number;
  /** The first difference of the last failing check and how many there were; null once a check of that scope passes. */
  fault: string | null;
  faultScope: 'full' | 'incremental' | null;
  faultAtMs: number | null;
}

export interface PointCheck {
  mode: 'full' | 'incremental';
  /** The moves verified: after `fromSeq`, up to and including `toSeq` (equal when there was nothing new). */
  fromSeq: number;
  toSeq: number;
  report: CheckReport;
  point: VerifiedPoint;
}

export function readVerifiedPoint(db: Db): VerifiedPoint {
  type Row = { seq: number; at_ms: number; fault: string | null; fault_scope: 'full' | 'incremental' | null; fault_at_ms: number | null };
  const r = db.prepare('SELECT seq, at_ms, fault, fault_scope, fault_at_ms FROM ledger_check_point WHERE id = 1').get() as Row;
  return { seq: r.seq, atMs: r.at_ms, fault: r.fault, faultScope: r.fault_scope, faultAtMs: r.fault_at_ms };
}

/** Moves posted after the verified point (what the self-check still has to do): a count, O(lag) — for status. */
export function movesAfter(db: Db, seq: number): number {
  return (db.prepare('SELECT COUNT(*) AS n FROM moves WHERE seq > ?').get(seq) as { n: number }).n;
}

/** Whether any move was posted after `seq`: one index probe whatever the lag — for the self-check's every slice. */
export function hasMovesAfter(db: Db, seq: number): boolean {
  return db.prepare('SELECT 1 FROM moves WHERE seq > ? LIMIT 1').get(seq) !== undefined;
}

/**
 * The point after a check (pure). A pass moves it to `toSeq` and clears a fault of the same scope or narrower (a
 * full pass clears any fault; an incremental pass does not clear what only the full check can see). A failure keeps
 * the point and records the first difference.
 */
export function nextPoint(prev: VerifiedPoint, mode: 'full' | 'incremental', toSeq: number, report: CheckReport, nowMs: number): VerifiedPoint {
  if (report.ok) {
    const clears = mode === 'full' || prev.faultScope === 'incremental';
    const fault = clears ? { fault: null, faultScope: null, faultAtMs: null } : { fault: prev.fault, faultScope: prev.faultScope, faultAtMs: prev.faultAtMs };
    return { seq: toSeq, atMs: nowMs, ...fault };
  }
  const n = report.differences.length;
  const fault = `${report.differences[0]!.message}${n > 1 ? ` (and ${n - 1} more difference${n > 2 ? 's' : ''})` : ''}`;
  return { ...prev, fault, faultScope: mode, faultAtMs: nowMs };
}

function savePoint(db: Db, p: VerifiedPoint): void {
  db.prepare('UPDATE ledger_check_point SET seq = ?, at_ms = ?, fault = ?, fault_scope = ?, fault_at_ms = ? WHERE id = 1').run(
    p.seq,
    p.atMs,
    p.fault,
    p.faultScope,
    p.faultAtMs,
  );
}

/** How much one incremental check may take on: moves after the point, and moves replayed (the touched SKUs' histories). */
export interface SliceLimit {
  moves?: number;
  replay?: number;
}

/**
 * Verify the moves after the point (the CLI's `check`, and a self-check slice: at most `limit.moves` of them, and
 * stopping before a move whose SKU would take the replay past `limit.replay` — a first SKU is always taken, however
 * many moves it has to replay): the SKUs they touch are checked, each from where the last passing check left it
 * (check-resume.ts). What is compared is read in one read transaction: another process posting meanwhile (the CLI
 * beside a running hub) cannot show the check moves without their balances.
 */
export function checkIncremental(db: Db, nowMs: number, limit: SliceLimit = {}): PointCheck {
  // one turn replays and compares everything; only the units stored ahead of the point take turns of their own
  const check = checkIncrementalSliced(db, () => nowMs, limit, Number.MAX_SAFE_INTEGER);
  for (;;) {
    const step = check.next();
    if (step.done) return step.value;
  }
}

/**
 * checkIncremental in turns of at most `chunk` moves replayed or units compared or stored (next(n): n for the next
 * turn), yielding after each how many it took on (0: a turn of fixed costs, not counted), so that however long a SKU's
 * history the caller's event loop is held for one turn at a time. The SKUs are
 * picked by the same limits, each resumed from its verified state (check-state.ts) when it has one. The point moves,
 * as there, only once the whole check passes, at the time `now()` says then, in one transaction with the SKUs' new
 * verified states.
 */
export function* checkIncrementalSliced(db: Db, now: () => number, limit: SliceLimit, chunk: number): Generator<number, PointCheck, number | undefined> {
  const prev = readVerifiedPoint(db);
  const pick = db.transaction(() => pickSlice(db, prev.seq, limit))();
  const checked = pick.picks.length > 0 ? yield* checkResumedSliced(db, pick.picks, chunk) : { report: NOTHING, verified: null };
  // the units stored ahead start a turn of their own (the compare's last step was one, of fixed costs: it yields 0)
  if (checked.report.ok && checked.verified?.newUnits.length) yield* writeUnitsAhead(db, checked.verified, (yield 0) ?? chunk);
  const skus = pick.picks.map((p) => p.sku);
  return db.transaction(() => settleIncremental(db, readVerifiedPoint(db), pick.toSeq, checked, skus, now()))();
}

const NOTHING: CheckReport = { ok: true, moves: 0, skus: 0, differences: [] };

/** The moves after `afterSeq` an incremental check takes on (up to `toSeq`), where it resumes the SKUs they touch, and the moves to replay. */
function pickSlice(db: Db, afterSeq: number, limit: SliceLimit): { toSeq: number; picks: Resume[]; replay: number } {
  const maxMoves = limit.moves ?? Number.MAX_SAFE_INTEGER;
  const maxReplay = limit.replay ?? Number.MAX_SAFE_INTEGER;
  if (!(maxMoves >= 1) || !(maxReplay >= 1)) throw new RangeError(`checkIncremental: limits must be at least 1, got ${JSON.stringify(limit)}`);
  const countOf = db.prepare('SELECT COUNT(*) FROM moves WHERE sku = ? AND seq > ?').pluck();
  const basis = snapshotSeq(db);
  const picks = new Map<string, Resume>();
  let toSeq = afterSeq;
  let replay = 0;
  const after = db.prepare('SELECT seq, sku FROM moves WHERE seq > ? ORDER BY seq LIMIT ?');
  for (const m of after.iterate(afterSeq, maxMoves) as IterableIterator<{ seq: number; sku: string }>) {
    if (!picks.has(m.sku)) {
      const resume = resumeOf(db, m.sku, basis);
      const cost = countOf.get(m.sku, resume.seq) as number;
      if (picks.size > 0 && replay + cost > maxReplay) break;
      replay += cost;
      picks.set(m.sku, resume);
    }
    toSeq = m.seq;
  }
  return { toSeq, picks: [...picks.values()], replay };
}

/**
 * The point after an incremental check of the moves up to `toSeq` (in the caller's write transaction): moved on a
 * pass with the SKUs' verified states stored beside it, the fault recorded on a failure and the faulty SKUs' states
 * dropped.
 */
function settleIncremental(
  db: Db,
  prev: VerifiedPoint,
  toSeq: number,
  checked: Pick<ResumedCheck, 'report' | 'verified'>,
  skus: string[],
  nowMs: number,
): PointCheck {
  const { report, verified } = checked;
  const moved = toSeq > prev.seq;
  const point = moved ? nextPoint(prev, 'incremental', toSeq, report, nowMs) : prev;
  if (moved) savePoint(db, point);
  if (!report.ok) dropCheckState(db, faultySkus(report, skus));
  else if (verified) saveCheckState(db, snapshotSeq(db), verified);
  return { mode: 'incremental', fromSeq: prev.seq, toSeq, report, point };
}

/** The SKUs a failing check's differences name (every SKU it checked when one names none): their states are dropped. */
function faultySkus(report: CheckReport, checked: readonly string[]): readonly string[] {
  const named = report.differences.map((d) => d.sku);
  return named.every((s) => s !== undefined) ? [...new Set(named)] : checked;
}

/** Verify everything; a pass resets the point to the newest move. */
export function checkFull(db: Db, nowMs: number): PointCheck {
  const prev = readVerifiedPoint(db);
  const lastSeq = db.prepare('SELECT COALESCE(MAX(seq), 0) AS s FROM moves');
  const { toSeq, report } = db.transaction(() => ({ toSeq: (lastSeq.get() as { s: number }).s, report: checkLedger(db) }))();
  return settleFull(db, prev, toSeq, report, nowMs);
}

/** checkFull in slices (checkLedgerSliced), yielding the seq reached after each: the same point and report. */
export function* checkFullSliced(db: Db, nowMs: number, chunk: number): Generator<number, PointCheck> {
  const prev = readVerifiedPoint(db);
  const { toSeq, report } = yield* checkLedgerSliced(db, chunk);
  return settleFull(db, prev, toSeq, report, nowMs);
}

/** The point after a full check of the moves up to `toSeq`: reset there on a pass, the fault recorded on a failure. */
function settleFull(db: Db, prev: VerifiedPoint, toSeq: number, report: CheckReport, nowMs: number): PointCheck {
  const point = nextPoint(prev, 'full', toSeq, report, nowMs);
  savePoint(db, point);
  return { mode: 'full', fromSeq: 0, toSeq, report, point };
}
