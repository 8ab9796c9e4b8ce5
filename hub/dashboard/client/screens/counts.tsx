// hub/dashboard/client — Cycle counts: what is due by ABC class (GET /api/v1/counts/schedule: tick the SKUs to count,
// or leave none ticked to count everything at the location), the counts newest first, start one at a location
// (optionally with a count door's RFID reads counting for it), count by scanning (an EPC, a GTIN or a SKU per unit: a
// keyboard-wedge scanner types into the field) or by the portal (reads arrive live), see each SKU's book now, counted
// and difference while counting, close it: differences within tolerance post as count adjustments, larger ones are
// held as count_difference variances that the count's page posts (accepts, with a typed reason) one by one.
import { useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { api, can, type Me } from '../api';
import { useLive } from '../live';
import { notify } from '../notice';
import type { Status } from '../status';

interface Count {
  id: number;
  location: string;
  zone: string | null;
  skus: string[] | null;
  status: string;
  createdAt: string;
  counted: Array<{ sku: string; qty: number; lines: number }>;
  results: Array<{ sku: string; book: number; counted: number; difference: number; withinTolerance: boolean; posted: boolean; variance: number | null }>;
}
interface Due { sku: string; abcClass: string; lastCountedAt: string | null; dueAt: string; due: boolean }
interface Held { id: number; status: string; plan: unknown[] }
interface StockRow { sku: string; locations: Array<{ location: string; onHand: number }> }

const signed = (n: number) => (n > 0 ? `+${n}` : String(n));

const EPC = /^(?:[0-9a-f]{4}){6,16}$/i;
/** One scanned code as a counted line: an EPC is one unit by itself; a GTIN or a SKU counts one unit. */
export const countLine = (code: string) => (EPC.test(code) ? { epc: code.toLowerCase() } : /^\d{8,14}$/.test(code) ? { gtin: code, qty: 1 } : { sku: code, qty: 1 });

/** A held difference: posted by accepting its count_difference variance, with a reason the user types. */
function PostDifference(props: { variance: number; held: Held | undefined; operator: boolean; posted: () => void }) {
  const [reason, setReason] = useState('');
  const h = props.held;
  if (!h) return <>variance #{props.variance}</>;
  if (h.status !== 'open') return <>variance #{props.variance} {h.status}</>;
  if (!props.operator || h.plan.length === 0) return <>variance #{props.variance} open</>;
  const post = async () => {
    if (!reason.trim()) {
      notify('bad', `Say why the difference of variance ${h.id} is posted: the reason goes to the audit trail.`);
      return;
    }
    const x = await api(`/api/v1/variances/${h.id}/resolve`, { method: 'POST', body: { action: 'accept', reason: reason.trim() } });
    notify(x.ok ? 'ok' : 'bad', x.ok ? `Difference of variance ${h.id} posted.` : `Variance ${h.id} not posted: ${x.message}`);
    props.posted();
  };
  return (
    <form
      class="inline"
      onSubmit={(e) => {
        e.preventDefault();
        void post();
      }}
    >
      <input name="reason" placeholder="why (audit trail)" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
      <button type="submit" data-action="post">
        Post
      </button>
    </form>
  );
}

function Table(props: { id: string; head: string[]; children: ComponentChildren }) {
  return (
    <table id={props.id}>
      <thead>
        <tr>
          {props.head.map((h) => (
            <th key={h}>{h}</th>
          ))}
        </tr>
      </thead>
      <tbody>{props.children}</tbody>
    </table>
  );
}

function Detail(props: { id: string; me: Me }) {
  const [c, setC] = useState<Count | undefined>();
  const [book, setBook] = useState(new Map<string, number>());
  const [held, setHeld] = useState(new Map<number, Held>());
  const [code, setCode] = useState('');
  const path = `/api/v1/counts/${encodeURIComponent(props.id)}`;
  const show = async (next: Count) => {
    setC(next);
    if (next.status === 'open') {
      const at = await api<{ stock: StockRow[] }>(`/api/v1/stock?location=${encodeURIComponent(next.location)}&limit=1000`);
      if (at.ok) setBook(new Map(at.body.stock.map((s) => [s.sku, s.locations.find((l) => l.location === next.location)?.onHand ?? 0])));
    } else {
      const ids = next.results.flatMap((r) => (r.variance === null ? [] : [r.variance]));
      const vs = await Promise.all(ids.map((v) => api<Held>(`/api/v1/variances/${v}`)));
      setHeld(new Map(vs.flatMap((v) => (v.ok ? [[v.body.id, v.body] as const] : []))));
    }
  };
  const load = () => void api<Count>(path).then((x) => (x.ok ? void show(x.body) : notify('bad', `Count ${props.id}: ${x.message}`)));
  useLive(load, [props.id]);
  const scan = async (raw: string) => {
    const v = raw.trim();
    setCode('');
    if (!v) return;
    const x = await api<{ added: number; count: Count }>(`${path}/lines`, { method: 'POST', body: { lines: [countLine(v)] } });
    if (!x.ok) notify('bad', `${v} not counted: ${x.message}`);
    else {
      notify('ok', x.body.added ? `Counted ${v}.` : `${v} was already counted.`);
      void show(x.body.count);
    }
  };
  const close = async () => {
    const x = await api<{ count: Count; variances: unknown[] }>(`${path}/close`, { method: 'POST' });
    if (!x.ok) notify('bad', `Count ${props.id} not closed: ${x.message}`);
    else {
      const n = x.body.variances.length;
      notify(n ? 'bad' : 'ok', `Count ${props.id} closed.${n ? ` ${n === 1 ? '1 difference' : `${n} differences`} beyond tolerance held as ${n === 1 ? 'a variance: post it' : 'variances: post them'} below.` : ''}`);
      void show(x.body.count);
    }
  };
  if (!c) return <main>…</main>;
  const operator = can(props.me.role, 'operator');
  const counted = new Map(c.counted.map((l) => [l.sku, l.qty]));
  const skus = [...new Set([...counted.keys(), ...book.keys()])].filter((s) => !c.skus || c.skus.includes(s)).sort();
  return (
    <main class="receipt" data-count={c.id}>
      <h2>
        <a href="#/counts">Counts</a> › {c.id}
      </h2>
      <p class="sub">
        Count {c.id} at {c.location}
        {c.skus ? ` of ${c.skus.join(', ')}` : ''}
        {c.zone ? ` (reads at ${c.zone} count)` : ''} · <strong data-role="status">{c.status}</strong>
      </p>
      {operator && c.status === 'open' && (
        <form
          class="bulk"
          onSubmit={(e) => {
            e.preventDefault();
            void scan(code);
          }}
        >
          <input id="count-scan" name="scan" autofocus autocomplete="off" placeholder="scan an EPC, GTIN or SKU" value={code} onInput={(e) => setCode(e.currentTarget.value)} />
          <button type="button" class="secondary" data-action="close" onClick={() => void close()}>
            Close and post
          </button>
        </form>
      )}
      {c.status === 'open' ? (
        <Table id="counted" head={['SKU', 'book now', 'counted', 'difference so far']}>
          {skus.map((sku) => {
            const d = (counted.get(sku) ?? 0) - (book.get(sku) ?? 0);
            return (
              <tr key={sku} data-sku={sku} class={d ? 'differs' : ''}>
                <td>{sku}</td>
                <td data-role="book">{book.get(sku) ?? 0}</td>
                <td data-role="counted">{counted.get(sku) ?? 0}</td>
                <td data-role="difference">{signed(d)}</td>
              </tr>
            );
          })}
        </Table>
      ) : (
        <Table id="results" head={['SKU', 'book', 'counted', 'difference', 'outcome']}>
          {c.results.map((r) => (
            <tr key={r.sku} data-sku={r.sku} class={r.difference ? 'differs' : ''}>
              <td>{r.sku}</td>
              <td>{r.book}</td>
              <td>{r.counted}</td>
              <td>{signed(r.difference)}</td>
              <td data-role="outcome">{r.posted ? 'posted' : r.variance !== null ? <PostDifference variance={r.variance} held={held.get(r.variance)} operator={operator} posted={load} /> : 'no change'}</td>
            </tr>
          ))}
        </Table>
      )}
    </main>
  );
}

export function CountsScreen(props: { me: Me; status: Status | undefined; id: string | undefined }) {
  const [counts, setCounts] = useState<Count[] | undefined>();
  const [due, setDue] = useState<Due[]>([]);
  const [ticked, setTicked] = useState(new Set<string>());
  const [start, setStart] = useState({ location: '', zone: '' });
  useLive(() => {
    void api<{ counts: Count[] }>('/api/v1/counts?limit=1000').then((x) => x.ok && setCounts([...x.body.counts].reverse()));
    void api<{ items: Due[] }>('/api/v1/counts/schedule?limit=50').then((x) => x.ok && setDue(x.body.items));
  }, []);
  if (props.id) return <Detail id={props.id} me={props.me} />;
  const operator = can(props.me.role, 'operator');
  const skus = [...ticked];
  const begin = async () => {
    const x = await api<Count>('/api/v1/counts', { method: 'POST', body: { location: start.location.trim(), ...(start.zone ? { zone: start.zone } : {}), ...(skus.length ? { skus } : {}) } });
    if (!x.ok) notify('bad', `No count started: ${x.message}`);
    else {
      notify('ok', `Count ${x.body.id} started at ${x.body.location}${skus.length ? ` for ${skus.length} SKUs` : ''}.`);
      location.hash = `#/counts/${x.body.id}`;
    }
  };
  const tick = (sku: string, on: boolean) =>
    setTicked((t) => {
      const next = new Set(t);
      if (on) next.add(sku);
      else next.delete(sku);
      return next;
    });
  return (
    <main class="receipts-screen">
      {operator && (
        <form
          class="bulk"
          id="start-count"
          onSubmit={(e) => {
            e.preventDefault();
            void begin();
          }}
        >
          <input name="location" required placeholder="location to count" value={start.location} onInput={(e) => setStart({ ...start, location: e.currentTarget.value })} />
          <select name="zone" aria-label="count by" value={start.zone} onChange={(e) => setStart({ ...start, zone: e.currentTarget.value })}>
            <option value="">by scanning</option>
            {props.status?.doors
              .filter((d) => d.mode === 'count')
              .map((d) => (
                <option value={d.id} key={d.id}>
                  by the reads at {d.id}
                </option>
              ))}
          </select>
          <button type="submit">{skus.length ? `Count ${skus.length} ticked SKUs` : 'Count everything there'}</button>
        </form>
      )}
      <h2>Due by ABC class</h2>
      {operator && due.some((d) => d.due) && (
        <p class="bulk">
          <button type="button" class="secondary" data-action="tick-due" onClick={() => setTicked(new Set(due.filter((d) => d.due).map((d) => d.sku)))}>
            Tick the {due.filter((d) => d.due).length} due now
          </button>
        </p>
      )}
      <table id="schedule">
        <tbody>
          {due.map((d) => (
            <tr key={d.sku} data-sku={d.sku} class={d.due ? 'differs' : ''}>
              {operator && (
                <td>
                  <input type="checkbox" name="sku" aria-label={`count ${d.sku}`} checked={ticked.has(d.sku)} onChange={(e) => tick(d.sku, e.currentTarget.checked)} />
                </td>
              )}
              <td>{d.sku}</td>
              <td>class {d.abcClass}</td>
              <td>{d.lastCountedAt ? `counted ${new Date(d.lastCountedAt).toLocaleDateString()}` : 'never counted'}</td>
              <td>{d.due ? 'due now' : `due ${new Date(d.dueAt).toLocaleDateString()}`}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Counts</h2>
      <table id="counts">
        <tbody>
          {counts?.map((c) => (
            <tr key={c.id} data-count={c.id}>
              <td>
                <a href={`#/counts/${c.id}`}>count {c.id}</a>
              </td>
              <td>{c.location}</td>
              <td>{c.status}</td>
              <td>{c.counted.reduce((n, l) => n + l.qty, 0)} counted</td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
