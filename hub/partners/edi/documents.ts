// hub/partners/edi — what a partner's document means, whatever its syntax: a ship notice (856 / DESADV) as its
// package hierarchy (pallet → carton → items, with SSCCs, GTINs, lots, expiry, serials), a purchase order (850 /
// ORDERS) as its lines; every value remembers the segment it came from so a later problem can name it. Pure helpers
// shared by the mapping modules.
import { checkDigitProblem } from '../../../protocols/gs1/index.js';
import type { Problem, ProblemCode, Segment } from './envelope.js';

export interface SourceRef {
  segment: string;
  position: number;
  element?: number;
}

export interface ItemQty {
  gtin: string | null;
  /** The buyer's item number (our SKU), when the partner sends one. */
  buyerItem: string | null;
  vendorItem: string | null;
  qty: number;
  uom: string;
  lot: string | null;
  /** YYYY-MM-DD */
  expiry: string | null;
  serials: string[];
  at: SourceRef;
}

export interface Package {
  level: 'tare' | 'pack';
  sscc: string | null;
  packages: Package[];
  items: ItemQty[];
  at: SourceRef;
}

export interface ShipNotice {
  kind: 'asn';
  number: string;
  date: string | null;
  purchaseOrders: string[];
  /** Top-level packages (pallets, or cartons shipped loose). */
  packages: Package[];
  /** Items outside any package (pallet-less shipments). */
  items: ItemQty[];
}

export interface OrderLine {
  line: string;
  gtin: string | null;
  buyerItem: string | null;
  vendorItem: string | null;
  qty: number;
  uom: string;
  /** Minor units (cents) per unit, when the order carries a price. */
  unitPrice: number | null;
  at: SourceRef;
}

export interface PurchaseOrder {
  kind: 'po';
  number: string;
  date: string | null;
  lines: OrderLine[];
}

export type PartnerDocument = ShipNotice | PurchaseOrder;

export type MapResult = { ok: true; doc: PartnerDocument } | { ok: false; problems: Problem[] };

/** Collects a set's problems (level set; the caller fills group and set). */
export class Problems {
  readonly list: Problem[] = [];
  add(s: Pick<Segment, 'tag' | 'position'>, element: number | undefined, code: ProblemCode, problem: string, component?: number): void {
    this.list.push({ level: 'set', segment: s.tag, position: s.position, ...(element !== undefined ? { element } : {}), ...(component !== undefined ? { component } : {}), code, problem });
  }
}

export const ref = (s: Segment, element?: number): SourceRef => ({ segment: s.tag, position: s.position, ...(element !== undefined ? { element } : {}) });

/** A positive whole quantity, or a problem naming the element. */
export function quantity(p: Problems, s: Segment, element: number, raw: string, component?: number): number | undefined {
  const what = `${s.tag}${String(element).padStart(2, '0')}`;
  if (raw === '') {
    p.add(s, element, 'element-missing', `${what}: the quantity is missing`, component);
    return undefined;
  }
  if (!/^\d+(\.0+)?$/.test(raw) || Number(raw) <= 0 || !Number.isSafeInteger(Number(raw))) {
    p.add(s, element, 'invalid-number', `${what}: the quantity must be a positive whole number of units, got ${JSON.stringify(raw)}`, component);
    return undefined;
  }
  return Number(raw);
}

/** A GTIN (8, 12, 13 or 14 digits) as GTIN-14, or a problem naming the element. */
export function gtin(p: Problems, s: Segment, element: number, raw: string, component?: number): string | undefined {
  const what = `${s.tag}${String(element).padStart(2, '0')}`;
  if (!/^(\d{8}|\d{12,14})$/.test(raw)) {
    p.add(s, element, 'invalid-code', `${what}: a GTIN is 8, 12, 13 or 14 digits, got ${JSON.stringify(raw)}`, component);
    return undefined;
  }
  const g = raw.padStart(14, '0');
  const bad = checkDigitProblem(g, 'GTIN');
  if (bad) {
    p.add(s, element, 'invalid-code', `${what}: ${bad}`, component);
    return undefined;
  }
  return g;
}

/** An SSCC (18 digits, or 20 with its application identifier 00), or a problem naming the element. */
export function sscc(p: Problems, s: Segment, element: number, raw: string, component?: number): string | undefined {
  const what = `${s.tag}${String(element).padStart(2, '0')}`;
  const v = /^00\d{18}$/.test(raw) ? raw.slice(2) : raw;
  if (!/^\d{18}$/.test(v)) {
    p.add(s, element, 'invalid-code', `${what}: an SSCC is 18 digits (or 20 with its AI 00), got ${JSON.stringify(raw)}`, component);
    return undefined;
  }
  const bad = checkDigitProblem(v, 'SSCC');
  if (bad) {
    p.add(s, element, 'invalid-code', `${what}: ${bad}`, component);
    return undefined;
  }
  return v;
}

/** CCYYMMDD (X12 and EDIFACT format 102) as YYYY-MM-DD, or a problem naming the element. */
export function date8(p: Problems, s: Segment, element: number, raw: string, component?: number): string | undefined {
  const what = `${s.tag}${String(element).padStart(2, '0')}`;
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(raw);
  const iso = m ? `${m[1]}-${m[2]}-${m[3]}` : '';
  if (!m || Number.isNaN(Date.parse(`${iso}T00:00:00Z`)) || new Date(`${iso}T00:00:00Z`).toISOString().slice(0, 10) !== iso) {
    p.add(s, element, 'invalid-date', `${what}: a date is CCYYMMDD, got ${JSON.stringify(raw)}`, component);
    return undefined;
  }
  return iso;
}

/** A decimal price as minor units (two decimals), or a problem naming the element. */
export function price(p: Problems, s: Segment, element: number, raw: string, component?: number): number | null | undefined {
  if (raw === '') return null;
  if (!/^\d+(\.\d{1,4})?$/.test(raw)) {
    p.add(s, element, 'invalid-number', `${s.tag}${String(element).padStart(2, '0')}: a price is a non-negative decimal, got ${JSON.stringify(raw)}`, component);
    return undefined;
  }
  return Math.round(Number(raw) * 100);
}

/** Every package below (and including) these, depth first. */
export function* walkPackages(list: readonly Package[]): Generator<Package> {
  for (const pk of list) {
    yield pk;
    yield* walkPackages(pk.packages);
  }
}

/** Every item of a ship notice, in and out of packages. */
export function allItems(n: ShipNotice): ItemQty[] {
  const out = [...n.items];
  for (const pk of walkPackages(n.packages)) out.push(...pk.items);
  return out;
}
