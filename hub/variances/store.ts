// hub/variances — what ops must look at: every difference between what was expected and what happened (short, over,
// unexpected items, unknown tags, wrong doors, unexpected or missing outbound units, count differences), raised live
// inside the ingest's transaction, and resolved once (accept as is, adjust, dismiss) with the moves that resolution
// posts. Each variance carries its own `plan`: the moves that accepting it posts (e.g. receiving held extra units).
import { signalPer } from '../../runtime/signal.js';
import type { Db, MigrationSet } from '../db/database.js';
import { isoTs } from '../../protocols/events/index.js';
import { LedgerError, MOVE_REASONS, postMove, recordAudit, type Actor, type Move, type MoveReason } from '../ledger/index.js';
import { stmt } from '../ledger/statements.js';
import { appendPlan, PLAN_ROWS_SQL, readPlan } from './plan.js';

export const VARIANCE_TYPES = [
  'short',
  'over',
  'unexpected_item',
  'unknown_tag',
  'unknown_direction',
  'wrong_door',
  'unexpected_outbound',
  'missing_outbound',
  'count_difference',
] as const;
export type VarianceType = (typeof VARIANCE_TYPES)[number];
export const VARIANCE_STATUSES = ['open', 'accepted', 'adjusted', 'dismissed'] as const;
export type VarianceStatus = (typeof VARIANCE_STATUSES)[number];
export const RESOLUTIONS = ['accept', 'adjust', 'dismiss'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

/** A move a variance's resolution posts (its id is made from the variance id). */
export interface MoveSpec {
  sku: string;
  qty: number;
  from: string;
  to: string;
  reason: MoveReason;
  epc?: string | null;
  unitCost?: number | null;
  reference?: string | null;
  eventId?: string | null;
  note?: string | null;
}

export interface VarianceInput {
  type: VarianceType;
  door?: string | null;
  reference?: string | null;
  sku?: string | null;
  epc?: string | null;
  expected?: number | null;
  actual?: number | null;
  message: string;
  /** Event ids (or other ids: count lines, API keys) that show it. */
  evidence?: readonly string[];
  /** Moves that accepting it posts; appended to when a live variance grows. */
  plan?: readonly MoveSpec[];
  /** A growing variance (over-receipt of one line, a stray tag read again) is updated, while open, by this key. */
  key?: string | null;
}

export interface Variance {
  id: number;
  type: VarianceType;
  status: VarianceStatus;
  door: string | null;
  reference: string | null;
  sku: string | null;
  epc: string | null;
  expected: number | null;
  actual: number | null;
  message: string;
  evidence: string[];
  /** How often the evidence came (a stray tag read ten times is one variance seen ten times). */
  occurrences: number;
  plan: MoveSpec[];
  createdAt: string;
  updatedAt: string;
  resolvedAt: string | null;
  resolvedBy: string | null;
  resolution: Resolution | null;
  resolutionReason: string | null;
  /** Ids of the moves the resolution posted. */
  resolutionMoves: string[];
}

export const variancesMigrations: MigrationSet = {
  module: 'variances',
  migrations: [
    {
      version: 1,
      name: 'variances',
      sql: `
CREATE TABLE variances (
  id                INTEGER PRIMARY KEY,
  type              TEXT NOT NULL CHECK (type IN (${VARIANCE_TYPES.map((t) => `'${t}'`).join(',')})),
  status            TEXT NOT NULL CHECK (status IN ('open','accepted','adjusted','dismissed')),
  door              TEXT,
  reference         TEXT,
  sku               TEXT,
  epc               TEXT,
  expected          INTEGER,
  actual            INTEGER,
  message           TEXT NOT NULL,
  evidence          TEXT NOT NULL,
  occurrences       INTEGER NOT NULL,
  plan              TEXT NOT NULL,
  key               TEXT,
  created_ms        INTEGER NOT NULL,
  updated_ms        INTEGER NOT NULL,
  resolved_ms       INTEGER,
  resolved_by       TEXT,
  resolution        TEXT CHECK (resolution IN ('accept','adjust','dismiss')),
  resolution_reason TEXT,
  resolution_moves  TEXT,
  CHECK ((status = 'open') = (resolved_ms IS NULL))
);
CREATE UNIQUE INDEX variances_open_key ON variances (key) WHERE status = 'open' AND key IS NOT NULL;
CREATE INDEX variances_status ON variances (status, id);
CREATE INDEX variances_reference ON variances (reference, id);
CREATE INDEX variances_door ON variances (door, id);
`,
    },
    { version: 2, name: 'plans as rows (variance_plan), their size and quantity on the variance', sql: PLAN_ROWS_SQL },
  ],
};

/** Evidence kept per variance; further occurrences are counted, not listed. */
const MAX_EVIDENCE = 100;

interface Row {
  id: number;
  type: VarianceType;
  status: VarianceStatus;
  door: string | null;
  reference: string | null;
  sku: string | null;
  epc: string | null;
  expected: number | null;
  actual: number | null;
  message: string;
  evidence: string;
  occurrences: number;
  plan_size: number;
  plan_qty: number;
  key: string | null;
  created_ms: number;
  updated_ms: number;
  resolved_ms: number | null;
  resolved_by: string | null;
  resolution: Resolution | null;
  resolution_reason: string | null;
  resolution_moves: string | null;
}

function fromRow(db: Db, r: Row): Variance {
  return {
    id: r.id,
    type: r.type,
    status: r.status,
    door: r.door,
    reference: r.reference,
    sku: r.sku,
    epc: r.epc,
    expected: r.expected,
    actual: r.actual,
    message: r.message,
    evidence: JSON.parse(r.evidence) as string[],
    occurrences: r.occurrences,
    plan: r.plan_size === 0 ? [] : readPlan(db, r.id),
    createdAt: isoTs(r.created_ms),
    updatedAt: isoTs(r.updated_ms),
    resolvedAt: r.resolved_ms === null ? null : isoTs(r.resolved_ms),
    resolvedBy: r.resolved_by,
    resolution: r.resolution,
    resolutionReason: r.resolution_reason,
    resolutionMoves: r.resolution_moves === null ? [] : (JSON.parse(r.resolution_moves) as string[]),
  };
}

export function getVariance(db: Db, id: number): Variance | undefined {
  const r = db.prepare('SELECT * FROM variances WHERE id = ?').get(id) as Row | undefined;
  return r && fromRow(db, r);
}

/**
 * Raise a variance, or, when an open one has the same key, update it: expected/actual/message take the new values,
 * evidence and plan are appended (the plan a row per move: plan.ts). Returns its id.
 */
export function raiseVariance(db: Db, v: VarianceInput, nowMs: number): { id: number } {
  if (!(VARIANCE_TYPES as readonly string[]).includes(v.type)) throw new LedgerError('invariant', `unknown variance type ${v.type}`);
  const existing = v.key ? (stmt(db, "SELECT id, evidence, expected, actual, plan_size FROM variances WHERE key = ? AND status = 'open'").get(v.key) as
    Pick<Row, 'id' | 'evidence' | 'expected' | 'actual' | 'plan_size'> | undefined) : undefined;
  if (existing) {
    const evidence = JSON.parse(existing.evidence) as string[];
    for (const e of v.evidence ?? []) if (!evidence.includes(e) && evidence.length < MAX_EVIDENCE) evidence.push(e);
    stmt(db, 'UPDATE variances SET expected = ?, actual = ?, message = ?, evidence = ?, occurrences = occurrences + 1, updated_ms = ? WHERE id = ?')
      .run(v.expected ?? existing.expected, v.actual ?? existing.actual, v.message, JSON.stringify(evidence), nowMs, existing.id);
    appendPlan(db, existing.id, existing.plan_size, v.plan ?? []);
    return { id: existing.id };
  }
  const id = Number(
    stmt(db, `INSERT INTO variances (type, status, door, reference, sku, epc, expected, actual, message, evidence, occurrences, key, created_ms, updated_ms)
                VALUES (?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)`)
      .run(v.type, v.door ?? null, v.reference ?? null, v.sku ?? null, v.epc ?? null, v.expected ?? null, v.actual ?? null, v.message,
        JSON.stringify((v.evidence ?? []).slice(0, MAX_EVIDENCE)), v.key ?? null, nowMs, nowMs).lastInsertRowid,
  );
  appendPlan(db, id, 0, v.plan ?? []);
  return { id };
}

/** raiseVariance, then the variance as it now stands (plan included): for the callers that report what they raised. */
export function raiseAndRead(db: Db, v: VarianceInput, nowMs: number): Variance {
  return getVariance(db, raiseVariance(db, v, nowMs).id)!;
}

/** The open variance with this key: its id and what its plan holds (moves, units), or undefined. */
export function openVarianceByKey(db: Db, key: string): { id: number; planSize: number; planQty: number } | undefined {
  return stmt(db, "SELECT id, plan_size AS planSize, plan_qty AS planQty FROM variances WHERE key = ? AND status = 'open'").get(key) as
    | { id: number; planSize: number; planQty: number }
    | undefined;
}

export interface VarianceFilter {
  status?: VarianceStatus;
  type?: VarianceType;
  door?: string;
  reference?: string;
  /** Raised at or after this instant (ISO-8601). */
  since?: string;
  /** Page: ids greater than this (oldest first), or smaller than this (newest first). */
  after?: number;
  /** oldest (default) or newest first. */
  order?: 'oldest' | 'newest';
  limit?: number;
}

export function listVariances(db: Db, f: VarianceFilter = {}): Variance[] {
  const since = f.since === undefined ? null : Date.parse(f.since);
  if (since !== null && Number.isNaN(since)) throw new LedgerError('invalid', `since must be an ISO-8601 timestamp, got ${JSON.stringify(f.since)}`, 'since');
  if (f.status !== undefined && !(VARIANCE_STATUSES as readonly string[]).includes(f.status)) throw new LedgerError('invalid', `status must be one of ${VARIANCE_STATUSES.join(', ')}, got ${JSON.stringify(f.status)}`, 'status');
  if (f.type !== undefined && !(VARIANCE_TYPES as readonly string[]).includes(f.type)) throw new LedgerError('invalid', `type must be one of ${VARIANCE_TYPES.join(', ')}, got ${JSON.stringify(f.type)}`, 'type');
  const newest = f.order === 'newest';
  // Only the filters given, so SQLite walks the (status, id), (door, id) or (reference, id) index: with
  // `(@status IS NULL OR status = @status)` it walked every id, and the first page of open variances read every
  // resolved one before them: 47 ms → 0.5 ms (median) on the growth bench's 10 M-move ledger (100,000 variances, 1% open).
  const given = Object.entries({ status: f.status, type: f.type, door: f.door, reference: f.reference }).filter(([, v]) => v !== undefined);
  const where = given.map(([col]) => `${col} = @${col}`);
  if (since !== null) where.push('created_ms >= @since');
  where.push(newest ? 'id < @after' : 'id > @after');
  const params = { ...Object.fromEntries(given), ...(since !== null ? { since } : {}), after: f.after ?? (newest ? Number.MAX_SAFE_INTEGER : 0), limit: f.limit ?? 100 };
  const rows = db.prepare(`SELECT * FROM variances WHERE ${where.join(' AND ')} ORDER BY id${newest ? ' DESC' : ''} LIMIT @limit`).all(params) as Row[];
  return rows.map((r) => fromRow(db, r));
}

export interface ResolveInput {
  action: Resolution;
  /** Why, in the user's words (required: the audit says who, when and why). */
  reason: string;
  /** adjust: the moves to post instead of the plan (at least one). */
  moves?: readonly MoveSpec[];
}

/** Each variance resolved on this database, told inside the resolving transaction (e.g. shipping clears a door's red light). */
export const varianceResolved = signalPer<Db, [tx: Db, variance: Variance, nowMs: number]>();

const STATUS_OF: Record<Resolution, VarianceStatus> = { accept: 'accepted', adjust: 'adjusted', dismiss: 'dismissed' };

/**
 * Resolve an open variance, once: `accept` posts its plan (accepting an over-receipt receives the held units),
 * `adjust` posts the moves given, `dismiss` posts nothing. All in one transaction: if a move is refused, nothing
 * changes. Resolving a resolved variance is a conflict.
 */
export function resolveVariance(db: Db, id: number, input: ResolveInput, actor: Actor, nowMs: number): { variance: Variance; moves: Move[] } {
  if (!(RESOLUTIONS as readonly string[]).includes(input.action)) throw new LedgerError('invalid', `action must be one of ${RESOLUTIONS.join(', ')}, got ${JSON.stringify(input.action)}`, 'action');
  if (typeof input.reason !== 'string' || input.reason.trim() === '') throw new LedgerError('invalid', 'reason is required: say why the variance is resolved this way', 'reason');
  return db.transaction(() => {
    const v = getVariance(db, id);
    if (!v) throw new LedgerError('not_found', `variance ${id} does not exist`, 'id');
    if (v.status !== 'open') throw new LedgerError('conflict', `variance ${id} is already ${v.status} (by ${v.resolvedBy} at ${v.resolvedAt}): a variance is resolved once`, 'id');
    let specs: readonly MoveSpec[] = [];
    if (input.action === 'accept') specs = v.plan;
    if (input.action === 'adjust') {
      if (!input.moves || input.moves.length === 0) throw new LedgerError('invalid', 'adjust needs the moves to post (moves: [{ sku, qty, from, to, reason }])', 'moves');
      specs = input.moves;
    }
    const moves = specs.map((s, i) => {
      if (!(MOVE_REASONS as readonly string[]).includes(s.reason)) throw new LedgerError('invalid', `moves[${i}].reason must be one of ${MOVE_REASONS.join(', ')}`, `moves[${i}].reason`);
      try {
        return postMove(db, {
          id: `var:${id}:${input.action}:${i}`,
          sku: s.sku,
          qty: s.qty,
          from: s.from,
          to: s.to,
          reason: s.reason,
          reference: s.reference ?? v.reference,
          epc: s.epc ?? null,
          unitCost: s.unitCost ?? null,
          eventId: s.eventId ?? null,
          actor,
          occurredAt: isoTs(nowMs),
          note: s.note ?? `${input.action} variance ${id} (${v.type}): ${input.reason}`,
        }, nowMs).move;
      } catch (err) {
        if (err instanceof LedgerError && err.code !== 'invariant') {
          const field = input.action === 'adjust' ? `moves[${i}]${err.field ? '.' + err.field : ''}` : 'id';
          throw new LedgerError(err.code, `variance ${id}: cannot post ${input.action === 'accept' ? 'its plan' : 'the adjustment'}, move ${i + 1} of ${specs.length}: ${err.message}`, field, err.details);
        }
        throw err;
      }
    });
    const by = `${actor.kind}:${actor.id}`;
    db.prepare('UPDATE variances SET status = ?, resolution = ?, resolution_reason = ?, resolved_by = ?, resolved_ms = ?, resolution_moves = ?, updated_ms = ? WHERE id = ?')
      .run(STATUS_OF[input.action], input.action, input.reason, by, nowMs, JSON.stringify(moves.map((m) => m.id)), nowMs, id);
    recordAudit(db, { actor, action: 'variance.resolve', target: String(id), reason: input.reason, payload: { action: input.action, moves: moves.map((m) => m.id) }, atMs: nowMs });
    const resolved = getVariance(db, id)!;
    varianceResolved(db).emit(db, resolved, nowMs);
    return { variance: resolved, moves };
  })();
}
