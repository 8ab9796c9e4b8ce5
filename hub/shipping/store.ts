// hub/shipping — expected shipments: their tables, creating one (idempotent by its number), opening it at a shipping
// door, what has left against it (read from the ledger's moves), acknowledging a red light, and closing it, which
// reports and raises what is missing.
import type { Db, MigrationSet } from '../db/database.js';
import { isoTs } from '../../protocols/events/index.js';
import { LedgerError, recordAudit, VIRTUAL, type Actor } from '../ledger/index.js';
import { optionalText, requireId } from '../ledger/validate.js';
import { stmt } from '../ledger/statements.js';
import { checkGoods, type CheckedPallet, type GoodsLineInput, type PalletInput } from '../receiving/expected-goods.js';
import { raiseAndRead, type Variance } from '../variances/store.js';
import type { DoorSignals } from './signals.js';

export const shippingMigrations: MigrationSet = {
  module: 'shipping',
  migrations: [
    {
      version: 1,
      name: 'shipments, lines, expected EPCs and pallets',
      sql: `
CREATE TABLE shipments (
  id         TEXT PRIMARY KEY,
  customer   TEXT,
  status     TEXT NOT NULL CHECK (status IN ('expected','open','closed')),
  door       TEXT,
  body       TEXT NOT NULL,
  alarm      INTEGER NOT NULL DEFAULT 0 CHECK (alarm IN (0,1)),
  created_ms INTEGER NOT NULL,
  opened_ms  INTEGER,
  closed_ms  INTEGER,
  closed_by  TEXT,
  CHECK (status <> 'open' OR door IS NOT NULL)
);
CREATE UNIQUE INDEX shipments_open_door ON shipments (door) WHERE status = 'open';
CREATE INDEX shipments_closed ON shipments (closed_ms) WHERE status = 'closed';
CREATE TABLE shipment_lines (
  shipment          TEXT NOT NULL REFERENCES shipments(id),
  line              INTEGER NOT NULL,
  sku               TEXT NOT NULL,
  qty               INTEGER NOT NULL CHECK (qty > 0),
  shipped_at_close  INTEGER,
  PRIMARY KEY (shipment, line),
  UNIQUE (shipment, sku)
);
CREATE TABLE shipment_epcs (
  shipment TEXT NOT NULL REFERENCES shipments(id),
  epc      TEXT NOT NULL,
  sku      TEXT NOT NULL,
  PRIMARY KEY (shipment, epc)
);
CREATE INDEX shipment_epcs_epc ON shipment_epcs (epc);
CREATE TABLE shipment_pallets (
  shipment TEXT NOT NULL REFERENCES shipments(id),
  sscc     TEXT NOT NULL,
  contents TEXT NOT NULL,
  seen_ms  INTEGER,
  event_id TEXT,
  PRIMARY KEY (shipment, sscc)
);
CREATE INDEX shipment_pallets_sscc ON shipment_pallets (sscc);
`,
    },
  ],
};

export type ShipmentStatus = 'expected' | 'open' | 'closed';

export interface ShipmentInput {
  id: string;
  customer?: string | null;
  lines: GoodsLineInput[];
  pallets?: PalletInput[];
}

export interface Shipment {
  id: string;
  customer: string | null;
  status: ShipmentStatus;
  door: string | null;
  /** A unit not on the shipment passed and ops have not acknowledged it yet (the door's light is red). */
  alarm: boolean;
  complete: boolean;
  createdAt: string;
  openedAt: string | null;
  closedAt: string | null;
  closedBy: string | null;
  lines: Array<{ line: number; sku: string; expected: number; shipped: number }>;
  epcs: Array<{ epc: string; sku: string; shipped: boolean }>;
  pallets: Array<{ sscc: string; contents: CheckedPallet['contents']; seenAt: string | null }>;
}

interface ShipmentRow {
  id: string;
  customer: string | null;
  status: ShipmentStatus;
  door: string | null;
  body: string;
  alarm: number;
  created_ms: number;
  opened_ms: number | null;
  closed_ms: number | null;
  closed_by: string | null;
}

export function shipmentRow(db: Db, id: string): ShipmentRow | undefined {
  return stmt(db, 'SELECT * FROM shipments WHERE id = ?').get(id) as ShipmentRow | undefined;
}

