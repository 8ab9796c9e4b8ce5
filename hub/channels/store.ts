// hub/channels — the durable sync state: per channel×SKU what we should show, pushed, and the channel confirmed;
// the outstanding push attempts (with their idempotency keys); per channel success/failure counters. SQLite.
import Database from 'better-sqlite3';
import type { Db, MigrationSet } from '../db/database.js';
import type { SyncCounts } from '../../protocols/channels/health.js';

export const channelsMigrations: MigrationSet = {
  module: 'channels',
  migrations: [
    {
      version: 1,
      name: 'channel sync state, attempts, status',
      sql: `
        CREATE TABLE channel_sync (
          channel TEXT NOT NULL,
          sku TEXT NOT NULL,
          should_show INTEGER,        -- what the channel's rule says it should show now
          computed_at INTEGER,
          last_pushed INTEGER,        -- quantity of the latest push sent
          pushed_at INTEGER,
          last_confirmed INTEGER,     -- what the channel confirmed (push answered ok, or read back)
          confirmed_at INTEGER,
          result TEXT,                -- ok | pending | error | stale | shadow
          error TEXT,
          attempts INTEGER NOT NULL DEFAULT 0,  -- failed tries since the last success
          attempt_key TEXT,           -- idempotency key of the outstanding attempt, NULL when none
          unsynced_since INTEGER,     -- when should_show first differed from last_confirmed; NULL = in sync
          channel_shows INTEGER,      -- last value read from the channel (shadow mode, drift checks)
          read_at INTEGER,
          PRIMARY KEY (channel, sku)
        ) WITHOUT ROWID;
        CREATE INDEX channel_sync_unsynced ON channel_sync (channel, unsynced_since) WHERE unsynced_since IS NOT NULL;
        CREATE TABLE channel_attempts (
          key TEXT PRIMARY KEY,       -- the idempotency key every HTTP try of this push carries
          channel TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          items TEXT NOT NULL         -- JSON PushItem[], replayed byte-for-byte after a restart
        );
        CREATE TABLE channel_status (
          channel TEXT PRIMARY KEY,
          last_success_at INTEGER,
          last_failure_at INTEGER,
          consecutive_failures INTEGER NOT NULL DEFAULT 0,
          last_error TEXT,
          last_reconcile_at INTEGER
        );`,
    },
    {
      version: 2,
      name: 'channels configured through REST',
      sql: `
        CREATE TABLE channel_configs (
          id TEXT PRIMARY KEY,        -- channel id; overrides the hub.yaml channel of the same id
          config TEXT,                -- JSON ChannelConfig (credentials included); NULL = removed (hides a file channel)
          updated_at INTEGER NOT NULL,
          updated_by TEXT NOT NULL    -- actor, as kind:id
        ) WITHOUT ROWID;`,
    },
  ],
};

/** A channel config stored through REST; `config` null means the channel was removed. */
export interface StoredChannelConfig {
  id: string;
  config: unknown;
  updatedAt: number;
  updatedBy: string;
}

export function loadChannelConfigs(db: Db): StoredChannelConfig[] {
  const rows = db.prepare('SELECT id, config, updated_at, updated_by FROM channel_configs ORDER BY id').all() as Array<{ id: string; config: string | null; updated_at: number; updated_by: string }>;
  return rows.map((r) => ({ id: r.id, config: r.config === null ? null : (JSON.parse(r.config) as unknown), updatedAt: r.updated_at, updatedBy: r.updated_by }));
}

/** Store (config) or tombstone (null) a channel's config. */
export function saveChannelConfig(db: Db, id: string, config: unknown, now: number, by: string): void {
  db.prepare(`INSERT INTO channel_configs (id, config, updated_at, updated_by) VALUES (?, ?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at, updated_by = excluded.updated_by`)
    .run(id, config === null ? null : JSON.stringify(config), now, by);
}

/**
 * The connection channel sync writes its state through: a second connection to the hub's database file with
 * synchronous=NORMAL (WAL). The ledger's commits stay synchronous=FULL on theirs. Sync state is a record of what the
 * channels confirmed: a process crash loses none of it (WAL), a power cut may lose its last moments, which the
 * start-up reconciliation re-derives and Shopify's compare-and-set (changeFromQuantity) keeps from double-applying.
 * Without this every push would wait for two fsyncs on the event loop. An in-memory database is used as is.
 */
