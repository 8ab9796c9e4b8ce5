// hub/partners/erp — the ERP hand-off: what the ERP gets, queued in the partner outbox in the same transaction as its
// cause, so a crash can neither lose nor double it. A closed receipt: a signed `receipt.closed` webhook and/or an
// ERPNext Purchase Receipt. Posted moves: `moves.posted` batches in ledger order, cut by a cursor (moves.seq) that
// advances in the transaction that queues the batch; the batch's key names its seq range, so a receiver that keeps
// Idempotency-Key applies each batch once.
import type { Db } from '../../db/database.js';
import { invariant } from '../../ledger/errors.js';
import { isoTs } from '../../../protocols/events/index.js';
import type { Receipt } from '../../receiving/store.js';
import type { ErpConfig } from '../config.js';
import { enqueue } from '../outbox.js';
import { damagedOf } from '../receipt-advice.js';
import { purchaseReceiptDoc } from './erpnext.js';

const PARTNER = 'erp';
const CURSOR = 'webhook-moves';
const safe = (id: string) => id.replace(/[^A-Za-z0-9._-]/g, '_');

/** The `receipt.closed` body: per line expected, received, short, over and damaged. */
export function receiptClosedBody(db: Db, site: string, receipt: Receipt, nowMs: number): Record<string, unknown> {
  const damaged = damagedOf(db, receipt.id);
  return {
    type: 'receipt.closed',
    key: `erp:receipt:${receipt.id}`,
    site,
    receipt: {
      id: receipt.id,
      kind: receipt.kind,
      supplier: receipt.supplier,
      door: receipt.door,
      closedAt: receipt.closedAt ?? isoTs(nowMs),
      closedBy: receipt.closedBy,
      lines: receipt.lines.map((l) => ({
        line: l.line,
        sku: l.sku,
        expected: l.expected,
        received: l.received,
        short: Math.max(0, l.expected - l.received),
        over: Math.max(0, l.received - l.expected) + l.held,
        damaged: damaged(l.sku, l.received),
        unitCost: l.unitCost,
      })),
      pallets: receipt.pallets.map((p) => ({ sscc: p.sscc, received: p.receivedAt !== null, contents: p.contents.map((c) => ({ sku: c.sku, qty: c.qty })) })),
    },
  };
}

/** The receipt-closed listener: runs inside the closing transaction. */
export function erpReceiptListener(erp: ErpConfig, site: string) {
  return (db: Db, receipt: Receipt, nowMs: number): void => {
    if (erp.webhook) {
      const body = receiptClosedBody(db, site, receipt, nowMs);
      enqueue(db, { key: body.key as string, partner: PARTNER, kind: 'receipt.closed', target: { url: erp.webhook.url, secret: erp.webhook.secret }, fileName: `${safe(receipt.id)}.receipt.json`, contentType: 'application/json', body: JSON.stringify(body) }, nowMs);
    }
    if (erp.erpnext) {
      const damaged = damagedOf(db, receipt.id);
      const lines = receipt.lines.map((l) => ({ sku: l.sku, received: l.received, damaged: damaged(l.sku, l.received), unitCost: l.unitCost }));
      if (!lines.some((l) => l.received > 0)) return; // nothing arrived: ERPNext refuses a Purchase Receipt without items
      const doc = purchaseReceiptDoc({ id: receipt.id, supplier: receipt.supplier, closedAtMs: nowMs, lines }, erp.erpnext);
      enqueue(db, { key: `erpnext:purchase-receipt:${receipt.id}`, partner: PARTNER, kind: 'erpnext.purchase-receipt', target: { erpnext: true }, fileName: `${safe(receipt.id)}.erpnext.json`, contentType: 'application/json', body: JSON.stringify(doc) }, nowMs);
    }
  };
}

interface MoveRow {
  seq: number;
  id: string;
  sku: string;
  qty: number;
  from_location: string;
  to_location: string;
  reason: string;
  reference: string | null;
  epc: string | null;
  unit_cost: number | null;
  actor_kind: string;
  actor_id: string;
  occurred_ms: number;
  posted_ms: number;
}

/**
 * Queue the moves posted since the cursor as `moves.posted` batches (one transaction per batch). The first call on a
 * database starts the cursor at the newest move: the ERP gets what is posted from then on, not the ledger's history.
 * Returns how many moves were queued.
 */
export function queuePostedMoves(db: Db, erp: ErpConfig, site: string, nowMs: number): number {
  const hook = erp.webhook;
  if (!hook || !hook.moves) return 0;
  let queued = 0;
  for (;;) {
    const n = db.transaction(() => {
      let cursor = (db.prepare('SELECT seq FROM erp_cursor WHERE name = ?').get(CURSOR) as { seq: number } | undefined)?.seq;
      if (cursor === undefined) {
        cursor = (db.prepare('SELECT COALESCE(MAX(seq), 0) AS s FROM moves').get() as { s: number }).s;
        db.prepare('INSERT INTO erp_cursor (name, seq) VALUES (?, ?)').run(CURSOR, cursor);
        return 0;
      }
      const rows = db.prepare('SELECT seq, id, sku, qty, from_location, to_location, reason, reference, epc, unit_cost, actor_kind, actor_id, occurred_ms, posted_ms FROM moves WHERE seq > ? ORDER BY seq LIMIT ?').all(cursor, hook.batch) as MoveRow[];
      if (rows.length === 0) return 0;
      const first = rows[0]!.seq;
      const last = rows[rows.length - 1]!.seq;
      invariant(first > cursor && last >= first, `ERP moves batch ${first}-${last} does not follow the cursor ${cursor}`);
      const key = `erp:moves:${first}-${last}`;
      const body = {
        type: 'moves.posted',
        key,
        site,
        moves: rows.map((m) => ({
          seq: m.seq,
          id: m.id,
          sku: m.sku,
          qty: m.qty,
          from: m.from_location,
          to: m.to_location,
          reason: m.reason,
          reference: m.reference,
          epc: m.epc,
          unitCost: m.unit_cost,
          actor: { kind: m.actor_kind, id: m.actor_id },
          occurredAt: isoTs(m.occurred_ms),
          postedAt: isoTs(m.posted_ms),
        })),
      };
      const fresh = enqueue(db, { key, partner: PARTNER, kind: 'moves.posted', target: { url: hook.url, secret: hook.secret }, fileName: `moves-${first}-${last}.json`, contentType: 'application/json', body: JSON.stringify(body) }, nowMs);
      invariant(fresh, `ERP moves batch ${key} was queued before: the cursor went back`);
      db.prepare('UPDATE erp_cursor SET seq = ? WHERE name = ?').run(last, CURSOR);
      return rows.length;
    })();
    queued += n;
    if (n < hook.batch) return queued;
  }
}
