// hub/dashboard/client — Variances and exceptions: the open ones newest first, filtered by door, type and age; each
// resolved with a reason the user types (nothing is pre-filled); Accept is offered only where accepting posts moves
// (the variance's plan), Dismiss everywhere; many at once with one reason (POST /api/v1/variances/resolve). Door
// exceptions that became no variance (GET /api/v1/exceptions/open?excludeVariances=true) follow, each resolved with a
// typed note. Every action ends in a message saying what happened or what the hub refused. Viewers see the list without actions.
import { useEffect, useState } from 'preact/hooks';
import { age, api, can, type Me } from '../api';
import { onApplied } from '../live';
import { notify } from '../notice';
import type { Status } from '../status';

interface MoveSpec { sku: string; qty: number; from: string; to: string }
interface Variance {
  id: number;
  type: string;
  status: string;
  door: string | null;
  reference: string | null;
  sku: string | null;
  epc: string | null;
  expected: number | null;
  actual: number | null;
  message: string;
  occurrences: number;
  plan: MoveSpec[];
  createdAt: string;
}
/** A door exception that did not become a variance (unknown_unit, unexpected_location, door_off …): resolved with a note. */
interface DoorException { id: number; door: string; type: string; sku: string | null; epc: string | null; message: string; createdAt: string }
interface BulkResult { results: Array<{ id: number; ok: boolean; message?: string }>; resolved: number; failed: number }

export const VARIANCE_TYPES = ['short', 'over', 'unexpected_item', 'unknown_tag', 'unknown_direction', 'wrong_door', 'unexpected_outbound', 'missing_outbound', 'count_difference'];
const AGES: Array<[string, string, number]> = [
  ['', 'any age', 0],
  ['1h', 'last hour', 3_600_000],
  ['24h', 'last 24 h', 86_400_000],
  ['7d', 'last 7 days', 7 * 86_400_000],
];

const label = (t: string) => t.replace(/_/g, ' ');
const planText = (plan: MoveSpec[]) => plan.map((m) => `${m.qty} × ${m.sku} ${m.from} → ${m.to}`).join(', ');
const PAST: Record<string, string> = { accept: 'accepted', dismiss: 'dismissed' };

