// The hub's external-broker client honours broker.tls (caFile, certFile, keyFile, rejectUnauthorized): mutual TLS
// against a real Mosquitto that requires a client certificate signed by its CA.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../status/test-support.js';
import { startTestHub, type TestHub } from '../testing/harness.js';
import { freePort, startMosquitto, type Mosquitto } from './test-support.js';

function makeCerts(dir: string): void {
  const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-days', '1', '-subj', '/CN=dockgate test CA', '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.pem')]);
  for (const [name, cn, ext] of [['server', 'localhost', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n'], ['hub', 'dockgate-hub', 'extendedKeyUsage=clientAuth\n']] as const) {
    openssl(['req', '-new', ...ec, '-subj', `/CN=${cn}`, '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.csr`)]);
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(['x509', '-req', '-in', join(dir, `${name}.csr`), '-CA', join(dir, 'ca.pem'), '-CAkey', join(dir, 'ca.key'), '-CAcreateserial', '-days', '1', '-out', join(dir, `${name}.pem`), '-extfile', join(dir, `${name}.ext`)]);
  }
  chmodSync(dir, 0o755); // Mosquitto started as root drops to its own user
  for (const f of ['ca.pem', 'server.pem', 'server.key']) chmodSync(join(dir, f), 0o644);
}

describe('hub → external broker over mutual TLS', () => {
  let dir: string;
  let broker: Mosquitto;
  let tlsPort: number;
  let t: TestHub | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dockgate-mtls-'));
    makeCerts(dir);
    tlsPort = await freePort();
    broker = await startMosquitto([`listener ${tlsPort} 127.0.0.1`, `cafile ${join(dir, 'ca.pem')}`, `certfile ${join(dir, 'server.pem')}`, `keyfile ${join(dir, 'server.key')}`, 'require_certificate true']);
  });
  afterAll(async () => {
    await t?.stop();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the broker refuses a TLS client without a certificate', async () => {
    await expect(mqtt.connectAsync(`mqtts://127.0.0.1:${tlsPort}`, { ca: readFileSync(join(dir, 'ca.pem')), reconnectPeriod: 0, connectTimeout: 5000 })).rejects.toThrow();
  });

  it('connects with broker.tls certFile/keyFile and is ready', async () => {
    t = await startTestHub({
      broker: `{ type: external, url: "mqtts://127.0.0.1:${tlsPort}", clientId: dockgate-hub-mtls, reconnectPeriodMs: 200, tls: { caFile: ${join(dir, 'ca.pem')}, certFile: ${join(dir, 'hub.pem')}, keyFile: ${join(dir, 'hub.key')}, rejectUnauthorized: true } }`,
    });
    const r = await call<{ ready: boolean; broker: { ok: boolean; mode: string } }>(t.hub.url, 'GET', '/ready');
    expect(r.body).toMatchObject({ ready: true, broker: { ok: true, mode: 'external' } });
  });
});
