// hub/dashboard/client — Doors live: a tile per door with today's numbers (passes, exceptions, passes of unknown
// direction, passes interrupted by a reader outage), the receipt or shipment open at it with its progress, open
// variances and the newest passes, updated from the live stream; gateways, readers and the broker's refusals (why a
// gateway is kept out, in words) beside; a door's history at #/doors/<id>.
import { useEffect, useState } from 'preact/hooks';
import { api, time } from '../api';
import { onApplied, type Applied } from '../live';
import type { DoorStatus, Status } from '../status';

interface Activity extends Applied { seq?: number; qty?: number; message?: string | null }

const SHOWN = 8;
const LOADED = 200;

const isPass = (a: Applied) => a.kind === 'pass' || a.kind === 'scan';
const isException = (a: Applied) => a.outcome.startsWith('exception');
const isToday = (iso: string) => new Date(iso).toDateString() === new Date().toDateString();

function passLine(a: Applied): string {
  const dir = a.direction === 'in' ? '→' : a.direction === 'out' ? '←' : '·';
  return `${time(a.occurredAt)} ${dir} ${a.sku ?? a.epc ?? a.gtin ?? ''} ${a.outcome === 'moved' ? '' : a.outcome}`.trim();
}

function useDoorActivity(doors: DoorStatus[] | undefined): Map<string, Activity[]> {
  const [byDoor, setByDoor] = useState(new Map<string, Activity[]>());
  const ids = (doors ?? []).map((d) => d.id).join(',');
  useEffect(() => {
    if (!ids) return;
    let stop = false;
    void Promise.all(
      ids.split(',').map(async (id) => {
        const r = await api<{ activity: Activity[] }>(`/api/v1/doors/${encodeURIComponent(id)}/activity?limit=${LOADED}`);
        return [id, r.ok ? r.body.activity.filter(isPass) : []] as const;
      }),
    ).then((rows) => {
      if (!stop) setByDoor(new Map(rows));
    });
    const off = onApplied((a) => {
      if (!isPass(a) || !a.door) return;
      setByDoor((m) => new Map(m).set(a.door!, [a, ...(m.get(a.door!) ?? [])].slice(0, LOADED)));
    });
    return () => {
      stop = true;
      off();
    };
  }, [ids]);
  return byDoor;
}

function Tile(props: { door: DoorStatus; activity: Activity[] }) {
  const d = props.door;
  const today = props.activity.filter((a) => isToday(a.occurredAt));
  const exceptions = today.filter(isException).length;
  const unknown = today.filter((a) => a.kind === 'pass' && a.direction === 'unknown').length;
  // A pass a reader outage cut short names a direction, but the hub moved nothing: an unknown_direction exception.
  const interrupted = today.filter((a) => a.kind === 'pass' && a.direction !== 'unknown' && a.outcome === 'exception:unknown_direction').length;
  const pct = d.work && d.work.expected > 0 ? Math.min(100, (100 * d.work.done) / d.work.expected) : 0;
  return (
    <a class={`tile ${d.mode === 'off' ? 'off' : d.reading ? 'reading' : 'idle'}${d.openVariances + d.openExceptions > 0 ? ' has-variances' : ''}`} data-door={d.id} href={`#/doors/${encodeURIComponent(d.id)}`}>
      <div class="top">
        <span class="name">{d.id}</span>
        <span class="mode">{d.mode}</span>
      </div>
      <div class="state">
        {d.reading ? 'reading' : d.mode === 'off' ? 'off' : 'not reading'} · {d.gateway}
        {d.sensor ? ` · door ${d.sensor}` : ''}
      </div>
      <div class="counts">
        <span data-role="passes-today">{today.length} passes today</span>
        <span data-role="exceptions-today" class={exceptions ? 'bad' : ''}>{exceptions} exceptions</span>
        <span data-role="unknown-today" class={unknown ? 'warn' : ''}>{unknown} unknown direction</span>
        <span data-role="interrupted-today" class={interrupted ? 'warn' : ''}>{interrupted} interrupted</span>
      </div>
      {d.openVariances > 0 && (
        <span class="badge" data-role="variances">
          {d.openVariances} open
        </span>
      )}
      {d.openExceptions > 0 && (
        <span class="badge" data-role="exceptions">
          {d.openExceptions} exception{d.openExceptions === 1 ? '' : 's'}
        </span>
      )}
      {d.work && (
        <div data-role="work">
          <div class="state">
            {d.work.kind} {d.work.reference}: {d.work.done} / {d.work.expected}
          </div>
          <div class="progress" role="progressbar" aria-valuenow={d.work.done} aria-valuemax={d.work.expected}>
            <div style={{ width: `${pct.toFixed(0)}%` }} />
          </div>
        </div>
      )}
      <ul class="passes">
        {props.activity.slice(0, SHOWN).map((a) => (
          <li key={a.eventId} data-event={a.eventId} class={isException(a) ? 'exception' : ''}>
            {passLine(a)}
          </li>
        ))}
      </ul>
    </a>
  );
}

