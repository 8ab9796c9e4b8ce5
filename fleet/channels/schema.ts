// fleet/channels — the PostgreSQL tables of fleet channels, forward-only, in their own migration set (own version
// table) beside the read model's: the holds each site's feed reports, what each channel should show and last confirmed
// per SKU (and site, in per-site mode), each channel's push status, and the orders routed to a site.
import type pg from 'pg';
import { runMigrations } from '../store/schema.js';

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

/** Apply the channel tables' pending migrations (fleet/store/schema.ts runs them: own version table and lock). */
export function migrateFleetChannels(client: pg.ClientBase): Promise<number[]> {
  return runMigrations(client, { what: 'fleet channel schema', table: 'fleet_channel_migrations', lock: 72204, migrations: MIGRATIONS });
}
