// hub/receiving — matching passes at a receiving door to the receipt open there, live, inside the ingest's batch
// transaction: a PO barcode (or a scanner's purchase_order context) opens the receipt at that door; an SSCC whose
// contents the ASN declares receives them in one step; units within a line's tolerance are received at the PO's cost
// (the door rules post them, this observer adds reference and cost); units beyond it, or of SKUs not on the PO, are
// held on an `over` / `unexpected_item` variance whose acceptance receives them. An EPC or SSCC expected on a receipt
// open at another door raises `wrong_door`.
import type { Db } from '../db/database.js';
import type { DoorHooks, Enrichment, PassContext } from '../doors/interpreter.js';
import { stopAll } from '../../runtime/signal.js';
import type { PassOutcome } from '../doors/store.js';
import { raiseWrongDoor } from '../variances/wrong-door.js';
import { getSerial, postMove, VIRTUAL, type Move } from '../ledger/index.js';
import { stmt } from '../ledger/statements.js';
import { planHasEpc } from '../variances/plan.js';
import { openVarianceByKey, raiseVariance, type MoveSpec } from '../variances/store.js';
import type { CheckedPallet } from './expected-goods.js';
import { receivedQty } from './received.js';
import { lineFor, lineTolerance, openReceiptAt, openReceipts, receiptRow, type LineRow } from './store.js';
import { maxReceivable, type Tolerance } from './tolerance.js';

const BY = 'receiving';

/** Receiving listens for passes at its doors: it adds the open receipt's reference and cost, and claims what it holds; returns the stop. */
export function listenForReceiving(hooks: DoorHooks, defaults: Tolerance): () => void {
  return stopAll(
    hooks.enrich.listen(receiptEnrichment),
    hooks.claim.listen((db, pass, nowMs) => claim(db, pass, defaults, nowMs)),
  );
}

/** The receipt open at a receiving door: its id as the move's reference, the PO line's cost as its unit cost. */
function receiptEnrichment(db: Db, pass: PassContext): Enrichment | undefined {
  if (pass.door.mode !== 'receiving') return undefined;
  const r = openReceiptAt(db, pass.door.id);
  if (!r) return undefined;
  const line = pass.item ? lineFor(db, r.id, pass.item.sku) : undefined;
  return line?.unit_cost != null ? { reference: r.id, unitCost: line.unit_cost } : { reference: r.id };
}

/** A pass at a receiving door: opening a receipt by its PO, a declared pallet, units held beyond the tolerance. */
function claim(db: Db, pass: PassContext, defaults: Tolerance, nowMs: number): PassOutcome | undefined {
  if (pass.door.mode !== 'receiving') return undefined;
  const event = pass.event;
  if (event.kind === 'scan' && event.codeType === 'purchase_order') return openByScan(db, pass, event.raw.trim(), nowMs);
  const poContext = pass.references.purchase_order;
  if (poContext && !openReceiptAt(db, pass.door.id)) {
    const opened = openByScan(db, pass, poContext, nowMs);
    if (opened.kind === 'exception') return opened;
  }
  const receipt = openReceiptAt(db, pass.door.id);
  wrongDoor(db, pass, receipt?.id, nowMs);
  if (!receipt || pass.direction !== 'in') return undefined;
  if (pass.sscc) return receivePallet(db, pass, receipt.id, nowMs);
  if (!pass.item) return undefined;
  const line = lineFor(db, receipt.id, pass.item.sku);
  if (pass.epc !== undefined) {
    if (pass.item.tracking !== 'serial') return undefined;
    const serial = getSerial(db, pass.epc);
    if (serial && serial.location !== VIRTUAL.supplier) return undefined; // the rules say repeat / elsewhere
    if (line && receivedQty(db, receipt.id, line.sku) + 1 <= maxReceivable(line.qty, lineTolerance(db, line, defaults))) return undefined;
    return hold(db, pass, receipt.id, line, 1, nowMs);
  }
  if (pass.item.tracking !== 'quantity') return undefined;
  return receiveQuantity(db, pass, receipt.id, line, defaults, nowMs);
}

