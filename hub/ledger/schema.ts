// hub/ledger — the ledger's SQLite schema, as forward-only migrations (applied by hub/db `migrate`).
// Never edit a released migration: add the next one.
import type { MigrationSet } from '../db/database.js';

const v1 = `
CREATE TABLE locations (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('door','receiving','stock','zone','returns','quarantine',
                                     'supplier','customer','adjustment','scrap','transit')),
  virtual INTEGER NOT NULL CHECK (virtual IN (0,1)),
  parent TEXT REFERENCES locations(id),
  allow_negative INTEGER NOT NULL CHECK (allow_negative IN (0,1)),
  sellable INTEGER NOT NULL CHECK (sellable IN (0,1)),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  CHECK (virtual = 0 OR (allow_negative = 1 AND sellable = 0))
);
INSERT INTO locations (id, name, kind, virtual, parent, allow_negative, sellable, created_at, updated_at) VALUES
  ('supplier',   'Suppliers',            'supplier',   1, NULL, 1, 0, '1970-01-01T00:00:00.000Z', '1970-01-01T00:00:00.000Z'),
  ('customer',   'Customers',            'customer',   1, NULL, 1, 0, '1970-01-01T00:00:00.000Z', '1970-01-01T00:00:00.000Z'),
  ('adjustment', 'Inventory adjustment', 'adjustment', 1, NULL, 1, 0, '1970-01-01T00:00:00.000Z', '1970-01-01T00:00:00.000Z'),
  ('scrap',      'Scrap',                'scrap',      1, NULL, 1, 0, '1970-01-01T00:00:00.000Z', '1970-01-01T00:00:00.000Z'),
  ('transit',    'In transit',           'transit',    1, NULL, 1, 0, '1970-01-01T00:00:00.000Z', '1970-01-01T00:00:00.000Z');

CREATE TABLE items (
  sku TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  uom TEXT NOT NULL,
  tracking TEXT NOT NULL CHECK (tracking IN ('serial','quantity')),
  cost_method TEXT NOT NULL CHECK (cost_method IN ('fifo','moving_average')),
  standard_cost INTEGER NOT NULL CHECK (standard_cost >= 0),
  reorder_point INTEGER CHECK (reorder_point >= 0),
  abc_class TEXT CHECK (abc_class IN ('A','B','C')),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE item_gtins (
  gtin TEXT PRIMARY KEY,
  sku TEXT NOT NULL REFERENCES items(sku),
  position INTEGER NOT NULL
);
CREATE INDEX item_gtins_sku ON item_gtins(sku);

-- Immutable: rows are only ever inserted. seq is AUTOINCREMENT so it is never reused (the cursor of the audit trail).
CREATE TABLE moves (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  sku TEXT NOT NULL REFERENCES items(sku),
  qty INTEGER NOT NULL CHECK (qty > 0),
  from_location TEXT NOT NULL REFERENCES locations(id),
  to_location TEXT NOT NULL REFERENCES locations(id),
  reason TEXT NOT NULL CHECK (reason IN ('receipt','shipment','transfer','return','adjustment','count','scrap')),
  reference TEXT,
  actor_kind TEXT NOT NULL CHECK (actor_kind IN ('gateway','scanner','api','system')),
  actor_id TEXT NOT NULL,
  event_id TEXT,
  epc TEXT,
  unit_cost_input INTEGER,
  unit_cost INTEGER,
  value_cost INTEGER NOT NULL,
  value_delta INTEGER NOT NULL,
  value_variance INTEGER NOT NULL,
  occurred_ms INTEGER NOT NULL,
  posted_ms INTEGER NOT NULL,
  note TEXT,
  reservation_id TEXT,
  CHECK (from_location <> to_location)
);
CREATE INDEX moves_sku ON moves(sku, seq);
CREATE INDEX moves_from ON moves(from_location, seq);
CREATE INDEX moves_to ON moves(to_location, seq);
CREATE INDEX moves_reference ON moves(reference, seq) WHERE reference IS NOT NULL;
CREATE INDEX moves_epc ON moves(epc, seq) WHERE epc IS NOT NULL;
CREATE TRIGGER moves_immutable_update BEFORE UPDATE ON moves
  BEGIN SELECT RAISE(ABORT, 'moves are immutable: post a correcting move instead'); END;
CREATE TRIGGER moves_immutable_delete BEFORE DELETE ON moves
  BEGIN SELECT RAISE(ABORT, 'moves are immutable: post a correcting move instead'); END;

-- Derived from moves, updated in the same transaction; checkLedger recomputes it.
CREATE TABLE balances (
  sku TEXT NOT NULL,
  location TEXT NOT NULL,
  qty INTEGER NOT NULL,
  PRIMARY KEY (sku, location)
) WITHOUT ROWID;
CREATE INDEX balances_location ON balances(location);

-- Per SKU: quantity and value on hand (real locations). Equals the sum of the open cost layers.
CREATE TABLE valuations (
  sku TEXT PRIMARY KEY REFERENCES items(sku),
  qty INTEGER NOT NULL,
  value INTEGER NOT NULL
);
-- FIFO: one layer per inbound move. Moving average: one pooled layer per SKU. A negative layer is stock issued
-- beyond what was on hand (allowed only where policy allows negative): the next inbound units fill it first.
CREATE TABLE cost_layers (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  sku TEXT NOT NULL REFERENCES items(sku),
  move_seq INTEGER NOT NULL,
  unit_cost INTEGER NOT NULL,
  remaining_qty INTEGER NOT NULL,
  remaining_value INTEGER NOT NULL,
  CHECK (remaining_qty <> 0 OR remaining_value = 0)
);
CREATE INDEX cost_layers_open ON cost_layers(sku, id) WHERE remaining_qty <> 0;

CREATE TABLE serials (
  epc TEXT PRIMARY KEY,
  sku TEXT NOT NULL REFERENCES items(sku),
  location TEXT NOT NULL REFERENCES locations(id),
  state TEXT NOT NULL,
  last_move_id TEXT NOT NULL,
  last_issue_cost INTEGER,
  updated_ms INTEGER NOT NULL
);
CREATE INDEX serials_sku ON serials(sku, location);

CREATE TABLE reservations (
  id TEXT PRIMARY KEY,
  sku TEXT NOT NULL REFERENCES items(sku),
  qty INTEGER NOT NULL CHECK (qty > 0),
  location TEXT REFERENCES locations(id),
  channel TEXT,
  reference TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending','posted','voided','expired')),
  expires_ms INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  closed_ms INTEGER,
  close_reason TEXT,
  move_id TEXT
);
CREATE INDEX reservations_pending ON reservations(sku, location) WHERE state = 'pending';
CREATE INDEX reservations_expiry ON reservations(expires_ms) WHERE state = 'pending';

CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms INTEGER NOT NULL,
  actor_kind TEXT NOT NULL,
  actor_id TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT,
  reason TEXT,
  payload TEXT
);
CREATE TRIGGER audit_log_immutable_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_immutable_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
`;

