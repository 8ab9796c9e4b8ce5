// hub/ingest — the ingest's tables: inbox of applied event ids (of the kinds the apply side keeps no record of: see
// AppliedRecord in store.ts), stream positions and gaps, dead letters, gateways.
import type { MigrationSet } from '../db/database.js';

export const ingestMigrations: MigrationSet = {
  module: 'ingest',
  migrations: [
    {
      version: 1,
      name: 'inbox, streams, gaps, dead letters, gateways',
      sql: `
CREATE TABLE inbox (
  event_id   TEXT PRIMARY KEY,          -- applied at most once: inserted in the transaction that applied it
  gateway    TEXT NOT NULL,
  stream     TEXT NOT NULL,
  seq        INTEGER NOT NULL,
  kind       TEXT NOT NULL,
  event_ts   TEXT NOT NULL,             -- the gateway's clock
  applied_at TEXT NOT NULL              -- the hub's clock
) WITHOUT ROWID;

CREATE TABLE streams (
  stream        TEXT PRIMARY KEY,
  gateway       TEXT NOT NULL,
  last_seq      INTEGER NOT NULL,       -- highest seq seen
  applied       INTEGER NOT NULL DEFAULT 0,
  duplicates    INTEGER NOT NULL DEFAULT 0,  -- event ids seen again (redelivery: expected after a crash)
  late          INTEGER NOT NULL DEFAULT 0,  -- events that arrived after a higher seq and filled a gap
  seq_conflicts INTEGER NOT NULL DEFAULT 0,  -- a new id at a seq already seen outside any gap: a gateway defect
  first_seen_at TEXT NOT NULL,
  last_event_at TEXT NOT NULL
) WITHOUT ROWID;

-- Seq ranges of a stream not (yet) seen. 'missing': found from a jump in seq, shrinks as late events arrive.
-- 'reported': the gateway said it dropped them (a gap event); they will never come.
CREATE TABLE stream_gaps (
  id          INTEGER PRIMARY KEY,
  stream      TEXT NOT NULL,
  gateway     TEXT NOT NULL,
  from_seq    INTEGER NOT NULL,
  to_seq      INTEGER NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('missing', 'reported')),
  reason      TEXT,
  event_id    TEXT,                     -- the gap event that reported it
  detected_at TEXT NOT NULL,
  CHECK (to_seq >= from_seq)
);
CREATE INDEX stream_gaps_stream ON stream_gaps (stream, from_seq);

CREATE TABLE dead_letters (
  id          INTEGER PRIMARY KEY,
  received_at TEXT NOT NULL,
  topic       TEXT NOT NULL,
  gateway     TEXT,                     -- from the topic, when it is a dockgate topic
  reason      TEXT NOT NULL,            -- topic | encoding | json | version | schema | apply
  errors      TEXT NOT NULL,            -- JSON array of { path, message }
  payload     BLOB NOT NULL             -- the bytes exactly as received
);
CREATE INDEX dead_letters_received ON dead_letters (received_at);

CREATE TABLE gateways (
  gateway             TEXT PRIMARY KEY,
  online              INTEGER NOT NULL,
  last_seen_at        TEXT NOT NULL,    -- hub clock: last status or events message
  last_event_at       TEXT,
  status_ts           TEXT,             -- the gateway's clock in its last status
  clock_skew_ms       REAL,             -- gateway clock minus hub clock when that status arrived
  version             TEXT,
  started_at          TEXT,
  stream              TEXT,
  readers             TEXT,             -- JSON array, as reported
  scanners            TEXT,             -- JSON array, as reported
  outbox_depth        INTEGER,
  outbox_bytes        INTEGER,
  outbox_oldest_age_s REAL,
  outbox_dropped      INTEGER,
  clock_offset_ms     REAL,             -- largest reader clock offset the gateway reports
  updated_at          TEXT NOT NULL
) WITHOUT ROWID;
`,
    },
    {
      version: 2,
      name: 'dead letters per event, bounded payloads, re-drive',
      sql: `
ALTER TABLE dead_letters ADD COLUMN stream TEXT;          -- an event-level dead letter: its stream and seq
ALTER TABLE dead_letters ADD COLUMN seq INTEGER;          -- (NULL when the seq could not be read nor inferred)
ALTER TABLE dead_letters ADD COLUMN event_id TEXT;
ALTER TABLE dead_letters ADD COLUMN payload_bytes INTEGER; -- size of what was received; payload holds at most a prefix
ALTER TABLE dead_letters ADD COLUMN payload_sha256 TEXT;   -- hex, of everything received
ALTER TABLE dead_letters ADD COLUMN retried_at TEXT;       -- set once, in the transaction that re-drove it
ALTER TABLE dead_letters ADD COLUMN retried_by TEXT;
ALTER TABLE dead_letters ADD COLUMN retry_result TEXT;     -- JSON: what the re-drive did
UPDATE dead_letters SET payload_bytes = length(payload);
CREATE UNIQUE INDEX dead_letters_stream_seq ON dead_letters (stream, seq) WHERE seq IS NOT NULL;
`,
    },
    {
      version: 3,
      name: 'clock exceptions',
      sql: `
-- Events whose ts was implausible against the hub's clock: booked at the hub's receive time, the gateway's kept here.
CREATE TABLE clock_exceptions (
  event_id    TEXT PRIMARY KEY,
  gateway     TEXT NOT NULL,
  stream      TEXT NOT NULL,
  seq         INTEGER NOT NULL,
  gateway_ts  TEXT NOT NULL,            -- what the gateway said
  booked_ts   TEXT NOT NULL,            -- what the ledger booked (the hub's receive time)
  received_at INTEGER NOT NULL          -- ms, the hub's clock
) WITHOUT ROWID;
CREATE INDEX clock_exceptions_received ON clock_exceptions (received_at);
`,
    },
  ],
};
