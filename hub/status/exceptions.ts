// hub/status — closing the loop on door exceptions: ops mark an exception resolved (who, when, why), so "open" means
// someone still has to look. The door tables stay as the doors wrote them; resolutions sit beside them.
import type { Db, MigrationSet } from '../db/database.js';
import { isoTs } from '../../protocols/events/index.js';
import { recordAudit, type Actor } from '../ledger/index.js';

export const opsMigrations: MigrationSet = {
  module: 'ops',
  migrations: [
    {
      version: 1,
      name: 'exception resolutions',
      sql: `
CREATE TABLE exception_resolutions (
  exception_id INTEGER PRIMARY KEY,     -- door_exceptions.id
  resolved_at  TEXT NOT NULL,
  actor_kind   TEXT NOT NULL,
  actor_id     TEXT NOT NULL,
  note         TEXT NOT NULL
);
`,
    },
    {
      version: 2,
      name: 'health probe',
      sql: `CREATE TABLE health_probe (id INTEGER PRIMARY KEY CHECK (id = 1), at_ms INTEGER NOT NULL); -- the status' real write`,
    },
  ],
};

export interface OpenException {
  id: number;
  door: string;
  eventId: string;
  type: string;
  sku: string | null;
  epc: string | null;
  message: string;
  createdAt: string;
}

export class ExceptionResolutionError extends Error {
  constructor(
    readonly status: 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

const OPEN = `FROM door_exceptions e LEFT JOIN exception_resolutions r ON r.exception_id = e.id WHERE r.exception_id IS NULL`;

/** `except`: exception types to leave out (those the variances room turns into variances). */
export function listOpenExceptions(db: Db, filter: { door?: string; limit?: number; except?: ReadonlySet<string> } = {}): OpenException[] {
  return db
    .prepare(
      `SELECT e.id, e.door, e.event_id AS eventId, e.type, e.sku, e.epc, e.message, e.created_at AS createdAt ${OPEN} AND (@door IS NULL OR e.door = @door)
        AND e.type NOT IN (SELECT value FROM json_each(@except)) ORDER BY e.id DESC LIMIT @limit`,
    )
    .all({ door: filter.door ?? null, limit: filter.limit ?? 100, except: JSON.stringify([...(filter.except ?? [])]) }) as OpenException[];
}

export function openExceptionCounts(db: Db): { byType: Record<string, number>; byDoor: Record<string, number> } {
  const byType: Record<string, number> = {};
  const byDoor: Record<string, number> = {};
  for (const r of db.prepare(`SELECT e.type AS type, e.door AS door, COUNT(*) AS n ${OPEN} GROUP BY e.type, e.door`).all() as Array<{ type: string; door: string; n: number }>) {
    byType[r.type] = (byType[r.type] ?? 0) + r.n;
    byDoor[r.door] = (byDoor[r.door] ?? 0) + r.n;
  }
  return { byType, byDoor };
}

/** Open exceptions per door and type, leaving out the types in `except` (those that became variances). */
export function openExceptionsByDoor(db: Db, except: ReadonlySet<string>): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const r of db.prepare(`SELECT e.door AS door, e.type AS type, COUNT(*) AS n ${OPEN} GROUP BY e.door, e.type`).all() as Array<{ door: string; type: string; n: number }>) {
    if (except.has(r.type)) continue;
    const byType = out.get(r.door) ?? {};
    byType[r.type] = r.n;
    out.set(r.door, byType);
  }
  return out;
}

/** Open unknown_door exceptions per door, with the gateways that reported them. */
export function openUnknownDoors(db: Db): Array<{ door: string; gateways: string[]; open: number }> {
  const rows = db
    .prepare(`SELECT e.door AS door, a.gateway AS gateway, COUNT(*) AS n FROM door_exceptions e LEFT JOIN exception_resolutions r ON r.exception_id = e.id
      LEFT JOIN door_activity a ON a.event_id = e.event_id WHERE r.exception_id IS NULL AND e.type = 'unknown_door' GROUP BY e.door, a.gateway ORDER BY e.door, a.gateway`)
    .all() as Array<{ door: string; gateway: string | null; n: number }>;
  const out = new Map<string, { door: string; gateways: string[]; open: number }>();
  for (const r of rows) {
    const u = out.get(r.door) ?? { door: r.door, gateways: [], open: 0 };
    if (r.gateway) u.gateways.push(r.gateway);
    u.open += r.n;
    out.set(r.door, u);
  }
  return [...out.values()];
}

/** Mark an exception resolved, with the audit record, in one transaction. */
export function resolveException(db: Db, id: number, actor: Actor, note: string, nowMs: number): { id: number; resolvedAt: string; resolvedBy: string; note: string } {
  return db.transaction(() => {
    const exists = db.prepare('SELECT id FROM door_exceptions WHERE id = ?').get(id);
    if (!exists) throw new ExceptionResolutionError(404, `exception ${id} does not exist`);
    const done = db.prepare('SELECT resolved_at AS at, actor_id AS by FROM exception_resolutions WHERE exception_id = ?').get(id) as { at: string; by: string } | undefined;
    if (done) throw new ExceptionResolutionError(409, `exception ${id} was already resolved by ${done.by} at ${done.at}`);
    const at = isoTs(nowMs);
    db.prepare('INSERT INTO exception_resolutions (exception_id, resolved_at, actor_kind, actor_id, note) VALUES (?, ?, ?, ?, ?)').run(id, at, actor.kind, actor.id, note);
    recordAudit(db, { actor, action: 'exception.resolve', target: String(id), reason: note, atMs: nowMs });
    return { id, resolvedAt: at, resolvedBy: `${actor.kind}:${actor.id}`, note };
  })();
}