// The catalog's version stamp (cache.ts): every write to items, item_gtins or locations sets it to a fresh random
// number (shifted into JavaScript's safe integers), so an in-memory copy knows with one read whether it still holds.
const v2 = `
CREATE TABLE catalog_version (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  v INTEGER NOT NULL
);
INSERT INTO catalog_version (id, v) VALUES (1, random() >> 11);
${['items', 'item_gtins', 'locations']
  .flatMap((table) =>
    ['INSERT', 'UPDATE', 'DELETE'].map(
      (op) => `CREATE TRIGGER ${table}_${op.toLowerCase()}_version AFTER ${op} ON ${table}
  BEGIN UPDATE catalog_version SET v = random() >> 11 WHERE id = 1; END;`,
    ),
  )
  .join('\n')}
`;

// A unit's history as a chain: each move of an EPC names the unit's previous move (prev_seq) and the serial row names
// its last (last_move_seq), so the history is a walk from the serial. It replaces moves_epc, an index keyed by EPC:
// EPC serials are random, so every receipt wrote a page of it at a random place — a quarter of a receipt's commit.
// The backfill runs before the index goes; the immutability trigger steps aside for it and comes back unchanged.
const v4 = `
ALTER TABLE moves ADD COLUMN prev_seq INTEGER;
ALTER TABLE serials ADD COLUMN last_move_seq INTEGER;
DROP TRIGGER moves_immutable_update;
UPDATE moves SET prev_seq = (SELECT MAX(p.seq) FROM moves p WHERE p.epc = moves.epc AND p.seq < moves.seq) WHERE epc IS NOT NULL;
CREATE TRIGGER moves_immutable_update BEFORE UPDATE ON moves
  BEGIN SELECT RAISE(ABORT, 'moves are immutable: post a correcting move instead'); END;
UPDATE serials SET last_move_seq = (SELECT seq FROM moves WHERE id = serials.last_move_id);
DROP INDEX moves_epc;
`;

