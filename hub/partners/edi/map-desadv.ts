// hub/partners/edi — an EDIFACT / EANCOM DESADV despatch advice to its package hierarchy. CPS+id+parent gives the
// tree (the first CPS is the consignment; its children pallets, theirs cartons); PCI+33E / GIN+BJ the package's SSCC;
// LIN the item's GTIN (…:SRV), PIA its buyer / supplier numbers and batch (…:NB), QTY+12 the despatched quantity,
// DTM+361 / DTM+36 the best-before / expiry date, GIN+BN serial numbers; CNT+2 must count the LIN segments and CNT+1,
// when sent, sum the quantities. Pure.
import { el, type Segment, type TransactionSet } from './envelope.js';
import { date8, gtin, Problems, quantity, ref, sscc, type ItemQty, type MapResult, type Package, type ShipNotice } from './documents.js';

/** LIN 7143 item number types we read (EANCOM: SRV = GTIN; older EN / UP). */
const LIN_TYPES = new Set(['SRV', 'EN', 'UP']);
/** PIA 7143 codes: buyer's / supplier's numbers, batch, serial. */
const PIA_TYPES: Record<string, 'buyer' | 'vendor' | 'lot' | 'serial'> = { IN: 'buyer', BP: 'buyer', SA: 'vendor', NB: 'lot', SN: 'serial' };
/** GIN 7405 identity number qualifiers: BJ SSCC; BN serial number; BX batch number. */
const GIN_TYPES = new Set(['BJ', 'BN', 'BX']);
const QTY_TYPES = new Set(['12', '59', '52']);

