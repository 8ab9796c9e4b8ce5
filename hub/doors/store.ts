// hub/doors — the doors' tables: each door's mode and sensor state, every pass and scan with what it did, and the
// exceptions ops must look at. Written inside the ingest's batch transaction.
import type { DoorMode, ScanEvent, TagArriveEvent, TagDepartEvent, TagPassEvent } from '../../protocols/events/index.js';
import { isoTs } from '../../protocols/events/index.js';
import { batchRead } from '../db/batch-reads.js';
import type { Db, MigrationSet } from '../db/database.js';
import type { Move } from '../ledger/index.js';

export type ExceptionType =
  'unknown_door' | 'unknown_tag' | 'unknown_direction' | 'unknown_unit' | 'unexpected_location' | 'tracking_mismatch' | 'door_off' | 'count_observation';

export type PassOutcome =
  | { kind: 'moved'; move: Move }
  | { kind: 'repeat'; message: string }
  | { kind: 'recorded'; message: string }
  | { kind: 'claimed'; by: string; message: string; moves?: Move[] }
  | { kind: 'exception'; type: ExceptionType; message: string };

/** A door's locations by role, resolved from config. */
export interface DoorSetup {
  id: string;
  mode: DoorMode;
  gateway: string;
  location: string;
  receiving: string;
  stock: string;
  returns: string;
}

/** A door as the hub keeps it: its setup, the mode ops last set, and its sensor state. */
export interface DoorRow extends DoorSetup {
  sensor: 'open' | 'closed' | null;
  sensorAt: string | null;
  modeSetAt: string;
  modeSetBy: string;
}

export const doorsMigrations: MigrationSet = {
  module: 'doors',
  migrations: [
    {
      version: 1,
      name: 'doors, door activity, door exceptions',
      sql: `
CREATE TABLE doors (
  id          TEXT PRIMARY KEY,
  mode        TEXT NOT NULL CHECK (mode IN ('receiving','shipping','returns','transfer','count','off')),
  gateway     TEXT NOT NULL,
  location    TEXT NOT NULL,
  receiving   TEXT NOT NULL,
  stock       TEXT NOT NULL,
  returns     TEXT NOT NULL,
  sensor      TEXT CHECK (sensor IN ('open','closed')),
  sensor_at   TEXT,
  mode_set_at TEXT NOT NULL,
  mode_set_by TEXT NOT NULL
) WITHOUT ROWID;

-- Every pass, scan and zone event a door saw, with what it did: the door's own audit trail.
CREATE TABLE door_activity (
  seq          INTEGER PRIMARY KEY,
  event_id     TEXT NOT NULL UNIQUE,
  kind         TEXT NOT NULL CHECK (kind IN ('pass','scan','arrive','depart')),
  door         TEXT NOT NULL,
  gateway      TEXT NOT NULL,
  epc          TEXT,
  gtin         TEXT,
  sku          TEXT,
  qty          INTEGER NOT NULL DEFAULT 1,
  direction    TEXT,
  confidence   REAL,
  outcome      TEXT NOT NULL,
  move_id      TEXT,
  message      TEXT,
  occurred_at  TEXT NOT NULL,
  recorded_at  TEXT NOT NULL
);
CREATE INDEX door_activity_door ON door_activity (door, seq);
CREATE INDEX door_activity_epc ON door_activity (epc);

CREATE TABLE door_exceptions (
  id          INTEGER PRIMARY KEY,
  door        TEXT NOT NULL,
  event_id    TEXT NOT NULL,
  type        TEXT NOT NULL,
  sku         TEXT,
  epc         TEXT,
  message     TEXT NOT NULL,
  created_at  TEXT NOT NULL
);
CREATE INDEX door_exceptions_door ON door_exceptions (door, id);
`,
    },
    {
      version: 2,
      name: 'doors version stamp for the in-memory doors; no door_activity index by epc',
      // Every write to doors (mode, sensor, config), by anyone, sets a fresh random stamp; a rollback restores the
      // old one. DoorStore keeps door rows in memory for exactly one stamp.
      // door_activity_epc served no query (a unit's history is moves by epc) and cost ~40% of every activity insert.
      sql: `
DROP INDEX door_activity_epc;
CREATE TABLE doors_version (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  v  INTEGER NOT NULL
);
INSERT INTO doors_version (id, v) VALUES (1, random() >> 11);
CREATE TRIGGER doors_insert_version AFTER INSERT ON doors BEGIN UPDATE doors_version SET v = random() >> 11 WHERE id = 1; END;
CREATE TRIGGER doors_update_version AFTER UPDATE ON doors BEGIN UPDATE doors_version SET v = random() >> 11 WHERE id = 1; END;
CREATE TRIGGER doors_delete_version AFTER DELETE ON doors BEGIN UPDATE doors_version SET v = random() >> 11 WHERE id = 1; END;
`,
    },
    {
      version: 3,
      name: "door activity names its event's stream and seq; it is the ingest's record of applied passes, scans and zone events",
      // The ingest writes no inbox row for these kinds (DoorInterpreter.record): the row here, unique by event id, is
      // the record that the event applied, and (stream, seq) says which of the gateway's events it was. NULL in rows
      // written before (those events have their inbox row).
      sql: `
ALTER TABLE door_activity ADD COLUMN stream TEXT;
ALTER TABLE door_activity ADD COLUMN stream_seq INTEGER;
`,
    },
  ],
};

