// dockgate-hub as operators run it: a child process with a config file.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort, waitFor } from './broker/test-support.js';
import { openDatabase } from './db/database.js';
import { createItem, createLocation, postMove } from './ledger/index.js';

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

  it('exits 78 naming file, key and problem for a missing TLS file, a door without a returns location and a network bind without tokens, before creating the database', () => {
    const db = join(dir, 'var', 'hub.db');
    const head = `site: s1\ndatabase: { path: ${db} }\nbroker: { tcp: { host: 127.0.0.1, port: 0 }, allowAnonymous: true }\nlocations:\n  - { id: dock-1, kind: door }\n  - { id: in, kind: receiving }\n  - { id: st, kind: stock }\n`;
    const cases: Array<[string, string]> = [
      [`${head}  - { id: rt, kind: returns }\nhttp: { port: 0, tls: { certFile: ${join(dir, 'api.pem')}, keyFile: ${join(dir, 'api.key')} } }\n`, `http.tls.certFile: cannot read ${join(dir, 'api.pem')}: no such file`],
      [`${head}http: { port: 0 }\ndoors:\n  - { id: door-1, mode: returns, gateway: gw-1, location: dock-1 }\n`, 'doors[0].roles.returns: door door-1 needs a returns location'],
      [`${head}  - { id: rt, kind: returns }\nhttp: { host: 0.0.0.0, port: 0 }\n`, 'http.host: 0.0.0.0 is not a loopback address and no API tokens are configured'],
    ];
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DOCKGATE_')));
    for (const [yaml, problem] of cases) {
      const path = join(dir, 'hub.yaml');
      writeFileSync(path, yaml);
      const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, '--config', path], { encoding: 'utf8', timeout: 60_000, env });
      expect(r.status, r.stderr).toBe(78);
      expect(r.stderr).toContain(`${path}: ${problem}`);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(existsSync(join(dir, 'var')), 'nothing created on disk').toBe(false);
    }
  });

  it('boots config/hub.example.yaml as shipped, with only its machine paths, ports and channel hosts changed; SIGTERM with every channel host hanging exits 0 within the deadline', async () => {
    const etc = join(dir, 'etc');
    mkdirSync(etc);
    const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'];
    openssl(['req', '-x509', ...ec, '-subj', '/CN=test CA', '-keyout', join(etc, 'ca.key'), '-out', join(etc, 'ca.pem')]);
    for (const name of ['hub', 'api']) openssl(['req', '-x509', ...ec, '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(etc, `${name}.key`), '-out', join(etc, `${name}.pem`)]);
    const ports = { 1883: await freePort(), 8883: await freePort(), 8083: await freePort(), 8080: await freePort() };
    // The channels' hosts do not answer: Shopify's and the webhook's accept TCP and never answer, Amazon's blackholes
    // (a listening socket whose accept queue is full: SYNs go unanswered).
    const heard: string[] = [];
    const held: Socket[] = [];
    const silent = createServer((sock) => {
      held.push(sock);
      sock.on('data', (b: Buffer) => heard.push(b.toString()));
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const silentHost = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const hole = spawn('python3', ['-c', 'import socket,sys,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(600)'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const holePort = await new Promise<number>((r) => hole.stdout.once('data', (b: Buffer) => r(Number(b.toString().trim()))));
    for (let i = 0; i < 2; i++) held.push(connect(holePort, '127.0.0.1').on('error', () => undefined)); // fill the accept queue
    let yaml = readFileSync(resolve(import.meta.dirname, '../config/hub.example.yaml'), 'utf8').replaceAll('/etc/dockgate/', `${etc}/`).replaceAll('/var/lib/dockgate/', `${dir}/var/`)
      .replace('https://acme.myshopify.com', silentHost).replace('https://sellingpartnerapi-eu.amazon.com', `http://127.0.0.1:${holePort}`).replaceAll('https://erp.acme.local', silentHost);
    for (const [from, to] of Object.entries(ports)) yaml = yaml.replace(new RegExp(`port: ${from}\\b`), `port: ${to}`);
    const path = join(dir, 'hub.yaml');
    writeFileSync(path, yaml);
    const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DOCKGATE_'))), DOCKGATE_API_TOKENS: 'boot:viewer:boot-token-1' };
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--config', path], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      await waitFor(() => out.includes('"msg":"hub ready"') || child.exitCode !== null, 'the example hub to be ready', 60_000, 100);
      expect(child.exitCode, out).toBe(null);
      const ca = readFileSync(join(etc, 'api.pem'));
      const status = await new Promise<number>((ok, fail) => {
        httpsGet(`https://127.0.0.1:${ports[8080]}/api/v1/doors`, { ca, headers: { authorization: 'Bearer boot-token-1' } }, (res) => {
          res.resume();
          ok(res.statusCode ?? 0);
        }).on('error', fail);
      });
      expect(status).toBe(200);
      // A channel request hangs at the silent host (Shopify reads what it shows before comparing).
      await waitFor(() => heard.some((h) => h.includes('/graphql.json')), 'a channel request to hang at the silent host', 30_000, 100);
    } finally {
      child.kill('SIGTERM');
    }
    // Stopped within the shutdown deadline (past it the hub exits 1 after "shutdown deadline exceeded").
    try {
      expect(await exited, out.slice(-3000)).toBe(0);
      expect(out).toMatch(/stopped cleanly/);
      expect(out).not.toMatch(/shutdown deadline exceeded/);
    } finally {
      for (const sock of held) sock.destroy();
      hole.kill();
      await new Promise((r) => silent.close(r));
    }
  }, 120_000);

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

  /** A hub config and its database, created and migrated by `check`, with one stock location. */
  const freshLedger = () => {
    const path = join(dir, 'hub.yaml');
    const file = join(dir, 'hub.db');
    writeFileSync(path, `site: s1\ndatabase: { path: ${file} }\n`);
    expect(run(['check', '--config', path]).status).toBe(0); // creates and migrates the database
    const db = openDatabase(file);
    const t = Date.UTC(2025, 2, 1);
    createLocation(db, { id: 'st', name: 'st', kind: 'stock' }, t);
    return { path, db, t };
  };

  it('check verifies what changed since the last verified point; check --full everything; an unknown argument exits 64', () => {
    const { path, db, t } = freshLedger();
    for (const sku of ['A', 'B']) createItem(db, { sku, name: sku, tracking: 'quantity', costMethod: 'fifo', standardCost: 10 }, t);
    let n = 0;
    const receive = (sku: string) => postMove(db, { id: `m-${++n}`, sku, qty: 3, from: 'supplier', to: 'st', reason: 'receipt', unitCost: 10, actor: { kind: 'api', id: 't' }, occurredAt: '2025-03-01T08:00:00Z' }, t);
    receive('A');
    receive('B');
    const json = (r: ReturnType<typeof run>) => JSON.parse(r.stdout) as { ok: boolean; mode: string; fromSeq: number; toSeq: number; verifiedSeq: number; differences: Array<{ sku: string }> };
    expect(json(run(['check', '--config', path]))).toMatchObject({ ok: true, mode: 'incremental', fromSeq: 0, toSeq: 2, verifiedSeq: 2 });
    db.prepare("UPDATE balances SET qty = qty + 1 WHERE sku = 'B'").run(); // B: before the point, not touched since
    receive('A');
    const inc = run(['check', '--config', path]);
    expect(inc.status, inc.stderr).toBe(0);
    expect(json(inc)).toMatchObject({ ok: true, fromSeq: 2, toSeq: 3, verifiedSeq: 3 });
    const full = run(['check', '--full', '--config', path]);
    expect(full.status).toBe(1);
    expect(json(full)).toMatchObject({ ok: false, mode: 'full', verifiedSeq: 3 });
    expect(new Set(json(full).differences.map((d) => d.sku))).toEqual(new Set(['B']));
    db.close();
    const bad = run(['check', '--ful', '--config', path]);
    expect(bad.status).toBe(64);
    expect(bad.stderr).toContain('dockgate-hub check: unknown argument --ful');
  }, 120_000); // six CLI runs, each a Node start with tsx

  it('close-period closes the ledger through a date, refuses naming a cursor behind it, and check passes from the snapshot', () => {
    const { path, db, t } = freshLedger();
    createItem(db, { sku: 'A', name: 'A', tracking: 'quantity', costMethod: 'fifo', standardCost: 10 }, t);
    for (const [n, day] of [[1, '01'], [2, '01'], [3, '02']] as const) {
      const occurredAt = `2025-03-${day}T08:00:00Z`;
      const actor = { kind: 'api', id: 't' } as const;
      postMove(db, { id: `m-${n}`, sku: 'A', qty: 3, from: 'supplier', to: 'st', reason: 'receipt', unitCost: 10 + n, actor, occurredAt }, t);
    }
    db.exec("CREATE TABLE erp_cursor (name TEXT PRIMARY KEY, seq INTEGER NOT NULL); INSERT INTO erp_cursor VALUES ('webhook-moves', 1)");
    const refused = run(['close-period', '--through', '2025-03-02', '--config', path]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('ERP cursor webhook-moves has not passed the cut-off');
    db.exec("UPDATE erp_cursor SET seq = 3");
    const closed = run(['close-period', '--through', '2025-03-02', '--config', path]);
    expect(closed.status, closed.stderr).toBe(0);
    const result = { action: 'close', period: 'start..2025-03-02', snapshotSeq: 2, archive: { moves: 2 }, state: { archivedSeq: 2 } };
    expect(JSON.parse(closed.stdout)).toMatchObject(result);
    expect(db.prepare('SELECT id FROM moves').pluck().all()).toEqual(['m-3']);
    db.close();
    const check = run(['check', '--full', '--config', path]);
    expect(check.status, check.stdout).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ ok: true, moves: 1 });
    expect(run(['close-period', '--through', 'soon', '--config', path]).status).toBe(64);
  }, 120_000); // six CLI runs, each a Node start with tsx

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
