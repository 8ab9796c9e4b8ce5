// hub/db — opening the hub's SQLite database and applying each module's forward-only migrations.
import Database from 'better-sqlite3';
import type { Logger } from '../../protocols/logging/index.js';

export type Db = Database.Database;

/** One module's schema history: migrations numbered 1, 2, 3 … in order, never edited once released. */
export interface MigrationSet {
  /** e.g. 'ledger', 'ingest', 'receiving'. */
  module: string;
  migrations: ReadonlyArray<{ version: number; name: string; sql: string }>;
}

/** The WAL pages after which a commit checkpoints, unless a WalCheckpointer (checkpointer.ts) does it off the thread. */
export const WAL_AUTOCHECKPOINT_PAGES = 10_000;

/**
 * Each connection's page cache (SQLite's default is 2 MiB). A receipt touches ~20 B-trees (the move and its indexes,
 * balances, cost layer, valuation, unit, inbox, door activity), and with 2 MiB their inner pages and the pages being
 * appended to did not stay in the cache: each miss a read() from the OS. 1,000,000 events from 10 gateways, three pairs
 * run in turn: drained in 63.0 / 64.0 / 71.1 s at 64 MiB against 73.0 / 76.1 / 72.1 s at 2 MiB (hub CPU 60.9 / 62.8 /
 * 68.4 s against 70.6 / 73.1 / 69.3 s); 16 MiB 73.0 s, 256 MiB 64.1 s. Three runs in a row at 64 MiB: 76.1, 64.0,
 * 72.1 s — on that VM the runs spread as wide as the gain. The memory is taken as pages are read, up to this.
 */
export const CACHE_MIB = 64;

/**
 * Open (or create) the hub database. WAL with synchronous=FULL: the hub acknowledges an MQTT message only after the
 * transaction that applied it has committed, so a commit must survive power loss, not only a process crash.
 */
export function openDatabase(path: string): Db {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Savepoints (each batch of a group commit, each ledger posting) journal the pages they change; on disk that
  // journal is a temp file written page by page once it passes 64 KiB. In memory it is a copy: same rollback.
  db.pragma('temp_store = MEMORY');
  // A checkpoint runs inside the commit that crosses the threshold, on the hub's one thread. At SQLite's default (1,000
  // pages, 4 MiB of WAL) a catch-up checkpointed every few groups and wrote the same B-tree pages back again and again;
  // at 10,000 pages (~40 MiB of WAL at most between checkpoints, recovered in well under a second) 1 M events from 10
  // gateways drained in 60.0 / 68.1 s against 73.1 / 74.1 s, run in turn (hub 17,254 / 15,250 against 14,419 / 13,892
  // events per CPU-second) — but three later runs with it took 79.1 / 74.1 / 64.1 s: the runs' spread hides the gain.
  // A running hub checkpoints on a worker thread instead (checkpointer.ts): this is for the CLI, and its fallback.
  db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
  db.pragma(`cache_size = -${CACHE_MIB * 1024}`);
  return db;
}

/** Apply every pending migration of every module, each in its own transaction. Returns what was applied. */
export function migrate(db: Db, sets: readonly MigrationSet[], log?: Logger): string[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    module TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL, applied_at TEXT NOT NULL,
    PRIMARY KEY (module, version))`);
  const current = db.prepare('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations WHERE module = ?');
  const record = db.prepare('INSERT INTO schema_migrations (module, version, name, applied_at) VALUES (?, ?, ?, ?)');
  const applied: string[] = [];
  for (const set of sets) {
    const have = (current.get(set.module) as { v: number }).v;
    const known = set.migrations.length;
    if (have > known) {
      throw new Error(`database has ${set.module} schema version ${have}, newer than this build's ${known}: refusing to run an older hub on a newer database`);
    }
    set.migrations.forEach((m, i) => {
      if (m.version !== i + 1) throw new Error(`${set.module} migration #${i + 1} is numbered ${m.version}: migrations must be numbered 1, 2, 3 … in order`);
    });
    for (const m of set.migrations.slice(have)) {
      db.transaction(() => {
        db.exec(m.sql);
        record.run(set.module, m.version, m.name, new Date().toISOString());
      })();
      applied.push(`${set.module}#${m.version} ${m.name}`);
      log?.info({ module: set.module, version: m.version, migration: m.name }, 'migration applied');
    }
  }
  return applied;
}
