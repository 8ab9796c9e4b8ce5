// hub/status — is the database really usable: a small real write (throttled) and the free space of its file system.
// A read that answers is not enough: with the disk full, SELECT 1 works while every ingest and REST write fails; and
// the probe's one-row update can still succeed while inserts fail, so the real writers' last storage error counts first.
import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Db } from '../db/database.js';
import type { WriteHealth } from './write-health.js';

export interface DiskThresholds {
  /** Free bytes below which the verdict is degraded. */
  degradedBytes: number;
  /** Free bytes below which the database counts as down (writes are about to fail). */
  downBytes: number;
}

export interface DatabaseHealthReport {
  ok: boolean;
  error?: string;
  /** Set when free space is below the degraded threshold (and not yet down). */
  lowSpace?: string;
}

/** Pure: what free space means. */
export function diskState(freeBytes: number, t: DiskThresholds, dir: string): { down?: string; degraded?: string } {
  const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
  if (freeBytes < t.downBytes) return { down: `disk almost full: ${mib(freeBytes)} free at ${dir} (below status.diskDownBytes, ${mib(t.downBytes)})` };
  if (freeBytes < t.degradedBytes) return { degraded: `disk space low: ${mib(freeBytes)} free at ${dir} (below status.diskDegradedBytes, ${mib(t.degradedBytes)})` };
  return {};
}

export class DatabaseHealth {
  private readonly dir: string;
  private lastWriteMs = -Infinity;
  private lastWriteError: string | undefined;

  constructor(
    private readonly db: Db,
    dbPath: string,
    private readonly thresholds: DiskThresholds,
    private readonly clock: () => number,
    private readonly writes?: WriteHealth,
    private readonly writeEveryMs = 5_000,
  ) {
    this.dir = dirname(dbPath);
  }

  check(): DatabaseHealthReport {
    try {
      this.db.prepare('SELECT 1').get();
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    }
    const failing = this.writes?.current();
    if (failing) return { ok: false, error: `database write failed (${failing.writer}, since ${new Date(failing.atMs).toISOString()}): ${failing.error}` };
    const now = this.clock();
    if (now - this.lastWriteMs >= this.writeEveryMs || this.lastWriteError !== undefined) {
      this.lastWriteMs = now;
      try {
        this.db.prepare('INSERT INTO health_probe (id, at_ms) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at_ms = excluded.at_ms').run(now);
        this.lastWriteError = undefined;
      } catch (err) {
        this.lastWriteError = `database write failed: ${(err as Error).message}`;
      }
    }
    if (this.lastWriteError) return { ok: false, error: this.lastWriteError };
    let free: number;
    try {
      const s = statfsSync(this.dir);
      free = s.bavail * s.bsize;
    } catch (err) {
      return { ok: false, error: `cannot read the free space of ${this.dir}: ${(err as Error).message}` };
    }
    const disk = diskState(free, this.thresholds, this.dir);
    if (disk.down) return { ok: false, error: disk.down };
    return disk.degraded ? { ok: true, lowSpace: disk.degraded } : { ok: true };
  }
}
