// hub/receiving — expected receipts (purchase orders and ASNs): their tables, creating one (idempotent by the PO
// number), opening it at a door, what each line has received (read from the ledger's moves), and closing it, which
// settles each line against its tolerance and raises the shorts as variances.
import { signalPer } from '../../runtime/signal.js';
import { batchRead } from '../db/batch-reads.js';
import type { Db, MigrationSet } from '../db/database.js';
import { isoTs } from '../../protocols/events/index.js';
import { LedgerError, recordAudit, type Actor } from '../ledger/index.js';
import { requireId, optionalText } from '../ledger/validate.js';
import { stmt } from '../ledger/statements.js';
import { openVarianceByKey, raiseAndRead, type Variance } from '../variances/store.js';
import { receivedQty } from './received.js';
import { checkGoods, type CheckedLine, type CheckedPallet, type GoodsLineInput, type PalletInput } from './expected-goods.js';
import { allowance, effectiveTolerance, lineStatus, maxReceivable, type LineStatus, type Tolerance } from './tolerance.js';

export const receivingMigrations: MigrationSet = {
  module: 'receiving',
  migrations: [
    {
      version: 1,
      name: 'receipts, lines, expected EPCs and pallets, item tolerances',
      sql: `
CREATE TABLE receipts (
  id         TEXT PRIMARY KEY,
  kind       TEXT NOT NULL CHECK (kind IN ('po','asn')),
  supplier   TEXT,
  status     TEXT NOT NULL CHECK (status IN ('expected','open','closed')),
  door       TEXT,
  body       TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  opened_ms  INTEGER,
  closed_ms  INTEGER,
  closed_by  TEXT,
  CHECK (status <> 'open' OR door IS NOT NULL)
);
CREATE UNIQUE INDEX receipts_open_door ON receipts (door) WHERE status = 'open';
CREATE INDEX receipts_closed ON receipts (closed_ms) WHERE status = 'closed';
CREATE TABLE receipt_lines (
  receipt           TEXT NOT NULL REFERENCES receipts(id),
  line              INTEGER NOT NULL,
  sku               TEXT NOT NULL,
  qty               INTEGER NOT NULL CHECK (qty > 0),
  unit_cost         INTEGER CHECK (unit_cost >= 0),
  tolerance         TEXT,
  received_at_close INTEGER,
  status            TEXT CHECK (status IN ('complete','short','over')),
  PRIMARY KEY (receipt, line),
  UNIQUE (receipt, sku)
);
CREATE TABLE receipt_epcs (
  receipt TEXT NOT NULL REFERENCES receipts(id),
  epc     TEXT NOT NULL,
  sku     TEXT NOT NULL,
  PRIMARY KEY (receipt, epc)
);
CREATE INDEX receipt_epcs_epc ON receipt_epcs (epc);
CREATE TABLE receipt_pallets (
  receipt     TEXT NOT NULL REFERENCES receipts(id),
  sscc        TEXT NOT NULL,
  contents    TEXT NOT NULL,
  received_ms INTEGER,
  event_id    TEXT,
  PRIMARY KEY (receipt, sscc)
);
CREATE INDEX receipt_pallets_sscc ON receipt_pallets (sscc);
-- Units of quantity-tracked SKUs a received pallet brought in that later carton scans may not count again.
CREATE TABLE receipt_cover (
  receipt   TEXT NOT NULL REFERENCES receipts(id),
  sku       TEXT NOT NULL,
  remaining INTEGER NOT NULL CHECK (remaining >= 0),
  PRIMARY KEY (receipt, sku)
);
CREATE TABLE receiving_item_tolerances (
  sku        TEXT PRIMARY KEY,
  tolerance  TEXT NOT NULL,
  updated_ms INTEGER NOT NULL
);
`,
    },
  ],
};

export type ReceiptStatus = 'expected' | 'open' | 'closed';

/** Each receipt closed on this database, told inside the closing transaction (so what a listener writes commits or rolls back with it). */
export const receiptClosed = signalPer<Db, [tx: Db, receipt: Receipt, nowMs: number]>();

export interface ReceiptInput {
  po: string;
  kind?: 'po' | 'asn';
  supplier?: string | null;
  lines: GoodsLineInput[];
  pallets?: PalletInput[];
}

export interface ReceiptLine {
  line: number;
  sku: string;
  expected: number;
  /** Net units received against this PO (from the ledger's moves). */
  received: number;
  /** Units held on open over/unexpected variances, not yet received. */
  held: number;
  unitCost: number | null;
  tolerance: Tolerance;
  maxReceivable: number;
  /** Live: as the line stands now; after close: as it was settled. */
  status: LineStatus;
}