interface DoorDbRow {
  id: string;
  mode: DoorMode;
  gateway: string;
  location: string;
  receiving: string;
  stock: string;
  returns: string;
  sensor: 'open' | 'closed' | null;
  sensor_at: string | null;
  mode_set_at: string;
  mode_set_by: string;
}

const toDoor = (r: DoorDbRow): DoorRow => ({
  id: r.id,
  mode: r.mode,
  gateway: r.gateway,
  location: r.location,
  receiving: r.receiving,
  stock: r.stock,
  returns: r.returns,
  sensor: r.sensor,
  sensorAt: r.sensor_at,
  modeSetAt: r.mode_set_at,
  modeSetBy: r.mode_set_by,
});

export interface ActivityRow {
  seq: number;
  eventId: string;
  kind: 'pass' | 'scan' | 'arrive' | 'depart';
  door: string;
  gateway: string;
  epc: string | null;
  gtin: string | null;
  sku: string | null;
  qty: number;
  direction: string | null;
  confidence: number | null;
  outcome: string;
  moveId: string | null;
  message: string | null;
  occurredAt: string;
  recordedAt: string;
}

/** Unknown door ids remembered before the in-memory doors start over (ids come from gateways). */
const MAX_DOORS = 1000;

export class DoorStore {
  private readonly sql;
  /** Door rows (null: no such door) as of one doors_version stamp; see migration 2. */
  private known: { stamp: number; doors: Map<string, DoorRow | null> } = { stamp: NaN, doors: new Map() };
  private recordedMs = NaN;
  private recordedAt = '';

