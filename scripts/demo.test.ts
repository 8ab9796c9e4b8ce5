// scripts — `npm start` as a newcomer runs it, as real processes (demo, hub, gateway, simulated readers) on a state
// folder of its own: the banner with the token and curl lines that carry it, a pallet received and put away into
// sellable stock, 401 for a mutation without a token; then again with DOCKGATE_API_TOKENS in the environment on the
// same folder (a restart: fresh pallets, no EPC received twice), a second start beside it refused naming the running
// one, and a bad token list reported with the hub's reason instead of a silent wait.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'dockgate-demo-test-'));
const running: ChildProcess[] = [];

interface Demo {
  proc: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

function startDemo(env: Record<string, string | undefined>, stateDir = dir): Demo {
  const base: NodeJS.ProcessEnv = { ...process.env, DOCKGATE_DEMO_DIR: stateDir, DOCKGATE_DEMO_HTTP_PORT: '0', DOCKGATE_DEMO_MQTT_PORT: '0' };
  delete base.DOCKGATE_API_TOKENS;
  delete base.DEMO_ROUNDS;
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/demo.ts')], { cwd: ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(proc);
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exit = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { proc, output: () => out, exit };
}

async function until<T>(what: string, demo: Demo, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (demo.proc.exitCode !== null) throw new Error(`the demo exited (${demo.proc.exitCode}) before ${what}:\n${demo.output()}`);
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs / 1000} s:\n${demo.output()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

interface Banner {
  api: string;
  token: string;
}

function banner(demo: Demo): Promise<Banner> {
  return until('banner', demo, () => {
    const api = /REST API +(http:\/\/127\.0\.0\.1:\d+)/.exec(demo.output())?.[1];
    const token = /API token +(\S+)/.exec(demo.output())?.[1];
    return api && token ? { api, token } : undefined;
  });
}

async function get<T>(b: Banner, path: string, token = b.token): Promise<{ status: number; body: T }> {
  const res = await fetch(`${b.api}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as T };
}

interface StockRow {
  sku: string;
  available: number;
  locations: Array<{ location: string; sellable: boolean; onHand: number }>;
}

/** Sellable, available units put away at `stock` (the demo's put-away after a pallet was received at door-1). */
async function availableInStock(b: Banner): Promise<number> {
  const r = await get<{ stock: StockRow[] }>(b, '/api/v1/stock');
  expect(r.status).toBe(200);
  return r.body.stock.reduce((n, s) => n + (s.locations.some((l) => l.location === 'stock' && l.sellable && l.onHand > 0) ? s.available : 0), 0);
}

async function receipts(b: Banner): Promise<string[]> {
  const r = await get<{ moves: Array<{ epc: string | null }> }>(b, '/api/v1/moves?reason=receipt&limit=1000');
  expect(r.status).toBe(200);
  return r.body.moves.map((m) => m.epc!);
}

async function unauthenticatedMutation(b: Banner): Promise<number> {
  const res = await fetch(`${b.api}/api/v1/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sku: 'X-1', name: 'x', tracking: 'quantity' }) });
  return res.status;
}

function rounds(output: string): number[] {
  return [...output.matchAll(/^round (\d+): \d+ units arriving/gm)].map((m) => Number(m[1]));
}

async function stopDemo(demo: Demo): Promise<void> {
  if (demo.proc.exitCode !== null) return;
  demo.proc.kill('SIGTERM');
  expect(await demo.exit).toBe(0);
}

afterAll(async () => {
  for (const p of running) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('npm start (the demo)', () => {
  let firstReceipts: string[] = [];
  let firstRounds: number[] = [];

  it('without tokens in the environment: its own token in the banner and curl lines, a pallet received and put away into sellable stock, 401 without the token', async () => {
    const demo = startDemo({});
    try {
      const b = await banner(demo);
      expect(demo.output()).toContain(`curl -s -H 'Authorization: Bearer ${b.token}' ${b.api}/api/v1/stock`);
      expect(await unauthenticatedMutation(b)).toBe(401);
      await until('round 1 received and put away', demo, () => (/round 1: \d+ of \d+ units received at door-1, [1-9]\d* put away into stock \(sellable\)/.test(demo.output()) ? true : undefined));
      expect(await availableInStock(b)).toBeGreaterThan(0);
      firstReceipts = await receipts(b);
      expect(firstReceipts.length).toBeGreaterThan(0);
    } finally {
      await stopDemo(demo);
    }
    firstRounds = rounds(demo.output());
    expect(firstRounds[0]).toBe(1);
  }, 300_000);

  it('with DOCKGATE_API_TOKENS set, on the same folder: continues with fresh pallets, the configured token works too, a second start is refused naming this one', async () => {
    const demo = startDemo({ DOCKGATE_API_TOKENS: 'ops:operator:op-secret-123456' });
    try {
      await secondRun(demo);
    } finally {
      await stopDemo(demo);
    }
  }, 300_000);

  async function secondRun(demo: Demo): Promise<void> {
    const b = await banner(demo);
    expect(demo.output()).toContain('DOCKGATE_API_TOKENS is set: its tokens (ops) are accepted too');
    expect(demo.output()).toContain(`curl -s -H 'Authorization: Bearer ${b.token}'`);
    expect(await unauthenticatedMutation(b)).toBe(401);
    expect((await get(b, '/api/v1/stock', 'op-secret-123456')).status).toBe(200);

    const second = startDemo({});
    const code = await second.exit;
    expect(code).toBe(1);
    expect(second.output()).toContain(`another dockgate demo is already running on ${dir}: pid ${demo.proc.pid}`);
    expect(second.output()).toContain(`REST ${b.api}`);

    // A pallet of the next round arrives: EPCs never received before, none received twice.
    const fresh = await until('a pallet of the next round', demo, async () => {
      const all = await receipts(b);
      return all.length > firstReceipts.length ? all : undefined;
    });
    expect(new Set(fresh).size).toBe(fresh.length);
    const later = rounds(demo.output());
    expect(later[0]).toBeGreaterThan(Math.max(...firstRounds));
    expect(demo.output()).toContain(`continuing at round ${later[0]}`);
  }

  it('a token list the hub refuses: the demo says why and stops, instead of waiting silently', async () => {
    const other = mkdtempSync(join(tmpdir(), 'dockgate-demo-test-bad-'));
    try {
      const demo = startDemo({ DOCKGATE_API_TOKENS: 'no-role-here' }, other);
      const code = await demo.exit;
      expect(code).toBe(1);
      expect(demo.output()).toMatch(/the hub exited \(code 78\)/);
      expect(demo.output()).toContain('DOCKGATE_API_TOKENS');
      expect(demo.output()).not.toContain('dockgate demo is running');
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  }, 120_000);
});
