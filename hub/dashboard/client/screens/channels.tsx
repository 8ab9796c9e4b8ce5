// hub/dashboard/client — Channels: each sales channel's sync health (ok / warn / alert and why), its last push that the
// channel confirmed and its last failure, what is queued or not yet confirmed, drift (what it confirmed vs what it
// should show) and, in shadow mode, what it shows vs what it would be sent; a channel's SKUs one by one. Admins switch a
// channel between shadow and live (POST /api/v1/channels/:id/mode, confirmed by a second tap), push everything again
// and check drift by reading the channel back (POST …/resync[?verify=true]); other roles are not offered these.
import { useEffect, useState } from 'preact/hooks';
import type { ChannelHealth } from '../../../../protocols/channels/health.js';
import { age, api, can, type Me } from '../api';
import { count, many, units } from '../format';
import { useLive } from '../live';
import { notify } from '../notice';

type Health = ChannelHealth;
interface Channel { id: string; name: string; connector: string; mode: 'live' | 'shadow'; health: Health }
interface SkuRow { sku: string; should_show: number | null; last_pushed: number | null; pushed_at: number | null; last_confirmed: number | null; channel_shows: number | null; result: string | null; error: string | null }

const OTHER = { live: 'shadow', shadow: 'live' } as const;
const q = (n: number | null) => (n === null ? '–' : count(n));

function Card(props: { c: Channel; admin: boolean; reload: () => void }) {
  const { c, admin } = props;
  const h = c.health;
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const act = async (path: string, body: unknown, ok: (b: Record<string, unknown>) => string, failed: string) => {
    setBusy(true);
    const r = await api<Record<string, unknown>>(path, { method: 'POST', ...(body === undefined ? {} : { body }) });
    setBusy(false);
    setConfirming(false);
    notify(r.ok ? 'ok' : 'bad', r.ok ? ok(r.body) : `${failed}: ${r.message}`);
    props.reload();
  };
  const to = OTHER[c.mode];
  return (
    <div class={`row channel ${h.status}`} data-channel={c.id}>
      <div class="title">
        <a href={`#/channels/${encodeURIComponent(c.id)}`}>{c.name}</a>
        <span class="mode" data-role="mode">{c.mode}</span>
        <span class={`status ${h.status}`} data-role="status">{h.status}</span>
        <span class="sub">{c.connector}</span>
      </div>
      <div class="counts">
        <span data-role="last-push">
          {c.mode === 'shadow'
            ? `shadow: pushes nothing${h.lastSuccessAt ? `, read the channel ${age(h.lastSuccessAt)} ago` : ''}`
            : h.lastSuccessAt
              ? `last push confirmed ${age(h.lastSuccessAt)} ago`
              : 'no push confirmed yet'}
        </span>
        {h.lastFailureAt && (
          <span class="bad" data-role="last-failure">
            last failure {age(h.lastFailureAt)} ago{h.consecutiveFailures ? ` (${h.consecutiveFailures} in a row)` : ''}: {h.lastError}
          </span>
        )}
        <span data-role="queued">{h.queued} queued</span>
        {c.mode === 'live' && <span data-role="unsynced">{many(h.unsynced, 'SKU')} not confirmed{h.oldestUnsyncedAt ? ` (oldest ${age(h.oldestUnsyncedAt)})` : ''}</span>}
        {c.mode === 'live' && (
          <span class={h.drift.units ? 'warn' : ''} data-role="drift">
            drift {units(h.drift.units)} over {many(h.drift.skus, 'SKU')}
          </span>
        )}
        {h.shadow && (
          <span class={h.shadow.mismatchedUnits ? 'warn' : ''} data-role="shadow">
            channel shows {units(h.shadow.mismatchedUnits)} off over {many(h.shadow.mismatchedSkus, 'SKU')}
          </span>
        )}
      </div>
      {h.alerts.length > 0 && (
        <ul class="alerts">
          {h.alerts.map((a) => (
            <li class={a.level === 'error' ? 'exception' : 'warn'} data-alert={a.code} key={a.code}>
              {a.message}
            </li>
          ))}
        </ul>
      )}
      {admin && (
        <form class="actions" onSubmit={(e) => e.preventDefault()}>
          {confirming ? (
            <>
              <button type="button" data-action="confirm-mode" disabled={busy} onClick={() => void act(`/api/v1/channels/${encodeURIComponent(c.id)}/mode`, { mode: to }, () => `${c.name} is ${to} now.`, `${c.name} not switched to ${to}`)}>
                {to === 'live' ? 'Yes: push to the channel' : 'Yes: stop pushing, only read'}
              </button>
              <button type="button" class="secondary" data-action="cancel-mode" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </>
          ) : (
            <button type="button" class="secondary" data-action="mode" onClick={() => setConfirming(true)}>
              Switch to {to}
            </button>
          )}
          <button type="button" class="secondary" data-action="resync" disabled={busy} onClick={() => void act(`/api/v1/channels/${encodeURIComponent(c.id)}/resync`, undefined, (b) => `${c.name}: ${many(Number(b.queued), 'SKU')} queued to push again.`, `${c.name} not resynced`)}>
            Push all again
          </button>
          <button type="button" class="secondary" data-action="verify" disabled={busy} onClick={() => void act(`/api/v1/channels/${encodeURIComponent(c.id)}/resync?verify=true`, undefined, (b) => `${c.name}: read back, ${many(Number(b.drifted), 'SKU')} drifted.`, `${c.name} not checked`)}>
            Check drift
          </button>
        </form>
      )}
    </div>
  );
}

