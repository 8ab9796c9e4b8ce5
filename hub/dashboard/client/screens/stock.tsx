// hub/dashboard/client — Stock: search by SKU (its on-hand, reserved and available, per location), by GTIN (typed, or a
// scanned GS1 label that carries one: the SKU it belongs to), by location (every SKU there) or by EPC (the unit's full
// history: every move, oldest first); the table shown exports as CSV. Two exports that are not a search: all stock,
// every SKU at every location (GET /api/v1/stock, page by page), and the moves of a period (GET
// /api/v1/moves?since&until, cursor by cursor).
import { useState } from 'preact/hooks';
import { api, type ApiResult } from '../api';
import { download, toCsv } from '../export';
import { notify } from '../notice';
import { scannedGtin } from '../scan';

interface StockRow { sku: string; onHand: number; reserved: number; available: number; locations: Array<{ location: string; sellable: boolean; onHand: number; reserved: number }> }
interface Move { seq: number; sku: string; qty: number; from: string; to: string; reason: string; reference: string | null; epc: string | null; occurredAt: string; actor: { id: string }; note: string | null }
interface Found { kind: 'stock' | 'history'; query: string; said: string; rows: string[][] }

const EPC = /^(?:[0-9a-f]{4}){6,16}$/i;
const STOCK_HEAD = ['sku', 'location', 'sellable', 'on hand', 'reserved', 'available'];
const HISTORY_HEAD = ['time', 'sku', 'qty', 'from', 'to', 'reason', 'reference', 'by'];
const MOVES_HEAD = ['seq', 'occurred at', 'sku', 'qty', 'from', 'to', 'reason', 'reference', 'epc', 'by', 'note'];

const perLocation = (s: StockRow, only?: string) =>
  s.locations.filter((l) => !only || l.location === only).map((l) => [s.sku, l.location, l.sellable ? 'yes' : 'no', String(l.onHand), String(l.reserved), String(l.sellable ? l.onHand - l.reserved : 0)]);

async function bySku(sku: string): Promise<string[][] | string> {
  const r = await api<{ stock: StockRow[] }>(`/api/v1/stock?sku=${encodeURIComponent(sku)}`);
  return r.ok ? r.body.stock.flatMap((s) => perLocation(s)) : r.message;
}

async function find(q: string): Promise<Found | string> {
  if (EPC.test(q)) {
    const r = await api<{ moves: Move[] }>(`/api/v1/moves?epc=${encodeURIComponent(q.toLowerCase())}&limit=1000`);
    if (!r.ok) return r.message;
    if (!r.body.moves.length) return `no move of EPC ${q.toLowerCase()}: the hub has never seen that unit`;
    return { kind: 'history', query: q, said: `EPC ${q.toLowerCase()}: ${r.body.moves.length} moves, oldest first`, rows: r.body.moves.map((m) => [new Date(m.occurredAt).toLocaleString(), m.sku, String(m.qty), m.from, m.to, m.reason, m.reference ?? '', m.actor.id]) };
  }
  const gtin = scannedGtin(q, Date.now());
  if (gtin) {
    const item = await api<{ items: Array<{ sku: string }> }>(`/api/v1/items?gtin=${gtin}`);
    if (!item.ok) return item.message;
    const sku = item.body.items[0]?.sku;
    if (sku) {
      const rows = await bySku(sku);
      return typeof rows === 'string' ? rows : { kind: 'stock', query: q, said: `GTIN ${gtin} is ${sku}`, rows };
    }
  }
  const rows = await bySku(q);
  if (typeof rows !== 'string' && rows.length) return { kind: 'stock', query: q, said: `SKU ${q}, per location`, rows };
  const atLocation = await api<{ stock: StockRow[] }>(`/api/v1/stock?location=${encodeURIComponent(q)}&limit=1000`);
  if (!atLocation.ok) return atLocation.message;
  const here = atLocation.body.stock.flatMap((s) => perLocation(s, q));
  return here.length ? { kind: 'stock', query: q, said: `at ${q}`, rows: here } : `nothing found for ${q}: no SKU or GTIN with stock, location with stock or EPC of that name`;
}

