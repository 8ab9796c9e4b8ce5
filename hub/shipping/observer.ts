// hub/shipping — live verification of outbound passes at a shipping door with an open shipment, inside the ingest's
// batch transaction: a unit or pallet on the shipment leaves (the door rules post it; an expected SSCC with declared
// contents ships them); anything else is held (nothing posted), raised as `unexpected_outbound` at once, and the door's
// light turns red until ops acknowledge; everything on the list seen turns it green. An EPC or SSCC expected on a
// shipment open at another door raises `wrong_door`.
import type { Db } from '../db/database.js';
import type { DoorHooks, PassContext } from '../doors/interpreter.js';
import { stopAll } from '../../runtime/signal.js';
import type { PassOutcome } from '../doors/store.js';
import { raiseWrongDoor } from '../variances/wrong-door.js';
import { getSerial, postMove, type Move } from '../ledger/index.js';
import { stmt } from '../ledger/statements.js';
import type { CheckedPallet } from '../receiving/expected-goods.js';
import { openVarianceByKey, raiseVariance, varianceResolved, type MoveSpec } from '../variances/store.js';
import type { DoorSignals } from './signals.js';
import { namedEpcs, openShipmentAt, settleLight, shipmentDestination, shipmentLine, shipmentRow, shippedQty } from './store.js';

const BY = 'shipping';

/** Shipping listens for passes at its doors (and for resolved variances, which settle a door's light); returns the stop. */
export function listenForShipping(hooks: DoorHooks, db: Db, signals: DoorSignals): () => void {
  // Resolving the last open unexpected_outbound of a shipment acknowledges its alarm.
  const stopResolved = varianceResolved(db).listen((tx, v, nowMs) => {
    if (v.type !== 'unexpected_outbound' || !v.reference) return;
    const others = tx
      .prepare("SELECT COUNT(*) AS n FROM variances WHERE type = 'unexpected_outbound' AND reference = ? AND status = 'open'")
      .get(v.reference) as { n: number };
    if (others.n > 0) return;
    tx.prepare('UPDATE shipments SET alarm = 0 WHERE id = ?').run(v.reference);
    settleLight(tx, signals, v.reference, nowMs);
  });

  return stopAll(
    stopResolved,
    hooks.enrich.listen((tx, pass) => {
      if (pass.door.mode !== 'shipping') return undefined;
      const s = openShipmentAt(tx, pass.door.id);
      return s ? { reference: s.id, customer: shipmentDestination(s) } : undefined;
    }),
    hooks.claim.listen((tx, pass, nowMs) => claim(tx, signals, pass, nowMs)),
    hooks.outcome.listen((tx, pass, outcome, nowMs) => {
      if (pass.door.mode !== 'shipping' || (outcome.kind !== 'moved' && !(outcome.kind === 'claimed' && outcome.by === BY))) return;
      const s = openShipmentAt(tx, pass.door.id);
      if (s) settleLight(tx, signals, s.id, nowMs);
    }),
  );
}

/** A pass at a shipping door with an open shipment: a declared pallet ships its contents; what is not on the list is held. */
function claim(tx: Db, signals: DoorSignals, pass: PassContext, nowMs: number): PassOutcome | undefined {
  if (pass.door.mode !== 'shipping') return undefined;
  const s = openShipmentAt(tx, pass.door.id);
  wrongDoor(tx, pass, s?.id, nowMs);
  if (!s || pass.direction !== 'out') return undefined;
  if (pass.sscc) {
    const p = tx.prepare('SELECT contents, seen_ms FROM shipment_pallets WHERE shipment = ? AND sscc = ?').get(s.id, pass.sscc) as
      { contents: string; seen_ms: number | null } | undefined;
    if (!p) return unexpected(tx, signals, pass, s.id, `pallet ${pass.sscc} is not on shipment ${s.id}`, nowMs);
    if (p.seen_ms !== null) return { kind: 'claimed', by: BY, message: `pallet ${pass.sscc} of ${s.id} was already seen leaving` };
    return shipPallet(tx, pass, s.id, JSON.parse(p.contents) as CheckedPallet['contents'], nowMs);
  }
  if (!pass.gtin) return undefined; // not a GS1 EPC: the rules make it an unknown tag
  if (!pass.item) return unexpected(tx, signals, pass, s.id, `GTIN ${pass.gtin} is not in the catalog, so not on shipment ${s.id}`, nowMs);
  const sku = pass.item.sku;
  const line = shipmentLine(tx, s.id, sku);
  if (pass.epc !== undefined && pass.item.tracking === 'serial') {
    const serial = getSerial(tx, pass.epc);
    if (serial?.location === shipmentDestination(s)) return undefined; // already gone: the rules say repeat
    const named = namedEpcs(tx, s.id, sku);
    if (named.size > 0 ? named.has(pass.epc) : line !== undefined && shippedQty(tx, s.id, sku) < line.qty) return undefined;
    return unexpected(
      tx,
      signals,
      pass,
      s.id,
      line
        ? `EPC ${pass.epc} (${sku}) is not one of the units shipment ${s.id} lists, or its line is complete`
        : `${sku} (EPC ${pass.epc}) is not on shipment ${s.id}`,
      nowMs,
    );
  }
  if (pass.item.tracking === 'quantity' && pass.event.kind === 'scan') {
    if (line && shippedQty(tx, s.id, sku) + pass.qty <= line.qty) return undefined;
    return unexpected(
      tx,
      signals,
      pass,
      s.id,
      line ? `${pass.qty} more of ${sku} would exceed shipment ${s.id}'s line of ${line.qty}` : `${sku} is not on shipment ${s.id}`,
      nowMs,
    );
  }
  return undefined;
}

