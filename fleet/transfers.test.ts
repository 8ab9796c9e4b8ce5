import { describe, expect, it } from 'vitest';
import { matchTransfers, type TransferDocument, type TransferMove } from './transfers.js';

const H = 3_600_000;
const docs: TransferDocument[] = [
  { site: 'a', kind: 'shipment', document: 'TR-1', party: 'site:b' },
  { site: 'b', kind: 'receipt', document: 'TR-1', party: 'site:a' },
  { site: 'a', kind: 'shipment', document: 'TR-2', party: 'site:b' },
  { site: 'c', kind: 'receipt', document: 'TR-3', party: 'site:a' },
  { site: 'b', kind: 'receipt', document: 'PO-9', party: 'acme' },
];
const moves: TransferMove[] = [
  { site: 'a', reference: 'TR-1', sku: 'X', side: 'shipped', qty: 10, atMs: 0 },
  { site: 'b', reference: 'TR-1', sku: 'X', side: 'received', qty: 10, atMs: H },
  { site: 'a', reference: 'TR-2', sku: 'X', side: 'shipped', qty: 5, atMs: 0 },
  { site: 'b', reference: 'TR-2', sku: 'X', side: 'received', qty: 2, atMs: H },
  { site: 'c', reference: 'TR-2', sku: 'X', side: 'received', qty: 1, atMs: H },
  { site: 'c', reference: 'TR-3', sku: 'Y', side: 'received', qty: 4, atMs: H },
  { site: 'b', reference: 'PO-9', sku: 'Z', side: 'received', qty: 7, atMs: H },
];

describe('transfer matching', () => {
  it('matches both sides per SKU and raises shipped-not-received only after the configured time', () => {
    const early = matchTransfers(docs, moves, 2 * H, 24 * H);
    expect(early.transfers.map((t) => [t.reference, t.from, t.to, t.status])).toEqual([
      ['TR-1', 'a', 'b', 'received'],
      ['TR-2', 'a', 'b', 'discrepant'],
      ['TR-3', 'a', 'c', 'discrepant'],
    ]);
    expect(early.variances.map((v) => [v.type, v.reference, v.sku, v.site, v.qty])).toEqual([
      ['received_wrong_site', 'TR-2', 'X', 'c', 1],
      ['received_never_shipped', 'TR-3', 'Y', 'c', 4],
    ]);
    const late = matchTransfers(docs, moves, 24 * H, 24 * H);
    expect(late.variances.map((v) => [v.type, v.reference, v.qty])).toContainEqual(['shipped_not_received', 'TR-2', 2]);
    // A supplier's PO is no transfer.
    expect(late.transfers.find((t) => t.reference === 'PO-9')).toBeUndefined();
  });
});
