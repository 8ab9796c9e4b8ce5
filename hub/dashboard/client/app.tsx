// hub/dashboard/client — the console's shell: sign-in with an API token, "signed in as NAME (role)", the site's verdict,
// the live stream, navigation (screens a role cannot use are not offered) and the message line. Routes are the hash:
// #/doors, #/doors/door-1, #/variances, #/putaway, #/receipts, #/receipts/PO-1, #/shipments, #/shipments/SH-1.
import { useEffect, useState } from 'preact/hooks';
import { api, can, getToken, setToken, type Me, type Role } from './api';
import { runStream } from './live';
import { clearNotice, onNotice, type Notice } from './notice';
import { ChannelsScreen } from './screens/channels';
import { CountsScreen } from './screens/counts';
import { DoorsScreen } from './screens/doors';
import { KpisScreen } from './screens/kpis';
import { PutawayScreen } from './screens/putaway';
import { ReceiptsScreen } from './screens/receipts';
import { ReturnsScreen } from './screens/returns';
import { StockScreen } from './screens/stock';
import { ShipmentsScreen } from './screens/shipments';
import { VariancesScreen } from './screens/variances';
import type { Status } from './status';

interface Screen { id: string; title: string; need: Role }
const SCREENS: Screen[] = [
  { id: 'doors', title: 'Doors', need: 'viewer' },
  { id: 'variances', title: 'Variances', need: 'viewer' },
  { id: 'putaway', title: 'Put-away', need: 'operator' },
  { id: 'receipts', title: 'Receipts', need: 'viewer' },
  { id: 'shipments', title: 'Shipments', need: 'viewer' },
  { id: 'counts', title: 'Counts', need: 'viewer' },
  { id: 'returns', title: 'Returns', need: 'viewer' },
  { id: 'stock', title: 'Stock', need: 'viewer' },
  { id: 'kpis', title: 'KPIs', need: 'viewer' },
  { id: 'channels', title: 'Channels', need: 'viewer' },
];

function useHash(): string[] {
  const read = () => location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [parts, setParts] = useState(read);
  useEffect(() => {
    const on = () => setParts(read());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return parts;
}

function SignIn(props: { message: string; onToken: (t: string) => void }) {
  const [value, setValue] = useState('');
  return (
    <main class="signin">
      <h1>dockgate</h1>
      <form
        id="signin"
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) props.onToken(value.trim());
        }}
      >
        <label for="token">Sign in with your API token</label>
        <input id="token" type="password" autocomplete="off" required value={value} onInput={(e) => setValue(e.currentTarget.value)} />
        <button type="submit">Sign in</button>
        {props.message && <p class="notice bad" role="alert">{props.message}</p>}
      </form>
    </main>
  );
}

export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [signInMessage, setSignInMessage] = useState('');
  const [status, setStatus] = useState<Status | undefined>();
  const [live, setLive] = useState(false);
  const [notice, setNotice] = useState<Notice | null>(null);
  const route = useHash();

  const whoAmI = async () => {
    const r = await api<Me>('/api/v1/me');
    if (r.ok) {
      setMe(r.body);
      setSignInMessage('');
    } else {
      setMe(null);
      setSignInMessage(getToken() ? (r.status === 401 ? 'That token is not valid.' : r.message) : '');
    }
  };
  useEffect(() => void whoAmI(), []);
  useEffect(() => onNotice(setNotice), []);

  useEffect(() => {
    if (!me) return;
    const ctl = new AbortController();
    const load = async () => {
      const r = await api<Status>('/api/v1/status');
      if (r.ok) setStatus(r.body);
    };
    void load();
    void runStream((on) => {
      setLive(on);
      document.body.dataset.live = String(on);
      if (on) void load();
    }, ctl.signal);
    const timer = window.setInterval(() => void load(), 5000);
    return () => {
      ctl.abort();
      window.clearInterval(timer);
    };
  }, [me]);

  if (me === undefined) return <main class="loading">…</main>;
  if (me === null) {
    return (
      <SignIn
        message={signInMessage}
        onToken={(t) => {
          setToken(t);
          void whoAmI();
        }}
      />
    );
  }

  const screens = SCREENS.filter((s) => can(me.role, s.need));
  const current = screens.find((s) => s.id === route[0]) ?? screens[0]!;
  return (
    <div class="shell" data-screen={current.id}>
      <header>
        <h1>dockgate</h1>
        <span id="site">{status?.hub.site}</span>
        <span id="verdict" class={status?.verdict ?? ''} title={status?.reasons.map((r) => r.message).join('\n')}>{status?.verdict ?? '…'}</span>
        <span id="warnings" class="warn" hidden={!status?.warnings.length} title="what the hub serves in plain text on the network">
          {status?.warnings.map((w) => w.message).join(' · ')}
        </span>
        <span id="live" class={live ? 'on' : ''}>{live ? 'live' : 'offline'}</span>
        <span id="whoami">
          signed in as {me.name} ({me.role})
        </span>
        {me.tokens && (
          <button
            type="button"
            class="secondary"
            id="signout"
            onClick={() => {
              setToken(null);
              setMe(null);
            }}
          >
            Sign out
          </button>
        )}
        <nav>
          {screens.map((s) => (
            <a href={`#/${s.id}`} class={s === current ? 'current' : ''} data-nav={s.id} onClick={clearNotice}>
              {s.title}
            </a>
          ))}
        </nav>
      </header>
      {notice && (
        <p id="notice" class={`notice ${notice.kind}`} role={notice.kind === 'bad' ? 'alert' : 'status'}>
          {notice.text}
          <button type="button" class="link" aria-label="dismiss message" onClick={clearNotice}>
            ×
          </button>
        </p>
      )}
      {current.id === 'doors' && <DoorsScreen status={status} door={route[1]} />}
      {current.id === 'variances' && <VariancesScreen me={me} status={status} />}
      {current.id === 'putaway' && <PutawayScreen />}
      {current.id === 'receipts' && <ReceiptsScreen me={me} status={status} id={route[1]} />}
      {current.id === 'stock' && <StockScreen />}
      {current.id === 'returns' && <ReturnsScreen me={me} />}
      {current.id === 'counts' && <CountsScreen me={me} status={status} id={route[1]} />}
      {current.id === 'shipments' && <ShipmentsScreen me={me} status={status} id={route[1]} />}
      {current.id === 'kpis' && <KpisScreen />}
      {current.id === 'channels' && <ChannelsScreen me={me} id={route[1]} />}
    </div>
  );
}
