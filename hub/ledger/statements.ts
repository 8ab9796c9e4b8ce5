// hub/ledger — prepared-statement cache per database connection, so hot paths never re-parse SQL.
import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/database.js';

const cache = new WeakMap<Db, Map<string, Statement>>();

export function stmt(db: Db, sql: string): Statement {
  let forDb = cache.get(db);
  if (!forDb) cache.set(db, (forDb = new Map()));
  let s = forDb.get(sql);
  if (!s) forDb.set(sql, (s = db.prepare(sql)));
  return s;
}

const runners = new WeakMap<Db, (fn: () => unknown) => unknown>();

/**
 * Run fn in a transaction: its own, or a savepoint inside the caller's (better-sqlite3 nests them), so a refusal
 * rolls back exactly what fn wrote. One transaction function per connection, made once (making one costs).
 */
export function inTransaction<T>(db: Db, fn: () => T): T {
  let run = runners.get(db);
  if (!run) runners.set(db, (run = db.transaction((f: () => unknown) => f())));
  return run(fn) as T;
}
