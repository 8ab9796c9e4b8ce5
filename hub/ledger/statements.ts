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

/** Run fn in a transaction: its own, or a savepoint inside the caller's (better-sqlite3 nests them). */
export function inTransaction<T>(db: Db, fn: () => T): T {
  return db.transaction(fn)();
}
