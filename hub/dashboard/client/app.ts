// hub/dashboard — the browser side of the live dock dashboard: door tiles, gateways and readers, channels, open
// variances with resolve buttons; live from the hub's server-sent event stream (read with fetch, so the bearer token
// travels in a header). The token is typed into the page and kept in sessionStorage only. Plain DOM, no framework.
export {};

interface Reason { level: string; code: string; subject: string; message: string }
interface Pass { at: string; epc: string | null; sku: string | null; direction: string | null; outcome: string }
interface Door { id: string; mode: string; gateway: string; reading: boolean; sensor: string | null; lastPass: Pass | null; work: { kind: string; reference: string; expected: number; done: number } | null; openVariances: number; openExceptions: number }
interface Gateway { id: string; state: string; reportedOnline: boolean; lastSeenAt: string | null; silentS: number | null; outbox: { depth: number | null }; readers: Array<{ id: string; state: string; reason: string | null }>; scanners: Array<{ id: string; state: string }> }
interface Channel { channel: string; mode: string; status: string; alerts: Array<{ message: string }> }
interface Refusal { gateway: string; cause: string; clientId: string; address: string | null; at: string; count: number; connectedSince: boolean }
interface Warning { code: string; subject: string; message: string }
interface Status { verdict: string; reasons: Reason[]; hub: { site: string }; doors: Door[]; gateways: Gateway[]; channels: Channel[]; broker: { refusals: Refusal[] }; warnings: Warning[] }
interface Activity { eventId?: string; door: string; kind: string; epc: string | null; gtin?: string | null; sku: string | null; direction: string | null; outcome: string; occurredAt: string }
interface Issue { key: string; id: number; source: 'variance' | 'exception'; type: string; door: string | null; text: string; at: string }

const TOKEN_KEY = 'dockgate.token';
const MAX_PASSES = 8;
const $ = (id: string): HTMLElement => document.getElementById(id)!;
const passes = new Map<string, Activity[]>();
let status: Status | undefined;
let variancesApi: boolean | undefined;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const t = token();
  if (t) headers.set('authorization', `Bearer ${t}`);
  if (init.body !== undefined) headers.set('content-type', 'application/json');
  const res = await fetch(path, { ...init, headers });
  $('error').textContent = res.status === 401 ? 'a valid API token is needed' : res.status === 403 ? 'this token may not do that' : '';
  return res;
}

const time = (iso: string) => new Date(iso).toLocaleTimeString();

function passLine(a: Activity): string {
  const what = a.epc ?? a.gtin ?? '';
  const dir = a.direction && a.direction !== 'unknown' ? (a.direction === 'in' ? '→' : '←') : '·';
  return `${time(a.occurredAt)} ${dir} ${a.sku ?? what} ${a.outcome === 'moved' ? '' : a.outcome}`.trim();
}

function renderDoors(): void {
  const root = $('doors');
  root.replaceChildren();
  for (const d of status?.doors ?? []) {
    const tile = el('div', `tile ${d.mode === 'off' ? 'off' : d.reading ? 'reading' : 'idle'}${d.openVariances + d.openExceptions > 0 ? ' has-variances' : ''}`);
    tile.dataset.door = d.id;
    const top = el('div', 'top');
    top.append(el('span', 'name', d.id), el('span', 'mode', d.mode));
    const state = el('div', 'state', `${d.reading ? 'reading' : d.mode === 'off' ? 'off' : 'not reading'} · ${d.gateway}${d.sensor ? ` · door ${d.sensor}` : ''}`);
    tile.append(top, state);
    if (d.openVariances > 0) {
      const b = el('span', 'badge', `${d.openVariances} open`);
      b.dataset.role = 'variances';
      tile.append(b);
    }
    if (d.openExceptions > 0) {
      const b = el('span', 'badge', `${d.openExceptions} exception${d.openExceptions === 1 ? '' : 's'}`);
      b.dataset.role = 'exceptions';
      tile.append(b);
    }
    if (d.work) {
      const pct = d.work.expected > 0 ? Math.min(100, (100 * d.work.done) / d.work.expected) : 0;
      const bar = el('div', 'progress');
      const fill = el('div');
      fill.style.width = `${pct.toFixed(0)}%`;
      bar.append(fill);
      tile.append(el('div', 'state', `${d.work.kind} ${d.work.reference}: ${d.work.done} / ${d.work.expected}`), bar);
    }
    const list = el('ul', 'passes');
    for (const a of passes.get(d.id) ?? []) {
      const li = el('li', a.outcome.startsWith('exception') ? 'exception' : '', passLine(a));
      if (a.eventId) li.dataset.event = a.eventId;
      list.append(li);
    }
    tile.append(list);
    root.append(tile);
  }
  if (!status?.doors.length) root.append(el('div', 'empty', 'no doors configured'));
}