export interface Receipt {
  id: string;
  kind: 'po' | 'asn';
  supplier: string | null;
  status: ReceiptStatus;
  door: string | null;
  createdAt: string;
  openedAt: string | null;
  closedAt: string | null;
  closedBy: string | null;
  lines: ReceiptLine[];
  pallets: Array<{ sscc: string; contents: CheckedPallet['contents']; receivedAt: string | null }>;
}

interface ReceiptRow {
  id: string;
  kind: 'po' | 'asn';
  supplier: string | null;
  status: ReceiptStatus;
  door: string | null;
  body: string;
  created_ms: number;
  opened_ms: number | null;
  closed_ms: number | null;
  closed_by: string | null;
}

export interface LineRow {
  receipt: string;
  line: number;
  sku: string;
  qty: number;
  unit_cost: number | null;
  tolerance: string | null;
  received_at_close: number | null;
  status: LineStatus | null;
}

export function receiptRow(db: Db, id: string): ReceiptRow | undefined {
  return stmt(db, 'SELECT * FROM receipts WHERE id = ?').get(id) as ReceiptRow | undefined;
}

export function requireReceipt(db: Db, id: string): ReceiptRow {
  const r = receiptRow(db, id);
  if (!r) throw new LedgerError('not_found', `receipt ${JSON.stringify(id)} does not exist (no purchase order or ASN with that number)`, 'id');
  return r;
}

/** Per connection, the read of the receipts open now, kept for an ingest batch (hub/db/batch-reads.ts). */
const openReceiptsReads = new WeakMap<Db, () => readonly ReceiptRow[]>();

/**
 * The receipts open now: at most one per door (a unique index), so a few rows. Inside an ingest batch
 * (withBatchReads) they are read once while nothing on this connection writes `receipts` — the door rules and the
 * receiving observer ask two or three times per pass; after any write to the table in the batch they are read at every
 * call. Rows and list are frozen: callers share them.
 */
export function openReceipts(db: Db): readonly ReceiptRow[] {
  let read = openReceiptsReads.get(db);
  if (!read) {
    const q = stmt(db, "SELECT * FROM receipts WHERE status = 'open'");
    const get = () => Object.freeze((q.all() as ReceiptRow[]).map((r) => Object.freeze(r)));
    openReceiptsReads.set(db, (read = batchRead<readonly ReceiptRow[]>(db, 'receipts', { get })));
  }
  return read();
}

/** The receipt open at a door, if any (from openReceipts: once per ingest batch). */
export function openReceiptAt(db: Db, door: string): ReceiptRow | undefined {
  return openReceipts(db).find((r) => r.door === door);
}

export function lineFor(db: Db, receipt: string, sku: string): LineRow | undefined {
  return stmt(db, 'SELECT * FROM receipt_lines WHERE receipt = ? AND sku = ?').get(receipt, sku) as LineRow | undefined;
}

export function itemTolerance(db: Db, sku: string): Partial<Tolerance> | null {
  const r = stmt(db, 'SELECT tolerance FROM receiving_item_tolerances WHERE sku = ?').get(sku) as { tolerance: string } | undefined;
  return r ? (JSON.parse(r.tolerance) as Partial<Tolerance>) : null;
}

export function setItemTolerance(db: Db, sku: string, t: Partial<Tolerance>, actor: Actor, nowMs: number): void {
  db.transaction(() => {
    if (!db.prepare('SELECT 1 FROM items WHERE sku = ?').get(sku)) throw new LedgerError('not_found', `sku: unknown item ${JSON.stringify(sku)}`, 'sku');
    db.prepare(
      'INSERT INTO receiving_item_tolerances (sku, tolerance, updated_ms) VALUES (?, ?, ?) ON CONFLICT (sku) DO UPDATE SET tolerance = excluded.tolerance, updated_ms = excluded.updated_ms',
    ).run(sku, JSON.stringify(t), nowMs);
    recordAudit(db, { actor, action: 'receiving.tolerance', target: sku, payload: t, atMs: nowMs });
  })();
}

export function lineTolerance(db: Db, line: LineRow, defaults: Tolerance): Tolerance {
  return effectiveTolerance(line.tolerance ? (JSON.parse(line.tolerance) as Partial<Tolerance>) : null, itemTolerance(db, line.sku), defaults);
}

/** Units held (not received) on the open over / unexpected-item variance of a PO's SKU. */
export function heldQty(db: Db, po: string, sku: string): number {
  let n = 0;
  for (const type of ['over', 'unexpected_item'] as const) n += openVarianceByKey(db, `${type}:${po}:${sku}`)?.planQty ?? 0;
  return n;
}