function Skus(props: { id: string }) {
  const [rows, setRows] = useState<SkuRow[] | undefined>();
  const load = () => void api<{ skus: SkuRow[] }>(`/api/v1/channels/${encodeURIComponent(props.id)}?skus=true`).then((r) => (r.ok ? setRows(r.body.skus) : notify('bad', `channel ${props.id} could not be loaded: ${r.message}`)));
  useLive(load, [props.id]);
  return (
    <section class="history">
      <h2>
        <a href="#/channels">Channels</a> › {props.id}: SKUs
      </h2>
      <table id="channel-skus">
        <thead>
          <tr><th>SKU</th><th>should show</th><th>last pushed</th><th>confirmed</th><th>channel shows</th><th>drift</th><th>state</th></tr>
        </thead>
        <tbody>
          {rows?.map((r) => {
            const drift = r.last_confirmed === null || r.should_show === null ? null : r.last_confirmed - r.should_show;
            const off = drift !== 0 || (r.channel_shows !== null && r.channel_shows !== r.should_show);
            return (
              <tr data-sku={r.sku} class={off ? 'differs' : ''} key={r.sku}>
                <td>{r.sku}</td><td data-role="should">{q(r.should_show)}</td><td>{q(r.last_pushed)}</td><td data-role="confirmed">{q(r.last_confirmed)}</td><td data-role="shows">{q(r.channel_shows)}</td>
                <td data-role="drift">{drift === null ? '–' : drift > 0 ? `+${drift}` : String(drift)}</td><td>{r.result ?? ''}{r.error ? `: ${r.error}` : ''}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {rows && rows.length === 0 && <div class="empty">no SKU mapped yet</div>}
    </section>
  );
}

export function ChannelsScreen(props: { me: Me; id: string | undefined }) {
  const [list, setList] = useState<Channel[] | undefined>();
  const load = () => void api<{ channels: Channel[] }>('/api/v1/channels').then((r) => (r.ok ? setList(r.body.channels) : notify('bad', `channels could not be loaded: ${r.message}`)));
  useLive(load, []);
  useEffect(() => {
    const timer = window.setInterval(load, 5000); // pushes and reads change health without a ledger event
    return () => window.clearInterval(timer);
  }, []);
  const admin = can(props.me.role, 'admin');
  const shown = props.id ? list?.filter((c) => c.id === props.id) : list;
  return (
    <main class="variances-screen">
      <h2>Channels</h2>
      <p class="sub" id="channel-count">
        {list ? `${many(list.length, 'channel')}, ${list.filter((c) => c.health.status !== 'ok').length} needing attention` : 'loading…'}
      </p>
      <div id="channels" class="list">
        {shown?.map((c) => <Card c={c} admin={admin} reload={load} key={c.id} />)}
        {list && list.length === 0 && <div class="empty">no channel configured (hub.yaml channels, or PUT /api/v1/channels/…)</div>}
      </div>
      {props.id && <Skus id={props.id} />}
    </main>
  );
}
