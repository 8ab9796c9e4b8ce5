// hub/periods — closing a period, step two (SQL): move the closed moves, and the rows that exist only for them, to
// the archive database beside the live one (hub/ledger/archive.ts reads it), batch by batch, then give the space back.
//
// One archive file (`<db>.archive.sqlite`) for every period, not one per period: a unit's history is one chain through
// all periods (prev_seq), and one file keeps every archive read one read-only connection and one query, whatever
// the number of closed periods.
//
// Each batch is two transactions, because SQLite commits a transaction over two WAL databases atomically per file,
// not across them: (1) the archive drops whatever it holds past the live marker (a batch a kill interrupted) and
// copies the batch; (2) the live database moves its marker (ledger_period.archived_seq) past the batch and deletes
// it — the immutability triggers let only rows at or below the marker go. A move is therefore live or archived by
// the marker alone: a kill between (1) and (2) leaves archive rows past the marker that no reader sees and the next
// run replaces. Rows archived with a move: the posted or closed holds of it (reservations), the cost layers it opened
// that are used up (a layer never refills once empty), and, with the last batch, the audit records of the period.
// The archive is a generator that yields after each transaction (steps.ts): the running hub serves between them.
import { statSync } from 'node:fs';
import type { Logger } from '../../protocols/logging/index.js';
import { openDatabase, type Db } from '../db/database.js';
import { archivePathOf } from '../ledger/archive.js';
import { invariant } from '../ledger/errors.js';
import { readPeriodState } from './close.js';
import { nextBatch } from './plan.js';
import { runSteps, type CloseStep } from './steps.js';

export interface ArchiveOptions {
  /** Moves per batch (default 20,000). */
  batch?: number;
  /** After the batches: 'incremental' gives freed pages back to the file system (the first time, one VACUUM switches
   *  the database to incremental auto-vacuum); 'incremental-if-on' does so only when the database already is in that
   *  mode (a full VACUUM stops every writer until it ends: the running hub leaves it to the CLI), else leaves the pages
   *  free for new rows, as 'none' always does (default 'incremental'). */
  vacuum?: 'incremental' | 'incremental-if-on' | 'none';
  log?: Logger;
  /** Called after each batch commits (a test's kill point; progress). */
  onBatch?: (to: number) => void;
}

export interface ArchiveResult {
  moves: number;
  batches: number;
  /** Live database bytes (file + WAL) before and after. */
  bytesBefore: number;
  bytesAfter: number;
  archivePath: string;
}

/** Per-move tables: the live table, the rows of a batch (from, to] — `@from`, `@to`, `@through` — and their key. */
const WITH_MOVES = [
  { table: 'reservations', key: 'id', rows: "state <> 'pending' AND move_id IN (SELECT id FROM main.moves WHERE seq > @from AND seq <= @to)" },
  { table: 'cost_layers', key: 'id', rows: 'remaining_qty = 0 AND move_seq > @from AND move_seq <= @to' },
] as const;

export function bytesOf(path: string): number {
  const size = (p: string) => {
    try {
      return statSync(p).size;
    } catch {
      return 0;
    }
  };
  return size(path) + size(`${path}-wal`);
}

/** Move every closed, not yet archived move of the live database at `livePath` to its archive (own connection). */
export function archiveClosedPeriod(livePath: string, opts: ArchiveOptions = {}): ArchiveResult {
  return runSteps(archiveSteps(livePath, opts));
}

/** Pages an incremental vacuum step gives back (16 MB of 4 KiB pages). */
const VACUUM_PAGES = 4096;

/** archiveClosedPeriod as steps: it yields after each transaction and each step of the vacuum. */
export function* archiveSteps(livePath: string, opts: ArchiveOptions = {}): Generator<CloseStep, ArchiveResult> {
  const size = opts.batch ?? 20_000;
  const archivePath = archivePathOf(livePath);
  const bytesBefore = bytesOf(livePath);
  const db = openDatabase(livePath);
  let moves = 0;
  let batches = 0;
  try {
    db.prepare('ATTACH DATABASE ? AS archive').run(archivePath);
    prepareArchive(db);
    for (;;) {
      const state = readPeriodState(db);
      const batch = nextBatch(state.archivedSeq, state.snapshotSeq, size);
      if (!batch) break;
      const last = batch.to === state.snapshotSeq;
      copyBatch(db, batch, state.closedThroughMs, last ? state.auditThroughSeq : state.archivedAuditSeq, state.archivedAuditSeq);
      yield { phase: 'archive', seq: batch.from };
      const dropped = dropBatch(db, batch, last ? state.auditThroughSeq : state.archivedAuditSeq);
      if (dropped === null) continue; // another close (the CLI beside the hub) archived it meanwhile
      moves += dropped;
      batches++;
      opts.log?.info({ component: 'periods', period: state.period, archivedSeq: batch.to, snapshotSeq: state.snapshotSeq }, 'archived a batch of closed moves');
      opts.onBatch?.(batch.to);
      yield { phase: 'archive', seq: batch.to };
    }
    db.exec('DETACH DATABASE archive');
    const vacuum = opts.vacuum ?? 'incremental';
    const incremental = (db.pragma('auto_vacuum', { simple: true }) as number) === 2;
    if (batches > 0 && (vacuum === 'incremental' || (vacuum === 'incremental-if-on' && incremental))) yield* giveSpaceBack(db, incremental);
  } finally {
    db.close();
  }
  return { moves, batches, bytesBefore, bytesAfter: bytesOf(livePath), archivePath };
}

