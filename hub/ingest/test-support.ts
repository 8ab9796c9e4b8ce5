// hub/ingest — test support (not used in production): valid events and batches, a migrated temp database.
import type { Statement } from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WIRE_VERSION, isoTs, newEventId, type Event, type EventBatch } from '../../protocols/events/index.js';
import { migrate, openDatabase, type Db, type MigrationSet } from '../db/database.js';
import { ingestMigrations } from './migrations.js';
import type { AppliedRecord, ApplyFn } from './store.js';

/** A target table standing in for the ledger: one row per apply call (no unique key, so doubling would show). */
export const targetMigrations: MigrationSet = {
  module: 'ingest-test-target',
  migrations: [
    {
      version: 1,
      name: 'applied events',
      sql: 'CREATE TABLE applied_events (event_id TEXT NOT NULL, stream TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL)',
    },
  ],
};

const targetInsert = new WeakMap<Db, Statement>();
export const applyToTarget: ApplyFn = (db, e) => {
  let insert = targetInsert.get(db);
  if (!insert) {
    insert = db.prepare('INSERT INTO applied_events (event_id, stream, seq, kind) VALUES (?, ?, ?, ?)');
    targetInsert.set(db, insert);
  }
  insert.run(e.id, e.stream, e.seq, e.kind);
};

/**
 * An apply that keeps its own record of what it applied, as the doors room does (door activity: unique by event id), for
 * the kinds in `kinds`; other kinds go to the plain target. `lookups`: how often the ingest asked the record.
 */
export function recordingApply(db: Db, kinds: ReadonlyArray<Event['kind']>): { apply: ApplyFn; record: AppliedRecord; lookups: () => number } {
  db.exec('CREATE TABLE IF NOT EXISTS recorded_events (event_id TEXT PRIMARY KEY, stream TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO recorded_events (event_id, stream, seq, kind) VALUES (?, ?, ?, ?)');
  const has = db.prepare('SELECT 1 FROM recorded_events WHERE event_id = ?').pluck();
  const set = new Set(kinds);
  let lookups = 0;
  return {
    apply: (d, e, ctx) => (set.has(e.kind) ? insert.run(e.id, e.stream, e.seq, e.kind) : applyToTarget(d, e, ctx)),
    record: {
      kinds: set,
      has: (id) => {
        lookups++;
        return has.get(id) !== undefined;
      },
    },
    lookups: () => lookups,
  };
}

export interface TempDb {
  db: Db;
  path: string;
  dir: string;
  cleanup(): void;
}

export function tempDb(): TempDb {
  const dir = mkdtempSync(join(tmpdir(), 'dockgate-ingest-'));
  const path = join(dir, 'hub.db');
  const db = openDatabase(path);
  migrate(db, [ingestMigrations, targetMigrations]);
  return {
    db,
    path,
    dir,
    cleanup() {
      if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A door event (the smallest valid kind). */
export function doorEvent(stream: string, seq: number, tsMs = Date.now()): Event {
  return { id: newEventId(tsMs), stream, seq, ts: isoTs(tsMs), kind: 'door', door: 'door-1', state: seq % 2 ? 'open' : 'closed' };
}

export function gapEvent(stream: string, seq: number, fromSeq: number, toSeq: number): Event {
  return { id: newEventId(), stream, seq, ts: isoTs(Date.now()), kind: 'gap', fromSeq, toSeq, count: toSeq - fromSeq + 1, reason: 'outbox full' };
}

export function batchOf(gateway: string, stream: string, events: Event[]): EventBatch {
  return { v: WIRE_VERSION, gateway, stream, events };
}

/** Events for seqs from..to of one stream. */
export function doorEvents(stream: string, from: number, to: number): Event[] {
  const out: Event[] = [];
  for (let s = from; s <= to; s++) out.push(doorEvent(stream, s));
  return out;
}

export function count(db: Db, sql: string, ...params: unknown[]): number {
  return (db.prepare(sql).get(...params) as { n: number }).n;
}