function openByScan(db: Db, pass: PassContext, po: string, nowMs: number): PassOutcome {
  const r = receiptRow(db, po);
  if (!r) return { kind: 'claimed', by: BY, message: `purchase order ${po} is not an expected receipt: nothing opened` };
  if (r.status === 'open' && r.door === pass.door.id) return { kind: 'claimed', by: BY, message: `receipt ${po} is already open at ${pass.door.id}` };
  if (r.status !== 'expected')
    return { kind: 'claimed', by: BY, message: `receipt ${po} is ${r.status}${r.door ? ` at ${r.door}` : ''}: not opened at ${pass.door.id}` };
  const other = openReceiptAt(db, pass.door.id);
  if (other) return { kind: 'claimed', by: BY, message: `receipt ${other.id} is open at ${pass.door.id}: close it before opening ${po}` };
  stmt(db, "UPDATE receipts SET status = 'open', door = ?, opened_ms = ? WHERE id = ?").run(pass.door.id, nowMs, po);
  return { kind: 'claimed', by: BY, message: `receipt ${po} opened at ${pass.door.id} by scan` };
}

/** An EPC or SSCC that a receipt open at another door expects. */
function wrongDoor(db: Db, pass: PassContext, here: string | undefined, nowMs: number): void {
  // Only a receipt open at another door can claim the unit: with none (a catch-up at doors without receipts), no read.
  if (!openReceipts(db).some((r) => r.door !== pass.door.id)) return;
  const found = pass.sscc
    ? (stmt(db, "SELECT d.id, d.door FROM receipt_pallets p JOIN receipts d ON d.id = p.receipt WHERE p.sscc = ? AND d.status = 'open' AND d.door <> ?").get(
        pass.sscc,
        pass.door.id,
      ) as { id: string; door: string } | undefined)
    : pass.epc
      ? (stmt(db, "SELECT d.id, d.door FROM receipt_epcs e JOIN receipts d ON d.id = e.receipt WHERE e.epc = ? AND d.status = 'open' AND d.door <> ?").get(
          pass.epc,
          pass.door.id,
        ) as { id: string; door: string } | undefined)
      : undefined;
  raiseWrongDoor(db, pass, found && { kind: 'receipt', ...found }, here, nowMs);
}

/** Hold units the receipt does not take (beyond tolerance, or not on the PO) on a growing variance. */
function hold(db: Db, pass: PassContext, po: string, line: LineRow | undefined, qty: number, nowMs: number): PassOutcome {
  const sku = pass.item!.sku;
  const type = line ? 'over' : 'unexpected_item';
  const key = `${type}:${po}:${sku}`;
  const existing = openVarianceByKey(db, key);
  if (pass.epc && existing && planHasEpc(db, existing.id, pass.epc))
    return { kind: 'claimed', by: BY, message: `EPC ${pass.epc} is already held on variance ${existing.id}` };
  const plan: MoveSpec = {
    sku,
    qty,
    from: VIRTUAL.supplier,
    to: pass.door.receiving,
    reason: 'receipt',
    reference: po,
    epc: pass.epc ?? null,
    unitCost: line?.unit_cost ?? null,
    eventId: pass.event.id,
  };
  const heldBefore = existing?.planQty ?? 0;
  const received = receivedQty(db, po, sku);
  const actual = received + heldBefore + qty;
  const v = raiseVariance(
    db,
    {
      type,
      door: pass.door.id,
      reference: po,
      sku,
      expected: line?.qty ?? 0,
      actual,
      message: line
        ? `${po}: ${sku} expected ${line.qty}, ${actual} arrived: ${heldBefore + qty} held beyond the tolerance (accept to receive them)`
        : `${po}: ${sku} is not on the order; ${heldBefore + qty} held (accept to receive them)`,
      evidence: [pass.event.id],
      plan: [plan],
      key,
    },
    nowMs,
  );
  return { kind: 'claimed', by: BY, message: `${qty} of ${sku} held on ${type} variance ${v.id}` };
}

function post(
  db: Db,
  pass: PassContext,
  po: string,
  spec: { id: string; sku: string; qty: number; epc?: string; unitCost: number | null },
  nowMs: number,
): Move {
  const event = pass.event;
  return postMove(
    db,
    {
      id: spec.id,
      sku: spec.sku,
      qty: spec.qty,
      from: VIRTUAL.supplier,
      to: pass.door.receiving,
      reason: 'receipt',
      reference: po,
      epc: spec.epc ?? null,
      unitCost: spec.unitCost,
      actor: event.kind === 'scan' ? { kind: 'scanner', id: event.scanner } : { kind: 'gateway', id: pass.gateway },
      eventId: event.id,
      occurredAt: event.kind === 'scan' ? event.ts : event.lastSeen,
    },
    nowMs,
  ).move;
}