// A closed period (hub/periods): moves dated before `closed_through_ms` are closed — a new move dated there is refused
// or booked in the open period. The snapshot (ledger_snapshot_*) is the ledger after move `snapshot_seq`, verified when
// the period closed; the check replays from it instead of from the first move. Moves up to `archived_seq` (never past
// the snapshot) have left for the archive database, and so have audit records up to `archived_audit_seq`: the
// immutability triggers let exactly those rows go, nothing else.
const v6 = `
CREATE TABLE ledger_period (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  period TEXT,
  closed_through_ms INTEGER NOT NULL,
  snapshot_seq INTEGER NOT NULL,
  archived_seq INTEGER NOT NULL CHECK (archived_seq <= snapshot_seq),
  archived_audit_seq INTEGER NOT NULL,
  audit_through_seq INTEGER NOT NULL CHECK (archived_audit_seq <= audit_through_seq),
  closed_at_ms INTEGER NOT NULL
);
INSERT INTO ledger_period (id, period, closed_through_ms, snapshot_seq, archived_seq, archived_audit_seq, audit_through_seq, closed_at_ms)
  VALUES (1, NULL, 0, 0, 0, 0, 0, 0);
CREATE TABLE ledger_period_closes (
  period TEXT PRIMARY KEY,
  through_ms INTEGER NOT NULL,
  snapshot_seq INTEGER NOT NULL,
  closed_at_ms INTEGER NOT NULL,
  moves INTEGER NOT NULL
);
CREATE TABLE ledger_snapshot_balances (
  sku TEXT NOT NULL,
  location TEXT NOT NULL,
  qty INTEGER NOT NULL,
  PRIMARY KEY (sku, location)
) WITHOUT ROWID;
CREATE TABLE ledger_snapshot_valuations (
  sku TEXT PRIMARY KEY,
  qty INTEGER NOT NULL,
  value INTEGER NOT NULL
);
CREATE TABLE ledger_snapshot_layers (
  sku TEXT NOT NULL,
  ord INTEGER NOT NULL,
  unit_cost INTEGER NOT NULL,
  qty INTEGER NOT NULL,
  value INTEGER NOT NULL,
  PRIMARY KEY (sku, ord)
) WITHOUT ROWID;
CREATE TABLE ledger_snapshot_units (
  epc TEXT PRIMARY KEY,
  sku TEXT NOT NULL,
  location TEXT NOT NULL,
  move_id TEXT NOT NULL,
  seq INTEGER NOT NULL
);
CREATE INDEX ledger_snapshot_units_sku ON ledger_snapshot_units(sku);
DROP TRIGGER moves_immutable_delete;
CREATE TRIGGER moves_immutable_delete BEFORE DELETE ON moves WHEN OLD.seq > (SELECT archived_seq FROM ledger_period WHERE id = 1)
  BEGIN SELECT RAISE(ABORT, 'moves are immutable: post a correcting move instead (only moves of a closed period leave, for its archive)'); END;
DROP TRIGGER audit_log_immutable_delete;
CREATE TRIGGER audit_log_immutable_delete BEFORE DELETE ON audit_log WHEN OLD.seq > (SELECT archived_audit_seq FROM ledger_period WHERE id = 1)
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only (only records of a closed period leave, for its archive)'); END;
`;

// check-state.ts: the incremental check's verified state per SKU (balances, valuation, open layers as JSON, through
// `seq`, replayed from the snapshot at `basis` with the catalog `catalog` digests), and per unit a check moved since the
// last close. Derived, never a source of truth: a period close empties both.
const v8 = `
CREATE TABLE ledger_check_skus (
  sku TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  basis INTEGER NOT NULL,
  catalog TEXT NOT NULL,
  state TEXT NOT NULL
);
CREATE TABLE ledger_check_units (
  epc TEXT PRIMARY KEY,
  sku TEXT NOT NULL,
  location TEXT NOT NULL,
  move_id TEXT NOT NULL,
  seq INTEGER NOT NULL
);
`;

export const ledgerMigrations: MigrationSet = {
  module: 'ledger',
  migrations: [
    { version: 1, name: 'locations, catalog, moves, balances, valuation, serials, reservations, audit', sql: v1 },
    { version: 2, name: 'catalog version stamp for the in-memory catalog', sql: v2 },
    // listMoves by a time window (since + until): ~40 ms → ~1 ms on 300,000 moves; occurred_ms arrives nearly in
    // order, so the insert cost is within the noise of a posting.
    { version: 3, name: 'moves by occurred time', sql: 'CREATE INDEX moves_occurred ON moves(occurred_ms);' },
    { version: 4, name: "a unit's moves chained (prev_seq) instead of indexed by EPC", sql: v4 },
    // check-point.ts: how far the ledger check has verified the moves, and the fault it found last.
    {
      version: 5,
      name: "the ledger check's verified point",
      sql: `CREATE TABLE ledger_check_point (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL,
  at_ms INTEGER NOT NULL,
  fault TEXT,
  fault_scope TEXT CHECK (fault_scope IN ('full','incremental')),
  fault_at_ms INTEGER
);
INSERT INTO ledger_check_point (id, seq, at_ms) VALUES (1, 0, 0);`,
    },
    { version: 6, name: 'closed periods: the snapshot the check starts from, and what left for the archive', sql: v6 },
    // A window of moves (since/until), first page in posting order: the window's first and last seq, one index seek per
    // UTC day of the window (queries.ts), bound a walk by seq that stops at the page's end, instead of sorting every
    // move of the window. A day's first 100 moves of a 10 M ledger (27,400 a day), listMoves median: 12.5 ms → 1.2 ms (1 M:
    // 1.9 → 1.5 ms); the index builds in 25 s on 10 M moves.
    { version: 7, name: 'moves by occurred day, in posting order', sql: 'CREATE INDEX moves_occurred_day ON moves(occurred_ms / 86400000, seq);' },
    { version: 8, name: "the incremental check's verified state per SKU and per unit", sql: v8 },
  ],
};