function DoorHistory(props: { door: string; activity: Activity[] }) {
  return (
    <section class="history" data-history={props.door}>
      <h2>
        <a href="#/doors">Doors</a> › {props.door}: history
      </h2>
      <table>
        <thead>
          <tr>
            <th>time</th>
            <th>what</th>
            <th>dir</th>
            <th>EPC / GTIN</th>
            <th>SKU</th>
            <th>outcome</th>
          </tr>
        </thead>
        <tbody>
          {props.activity.map((a) => (
            <tr key={a.eventId} data-event={a.eventId} class={isException(a) ? 'exception' : ''}>
              <td>{new Date(a.occurredAt).toLocaleString()}</td>
              <td>{a.kind}</td>
              <td>{a.direction ?? ''}</td>
              <td class="mono">{a.epc ?? a.gtin ?? ''}</td>
              <td>{a.sku ?? ''}</td>
              <td title={a.message ?? ''}>
                {a.outcome}
                {a.message ? ` — ${a.message}` : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.activity.length === 0 && <p class="empty">nothing has passed this door</p>}
    </section>
  );
}

export function DoorsScreen(props: { status: Status | undefined; door: string | undefined }) {
  const s = props.status;
  const activity = useDoorActivity(s?.doors);
  if (props.door) return <DoorHistory door={props.door} activity={activity.get(props.door) ?? []} />;
  return (
    <main class="doors-screen">
      <section>
        <h2>Doors today</h2>
        <div id="doors">
          {s?.doors.map((d) => <Tile key={d.id} door={d} activity={activity.get(d.id) ?? []} />)}
          {s && s.doors.length === 0 && <div class="empty">no doors configured</div>}
        </div>
      </section>
      <aside>
        <section>
          <h2>Gateways &amp; readers</h2>
          <div id="gateways" class="list">
            {s?.gateways.map((g) => (
              <div class={`row ${g.state}`} key={g.id}>
                <div class="title">
                  <span>{g.id}</span>
                  <span>{g.state}</span>
                </div>
                <div class="sub">
                  last seen {g.lastSeenAt ? time(g.lastSeenAt) : 'never'} · outbox {g.outbox.depth ?? '–'}
                </div>
                {g.readers.map((r) => (
                  <div class="sub" key={r.id}>
                    reader {r.id}: {r.state}
                    {r.reason ? ` (${r.reason})` : ''}
                  </div>
                ))}
                {g.scanners.map((x) => (
                  <div class="sub" key={x.id}>
                    scanner {x.id}: {x.state}
                  </div>
                ))}
              </div>
            ))}
            {s?.broker.refusals
              .filter((r) => !r.connectedSince)
              .map((r) => (
                <div class="row down" data-refused={r.gateway} key={`refused:${r.gateway}`}>
                  <div class="title">
                    <span>{r.gateway}</span>
                    <span>refused by the broker</span>
                  </div>
                  <div class="sub">{r.cause}</div>
                  <div class="sub">
                    client id {r.clientId}
                    {r.address ? ` from ${r.address}` : ''} · {r.count}× · last {time(r.at)}
                  </div>
                </div>
              ))}
            {s && s.gateways.length === 0 && s.broker.refusals.length === 0 && <div class="empty">no gateway has reported</div>}
          </div>
        </section>
        <section>
          <h2>Site</h2>
          <div class="list">
            {s?.reasons.map((r) => (
              <div class={`row ${r.level === 'down' ? 'down' : 'warn'}`} key={r.code + r.subject}>
                {r.message}
              </div>
            ))}
            {s && s.reasons.length === 0 && <div class="empty">all well</div>}
          </div>
        </section>
      </aside>
    </main>
  );
}
