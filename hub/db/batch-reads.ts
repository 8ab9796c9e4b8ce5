// hub/db — one-row reads kept for a batch: the version stamps (catalog_version, doors_version) and other one-row
// tables the posting path reads for every event are read once per ingest batch, not once per event.
//
// Inside withBatchReads (the ingest wraps each batch and each group commit in it, inside the transaction), a
// BatchRead reads its row at its first use and answers that value again while nothing on this connection has written
// the row's table. Within one transaction SQLite shows one snapshot plus this connection's own writes, so only an own
// write can change the row. Such a write is seen by TEMP triggers on the table (TEMP: they exist on this connection
// only; another connection, the sqlite3 shell included, neither runs nor needs them) that call a function of this
// module: from then on, for the rest of the scope, the row is read at every use, exactly as outside a scope — so a
// write a savepoint later rolls back is never answered from memory. Each scope first checks (one read) that the
// triggers are there, and creates the missing ones: a trigger created inside a transaction that rolled back is gone.
import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';

/** Something that reads one row (a prepared statement, plucked or not). */
export interface RowRead {
  get(): unknown;
}

interface Scope {
  /** Tables whose write triggers this scope has checked: only their rows are kept. */
  watched: Set<string>;
  /** Tables this connection wrote during the scope: their rows are read at every use from then on. */
  written: Set<string>;
  values: Map<RowRead, unknown>;
}

interface State {
  /** Every table a BatchRead reads, by the reads. */
  tables: Map<string, Set<RowRead>>;
  scope: Scope | undefined;
  /** The names of this module's TEMP triggers present now. */
  triggers: Statement;
}

const WRITTEN_FN = 'dockgate_batch_read_written';
const TRIGGER_PREFIX = 'dockgate_batch_read_';
const OPS = ['INSERT', 'UPDATE', 'DELETE'] as const;
const states = new WeakMap<Db, State>();

function stateOf(db: Db): State {
  let s = states.get(db);
  if (!s) {
    const state: State = {
      tables: new Map(),
      scope: undefined,
      triggers: db.prepare(`SELECT name FROM sqlite_temp_schema WHERE type = 'trigger' AND name LIKE '${TRIGGER_PREFIX}%'`).pluck(),
    };
    db.function(WRITTEN_FN, { deterministic: false }, (table: unknown) => {
      const scope = state.scope;
      if (scope && typeof table === 'string') {
        scope.written.add(table);
        for (const read of state.tables.get(table) ?? []) scope.values.delete(read);
      }
      return null;
    });
    states.set(db, (s = state));
  }
  return s;
}

/** A table name as SQL can take it unquoted (the triggers are made from it). */
function checkTable(table: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`batch read: ${JSON.stringify(table)} is not a plain table name`);
  return table;
}

/**
 * A read of one row of `table` that a withBatchReads scope answers from memory while this connection has not written
 * the table; outside a scope it reads every time. `read` must read only `table`.
 */
export function batchRead<T>(db: Db, table: string, read: RowRead): () => T {
  const state = stateOf(db);
  let reads = state.tables.get(checkTable(table));
  if (!reads) state.tables.set(table, (reads = new Set()));
  reads.add(read);
  return () => {
    const scope = state.scope;
    if (!scope || !scope.watched.has(table) || scope.written.has(table)) return read.get() as T;
    if (scope.values.has(read)) return scope.values.get(read) as T;
    const value = read.get();
    scope.values.set(read, value);
    return value as T;
  };
}

/**
 * Run `fn` — inside the caller's transaction — with every BatchRead of `db` read at most once while its table is not
 * written on this connection. Outside a transaction it only runs `fn` (another connection may commit between two
 * statements). Nested scopes join the outer one.
 */
export function withBatchReads<T>(db: Db, fn: () => T): T {
  const state = stateOf(db);
  if (state.scope || !db.inTransaction || state.tables.size === 0) return fn();
  const present = new Set(state.triggers.all() as string[]);
  for (const table of state.tables.keys()) {
    for (const op of OPS) {
      const name = `${TRIGGER_PREFIX}${table}_${op.toLowerCase()}`;
      if (!present.has(name)) db.exec(`CREATE TEMP TRIGGER ${name} AFTER ${op} ON main.${table} BEGIN SELECT ${WRITTEN_FN}('${table}'); END`);
    }
  }
  state.scope = { watched: new Set(state.tables.keys()), written: new Set(), values: new Map() };
  try {
    return fn();
  } finally {
    state.scope = undefined;
  }
}
