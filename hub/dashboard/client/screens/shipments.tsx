// hub/dashboard/client — Shipments: every expected shipment, newest first; a shipment's detail with expected vs shipped
// per line, each expected EPC and SSCC pallet with whether it has left, updated live; open it at a shipping door,
// close it (operator; what did not leave is said in the message and raised as missing_outbound); print it (the print
// style sheet makes it a loading report) or export its lines as CSV.
import { useState } from 'preact/hooks';
import { api, can, time, type Me } from '../api';
import { toCsv } from '../export';
import { useLive } from '../live';
import { notify } from '../notice';
import type { Status } from '../status';
import { sum, WorkActions, WorkList } from './work';

interface Shipment {
  id: string;
  customer: string | null;
  status: string;
  door: string | null;
  alarm: boolean;
  complete: boolean;
  openedAt: string | null;
  closedAt: string | null;
  closedBy: string | null;
  lines: Array<{ line: number; sku: string; expected: number; shipped: number }>;
  epcs: Array<{ epc: string; sku: string; shipped: boolean }>;
  pallets: Array<{ sscc: string; contents: Array<{ sku: string; qty: number; epcs: string[] }>; seenAt: string | null }>;
}
interface Closed { missing: { lines: Array<{ sku: string; expected: number; shipped: number }>; epcs: string[]; pallets: string[] } }

export const shipmentCsv = (s: Shipment): string => toCsv([['shipment', 'line', 'sku', 'expected', 'shipped'], ...s.lines.map((l) => [s.id, l.line, l.sku, l.expected, l.shipped])]);

const missingText = (m: Closed['missing']) =>
  [...m.lines.map((l) => `${l.expected - l.shipped} × ${l.sku}`), m.epcs.length ? `${m.epcs.length} EPCs` : '', m.pallets.length ? `pallets ${m.pallets.join(', ')}` : ''].filter(Boolean).join(', ');

function Detail(props: { id: string; me: Me; status: Status | undefined }) {
  const [s, setS] = useState<Shipment | undefined>();
  const [busy, setBusy] = useState(false);
  const path = `/api/v1/shipments/${encodeURIComponent(props.id)}`;
  const load = () =>
    void api<Shipment>(path).then((x) => {
      if (x.ok) setS(x.body);
      else notify('bad', `Shipment ${props.id}: ${x.message}`);
    });
  useLive(load, [props.id]);
  const open = async (door: string) => {
    setBusy(true);
    const x = await api(`${path}/open`, { method: 'POST', body: { door } });
    setBusy(false);
    notify(x.ok ? 'ok' : 'bad', x.ok ? `Shipment ${props.id} open at ${door}.` : `Shipment ${props.id} not opened: ${x.message}`);
    load();
  };
  const close = async () => {
    setBusy(true);
    const x = await api<Closed>(`${path}/close`, { method: 'POST' });
    setBusy(false);
    const missing = x.ok ? missingText(x.body.missing) : '';
    if (!x.ok) notify('bad', `Shipment ${props.id} not closed: ${x.message}`);
    else notify(missing ? 'bad' : 'ok', `Shipment ${props.id} closed.${missing ? ` Did not leave: ${missing} (raised as missing outbound).` : ''}`);
    load();
  };
  if (!s) return <main class="receipt">…</main>;
  const operator = can(props.me.role, 'operator');
  return (
    <main class="receipt" data-shipment={s.id}>
      <h2>
        <a href="#/shipments">Shipments</a> › {s.id}
      </h2>
      <p class="sub">
        Shipment {s.id}
        {s.customer ? ` to ${s.customer}` : ''} · <strong data-role="status">{s.status}</strong>
        {s.door ? ` at ${s.door}` : ''}
        {s.alarm ? ' · red light' : ''}
        {s.complete ? ' · complete' : ''}
        {s.openedAt ? ` · opened ${new Date(s.openedAt).toLocaleString()}` : ''}
        {s.closedAt ? ` · closed ${new Date(s.closedAt).toLocaleString()} by ${s.closedBy ?? ''}` : ''}
      </p>
      <WorkActions what="shipment" operator={operator} state={s.status} status={props.status} doorMode="shipping" busy={busy} onOpen={(d) => void open(d)} onClose={() => void close()} csvName={`shipment-${s.id}.csv`} csv={() => shipmentCsv(s)} />
      <table id="lines">
        <thead>
          <tr>
            <th>line</th>
            <th>SKU</th>
            <th>expected</th>
            <th>shipped</th>
          </tr>
        </thead>
        <tbody>
          {s.lines.map((l) => (
            <tr key={l.line} data-sku={l.sku} class={l.shipped !== l.expected ? 'differs' : ''}>
              <td>{l.line}</td>
              <td>{l.sku}</td>
              <td>{l.expected}</td>
              <td data-role="shipped">{l.shipped}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {s.epcs.length > 0 && (
        <>
          <h2>Units</h2>
          <table id="epcs">
            <tbody>
              {s.epcs.map((e) => (
                <tr key={e.epc} data-epc={e.epc} class={e.shipped ? '' : 'differs'}>
                  <td class="mono">{e.epc}</td>
                  <td>{e.sku}</td>
                  <td>{e.shipped ? 'left' : 'not yet'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {s.pallets.length > 0 && (
        <>
          <h2>Pallets</h2>
          <table id="pallets">
            <tbody>
              {s.pallets.map((p) => (
                <tr key={p.sscc} data-sscc={p.sscc}>
                  <td class="mono">{p.sscc}</td>
                  <td>{p.contents.map((c) => `${c.qty} × ${c.sku}`).join(', ')}</td>
                  <td>{p.seenAt ? time(p.seenAt) : 'not yet'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </main>
  );
}

export function ShipmentsScreen(props: { me: Me; status: Status | undefined; id: string | undefined }) {
  const [list, setList] = useState<Shipment[] | undefined>();
  useLive(() => void api<{ shipments: Shipment[] }>('/api/v1/shipments?limit=1000').then((x) => x.ok && setList([...x.body.shipments].reverse())), []);
  if (props.id) return <Detail id={props.id} me={props.me} status={props.status} />;
  const rows = list?.map((x) => ({ id: x.id, party: x.customer, status: x.status, door: x.door, done: sum(x.lines, (l) => l.shipped), expected: sum(x.lines, (l) => l.expected) }));
  return <WorkList what="shipment" idTitle="shipment" partyTitle="customer" doneTitle="shipped" rows={rows} />;
}