  constructor(private readonly db: Db) {
    this.sql = {
      stamp: batchRead<number>(db, 'doors_version', db.prepare('SELECT v FROM doors_version WHERE id = 1').pluck()),
      get: db.prepare('SELECT * FROM doors WHERE id = ?'),
      list: db.prepare('SELECT * FROM doors ORDER BY id'),
      upsert: db.prepare(`INSERT INTO doors (id, mode, gateway, location, receiving, stock, returns, mode_set_at, mode_set_by)
        VALUES (@id, @mode, @gateway, @location, @receiving, @stock, @returns, @at, 'config')
        ON CONFLICT (id) DO UPDATE SET gateway = excluded.gateway, location = excluded.location,
          receiving = excluded.receiving, stock = excluded.stock, returns = excluded.returns`),
      setMode: db.prepare('UPDATE doors SET mode = ?, mode_set_at = ?, mode_set_by = ? WHERE id = ?'),
      sensor: db.prepare('UPDATE doors SET sensor = ?, sensor_at = ? WHERE id = ? AND (sensor_at IS NULL OR sensor_at <= ?)'),
      // No OR IGNORE: a second row for one event id would be a second apply of it, and must fail (see DoorInterpreter.record).
      activity: db.prepare(`INSERT INTO door_activity
        (event_id, kind, door, gateway, epc, gtin, sku, qty, direction, confidence, outcome, move_id, message, occurred_at, recorded_at, stream, stream_seq)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      hasActivity: db.prepare('SELECT 1 FROM door_activity WHERE event_id = ?').pluck(),
      exception: db.prepare(`INSERT INTO door_exceptions (door, event_id, type, sku, epc, message, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)`),
      recent: db.prepare('SELECT * FROM door_activity WHERE door = ? ORDER BY seq DESC LIMIT ?'),
      exceptions: db.prepare('SELECT * FROM door_exceptions WHERE (? IS NULL OR door = ?) AND id > ? ORDER BY id LIMIT ?'),
    };
  }

  upsertDoor(d: DoorSetup, nowMs: number): void {
    this.sql.upsert.run({ ...d, at: isoTs(nowMs) });
  }

  /** A door as the database holds it now (read through memory that one stamp read proves current; one per ingest batch). */
  getDoor(id: string): DoorRow | undefined {
    const stamp = this.sql.stamp();
    if (stamp !== this.known.stamp || this.known.doors.size > MAX_DOORS) this.known = { stamp, doors: new Map() };
    let door = this.known.doors.get(id);
    if (door === undefined) {
      const r = this.sql.get.get(id) as DoorDbRow | undefined;
      door = r ? toDoor(r) : null;
      this.known.doors.set(id, door);
    }
    return door ? { ...door } : undefined;
  }

  listDoors(): DoorRow[] {
    return (this.sql.list.all() as DoorDbRow[]).map(toDoor);
  }

  /** Set a door's mode (ops, by API or command). Returns false when the door is unknown. */
  setMode(id: string, mode: DoorMode, by: string, nowMs: number): boolean {
    return this.sql.setMode.run(mode, isoTs(nowMs), by, id).changes === 1;
  }

  /** A door sensor changed; an older report (redelivered late) never overwrites a newer one. */
  recordDoorState(door: string, state: 'open' | 'closed', at: string, _nowMs: number): void {
    this.sql.sensor.run(state, at, door, at);
  }

  recordPass(p: { event: TagPassEvent; gateway: string; door: string; sku?: string | undefined; outcome: PassOutcome }, nowMs: number): void {
    const e = p.event;
    const o = outcomeColumns(p.outcome);
    this.sql.activity.run(
      e.id,
      'pass',
      p.door,
      p.gateway,
      e.epc,
      null,
      p.sku ?? null,
      1,
      e.direction,
      e.confidence,
      o.outcome,
      o.moveId,
      o.message,
      e.lastSeen,
      this.at(nowMs),
      e.stream,
      e.seq,
    );
  }

  recordScan(event: ScanEvent, gateway: string, outcome: PassOutcome, nowMs: number, sku?: string): void {
    const o = outcomeColumns(outcome);
    this.sql.activity.run(
      event.id,
      'scan',
      event.door ?? `scanner:${event.scanner}`,
      gateway,
      null,
      event.gtin ?? null,
      sku ?? null,
      event.qty,
      null,
      null,
      o.outcome,
      o.moveId,
      o.message,
      event.ts,
      this.at(nowMs),
      event.stream,
      event.seq,
    );
  }

  recordZoneEvent(event: TagArriveEvent | TagDepartEvent, gateway: string, nowMs: number): void {
    const arrive = event.kind === 'tag.arrive';
    this.sql.activity.run(
      event.id,
      arrive ? 'arrive' : 'depart',
      event.zone,
      gateway,
      event.epc,
      null,
      null,
      1,
      null,
      event.confidence,
      'recorded',
      null,
      null,
      arrive ? event.firstSeen : event.lastSeen,
      this.at(nowMs),
      event.stream,
      event.seq,
    );
  }

  /** Whether an event with this id has a row here (applied: committed, or earlier in this transaction). */
  hasActivity(eventId: string): boolean {
    return this.sql.hasActivity.get(eventId) !== undefined;
  }

  /** The hub clock as ISO-8601, made once per distinct ms (a batch's events mostly share it). */
  private at(nowMs: number): string {
    if (nowMs !== this.recordedMs) {
      this.recordedMs = nowMs;
      this.recordedAt = isoTs(nowMs);
    }
    return this.recordedAt;
  }

  recordException(
    door: string,
    event: { id: string; kind: string; epc?: string },
    type: ExceptionType,
    message: string,
    sku: string | undefined,
    nowMs: number,
  ): void {
    this.sql.exception.run(door, event.id, type, sku ?? null, event.epc ?? null, message, isoTs(nowMs));
  }

  /** The newest activity at a door, newest first. */
  recentActivity(door: string, limit = 50): ActivityRow[] {
    return (this.sql.recent.all(door, limit) as Record<string, unknown>[]).map(activityFromRow);
  }

  listExceptions(
    filter: { door?: string; after?: number; limit?: number } = {},
  ): Array<{ id: number; door: string; eventId: string; type: ExceptionType; sku: string | null; epc: string | null; message: string; createdAt: string }> {
    const rows = this.sql.exceptions.all(filter.door ?? null, filter.door ?? null, filter.after ?? 0, filter.limit ?? 100) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      id: r.id as number,
      door: r.door as string,
      eventId: r.event_id as string,
      type: r.type as ExceptionType,
      sku: r.sku as string | null,
      epc: r.epc as string | null,
      message: r.message as string,
      createdAt: r.created_at as string,
    }));
  }
}

function outcomeColumns(o: PassOutcome): { outcome: string; moveId: string | null; message: string | null } {
  switch (o.kind) {
    case 'moved':
      return { outcome: 'moved', moveId: o.move.id, message: null };
    case 'claimed':
      return { outcome: `claimed:${o.by}`, moveId: o.moves?.[0]?.id ?? null, message: o.message };
    case 'exception':
      return { outcome: `exception:${o.type}`, moveId: null, message: o.message };
    default:
      return { outcome: o.kind, moveId: null, message: o.message };
  }
}

function activityFromRow(r: Record<string, unknown>): ActivityRow {
  return {
    seq: r.seq as number,
    eventId: r.event_id as string,
    kind: r.kind as ActivityRow['kind'],
    door: r.door as string,
    gateway: r.gateway as string,
    epc: r.epc as string | null,
    gtin: r.gtin as string | null,
    sku: r.sku as string | null,
    qty: r.qty as number,
    direction: r.direction as string | null,
    confidence: r.confidence as number | null,
    outcome: r.outcome as string,
    moveId: r.move_id as string | null,
    message: r.message as string | null,
    occurredAt: r.occurred_at as string,
    recordedAt: r.recorded_at as string,
  };
}
