// What counts as the database failing to write: SQLite's storage codes (extended ones included), not a refusal; a
// writer's failure holds until that writer writes again.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { isStorageError, WriteHealth } from './write-health.js';

describe('WriteHealth', () => {
  it('counts storage errors only, each writer until its next success', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (x TEXT NOT NULL)');
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    let full: unknown;
    try {
      db.prepare('INSERT INTO t VALUES (?)').run('x'.repeat(100_000));
    } catch (err) {
      full = err;
    }
    expect(isStorageError(full)).toBe(true);
    let refused: unknown;
    try {
      db.prepare('INSERT INTO t VALUES (NULL)').run();
    } catch (err) {
      refused = err;
    }
    expect(isStorageError(refused)).toBe(false); // SQLITE_CONSTRAINT_NOTNULL: the request, not the disk
    expect(isStorageError(Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_WRITE' }))).toBe(true);
    expect(isStorageError(new Error('plain'))).toBe(false);

    const w = new WriteHealth();
    expect(w.failed('api', refused, 1)).toBe(false);
    expect(w.current()).toBeUndefined();
    expect(w.failed('ingest', full, 10)).toBe(true);
    expect(w.failed('api', full, 20)).toBe(true);
    expect(w.current()).toMatchObject({ writer: 'ingest', atMs: 10 });
    expect(w.current()?.error).toMatch(/SQLITE_FULL/);
    w.succeeded('api');
    expect(w.current()).toMatchObject({ writer: 'ingest' }); // REST committing says nothing of the ingest's inserts
    w.failed('api', full, 30);
    w.succeeded('ingest'); // an events batch committed: the database grows again, for REST too
    expect(w.current()).toBeUndefined();
  });
});
