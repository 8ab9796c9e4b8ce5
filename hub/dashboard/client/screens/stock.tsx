// hub/dashboard/client — Stock: search by SKU (its on-hand, reserved and available, per location), by location (every
// SKU there) or by EPC (the unit's full history: every move, oldest first); the table shown exports as CSV.
import { useState } from 'preact/hooks';
import { api } from '../api';
import { download, toCsv } from '../export';
import { notify } from '../notice';

interface StockRow { sku: string; onHand: number; reserved: number; available: number; locations: Array<{ location: string; sellable: boolean; onHand: number; reserved: number }> }
interface Move { seq: number; sku: string; qty: number; from: string; to: string; reason: string; reference: string | null; occurredAt: string; actor: { id: string } }
type Found = { kind: 'stock'; query: string; rows: string[][] } | { kind: 'history'; query: string; rows: string[][] };

const EPC = /^(?:[0-9a-f]{4}){6,16}$/i;
const STOCK_HEAD = ['sku', 'location', 'sellable', 'on hand', 'reserved', 'available'];
const HISTORY_HEAD = ['time', 'sku', 'qty', 'from', 'to', 'reason', 'reference', 'by'];

async function find(q: string): Promise<Found | string> {
  if (EPC.test(q)) {
    const r = await api<{ moves: Move[] }>(`/api/v1/moves?epc=${encodeURIComponent(q.toLowerCase())}&limit=1000`);
    if (!r.ok) return r.message;
    return { kind: 'history', query: q, rows: r.body.moves.map((m) => [new Date(m.occurredAt).toLocaleString(), m.sku, String(m.qty), m.from, m.to, m.reason, m.reference ?? '', m.actor.id]) };
  }
  const bySku = await api<{ stock: StockRow[] }>(`/api/v1/stock?sku=${encodeURIComponent(q)}`);
  const rows = bySku.ok ? bySku.body.stock.filter((s) => s.locations.length > 0) : [];
  const perLocation = (s: StockRow, only?: string) =>
    s.locations.filter((l) => !only || l.location === only).map((l) => [s.sku, l.location, l.sellable ? 'yes' : 'no', String(l.onHand), String(l.reserved), String(l.sellable ? l.onHand - l.reserved : 0)]);
  if (rows.length) return { kind: 'stock', query: q, rows: rows.flatMap((s) => perLocation(s)) };
  const atLocation = await api<{ stock: StockRow[] }>(`/api/v1/stock?location=${encodeURIComponent(q)}&limit=1000`);
  if (!atLocation.ok) return atLocation.message;
  const here = atLocation.body.stock.flatMap((s) => perLocation(s, q));
  return here.length ? { kind: 'stock', query: q, rows: here } : `nothing found for ${q}: no SKU, location with stock or EPC of that name`;
}

export function StockScreen() {
  const [q, setQ] = useState('');
  const [found, setFound] = useState<Found | undefined>();
  const head = found?.kind === 'history' ? HISTORY_HEAD : STOCK_HEAD;
  return (
    <main class="receipts-screen">
      <h2>Stock</h2>
      <form
        class="bulk"
        id="stock-search"
        onSubmit={(e) => {
          e.preventDefault();
          void find(q.trim()).then((f) => (typeof f === 'string' ? notify('bad', f) : setFound(f)));
        }}
      >
        <input name="q" required placeholder="SKU, location or EPC" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        <button type="submit">Search</button>
        {found && (
          <button type="button" class="secondary" data-action="csv" onClick={() => download(`${found.kind}-${found.query}.csv`, toCsv([head, ...found.rows]))}>
            Export CSV
          </button>
        )}
      </form>
      {found && (
        <table id="stock" data-kind={found.kind}>
          <thead>
            <tr>
              {head.map((h) => (
                <th key={h}>{h}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {found.rows.map((r, i) => (
              <tr key={i}>
                {r.map((c, j) => (
                  <td key={j}>{c}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