export function openSyncStateConnection(db: Db): Db {
  if (db.memory) return db;
  const state = new Database(db.name);
  state.pragma('journal_mode = WAL');
  state.pragma('synchronous = NORMAL');
  state.pragma('busy_timeout = 5000');
  return state;
}

export interface SyncRow {
  channel: string;
  sku: string;
  should_show: number | null;
  computed_at: number | null;
  last_pushed: number | null;
  pushed_at: number | null;
  last_confirmed: number | null;
  confirmed_at: number | null;
  result: string | null;
  error: string | null;
  attempts: number;
  attempt_key: string | null;
  unsynced_since: number | null;
  channel_shows: number | null;
  read_at: number | null;
}

export interface ChannelStatusRow {
  channel: string;
  last_success_at: number | null;
  last_failure_at: number | null;
  consecutive_failures: number;
  last_error: string | null;
  last_reconcile_at: number | null;
}

export interface StoredAttempt<T> {
  key: string;
  channel: string;
  created_at: number;
  items: T[];
}

export interface UnsyncedSummary extends SyncCounts {
  oldestUnsyncedAt: number | null;
  rows: number;
}

const UNSYNCED = (q: string) => `CASE WHEN should_show IS ${q} THEN NULL ELSE COALESCE(unsynced_since, @now) END`;

