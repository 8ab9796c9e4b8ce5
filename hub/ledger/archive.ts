// hub/ledger — reading a closed period's archive: the moves that left the live database (hub/periods) live on in one
// archive database beside it, `<db>.archive.sqlite`, read here through a second, read-only connection (SQLite's ATTACH
// could open it read-only only with URI file names, which this build leaves off). Which archived rows exist is decided
// by the live database alone: moves up to ledger_period.archived_seq, set in the same live transaction that deleted
// them — rows of a batch the archive holds beyond it (a close killed mid-way) are not there yet.
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import type { Db } from '../db/database.js';
import { moveFromRow, unitMoveSeqs, type MoveRow } from './moves.js';
import { stmt } from './statements.js';
import type { Move } from './types.js';

/** The archive database of a live database file. */
export function archivePathOf(livePath: string): string {
  return `${livePath}.archive.sqlite`;
}

/** Moves up to this seq are in the archive, none of them live (0: nothing archived). */
export function archivedSeq(db: Db): number {
  return (stmt(db, 'SELECT archived_seq FROM ledger_period WHERE id = 1').get() as { archived_seq: number }).archived_seq;
}

/** Audit records up to this seq are in the archive, none of them live (0: none archived). */
export function archivedAuditSeq(db: Db): number {
  return stmt(db, 'SELECT archived_audit_seq FROM ledger_period WHERE id = 1').pluck().get() as number;
}

const readers = new WeakMap<Db, Db>();

/**
 * Open the archive read-only. An archive batch a kill interrupted leaves a hot rollback journal that a read-only
 * connection may not roll back ("attempt to write a readonly database"): SQLite's own recovery does it on a brief
 * read-write open first — it restores the archive as it was before that batch, which no reader could see anyway.
 */
export function openArchiveReadOnly(path: string): Db {
  if (existsSync(`${path}-journal`)) {
    const recover = new Database(path, { fileMustExist: true });
    recover.prepare('SELECT COUNT(*) FROM sqlite_master').get();
    recover.close();
  }
  return new Database(path, { readonly: true, fileMustExist: true });
}

/** The read-only connection to `db`'s archive; a clear error when moves were archived but the file is gone. */
export function archiveReader(db: Db): Db {
  let reader = readers.get(db);
  if (reader?.open) return reader;
  const path = archivePathOf(db.name);
  if (!existsSync(path))
    throw new Error(`the ledger's archived moves (up to seq ${archivedSeq(db)}) are in ${path}, which is missing: restore it beside the live database`);
  reader = openArchiveReadOnly(path);
  reader.pragma('busy_timeout = 5000');
  readers.set(db, reader);
  return reader;
}

/** Close the archive reader of `db`, if one is open (the hub's close; tests). */
export function closeArchiveReader(db: Db): void {
  readers.get(db)?.close();
  readers.delete(db);
}

/**
 * The seqs of every move of one unit across live and archive: a walk of its chain from the serial row back through
 * prev_seq, continued in the archive where it leaves the live moves. Call inside a read transaction of `db` when the
 * answer must be consistent with a read of the live moves.
 */
export function unitSeqs(db: Db, epc: string): { live: number[]; archived: number[] } {
  const chain = stmt(db, unitMoveSeqs('?')).pluck().all(epc) as Array<number | null>;
  const upTo = archivedSeq(db);
  const live = chain.filter((s): s is number => s !== null && s > upTo);
  const first = chain.find((s): s is number => s !== null && s <= upTo);
  if (first === undefined) return { live, archived: [] };
  const archived = archiveReader(db)
    .prepare(
      `WITH RECURSIVE chain(seq) AS (SELECT ? UNION ALL SELECT m.prev_seq FROM moves m JOIN chain c ON m.seq = c.seq WHERE m.prev_seq IS NOT NULL)
              SELECT seq FROM chain WHERE seq <= ?`,
    )
    .pluck()
    .all(first, upTo) as number[];
  return { live, archived };
}

/**
 * The archived move with this id, or undefined: a move id names one move forever, so a posting looks here too once a
 * period was archived (moves.ts), and so does getMove. One point read on the archive's unique index of ids.
 */
export function archivedMoveRow(db: Db, id: string, upTo: number = archivedSeq(db)): MoveRow | undefined {
  if (upTo === 0) return undefined;
  return stmt(archiveReader(db), 'SELECT * FROM moves WHERE id = ? AND seq <= ?').get(id, upTo) as MoveRow | undefined;
}

/** Archived moves by seq, oldest first. */
export function archivedMoves(db: Db, seqs: readonly number[]): Move[] {
  if (seqs.length === 0) return [];
  const rows = archiveReader(db)
    .prepare('SELECT * FROM moves WHERE seq IN (SELECT value FROM json_each(?)) ORDER BY seq')
    .all(JSON.stringify(seqs)) as MoveRow[];
  return rows.map(moveFromRow);
}

/** Archived moves by id (the EPCIS export's observations of archived moves). */
export function archivedMovesById(db: Db, ids: readonly string[]): Map<string, Move> {
  if (ids.length === 0 || archivedSeq(db) === 0) return new Map();
  const rows = archiveReader(db)
    .prepare('SELECT * FROM moves WHERE id IN (SELECT value FROM json_each(?)) AND seq <= ?')
    .all(JSON.stringify(ids), archivedSeq(db)) as MoveRow[];
  return new Map(rows.map((r) => [r.id, moveFromRow(r)]));
}

/** An archived hold (a posted hold leaves with its move) by id, as its live row was; undefined when none. */
export function archivedReservationRow<Row>(db: Db, id: string): Row | undefined {
  const upTo = archivedSeq(db);
  if (upTo === 0) return undefined;
  return stmt(archiveReader(db), 'SELECT * FROM reservations WHERE id = ? AND batch_seq <= ?').get(id, upTo) as Row | undefined;
}

/** Archived holds by the reservations list's filter (each null: any). */
export function archivedReservationRows<Row>(db: Db, filter: { sku: string | null; state: string | null; reference: string | null }): Row[] {
  const upTo = archivedSeq(db);
  if (upTo === 0) return [];
  return stmt(
    archiveReader(db),
    `SELECT * FROM reservations WHERE batch_seq <= @upTo AND (@sku IS NULL OR sku = @sku) AND (@state IS NULL OR state = @state)
      AND (@reference IS NULL OR reference = @reference) ORDER BY created_ms, id`,
  ).all({ ...filter, upTo }) as Row[];
}

/** Archived audit records after `after` (of `target`, when not null), oldest first, at most `limit`. */
export function archivedAuditRows<Row>(db: Db, page: { after: number; target: string | null; limit: number }): Row[] {
  const upTo = archivedAuditSeq(db);
  if (upTo <= page.after) return [];
  return stmt(archiveReader(db), 'SELECT * FROM audit_log WHERE seq > @after AND seq <= @upTo AND (@target IS NULL OR target = @target) ORDER BY seq LIMIT @limit').all({
    ...page,
    upTo,
  }) as Row[];
}
