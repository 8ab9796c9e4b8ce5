// fleet/store — the central read model's PostgreSQL schema, forward-only like the hub's. Every table is keyed by site
// first (the unit of sharding: at 1,000 sites these become LIST/HASH partitions by site, docs/fleet.md).
import type pg from 'pg';

const MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
CREATE TABLE fleet_sites (
  site             TEXT PRIMARY KEY,
  applied_through  BIGINT NOT NULL DEFAULT 0,
  last_change_at   TIMESTAMPTZ,
  last_applied_at  TIMESTAMPTZ,
  gap_expected     BIGINT,
  gap_got          BIGINT,
  problem          TEXT
);
CREATE TABLE fleet_changes (
  site   TEXT NOT NULL,
  seq    BIGINT NOT NULL,
  id     TEXT NOT NULL,
  kind   TEXT NOT NULL,
  ts     TIMESTAMPTZ NOT NULL,
  data   JSONB NOT NULL,
  applied_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (site, seq),
  UNIQUE (site, id)
);
CREATE TABLE fleet_balances (
  site      TEXT NOT NULL,
  sku       TEXT NOT NULL,
  location  TEXT NOT NULL,
  kind      TEXT NOT NULL,
  virtual   BOOLEAN NOT NULL,
  qty       BIGINT NOT NULL,
  PRIMARY KEY (site, sku, location)
);
CREATE INDEX fleet_balances_sku ON fleet_balances (sku);
CREATE TABLE fleet_transfer_moves (
  site      TEXT NOT NULL,
  reference TEXT NOT NULL,
  sku       TEXT NOT NULL,
  side      TEXT NOT NULL CHECK (side IN ('shipped','received')),
  qty       BIGINT NOT NULL,
  at        TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (site, reference, sku, side)
);
CREATE INDEX fleet_transfer_moves_ref ON fleet_transfer_moves (reference);
CREATE TABLE fleet_documents (
  site      TEXT NOT NULL,
  kind      TEXT NOT NULL CHECK (kind IN ('receipt','shipment')),
  document  TEXT NOT NULL,
  status    TEXT NOT NULL,
  door      TEXT,
  party     TEXT,
  lines     JSONB NOT NULL,
  opened_at TIMESTAMPTZ,
  closed_at TIMESTAMPTZ,
  PRIMARY KEY (site, kind, document)
);
CREATE INDEX fleet_documents_party ON fleet_documents (party) WHERE party LIKE 'site:%';
CREATE TABLE fleet_variances (
  site     TEXT NOT NULL,
  variance BIGINT NOT NULL,
  type     TEXT NOT NULL,
  status   TEXT NOT NULL,
  door     TEXT,
  reference TEXT,
  sku      TEXT,
  message  TEXT NOT NULL,
  opened_at TIMESTAMPTZ NOT NULL,
  resolved_at TIMESTAMPTZ,
  PRIMARY KEY (site, variance)
);
CREATE TABLE fleet_dead_letters (
  id       BIGSERIAL PRIMARY KEY,
  site     TEXT NOT NULL,
  stream_seq BIGINT NOT NULL,
  reason   TEXT NOT NULL,
  payload  TEXT NOT NULL,
  at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
`,
  },
];

/** Apply pending migrations, each in its own transaction; an advisory lock keeps two fleets from racing. */
export function migrateFleet(client: pg.ClientBase): Promise<number[]> {
  return runMigrations(client, { what: 'fleet schema', table: 'fleet_migrations', lock: 72201, migrations: MIGRATIONS });
}

export interface MigrationSet {
  /** What the set is, for the refusal: "fleet schema". */
  what: string;
  /** The table that records the versions applied. */
  table: string;
  /** The advisory lock that keeps two fleets from migrating the set at once. */
  lock: number;
  migrations: ReadonlyArray<{ version: number; sql: string }>;
}

/** Apply a forward-only migration set's pending migrations, each in its own transaction; refuse a newer database. */
export async function runMigrations(client: pg.ClientBase, set: MigrationSet): Promise<number[]> {
  await client.query('SELECT pg_advisory_lock($1)', [set.lock]);
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS ${set.table} (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
    const have = (await client.query<{ v: number }>(`SELECT COALESCE(MAX(version), 0)::int AS v FROM ${set.table}`)).rows[0]!.v;
    if (have > set.migrations.length) throw new Error(`PostgreSQL has ${set.what} version ${have}, newer than this build's ${set.migrations.length}: refusing to run an older fleet`);
    const applied: number[] = [];
    for (const m of set.migrations.slice(have)) {
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query(`INSERT INTO ${set.table} (version) VALUES ($1)`, [m.version]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
      applied.push(m.version);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [set.lock]);
  }
}
