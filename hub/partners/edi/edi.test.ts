// Syntax (node-x12, edifact) and mapping of the fixture documents: several suppliers' styles and broken files.
import { readFileSync } from 'node:fs';
import epcTds from 'epc-tds';
import { describe, expect, it } from 'vitest';
import { walkPackages, type PurchaseOrder, type ShipNotice } from './documents.js';
import { where } from './envelope.js';
import { mapSets, parseInterchange } from './parse.js';
import { receiptInputOf } from './receipt-input.js';

// epc-tds is CommonJS whose module.exports is the TDS object its types call `default`.
const tds = epcTds as unknown as { valueOf(hex: string): { toIdURI(): string } };
const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
const mapped = (name: string) => {
  const parsed = parseInterchange(fixture(name));
  const m = mapSets(parsed);
  return { parsed, problems: [...parsed.problems, ...m.problems], docs: m.results.flatMap((r) => (r.result.ok ? [r.result.doc] : [])) };
};

describe('partner documents: syntax and mapping', () => {
  it('856 pallet-level: two SSCC pallets (MAN*GM with and without AI 00), lots from LIN LT and REF*LT, expiry from DTM*036', () => {
    const { parsed, problems, docs } = mapped('856-pallet-level.edi');
    expect(problems).toEqual([]);
    expect(parsed.interchange).toMatchObject({ syntax: 'x12', sender: { qualifier: 'ZZ', id: 'SUPPLIERA' }, control: '000000905' });
    const n = docs[0] as ShipNotice;
    expect(n).toMatchObject({ kind: 'asn', number: 'ASN-856-P', date: '2024-01-15', purchaseOrders: ['PO-4711'] });
    expect(n.packages.map((p) => [p.level, p.sscc, p.items.map((i) => [i.gtin, i.qty, i.lot, i.expiry])])).toEqual([
      ['tare', '095060000000001012', [['09506000000015', 24, 'L2401', '2025-06-30'], ['09506000000022', 12, 'L2402', null]]],
      ['tare', '095060000000001029', [['09506000000015', 24, 'L2401', '2025-06-30']]],
    ]);
    const r = receiptInputOf(n, { supplier: 'SUPPLIERA', companyPrefixLength: 7 });
    expect(r.ok && r.mapping.input).toEqual({
      po: 'ASN-856-P', kind: 'asn', supplier: 'SUPPLIERA',
      lines: [{ gtin: '09506000000015', qty: 48, epcs: [] }, { gtin: '09506000000022', qty: 12, epcs: [] }],
      pallets: [
        { sscc: '095060000000001012', contents: [{ gtin: '09506000000015', qty: 24, epcs: [] }, { gtin: '09506000000022', qty: 12, epcs: [] }] },
        { sscc: '095060000000001029', contents: [{ gtin: '09506000000015', qty: 24, epcs: [] }] },
      ],
    });
  });

  it('856 carton-level: cartons (P) carry the SSCCs under an unmarked tare; EAN-13 becomes GTIN-14; BP is the SKU', () => {
    const { problems, docs } = mapped('856-carton-level.edi');
    expect(problems).toEqual([]);
    const n = docs[0] as ShipNotice;
    expect(n.packages[0]).toMatchObject({ level: 'tare', sscc: null });
    expect([...walkPackages(n.packages)].filter((p) => p.level === 'pack').map((p) => p.sscc)).toEqual(['095060000000002019', '095060000000002026', '095060000000002033']);
    const r = receiptInputOf(n, { supplier: 'B', companyPrefixLength: 7 });
    expect(r.ok && r.mapping.input.lines).toEqual([{ sku: 'SKU-C3', gtin: '09506000000039', qty: 12, epcs: [] }, { gtin: '09506000000046', qty: 4, epcs: [] }]);
    expect(r.ok && r.mapping.input.pallets?.map((p) => p.sscc)).toEqual(['095060000000002019', '095060000000002026', '095060000000002033']);
  });

  it('856 item-level with serials: REF*SE serials become SGTIN-96 EPCs of the pallet contents (checked against the TDS encoder)', () => {
    const { problems, docs } = mapped('856-item-serials.edi');
    expect(problems).toEqual([]);
    const r = receiptInputOf(docs[0]!, { supplier: 'C', companyPrefixLength: 7 });
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    const pallet = r.mapping.input.pallets![0]!;
    expect(pallet.sscc).toBe('095060000000003016');
    expect(pallet.contents![0]).toMatchObject({ gtin: '09506000000053', qty: 5 });
    // Cross-checked with epc-tds (code we did not write): each EPC decodes to the GTIN's SGTIN with its serial.
    expect(pallet.contents![0]!.epcs!.map((e) => tds.valueOf(e).toIdURI())).toEqual([1001, 1002, 1003, 1004, 1005].map((s) => `urn:epc:id:sgtin:9506000.000005.${s}`));
  });

  it('850 and ORDERS become purchase orders with prices in minor units', () => {
    const a = mapped('850-po.edi');
    expect(a.problems).toEqual([]);
    expect(a.docs[0] as PurchaseOrder).toMatchObject({ kind: 'po', number: 'PO-4711', date: '2024-01-10', lines: [{ line: '1', gtin: '09506000000015', buyerItem: 'SKU-1', qty: 48, unitPrice: 1250 }, { line: '2', qty: 12, unitPrice: 320 }] });
    const b = mapped('orders-po.edi');
    expect(b.problems).toEqual([]);
    expect(b.parsed.interchange).toMatchObject({ syntax: 'edifact', sender: { id: '4012345500004', qualifier: '14' }, control: 'ORD1' });
    expect(b.docs[0] as PurchaseOrder).toMatchObject({ number: 'PO-4715', lines: [{ gtin: '09506000000077', qty: 30, unitPrice: 475 }, { gtin: '09506000000084', buyerItem: 'SKU-8', qty: 5, unitPrice: null }] });
  });

  it('DESADV carton-level: CPS tree pallet → cartons, GIN+BJ SSCCs, PIA batch, DTM+361 best-before', () => {
    const { problems, docs } = mapped('desadv-carton-level.edi');
    expect(problems).toEqual([]);
    const n = docs[0] as ShipNotice;
    expect(n).toMatchObject({ number: 'DES-587441', date: '2024-01-15', purchaseOrders: ['PO-4714'] });
    expect(n.packages).toHaveLength(1);
    expect(n.packages[0]).toMatchObject({ level: 'tare', sscc: '095060000000004013' });
    expect(n.packages[0]!.packages.map((p) => [p.sscc, p.items.map((i) => [i.gtin, i.qty, i.lot, i.expiry])])).toEqual([
      ['095060000000004020', [['09506000000060', 10, 'B77', '2025-01-01']]],
      ['095060000000004037', [['09506000000060', 10, 'B77', '2025-01-01']]],
    ]);
    const r = receiptInputOf(n, { supplier: 'D', companyPrefixLength: 7 });
    expect(r.ok && r.mapping.input.pallets).toEqual([{ sscc: '095060000000004013', contents: [{ gtin: '09506000000060', qty: 20, epcs: [] }] }]);
  });

  it.each([
    ['broken-856-se-count.edi', 'SE01 (segment 3)', 'count-mismatch', /SE01 says "9" segments, the set has 3/],
    ['broken-856-ctt.edi', 'CTT01 (segment 24)', 'control-total', /CTT01 says "6" HL segments, the set has 7/],
    ['broken-856-iea.edi', 'IEA01', 'count-mismatch', /IEA01 says "2" functional groups, the interchange has 1/],
    ['broken-856-qualifier.edi', 'LIN02 (segment 15)', 'invalid-code', /unknown product id qualifier "XX"/],
    ['broken-856-truncated.edi', 'IEA', 'trailer-missing', /truncated/],
    ['broken-desadv-unt.edi', 'UNT01 (segment 29)', 'count-mismatch', /UNT says "28" segments, the message has 29/],
    ['broken-desadv-unz.edi', 'UNZ02', 'control-mismatch', /UNZ reference "DESADVX" does not match UNB "DESADV1"/],
    ['broken-desadv-qualifier.edi', 'GIN01 (segment 23)', 'invalid-code', /unknown identity number qualifier "ZZZ"/],
    ['broken-desadv-truncated.edi', 'UNT (segment 20)', 'trailer-missing', /no UNT trailer/],
  ])('%s is refused naming %s', (name, at, code, message) => {
    const { problems } = mapped(name);
    const p = problems.find((x) => x.code === code && where(x).startsWith(at.split(/[ 0-9]/)[0]!));
    expect(p, JSON.stringify(problems)).toBeDefined();
    expect(where(p!)).toBe(at);
    expect(p!.problem).toMatch(message);
  });

  it('a file that is neither X12 nor EDIFACT is refused at its first segment', () => {
    expect(parseInterchange('hello').problems[0]).toMatchObject({ code: 'syntax', segment: 'hel' });
  });
});
