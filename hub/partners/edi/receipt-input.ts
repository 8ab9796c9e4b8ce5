// hub/partners/edi — a partner document as the hub's expected receipt: lines per item (summed over the document),
// and for a ship notice the top-most SSCC of each branch as a pallet whose contents are every unit beneath it (so a
// pallet read at the door receives its cartons' and items' units in one step); serial numbers become SGTIN-96 EPCs.
// Each receipt field remembers the segment it came from, so the receiving checks' errors can name the segment. Pure.
import { encodeSgtin } from '../../../protocols/epc/index.js';
import type { GoodsLineInput, PalletInput } from '../../receiving/expected-goods.js';
import type { ReceiptInput } from '../../receiving/store.js';
import { type ItemQty, type Package, type PartnerDocument, type SourceRef } from './documents.js';
import type { Problem } from './envelope.js';

export interface ReceiptMapping {
  input: ReceiptInput;
  /** Receipt field prefix (lines[0], pallets[1].contents[0]) → the segment it came from. */
  sources: Map<string, SourceRef>;
}

type Content = Omit<GoodsLineInput, 'unitCost' | 'tolerance'> & { epcs: string[] };

const keyOf = (i: { buyerItem: string | null; gtin: string | null }) => (i.buyerItem ? `sku:${i.buyerItem}` : `gtin:${i.gtin}`);
const idOf = (i: { buyerItem: string | null; gtin: string | null }) => (i.buyerItem ? { sku: i.buyerItem, ...(i.gtin ? { gtin: i.gtin } : {}) } : { gtin: i.gtin! });

export function receiptInputOf(doc: PartnerDocument, opts: { supplier: string; companyPrefixLength: number }): { ok: true; mapping: ReceiptMapping } | { ok: false; problems: Problem[] } {
  const sources = new Map<string, SourceRef>();
  const problems: Problem[] = [];
  if (doc.kind === 'po') {
    const lines = new Map<string, GoodsLineInput>();
    for (const l of doc.lines) {
      const k = keyOf(l);
      const have = lines.get(k);
      if (have) have.qty += l.qty;
      else {
        sources.set(`lines[${lines.size}]`, l.at);
        lines.set(k, { ...idOf(l), qty: l.qty, unitCost: l.unitPrice });
      }
    }
    return { ok: true, mapping: { input: { po: doc.number, kind: 'po', supplier: opts.supplier, lines: [...lines.values()] }, sources } };
  }
  const epcsOf = (it: ItemQty): string[] =>
    it.serials.flatMap((serial) => {
      if (!it.gtin) {
        problems.push({ level: 'set', segment: it.at.segment, position: it.at.position, code: 'element-missing', problem: `serial ${serial} needs the item's GTIN to make its EPC` });
        return [];
      }
      const r = encodeSgtin({ gtin: it.gtin, companyPrefixLength: opts.companyPrefixLength, serial });
      if (!r.ok) {
        problems.push({ level: 'set', segment: it.at.segment, position: it.at.position, code: 'invalid-code', problem: `serial ${JSON.stringify(serial)} of GTIN ${it.gtin}: ${r.reason}` });
        return [];
      }
      return [r.hex];
    });
  const lines = new Map<string, GoodsLineInput & { epcs: string[] }>();
  const addLine = (it: ItemQty, epcs: string[]) => {
    const k = keyOf(it);
    const have = lines.get(k);
    if (have) {
      have.qty += it.qty;
      have.epcs.push(...epcs);
    } else {
      sources.set(`lines[${lines.size}]`, it.at);
      lines.set(k, { ...idOf(it), qty: it.qty, epcs });
    }
  };
  const pallets: PalletInput[] = [];
  const palletOf = (pk: Package) => {
    const i = pallets.length;
    sources.set(`pallets[${i}]`, pk.at);
    const contents = new Map<string, Content>();
    const collect = (p: Package) => {
      for (const it of p.items) {
        addLine(it, []);
        const k = keyOf(it);
        const epcs = epcsOf(it);
        const have = contents.get(k);
        if (have) {
          have.qty += it.qty;
          have.epcs.push(...epcs);
        } else {
          sources.set(`pallets[${i}].contents[${contents.size}]`, it.at);
          contents.set(k, { ...idOf(it), qty: it.qty, epcs });
        }
      }
      for (const c of p.packages) collect(c);
    };
    collect(pk);
    pallets.push({ sscc: pk.sscc!, contents: [...contents.values()] });
  };
  const visit = (pk: Package) => {
    if (pk.sscc) return palletOf(pk);
    for (const it of pk.items) addLine(it, epcsOf(it));
    for (const c of pk.packages) visit(c);
  };
  for (const it of doc.items) addLine(it, epcsOf(it));
  for (const pk of doc.packages) visit(pk);
  if (problems.length) return { ok: false, problems };
  return { ok: true, mapping: { input: { po: doc.number, kind: 'asn', supplier: opts.supplier, lines: [...lines.values()], pallets }, sources } };
}

/** The segment a receipt field came from: the longest known prefix of `field`. */
export function sourceOf(sources: ReadonlyMap<string, SourceRef>, field: string | undefined): SourceRef | undefined {
  if (!field) return undefined;
  let best: string | undefined;
  for (const k of sources.keys()) if ((field === k || field.startsWith(`${k}.`) || field.startsWith(`${k}[`)) && (!best || k.length > best.length)) best = k;
  return best === undefined ? undefined : sources.get(best);
}