/** Every page of a paged list, or the hub's message. */
async function allPages<T>(first: string, next: (last: { body: T }) => string | null, rows: (body: T) => string[][]): Promise<string[][] | string> {
  const out: string[][] = [];
  for (let path: string | null = first; path; ) {
    const r: ApiResult<T> = await api<T>(path);
    if (!r.ok) return r.message;
    out.push(...rows(r.body));
    path = next(r);
  }
  return out;
}

const allStock = () =>
  allPages<{ stock: StockRow[]; nextAfter: string | null }>(
    '/api/v1/stock?limit=1000',
    (r) => (r.body.nextAfter === null ? null : `/api/v1/stock?limit=1000&after=${encodeURIComponent(r.body.nextAfter)}`),
    (b) => b.stock.flatMap((s) => perLocation(s)),
  );

/** The moves that happened from the start of day `from` to the end of day `to` (the browser's local days). */
function movesOf(from: string, to: string) {
  const since = new Date(`${from}T00:00`);
  const until = new Date(`${to}T00:00`);
  until.setDate(until.getDate() + 1);
  const base = `/api/v1/moves?limit=1000&since=${encodeURIComponent(since.toISOString())}&until=${encodeURIComponent(until.toISOString())}`;
  return allPages<{ moves: Move[]; nextCursor: string | null }>(
    base,
    (r) => (r.body.nextCursor === null ? null : `${base}&cursor=${encodeURIComponent(r.body.nextCursor)}`),
    (b) => b.moves.map((m) => [String(m.seq), m.occurredAt, m.sku, String(m.qty), m.from, m.to, m.reason, m.reference ?? '', m.epc ?? '', m.actor.id, m.note ?? '']),
  );
}

const today = () => {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

export function StockScreen() {
  const [q, setQ] = useState('');
  const [found, setFound] = useState<Found | undefined>();
  const [period, setPeriod] = useState({ from: today(), to: today() });
  const [busy, setBusy] = useState(false);
  const head = found?.kind === 'history' ? HISTORY_HEAD : STOCK_HEAD;
  const exportAll = async (name: string, header: string[], rows: Promise<string[][] | string>) => {
    setBusy(true);
    const r = await rows;
    setBusy(false);
    if (typeof r === 'string') notify('bad', `${name} not exported: ${r}`);
    else {
      download(name, toCsv([header, ...r]));
      notify('ok', `${name}: ${r.length} rows.`);
    }
  };
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
        <input name="q" required autocomplete="off" placeholder="SKU, GTIN, location or EPC" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        <button type="submit">Search</button>
        {found && (
          <button type="button" class="secondary" data-action="csv" onClick={() => download(`${found.kind}-${found.query}.csv`, toCsv([head, ...found.rows]))}>
            Export CSV
          </button>
        )}
      </form>
      {found && (
        <>
          <p class="sub" id="found">
            {found.said}
          </p>
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
        </>
      )}
      <h2>Exports</h2>
      <form
        class="bulk"
        id="exports"
        onSubmit={(e) => {
          e.preventDefault();
          if (period.to < period.from) notify('bad', `The period ends (${period.to}) before it begins (${period.from}).`);
          else void exportAll(`moves-${period.from}-${period.to}.csv`, MOVES_HEAD, movesOf(period.from, period.to));
        }}
      >
        <button type="button" class="secondary" data-action="stock-csv" disabled={busy} onClick={() => void exportAll('stock.csv', STOCK_HEAD, allStock())}>
          All stock as CSV
        </button>
        <label>
          moves from <input type="date" name="from" required value={period.from} onInput={(e) => setPeriod({ ...period, from: e.currentTarget.value })} />
        </label>
        <label>
          to <input type="date" name="to" required value={period.to} onInput={(e) => setPeriod({ ...period, to: e.currentTarget.value })} />
        </label>
        <button type="submit" class="secondary" data-action="moves-csv" disabled={busy}>
          Moves as CSV
        </button>
      </form>
    </main>
  );
}
