// hub/dashboard/client — Cycle counts: what is due by ABC class (GET /api/v1/counts/schedule), the counts newest first,
// start one at a location (optionally with a count door's or zone's RFID reads counting for it), count by scanning (an
// EPC, a GTIN or a SKU per unit: a keyboard-wedge scanner types into the field), see what was counted (live: portal
// reads arrive by themselves), close it and see each SKU's book, counted and difference, posted or raised as a
// count_difference variance.
import { useState } from 'preact/hooks';
import { api, can, type Me } from '../api';
import { useLive } from '../live';
import { notify } from '../notice';
import type { Status } from '../status';

interface Count {
  id: number;
  location: string;
  zone: string | null;
  status: string;
  createdAt: string;
  counted: Array<{ sku: string; qty: number; lines: number }>;
  results: Array<{ sku: string; book: number; counted: number; difference: number; withinTolerance: boolean; posted: boolean; variance: number | null }>;
}
interface Due { sku: string; abcClass: string; lastCountedAt: string | null; dueAt: string; due: boolean }

const EPC = /^(?:[0-9a-f]{4}){6,16}$/i;
/** One scanned code as a counted line: an EPC is one unit by itself; a GTIN or a SKU counts one unit. */
export const countLine = (code: string) => (EPC.test(code) ? { epc: code.toLowerCase() } : /^\d{8,14}$/.test(code) ? { gtin: code, qty: 1 } : { sku: code, qty: 1 });

function Detail(props: { id: string; me: Me }) {
  const [c, setC] = useState<Count | undefined>();
  const [code, setCode] = useState('');
  const path = `/api/v1/counts/${encodeURIComponent(props.id)}`;
  const load = () => void api<Count>(path).then((x) => (x.ok ? setC(x.body) : notify('bad', `Count ${props.id}: ${x.message}`)));
  useLive(load, [props.id]);
  const scan = async (raw: string) => {
    const v = raw.trim();
    setCode('');
    if (!v) return;
    const x = await api<{ added: number; count: Count }>(`${path}/lines`, { method: 'POST', body: { lines: [countLine(v)] } });
    if (!x.ok) notify('bad', `${v} not counted: ${x.message}`);
    else {
      notify('ok', x.body.added ? `Counted ${v}.` : `${v} was already counted.`);
      setC(x.body.count);
    }
  };
  const close = async () => {
    const x = await api<{ count: Count; variances: unknown[] }>(`${path}/close`, { method: 'POST' });
    if (!x.ok) notify('bad', `Count ${props.id} not closed: ${x.message}`);
    else {
      notify(x.body.variances.length ? 'bad' : 'ok', `Count ${props.id} closed.${x.body.variances.length ? ` ${x.body.variances.length} differences beyond tolerance raised as variances.` : ''}`);
      setC(x.body.count);
    }
  };
  if (!c) return <main>…</main>;
  const operator = can(props.me.role, 'operator');
  return (
    <main class="receipt" data-count={c.id}>
      <h2>
        <a href="#/counts">Counts</a> › {c.id}
      </h2>
      <p class="sub">
        Count {c.id} at {c.location}
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
            Close count
          </button>
        </form>
      )}
      {c.status === 'open' ? (
        <table id="counted">
          <thead>
            <tr>
              <th>SKU</th>
              <th>counted</th>
            </tr>
          </thead>
          <tbody>
            {c.counted.map((l) => (
              <tr key={l.sku} data-sku={l.sku}>
                <td>{l.sku}</td>
                <td>{l.qty}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <table id="results">
          <thead>
            <tr>
              <th>SKU</th>
              <th>book</th>
              <th>counted</th>
              <th>difference</th>
              <th>outcome</th>
            </tr>
          </thead>
          <tbody>
            {c.results.map((r) => (
              <tr key={r.sku} data-sku={r.sku} class={r.difference ? 'differs' : ''}>
                <td>{r.sku}</td>
                <td>{r.book}</td>
                <td>{r.counted}</td>
                <td>{r.difference > 0 ? `+${r.difference}` : r.difference}</td>
                <td>{r.posted ? 'posted' : r.variance !== null ? `variance #${r.variance}` : 'no change'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}

export function CountsScreen(props: { me: Me; status: Status | undefined; id: string | undefined }) {
  const [counts, setCounts] = useState<Count[] | undefined>();
  const [due, setDue] = useState<Due[]>([]);
  const [start, setStart] = useState({ location: '', zone: '' });
  useLive(() => {
    void api<{ counts: Count[] }>('/api/v1/counts?limit=1000').then((x) => x.ok && setCounts([...x.body.counts].reverse()));
    void api<{ items: Due[] }>('/api/v1/counts/schedule?limit=50').then((x) => x.ok && setDue(x.body.items));
  }, []);
  if (props.id) return <Detail id={props.id} me={props.me} />;
  const begin = async () => {
    const x = await api<Count>('/api/v1/counts', { method: 'POST', body: { location: start.location.trim(), ...(start.zone ? { zone: start.zone } : {}) } });
    if (!x.ok) notify('bad', `No count started: ${x.message}`);
    else {
      notify('ok', `Count ${x.body.id} started at ${x.body.location}.`);
      location.hash = `#/counts/${x.body.id}`;
    }
  };
  return (
    <main class="receipts-screen">
      {can(props.me.role, 'operator') && (
        <form
          class="bulk"
          id="start-count"
          onSubmit={(e) => {
            e.preventDefault();
            void begin();
          }}
        >
          <input name="location" required placeholder="location to count" value={start.location} onInput={(e) => setStart({ ...start, location: e.currentTarget.value })} />
          <select name="zone" aria-label="count by the reads of" value={start.zone} onChange={(e) => setStart({ ...start, zone: e.currentTarget.value })}>
            <option value="">by scanning</option>
            {props.status?.doors.map((d) => (
              <option value={d.id} key={d.id}>
                reads at {d.id}
              </option>
            ))}
          </select>
          <button type="submit">Start count</button>
        </form>
      )}
      <h2>Due by ABC class</h2>
      <table id="schedule">
        <tbody>
          {due.map((d) => (
            <tr key={d.sku} data-sku={d.sku} class={d.due ? 'differs' : ''}>
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
