// fleet — the central page: every site's freshness, doors and their open documents and variances, transfers. Plain
// server-rendered HTML (no client bundle): one page an operator reloads; the JSON endpoints serve anything richer.
import type { SiteFreshness } from './api.js';
import type { Kpis } from './store/queries.js';
import type { Transfer, TransferVariance } from './transfers.js';

const esc = (s: unknown): string => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const table = (head: string[], rows: string[][]): string =>
  `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.join('')}</tr>`).join('') || `<tr><td colspan="${head.length}">none</td></tr>`}</tbody></table>`;
const td = (v: unknown, cls = ''): string => `<td${cls ? ` class="${cls}"` : ''}>${esc(v)}</td>`;

export function renderCentralPage(v: {
  sites: SiteFreshness[];
  doors: Array<{ site: string; door: string; documents: string[]; openVariances: number }>;
  transfers: Transfer[];
  variances: TransferVariance[];
  kpis: Kpis;
}): string {
  const k = v.kpis;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>dockgate fleet</title>
<style>body{font:14px system-ui,sans-serif;margin:1.5rem}table{border-collapse:collapse;margin-bottom:1.5rem}td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}.stale{background:#fde2e2}.ok{background:#e4f6e4}</style></head><body>
<h1>dockgate fleet</h1>
<p id="kpis">${k.sites} sites · ${k.skus} SKUs · ${k.unitsOnHand} units on hand · ${k.unitsInTransit} in transit · ${k.openVariances} open variances · ${k.openReceipts} receipts and ${k.openShipments} shipments open</p>
<h2>Sites</h2>
${table(['site', 'state', 'applied through', 'last change', 'behind (s)', 'pending', 'problem'], v.sites.map((s) => [
    td(s.site), td(s.stale ? 'STALE' : 'fresh', s.stale ? 'stale' : 'ok'), td(s.appliedThrough), td(s.lastChangeAt ?? '—'), td(s.behindS ?? '—'), td(s.pending ?? '—'),
    td(s.problem ?? (s.gap ? `gap: needs seq ${s.gap.expected}, got ${s.gap.got}` : s.consumerError ?? '')),
  ]))}
<h2>Doors</h2>
${table(['site', 'door', 'open documents', 'open variances'], v.doors.map((d) => [td(d.site), td(d.door), td(d.documents.join(', ')), td(d.openVariances, d.openVariances ? 'stale' : '')]))}
<h2>Transfers</h2>
${table(['reference', 'from', 'to', 'status', 'lines'], v.transfers.map((t) => [td(t.reference), td(t.from), td(t.to), td(t.status, t.status === 'discrepant' ? 'stale' : ''), td(t.lines.map((l) => `${l.sku}: ${l.shipped} shipped, ${l.received} received`).join('; '))]))}
<h2>Transfer variances</h2>
${table(['type', 'reference', 'sku', 'site', 'units', 'message'], v.variances.map((x) => [td(x.type), td(x.reference), td(x.sku), td(x.site), td(x.qty), td(x.message)]))}
</body></html>`;
}
