// fleet — matching transfers between sites (pure; the clock comes in). A transfer is a shipment from site A whose
// party is `site:B` (its units go to A's `transit`), received at B against a receipt (an internal ASN) with the same
// reference whose party is `site:A`. Both sides are matched per SKU and three kinds of transfer variance raised:
// shipped but not received (after `overdueMs`), received but never shipped, received at the wrong site.

export interface TransferMove {
  site: string;
  reference: string;
  sku: string;
  side: 'shipped' | 'received';
  qty: number;
  atMs: number;
}
export interface TransferDocument {
  site: string;
  kind: 'receipt' | 'shipment';
  document: string;
  /** `site:<id>` for the other side of a transfer. */
  party: string | null;
}
export interface TransferLine {
  sku: string;
  shipped: number;
  /** Units received at the destination site. */
  received: number;
  /** Units received elsewhere (wrong site), by site. */
  elsewhere: Record<string, number>;
}
export interface Transfer {
  reference: string;
  from: string | null;
  to: string | null;
  shippedAtMs: number | null;
  lines: TransferLine[];
  status: 'in_transit' | 'received' | 'discrepant';
}
export type TransferVarianceType = 'shipped_not_received' | 'received_never_shipped' | 'received_wrong_site';
export interface TransferVariance {
  type: TransferVarianceType;
  reference: string;
  sku: string;
  from: string | null;
  to: string | null;
  site: string;
  qty: number;
  message: string;
}

export const siteOfParty = (party: string | null): string | null => (party?.startsWith('site:') ? party.slice(5) : null);

export function matchTransfers(docs: readonly TransferDocument[], moves: readonly TransferMove[], nowMs: number, overdueMs: number): { transfers: Transfer[]; variances: TransferVariance[] } {
  const byRef = new Map<string, { from: string | null; to: string | null }>();
  const note = (ref: string, from: string | null, to: string | null) => {
    const t = byRef.get(ref) ?? { from: null, to: null };
    t.from ??= from;
    t.to ??= to;
    byRef.set(ref, t);
  };
  for (const d of docs) {
    const other = siteOfParty(d.party);
    if (other === null) continue;
    if (d.kind === 'shipment') note(d.document, d.site, other);
    else note(d.document, other, d.site);
  }
  for (const m of moves) if (m.side === 'shipped') note(m.reference, m.site, null);

  const transfers: Transfer[] = [];
  const variances: TransferVariance[] = [];
  for (const [reference, ends] of [...byRef].sort(([a], [b]) => a.localeCompare(b))) {
    const lines = new Map<string, TransferLine>();
    const line = (sku: string) => lines.get(sku) ?? lines.set(sku, { sku, shipped: 0, received: 0, elsewhere: {} }).get(sku)!;
    let shippedAtMs: number | null = null;
    for (const m of moves) {
      if (m.reference !== reference) continue;
      const l = line(m.sku);
      if (m.side === 'shipped') {
        if (m.site !== ends.from) continue;
        l.shipped += m.qty;
        shippedAtMs = Math.max(shippedAtMs ?? 0, m.atMs);
      } else if (m.site === ends.to || ends.to === null) l.received += m.qty;
      else l.elsewhere[m.site] = (l.elsewhere[m.site] ?? 0) + m.qty;
    }
    let discrepant = false;
    const raise = (type: TransferVarianceType, sku: string, site: string, qty: number, message: string) => {
      discrepant = true;
      variances.push({ type, reference, sku, from: ends.from, to: ends.to, site, qty, message });
    };
    for (const l of [...lines.values()].sort((a, b) => a.sku.localeCompare(b.sku))) {
      for (const [site, qty] of Object.entries(l.elsewhere)) {
        raise('received_wrong_site', l.sku, site, qty, `${reference}: ${qty} × ${l.sku} shipped from ${ends.from ?? '?'} to ${ends.to ?? '?'} were received at ${site}`);
      }
      const elsewhere = Object.values(l.elsewhere).reduce((a, b) => a + b, 0);
      const over = l.received + elsewhere - l.shipped;
      if (over > 0) raise('received_never_shipped', l.sku, ends.to ?? '?', over, `${reference}: ${over} × ${l.sku} received but never shipped by ${ends.from ?? '?'}`);
      const missing = l.shipped - l.received - elsewhere;
      if (missing > 0 && shippedAtMs !== null && nowMs - shippedAtMs >= overdueMs) {
        raise('shipped_not_received', l.sku, ends.from ?? '?', missing, `${reference}: ${missing} × ${l.sku} shipped by ${ends.from ?? '?'} not received at ${ends.to ?? '?'} after ${Math.round((nowMs - shippedAtMs) / 60_000)} min`);
      }
    }
    const open = [...lines.values()].some((l) => l.shipped > l.received);
    transfers.push({ reference, from: ends.from, to: ends.to, shippedAtMs, lines: [...lines.values()], status: discrepant ? 'discrepant' : open ? 'in_transit' : 'received' });
  }
  return { transfers, variances };
}
