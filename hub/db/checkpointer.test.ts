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
import { WalCheckpointer, type CheckpointerOptions, type CheckpointResult } from './checkpointer.js';
import { openDatabase, WAL_AUTOCHECKPOINT_PAGES } from './database.js';

describe('WalCheckpointer', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A hub database with one table to write into, and a checkpointer on it whose results are collected. */
  function hubWriting(options: CheckpointerOptions) {
    dir = mkdtempSync(join(tmpdir(), 'checkpointer-'));
    const path = join(dir, 'hub.db');
    const db = openDatabase(path);
    db.exec('CREATE TABLE t (i INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    const results: CheckpointResult[] = [];
    const { logger, lines } = captureLogger('info');
    const cp = new WalCheckpointer(db, path, logger, systemRuntime, { ...options, onCheckpoint: (r) => results.push(r) });
    return { path, db, cp, results, lines, insert: db.prepare('INSERT INTO t (v) VALUES (?)') };
  }

  it('checkpoints on its worker while the hub writes, with the hub connection checkpointing nothing', async () => {
    const { path, db, cp, results, lines, insert } = hubWriting({ everyMs: 20 });
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
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

  it('starts the WAL over while the hub writes without a pause, so that it stays bounded on disk', async () => {
    const startOverFrames = 500;
    const { path, db, cp, results, lines, insert } = hubWriting({ everyMs: 5, startOverFrames });
    const write = db.transaction(() => {
      for (let i = 0; i < 100; i++) insert.run('x'.repeat(1000)); // ~25 pages of rows, 100 KB
    });
    await waitFor('the worker to be up', () => (results.length > 0 ? true : undefined));
    // A catch-up: one transaction after another, the event loop turning between them and never idle, until the hub's
    // connection has started the WAL over a few times (2 MB of WAL or more each).
    const startedOver = () => results.filter((r) => r.by === 'hub' && r.busy === 0 && r.checkpointed === r.log).length;
    const deadline = Date.now() + 20_000;
    let written = 0;
    let largestSince = 0; // the WAL's largest size once it first started over
    while (startedOver() < 5 && Date.now() < deadline) {
      write();
      written += 100_000;
      if (startedOver() > 0) largestSince = Math.max(largestSince, statSync(`${path}-wal`).size);
      await new Promise((r) => setImmediate(r));
    }
    await cp.close();
    expect(startedOver()).toBeGreaterThanOrEqual(5);
    expect(results.filter((r) => r.by === 'hub').every((r) => r.log >= startOverFrames)).toBe(true); // only once the WAL holds that many frames
    // Once started over, the WAL stays near startOverFrames (plus what the hub wrote before a worker's result reached it)
    // instead of growing with what was written through it: 4 start-overs of 500 frames and more each since.
    expect(largestSince).toBeGreaterThan(0);
    expect(largestSince).toBeLessThan(16 * startOverFrames * 4120); // a WAL frame: a 4 KiB page and its 24-byte header
    expect((db.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n).toBe(written / 1000);
    db.close();
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('hands checkpoints back to the hub connection, with an error logged, when the worker cannot open the database', async () => {
    dir = mkdtempSync(join(tmpdir(), 'checkpointer-'));
    const db = openDatabase(join(dir, 'hub.db'));
    const { logger, lines } = captureLogger('info');
    const cp = new WalCheckpointer(db, join(dir, 'elsewhere', 'missing.db'), logger, systemRuntime, { everyMs: 20 });
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
