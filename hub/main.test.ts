// dockgate-hub as operators run it: a child process with a config file.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort, waitFor } from './broker/test-support.js';

const MAIN = resolve(import.meta.dirname, 'main.ts');
const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('dockgate-hub', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hub-main-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 78 naming the file, the key and the problem when the config is bad', () => {
    const path = join(dir, 'hub.yaml');
    writeFileSync(path, 'site: Bad Site\nhttp: { port: 99999 }\n');
    const r = run(['--config', path]);
    expect(r.status).toBe(78);
    expect(r.stderr).toContain(`${path}: site:`);
    expect(r.stderr).toContain(`${path}: http.port:`);
  });

  it('check and backup need none of the daemon\'s secrets (a door\'s gateway credentials come from the environment only)', () => {
    const path = join(dir, 'hub.yaml');
    const db = join(dir, 'hub.db');
    writeFileSync(
      path,
      `site: s1\ndatabase: { path: ${db} }\nhttp: { host: 0.0.0.0 }\nlocations:\n  - { id: dock-1, kind: door }\n  - { id: in, kind: receiving }\n  - { id: st, kind: stock }\n  - { id: rt, kind: returns }\ndoors:\n  - { id: door-1, mode: receiving, gateway: gw-1, location: dock-1 }\n`,
    );
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DOCKGATE_')));
    const runBare = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { encoding: 'utf8', timeout: 60_000, env });
    expect(runBare(['--config', path]).status).toBe(78); // the daemon does need them
    const check = runBare(['check', '--config', path]);
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    const b = runBare(['backup', '--config', path, '--to', join(dir, 'copy.db')]);
    expect(b.status).toBe(0);
  });

  it('exits 64 with the usage when --config is missing', () => {
    const r = run([]);
    expect(r.status).toBe(64);
    expect(r.stderr).toMatch(/usage: dockgate-hub/);
  });

  it('starts, serves, and stops cleanly on SIGTERM; check and backup work on what it wrote', async () => {
    const path = join(dir, 'hub.yaml');
    const httpPort = await freePort();
    writeFileSync(path, `site: s1\ndatabase: { path: ${join(dir, 'hub.db')} }\nbroker: { tcp: { host: 127.0.0.1, port: 0 } }\nhttp: { port: ${httpPort} }\n`);
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--config', path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${httpPort}/api/v1/doors`).catch(() => undefined))?.ok, 'the hub to serve', 30_000, 100);
      const created = await fetch(`http://127.0.0.1:${httpPort}/api/v1/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sku: 'A', name: 'A', tracking: 'quantity' }) });
      expect(created.status).toBe(201);
      const lines = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { component?: string; msg: string });
      expect(lines.some((l) => l.component === 'hub' && l.msg === 'hub ready')).toBe(true);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(out).toMatch(/stopped cleanly/);

    const check = run(['check', '--config', path]);
    expect(check.status).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ ok: true });
    const backup = join(dir, 'copy.db');
    const b = run(['backup', '--config', path, '--to', backup]);
    expect(b.status).toBe(0);
    expect(b.stdout).toMatch(/ledger check of the copy: ok/);
    expect(existsSync(backup)).toBe(true);
  });
});