function requireShipment(db: Db, id: string): ShipmentRow {
  const r = shipmentRow(db, id);
  if (!r) throw new LedgerError('not_found', `shipment ${JSON.stringify(id)} does not exist`, 'id');
  return r;
}

export function openShipmentAt(db: Db, door: string): ShipmentRow | undefined {
  return stmt(db, "SELECT * FROM shipments WHERE door = ? AND status = 'open'").get(door) as ShipmentRow | undefined;
}

export function shipmentLine(db: Db, shipment: string, sku: string): { line: number; qty: number } | undefined {
  return stmt(db, 'SELECT line, qty FROM shipment_lines WHERE shipment = ? AND sku = ?').get(shipment, sku) as { line: number; qty: number } | undefined;
}

/**
 * Where a shipment's units go: a transfer to another site of the fleet (customer `site:<id>`, an internal ASN at the
 * receiving site) leaves for `transit`, where the fleet matches it with the other site's receipt; else the customer.
 */
export function shipmentDestination(s: { customer: string | null } | undefined): string {
  return s?.customer?.startsWith('site:') ? VIRTUAL.transit : VIRTUAL.customer;
}

/** Net units of a SKU shipped against a shipment: to its destination minus those brought back in. */
export function shippedQty(db: Db, shipment: string, sku: string): number {
  const r = stmt(
    db,
    `SELECT COALESCE(SUM(CASE WHEN to_location = @dest THEN qty WHEN from_location = @dest THEN -qty ELSE 0 END), 0) AS n
                        FROM moves WHERE reference = @shipment AND sku = @sku AND reason = 'shipment'`,
  ).get({ shipment, sku, dest: shipmentDestination(shipmentRow(db, shipment)) }) as { n: number };
  return r.n;
}

/** The EPCs a shipment names for a SKU (in its lines or pallets); empty when it names none (any unit will do). */
export function namedEpcs(db: Db, shipment: string, sku: string): Set<string> {
  return new Set((stmt(db, 'SELECT epc FROM shipment_epcs WHERE shipment = ? AND sku = ?').all(shipment, sku) as Array<{ epc: string }>).map((r) => r.epc));
}

export function getShipment(db: Db, id: string): Shipment | undefined {
  const r = shipmentRow(db, id);
  if (!r) return undefined;
  const lines = (
    db.prepare('SELECT * FROM shipment_lines WHERE shipment = ? ORDER BY line').all(id) as Array<{
      line: number;
      sku: string;
      qty: number;
      shipped_at_close: number | null;
    }>
  ).map((l) => ({ line: l.line, sku: l.sku, expected: l.qty, shipped: l.shipped_at_close ?? shippedQty(db, id, l.sku) }));
  const epcs = (
    db
      .prepare(
        `SELECT e.epc, e.sku, (s.location = @customer) AS shipped FROM shipment_epcs e LEFT JOIN serials s ON s.epc = e.epc WHERE e.shipment = @id ORDER BY e.epc`,
      )
      .all({ id, customer: shipmentDestination(r) }) as Array<{ epc: string; sku: string; shipped: number | null }>
  ).map((e) => ({ epc: e.epc, sku: e.sku, shipped: e.shipped === 1 }));
  const pallets = (
    db.prepare('SELECT sscc, contents, seen_ms FROM shipment_pallets WHERE shipment = ? ORDER BY sscc').all(id) as Array<{
      sscc: string;
      contents: string;
      seen_ms: number | null;
    }>
  ).map((p) => ({ sscc: p.sscc, contents: JSON.parse(p.contents) as CheckedPallet['contents'], seenAt: p.seen_ms === null ? null : isoTs(p.seen_ms) }));
  const complete = lines.every((l) => l.shipped >= l.expected) && epcs.every((e) => e.shipped) && pallets.every((p) => p.seenAt !== null);
  return {
    id: r.id,
    customer: r.customer,
    status: r.status,
    door: r.door,
    alarm: r.alarm === 1,
    complete,
    createdAt: isoTs(r.created_ms),
    openedAt: r.opened_ms === null ? null : isoTs(r.opened_ms),
    closedAt: r.closed_ms === null ? null : isoTs(r.closed_ms),
    closedBy: r.closed_by,
    lines,
    epcs,
    pallets,
  };
}

