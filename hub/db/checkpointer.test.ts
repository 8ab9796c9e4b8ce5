// WAL checkpoints on a worker thread, on real SQLite files: the hub's connection stops checkpointing in its commits,
// the worker moves the committed pages home while the hub writes on, nothing committed is lost across a close, and a
// worker that cannot run hands checkpoints back to the hub's connection with an error in the log.
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { captureLogger } from '../../protocols/logging/capture.js';
import { systemRuntime } from '../../runtime/runtime.js';
import { waitFor } from '../status/test-support.js';
import { WalCheckpointer, type CheckpointResult } from './checkpointer.js';
import { openDatabase, WAL_AUTOCHECKPOINT_PAGES } from './database.js';

describe('WalCheckpointer', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('checkpoints on its worker while the hub writes, with the hub connection checkpointing nothing', async () => {
    dir = mkdtempSync(join(tmpdir(), 'checkpointer-'));
    const path = join(dir, 'hub.db');
    const db = openDatabase(path);
    db.exec('CREATE TABLE t (i INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    const results: CheckpointResult[] = [];
    const { logger, lines } = captureLogger('info');
    const cp = new WalCheckpointer(db, path, logger, systemRuntime, 20, (r) => results.push(r));
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const write = db.transaction((n: number) => {
      for (let i = 0; i < n; i++) insert.run('x'.repeat(500));
    });
    for (let k = 0; k < 20; k++) {
      write(200);
      await new Promise((r) => setTimeout(r, 5));
    }
    // a checkpoint that began after the last commit takes every frame home
    const since = results.length;
    await waitFor('a checkpoint of the whole WAL', () => (results.slice(since + 1).some((r) => r.log > 0 && r.checkpointed === r.log) ? true : undefined));
    const home = statSync(path).size;
    expect(home).toBeGreaterThan(4_000 * 500); // the rows are in the database file itself, not only in the WAL
    await cp.close();
    expect(cp.running).toBe(false);
    expect((db.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n).toBe(4_000);
    db.close(); // the last connection: it checkpoints what is left and removes the WAL
    expect(existsSync(`${path}-wal`)).toBe(false);
    const again = openDatabase(path);
    expect((again.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n).toBe(4_000);
    again.close();
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('hands checkpoints back to the hub connection, with an error logged, when the worker cannot open the database', async () => {
    dir = mkdtempSync(join(tmpdir(), 'checkpointer-'));
    const db = openDatabase(join(dir, 'hub.db'));
    const { logger, lines } = captureLogger('info');
    const cp = new WalCheckpointer(db, join(dir, 'elsewhere', 'missing.db'), logger, systemRuntime, 20);
    await waitFor('the worker to fail', () => (cp.running ? undefined : true));
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(WAL_AUTOCHECKPOINT_PAGES);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        msg: expect.stringContaining('the hub checkpoints on its own thread again'),
        err: expect.stringMatching(/missing\.db|unable to open|directory does not exist/i),
      }),
    );
    await cp.close();
    db.close();
  });
});
