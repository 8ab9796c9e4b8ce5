// hub/dashboard/client — Put-away: a handheld scanner in keyboard-wedge mode types each code into the scan field and
// ends it with Enter. Scan units (an RFID EPC, an SSCC pallet label, a GS1 GTIN + serial label), then the location's
// label: all the units go there in one request (POST /api/v1/putaway, one move per unit, all or nothing). Or pick the
// location and press the button. The scan field keeps the focus so the next scan lands in it.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, idempotencyKey } from '../api';
import { BatchKey } from '../batch-key';
import { notify } from '../notice';
import { classifyScan, type Scanned } from '../scan';

type Unit = Exclude<Scanned, { kind: 'location' } | { kind: 'invalid' }>;
interface Location { id: string; name: string; kind: string; virtual: boolean; sellable: boolean }
interface Result { to: string; epcs: string[]; created: number; replayed: number; alreadyThere: string[] }

function body(u: Unit) {
  if (u.kind === 'epc') return { epc: u.epc };
  if (u.kind === 'sscc') return { sscc: u.sscc };
  return { gtin: u.gtin, serial: u.serial };
}

export function PutawayScreen() {
  const [locations, setLocations] = useState<Location[]>([]);
  const [units, setUnits] = useState<Unit[]>([]);
  const [target, setTarget] = useState('');
  const [scan, setScan] = useState('');
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  // One key per batch of units: a retried or double-tapped put-away posts nothing twice; an edited batch gets a new key.
  const key = useRef(new BatchKey(idempotencyKey));

  useEffect(() => {
    void api<{ locations: Location[] }>('/api/v1/locations').then((r) => {
      if (r.ok) setLocations(r.body.locations.filter((l) => !l.virtual));
      else notify('bad', `locations could not be loaded: ${r.message}`);
    });
  }, []);
  // The scan field has the focus whenever it can take a scan (after loading, after each put-away).
  useEffect(() => {
    if (!busy) input.current?.focus();
  }, [busy, locations]);

  const submit = async (to: string, list: Unit[]) => {
    if (list.length === 0) {
      notify('bad', `Location ${to}: scan the units to put away first.`);
      return;
    }
    setBusy(true);
    const batch = { to, units: list.map(body) };
    const r = await api<Result>('/api/v1/putaway', { method: 'POST', body: batch, headers: { 'idempotency-key': key.current.for(batch) } });
    setBusy(false);
    if (r.ok) {
      const moved = r.body.created + r.body.replayed;
      notify('ok', `${moved} unit${moved === 1 ? '' : 's'} put away to ${to}` + (r.body.alreadyThere.length ? ` (${r.body.alreadyThere.length} already there)` : '') + '.');
      setUnits([]);
      setTarget('');
      key.current.done();
    } else {
      notify('bad', `Nothing put away: ${r.message}`);
    }
  };

  const onScan = (raw: string) => {
    const s = classifyScan(raw, new Set(locations.map((l) => l.id)), Date.now());
    setScan('');
    if (s.kind === 'invalid') notify('bad', `Scan not used: ${s.reason}`);
    else if (s.kind === 'location') {
      setTarget(s.location);
      void submit(s.location, units);
    } else if (units.some((u) => u.label === s.label)) notify('bad', `${s.label} is already on the list.`);
    else setUnits([...units, s]);
  };

  return (
    <main class="putaway-screen">
      <h2>Put-away</h2>
      <form
        id="scan-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (scan.trim()) onScan(scan);
        }}
      >
        <label for="scan">Scan units, then the location</label>
        <input id="scan" name="scan" ref={input} autoFocus autocomplete="off" autocapitalize="off" spellcheck={false} inputMode="none" value={scan} onInput={(e) => setScan(e.currentTarget.value)} disabled={busy} />
      </form>
      <ol id="units" class="list">
        {units.map((u) => (
          <li class="row" key={u.label} data-unit={u.kind}>
            <span class="mono">{u.label}</span>
            <button type="button" class="link" aria-label={`remove ${u.label}`} onClick={() => setUnits(units.filter((x) => x !== u))}>
              remove
            </button>
          </li>
        ))}
      </ol>
      {units.length === 0 && <p class="empty">no units scanned</p>}
      <form
        class="bulk"
        onSubmit={(e) => {
          e.preventDefault();
          if (target) void submit(target, units);
        }}
      >
        <select name="to" value={target} onChange={(e) => setTarget(e.currentTarget.value)} aria-label="location">
          <option value="">location…</option>
          {locations.map((l) => (
            <option value={l.id} key={l.id}>
              {l.id}
              {l.sellable ? ' (sellable)' : ''}
            </option>
          ))}
        </select>
        <button type="submit" id="putaway-submit" disabled={busy || !target || units.length === 0}>
          Put away {units.length} unit{units.length === 1 ? '' : 's'}
        </button>
        <button type="button" class="secondary" disabled={units.length === 0} onClick={() => setUnits([])}>
          Clear
        </button>
      </form>
    </main>
  );
}