export function getReceipt(db: Db, id: string, defaults: Tolerance): Receipt | undefined {
  const r = receiptRow(db, id);
  if (!r) return undefined;
  const lines = (db.prepare('SELECT * FROM receipt_lines WHERE receipt = ? ORDER BY line').all(id) as LineRow[]).map((l) => {
    const tolerance = lineTolerance(db, l, defaults);
    const received = r.status === 'closed' && l.received_at_close !== null ? l.received_at_close : receivedQty(db, id, l.sku);
    return {
      line: l.line,
      sku: l.sku,
      expected: l.qty,
      received,
      held: heldQty(db, id, l.sku),
      unitCost: l.unit_cost,
      tolerance,
      maxReceivable: maxReceivable(l.qty, tolerance),
      status: l.status ?? lineStatus(l.qty, received, tolerance),
    };
  });
  const pallets = (
    db.prepare('SELECT * FROM receipt_pallets WHERE receipt = ? ORDER BY sscc').all(id) as Array<{ sscc: string; contents: string; received_ms: number | null }>
  ).map((p) => ({
    sscc: p.sscc,
    contents: JSON.parse(p.contents) as CheckedPallet['contents'],
    receivedAt: p.received_ms === null ? null : isoTs(p.received_ms),
  }));
  return {
    id: r.id,
    kind: r.kind,
    supplier: r.supplier,
    status: r.status,
    door: r.door,
    createdAt: isoTs(r.created_ms),
    openedAt: r.opened_ms === null ? null : isoTs(r.opened_ms),
    closedAt: r.closed_ms === null ? null : isoTs(r.closed_ms),
    closedBy: r.closed_by,
    lines,
    pallets,
  };
}

export function listReceipts(db: Db, filter: { status?: ReceiptStatus; door?: string; limit?: number } = {}): string[] {
  return (
    db
      .prepare('SELECT id FROM receipts WHERE (@status IS NULL OR status = @status) AND (@door IS NULL OR door = @door) ORDER BY created_ms, id LIMIT @limit')
      .all({ status: filter.status ?? null, door: filter.door ?? null, limit: filter.limit ?? 100 }) as Array<{ id: string }>
  ).map((r) => r.id);
}

function canonical(po: string, kind: string, supplier: string | null, goods: { lines: CheckedLine[]; pallets: CheckedPallet[] }): string {
  return JSON.stringify({ po, kind, supplier, lines: goods.lines, pallets: goods.pallets });
}

/**
 * Create an expected receipt. Idempotent by the PO number: the same content again answers `exists`; different
 * content under a known number is a conflict (a receipt, once announced, is changed by a new number, not edited).
 */
export function createReceipt(db: Db, input: ReceiptInput, actor: Actor, nowMs: number): { status: 'created' | 'exists'; id: string } {
  const po = requireId(input.po, 'po');
  const kind = input.kind ?? 'po';
  if (kind !== 'po' && kind !== 'asn') throw new LedgerError('invalid', `kind must be po or asn, got ${JSON.stringify(kind)}`, 'kind');
  const supplier = optionalText(input.supplier, 'supplier', 200);
  return db.transaction(() => {
    const goods = checkGoods(db, input.lines, input.pallets ?? []);
    const body = canonical(po, kind, supplier, goods);
    const existing = receiptRow(db, po);
    if (existing) {
      if (existing.body !== body)
        throw new LedgerError(
          'conflict',
          `receipt ${po} already exists with different content: a PO number names one receipt (create the change under a new number)`,
          'po',
        );
      return { status: 'exists' as const, id: po };
    }
    db.prepare("INSERT INTO receipts (id, kind, supplier, status, body, created_ms) VALUES (?, ?, ?, 'expected', ?, ?)").run(po, kind, supplier, body, nowMs);
    const line = db.prepare('INSERT INTO receipt_lines (receipt, line, sku, qty, unit_cost, tolerance) VALUES (?, ?, ?, ?, ?, ?)');
    const epc = db.prepare('INSERT INTO receipt_epcs (receipt, epc, sku) VALUES (?, ?, ?)');
    goods.lines.forEach((l, i) => {
      line.run(po, i + 1, l.sku, l.qty, l.unitCost, l.tolerance ? JSON.stringify(l.tolerance) : null);
      for (const e of l.epcs) epc.run(po, e, l.sku);
    });
    for (const p of goods.pallets) {
      db.prepare('INSERT INTO receipt_pallets (receipt, sscc, contents) VALUES (?, ?, ?)').run(po, p.sscc, JSON.stringify(p.contents));
      for (const c of p.contents) for (const e of c.epcs) epc.run(po, e, c.sku);
    }
    recordAudit(db, { actor, action: 'receipt.create', target: po, payload: input, atMs: nowMs });
    return { status: 'created' as const, id: po };
  })();
}

