// hub/partners/erp — the ERPNext connector: a closed receipt becomes a Purchase Receipt over Frappe's REST API
// (`POST /api/resource/Purchase Receipt`, `Authorization: token <key>:<secret>`). ERPNext keeps no idempotency keys,
// so exactly-once is made here: before creating, the connector asks for a Purchase Receipt that already carries this
// receipt (`GET /api/resource/Purchase Receipt?filters=[["supplier_delivery_note","=",<receipt>],["docstatus","!=",2]]`);
// a create whose answer was lost is found on the retry instead of being made twice. The document is built (pure) in
// the transaction that closes the receipt; delivery goes through the partner outbox.
import type { ErpnextConfig } from '../config.js';
import { httpRequest } from '../../../connectors/http.js';

export const PURCHASE_RECEIPT = 'Purchase Receipt';

export interface ClosedLine {
  sku: string;
  received: number;
  damaged: number;
  /** Minor units (cents) per unit, when the expected receipt had one. */
  unitCost: number | null;
}

export interface ClosedReceipt {
  id: string;
  supplier: string | null;
  closedAtMs: number;
  lines: ClosedLine[];
}

/**
 * The Purchase Receipt document for a closed receipt (pure): one item per SKU received, damaged units rejected. A
 * receipt without a supplier goes without one (it runs inside the closing transaction and must not stop the close):
 * ERPNext refuses it with its MandatoryError, and the delivery shows failing until the ERP is told otherwise.
 */
export function purchaseReceiptDoc(r: ClosedReceipt, s: ErpnextConfig): Record<string, unknown> {
  const supplier = r.supplier === null ? null : (s.suppliers[r.supplier] ?? r.supplier);
  const day = new Date(r.closedAtMs).toISOString();
  const items = r.lines
    .filter((l) => l.received > 0)
    .map((l) => {
      const damaged = s.rejectedWarehouse ? Math.min(l.damaged, l.received) : 0;
      return {
        item_code: l.sku,
        received_qty: l.received,
        qty: l.received - damaged,
        rejected_qty: damaged,
        warehouse: s.warehouse,
        ...(damaged > 0 ? { rejected_warehouse: s.rejectedWarehouse } : {}),
        ...(l.unitCost !== null ? { rate: l.unitCost / 100 } : {}),
      };
    });
  return {
    doctype: PURCHASE_RECEIPT,
    ...(supplier !== null ? { supplier } : {}),
    ...(s.company ? { company: s.company } : {}),
    posting_date: day.slice(0, 10),
    posting_time: day.slice(11, 19),
    set_posting_time: 1,
    set_warehouse: s.warehouse,
    supplier_delivery_note: r.id,
    remarks: `dockgate receipt ${r.id}`,
    ...(s.submit ? { docstatus: 1 } : {}),
    items,
  };
}

/** What ERPNext said, in a line: Frappe puts messages in `_server_messages` (a JSON list of JSON objects) or `exception`. */
export function frappeError(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as { exception?: string; exc_type?: string; _server_messages?: string; message?: unknown };
    if (body._server_messages) {
      const msgs = (JSON.parse(body._server_messages) as string[]).map((m) => {
        try {
          return String((JSON.parse(m) as { message?: unknown }).message ?? m);
        } catch {
          return m;
        }
      });
      return `HTTP ${status} ${body.exc_type ?? ''}: ${msgs.join('; ')}`.replace(/ :/, ':').slice(0, 300);
    }
    if (body.exception) return `HTTP ${status}: ${body.exception}`.slice(0, 300);
  } catch {
    // not JSON: fall through to the raw text
  }
  return `HTTP ${status}: ${text.slice(0, 200)}`;
}

export type ErpnextOutcome = { created: string } | { existed: string } | { error: string };

/** Deliver one Purchase Receipt: find it by our receipt id, else create it. */
/** `stop`: aborts a request in flight (StopAbort) when the hub stops. */
export async function deliverPurchaseReceipt(s: ErpnextConfig, body: string, timeoutMs: number, stop?: AbortSignal): Promise<ErpnextOutcome> {
  const doc = JSON.parse(body) as { supplier_delivery_note: string };
  const base = `${s.url.replace(/\/$/, '')}/api/resource/${encodeURIComponent(PURCHASE_RECEIPT)}`;
  const headers = { authorization: `token ${s.apiKey}:${s.apiSecret}`, accept: 'application/json' };
  const filters = JSON.stringify([['supplier_delivery_note', '=', doc.supplier_delivery_note], ['docstatus', '!=', 2]]);
  const found = await httpRequest('GET', `${base}?filters=${encodeURIComponent(filters)}&fields=${encodeURIComponent('["name"]')}`, headers, undefined, timeoutMs, stop);
  if (found.status !== 200) return { error: `looking up: ${frappeError(found.status, found.text)}` };
  const existing = (JSON.parse(found.text) as { data?: Array<{ name?: string }> }).data;
  if (!Array.isArray(existing)) return { error: 'looking up: the answer has no data list' };
  if (existing.length > 1) return { error: `ERPNext holds ${existing.length} Purchase Receipts for ${doc.supplier_delivery_note} (${existing.map((e) => e.name).join(', ')}): cancel the extra ones` };
  if (existing[0]?.name) return { existed: existing[0].name };
  const made = await httpRequest('POST', base, { ...headers, 'content-type': 'application/json' }, body, timeoutMs, stop);
  if (made.status !== 200 && made.status !== 201) return { error: frappeError(made.status, made.text) };
  const name = (JSON.parse(made.text) as { data?: { name?: string } }).data?.name;
  return name ? { created: name } : { error: 'created, but the answer names no document' };
}