export function mapDesadv(set: TransactionSet): MapResult {
  const p = new Problems();
  const notice: ShipNotice = { kind: 'asn', number: '', date: null, purchaseOrders: [], packages: [], items: [] };
  const packages = new Map<string, { pkg?: Package; root: boolean }>();
  let pkg: Package | undefined;
  let item: ItemQty | undefined;
  let linCount = 0;
  let qtyTotal = 0;
  const cnt: Segment[] = [];
  const bgm = set.segments.find((s) => s.tag === 'BGM');
  if (!bgm) p.add({ tag: 'BGM', position: 2 }, undefined, 'segment-missing', 'BGM (beginning of message) is missing');
  else {
    if (el(bgm, 1) !== '351') p.add(bgm, 1, 'invalid-code', `BGM01: document name code ${JSON.stringify(el(bgm, 1))} is not 351 (despatch advice)`);
    notice.number = el(bgm, 2);
    if (notice.number === '') p.add(bgm, 2, 'element-missing', 'BGM02: the despatch advice number is missing');
  }
  for (const s of set.segments) {
    switch (s.tag) {
      case 'DTM': {
        const q = el(s, 1, 1);
        const fmt = el(s, 1, 3);
        if (fmt !== '' && fmt !== '102' && fmt !== '203') {
          p.add(s, 1, 'invalid-code', `DTM01-3: date format ${JSON.stringify(fmt)} is not 102 (CCYYMMDD) or 203`, 3);
          break;
        }
        const value = el(s, 1, 2).slice(0, 8);
        if (item && (q === '361' || q === '36')) item.expiry = date8(p, s, 1, value, 2) ?? null;
        else if (!item && !pkg && q === '137') notice.date = date8(p, s, 1, value, 2) ?? null;
        break;
      }
      case 'RFF':
        if (el(s, 1, 1) === 'ON' && el(s, 1, 2) !== '' && !notice.purchaseOrders.includes(el(s, 1, 2))) notice.purchaseOrders.push(el(s, 1, 2));
        break;
      case 'CPS': {
        const id = el(s, 1);
        const parent = el(s, 2);
        item = undefined;
        if (id === '') {
          p.add(s, 1, 'element-missing', 'CPS01: the hierarchical id is missing');
          break;
        }
        if (packages.has(id)) p.add(s, 1, 'invalid-code', `CPS01: hierarchical id ${id} is used twice`);
        const up = parent === '' ? undefined : packages.get(parent);
        if (parent !== '' && !up) p.add(s, 2, 'invalid-code', `CPS02: parent ${parent} is not an earlier CPS`);
        if (!up) {
          // The consignment: its items are loose, its children the top packages.
          packages.set(id, { root: true });
          pkg = undefined;
          break;
        }
        const node: Package = { level: up.root ? 'tare' : 'pack', sscc: null, packages: [], items: [], at: ref(s) };
        (up.pkg ? up.pkg.packages : notice.packages).push(node);
        packages.set(id, { pkg: node, root: false });
        pkg = node;
        break;
      }
      case 'GIN': {
        const q = el(s, 1);
        if (!GIN_TYPES.has(q)) {
          p.add(s, 1, 'invalid-code', `GIN01: unknown identity number qualifier ${JSON.stringify(q)} (BJ SSCC, BN serial, BX batch)`);
          break;
        }
        const values = s.elements.slice(1).map((e) => e[0] ?? '').filter((x) => x !== '');
        if (q === 'BJ') {
          if (item || !pkg) {
            p.add(s, 1, 'unexpected-segment', 'GIN+BJ (an SSCC) belongs to a package (after CPS/PAC/PCI), not to a line');
            break;
          }
          const v = sscc(p, s, 2, values[0] ?? '');
          if (v) pkg.sscc = v;
        } else if (!item) p.add(s, 1, 'unexpected-segment', `GIN+${q} belongs to a line (after LIN)`);
        else if (q === 'BN') item.serials.push(...values);
        else item.lot = values[0] ?? null;
        break;
      }
      case 'LIN': {
        linCount++;
        item = { gtin: null, buyerItem: null, vendorItem: null, qty: 0, uom: 'EA', lot: null, expiry: null, serials: [], at: ref(s) };
        (pkg ? pkg.items : notice.items).push(item);
        const code = el(s, 3, 1);
        const type = el(s, 3, 2);
        if (code !== '') {
          if (!LIN_TYPES.has(type)) p.add(s, 3, 'invalid-code', `LIN03-2: unknown item number type ${JSON.stringify(type)} (SRV: GTIN)`, 2);
          else item.gtin = gtin(p, s, 3, code, 1) ?? null;
        }
        break;
      }
      case 'PIA':
        if (!item) break;
        for (let e = 2; e <= s.elements.length; e++) {
          const type = el(s, e, 2);
          const kind = PIA_TYPES[type];
          if (!kind) {
            p.add(s, e, 'invalid-code', `PIA0${e}-2: unknown item number type ${JSON.stringify(type)} (IN/BP buyer's, SA supplier's, NB batch, SN serial)`, 2);
            continue;
          }
          const v = el(s, e, 1);
          if (kind === 'buyer') item.buyerItem = v;
          else if (kind === 'vendor') item.vendorItem = v;
          else if (kind === 'lot') item.lot = v;
          else item.serials.push(v);
        }
        break;
      case 'QTY': {
        if (!item) break;
        const q = el(s, 1, 1);
        if (!QTY_TYPES.has(q)) {
          p.add(s, 1, 'invalid-code', `QTY01-1: unknown quantity qualifier ${JSON.stringify(q)} (12 despatch quantity)`, 1);
          break;
        }
        if (q !== '12') break;
        const n = quantity(p, s, 1, el(s, 1, 2), 2);
        if (n !== undefined) {
          item.qty = n;
          qtyTotal += n;
        }
        if (el(s, 1, 3)) item.uom = el(s, 1, 3);
        break;
      }
      case 'CNT':
        cnt.push(s);
        break;
      default:
        break;
    }
  }
  for (const pk of packages.values()) if (pk.pkg && pk.pkg.items.length === 0 && pk.pkg.packages.length === 0) p.add({ tag: 'CPS', position: pk.pkg.at.position }, undefined, 'segment-missing', `package at segment ${pk.pkg.at.position} holds no line and no package`);
  const checkItems = (items: ItemQty[]) => {
    for (const it of items) {
      if (!it.gtin && !it.buyerItem) p.add({ tag: 'LIN', position: it.at.position }, 3, 'element-missing', 'LIN03: the line has no GTIN and no buyer item number (PIA …:IN)');
      if (it.qty === 0) p.add({ tag: 'LIN', position: it.at.position }, undefined, 'segment-missing', 'the line has no QTY+12 despatch quantity');
    }
  };
  checkItems(notice.items);
  for (const pk of packages.values()) if (pk.pkg) checkItems(pk.pkg.items);
  const lines = cnt.find((s) => el(s, 1, 1) === '2');
  const total = cnt.find((s) => el(s, 1, 1) === '1');
  if (!lines) p.add({ tag: 'CNT', position: set.segments.length + 1 }, undefined, 'segment-missing', 'CNT+2 (number of line items) is missing');
  else if (el(lines, 1, 2) !== String(linCount)) p.add(lines, 1, 'control-total', `CNT+2 says ${JSON.stringify(el(lines, 1, 2))} lines, the message has ${linCount} LIN segments`, 2);
  if (total && Number(el(total, 1, 2)) !== qtyTotal) p.add(total, 1, 'control-total', `CNT+1 says a quantity total of ${JSON.stringify(el(total, 1, 2))}, the lines sum to ${qtyTotal}`, 2);
  for (const s of cnt) if (el(s, 1, 1) !== '1' && el(s, 1, 1) !== '2') p.add(s, 1, 'invalid-code', `CNT01-1: unknown control qualifier ${JSON.stringify(el(s, 1, 1))} (1 quantity total, 2 lines)`, 1);
  return p.list.length ? { ok: false, problems: p.list } : { ok: true, doc: notice };
}