/** Open a receipt at a receiving door: passes there are matched to it from now on. Opening it again there is a no-op. */
export function openReceipt(db: Db, id: string, door: string, actor: Actor, nowMs: number): void {
  db.transaction(() => {
    const r = requireReceipt(db, id);
    if (r.status === 'open' && r.door === door) return;
    if (r.status === 'open') throw new LedgerError('conflict', `receipt ${id} is already open at door ${r.door}: close it there first`, 'door');
    if (r.status === 'closed') throw new LedgerError('conflict', `receipt ${id} was closed at ${isoTs(r.closed_ms!)}: a closed receipt is not reopened`, 'id');
    const d = db.prepare('SELECT mode FROM doors WHERE id = ?').get(door) as { mode: string } | undefined;
    if (!d) throw new LedgerError('not_found', `door ${JSON.stringify(door)} is not configured`, 'door');
    if (d.mode !== 'receiving') throw new LedgerError('conflict', `door ${door} is in ${d.mode} mode: a receipt opens at a receiving door`, 'door');
    const other = openReceiptAt(db, door);
    if (other) throw new LedgerError('conflict', `receipt ${other.id} is open at door ${door}: close it before opening ${id} there`, 'door');
    db.prepare("UPDATE receipts SET status = 'open', door = ?, opened_ms = ? WHERE id = ?").run(door, nowMs, id);
    recordAudit(db, { actor, action: 'receipt.open', target: id, payload: { door }, atMs: nowMs });
  })();
}

/**
 * Close a receipt: each line is settled against its tolerance (received within it: complete), and each line short
 * beyond it becomes a `short` variance. Over-deliveries were raised live, as the units were held. Closing twice is a
 * conflict and changes nothing.
 */
export function closeReceipt(db: Db, id: string, defaults: Tolerance, actor: Actor, nowMs: number): { receipt: Receipt; variances: Variance[] } {
  return db.transaction(() => {
    const r = requireReceipt(db, id);
    if (r.status === 'closed')
      throw new LedgerError('conflict', `receipt ${id} was already closed at ${isoTs(r.closed_ms!)} by ${r.closed_by}: closing twice changes nothing`, 'id');
    const raised: Variance[] = [];
    for (const l of db.prepare('SELECT * FROM receipt_lines WHERE receipt = ? ORDER BY line').all(id) as LineRow[]) {
      const t = lineTolerance(db, l, defaults);
      const received = receivedQty(db, id, l.sku);
      const status = lineStatus(l.qty, received, t);
      db.prepare('UPDATE receipt_lines SET received_at_close = ?, status = ? WHERE receipt = ? AND line = ?').run(received, status, id, l.line);
      if (status === 'short') {
        raised.push(
          raiseAndRead(
            db,
            {
              type: 'short',
              door: r.door,
              reference: id,
              sku: l.sku,
              expected: l.qty,
              actual: received,
              message: `${id} line ${l.line}: ${l.sku} expected ${l.qty}, received ${received}: ${l.qty - received} short (the tolerance accepts ${l.qty - allowance(l.qty, t).under} or more)`,
              evidence: [],
            },
            nowMs,
          ),
        );
      }
    }
    const by = `${actor.kind}:${actor.id}`;
    db.prepare("UPDATE receipts SET status = 'closed', closed_ms = ?, closed_by = ? WHERE id = ?").run(nowMs, by, id);
    recordAudit(db, { actor, action: 'receipt.close', target: id, payload: { shorts: raised.map((v) => v.id) }, atMs: nowMs });
    const receipt = getReceipt(db, id, defaults)!;
    receiptClosed(db).emit(db, receipt, nowMs);
    return { receipt, variances: raised };
  })();
}

/** What an SSCC pallet was declared to hold, from the newest receipt that expected it (undefined: no receipt did). */
export function palletContents(db: Db, sscc: string): CheckedPallet['contents'] | undefined {
  const row = db.prepare('SELECT contents FROM receipt_pallets WHERE sscc = ? ORDER BY rowid DESC LIMIT 1').get(sscc) as { contents: string } | undefined;
  return row && (JSON.parse(row.contents) as CheckedPallet['contents']);
}
