import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { batchRead, withBatchReads } from './batch-reads.js';
import { openDatabase, type Db } from './database.js';

/** A catalog-like pair: a stamp row that a trigger on `things` sets on every write, as catalog_version and doors_version. */
const SCHEMA = `
CREATE TABLE things (id TEXT PRIMARY KEY);
CREATE TABLE things_version (id INTEGER PRIMARY KEY CHECK (id = 1), v INTEGER NOT NULL);
INSERT INTO things_version (id, v) VALUES (1, 1);
CREATE TRIGGER things_insert_version AFTER INSERT ON things BEGIN UPDATE things_version SET v = v + 1 WHERE id = 1; END;`;

describe('hub/db batch reads', () => {
  let dir: string;
  let db: Db;
  /** The stamp as a BatchRead, and how often it really read the database. */
  let stamp: () => number;
  let reads: number;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hub-batch-reads-'));
    db = openDatabase(join(dir, 'hub.db'));
    db.exec(SCHEMA);
    const st = db.prepare('SELECT v FROM things_version WHERE id = 1').pluck();
    reads = 0;
    stamp = batchRead<number>(db, 'things_version', {
      get: () => {
        reads++;
        return st.get();
      },
    });
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const inTx = <T>(fn: () => T): T => db.transaction(fn)();
  const insertThing = (id: string) => db.prepare('INSERT INTO things (id) VALUES (?)').run(id);

  it('reads the row once per scope while nothing writes it; outside a scope or a transaction, at every use', () => {
    expect(inTx(() => withBatchReads(db, () => [stamp(), stamp(), stamp()]))).toEqual([1, 1, 1]);
    expect(reads).toBe(1);
    expect([stamp(), stamp()]).toEqual([1, 1]);
    expect(reads).toBe(3);
    withBatchReads(db, () => [stamp(), stamp()]); // no transaction: another connection may commit between statements
    expect(reads).toBe(5);
    // Nested scopes join the outer one.
    inTx(() => withBatchReads(db, () => withBatchReads(db, () => stamp()) + stamp()));
    expect(reads).toBe(6);
  });

  it('a write in the scope, even through a trigger, is seen at once; the row is then read at every use', () => {
    const seen = inTx(() =>
      withBatchReads(db, () => {
        const before = stamp();
        insertThing('a'); // the trigger bumps the stamp
        const after = [stamp(), stamp()];
        return { before, after };
      }),
    );
    expect(seen).toEqual({ before: 1, after: [2, 2] });
    expect(reads).toBe(3);
  });

  it('a write rolled back by a savepoint inside the scope is never answered from memory', () => {
    const seen = inTx(() =>
      withBatchReads(db, () => {
        const before = stamp();
        let during = 0;
        expect(() =>
          db.transaction(() => {
            insertThing('b');
            during = stamp();
            throw new Error('event refused');
          })(),
        ).toThrow('event refused');
        return [before, during, stamp()];
      }),
    );
    expect(seen).toEqual([1, 2, 1]);
  });

  it('triggers lost with a rolled-back transaction are made again by the next scope', () => {
    expect(() =>
      inTx(() =>
        withBatchReads(db, () => {
          stamp();
          throw new Error('batch failed');
        }),
      ),
    ).toThrow('batch failed');
    const seen = inTx(() =>
      withBatchReads(db, () => {
        const before = stamp();
        insertThing('c');
        return [before, stamp()];
      }),
    );
    expect(seen).toEqual([1, 2]);
  });

  it('another connection writes the table without the function or the triggers (they are TEMP: this connection only)', () => {
    inTx(() => withBatchReads(db, () => stamp()));
    const other = openDatabase(join(dir, 'hub.db'));
    try {
      other.prepare('INSERT INTO things (id) VALUES (?)').run('from-the-shell');
      expect(other.prepare('SELECT v FROM things_version').pluck().get()).toBe(2);
    } finally {
      other.close();
    }
    // The next transaction sees the other connection's commit.
    expect(inTx(() => withBatchReads(db, () => stamp()))).toBe(2);
  });

  it('refuses a table name it cannot put in a trigger', () => {
    expect(() => batchRead(db, 'things; DROP TABLE things', { get: () => 1 })).toThrow(/not a plain table name/);
  });
});
