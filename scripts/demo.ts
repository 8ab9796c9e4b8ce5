// scripts — `npm start`: the embedded demo. A hub with its embedded broker and a SQLite file in the state folder
// (var/demo, or DOCKGATE_DEMO_DIR), two simulated LLRP dock doors (door-1 receiving, door-2 shipping), a gateway daemon
// wired to them, and a loop of rounds: a truck of pallets is unloaded at door-1, the units received are put away into
// sellable stock, and units of the rounds before leave through door-2. Hub and gateway run as real child processes
// with generated configs; the demo's REST calls carry its own admin token (the hub always requires one here, and
// DOCKGATE_API_TOKENS set in the environment are accepted beside it). One demo per state folder; a restart continues
// with the next round's fresh pallets. Ctrl-C stops everything cleanly.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { parseSecretList } from '../protocols/config/env.js';
import { decodeEpc } from '../protocols/epc/index.js';
import { gatewayYaml, hubYaml } from './demo/configs.js';
import { hubClient, waitUntil, type HubClient } from './demo/hub-client.js';
import { claimDemoDir, DemoAlreadyRunning, type DemoLock } from './demo/instance-lock.js';
import { roundPlan, type RoundPlan } from './demo/rounds.js';
import { demoToken, nextRound, roundStarted } from './demo/state.js';
import { startLlrpSimulator, type LlrpSimulator } from './sim/llrp-reader.js';

const ROOT = resolve(import.meta.dirname, '..');
const DIR = resolve(process.env.DOCKGATE_DEMO_DIR ?? join(ROOT, 'var', 'demo'));
const GATEWAY_PASSWORD = 'demo-gateway-secret';
const ROUNDS = Number(process.env.DEMO_ROUNDS ?? Infinity);
const LOG_LEVEL = process.env.DOCKGATE_LOG_LEVEL ?? 'warn';

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** `preferred`, or any free port when it is taken (0: any free port). */
function freePort(preferred: number): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number>((res, rej) => {
      const s = createServer();
      s.once('error', rej);
      s.listen(port, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => res(p));
      });
    });
  return tryPort(preferred).catch(() => tryPort(0));
}

