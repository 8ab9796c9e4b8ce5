// hub/dashboard/client — what receipts and shipments share: the list (newest first, done / expected) and the action
// bar of a detail: open it at a door of the right mode (operator), close it (operator), print the report, export the
// lines as CSV (the bar is hidden on paper).
import { useState } from 'preact/hooks';
import { download } from '../export';
import type { Status } from '../status';

export function WorkActions(props: {
  what: 'receipt' | 'shipment';
  operator: boolean;
  state: string;
  status: Status | undefined;
  doorMode: 'receiving' | 'shipping';
  busy: boolean;
  onOpen: (door: string) => void;
  onClose: () => void;
  csvName: string;
  csv: () => string;
}) {
  const [door, setDoor] = useState('');
  const doors = (props.status?.doors ?? []).filter((d) => d.mode === props.doorMode);
  return (
    <div class="bulk no-print">
      {props.operator && props.state === 'expected' && (
        <>
          <select name="door" aria-label={`${props.doorMode} door`} value={door} onChange={(e) => setDoor(e.currentTarget.value)}>
            <option value="">door…</option>
            {doors.map((d) => (
              <option value={d.id} key={d.id}>
                {d.id}
              </option>
            ))}
          </select>
          <button type="button" data-action="open" disabled={props.busy || !door} onClick={() => props.onOpen(door)}>
            Open at door
          </button>
        </>
      )}
      {props.operator && props.state === 'open' && (
        <button type="button" data-action="close" disabled={props.busy} onClick={props.onClose}>
          Close {props.what}
        </button>
      )}
      <button type="button" class="secondary" data-action="print" onClick={() => window.print()}>
        Print report
      </button>
      <button type="button" class="secondary" data-action="csv" onClick={() => download(props.csvName, props.csv())}>
        Export CSV
      </button>
    </div>
  );
}

export interface WorkRow { id: string; party: string | null; status: string; door: string | null; done: number; expected: number }

export function WorkList(props: { what: 'receipt' | 'shipment'; idTitle: string; partyTitle: string; doneTitle: string; rows: WorkRow[] | undefined }) {
  const plural = `${props.what}s`;
  return (
    <main class="receipts-screen">
      <h2>{plural[0]!.toUpperCase() + plural.slice(1)}</h2>
      <table id={plural}>
        <thead>
          <tr>
            <th>{props.idTitle}</th>
            <th>{props.partyTitle}</th>
            <th>status</th>
            <th>door</th>
            <th>{props.doneTitle} / expected</th>
          </tr>
        </thead>
        <tbody>
          {props.rows?.map((r) => (
            <tr key={r.id} {...{ [`data-${props.what}`]: r.id }}>
              <td>
                <a href={`#/${plural}/${encodeURIComponent(r.id)}`}>{r.id}</a>
              </td>
              <td>{r.party ?? ''}</td>
              <td>{r.status}</td>
              <td>{r.door ?? ''}</td>
              <td>
                {r.done} / {r.expected}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.rows && props.rows.length === 0 && <p class="empty">no {plural}</p>}
    </main>
  );
}

export const sum = <T,>(xs: T[], f: (x: T) => number): number => xs.reduce((n, x) => n + f(x), 0);
