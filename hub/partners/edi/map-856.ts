// hub/partners/edi — an X12 856 ship notice to its package hierarchy. HL segments give the tree by id and parent:
// S shipment → O order (PRF: the PO) → T tare / pallet and P pack / carton (MAN*GM: the SSCC) → I item (LIN product ids
// and lot, SN1 quantity, REF*LT lot, REF*SE serials, DTM*036 expiry). CTT01 must count the HL segments and CTT02, when
// sent, the SN1 quantities. Pure.
import { el, type Segment, type TransactionSet } from './envelope.js';
import { date8, gtin, Problems, quantity, ref, sscc, type ItemQty, type MapResult, type Package, type ShipNotice } from './documents.js';

/** LIN / PO1 product id qualifiers (X12 element 235) we read; any other is refused rather than guessed at. */
export const PRODUCT_ID_QUALIFIERS: Record<string, 'gtin' | 'buyer' | 'vendor' | 'lot' | 'serial' | 'other'> = {
  UP: 'gtin', EN: 'gtin', UK: 'gtin', UA: 'gtin', EO: 'gtin', UD: 'gtin',
  BP: 'buyer', IN: 'buyer', SK: 'buyer', CB: 'buyer',
  VP: 'vendor', VN: 'vendor', VA: 'vendor', MG: 'vendor',
  LT: 'lot', SN: 'serial',
  ND: 'other', N4: 'other', PI: 'other', CH: 'other',
};

const LEVELS = new Set(['S', 'O', 'T', 'P', 'I']);

/** Read LIN/PO1-style (qualifier, id) pairs starting at element `from` into an item's ids. */
export function productIds(p: Problems, s: Segment, from: number, into: Pick<ItemQty, 'gtin' | 'buyerItem' | 'vendorItem' | 'lot' | 'serials'>): void {
  for (let e = from; e <= s.elements.length; e += 2) {
    const q = el(s, e);
    const id = el(s, e + 1);
    if (q === '' && id === '') continue;
    const kind = PRODUCT_ID_QUALIFIERS[q];
    const name = `${s.tag}${String(e).padStart(2, '0')}`;
    if (!kind) {
      p.add(s, e, 'invalid-code', `${name}: unknown product id qualifier ${JSON.stringify(q)} (known: ${Object.keys(PRODUCT_ID_QUALIFIERS).join(', ')})`);
      continue;
    }
    if (id === '') {
      p.add(s, e + 1, 'element-missing', `${s.tag}${String(e + 1).padStart(2, '0')}: qualifier ${q} without its id`);
      continue;
    }
    if (kind === 'gtin') {
      const g = gtin(p, s, e + 1, id);
      if (g) into.gtin = g;
    } else if (kind === 'buyer') into.buyerItem = id;
    else if (kind === 'vendor') into.vendorItem = id;
    else if (kind === 'lot') into.lot = id;
    else if (kind === 'serial') into.serials.push(id);
  }
}

interface Node {
  id: string;
  level: string;
  seg: Segment;
  pkg?: Package;
  item?: ItemQty;
  parent?: Node;
  sn1?: boolean;
}