function renderSide(): void {
  const gws = $('gateways');
  gws.replaceChildren();
  for (const g of status?.gateways ?? []) {
    const row = el('div', `row ${g.state}`);
    const title = el('div', 'title');
    title.append(el('span', '', g.id), el('span', '', g.state));
    row.append(title, el('div', 'sub', `last seen ${g.lastSeenAt ? time(g.lastSeenAt) : 'never'} · outbox ${g.outbox.depth ?? '–'}`));
    for (const r of g.readers) row.append(el('div', 'sub', `reader ${r.id}: ${r.state}${r.reason ? ` (${r.reason})` : ''}`));
    for (const s of g.scanners) row.append(el('div', 'sub', `scanner ${s.id}: ${s.state}`));
    gws.append(row);
  }
  // Refused by the broker and not in since: why, in words (a mistyped site id, a wrong password, a taken client id).
  for (const r of status?.broker.refusals ?? []) {
    if (r.connectedSince) continue;
    const row = el('div', 'row down');
    row.dataset.refused = r.gateway;
    const title = el('div', 'title');
    title.append(el('span', '', r.gateway), el('span', '', 'refused by the broker'));
    row.append(title, el('div', 'sub', r.cause), el('div', 'sub', `client id ${r.clientId}${r.address ? ` from ${r.address}` : ''} · ${r.count}× · last ${time(r.at)}`));
    gws.append(row);
  }
  if (!status?.gateways.length && !status?.broker.refusals.length) gws.append(el('div', 'empty', 'no gateway has reported'));
  const chs = $('channels');
  chs.replaceChildren();
  for (const c of status?.channels ?? []) {
    const row = el('div', `row ${c.status}`);
    const title = el('div', 'title');
    title.append(el('span', '', c.channel), el('span', '', `${c.mode} · ${c.status}`));
    row.append(title);
    for (const a of c.alerts) row.append(el('div', 'sub', a.message));
    chs.append(row);
  }
  if (!status?.channels.length) chs.append(el('div', 'empty', 'no channels'));
}

function renderHeader(): void {
  if (!status) return;
  $('site').textContent = status.hub.site;
  const v = $('verdict');
  v.textContent = status.verdict;
  v.className = status.verdict;
  $('reasons').textContent = status.reasons.map((r) => r.message).join(' · ');
  $('warnings').textContent = status.warnings.map((w) => w.message).join(' · ');
}

async function loadStatus(): Promise<void> {
  const res = await api('/api/v1/status');
  if (!res.ok) return;
  status = (await res.json()) as Status;
  renderHeader();
  renderDoors();
  renderSide();
}

async function loadPasses(): Promise<void> {
  await Promise.all(
    (status?.doors ?? []).map(async (d) => {
      const res = await api(`/api/v1/doors/${encodeURIComponent(d.id)}/activity?limit=${MAX_PASSES}`);
      if (res.ok) passes.set(d.id, ((await res.json()) as { activity: Activity[] }).activity.filter((a) => a.kind === 'pass' || a.kind === 'scan'));
    }),
  );
  renderDoors();
}

async function loadIssues(): Promise<void> {
  const issues: Issue[] = [];
  // Variances when the hub runs the variances room (some door exceptions become variances there).
  const res = variancesApi === false ? undefined : await api('/api/v1/variances?status=open&limit=200');
  if (res && res.status !== 404) {
    variancesApi = true;
    if (!res.ok) return;
    const body = (await res.json()) as { variances: Array<{ id: number; type: string; door: string | null; reference: string | null; sku: string | null; epc: string | null; expected: number | null; actual: number | null; message: string; createdAt: string }> };
    for (const v of body.variances) {
      const counts = v.expected !== null ? `expected ${v.expected}, got ${v.actual ?? 0}` : '';
      const text = [v.reference, v.sku ?? v.epc, counts, v.message].filter(Boolean).join(' · ');
      issues.push({ key: `variance:${v.id}`, id: v.id, source: 'variance', type: v.type, door: v.door, text, at: v.createdAt });
    }
  } else variancesApi = false;
  // Door exceptions that did not become variances (all of them without the variances room): resolved here too.
  const ex = await api('/api/v1/exceptions/open?excludeVariances=true&limit=200');
  if (!ex.ok) return;
  for (const x of ((await ex.json()) as { exceptions: Array<{ id: number; type: string; door: string; message: string; createdAt: string }> }).exceptions) {
    issues.push({ key: `exception:${x.id}`, id: x.id, source: 'exception', type: x.type, door: x.door, text: x.message, at: x.createdAt });
  }
  renderIssues(issues);
}