/** A quantity scan: what a received pallet already brought in is not counted again; the rest up to the tolerance is received, beyond it held. */
function receiveQuantity(db: Db, pass: PassContext, po: string, line: LineRow | undefined, defaults: Tolerance, nowMs: number): PassOutcome {
  const sku = pass.item!.sku;
  let qty = pass.qty;
  const cover = stmt(db, 'SELECT remaining FROM receipt_cover WHERE receipt = ? AND sku = ?').get(po, sku) as { remaining: number } | undefined;
  const absorbed = Math.min(cover?.remaining ?? 0, qty);
  if (absorbed > 0) {
    stmt(db, 'UPDATE receipt_cover SET remaining = remaining - ? WHERE receipt = ? AND sku = ?').run(absorbed, po, sku);
    qty -= absorbed;
  }
  const notes: string[] = absorbed > 0 ? [`${absorbed} already received with a pallet`] : [];
  const moves: Move[] = [];
  const room = line ? Math.max(0, maxReceivable(line.qty, lineTolerance(db, line, defaults)) - receivedQty(db, po, sku)) : 0;
  const take = Math.min(qty, room);
  if (take > 0) {
    moves.push(post(db, pass, po, { id: `ev:${pass.event.id}`, sku, qty: take, unitCost: line?.unit_cost ?? null }, nowMs));
    notes.push(`${take} received`);
  }
  if (qty > take) notes.push((hold(db, pass, po, line, qty - take, nowMs) as { message: string }).message);
  return { kind: 'claimed', by: BY, message: `${po}: ${sku} ${notes.join('; ')}`, moves };
}

/** An SSCC the receipt declares: receive its contents in one step; units already received (cartons read first) are skipped. */
function receivePallet(db: Db, pass: PassContext, po: string, nowMs: number): PassOutcome | undefined {
  const p = stmt(db, 'SELECT contents, received_ms FROM receipt_pallets WHERE receipt = ? AND sscc = ?').get(po, pass.sscc) as
    { contents: string; received_ms: number | null } | undefined;
  if (!p) return undefined; // not declared here: the rules make it an unknown tag
  if (p.received_ms !== null) return { kind: 'claimed', by: BY, message: `pallet ${pass.sscc} of ${po} was already received` };
  const moves: Move[] = [];
  let skipped = 0;
  for (const c of JSON.parse(p.contents) as CheckedPallet['contents']) {
    const unitCost = lineFor(db, po, c.sku)?.unit_cost ?? null;
    if (c.epcs.length > 0) {
      for (const epc of c.epcs) {
        const serial = getSerial(db, epc);
        if (serial && serial.location !== VIRTUAL.supplier) {
          skipped++;
          continue;
        }
        moves.push(post(db, pass, po, { id: `ev:${pass.event.id}:${epc}`, sku: c.sku, qty: 1, epc, unitCost }, nowMs));
      }
    } else {
      moves.push(post(db, pass, po, { id: `ev:${pass.event.id}:${c.sku}`, sku: c.sku, qty: c.qty, unitCost }, nowMs));
      stmt(
        db,
        'INSERT INTO receipt_cover (receipt, sku, remaining) VALUES (?, ?, ?) ON CONFLICT (receipt, sku) DO UPDATE SET remaining = remaining + excluded.remaining',
      ).run(po, c.sku, c.qty);
    }
  }
  stmt(db, 'UPDATE receipt_pallets SET received_ms = ?, event_id = ? WHERE receipt = ? AND sscc = ?').run(nowMs, pass.event.id, po, pass.sscc);
  const units = moves.reduce((s, m) => s + m.qty, 0);
  return {
    kind: 'claimed',
    by: BY,
    message: `pallet ${pass.sscc} of ${po}: ${units} units received from its declared contents${skipped ? `, ${skipped} already received unit by unit` : ''}`,
    moves,
  };
}