function portSetting(variable: string, fallback: number): number {
  const text = process.env[variable];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${variable}: expected a port number (0 = any free port), got "${text}"`);
  return n;
}

interface Child {
  name: string;
  proc: ChildProcess;
  /** Rejects when the process exits while the demo is not stopping, with its code and last lines of output. */
  exited: Promise<never>;
}

let stopping = false;
const children: Child[] = [];
const sims: LlrpSimulator[] = [];
let lock: DemoLock | undefined;

function startChild(name: string, script: string, config: string, env: NodeJS.ProcessEnv): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, script), '--config', config], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logFile = join(DIR, `${name}.log`);
  const chunks: string[] = [];
  const tail: string[] = [];
  const keep = (b: Buffer) => {
    chunks.push(b.toString());
    tail.push(...b.toString().split('\n').filter((l) => l.trim() !== ''));
    tail.splice(0, Math.max(0, tail.length - 5));
    if (chunks.length > 200) writeFileSync(logFile, chunks.splice(0).join(''), { flag: 'a' });
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', (b: Buffer) => {
    keep(b);
    process.stderr.write(`[${name}] ${b.toString()}`);
  });
  const exited = new Promise<never>((_, reject) => {
    proc.on('exit', (code, signal) => {
      writeFileSync(logFile, chunks.splice(0).join(''), { flag: 'a' });
      if (stopping) return;
      const why = `the ${name} exited (${signal ?? `code ${code}`})${tail.length ? `; its last lines:\n  ${tail.join('\n  ')}` : ''}\n(full log: ${logFile})`;
      reject(new Error(why));
    });
  });
  exited.catch((err: unknown) => {
    say((err as Error).message);
    void stop(1);
  });
  return { name, proc, exited };
}

async function stop(code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  say('\nstopping the demo …');
  for (const c of children.reverse()) {
    if (c.proc.exitCode === null && c.proc.signalCode === null) {
      c.proc.kill('SIGTERM');
      await new Promise((r) => c.proc.once('exit', r));
    }
  }
  await Promise.all(sims.map((s) => s.close()));
  lock?.release();
  say('stopped.');
  process.exit(code);
}

/** The demo's token is an admin token of its own, named so it does not replace one configured in the environment. */
function tokenSetup(token: string): { name: string; env: string; configured: string[] } {
  const given = process.env.DOCKGATE_API_TOKENS;
  const configured = given === undefined ? [] : parseSecretList('DOCKGATE_API_TOKENS', given, true).entries.map((e) => e.name);
  let name = 'demo';
  for (let i = 2; configured.includes(name); i++) name = `demo-${i}`;
  const mine = `${name}:admin:${token}`;
  return { name, configured, env: given && given.trim() !== '' ? `${given},${mine}` : mine };
}

function banner(api: string, mqttPort: number, token: { name: string; value: string; configured: string[] }): string {
  const h = `-H 'Authorization: Bearer ${token.value}'`;
  const configured = token.configured.length
    ? `\n  DOCKGATE_API_TOKENS is set: its tokens (${token.configured.join(', ')}) are accepted too; the demo signs its own calls as "${token.name}".`
    : '';
  return `
dockgate demo is running.
  REST API   ${api}   (dashboard: ${api}/ — sign in with the token below)
  API token  ${token.value}   (name "${token.name}", role admin; kept in ${join(DIR, 'api-token')})${configured}
  MQTT       mqtt://127.0.0.1:${mqttPort}  (site "demo", gateway "dock-gw")
  state      ${DIR}  (hub.db, gateway-outbox.db, configs, logs)

Every minute or so a truck is unloaded at door-1 (receiving), its units are put away into stock (sellable), and units
of the rounds before leave through door-2 (shipping). Try:
  curl -s ${h} ${api}/api/v1/stock | head -c 600; echo
  curl -s ${h} '${api}/api/v1/moves?limit=5' | head -c 800; echo
  curl -s ${h} '${api}/api/v1/doors/door-1/activity?limit=5'
  curl -s ${h} ${api}/api/v1/gateways
  curl -s ${h} ${api}/api/v1/valuation
Without the header the API answers 401. Ctrl-C stops everything.
`;
}

/** Create the catalog items of a round's GTINs (serial-tracked, standard cost 12.50) that the hub does not know. */
async function ensureItems(hub: HubClient, epcs: readonly string[], known: Set<string>): Promise<void> {
  for (const epc of epcs) {
    const d = decodeEpc(epc);
    if (!d.ok || !d.gtin || known.has(d.gtin)) continue;
    await hub.call('POST', '/api/v1/items', {
      body: { sku: `SKU-${d.gtin.slice(7, 13)}`, name: `Demo item ${d.gtin}`, tracking: 'serial', gtins: [d.gtin], standardCost: 1250 },
      accept: [409],
    });
    known.add(d.gtin);
  }
}

interface ReceiptMove {
  sku: string;
  epc: string | null;
  to: string;
}

/** The round's units the hub has received since `sinceIso` (receipt moves of the arriving EPCs). */
async function receivedUnits(hub: HubClient, plan: RoundPlan, sinceIso: string): Promise<ReceiptMove[]> {
  const arriving = new Set(plan.arriving);
  const out: ReceiptMove[] = [];
  let cursor: string | null = null;
  do {
    const q: string = `/api/v1/moves?reason=receipt&since=${encodeURIComponent(sinceIso)}&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page: { moves: ReceiptMove[]; nextCursor: string | null } = (await hub.call<{ moves: ReceiptMove[]; nextCursor: string | null }>('GET', q)).body;
    out.push(...page.moves.filter((m) => m.epc !== null && arriving.has(m.epc)));
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/** Wait until the round's units have been received (or no more come for a few seconds), then put each away. */
async function receiveAndPutAway(hub: HubClient, plan: RoundPlan, sinceIso: string, abort: Promise<never>): Promise<void> {
  let received: ReceiptMove[] = [];
  let lastCount = -1;
  let steadySince = Date.now();
  await waitUntil(
    `round ${plan.round}'s ${plan.arriving.length} units to be received at door-1`,
    async () => {
      received = await receivedUnits(hub, plan, sinceIso);
      if (received.length !== lastCount) {
        lastCount = received.length;
        steadySince = Date.now();
      }
      // A unit the portal did not see well enough is not received: do not wait for it forever.
      if (received.length === plan.arriving.length || (received.length > 0 && Date.now() - steadySince > 6_000)) return { done: true };
      return { done: false, last: `${received.length} received so far (GET /api/v1/moves?reason=receipt)` };
    },
    { timeoutMs: 60_000, say, abort },
  );
  let putAway = 0;
  for (const m of received) {
    if (m.to !== 'receiving') continue;
    const r = await hub.call('POST', '/api/v1/moves', {
      headers: { 'idempotency-key': `demo-putaway-${m.epc}` },
      body: { sku: m.sku, qty: 1, from: 'receiving', to: 'stock', reason: 'transfer', epc: m.epc, note: `demo put-away, round ${plan.round}` },
      accept: [409, 422],
    });
    if (r.status === 200 || r.status === 201) putAway++;
  }
  say(`round ${plan.round}: ${received.length} of ${plan.arriving.length} units received at door-1, ${putAway} put away into stock (sellable)`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function main(): Promise<void> {
  mkdirSync(DIR, { recursive: true });
  try {
    lock = await claimDemoDir(DIR, say, 'demo.ts');
  } catch (err) {
    if (!(err instanceof DemoAlreadyRunning)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  const wantHttp = portSetting('DOCKGATE_DEMO_HTTP_PORT', 8080);
  const wantMqtt = portSetting('DOCKGATE_DEMO_MQTT_PORT', 1883);
  const mqttPort = await freePort(wantMqtt);
  const httpPort = await freePort(wantHttp);
  for (const [want, got, what] of [[wantHttp, httpPort, 'REST API'], [wantMqtt, mqttPort, 'MQTT broker']] as const) {
    if (want !== 0 && want !== got) say(`port ${want} is taken by another program: the ${what} listens on ${got} instead`);
  }
  for (const id of ['r1', 'r2']) sims.push(await startLlrpSimulator({ readerId: id, host: '127.0.0.1', port: 0 }));
  writeFileSync(join(DIR, 'hub.yaml'), hubYaml(DIR, mqttPort, httpPort));
  writeFileSync(join(DIR, 'gateway.yaml'), gatewayYaml(DIR, mqttPort, sims.map((s) => s.port)));

  const tokenValue = demoToken(DIR);
  const token = tokenSetup(tokenValue);
  const api = `http://127.0.0.1:${httpPort}`;
  const hub = hubClient(api, tokenValue);
  const hubProc = startChild('hub', 'hub/main.ts', join(DIR, 'hub.yaml'), {
    DOCKGATE_GATEWAY_PASSWORDS: `dock-gw:${GATEWAY_PASSWORD}`,
    DOCKGATE_API_TOKENS: token.env,
    DOCKGATE_LOG_LEVEL: LOG_LEVEL,
  });
  children.push(hubProc);
  lock.update({ children: [{ name: 'hub', pid: hubProc.proc.pid! }] });
  await waitUntil(
    `the hub to be ready at ${api}/ready`,
    async () => {
      const res = await fetch(`${api}/ready`, { signal: AbortSignal.timeout(5_000) });
      return res.ok ? { done: true } : { done: false, last: `${res.status} ${(await res.text()).slice(0, 300)}` };
    },
    { timeoutMs: 90_000, say, abort: hubProc.exited },
  );
  // The token is checked once before anything relies on it: a refusal here names itself instead of hanging later.
  await hub.call('GET', '/api/v1/doors');

  const gwProc = startChild('gateway', 'gateway/main.ts', join(DIR, 'gateway.yaml'), { DOCKGATE_MQTT_PASSWORD: GATEWAY_PASSWORD, DOCKGATE_LOG_LEVEL: LOG_LEVEL });
  children.push(gwProc);
  lock.update({ api, mqtt: `mqtt://127.0.0.1:${mqttPort}`, children: children.map((c) => ({ name: c.name, pid: c.proc.pid! })) });
  say(banner(api, mqttPort, { name: token.name, value: tokenValue, configured: token.configured }));

  const eitherExited = Promise.race([hubProc.exited, gwProc.exited]);
  eitherExited.catch(() => undefined);
  // A reader reports nothing until the gateway has configured it and started its ROSpec.
  await waitUntil(
    'the gateway to connect to both simulated readers and start reading',
    async () => (sims.every((s) => s.rospecState === 'active') ? { done: true } : { done: false, last: sims.map((s, i) => `door-${i + 1}: ${s.connected ? 'connected' : 'not connected'}, ROSpec ${s.rospecState}`).join('; ') }),
    { timeoutMs: 90_000, say, abort: eitherExited },
  );
  say('gateway connected to both doors: reading.');

  const known = new Set<string>();
  const first = nextRound(DIR);
  if (first > 1) say(`continuing at round ${first} (the state folder has rounds 1–${first - 1}): fresh pallets, the units in stock leave as before`);
  for (let round = first; round < first + ROUNDS && !stopping; round++) {
    roundStarted(DIR, round);
    const plan = roundPlan(round);
    await ensureItems(hub, plan.arriving, known);
    const since = new Date(Date.now() - 5_000).toISOString();
    say(`round ${round}: ${plan.arriving.length} units arriving at door-1${plan.leaving.length ? `; ${plan.leaving.length} units of earlier rounds leaving through door-2` : ''}`);
    await Promise.race([Promise.all([sims[0]!.play(plan.receiving, { speed: 1 }), sims[1]!.play(plan.shipping, { speed: 1 })]), eitherExited]);
    await receiveAndPutAway(hub, plan, since, eitherExited);
    if (round + 1 < first + ROUNDS) await sleep(5_000);
  }
  if (!stopping) await stop(0);
}

main().catch((err: unknown) => {
  if (stopping) return;
  process.stderr.write(`demo failed: ${(err as Error).message ?? String(err)}\n`);
  void stop(1);
});