export function map856(set: TransactionSet): MapResult {
  const p = new Problems();
  const bsn = set.segments.find((s) => s.tag === 'BSN');
  const notice: ShipNotice = { kind: 'asn', number: '', date: null, purchaseOrders: [], packages: [], items: [] };
  if (!bsn) p.add({ tag: 'BSN', position: 2 }, undefined, 'segment-missing', 'BSN (beginning segment for ship notice) is missing');
  else {
    notice.number = el(bsn, 2);
    if (notice.number === '') p.add(bsn, 2, 'element-missing', 'BSN02: the shipment identification (the ASN number) is missing');
    if (el(bsn, 3)) notice.date = date8(p, bsn, 3, el(bsn, 3)) ?? null;
  }
  const nodes = new Map<string, Node>();
  let current: Node | undefined;
  let hlCount = 0;
  let sn1Total = 0;
  let ctt: Segment | undefined;
  for (const s of set.segments) {
    switch (s.tag) {
      case 'HL': {
        hlCount++;
        const id = el(s, 1);
        const parentId = el(s, 2);
        const level = el(s, 3);
        current = undefined;
        if (id === '') p.add(s, 1, 'element-missing', 'HL01: the hierarchical id is missing');
        else if (nodes.has(id)) p.add(s, 1, 'invalid-code', `HL01: hierarchical id ${id} is used twice`);
        if (!LEVELS.has(level)) {
          p.add(s, 3, 'invalid-code', `HL03: unknown hierarchical level ${JSON.stringify(level)} (S shipment, O order, T tare, P pack, I item)`);
          break;
        }
        const parent = parentId === '' ? undefined : nodes.get(parentId);
        if (parentId !== '' && !parent) p.add(s, 2, 'invalid-code', `HL02: parent ${parentId} is not an earlier HL`);
        const node: Node = { id, level, seg: s, ...(parent ? { parent } : {}) };
        if (level === 'T' || level === 'P') {
          node.pkg = { level: level === 'T' ? 'tare' : 'pack', sscc: null, packages: [], items: [], at: ref(s) };
          const holder = packageOf(parent);
          (holder ? holder.packages : notice.packages).push(node.pkg);
        } else if (level === 'I') {
          node.item = { gtin: null, buyerItem: null, vendorItem: null, qty: 0, uom: 'EA', lot: null, expiry: null, serials: [], at: ref(s) };
          const holder = packageOf(parent);
          (holder ? holder.items : notice.items).push(node.item);
        }
        nodes.set(id, node);
        current = node;
        break;
      }
      case 'PRF':
        if (el(s, 1) === '') p.add(s, 1, 'element-missing', 'PRF01: the purchase order number is missing');
        else if (!notice.purchaseOrders.includes(el(s, 1))) notice.purchaseOrders.push(el(s, 1));
        break;
      case 'MAN': {
        const q = el(s, 1);
        if (q === 'GM') {
          const v = sscc(p, s, 2, el(s, 2));
          if (v && current?.pkg) current.pkg.sscc = v;
          else if (v) p.add(s, 1, 'unexpected-segment', 'MAN*GM (an SSCC) belongs under a tare (T) or pack (P) HL');
        } else if (q !== 'CP' && q !== 'UC' && q !== 'AA') p.add(s, 1, 'invalid-code', `MAN01: unknown marks qualifier ${JSON.stringify(q)} (GM: SSCC-18)`);
        break;
      }
      case 'LIN':
        if (!current?.item) p.add(s, undefined, 'unexpected-segment', 'LIN belongs under an item (I) HL');
        else productIds(p, s, 2, current.item);
        break;
      case 'SN1': {
        if (!current?.item) {
          p.add(s, undefined, 'unexpected-segment', 'SN1 belongs under an item (I) HL');
          break;
        }
        current.sn1 = true;
        const q = quantity(p, s, 2, el(s, 2));
        if (q !== undefined) {
          current.item.qty = q;
          sn1Total += q;
        }
        if (el(s, 3) === '') p.add(s, 3, 'element-missing', 'SN103: the unit of measure is missing');
        else current.item.uom = el(s, 3);
        break;
      }
      case 'REF':
        if (current?.item && (el(s, 1) === 'LT' || el(s, 1) === 'BT')) current.item.lot = el(s, 2);
        else if (current?.item && el(s, 1) === 'SE') current.item.serials.push(el(s, 2));
        break;
      case 'DTM':
        if (current?.item && el(s, 1) === '036') current.item.expiry = date8(p, s, 2, el(s, 2)) ?? null;
        break;
      case 'CTT':
        ctt = s;
        break;
      default:
        break;
    }
  }
  for (const n of nodes.values()) {
    if (!n.item) continue;
    if (!n.item.gtin && !n.item.buyerItem) p.add(n.seg, undefined, 'segment-missing', `item HL ${n.id} has no LIN with a GTIN (UP, EN, UK) or buyer item number (BP, IN)`);
    if (!n.sn1) p.add(n.seg, undefined, 'segment-missing', `item HL ${n.id} has no SN1 quantity`);
    if (n.item.serials.length > n.item.qty) p.add(n.seg, undefined, 'invalid-number', `item HL ${n.id} lists ${n.item.serials.length} serials for a quantity of ${n.item.qty}`);
  }
  if (hlCount === 0) p.add({ tag: 'HL', position: 3 }, undefined, 'segment-missing', 'the ship notice has no HL segments');
  if (!ctt) p.add({ tag: 'CTT', position: set.segments.length + 1 }, undefined, 'segment-missing', 'CTT (transaction totals) is missing');
  else {
    if (el(ctt, 1) !== String(hlCount)) p.add(ctt, 1, 'control-total', `CTT01 says ${JSON.stringify(el(ctt, 1))} HL segments, the set has ${hlCount}`);
    if (el(ctt, 2) !== '' && Number(el(ctt, 2)) !== sn1Total) p.add(ctt, 2, 'control-total', `CTT02 hash total ${JSON.stringify(el(ctt, 2))} does not match the SN1 quantities' sum ${sn1Total}`);
  }
  return p.list.length ? { ok: false, problems: p.list } : { ok: true, doc: notice };
}

function packageOf(n: Node | undefined): Package | undefined {
  for (let x = n; x; x = x.parent) if (x.pkg) return x.pkg;
  return undefined;
}
