// scripts/e2e — dockgate-gateway's answers to bad input, as a child process: a bad config exits 78 naming file and
// key (stderr and a JSON log line); a broker that refuses the credentials is logged clearly and retried with back-off;
// SIGHUP applies what is safe, says what needs a restart, and keeps running on a broken file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EX_CONFIG } from '../../runtime/lifecycle.js';
import { TEST_GATEWAY_PASSWORD, startTestHub } from '../../hub/testing/harness.js';
import { startLlrpSimulator } from '../sim/llrp-reader.js';
import { GATEWAY, gatewayYaml, spawnGateway, until, writeGatewayYaml } from './gateway-support.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gw-e2e-faults-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('dockgate-gateway faults', () => {
  it('exits 78 on a bad config, naming the file, the key and the problem, on stderr and as a log line', async () => {
    const dir = tempDir();
    const path = join(dir, 'gateway.yaml');
    writeFileSync(path, gatewayYaml({ mqttUrl: 'mqtt://127.0.0.1:1', readers: [{ id: 'r1', port: 70000 }], outboxPath: join(dir, 'o.db') }));
    const gw = spawnGateway(path);
    expect(await gw.exited).toEqual({ code: EX_CONFIG, signal: null });
    expect(gw.stderr()).toContain(path);
    expect(gw.stderr()).toMatch(/readers\[0\]\.port/);
    const fatal = gw.logs.find((l) => l.level === 'fatal');
    expect(fatal?.msg).toMatch(/configuration error, not starting/);
    expect(fatal?.msg).toContain('readers[0].port');
    expect(fatal?.file).toBe(path);

    const missing = spawnGateway(join(dir, 'nope.yaml'));
    expect(await missing.exited).toEqual({ code: EX_CONFIG, signal: null });
    expect(missing.stderr()).toMatch(/nope\.yaml.*no such file/);
  }, 60_000);

  it('logs a broker that refuses the credentials and keeps retrying with back-off', async () => {
    const th = await startTestHub();
    cleanups.push(() => th.stop());
    const dir = tempDir();
    const gw = spawnGateway(writeGatewayYaml(dir, { mqttUrl: th.mqttUrl, password: 'wrong-secret', readers: [{ id: 'r1', port: 1 }], outboxPath: join(dir, 'o.db') }));
    cleanups.push(() => gw.stop('SIGKILL'));
    const refused = await gw.waitLog((l) => l.component === 'mqtt' && l.level === 'error' && /broker refused the connection/.test(l.msg), 'the refusal');
    expect(refused.msg).toMatch(/bad user name or password|not authorized/);
    const retry1 = await gw.waitLog((l) => l.msg === 'mqtt connection attempt failed; retrying with back-off' && l.attempt === 1, 'a retry');
    const retry3 = await gw.waitLog((l) => l.msg === 'mqtt connection attempt failed; retrying with back-off' && l.attempt === 3, 'a third retry');
    expect(retry1.retryInMs).toBeGreaterThan(0);
    expect(retry3.retryInMs as number).toBeLessThanOrEqual(1000);
    expect(gw.child.exitCode).toBeNull();
    expect(await gw.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  }, 60_000);

  it('SIGHUP applies the log level and portal tuning, names what needs a restart, and survives a broken file', async () => {
    const th = await startTestHub();
    cleanups.push(() => th.stop());
    const sim = await startLlrpSimulator({ readerId: 'r1' });
    cleanups.push(() => sim.close());
    const dir = tempDir();
    const base = { mqttUrl: th.mqttUrl, password: TEST_GATEWAY_PASSWORD, readers: [{ id: 'r1', port: sim.port }], outboxPath: join(dir, 'o.db') };
    const path = writeGatewayYaml(dir, base);
    const gw = spawnGateway(path);
    cleanups.push(() => gw.stop('SIGKILL'));
    // Connected, subscribed (the hub has its status: the SUBSCRIBE went before it) and reading.
    await until(() => (th.hub.db.prepare('SELECT online FROM gateways WHERE gateway = ?').get(GATEWAY) as { online: number } | undefined)?.online === 1, 'the status at the hub');
    await until(() => sim.rospecState === 'active', 'reading');

    writeGatewayYaml(dir, { ...base, logLevel: 'debug', portalDefaults: '{ minReads: 3 }', extra: 'clock: { offsetWarnMs: 5000 }\n', readers: [{ id: 'r1', port: sim.port + 1 }] });
    gw.child.kill('SIGHUP');
    const reloaded = await gw.waitLog((l) => l.msg.startsWith('configuration reloaded'), 'the reload');
    expect(reloaded.applied).toEqual(['logLevel', 'portal parameters', 'clock']);
    expect(reloaded.needsRestart).toEqual(['readers']);
    // Debug lines now show: a reader restart (hub command) logs the link closing at debug. The reader keeps its
    // running address (the changed port needs a restart) and reads again.
    const connections = sim.stats.connections;
    await th.hub.sendCommand(GATEWAY, { cmd: 'reader.restart', reader: 'r1' });
    await gw.waitLog((l) => l.level === 'debug' && l.msg === 'llrp link closed', 'a debug line after the level change');
    await until(() => sim.stats.connections === connections + 1 && sim.rospecState === 'active', 'the reader back, on its running address');

    writeFileSync(path, 'site: [unclosed\n');
    gw.child.kill('SIGHUP');
    const refused = await gw.waitLog((l) => l.level === 'error' && l.msg.startsWith('reload refused, keeping the running configuration'), 'the refused reload');
    expect(refused.msg).toContain(path);
    expect(gw.child.exitCode).toBeNull();
    expect(await gw.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  }, 60_000);
});
