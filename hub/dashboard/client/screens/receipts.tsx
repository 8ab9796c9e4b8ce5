// hub/dashboard/client — Receipts: every expected receipt (PO or ASN), newest first; a receipt's detail with expected
// vs received per line, each SSCC pallet with when it arrived and each EPC (declared on a pallet, or received under the
// receipt: GET /api/v1/moves?reference&reason=receipt) with when it was received, updated live; open it at a receiving
// door, close it (operator); print it (the print style sheet turns the page into a receiving report) or export its
// lines as CSV.
import { useState } from 'preact/hooks';
import { api, can, time, type Me } from '../api';
import { toCsv } from '../export';
import { useLive } from '../live';
import { notify } from '../notice';
import type { Status } from '../status';
import { sum, WorkActions, WorkList } from './work';

interface Line { line: number; sku: string; expected: number; received: number; held: number; unitCost: number | null; maxReceivable: number; status: string }
interface Receipt {
  id: string;
  kind: string;
  supplier: string | null;
  status: string;
  door: string | null;
  createdAt: string;
  openedAt: string | null;
  closedAt: string | null;
  closedBy: string | null;
  lines: Line[];
  pallets: Array<{ sscc: string; contents: Array<{ sku: string; qty: number; epcs: string[] }>; receivedAt: string | null }>;
}

interface Received { epc: string | null; sku: string; occurredAt: string }
/** Per EPC: declared on which pallet (null: not declared), and when it was received (null: not yet). */
function epcRows(r: Receipt, received: Received[]): Array<{ epc: string; sku: string; sscc: string | null; receivedAt: string | null }> {
  const rows = new Map<string, { epc: string; sku: string; sscc: string | null; receivedAt: string | null }>();
  for (const p of r.pallets) for (const c of p.contents) for (const epc of c.epcs) rows.set(epc, { epc, sku: c.sku, sscc: p.sscc, receivedAt: null });
  for (const m of received) if (m.epc) rows.set(m.epc, { epc: m.epc, sku: m.sku, sscc: rows.get(m.epc)?.sscc ?? null, receivedAt: m.occurredAt });
  return [...rows.values()];
}

export const receiptCsv = (r: Receipt): string => toCsv([['receipt', 'line', 'sku', 'expected', 'received', 'held', 'status'], ...r.lines.map((l) => [r.id, l.line, l.sku, l.expected, l.received, l.held, l.status])]);

function Detail(props: { id: string; me: Me; status: Status | undefined }) {
  const [r, setR] = useState<Receipt | undefined>();
  const [received, setReceived] = useState<Received[]>([]);
  const [busy, setBusy] = useState(false);
  const load = () => {
    void api<Receipt>(`/api/v1/receipts/${encodeURIComponent(props.id)}`).then((x) => {
      if (x.ok) setR(x.body);
      else notify('bad', `Receipt ${props.id}: ${x.message}`);
    });
    void api<{ moves: Received[] }>(`/api/v1/moves?reason=receipt&reference=${encodeURIComponent(props.id)}&limit=1000`).then((x) => x.ok && setReceived(x.body.moves));
  };
  useLive(load, [props.id]);
  const act = async (what: 'open' | 'close', door = '') => {
    setBusy(true);
    const x = await api(`/api/v1/receipts/${encodeURIComponent(props.id)}/${what}`, { method: 'POST', ...(what === 'open' ? { body: { door } } : {}) });
    setBusy(false);
    if (x.ok) notify('ok', what === 'open' ? `Receipt ${props.id} open at ${door}.` : `Receipt ${props.id} closed.`);
    else notify('bad', `Receipt ${props.id} not ${what === 'open' ? 'opened' : 'closed'}: ${x.message}`);
    load();
  };
  if (!r) return <main class="receipt">…</main>;
  const operator = can(props.me.role, 'operator');
  const epcs = epcRows(r, received);
  return (
    <main class="receipt" data-receipt={r.id}>
      <h2>
        <a href="#/receipts">Receipts</a> › {r.id}
      </h2>
      <p class="sub" id="receipt-head">
        {r.kind.toUpperCase()} {r.id}
        {r.supplier ? ` from ${r.supplier}` : ''} · <strong data-role="status">{r.status}</strong>
        {r.door ? ` at ${r.door}` : ''}
        {r.openedAt ? ` · opened ${new Date(r.openedAt).toLocaleString()}` : ''}
        {r.closedAt ? ` · closed ${new Date(r.closedAt).toLocaleString()} by ${r.closedBy ?? ''}` : ''}
      </p>
      <WorkActions what="receipt" operator={operator} state={r.status} status={props.status} doorMode="receiving" busy={busy} onOpen={(d) => void act('open', d)} onClose={() => void act('close')} csvName={`receipt-${r.id}.csv`} csv={() => receiptCsv(r)} />
      <table id="lines">
        <thead>
          <tr>
            <th>line</th>
            <th>SKU</th>
            <th>expected</th>
            <th>received</th>
            <th>held</th>
            <th>status</th>
          </tr>
        </thead>
        <tbody>
          {r.lines.map((l) => (
            <tr key={l.line} data-sku={l.sku} class={l.received !== l.expected ? 'differs' : ''}>
              <td>{l.line}</td>
              <td>{l.sku}</td>
              <td>{l.expected}</td>
              <td data-role="received">{l.received}</td>
              <td>{l.held}</td>
              <td>{l.status}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {r.pallets.length > 0 && (
        <>
          <h2>Pallets</h2>
          <table id="pallets">
            <thead>
              <tr>
                <th>SSCC</th>
                <th>contents</th>
                <th>arrived</th>
              </tr>
            </thead>
            <tbody>
              {r.pallets.map((p) => (
                <tr key={p.sscc} data-sscc={p.sscc}>
                  <td class="mono">{p.sscc}</td>
                  <td>{p.contents.map((c) => `${c.qty} × ${c.sku}${c.epcs.length ? ` (${c.epcs.length} EPCs)` : ''}`).join(', ')}</td>
                  <td>{p.receivedAt ? time(p.receivedAt) : 'not yet'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {epcs.length > 0 && (
        <>
          <h2>EPCs</h2>
          <table id="epcs">
            <thead>
              <tr>
                <th>EPC</th>
                <th>SKU</th>
                <th>pallet</th>
                <th>received</th>
              </tr>
            </thead>
            <tbody>
              {epcs.map((e) => (
                <tr key={e.epc} data-epc={e.epc} class={e.receivedAt && e.sscc ? '' : 'differs'}>
                  <td class="mono">{e.epc}</td>
                  <td>{e.sku}</td>
                  <td class="mono">{e.sscc ?? 'not declared'}</td>
                  <td>{e.receivedAt ? time(e.receivedAt) : 'not yet'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </main>
  );
}

export function ReceiptsScreen(props: { me: Me; status: Status | undefined; id: string | undefined }) {
  const [list, setList] = useState<Receipt[] | undefined>();
  useLive(() => void api<{ receipts: Receipt[] }>('/api/v1/receipts?limit=1000').then((x) => x.ok && setList([...x.body.receipts].reverse())), []);
  if (props.id) return <Detail id={props.id} me={props.me} status={props.status} />;
  const rows = list?.map((x) => ({ id: x.id, party: x.supplier, status: x.status, door: x.door, done: sum(x.lines, (l) => l.received), expected: sum(x.lines, (l) => l.expected) }));
  return <WorkList what="receipt" idTitle="PO / ASN" partyTitle="supplier" doneTitle="received" rows={rows} />;
}