/** Prepared statements over the channels tables. All quantities are whole units ≥ 0. */
export class SyncStore {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      row: db.prepare('SELECT * FROM channel_sync WHERE channel = ? AND sku = ?'),
      rows: db.prepare('SELECT * FROM channel_sync WHERE channel = ? ORDER BY sku'),
      target: db.prepare(`INSERT INTO channel_sync (channel, sku, should_show, computed_at, unsynced_since)
        VALUES (@channel, @sku, @q, @now, @now)
        ON CONFLICT (channel, sku) DO UPDATE SET should_show = @q, computed_at = @now,
          unsynced_since = CASE WHEN last_confirmed IS @q THEN NULL ELSE COALESCE(unsynced_since, @now) END`),
      pushed: db.prepare(`UPDATE channel_sync SET last_pushed = @q, pushed_at = @now, attempt_key = @key, result = 'pending'
        WHERE channel = @channel AND sku = @sku`),
      confirm: db.prepare(`UPDATE channel_sync SET last_confirmed = @q, confirmed_at = @now, result = 'ok', error = NULL,
        attempts = 0, attempt_key = NULL, unsynced_since = ${UNSYNCED('@q')} WHERE channel = @channel AND sku = @sku`),
      known: db.prepare(`UPDATE channel_sync SET last_confirmed = @q, confirmed_at = @now, result = 'stale', attempt_key = NULL,
        unsynced_since = ${UNSYNCED('@q')} WHERE channel = @channel AND sku = @sku`),
      fail: db.prepare(`UPDATE channel_sync SET result = 'error', error = @error, attempts = attempts + 1, attempt_key = NULL
        WHERE channel = @channel AND sku = @sku`),
      release: db.prepare(`UPDATE channel_sync SET attempt_key = NULL, result = 'deferred' WHERE channel = @channel AND sku = @sku`),
      read: db.prepare(`UPDATE channel_sync SET channel_shows = @q, read_at = @now, result = CASE WHEN @shadow THEN 'shadow' ELSE result END
        WHERE channel = @channel AND sku = @sku`),
      addAttempt: db.prepare('INSERT INTO channel_attempts (key, channel, created_at, items) VALUES (?, ?, ?, ?)'),
      dropAttempt: db.prepare('DELETE FROM channel_attempts WHERE key = ?'),
      attempts: db.prepare('SELECT * FROM channel_attempts WHERE channel = ? ORDER BY created_at, key'),
      status: db.prepare('SELECT * FROM channel_status WHERE channel = ?'),
      ensureStatus: db.prepare('INSERT OR IGNORE INTO channel_status (channel) VALUES (?)'),
      success: db.prepare('UPDATE channel_status SET last_success_at = ?, consecutive_failures = 0 WHERE channel = ?'),
      failure: db.prepare(`UPDATE channel_status SET last_failure_at = ?, consecutive_failures = consecutive_failures + 1, last_error = ?
        WHERE channel = ?`),
      reconciled: db.prepare('UPDATE channel_status SET last_reconcile_at = ? WHERE channel = ?'),
      summary: db.prepare(`SELECT MIN(unsynced_since) AS oldest, COUNT(unsynced_since) AS unsynced, COUNT(*) AS rows,
          SUM(CASE WHEN last_confirmed IS NOT NULL AND should_show IS NOT NULL AND last_confirmed <> should_show THEN 1 ELSE 0 END) AS driftSkus,
          SUM(CASE WHEN last_confirmed IS NOT NULL AND should_show IS NOT NULL THEN ABS(last_confirmed - should_show) ELSE 0 END) AS driftUnits,
          SUM(CASE WHEN channel_shows IS NOT NULL AND should_show IS NOT NULL AND channel_shows <> should_show THEN 1 ELSE 0 END) AS shownDiffSkus,
          SUM(CASE WHEN channel_shows IS NOT NULL AND should_show IS NOT NULL THEN ABS(channel_shows - should_show) ELSE 0 END) AS shownDiffUnits
        FROM channel_sync WHERE channel = ?`),
    };
  }

  row(channel: string, sku: string): SyncRow | undefined {
    return this.s.row.get(channel, sku) as SyncRow | undefined;
  }

  rows(channel: string): SyncRow[] {
    return this.s.rows.all(channel) as SyncRow[];
  }

  /** Record what each SKU should show now (one transaction). */
  setTargets(channel: string, targets: ReadonlyArray<{ sku: string; q: number }>, now: number): void {
    this.db.transaction(() => {
      for (const t of targets) {
        if (!(Number.isInteger(t.q) && t.q >= 0)) throw new Error(`invariant: target for ${channel}/${t.sku} is ${t.q}`);
        this.s.target.run({ channel, sku: t.sku, q: t.q, now });
      }
    })();
  }

  /** Store the attempt (its key and exact items) before the first byte goes out, so a restart can replay it. */
  beginAttempt<T extends { sku: string; quantity: number }>(channel: string, key: string, items: readonly T[], now: number): void {
    this.db.transaction(() => {
      this.s.addAttempt.run(key, channel, now, JSON.stringify(items));
      for (const it of items) this.s.pushed.run({ channel, sku: it.sku, q: it.quantity, now, key });
    })();
  }

  endAttempt(key: string): void {
    this.s.dropAttempt.run(key);
  }

  attempts<T>(channel: string): StoredAttempt<T>[] {
    return (this.s.attempts.all(channel) as Array<{ key: string; channel: string; created_at: number; items: string }>).map((a) => ({
      ...a,
      items: JSON.parse(a.items) as T[],
    }));
  }

  confirm(channel: string, sku: string, q: number, now: number): void {
    this.s.confirm.run({ channel, sku, q, now });
  }

  /** The channel showed a different quantity than we last knew (stale compare-and-set, or a read): remember it. */
  known(channel: string, sku: string, q: number, now: number): void {
    this.s.known.run({ channel, sku, q, now });
  }

  fail(channel: string, sku: string, error: string): void {
    this.s.fail.run({ channel, sku, error });
  }

  /** The attempt ended without an answer for this SKU (rejected with another item of its batch): try again, no failure. */
  release(channel: string, sku: string): void {
    this.s.release.run({ channel, sku });
  }

  recordRead(channel: string, sku: string, q: number | null, now: number, shadow: boolean): void {
    this.s.read.run({ channel, sku, q, now, shadow: shadow ? 1 : 0 });
  }

  status(channel: string): ChannelStatusRow {
    this.s.ensureStatus.run(channel);
    return this.s.status.get(channel) as ChannelStatusRow;
  }

  channelSuccess(channel: string, now: number): void {
    this.s.ensureStatus.run(channel);
    this.s.success.run(now, channel);
  }

  channelFailure(channel: string, error: string, now: number): void {
    this.s.ensureStatus.run(channel);
    this.s.failure.run(now, error, channel);
  }

  reconciled(channel: string, now: number): void {
    this.s.ensureStatus.run(channel);
    this.s.reconciled.run(now, channel);
  }

  summary(channel: string): UnsyncedSummary {
    const r = this.s.summary.get(channel) as {
      oldest: number | null; unsynced: number; rows: number; driftSkus: number | null; driftUnits: number | null;
      shownDiffSkus: number | null; shownDiffUnits: number | null;
    };
    return {
      oldestUnsyncedAt: r.oldest,
      unsynced: r.unsynced,
      rows: r.rows,
      driftSkus: r.driftSkus ?? 0,
      driftUnits: r.driftUnits ?? 0,
      shownDiffSkus: r.shownDiffSkus ?? 0,
      shownDiffUnits: r.shownDiffUnits ?? 0,
    };
  }
}
