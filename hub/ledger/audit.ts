// hub/ledger — the audit log of API mutations: who did what, when, why, with what payload. Append-only.
import type { Db } from '../db/database.js';
import { LedgerError } from './errors.js';
import { archivedAuditRows, archivedAuditSeq } from './archive.js';
import { inTransaction, stmt } from './statements.js';
import { ACTOR_KINDS, type Actor } from './types.js';
import { optionalText, requireMs, requireOneOf, requireText } from './validate.js';

export interface AuditEntry {
  actor: Actor;
  /** What was done, e.g. 'item.create', 'location.update', 'move.post', 'reservation.void'. */
  action: string;
  /** What it was done to, e.g. a SKU or a move id. */
  target?: string | null;
  /** Why, in the user's words. */
  reason?: string | null;
  /** The request body or the change, stored as JSON. */
  payload?: unknown;
  atMs: number;
}

export interface AuditRecord extends Omit<AuditEntry, 'atMs' | 'target' | 'reason'> {
  seq: number;
  at: string;
  target: string | null;
  reason: string | null;
}

export function recordAudit(db: Db, entry: AuditEntry): number {
  if (typeof entry.actor !== 'object' || entry.actor === null) throw new LedgerError('invalid', 'actor must be { kind, id }', 'actor');
  const kind = requireOneOf(entry.actor.kind, ACTOR_KINDS, 'actor.kind');
  const id = requireText(entry.actor.id, 'actor.id', 200);
  const action = requireText(entry.action, 'action', 100);
  const payload = entry.payload === undefined ? null : JSON.stringify(entry.payload);
  return Number(stmt(db, 'INSERT INTO audit_log (at_ms, actor_kind, actor_id, action, target, reason, payload) VALUES (?, ?, ?, ?, ?, ?, ?)')
    .run(requireMs(entry.atMs, 'atMs'), kind, id, action, optionalText(entry.target, 'target', 200), optionalText(entry.reason, 'reason', 2000), payload).lastInsertRowid);
}

type AuditRow = { seq: number; at_ms: number; actor_kind: Actor['kind']; actor_id: string; action: string; target: string | null; reason: string | null; payload: string | null };

/**
 * Audit records oldest first; page with `after` = the last seq seen. Records of closed periods come from the archive
 * (archive.ts): they all precede the live ones, so a page reads the archive first, then the live records.
 */
export function listAudit(db: Db, page: { after?: number; limit?: number; target?: string } = {}): AuditRecord[] {
  const q = { after: page.after ?? 0, target: page.target ?? null, limit: Math.min(Math.max(page.limit ?? 100, 1), 1000) };
  const rows = inTransaction(db, () => {
    const old = archivedAuditRows<AuditRow>(db, q);
    if (old.length === q.limit) return old;
    const after = Math.max(q.after, archivedAuditSeq(db));
    const live = stmt(db, 'SELECT * FROM audit_log WHERE seq > @after AND (@target IS NULL OR target = @target) ORDER BY seq LIMIT @limit')
      .all({ ...q, after, limit: q.limit - old.length }) as AuditRow[];
    return [...old, ...live];
  });
  return rows.map((r) => ({
    seq: r.seq,
    at: new Date(r.at_ms).toISOString(),
    actor: { kind: r.actor_kind, id: r.actor_id },
    action: r.action,
    target: r.target,
    reason: r.reason,
    payload: r.payload === null ? undefined : JSON.parse(r.payload),
  }));
}
