// hub/feed — the change-feed outbox's schema. Triggers write one outbox row per committed ledger change (a move; a
// receipt or shipment opened or closed; a variance opened or resolved; a count posted; a hold made or closed) in the
// SAME transaction (or savepoint) as the change itself, so a change and its feed row commit or roll back together, whatever room made the
// change (ingest, REST, reservations, counts …). Each row takes the next per-site seq from feed_state: gap-free,
// because a rolled-back change rolls its seq back with it; a BEFORE INSERT trigger refuses any other seq.
// While the fleet feed is off (the default) feed_state.enabled = 0 and the recording triggers are not there at all
// (outbox.ts drops them; the migrations below created them, and enable() creates them again with the switch).
// The triggers need the receiving, shipping, variances and counts tables: this set migrates after those rooms.
import type { MigrationSet } from '../db/database.js';

/** The triggers a database recording the feed has; the feed refuses to start when one is missing (a later migration dropped it). */
export const FEED_TRIGGERS = [
  'feed_outbox_seq',
  'feed_move',
  'feed_receipt_opened',
  'feed_receipt_closed',
  'feed_shipment_opened',
  'feed_shipment_closed',
  'feed_variance_opened',
  'feed_variance_resolved',
  'feed_count_posted',
  'feed_reservation_made',
  'feed_reservation_closed',
] as const;

/**
 * SQL appending one outbox row of `kind` for change `id` at `ms` with `data` (a JSON expression), then taking the seq.
 * A move's change id is its id; other changes end in `:<seq>` (a shipment may open twice; an id names one change).
 */
function append(id: string, kind: string, ms: string, data: string): string {
  return `INSERT INTO feed_outbox (seq, id, kind, committed_ms, data) SELECT next_seq, ${id}, '${kind}', ${ms}, json(${data}) FROM feed_state;
  UPDATE feed_state SET next_seq = next_seq + 1;`;
}

const ON = '(SELECT enabled FROM feed_state) = 1';

function documentData(table: 'receipt' | 'shipment', party: 'supplier' | 'customer', done: 'received_at_close' | 'shipped_at_close'): string {
  return `json_object('document', NEW.id, 'door', NEW.door, 'party', NEW.${party},
    'lines', json((SELECT COALESCE(json_group_array(json_object('sku', sku, 'qty', qty, 'done', ${done})), '[]') FROM (SELECT sku, qty, ${done} FROM ${table}_lines WHERE ${table} = NEW.id ORDER BY line))))`;
}

/** A receipt's or shipment's two triggers, by name: opened, closed. */
function documentTriggers(
  table: 'receipt' | 'shipment',
  party: 'supplier' | 'customer',
  done: 'received_at_close' | 'shipped_at_close',
): Record<string, string> {
  const data = documentData(table, party, done);
  return {
    [`feed_${table}_opened`]: `CREATE TRIGGER feed_${table}_opened AFTER UPDATE OF status ON ${table}s WHEN ${ON} AND NEW.status = 'open' AND OLD.status <> 'open'
BEGIN
  ${append(`'${table}:' || NEW.id || ':opened:' || next_seq`, `${table}.opened`, 'NEW.opened_ms', data)}
END;`,
    [`feed_${table}_closed`]: `CREATE TRIGGER feed_${table}_closed AFTER UPDATE OF status ON ${table}s WHEN ${ON} AND NEW.status = 'closed' AND OLD.status <> 'closed'
BEGIN
  ${append(`'${table}:' || NEW.id || ':closed:' || next_seq`, `${table}.closed`, 'NEW.closed_ms', data)}
END;`,
  };
}

/** A move's feed data from the moves row `m` (the trigger's NEW, or a row of the backfill). */
export function moveData(m: string): string {
  const loc = (col: string, what: string) => `(SELECT ${what} FROM locations WHERE id = ${m}.${col})`;
  const bool = (e: string) => `json(CASE ${e} WHEN 1 THEN 'true' ELSE 'false' END)`;
  return `json_object('sku', ${m}.sku, 'qty', ${m}.qty, 'from', ${m}.from_location, 'to', ${m}.to_location,
    'fromKind', ${loc('from_location', 'kind')}, 'toKind', ${loc('to_location', 'kind')},
    'fromVirtual', ${bool(loc('from_location', 'virtual'))}, 'toVirtual', ${bool(loc('to_location', 'virtual'))},
    'reason', ${m}.reason, 'reference', ${m}.reference, 'epc', ${m}.epc,
    'occurredAt', strftime('%Y-%m-%dT%H:%M:%fZ', ${m}.occurred_ms / 1000.0, 'unixepoch'), 'valueDelta', ${m}.value_delta)`;
}

const varianceData = `json_object('variance', NEW.id, 'type', NEW.type, 'status', NEW.status, 'door', NEW.door, 'reference', NEW.reference,
  'sku', NEW.sku, 'expected', NEW.expected, 'actual', NEW.actual, 'message', NEW.message)`;

const receiptTriggers = documentTriggers('receipt', 'supplier', 'received_at_close');
const shipmentTriggers = documentTriggers('shipment', 'customer', 'shipped_at_close');

