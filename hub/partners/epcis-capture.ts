// hub/partners — EPCIS 2.0 capture for a partner's repository: when a receipt of its ship notice closes, one
// EPCISDocument with the ObjectEvents of what the doors saw for that receipt (as the export makes them) and an
// AggregationEvent (ADD, receiving) per received SSCC package: pallet → its cartons' SSCCs, carton → its units (EPCs
// of serials, else quantities by GTIN), all as GS1 Digital Link URIs. eventIDs are derived from what they describe
// (ni:///sha-256), so a retried capture repeats the same events and the repository keeps each once. It goes out
// through the partner outbox (POST <url>/capture, retried, Idempotency-Key).
import { createHash } from 'node:crypto';
import type { Db } from '../db/database.js';
import { isoTs } from '../../protocols/events/index.js';
import { epcisDocument, objectEvent, type EpcisEvent, type EpcisSite, type ObservationRow } from '../epcis/document.js';
import type { Receipt } from '../receiving/store.js';
import { walkPackages, type Package, type ShipNotice } from './edi/documents.js';

const eventId = (what: string) => `ni:///sha-256;${createHash('sha256').update(what).digest('base64url')}?ver=CBV2.0`;
const ssccUri = (s: string) => `https://id.gs1.org/00/${s}`;

/** AggregationEvents of the received SSCC packages of a ship notice (pure). */
export function aggregationEvents(notice: ShipNotice, received: ReadonlySet<string>, atIso: string, recordIso: string, bizTransaction?: string): EpcisEvent[] {
  const out: EpcisEvent[] = [];
  const receivedTops = new Set<Package>();
  const mark = (p: Package, under: boolean) => {
    const here = under || (p.sscc !== null && received.has(p.sscc));
    if (here) receivedTops.add(p);
    for (const c of p.packages) mark(c, here);
  };
  for (const p of notice.packages) mark(p, false);
  for (const p of walkPackages(notice.packages)) {
    if (!p.sscc || !receivedTops.has(p)) continue;
    const childEPCs = [...p.packages.filter((c) => c.sscc).map((c) => ssccUri(c.sscc!)), ...p.items.flatMap((i) => (i.gtin ? i.serials.map((s) => `https://id.gs1.org/01/${i.gtin}/21/${encodeURIComponent(s)}`) : []))];
    const childQuantityList = p.items.filter((i) => i.gtin && i.serials.length === 0).map((i) => ({ epcClass: `https://id.gs1.org/01/${i.gtin}${i.lot ? `/10/${encodeURIComponent(i.lot)}` : ''}`, quantity: i.qty }));
    if (childEPCs.length === 0 && childQuantityList.length === 0) continue;
    out.push({
      type: 'AggregationEvent',
      eventTime: atIso,
      eventTimeZoneOffset: '+00:00',
      recordTime: recordIso,
      eventID: eventId(`aggregation:${notice.number}:${p.sscc}`),
      parentID: ssccUri(p.sscc),
      ...(childEPCs.length ? { childEPCs } : {}),
      ...(childQuantityList.length ? { childQuantityList } : {}),
      action: 'ADD',
      bizStep: 'receiving',
      disposition: 'in_progress',
      ...(bizTransaction ? { bizTransactionList: [{ type: 'desadv', bizTransaction }] } : {}),
    });
  }
  return out;
}

/** The capture document of a closed receipt: the doors' ObjectEvents for it, then its aggregations. */
export function captureDocument(db: Db, receipt: Receipt, notice: ShipNotice, site: EpcisSite, nowMs: number): Record<string, unknown> {
  const rows = db.prepare(`
    SELECT a.seq, a.event_id AS eventId, a.kind, a.door, a.epc, a.gtin, a.qty, a.direction,
           a.occurred_at AS occurredAt, a.recorded_at AS recordedAt,
           m.reason AS moveReason, m.qty AS moveQty, m.reference, i.uom,
           (SELECT g.gtin FROM item_gtins g WHERE g.sku = a.sku ORDER BY g.position LIMIT 1) AS itemGtin
    FROM door_activity a JOIN moves m ON m.id = a.move_id LEFT JOIN items i ON i.sku = a.sku
    WHERE m.reference = ? AND a.kind IN ('pass', 'scan') ORDER BY a.seq`).all(receipt.id) as ObservationRow[];
  const events: EpcisEvent[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    const ev = objectEvent(r, site);
    if (ev && !seen.has(ev.eventID as string)) {
      seen.add(ev.eventID as string);
      events.push(ev);
    }
  }
  const received = new Set(receipt.pallets.filter((p) => p.receivedAt !== null).map((p) => p.sscc));
  events.push(...aggregationEvents(notice, received, isoTs(nowMs), isoTs(nowMs)));
  return epcisDocument(events, isoTs(nowMs));
}
