// hub/partners — when a receipt that came from a partner's ship notice closes, its receiving advice (861 or RECADV, as
// the partner is configured) is queued in the outbox in the same transaction as the close.
import type { Db } from '../db/database.js';
import type { EpcisSite } from '../epcis/document.js';
import type { Receipt } from '../receiving/store.js';
import type { PartnersConfig } from './config.js';
import { advice861, recadv, type AdviceInput } from './edi/advice.js';
import type { PartnerDocument } from './edi/documents.js';
import { captureDocument } from './epcis-capture.js';
import { enqueue } from './outbox.js';
import { nextControl } from './store.js';

/** Damaged units of a receipt's SKU: received units moved, with the receipt as reference, to scrap or a quarantine location. */
export function damagedOf(db: Db, receipt: string): (sku: string, received: number) => number {
  const q = db.prepare(`SELECT COALESCE(SUM(qty), 0) AS n FROM moves WHERE reference = @r AND sku = @sku
    AND (to_location = 'scrap' OR to_location IN (SELECT id FROM locations WHERE kind = 'quarantine'))`);
  return (sku, received) => Math.min(received, (q.get({ r: receipt, sku }) as { n: number }).n);
}

/** What the ledger says about a closed receipt, as advice lines and pallets. */
export function adviceOf(db: Db, receipt: Receipt, doc: PartnerDocument, nowMs: number): AdviceInput {
  const gtinOf = db.prepare('SELECT gtin FROM item_gtins WHERE sku = ? ORDER BY position LIMIT 1');
  const damaged = damagedOf(db, receipt.id);
  const gtin = (sku: string) => (gtinOf.get(sku) as { gtin: string } | undefined)?.gtin ?? null;
  return {
    receipt: receipt.id,
    shipNotice: doc.number,
    purchaseOrders: doc.kind === 'asn' ? doc.purchaseOrders : [],
    closedAtMs: nowMs,
    lines: receipt.lines.map((l) => ({
      line: l.line,
      sku: l.sku,
      gtin: gtin(l.sku),
      expected: l.expected,
      received: l.received,
      short: Math.max(0, l.expected - l.received),
      over: Math.max(0, l.received - l.expected) + l.held,
      damaged: damaged(l.sku, l.received),
    })),
    pallets: receipt.pallets.map((p) => ({ sscc: p.sscc, received: p.receivedAt !== null, contents: p.contents.map((c) => ({ sku: c.sku, gtin: gtin(c.sku), qty: c.qty })) })),
  };
}

export function receiptAdviceListener(config: PartnersConfig, site: EpcisSite) {
  return (db: Db, receipt: Receipt, nowMs: number): void => {
    const row = db.prepare("SELECT d.partner, d.document, i.sender, i.syntax FROM edi_documents d JOIN edi_interchanges i ON i.id = d.interchange WHERE d.receipt = ? AND d.type IN ('856', 'DESADV') ORDER BY i.id DESC LIMIT 1")
      .get(receipt.id) as { partner: string; document: string; sender: string; syntax: string } | undefined;
    if (!row) return;
    const partner = config.list.find((p) => p.id === row.partner);
    const doc = JSON.parse(row.document) as PartnerDocument;
    if (partner?.epcisCaptureUrl && doc.kind === 'asn') {
      enqueue(db, {
        key: `epcis:${receipt.id}`,
        partner: partner.id,
        kind: 'epcis',
        target: { url: `${partner.epcisCaptureUrl.replace(/\/$/, '')}/capture` },
        fileName: `${receipt.id.replace(/[^A-Za-z0-9._-]/g, '_')}.epcis.json`,
        contentType: 'application/ld+json',
        body: JSON.stringify(captureDocument(db, receipt, doc, site, nowMs)),
      }, nowMs);
    }
    if (!partner || partner.advice === 'none' || !partner.deliver) return;
    const input = adviceOf(db, receipt, doc, nowMs);
    const us = { id: config.ourId, qualifier: config.ourQualifier };
    const them = { qualifier: row.syntax === 'x12' ? 'ZZ' : '14', id: row.sender };
    const control = nextControl(db, `${partner.advice === '861' ? 'x12' : 'edifact'}:${row.sender}`);
    const body = partner.advice === '861' ? advice861(input, us, them, control) : recadv(input, us, them, control);
    enqueue(db, {
      key: `advice:${receipt.id}`,
      partner: partner.id,
      kind: partner.advice,
      target: partner.deliver,
      fileName: `${receipt.id.replace(/[^A-Za-z0-9._-]/g, '_')}.${partner.advice.toLowerCase()}.edi`,
      contentType: partner.advice === '861' ? 'application/edi-x12' : 'application/edifact',
      body,
    }, nowMs);
  };
}