/** A hold's feed data from the reservations row `r` (the trigger's NEW, or a row of the backfill). */
export function reservationData(r: string): string {
  return `json_object('reservation', ${r}.id, 'sku', ${r}.sku, 'qty', ${r}.qty, 'location', ${r}.location, 'state', ${r}.state, 'channel', ${r}.channel)`;
}

/**
 * The triggers that record changes, by name, as migrations v1 and v2 created them. Only a database recording the feed
 * keeps them: outbox.ts drops them while it is off (an AFTER INSERT trigger on moves, even one whose WHEN is false,
 * gives every move's insert a statement journal) and creates them again in the transaction that switches it on.
 */
export const RECORDING_TRIGGERS: Readonly<Record<string, string>> = {
  feed_move: `CREATE TRIGGER feed_move AFTER INSERT ON moves WHEN ${ON}
BEGIN
  ${append('NEW.id', 'move', 'NEW.posted_ms', moveData('NEW'))}
END;`,
  ...receiptTriggers,
  ...shipmentTriggers,
  feed_variance_opened: `CREATE TRIGGER feed_variance_opened AFTER INSERT ON variances WHEN ${ON}
BEGIN
  ${append(`'variance:' || NEW.id || ':opened:' || next_seq`, 'variance.opened', 'NEW.created_ms', varianceData)}
END;`,
  feed_variance_resolved: `CREATE TRIGGER feed_variance_resolved AFTER UPDATE OF status ON variances WHEN ${ON} AND OLD.status = 'open' AND NEW.status <> 'open'
BEGIN
  ${append(`'variance:' || NEW.id || ':resolved:' || next_seq`, 'variance.resolved', 'NEW.resolved_ms', varianceData)}
END;`,
  feed_count_posted: `CREATE TRIGGER feed_count_posted AFTER UPDATE OF status ON counts WHEN ${ON} AND NEW.status = 'closed' AND OLD.status <> 'closed'
BEGIN
  ${append(
    `'count:' || NEW.id || ':posted:' || next_seq`,
    'count.posted',
    'NEW.closed_ms',
    `json_object('count', NEW.id, 'location', NEW.location,
    'results', json((SELECT COALESCE(json_group_array(json_object('sku', sku, 'book', book, 'counted', counted, 'posted', json(CASE posted WHEN 1 THEN 'true' ELSE 'false' END))), '[]')
                     FROM (SELECT sku, book, counted, posted FROM count_results WHERE count = NEW.id ORDER BY sku))))`,
  )}
END;`,
  feed_reservation_made: `CREATE TRIGGER feed_reservation_made AFTER INSERT ON reservations WHEN ${ON}
BEGIN
  ${append(`'reservation:' || NEW.id || ':' || NEW.state || ':' || next_seq`, 'reservation', 'NEW.created_ms', reservationData('NEW'))}
END;`,
  feed_reservation_closed: `CREATE TRIGGER feed_reservation_closed AFTER UPDATE OF state ON reservations WHEN ${ON} AND NEW.state <> OLD.state
BEGIN
  ${append(`'reservation:' || NEW.id || ':' || NEW.state || ':' || next_seq`, 'reservation', 'COALESCE(NEW.closed_ms, NEW.created_ms)', reservationData('NEW'))}
END;`,
};
const t = RECORDING_TRIGGERS;

// Migrations v1 and v2 are kept as they ran (their text is part of the growth bench's fixture key).
const v1 = `
CREATE TABLE feed_state (
  one       INTEGER PRIMARY KEY CHECK (one = 1),
  enabled   INTEGER NOT NULL CHECK (enabled IN (0,1)),
  -- the seq the next change takes; every seq below it was handed out to a committed change
  next_seq  INTEGER NOT NULL CHECK (next_seq >= 1),
  -- every seq up to this one was acknowledged by JetStream and left the outbox
  published_through INTEGER NOT NULL CHECK (published_through < next_seq)
);
INSERT INTO feed_state (one, enabled, next_seq, published_through) VALUES (1, 0, 1, 0);

CREATE TABLE feed_outbox (
  seq          INTEGER PRIMARY KEY,
  id           TEXT NOT NULL UNIQUE,
  kind         TEXT NOT NULL,
  committed_ms INTEGER NOT NULL,
  data         TEXT NOT NULL
);
CREATE TRIGGER feed_outbox_seq BEFORE INSERT ON feed_outbox
  WHEN NEW.seq IS NOT (SELECT next_seq FROM feed_state)
  BEGIN SELECT RAISE(ABORT, 'feed_outbox: seq out of order: a feed row takes feed_state.next_seq'); END;

${t.feed_move}

${t.feed_receipt_opened}
${t.feed_receipt_closed}

${t.feed_shipment_opened}
${t.feed_shipment_closed}
${t.feed_variance_opened}
${t.feed_variance_resolved}
${t.feed_count_posted}
`;

/** Holds change a site's available stock: the fleet needs them to sell the network's (fleet channels, docs/fleet.md). */
const v2 = `
${t.feed_reservation_made}
${t.feed_reservation_closed}
`;

export const feedMigrations: MigrationSet = {
  module: 'feed',
  migrations: [
    { version: 1, name: 'change feed outbox and its triggers', sql: v1 },
    { version: 2, name: 'reservations in the change feed', sql: v2 },
  ],
};