/** The archive's tables, with the live tables' columns (a column a later migration added is added here too). */
function prepareArchive(db: Db): void {
  db.pragma('archive.journal_mode = DELETE'); // a rollback journal: read-only readers need no -shm beside it
  db.pragma('archive.synchronous = FULL');
  const columns = (schema: string, table: string) =>
    db.prepare(`SELECT name, type FROM pragma_table_info(?, ?)`).all(table, schema) as Array<{ name: string; type: string }>;
  const tables: Array<{ table: string; key: string; extra: string }> = [
    { table: 'moves', key: 'seq', extra: '' },
    { table: 'audit_log', key: 'seq', extra: '' },
    ...WITH_MOVES.map((t) => ({ table: t.table, key: t.key, extra: ', batch_seq INTEGER NOT NULL' })),
  ];
  db.transaction(() => {
    for (const { table, key, extra } of tables) {
      const live = columns('main', table);
      invariant(live.length > 0, `archive: the live database has no ${table} table`);
      const have = new Set(columns('archive', table).map((c) => c.name));
      if (have.size === 0) {
        const cols = live.map((c) => `${c.name} ${c.type}${c.name === key ? ' PRIMARY KEY' : ''}`).join(', ');
        db.exec(`CREATE TABLE archive.${table} (${cols}${extra})`);
      } else {
        for (const c of live.filter((c) => !have.has(c.name))) db.exec(`ALTER TABLE archive.${table} ADD COLUMN ${c.name} ${c.type}`);
      }
    }
    db.exec(`CREATE UNIQUE INDEX IF NOT EXISTS archive.moves_id ON moves(id);
      CREATE INDEX IF NOT EXISTS archive.moves_sku ON moves(sku, seq);
      CREATE INDEX IF NOT EXISTS archive.moves_from ON moves(from_location, seq);
      CREATE INDEX IF NOT EXISTS archive.moves_to ON moves(to_location, seq);
      CREATE INDEX IF NOT EXISTS archive.moves_reference ON moves(reference, seq) WHERE reference IS NOT NULL;
      CREATE INDEX IF NOT EXISTS archive.moves_occurred ON moves(occurred_ms);
      CREATE TRIGGER IF NOT EXISTS archive.moves_immutable_update BEFORE UPDATE ON moves
        BEGIN SELECT RAISE(ABORT, 'archived moves are immutable'); END;`);
  })();
}

const columnList = (db: Db, table: string) => (db.prepare('SELECT name FROM pragma_table_info(?, ?)').pluck().all(table, 'main') as string[]).join(', ');

/** Transaction (1): the archive forgets rows past the live marker, then takes the batch. Writes the archive only. */
function copyBatch(db: Db, b: { from: number; to: number }, throughMs: number, auditTo: number, auditFrom: number): void {
  db.transaction(() => {
    db.prepare('DELETE FROM archive.moves WHERE seq > ?').run(b.from);
    db.prepare('DELETE FROM archive.audit_log WHERE seq > ?').run(auditFrom);
    for (const t of WITH_MOVES) db.prepare(`DELETE FROM archive.${t.table} WHERE batch_seq > ?`).run(b.from);
    const moves = columnList(db, 'moves');
    db.prepare(`INSERT INTO archive.moves (${moves}) SELECT ${moves} FROM main.moves WHERE seq > @from AND seq <= @to`).run(b);
    for (const t of WITH_MOVES) {
      const cols = columnList(db, t.table);
      db.prepare(`INSERT INTO archive.${t.table} (${cols}, batch_seq) SELECT ${cols}, @to FROM main.${t.table} WHERE ${t.rows}`).run(b);
    }
    if (auditTo > auditFrom) {
      const cols = columnList(db, 'audit_log');
      db.prepare(`INSERT INTO archive.audit_log (${cols}) SELECT ${cols} FROM main.audit_log WHERE seq > ? AND seq <= ?`).run(auditFrom, auditTo);
    }
  })();
}

/**
 * Transaction (2): the live marker moves past the batch and the batch's rows go. Writes the live database only; null
 * (nothing written) when the marker is no longer where the batch starts: another close moved it between (1) and (2).
 */
function dropBatch(db: Db, b: { from: number; to: number }, auditTo: number): number | null {
  return db
    .transaction(() => {
      if (readPeriodState(db).archivedSeq !== b.from) return null;
      db.prepare('UPDATE ledger_period SET archived_seq = ?, archived_audit_seq = ? WHERE id = 1').run(b.to, auditTo);
      for (const t of WITH_MOVES)
        db.prepare(`DELETE FROM main.${t.table} WHERE ${t.key} IN (SELECT ${t.key} FROM archive.${t.table} WHERE batch_seq = ?)`).run(b.to);
      db.prepare('DELETE FROM main.audit_log WHERE seq <= ?').run(auditTo);
      const copied = db.prepare('SELECT COUNT(*) FROM archive.moves WHERE seq > ? AND seq <= ?').pluck().get(b.from, b.to) as number;
      const gone = db.prepare('DELETE FROM main.moves WHERE seq > ? AND seq <= ?').run(b.from, b.to).changes;
      invariant(gone === copied, `archive: moves ${b.from + 1}-${b.to}: ${copied} copied but ${gone} deleted`);
      return gone;
    })
    .immediate();
}

/** Freed pages back to the file system: incremental vacuum, a step at a time (one full VACUUM the first time switches it on). */
function* giveSpaceBack(db: Db, incremental: boolean): Generator<CloseStep, void> {
  if (!incremental) {
    db.pragma('auto_vacuum = INCREMENTAL');
    db.exec('VACUUM');
  } else {
    const free = () => db.pragma('freelist_count', { simple: true }) as number;
    for (let left = free(); left > 0;) {
      db.pragma(`incremental_vacuum(${VACUUM_PAGES})`);
      const now = free();
      invariant(now < left, `archive: an incremental vacuum step left the free list at ${now} pages`);
      left = now;
      yield { phase: 'vacuum', seq: left };
    }
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
}