function renderIssues(issues: Issue[]): void {
  const root = $('variances');
  root.replaceChildren();
  for (const i of issues) {
    const row = el('div', 'row variance');
    row.dataset.key = i.key;
    const title = el('div', 'title');
    title.append(el('span', '', i.type.replace(/_/g, ' ')), el('span', 'sub', `${i.door ?? ''} ${i.at ? time(i.at) : ''}`));
    const form = el('form');
    const note = el('input');
    note.name = 'note';
    note.placeholder = 'why (for the audit trail)';
    note.value = 'checked at the door';
    const actions = i.source === 'variance' ? (['accept', 'dismiss'] as const) : (['resolve'] as const);
    form.append(note);
    for (const action of actions) {
      const b = el('button', action === 'dismiss' ? 'secondary' : '', action[0]!.toUpperCase() + action.slice(1));
      b.type = 'button';
      b.dataset.action = action;
      b.addEventListener('click', () => void resolveIssue(i, action, note.value || 'resolved from the dashboard', row));
      form.append(b);
    }
    form.addEventListener('submit', (e) => e.preventDefault());
    row.append(title, el('div', 'sub', i.text), form);
    root.append(row);
  }
  if (issues.length === 0) root.append(el('div', 'empty', 'nothing open'));
}

async function resolveIssue(i: Issue, action: string, note: string, row: HTMLElement): Promise<void> {
  const path = i.source === 'variance' ? `/api/v1/variances/${i.id}/resolve` : `/api/v1/exceptions/${i.id}/resolve`;
  const body = i.source === 'variance' ? { action, reason: note } : { note };
  const res = await api(path, { method: 'POST', body: JSON.stringify(body) });
  if (res.ok) {
    row.remove();
    void loadStatus();
    void loadIssues();
  } else if (res.status !== 401 && res.status !== 403) {
    $('error').textContent = ((await res.json().catch(() => ({}))) as { message?: string }).message ?? `resolve failed (${res.status})`;
  }
}

let refreshTimer: number | undefined;
function refreshSoon(): void {
  if (refreshTimer !== undefined) return;
  refreshTimer = window.setTimeout(() => {
    refreshTimer = undefined;
    void loadStatus();
    void loadIssues();
  }, 700);
}

function onApplied(a: Activity): void {
  if (a.kind === 'pass' || a.kind === 'scan') {
    const list = passes.get(a.door) ?? [];
    list.unshift(a);
    passes.set(a.door, list.slice(0, MAX_PASSES));
    renderDoors();
    document.querySelector(`[data-door="${CSS.escape(a.door)}"] .passes li`)?.classList.add('fresh');
  }
  refreshSoon();
}

/** Read the server-sent event stream with fetch (EventSource cannot send the token); reconnect with back-off. */
async function stream(): Promise<void> {
  let wait = 1000;
  for (;;) {
    try {
      const res = await api('/api/v1/events/stream', { headers: { accept: 'text/event-stream' } });
      if (!res.ok || !res.body) throw new Error(`stream: ${res.status}`);
      $('live').textContent = 'live';
      $('live').className = 'on';
      document.body.dataset.live = 'true';
      wait = 1000;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let cut: number;
        while ((cut = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          let type = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) type = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
          }
          if (type === 'applied' && data.length) onApplied(JSON.parse(data.join('\n')) as Activity);
        }
      }
    } catch {
      // fall through to reconnect
    }
    $('live').textContent = 'reconnecting';
    $('live').className = '';
    delete document.body.dataset.live;
    await new Promise((r) => setTimeout(r, wait));
    wait = Math.min(wait * 2, 30_000);
    await loadStatus().catch(() => undefined);
  }
}

$('auth').addEventListener('submit', (e) => {
  e.preventDefault();
  const v = ($('token') as HTMLInputElement).value.trim();
  if (v) sessionStorage.setItem(TOKEN_KEY, v);
  else sessionStorage.removeItem(TOKEN_KEY);
  ($('token') as HTMLInputElement).value = '';
  location.reload();
});

async function start(): Promise<void> {
  await loadStatus();
  await Promise.all([loadPasses(), loadIssues()]);
  void stream();
  // Silence changes nothing on the stream: a gateway going quiet shows by polling.
  window.setInterval(() => void loadStatus(), 10_000);
  document.body.dataset.ready = 'true';
}
void start();
