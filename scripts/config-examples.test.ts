// scripts — every example config shipped in config/ boots as its daemon, with only machine paths, ports and the
// addresses of things that do not exist here changed (and the secrets it reads from the environment set). The hub's
// example (config/hub.example.yaml) is booted by hub/main.test.ts; this boots config/gateway.example.yaml: with none of
// its readers, scanners or broker reachable, the gateway starts, stays up, logs (JSON with a component) what it cannot
// reach, serves its metrics (each reader's state, each scanner closed), and stops with exit 0 on SIGTERM.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '../hub/broker/test-support.js';

const ROOT = resolve(import.meta.dirname, '..');

describe('example configs in config/', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('every example has a boot test', () => {
    const examples = readdirSync(join(ROOT, 'config')).filter((f) => f.endsWith('.example.yaml')).sort();
    expect(examples).toEqual(['gateway.example.yaml', 'hub.example.yaml']);
    expect(readFileSync(join(ROOT, 'hub/main.test.ts'), 'utf8')).toContain("'../config/hub.example.yaml'");
  });

  it('config/gateway.example.yaml starts with its readers, scanners and broker unreachable, serves its metrics, and stops with exit 0', async () => {
    dir = mkdtempSync(join(tmpdir(), 'config-examples-'));
    const etc = join(dir, 'etc');
    mkdirSync(etc);
    mkdirSync(join(dir, 'var')); // /var/lib/dockgate: systemd's StateDirectory makes it
    for (const name of ['ca', 'gw']) {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', join(etc, `${name}.key`), '-out', join(etc, `${name}.pem`)], { stdio: 'ignore' });
    }
    const metricsPort = await freePort();
    const closed = await freePort(); // nothing listens there: the broker refuses
    const yaml = readFileSync(join(ROOT, 'config/gateway.example.yaml'), 'utf8')
      .replaceAll('/etc/dockgate/', `${etc}/`)
      .replaceAll('/var/lib/dockgate/', `${dir}/var/`)
      .replace(/port: 9464\b/, `port: ${metricsPort}`)
      .replace('mqtts://hub.acme.local:8883', `mqtts://127.0.0.1:${closed}`)
      .replace(/10\.0\.0\.\d+/g, '127.0.0.1'); // the readers (and their brokers) on loopback ports where nothing listens
    const path = join(dir, 'gateway.yaml');
    writeFileSync(path, yaml);
    const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DOCKGATE_'))), DOCKGATE_MQTT_PASSWORD: 'example-secret' };
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'gateway/main.ts'), '--config', path], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const lines = () => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { component?: string; msg: string; reader?: string });
      await waitFor(() => lines().some((l) => l.msg === 'gateway running') || child.exitCode !== null, 'the example gateway to run', 60_000, 100);
      expect(child.exitCode, out.slice(-3000)).toBe(null);
      // It reports what it cannot reach, and keeps trying.
      await waitFor(() => ['portal-1', 'portal-2', 'portal-3'].every((r) => lines().some((l) => l.reader === r && l.msg === 'reader backoff')), 'every reader to be reported unreachable', 30_000, 100);
      await waitFor(() => lines().some((l) => l.component === 'mqtt' && /mqtt connection/.test(l.msg)), 'the unreachable broker to be reported', 30_000, 100);
      expect(lines().filter((l) => l.component === undefined && l.msg !== 'stopped cleanly' && l.msg !== 'shutting down')).toEqual([]);
      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      for (const reader of ['portal-1', 'portal-2', 'portal-3']) expect(metrics).toMatch(new RegExp(`dockgate_gateway_reader_state\\{reader="${reader}",state="[a-z_]+"\\} 1`));
      for (const scanner of ['scan-1', 'scan-2', 'scan-3']) expect(metrics).toContain(`dockgate_gateway_scanner_open{scanner="${scanner}"} 0`);
      expect(child.exitCode).toBe(null);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, out.slice(-3000)).toBe(0);
    expect(out).toMatch(/stopped cleanly/);
  }, 120_000);
});