export function listShipments(db: Db, filter: { status?: ShipmentStatus; door?: string; limit?: number } = {}): string[] {
  return (
    db
      .prepare('SELECT id FROM shipments WHERE (@status IS NULL OR status = @status) AND (@door IS NULL OR door = @door) ORDER BY created_ms, id LIMIT @limit')
      .all({ status: filter.status ?? null, door: filter.door ?? null, limit: filter.limit ?? 100 }) as Array<{ id: string }>
  ).map((r) => r.id);
}

/** Create an expected shipment; idempotent by its id (different content under a known id is a conflict). */
export function createShipment(db: Db, input: ShipmentInput, actor: Actor, nowMs: number): { status: 'created' | 'exists'; id: string } {
  const id = requireId(input.id, 'id');
  const customer = optionalText(input.customer, 'customer', 200);
  return db.transaction(() => {
    const goods = checkGoods(
      db,
      input.lines.map((l) => ({ ...l, unitCost: null, tolerance: null })),
      input.pallets ?? [],
    );
    const body = JSON.stringify({ id, customer, lines: goods.lines.map((l) => ({ sku: l.sku, qty: l.qty, epcs: l.epcs })), pallets: goods.pallets });
    const existing = shipmentRow(db, id);
    if (existing) {
      if (existing.body !== body) throw new LedgerError('conflict', `shipment ${id} already exists with different content: an id names one shipment`, 'id');
      return { status: 'exists' as const, id };
    }
    db.prepare("INSERT INTO shipments (id, customer, status, body, created_ms) VALUES (?, ?, 'expected', ?, ?)").run(id, customer, body, nowMs);
    const epc = db.prepare('INSERT INTO shipment_epcs (shipment, epc, sku) VALUES (?, ?, ?)');
    goods.lines.forEach((l, i) => {
      db.prepare('INSERT INTO shipment_lines (shipment, line, sku, qty) VALUES (?, ?, ?, ?)').run(id, i + 1, l.sku, l.qty);
      for (const e of l.epcs) epc.run(id, e, l.sku);
    });
    for (const p of goods.pallets) {
      db.prepare('INSERT INTO shipment_pallets (shipment, sscc, contents) VALUES (?, ?, ?)').run(id, p.sscc, JSON.stringify(p.contents));
      for (const c of p.contents) for (const e of c.epcs) epc.run(id, e, c.sku);
    }
    recordAudit(db, { actor, action: 'shipment.create', target: id, payload: input, atMs: nowMs });
    return { status: 'created' as const, id };
  })();
}

export function openShipment(db: Db, id: string, door: string, actor: Actor, nowMs: number): void {
  db.transaction(() => {
    const r = requireShipment(db, id);
    if (r.status === 'open' && r.door === door) return;
    if (r.status === 'open') throw new LedgerError('conflict', `shipment ${id} is already open at door ${r.door}: close it there first`, 'door');
    if (r.status === 'closed')
      throw new LedgerError('conflict', `shipment ${id} was closed at ${isoTs(r.closed_ms!)}: a closed shipment is not reopened`, 'id');
    const d = db.prepare('SELECT mode FROM doors WHERE id = ?').get(door) as { mode: string } | undefined;
    if (!d) throw new LedgerError('not_found', `door ${JSON.stringify(door)} is not configured`, 'door');
    if (d.mode !== 'shipping') throw new LedgerError('conflict', `door ${door} is in ${d.mode} mode: a shipment opens at a shipping door`, 'door');
    const other = openShipmentAt(db, door);
    if (other) throw new LedgerError('conflict', `shipment ${other.id} is open at door ${door}: close it before opening ${id} there`, 'door');
    db.prepare("UPDATE shipments SET status = 'open', door = ?, opened_ms = ? WHERE id = ?").run(door, nowMs, id);
    recordAudit(db, { actor, action: 'shipment.open', target: id, payload: { door }, atMs: nowMs });
  })();
}

