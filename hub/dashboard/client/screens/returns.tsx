// hub/dashboard/client — Returns inspection: the units waiting, oldest first, how long each has waited (overdue past
// returns.maxWaitHours); per unit (an EPC, or a SKU's quantity) restock it to stock or write it off, with a typed note
// for the audit trail (POST /api/v1/returns/inspections, with an idempotency key so a double tap does it once).
import { useState } from 'preact/hooks';
import { api, can, idempotencyKey, type Me } from '../api';
import { useLive } from '../live';
import { notify } from '../notice';

interface Waiting { location: string; sku: string; epc: string | null; qty: number; since: string; ageHours: number; overdue: boolean }
const DONE = { restock: 'restocked', scrap: 'written off' } as const;

export function ReturnsScreen(props: { me: Me }) {
  const [w, setW] = useState<{ maxWaitHours: number; overdue: number; units: Waiting[] } | undefined>();
  const [notes, setNotes] = useState(new Map<string, string>());
  const [busy, setBusy] = useState(false);
  const load = () => void api<NonNullable<typeof w>>('/api/v1/returns/waiting').then((x) => (x.ok ? setW(x.body) : notify('bad', `returns could not be loaded: ${x.message}`)));
  useLive(load, []);
  const keyOf = (u: Waiting) => `${u.location}:${u.epc ?? u.sku}`;
  const inspect = async (u: Waiting, disposition: 'restock' | 'scrap') => {
    const what = u.epc ?? `${u.qty} × ${u.sku}`;
    const note = (notes.get(keyOf(u)) ?? '').trim();
    if (!note) {
      notify('bad', `Say why ${what} is ${DONE[disposition]}: the note goes to the audit trail.`);
      return;
    }
    setBusy(true);
    const x = await api('/api/v1/returns/inspections', { method: 'POST', headers: { 'idempotency-key': idempotencyKey() }, body: { ...(u.epc ? { epc: u.epc } : { sku: u.sku, qty: u.qty }), from: u.location, disposition, note } });
    setBusy(false);
    notify(x.ok ? 'ok' : 'bad', x.ok ? `${what} ${DONE[disposition]}.` : `${what} not ${DONE[disposition]}: ${x.message}`);
    load();
  };
  const operator = can(props.me.role, 'operator');
  return (
    <main class="variances-screen">
      <h2>Returns waiting for inspection</h2>
      <p class="sub" id="returns-count">
        {w ? `${w.units.reduce((n, u) => n + u.qty, 0)} units waiting, ${w.overdue} longer than ${w.maxWaitHours} h` : 'loading…'}
      </p>
      <div id="returns" class="list">
        {w?.units.map((u) => (
          <div class={`row ${u.overdue ? 'down' : 'warn'}`} data-unit={u.epc ?? u.sku} key={keyOf(u)}>
            <div class="title">
              <span>{u.epc ? `${u.sku} · ${u.epc}` : `${u.qty} × ${u.sku}`}</span>
              <span class="sub" data-role="age">
                {u.location} · waiting {u.ageHours < 1 ? 'under 1 h' : `${Math.floor(u.ageHours)} h`}
                {u.overdue ? ' · overdue' : ''}
              </span>
            </div>
            {operator && (
              <form onSubmit={(e) => e.preventDefault()}>
                <input
                  name="note"
                  placeholder="what was found (for the audit trail)"
                  value={notes.get(keyOf(u)) ?? ''}
                  onInput={(e) => {
                    const value = e.currentTarget.value;
                    setNotes((m) => new Map(m).set(keyOf(u), value));
                  }}
                />
                <button type="button" data-action="restock" disabled={busy} onClick={() => void inspect(u, 'restock')}>
                  Restock
                </button>
                <button type="button" class="secondary" data-action="scrap" disabled={busy} onClick={() => void inspect(u, 'scrap')}>
                  Write off
                </button>
              </form>
            )}
          </div>
        ))}
        {w && w.units.length === 0 && <div class="empty">nothing waiting</div>}
      </div>
    </main>
  );
}