export function VariancesScreen(props: { me: Me; status: Status | undefined }) {
  const mayResolve = can(props.me.role, 'operator');
  const [filter, setFilter] = useState({ door: '', type: '', age: '' });
  const [rows, setRows] = useState<Variance[] | undefined>();
  const [exceptions, setExceptions] = useState<DoorException[]>([]);
  const [selected, setSelected] = useState(new Set<number>());
  const [bulkReason, setBulkReason] = useState('');
  const [reasons, setReasons] = useState(new Map<string, string>());
  const [busy, setBusy] = useState(false);

  const load = async () => {
    const q = new URLSearchParams({ status: 'open', order: 'newest', limit: '500' });
    if (filter.door) q.set('door', filter.door);
    if (filter.type) q.set('type', filter.type);
    const ms = AGES.find((a) => a[0] === filter.age)?.[2] ?? 0;
    if (ms) q.set('since', new Date(Date.now() - ms).toISOString());
    const xq = new URLSearchParams({ excludeVariances: 'true', limit: '200' });
    if (filter.door) xq.set('door', filter.door);
    const [r, x] = await Promise.all([api<{ variances: Variance[] }>(`/api/v1/variances?${q}`), api<{ exceptions: DoorException[] }>(`/api/v1/exceptions/open?${xq}`)]);
    if (x.ok) setExceptions(x.body.exceptions.filter((e) => (!filter.type || e.type === filter.type) && (!ms || Date.parse(e.createdAt) >= Date.now() - ms)));
    else notify('bad', `door exceptions could not be loaded: ${x.message}`);
    if (!r.ok) {
      notify('bad', `variances could not be loaded: ${r.message}`);
      return;
    }
    setRows(r.body.variances);
    setSelected((s) => new Set([...s].filter((id) => r.body.variances.some((v) => v.id === id))));
  };
  useEffect(() => void load(), [filter.door, filter.type, filter.age]);
  useEffect(() => {
    let timer: number | undefined;
    const off = onApplied(() => {
      timer ??= window.setTimeout(() => {
        timer = undefined;
        void load();
      }, 700);
    });
    return () => {
      off();
      window.clearTimeout(timer);
    };
  }, [filter.door, filter.type, filter.age]);

  const resolveOne = async (v: Variance, action: 'accept' | 'dismiss') => {
    const reason = (reasons.get(`variance:${v.id}`) ?? '').trim();
    if (!reason) {
      notify('bad', `Say why variance ${v.id} is ${PAST[action]}: the reason goes to the audit trail.`);
      (document.querySelector(`[data-key="variance:${v.id}"] input[name="reason"]`) as HTMLInputElement | null)?.focus();
      return;
    }
    setBusy(true);
    const r = await api(`/api/v1/variances/${v.id}/resolve`, { method: 'POST', body: { action, reason } });
    setBusy(false);
    if (r.ok) notify('ok', `Variance ${v.id} (${label(v.type)}) ${PAST[action]}.`);
    else notify('bad', `Variance ${v.id} not ${PAST[action]}: ${r.message}`);
    await load();
  };

  const resolveException = async (x: DoorException) => {
    const note = (reasons.get(`exception:${x.id}`) ?? '').trim();
    if (!note) {
      notify('bad', `Say why exception ${x.id} is resolved: the note goes to the audit trail.`);
      (document.querySelector(`[data-key="exception:${x.id}"] input[name="reason"]`) as HTMLInputElement | null)?.focus();
      return;
    }
    setBusy(true);
    const r = await api(`/api/v1/exceptions/${x.id}/resolve`, { method: 'POST', body: { note } });
    setBusy(false);
    if (r.ok) notify('ok', `Exception ${x.id} (${label(x.type)}) resolved.`);
    else notify('bad', `Exception ${x.id} not resolved: ${r.message}`);
    await load();
  };

  const resolveSelected = async (action: 'accept' | 'dismiss') => {
    const reason = bulkReason.trim();
    if (!reason) {
      notify('bad', `Say why the ${selected.size} selected variances are ${PAST[action]}: the reason goes to the audit trail.`);
      (document.getElementById('bulk-reason') as HTMLInputElement | null)?.focus();
      return;
    }
    setBusy(true);
    const r = await api<BulkResult>('/api/v1/variances/resolve', { method: 'POST', body: { ids: [...selected], action, reason } });
    setBusy(false);
    if (!r.ok) notify('bad', `Nothing ${PAST[action]}: ${r.message}`);
    else {
      const failures = r.body.results.filter((x) => !x.ok);
      const text = `${r.body.resolved} ${PAST[action]}.` + (failures.length ? ` ${failures.length} not: ${failures.map((f) => f.message).join('; ')}` : '');
      notify(failures.length ? 'bad' : 'ok', text);
      setBulkReason('');
      setSelected(new Set());
    }
    await load();
  };

  /** The reason field of one row: empty until the user types (nothing is pre-filled). */
  const reasonInput = (key: string) => (
    <input name="reason" placeholder="why (for the audit trail)" value={reasons.get(key) ?? ''} onInput={(e) => {
      const value = e.currentTarget.value;
      setReasons((m) => new Map(m).set(key, value));
    }} />
  );

  const shown = rows ?? [];
  const chosen = shown.filter((v) => selected.has(v.id));
  const allAcceptable = chosen.length > 0 && chosen.every((v) => v.plan.length > 0);
  const toggle = (id: number, on: boolean) =>
    setSelected((s) => {
      const n = new Set(s);
      if (on) n.add(id);
      else n.delete(id);
      return n;
    });

  return (
    <main class="variances-screen">
      <h2>Open variances and exceptions</h2>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          door
          <select name="door" value={filter.door} onChange={(e) => setFilter({ ...filter, door: e.currentTarget.value })}>
            <option value="">all doors</option>
            {props.status?.doors.map((d) => (
              <option value={d.id} key={d.id}>
                {d.id}
              </option>
            ))}
          </select>
        </label>
        <label>
          type
          <select name="type" value={filter.type} onChange={(e) => setFilter({ ...filter, type: e.currentTarget.value })}>
            <option value="">all types</option>
            {VARIANCE_TYPES.map((t) => (
              <option value={t} key={t}>
                {label(t)}
              </option>
            ))}
          </select>
        </label>
        <label>
          raised
          <select name="age" value={filter.age} onChange={(e) => setFilter({ ...filter, age: e.currentTarget.value })}>
            {AGES.map(([v, text]) => (
              <option value={v} key={v}>
                {text}
              </option>
            ))}
          </select>
        </label>
        <span class="sub" id="variance-count">
          {rows ? `${shown.length + exceptions.length} open` : 'loading…'}
        </span>
      </form>
      {mayResolve && shown.length > 0 && (
        <form class="bulk" onSubmit={(e) => e.preventDefault()}>
          <label class="check">
            <input type="checkbox" name="all" checked={chosen.length === shown.length} onChange={(e) => setSelected(e.currentTarget.checked ? new Set(shown.map((v) => v.id)) : new Set())} />
            select all shown
          </label>
          <input id="bulk-reason" name="bulk-reason" placeholder="why (for the audit trail)" value={bulkReason} onInput={(e) => setBulkReason(e.currentTarget.value)} disabled={chosen.length === 0} />
          {allAcceptable && (
            <button type="button" data-bulk="accept" disabled={busy} onClick={() => void resolveSelected('accept')}>
              Accept {chosen.length}
            </button>
          )}
          <button type="button" class="secondary" data-bulk="dismiss" disabled={busy || chosen.length === 0} onClick={() => void resolveSelected('dismiss')}>
            Dismiss {chosen.length}
          </button>
        </form>
      )}
      <div id="variances" class="list">
        {shown.map((v) => (
          <div class="row variance" data-key={`variance:${v.id}`} data-type={v.type} key={v.id}>
            <div class="title">
              {mayResolve && (
                <label class="check">
                  <input type="checkbox" name="select" aria-label={`select variance ${v.id}`} checked={selected.has(v.id)} onChange={(e) => toggle(v.id, e.currentTarget.checked)} />
                </label>
              )}
              <span class="type">{label(v.type)}</span>
              <span class="sub">
                #{v.id} · {v.door ?? 'no door'} · {age(v.createdAt)} ago
                {v.occurrences > 1 ? ` · ×${v.occurrences}` : ''}
              </span>
            </div>
            <div class="sub">
              {[v.reference, v.sku ?? v.epc, v.expected !== null ? `expected ${v.expected}, got ${v.actual ?? 0}` : '', v.message].filter(Boolean).join(' · ')}
            </div>
            {v.plan.length > 0 && <div class="sub plan">Accept posts: {planText(v.plan)}</div>}
            {mayResolve && (
              <form onSubmit={(e) => e.preventDefault()}>
                {reasonInput(`variance:${v.id}`)}
                {v.plan.length > 0 && (
                  <button type="button" data-action="accept" disabled={busy} onClick={() => void resolveOne(v, 'accept')}>
                    Accept
                  </button>
                )}
                <button type="button" class="secondary" data-action="dismiss" disabled={busy} onClick={() => void resolveOne(v, 'dismiss')}>
                  Dismiss
                </button>
              </form>
            )}
          </div>
        ))}
        {exceptions.map((x) => (
          <div class="row variance" data-key={`exception:${x.id}`} data-type={x.type} key={`x${x.id}`}>
            <div class="title">
              <span class="type">{label(x.type)}</span>
              <span class="sub">
                exception #{x.id} · {x.door} · {age(x.createdAt)} ago
              </span>
            </div>
            <div class="sub">{[x.sku ?? x.epc, x.message].filter(Boolean).join(' · ')}</div>
            {mayResolve && (
              <form onSubmit={(e) => e.preventDefault()}>
                {reasonInput(`exception:${x.id}`)}
                <button type="button" data-action="resolve" disabled={busy} onClick={() => void resolveException(x)}>
                  Resolve
                </button>
              </form>
            )}
          </div>
        ))}
        {rows && shown.length + exceptions.length === 0 && <div class="empty">nothing open</div>}
      </div>
    </main>
  );
}
