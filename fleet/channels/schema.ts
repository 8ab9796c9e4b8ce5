// fleet/channels — the PostgreSQL tables of fleet channels, forward-only, in their own migration set (own version
// table) beside the read model's: the holds each site's feed reports, what each channel should show and last confirmed
// per SKU (and site, in per-site mode), each channel's push status, and the orders routed to a site.
import type pg from 'pg';

const MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
CREATE TABLE fleet_reservations (
  site      TEXT NOT NULL,
  id        TEXT NOT NULL,
  sku       TEXT NOT NULL,
  qty       BIGINT NOT NULL,
  location  TEXT,
  state     TEXT NOT NULL,
  channel   TEXT,
  PRIMARY KEY (site, id)
);
CREATE INDEX fleet_reservations_pending ON fleet_reservations (sku, site) WHERE state = 'pending';
CREATE TABLE fleet_channel_sync (
  channel        TEXT NOT NULL,
  sku            TEXT NOT NULL,
  -- '' for the network quantity; the site id in per-site mode
  site           TEXT NOT NULL,
  should_show    BIGINT NOT NULL,
  last_confirmed BIGINT,
  unsynced_since TIMESTAMPTZ,
  last_error     TEXT,
  updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (channel, sku, site)
);
CREATE TABLE fleet_channel_status (
  channel              TEXT PRIMARY KEY,
  last_success_at      TIMESTAMPTZ,
  last_failure_at      TIMESTAMPTZ,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  last_error           TEXT
);
CREATE TABLE fleet_channel_orders (
  channel    TEXT NOT NULL,
  order_id   TEXT NOT NULL,
  lines      JSONB NOT NULL,
  -- the site being reserved at (state reserving) or holding the order (reserved); null when no site could
  site       TEXT,
  state      TEXT NOT NULL CHECK (state IN ('reserving','reserved','failed','cancelled')),
  tried      JSONB NOT NULL DEFAULT '[]',
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (channel, order_id)
);
`,
  },
];

/** Apply pending migrations, each in its own transaction; an advisory lock keeps two fleets from racing. */
export async function migrateFleetChannels(client: pg.ClientBase): Promise<number[]> {
  await client.query('SELECT pg_advisory_lock(72204)');
  try {
    await client.query('CREATE TABLE IF NOT EXISTS fleet_channel_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
    const have = (await client.query<{ v: number }>('SELECT COALESCE(MAX(version), 0)::int AS v FROM fleet_channel_migrations')).rows[0]!.v;
    if (have > MIGRATIONS.length) throw new Error(`PostgreSQL has fleet channel schema version ${have}, newer than this build's ${MIGRATIONS.length}: refusing to run an older fleet`);
    const applied: number[] = [];
    for (const m of MIGRATIONS.slice(have)) {
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO fleet_channel_migrations (version) VALUES ($1)', [m.version]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
      applied.push(m.version);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock(72204)');
  }
}
