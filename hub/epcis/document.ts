// hub/epcis — EPCIS 2.0 JSON-LD from what the doors recorded: each pass an ObjectEvent (OBSERVE) with its EPC, each
// quantity scan an ObjectEvent with a quantityList; bizStep and disposition from the move the pass made (CBV 2.0
// bare words), readPoint the door's SGLN, bizLocation the site's, the PO / shipment / RMA as a business transaction.
// Pure: rows in, document out.
import { decodeEpc } from '../../protocols/epc/index.js';
import { withCheckDigit } from '../../protocols/gs1/index.js';

export const EPCIS_CONTEXT = 'https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld';

/** One door activity row joined with the move it made (if any) and the item. */
export interface ObservationRow {
  seq: number;
  eventId: string;
  kind: 'pass' | 'scan';
  door: string;
  epc: string | null;
  gtin: string | null;
  qty: number;
  direction: string | null;
  occurredAt: string;
  recordedAt: string;
  moveReason: string | null;
  moveQty: number | null;
  reference: string | null;
  uom: string | null;
  itemGtin: string | null;
}

export interface EpcisSite {
  site: string;
  /** urn:epc:id:sgln:… of the site, if configured. */
  sgln?: string | undefined;
  /** Door id → its urn:epc:id:sgln:…, as configured. */
  doorSglns: ReadonlyMap<string, string>;
}

export type BizStep = 'receiving' | 'shipping' | 'entering_exiting' | 'arriving' | 'departing' | 'cycle_counting' | 'inspecting';

/** CBV bizStep and disposition of a pass: from its move when it made one, else from its direction. */
export function bizStepOf(r: Pick<ObservationRow, 'moveReason' | 'direction'>): { bizStep: BizStep; disposition?: string; btType?: string } {
  switch (r.moveReason) {
    case 'receipt':
      return { bizStep: 'receiving', disposition: 'in_progress', btType: 'po' };
    case 'shipment':
      return { bizStep: 'shipping', disposition: 'in_transit', btType: 'desadv' };
    case 'return':
      return { bizStep: 'receiving', disposition: 'returned', btType: 'rma' };
    case 'transfer':
      return { bizStep: 'entering_exiting', disposition: 'in_progress' };
    case 'count':
      return { bizStep: 'cycle_counting', disposition: 'active' };
    default:
      return { bizStep: r.direction === 'in' ? 'arriving' : r.direction === 'out' ? 'departing' : 'entering_exiting' };
  }
}

/** The EPC URI of a tag: its pure identity when it is a GS1 EPC, else the raw URI of its bits (TDS §12.3). */
export function epcUri(hex: string): string {
  const d = decodeEpc(hex);
  if (d.ok) return d.pureIdentityUri;
  return `urn:epc:raw:${hex.length * 4}.x${hex.toUpperCase()}`;
}

/** GLN (13 digits) of an SGLN URI: company prefix + location reference + check digit. */
export function glnOfSgln(sgln: string): string | undefined {
  const m = /^urn:epc:id:sgln:(\d+)\.(\d*)\./.exec(sgln);
  if (!m || m[1]!.length + m[2]!.length !== 12) return undefined;
  return withCheckDigit(m[1]! + m[2]!);
}

/** A business transaction URI: CBV's urn:epcglobal:cbv:bt:<GLN>:<id> when the site has an SGLN, else a dockgate URN. */
export function bizTransactionUri(reference: string, site: EpcisSite): string {
  if (/^(urn:|https?:\/\/)\S+$/.test(reference)) return reference;
  const gln = site.sgln ? glnOfSgln(site.sgln) : undefined;
  const id = encodeURIComponent(reference);
  return gln ? `urn:epcglobal:cbv:bt:${gln}:${id}` : `urn:dockgate:bt:${encodeURIComponent(site.site)}:${id}`;
}

const gtin14 = (g: string) => g.padStart(14, '0');

export type EpcisEvent = Record<string, unknown>;

export function objectEvent(r: ObservationRow, site: EpcisSite): EpcisEvent | undefined {
  const step = bizStepOf(r);
  const ev: EpcisEvent = {
    type: 'ObjectEvent',
    eventTime: r.occurredAt,
    eventTimeZoneOffset: '+00:00',
    recordTime: r.recordedAt,
    eventID: `urn:uuid:${r.eventId}`,
    action: 'OBSERVE',
    bizStep: step.bizStep,
  };
  if (r.kind === 'pass') {
    if (!r.epc) return undefined;
    ev.epcList = [epcUri(r.epc)];
  } else {
    const gtin = r.gtin ?? r.itemGtin;
    if (!gtin) return undefined;
    const q: Record<string, unknown> = { epcClass: `https://id.gs1.org/01/${gtin14(gtin)}`, quantity: r.moveQty ?? r.qty };
    if (r.uom && /^[A-Z0-9]{2,3}$/.test(r.uom)) q.uom = r.uom;
    ev.quantityList = [q];
  }
  if (step.disposition) ev.disposition = step.disposition;
  const readPoint = site.doorSglns.get(r.door);
  if (readPoint) ev.readPoint = { id: readPoint };
  if (site.sgln) ev.bizLocation = { id: site.sgln };
  if (r.reference) ev.bizTransactionList = [{ ...(step.btType ? { type: step.btType } : {}), bizTransaction: bizTransactionUri(r.reference, site) }];
  return ev;
}

export function epcisDocument(events: EpcisEvent[], nowIso: string): Record<string, unknown> {
  return {
    '@context': [EPCIS_CONTEXT],
    type: 'EPCISDocument',
    schemaVersion: '2.0',
    creationDate: nowIso,
    epcisBody: { eventList: events },
  };
}
