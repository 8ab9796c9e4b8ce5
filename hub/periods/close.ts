// hub/periods — closing a period, step one (SQL): gather the facts, plan (plan.ts), verify the ledger (a full check),
// replay from the previous snapshot to the cut-off, and write the new snapshot with the period record in ONE live
// transaction, so a kill leaves either the old period or the new one. The replay reads moves up to the cut-off only,
// which never change, so it runs before the write transaction and the hub keeps posting meanwhile. The check and the
// replay go in slices (a generator yields between them, steps.ts runs it): the running hub serves and applies events
// between slices. Step two (moving the closed moves out) is archive.ts.
import type { Db } from '../db/database.js';
import { checkFullSliced } from '../ledger/check-point.js';
import { clearCheckState } from '../ledger/check-state.js';
import type { Difference } from '../ledger/check.js';
import { invariant } from '../ledger/errors.js';
import type { MoveRow } from '../ledger/moves.js';
import { LedgerReplay } from '../ledger/replay.js';
import { downstreamCursors } from './downstream.js';
import { planClose, type ClosePlan, type PeriodState } from './plan.js';
import { runSteps, type CloseStep } from './steps.js';

/** Why a period does not close; `reasons` each name what is in the way. */
export class PeriodCloseRefused extends Error {
  override readonly name = 'PeriodCloseRefused';
  constructor(readonly reasons: readonly string[]) {
    super(`the period does not close: ${reasons.join('; ')}`);
  }
}

export function readPeriodState(db: Db): PeriodState & { auditThroughSeq: number; archivedAuditSeq: number } {
  type Row = {
    period: string | null;
    closed_through_ms: number;
    snapshot_seq: number;
    archived_seq: number;
    audit_through_seq: number;
    archived_audit_seq: number;
  };
  const r = db
    .prepare('SELECT period, closed_through_ms, snapshot_seq, archived_seq, audit_through_seq, archived_audit_seq FROM ledger_period WHERE id = 1')
    .get() as Row;
  return {
    period: r.period,
    closedThroughMs: r.closed_through_ms,
    snapshotSeq: r.snapshot_seq,
    archivedSeq: r.archived_seq,
    auditThroughSeq: r.audit_through_seq,
    archivedAuditSeq: r.archived_audit_seq,
  };
}

/** The plan for a cut-off, from the database as it is now. */
export function planFor(db: Db, throughMs: number, nowMs: number): ClosePlan {
  return db.transaction(() => {
    const current = readPeriodState(db);
    const cutSeq = cutSeqOf(db, current.snapshotSeq, throughMs);
    const lateMoves = db.prepare('SELECT COUNT(*) FROM moves WHERE seq > ? AND occurred_ms < ?').pluck().get(cutSeq, throughMs) as number;
    return planClose({ throughMs, nowMs, current, cutSeq, lateMoves, downstream: downstreamCursors(db, cutSeq, throughMs) });
  })();
}

/** The last seq of the run of moves after `fromSeq` dated before the cut-off. */
function cutSeqOf(db: Db, fromSeq: number, throughMs: number): number {
  const firstAfter = db.prepare('SELECT MIN(seq) FROM moves WHERE seq > ? AND occurred_ms >= ?').pluck().get(fromSeq, throughMs) as number | null;
  const last = db.prepare('SELECT COALESCE(MAX(seq), ?) FROM moves').pluck().get(fromSeq) as number;
  return firstAfter === null ? last : firstAfter - 1;
}

export interface SnapshotResult {
  plan: ClosePlan;
  /** Balances, layers, valuations and units written to the snapshot. */
  rows: number;
}

/** Moves per slice of the check and the replay (the running hub serves between slices). */
export const SLICE_MOVES = 5_000;

/**
 * Close the period through `throughMs` up to its snapshot (archive.ts moves the moves). Refuses (PeriodCloseRefused)
 * when the plan says so or the ledger check finds differences; a plan of 'resume' or 'done' writes nothing here.
 */
export function closePeriodSnapshot(db: Db, throughMs: number, nowMs: number): SnapshotResult {
  return runSteps(closePeriodSnapshotSteps(db, throughMs, nowMs));
}