function unexpected(db: Db, signals: DoorSignals, pass: PassContext, shipment: string, why: string, nowMs: number): PassOutcome {
  const what = pass.sscc ?? pass.epc ?? pass.item?.sku ?? pass.gtin ?? pass.event.id;
  const key = `unexpected_outbound:${shipment}:${what}`;
  const again = openVarianceByKey(db, key) !== undefined && pass.epc !== undefined;
  let plan: MoveSpec[] = [];
  if (!again && pass.item) {
    if (pass.item.tracking === 'serial' && pass.epc) {
      const serial = getSerial(db, pass.epc);
      if (serial)
        plan = [
          {
            sku: pass.item.sku,
            qty: 1,
            epc: pass.epc,
            from: serial.location,
            to: shipmentDestination(shipmentRow(db, shipment)),
            reason: 'shipment',
            reference: shipment,
            eventId: pass.event.id,
          },
        ];
    } else if (pass.item.tracking === 'quantity') {
      plan = [
        {
          sku: pass.item.sku,
          qty: pass.qty,
          from: pass.door.stock,
          to: shipmentDestination(shipmentRow(db, shipment)),
          reason: 'shipment',
          reference: shipment,
          eventId: pass.event.id,
        },
      ];
    }
  }
  const v = raiseVariance(
    db,
    {
      type: 'unexpected_outbound',
      door: pass.door.id,
      reference: shipment,
      sku: pass.item?.sku ?? null,
      epc: pass.epc ?? null,
      expected: 0,
      actual: pass.qty,
      message: `${why}: stop it at ${pass.door.id} (accept to ship it, dismiss once it is back)`,
      evidence: [pass.event.id],
      plan,
      key,
    },
    nowMs,
  );
  stmt(db, 'UPDATE shipments SET alarm = 1 WHERE id = ?').run(shipment);
  signals.set(db, pass.door.id, pass.door.gateway, 'red', `variance ${v.id}: ${why}`, nowMs);
  return { kind: 'claimed', by: BY, message: `held: ${why} (variance ${v.id}, light red)` };
}

function shipPallet(db: Db, pass: PassContext, shipment: string, contents: CheckedPallet['contents'], nowMs: number): PassOutcome {
  const moves: Move[] = [];
  const event = pass.event;
  const destination = shipmentDestination(shipmentRow(db, shipment));
  const base = {
    to: destination,
    reason: 'shipment' as const,
    reference: shipment,
    actor: event.kind === 'scan' ? { kind: 'scanner' as const, id: event.scanner } : { kind: 'gateway' as const, id: pass.gateway },
    eventId: event.id,
    occurredAt: event.kind === 'scan' ? event.ts : event.lastSeen,
  };
  for (const c of contents) {
    if (c.epcs.length > 0) {
      for (const epc of c.epcs) {
        const serial = getSerial(db, epc);
        if (!serial || serial.location === destination) continue; // gone already, or never on the books (close reports it)
        moves.push(postMove(db, { ...base, id: `ev:${event.id}:${epc}`, sku: c.sku, qty: 1, epc, from: serial.location }, nowMs).move);
      }
    } else {
      moves.push(postMove(db, { ...base, id: `ev:${event.id}:${c.sku}`, sku: c.sku, qty: c.qty, from: pass.door.stock }, nowMs).move);
    }
  }
  stmt(db, 'UPDATE shipment_pallets SET seen_ms = ?, event_id = ? WHERE shipment = ? AND sscc = ?').run(nowMs, event.id, shipment, pass.sscc);
  return {
    kind: 'claimed',
    by: BY,
    message: `pallet ${pass.sscc} of ${shipment} left${moves.length ? `: ${moves.reduce((s, m) => s + m.qty, 0)} units shipped from its declared contents` : ''}`,
    moves,
  };
}

/** An EPC or SSCC that a shipment open at another door expects. */
function wrongDoor(db: Db, pass: PassContext, here: string | undefined, nowMs: number): void {
  const found = pass.sscc
    ? (stmt(db, "SELECT d.id, d.door FROM shipment_pallets p JOIN shipments d ON d.id = p.shipment WHERE p.sscc = ? AND d.status = 'open' AND d.door <> ?").get(
        pass.sscc,
        pass.door.id,
      ) as { id: string; door: string } | undefined)
    : pass.epc
      ? (stmt(db, "SELECT d.id, d.door FROM shipment_epcs e JOIN shipments d ON d.id = e.shipment WHERE e.epc = ? AND d.status = 'open' AND d.door <> ?").get(
          pass.epc,
          pass.door.id,
        ) as { id: string; door: string } | undefined)
      : undefined;
  raiseWrongDoor(db, pass, found && { kind: 'shipment', ...found }, here, nowMs);
}
