// hub/partners/edi — purchase orders: an X12 850 (BEG03 the PO number, PO1 lines: quantity, unit, unit price,
// product ids; CTT01 counts the PO1 lines, CTT02 sums their quantities) or an EDIFACT / EANCOM ORDERS (BGM+220,
// LIN / PIA / QTY+21 / PRI+AAA; CNT+2 counts the lines). Pure.
import { el, type Segment, type TransactionSet } from './envelope.js';
import { date8, gtin, price, Problems, quantity, ref, type MapResult, type OrderLine, type PurchaseOrder } from './documents.js';
import { productIds } from './map-856.js';

export function map850(set: TransactionSet): MapResult {
  const p = new Problems();
  const po: PurchaseOrder = { kind: 'po', number: '', date: null, lines: [] };
  const beg = set.segments.find((s) => s.tag === 'BEG');
  if (!beg) p.add({ tag: 'BEG', position: 2 }, undefined, 'segment-missing', 'BEG (beginning segment for purchase order) is missing');
  else {
    po.number = el(beg, 3);
    if (po.number === '') p.add(beg, 3, 'element-missing', 'BEG03: the purchase order number is missing');
    if (el(beg, 5)) po.date = date8(p, beg, 5, el(beg, 5)) ?? null;
  }
  let total = 0;
  let ctt: Segment | undefined;
  for (const s of set.segments) {
    if (s.tag === 'CTT') ctt = s;
    if (s.tag !== 'PO1') continue;
    const ids = { gtin: null as string | null, buyerItem: null as string | null, vendorItem: null as string | null, lot: null as string | null, serials: [] as string[] };
    productIds(p, s, 6, ids);
    const qty = quantity(p, s, 2, el(s, 2));
    const unitPrice = price(p, s, 4, el(s, 4));
    if (qty !== undefined) total += qty;
    if (!ids.gtin && !ids.buyerItem) p.add(s, 6, 'element-missing', 'PO106/PO107: the line has no GTIN (UP, EN, UK) and no buyer item number (BP, IN)');
    if (qty !== undefined && unitPrice !== undefined) po.lines.push({ line: el(s, 1) || String(po.lines.length + 1), gtin: ids.gtin, buyerItem: ids.buyerItem, vendorItem: ids.vendorItem, qty, uom: el(s, 3) || 'EA', unitPrice, at: ref(s) });
  }
  const count = set.segments.filter((s) => s.tag === 'PO1').length;
  if (count === 0) p.add({ tag: 'PO1', position: 3 }, undefined, 'segment-missing', 'the purchase order has no PO1 line');
  if (ctt) {
    if (el(ctt, 1) !== String(count)) p.add(ctt, 1, 'control-total', `CTT01 says ${JSON.stringify(el(ctt, 1))} lines, the order has ${count} PO1 segments`);
    if (el(ctt, 2) !== '' && Number(el(ctt, 2)) !== total) p.add(ctt, 2, 'control-total', `CTT02 hash total ${JSON.stringify(el(ctt, 2))} does not match the PO1 quantities' sum ${total}`);
  }
  return p.list.length ? { ok: false, problems: p.list } : { ok: true, doc: po };
}

export function mapOrders(set: TransactionSet): MapResult {
  const p = new Problems();
  const po: PurchaseOrder = { kind: 'po', number: '', date: null, lines: [] };
  const bgm = set.segments.find((s) => s.tag === 'BGM');
  if (!bgm) p.add({ tag: 'BGM', position: 2 }, undefined, 'segment-missing', 'BGM (beginning of message) is missing');
  else {
    if (el(bgm, 1) !== '220') p.add(bgm, 1, 'invalid-code', `BGM01: document name code ${JSON.stringify(el(bgm, 1))} is not 220 (order)`);
    po.number = el(bgm, 2);
    if (po.number === '') p.add(bgm, 2, 'element-missing', 'BGM02: the order number is missing');
  }
  let line: OrderLine | undefined;
  let linCount = 0;
  let cnt: Segment | undefined;
  const done = () => {
    if (!line) return;
    if (!line.gtin && !line.buyerItem) p.add({ tag: 'LIN', position: line.at.position }, 3, 'element-missing', 'LIN03: the line has no GTIN and no buyer item number (PIA …:IN)');
    if (line.qty === 0) p.add({ tag: 'LIN', position: line.at.position }, undefined, 'segment-missing', 'the line has no QTY+21 ordered quantity');
    else po.lines.push(line);
    line = undefined;
  };
  for (const s of set.segments) {
    if (s.tag === 'LIN') {
      done();
      linCount++;
      line = { line: el(s, 1) || String(linCount), gtin: null, buyerItem: null, vendorItem: null, qty: 0, uom: 'EA', unitPrice: null, at: ref(s) };
      if (el(s, 3, 1) !== '') {
        if (el(s, 3, 2) !== 'SRV' && el(s, 3, 2) !== 'EN') p.add(s, 3, 'invalid-code', `LIN03-2: unknown item number type ${JSON.stringify(el(s, 3, 2))} (SRV: GTIN)`, 2);
        else line.gtin = gtin(p, s, 3, el(s, 3, 1), 1) ?? null;
      }
    } else if (s.tag === 'PIA' && line) {
      for (let e = 2; e <= s.elements.length; e++) {
        const type = el(s, e, 2);
        if (type === 'IN' || type === 'BP') line.buyerItem = el(s, e, 1);
        else if (type === 'SA') line.vendorItem = el(s, e, 1);
        else p.add(s, e, 'invalid-code', `PIA0${e}-2: unknown item number type ${JSON.stringify(type)} (IN/BP buyer's, SA supplier's)`, 2);
      }
    } else if (s.tag === 'QTY' && line) {
      if (el(s, 1, 1) !== '21') p.add(s, 1, 'invalid-code', `QTY01-1: quantity qualifier ${JSON.stringify(el(s, 1, 1))} is not 21 (ordered quantity)`, 1);
      else {
        line.qty = quantity(p, s, 1, el(s, 1, 2), 2) ?? 0;
        if (el(s, 1, 3)) line.uom = el(s, 1, 3);
      }
    } else if (s.tag === 'PRI' && line) {
      if (el(s, 1, 1) === 'AAA' || (el(s, 1, 1) === 'AAB' && line.unitPrice === null)) line.unitPrice = price(p, s, 1, el(s, 1, 2), 2) ?? null;
    } else if (s.tag === 'DTM' && !line && el(s, 1, 1) === '137') {
      po.date = date8(p, s, 1, el(s, 1, 2).slice(0, 8), 2) ?? null;
    } else if (s.tag === 'CNT') cnt = s;
  }
  done();
  if (linCount === 0) p.add({ tag: 'LIN', position: 3 }, undefined, 'segment-missing', 'the order has no LIN line');
  if (cnt && el(cnt, 1, 1) === '2' && el(cnt, 1, 2) !== String(linCount)) p.add(cnt, 1, 'control-total', `CNT+2 says ${JSON.stringify(el(cnt, 1, 2))} lines, the message has ${linCount} LIN segments`, 2);
  return p.list.length ? { ok: false, problems: p.list } : { ok: true, doc: po };
}