/** closePeriodSnapshot as steps: it yields after each slice of the check and of the replay. */
export function* closePeriodSnapshotSteps(db: Db, throughMs: number, nowMs: number, slice = SLICE_MOVES): Generator<CloseStep, SnapshotResult> {
  const plan = planFor(db, throughMs, nowMs);
  if (plan.action === 'refuse') throw new PeriodCloseRefused(plan.reasons);
  if (plan.action !== 'close') return { plan, rows: 0 };
  const checked = yield* tagged('check', checkFullSliced(db, nowMs, slice));
  if (!checked.report.ok)
    throw new PeriodCloseRefused([
      `the ledger check finds ${checked.report.differences.length} difference(s) (${checked.point.fault}): fix them before closing a period`,
    ]);
  // Moves posted after the check are not verified: the snapshot stops at what the check saw.
  const snapshotSeq = Math.min(plan.snapshotSeq, checked.toSeq);
  const prev = readPeriodState(db);
  const replay = yield* tagged('snapshot', replayTo(db, prev.snapshotSeq, snapshotSeq, slice));
  let rows = 0;
  db.transaction(() => {
    const now = readPeriodState(db);
    if (now.snapshotSeq !== prev.snapshotSeq || now.closedThroughMs !== prev.closedThroughMs)
      throw new PeriodCloseRefused(['another close ran meanwhile: plan again']);
    const again = planFor(db, throughMs, nowMs);
    if (again.action === 'refuse') throw new PeriodCloseRefused(again.reasons);
    rows = writeSnapshot(db, replay);
    clearCheckState(db); // the incremental check's states were replayed from the old snapshot
    const auditThrough = cutSeqOfAudit(db, now.auditThroughSeq, throughMs);
    db.prepare('UPDATE ledger_period SET period = ?, closed_through_ms = ?, snapshot_seq = ?, audit_through_seq = ?, closed_at_ms = ? WHERE id = 1').run(
      plan.period,
      throughMs,
      snapshotSeq,
      auditThrough,
      nowMs,
    );
    db.prepare('INSERT INTO ledger_period_closes (period, through_ms, snapshot_seq, closed_at_ms, moves) VALUES (?, ?, ?, ?, ?)').run(
      plan.period,
      throughMs,
      snapshotSeq,
      nowMs,
      snapshotSeq - prev.snapshotSeq,
    );
  }).immediate();
  return { plan: { ...plan, snapshotSeq, moves: snapshotSeq - prev.snapshotSeq }, rows };
}

/** A generator of seqs as close steps of one phase. */
function* tagged<T>(phase: CloseStep['phase'], seqs: Generator<number, T>): Generator<CloseStep, T> {
  for (let r = seqs.next(); ; r = seqs.next()) {
    if (r.done) return r.value;
    yield { phase, seq: r.value };
  }
}

/** The last audit seq of the run of records after `fromSeq` made before the cut-off. */
function cutSeqOfAudit(db: Db, fromSeq: number, throughMs: number): number {
  const firstAfter = db.prepare('SELECT MIN(seq) FROM audit_log WHERE seq > ? AND at_ms >= ?').pluck().get(fromSeq, throughMs) as number | null;
  const last = db.prepare('SELECT COALESCE(MAX(seq), ?) FROM audit_log').pluck().get(fromSeq) as number;
  return firstAfter === null ? last : firstAfter - 1;
}

/**
 * The ledger after move `toSeq`: the snapshot after `fromSeq` and the moves between, replayed `slice` at a time,
 * yielding the seq reached. No transaction spans the slices: the snapshot and the moves up to the cut never change
 * while no other close commits, which the write transaction checks.
 */
function* replayTo(db: Db, fromSeq: number, toSeq: number, slice: number): Generator<number, LedgerReplay> {
  const differences: Difference[] = [];
  const replay = LedgerReplay.forDb(db, (d) => differences.push(d));
  if (fromSeq > 0) replay.loadSnapshot(db, '', []);
  const page = db.prepare('SELECT * FROM moves WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?');
  for (let seq = fromSeq; seq < toSeq;) {
    const rows = page.all(seq, toSeq, slice) as MoveRow[];
    invariant(rows.length > 0, `period snapshot: moves ${seq + 1}-${toSeq} are gone (another close archived them?)`);
    for (const m of rows) replay.apply(m);
    seq = rows[rows.length - 1]!.seq;
    if (seq < toSeq) yield seq;
  }
  // The full check just passed over these moves: a difference here is a bug of the replay, not of the ledger.
  invariant(differences.length === 0, `period snapshot: the replay to move ${toSeq} found ${differences[0]?.message}`);
  return replay;
}

function writeSnapshot(db: Db, replay: LedgerReplay): number {
  for (const t of ['balances', 'valuations', 'layers', 'units']) db.prepare(`DELETE FROM ledger_snapshot_${t}`).run();
  let rows = 0;
  const balance = db.prepare('INSERT INTO ledger_snapshot_balances (sku, location, qty) VALUES (?, ?, ?)');
  for (const [key, qty] of replay.balances) {
    if (qty === 0) continue;
    const [sku, location] = key.split('\0') as [string, string];
    balance.run(sku, location, qty);
    rows++;
  }
  const valuation = db.prepare('INSERT INTO ledger_snapshot_valuations (sku, qty, value) VALUES (?, ?, ?)');
  for (const [sku, v] of replay.valued) {
    valuation.run(sku, v.qty, v.value);
    rows++;
  }
  const layer = db.prepare('INSERT INTO ledger_snapshot_layers (sku, ord, unit_cost, qty, value) VALUES (?, ?, ?, ?, ?)');
  for (const sku of replay.layerSkus()) {
    replay.openLayersOf(sku).forEach((l, i) => layer.run(sku, i, l.unitCost, l.qty, l.value));
    rows += replay.openLayersOf(sku).length;
  }
  const unit = db.prepare('INSERT INTO ledger_snapshot_units (epc, sku, location, move_id, seq) VALUES (?, ?, ?, ?, ?)');
  for (const [epc, u] of replay.units) {
    unit.run(epc, u.sku, u.location, u.moveId, u.seq);
    rows++;
  }
  return rows;
}
