// fleet/client — the central page: every site's freshness (stale ones first, by how much), each site's doors with the
// documents open at them and the variances (the verdicts someone must act on) open there, transfers between sites and
// their variances. Reads GET /api/v1/central every few seconds; asks for a token when the fleet wants one.
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { CentralView, DoorView, SiteFreshness } from '../view';
import { getToken, readCentral, setToken } from './api';
import { behind, count, STATUS_WORDS, TYPE_WORDS } from './format';

const REFRESH_MS = 5000;

type State = { kind: 'loading' } | { kind: 'signin'; error: string | null } | { kind: 'view'; view: CentralView; error: string | null };

export function App() {
  const [state, setState] = useState<State>({ kind: 'loading' });
  const load = useCallback(async () => {
    const r = await readCentral();
    if (r.ok) return setState({ kind: 'view', view: r.view, error: null });
    if (r.status === 401) return setState({ kind: 'signin', error: getToken() ? 'That token is not valid.' : null });
    // Keep showing the last view, and say why it is not refreshing.
    setState((s) => (s.kind === 'view' ? { ...s, error: r.message } : { kind: 'signin', error: r.message }));
  }, []);
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);

  if (state.kind === 'loading') return <p class="empty">Loading the central view…</p>;
  if (state.kind === 'signin') {
    return (
      <form id="signin" class="signin" onSubmit={(e) => {
        e.preventDefault();
        setToken(((e.currentTarget as HTMLFormElement).elements.namedItem('token') as HTMLInputElement).value.trim() || null);
        void load();
      }}>
        <h1>dockgate fleet</h1>
        <label for="token">Sign in with your API token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required />
        {state.error && <p role="alert" class="notice bad">{state.error}</p>}
        <button type="submit">Sign in</button>
      </form>
    );
  }
  const v = state.view;
  return (
    <>
      <header>
        <h1>dockgate fleet</h1>
        <span id="summary" class={v.kpis.staleSites ? 'bad' : 'ok'}>{v.kpis.staleSites ? `${v.kpis.staleSites} of ${v.sites.length} sites stale` : `all ${v.sites.length} sites fresh`}</span>
        <span id="updated" class="sub">as of {new Date(v.generatedAt).toLocaleTimeString()}</span>
        {getToken() && <button class="link" onClick={() => { setToken(null); void load(); }}>Sign out</button>}
      </header>
      {state.error && <p role="alert" class="notice bad">Not refreshing: {state.error}</p>}
      <main>
        <ul id="kpis" class="kpis">
          <li><b>{count(v.kpis.unitsOnHand)}</b> units on hand</li>
          <li><b>{count(v.kpis.unitsInTransit)}</b> in transit</li>
          <li><b>{count(v.kpis.skus)}</b> SKUs</li>
          <li><b>{count(v.kpis.openVariances)}</b> open variances</li>
          <li><b>{count(v.kpis.openReceipts)}</b> receipts and <b>{count(v.kpis.openShipments)}</b> shipments open</li>
          <li><b>{count(v.kpis.changesLast24h)}</b> changes in 24 h</li>
        </ul>
        <h2>Sites</h2>
        <ul id="sites" class="cards">
          {[...v.sites].sort((a, b) => Number(b.stale) - Number(a.stale) || (b.behindS ?? Infinity) - (a.behindS ?? Infinity) || a.site.localeCompare(b.site)).map((s) => <Site s={s} staleAfterS={v.staleAfterS} key={s.site} />)}
        </ul>
        <h2>Doors</h2>
        <Doors doors={v.doors} />
        <h2>Transfers</h2>
        <Transfers v={v} />
      </main>
    </>
  );
}

function Site({ s, staleAfterS }: { s: SiteFreshness; staleAfterS: number }) {
  const why = s.problem ?? (s.gap ? `gap in the feed: needs seq ${s.gap.expected}, got ${s.gap.got}` : s.consumerError);
  return (
    <li class={`card site ${s.stale ? 'stale' : 'fresh'}`} data-site={s.site}>
      <div class="top"><span class="name">{s.site}</span><span class="state">{s.stale ? 'STALE' : 'fresh'}</span></div>
      <div class="behind">behind: {behind(s.behindS)}{s.behindS !== null && s.behindS > staleAfterS ? ` (stale after ${behind(staleAfterS)})` : ''}</div>
      <div class="sub">applied through #{count(s.appliedThrough)} · {s.pending === null ? 'pending unknown' : `${count(s.pending)} pending`}</div>
      {why && <div class="problem">{why}</div>}
    </li>
  );
}

function Doors({ doors }: { doors: DoorView[] }) {
  if (!doors.length) return <p id="doors" class="empty">No door has an open document or variance.</p>;
  const sites = [...new Set(doors.map((d) => d.site))];
  return (
    <div id="doors">
      {sites.map((site) => (
        <section class="site-doors" data-site={site} key={site}>
          <h3>{site}</h3>
          <ul class="cards">
            {doors.filter((d) => d.site === site).map((d) => (
              <li class={`card door ${d.variances.length ? 'alert' : ''}`} data-door={d.door} key={d.door}>
                <div class="top"><span class="name">{d.door}</span>{d.variances.length > 0 && <span class="badge">{d.variances.length}</span>}</div>
                <div class="sub">{d.documents.length ? d.documents.join(', ') : 'no open document'}</div>
                <ul class="verdicts">
                  {d.variances.map((x) => <li key={x.variance}><span class="type">{x.type}</span>{x.sku ? ` ${x.sku}` : ''}: {x.message}</li>)}
                </ul>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}

function Transfers({ v }: { v: CentralView }) {
  return (
    <>
      {v.transfers.length === 0 ? <p id="transfers" class="empty">No transfer between sites.</p> : (
        <div class="scroll">
          <table id="transfers">
            <thead><tr><th>reference</th><th>from → to</th><th>status</th><th>lines</th></tr></thead>
            <tbody>
              {v.transfers.map((t) => (
                <tr class={t.status} key={t.reference}>
                  <td class="mono">{t.reference}</td>
                  <td>{t.from ?? '?'} → {t.to ?? '?'}</td>
                  <td>{STATUS_WORDS[t.status] ?? t.status}</td>
                  <td>{t.lines.map((l) => `${l.sku}: ${l.shipped} shipped, ${l.received} received${Object.keys(l.elsewhere).length ? `, ${Object.entries(l.elsewhere).map(([s, q]) => `${q} at ${s}`).join(', ')}` : ''}`).join('; ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ul id="transfer-variances" class="list">
        {v.transferVariances.map((x) => <li class="row alert" key={`${x.type}:${x.reference}:${x.sku}:${x.site}`}><b>{TYPE_WORDS[x.type] ?? x.type}</b> {x.reference} {x.sku} × {x.qty}: {x.message}</li>)}
      </ul>
    </>
  );
}