/** The light a door with an open shipment should show when nothing is wrong: green once everything has been seen. */
export function settleLight(db: Db, signals: DoorSignals, shipmentId: string, nowMs: number): void {
  const s = getShipment(db, shipmentId);
  if (!s || s.status !== 'open' || s.alarm || !s.door) return;
  const door = db.prepare('SELECT gateway FROM doors WHERE id = ?').get(s.door) as { gateway: string } | undefined;
  if (!door) return;
  const want = s.complete ? 'green' : 'off';
  const now = signals.get(s.door);
  if ((now?.color ?? 'off') !== want)
    signals.set(db, s.door, door.gateway, want, s.complete ? `shipment ${s.id}: everything on the list seen` : `shipment ${s.id}: alarm acknowledged`, nowMs);
}

/** Ops acknowledge the red light: the door goes back to what the shipment's progress shows. */
export function acknowledgeShipment(db: Db, signals: DoorSignals, id: string, actor: Actor, reason: string | null, nowMs: number): void {
  db.transaction(() => {
    const r = requireShipment(db, id);
    if (r.alarm === 0) throw new LedgerError('conflict', `shipment ${id} has no alarm to acknowledge`, 'id');
    db.prepare('UPDATE shipments SET alarm = 0 WHERE id = ?').run(id);
    recordAudit(db, { actor, action: 'shipment.acknowledge', target: id, reason, atMs: nowMs });
    settleLight(db, signals, id, nowMs);
  })();
}

export interface ShipmentMissing {
  lines: Array<{ sku: string; expected: number; shipped: number }>;
  epcs: string[];
  pallets: string[];
}

/** Close a shipment: what did not leave becomes `missing_outbound` variances, reported with the shipment. */
export function closeShipment(
  db: Db,
  signals: DoorSignals,
  id: string,
  actor: Actor,
  nowMs: number,
): { shipment: Shipment; missing: ShipmentMissing; variances: Variance[] } {
  return db.transaction(() => {
    const r = requireShipment(db, id);
    if (r.status === 'closed')
      throw new LedgerError('conflict', `shipment ${id} was already closed at ${isoTs(r.closed_ms!)} by ${r.closed_by}: closing twice changes nothing`, 'id');
    const s = getShipment(db, id)!;
    const missing: ShipmentMissing = {
      lines: s.lines.filter((l) => l.shipped < l.expected).map((l) => ({ sku: l.sku, expected: l.expected, shipped: l.shipped })),
      epcs: s.epcs.filter((e) => !e.shipped).map((e) => e.epc),
      pallets: s.pallets.filter((p) => p.seenAt === null).map((p) => p.sscc),
    };
    const raised: Variance[] = [];
    for (const l of missing.lines) {
      const epcs = s.epcs.filter((e) => e.sku === l.sku && !e.shipped).map((e) => e.epc);
      raised.push(
        raiseAndRead(
          db,
          {
            type: 'missing_outbound',
            door: r.door,
            reference: id,
            sku: l.sku,
            expected: l.expected,
            actual: l.shipped,
            message: `${id}: ${l.sku} expected ${l.expected}, ${l.shipped} left: ${l.expected - l.shipped} missing${epcs.length ? ` (EPCs ${epcs.slice(0, 20).join(', ')}${epcs.length > 20 ? ' …' : ''})` : ''}`,
          },
          nowMs,
        ),
      );
    }
    for (const sscc of missing.pallets) {
      raised.push(
        raiseAndRead(
          db,
          { type: 'missing_outbound', door: r.door, reference: id, expected: 1, actual: 0, message: `${id}: pallet ${sscc} was never seen leaving` },
          nowMs,
        ),
      );
    }
    for (const l of s.lines) db.prepare('UPDATE shipment_lines SET shipped_at_close = ? WHERE shipment = ? AND sku = ?').run(l.shipped, id, l.sku);
    db.prepare("UPDATE shipments SET status = 'closed', alarm = 0, closed_ms = ?, closed_by = ? WHERE id = ?").run(nowMs, `${actor.kind}:${actor.id}`, id);
    if (r.door) {
      const door = db.prepare('SELECT gateway FROM doors WHERE id = ?').get(r.door) as { gateway: string } | undefined;
      if (door && (signals.get(r.door)?.color ?? 'off') !== 'off') signals.set(db, r.door, door.gateway, 'off', `shipment ${id} closed`, nowMs);
    }
    recordAudit(db, { actor, action: 'shipment.close', target: id, payload: { missing: raised.map((v) => v.id) }, atMs: nowMs });
    return { shipment: getShipment(db, id)!, missing, variances: raised };
  })();
}
