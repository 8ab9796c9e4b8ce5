// hub/partners — the tables: every interchange received (applied or rejected, with its problems and the ack we made),
// the documents it carried with their full package hierarchy, our own control numbers, and the delivery outbox.
import type { Db, MigrationSet } from '../db/database.js';

export const partnersMigrations: MigrationSet = {
  module: 'partners',
  migrations: [
    {
      version: 1,
      name: 'EDI interchanges, documents, control numbers, delivery outbox',
      sql: `
CREATE TABLE edi_interchanges (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  syntax      TEXT,
  sender      TEXT,
  control     TEXT,
  partner     TEXT,
  source      TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('applied','rejected')),
  problems    TEXT NOT NULL,
  ack_type    TEXT,
  ack         TEXT,
  body        TEXT NOT NULL,
  received_ms INTEGER NOT NULL
);
-- An interchange control number from one sender is applied once.
CREATE UNIQUE INDEX edi_interchanges_applied ON edi_interchanges (sender, control) WHERE status = 'applied';
CREATE TABLE edi_documents (
  interchange INTEGER NOT NULL REFERENCES edi_interchanges(id),
  set_control TEXT NOT NULL,
  type        TEXT NOT NULL,
  receipt     TEXT NOT NULL,
  partner     TEXT NOT NULL,
  document    TEXT NOT NULL,
  PRIMARY KEY (interchange, set_control)
);
CREATE INDEX edi_documents_receipt ON edi_documents (receipt);
CREATE TABLE edi_counters (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
CREATE TABLE partner_outbox (
  key         TEXT PRIMARY KEY,
  partner     TEXT NOT NULL,
  kind        TEXT NOT NULL,
  target      TEXT NOT NULL,
  file_name   TEXT NOT NULL,
  content_type TEXT NOT NULL,
  body        TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('pending','delivered')),
  attempts    INTEGER NOT NULL DEFAULT 0,
  next_ms     INTEGER NOT NULL,
  last_error  TEXT,
  created_ms  INTEGER NOT NULL,
  delivered_ms INTEGER
);
CREATE INDEX partner_outbox_due ON partner_outbox (next_ms) WHERE status = 'pending';
`,
    },
    {
      version: 2,
      name: 'ERP hand-off: what a receiver named a delivered document, the posted-moves cursor',
      sql: `
ALTER TABLE partner_outbox ADD COLUMN answer TEXT;
-- The last move (moves.seq) queued for the ERP webhook: advanced in the same transaction that queues the batch.
CREATE TABLE erp_cursor (
  name TEXT PRIMARY KEY,
  seq  INTEGER NOT NULL
);
`,
    },
  ],
};

/** The next of our control numbers of a kind (ISA13, GS06, UNB 0020), inside the caller's transaction. */
export function nextControl(db: Db, name: string): number {
  const r = db.prepare('INSERT INTO edi_counters (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value').get(name) as { value: number };
  if (r.value > 999_999_999) throw new Error(`invariant: control number ${name} overflowed 9 digits`);
  return r.value;
}
