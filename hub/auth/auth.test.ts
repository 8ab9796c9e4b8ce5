import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../protocols/logging/index.js';
import { startHub } from '../app.js';
import { hashSecret } from '../../protocols/secrets/secret-hash.js';
import { parseHubConfig } from '../config/load.js';
import { listAudit } from '../ledger/index.js';
import { call } from '../status/test-support.js';
import { startTestHub, type TestHub } from '../testing/harness.js';
import { assertSafeBind, isLoopback } from './bind.js';
import { requiredAccess, roleAllows } from './policy.js';
import { AuthFailureLimiter } from './rate-limit.js';
import { TokenVerifier } from './tokens.js';

const CHEAP = { N: 1024 };

describe('auth rules (pure)', () => {
  it('decides what each route needs from its pattern and method', () => {
    expect(requiredAccess('GET', '/health')).toBe('public');
    expect(requiredAccess('GET', '/')).toBe('public');
    expect(requiredAccess('GET', '/docs/static/index.html')).toBe('public');
    expect(requiredAccess('POST', '/webhooks/shopify/:channel/orders-create')).toBe('public');
    expect(requiredAccess('GET', '/api/v1/stock')).toBe('viewer');
    expect(requiredAccess('GET', '/metrics')).toBe('viewer');
    expect(requiredAccess('POST', '/api/v1/variances/:id/resolve')).toBe('operator');
    expect(requiredAccess('PUT', '/api/v1/doors/:id/mode')).toBe('operator');
    expect(requiredAccess('POST', '/api/v1/receipts')).toBe('operator');
    expect(requiredAccess('POST', '/api/v1/counts/:id/close')).toBe('operator');
    expect(requiredAccess('POST', '/api/v1/items')).toBe('admin');
    expect(requiredAccess('POST', '/api/v1/moves')).toBe('admin');
    expect(requiredAccess('POST', '/api/v1/channels/:id/resync')).toBe('admin');
    // a look-alike prefix is not the operator room
    expect(requiredAccess('POST', '/api/v1/doorsx')).toBe('admin');
    expect(requiredAccess('POST', '/health')).toBe('admin');
    expect(requiredAccess('POST', '/api/v1/items', 'operator')).toBe('operator');
    expect(roleAllows('admin', 'operator')).toBe(true);
    expect(roleAllows('operator', 'admin')).toBe(false);
    expect(roleAllows('viewer', 'viewer')).toBe(true);
  });

  it('knows loopback addresses and refuses a network bind without tokens, naming the keys', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) expect(isLoopback(h)).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.5', 'hub.example', '::ffff:10.0.0.1']) expect(isLoopback(h)).toBe(false);
    expect(() => assertSafeBind('127.0.0.1', 0)).not.toThrow();
    expect(() => assertSafeBind('0.0.0.0', 1)).not.toThrow();
    expect(() => assertSafeBind('0.0.0.0', 0)).toThrow(/http\.host is 0\.0\.0\.0.*http\.tokens/);
  });

  it('limits failures per address per window', () => {
    let now = 1_000_000;
    const l = new AuthFailureLimiter({ max: 3, windowS: 60 }, () => now);
    for (let i = 0; i < 3; i++) {
      expect(l.blockedFor('a')).toBe(0);
      l.fail('a');
    }
    expect(l.blockedFor('a')).toBe(60);
    expect(l.blockedFor('b')).toBe(0);
    now += 59_500;
    expect(l.blockedFor('a')).toBe(1);
    now += 500;
    expect(l.blockedFor('a')).toBe(0);
    expect(() => new AuthFailureLimiter({ max: 0, windowS: 1 }, () => now)).toThrow(/max >= 1/);
  });

  it('verifies a token against the scrypt hashes once, then from the cache; wrong tokens stay wrong', async () => {
    const v = new TokenVerifier([
      { name: 'wall', role: 'viewer', tokenHash: hashSecret('wall-secret', CHEAP) },
      { name: 'ops', role: 'operator', tokenHash: hashSecret('ops-secret', CHEAP) },
    ]);
    expect(v.enabled).toBe(true);
    const [a, b] = await Promise.all([v.verify('ops-secret'), v.verify('ops-secret')]);
    expect(a).toEqual({ name: 'ops', role: 'operator' });
    expect(b).toEqual(a);
    for (let i = 0; i < 100; i++) await v.verify('ops-secret');
    expect(v.slowChecks).toBe(1); // two concurrent first checks shared one scrypt; the rest came from the cache
    expect(await v.verify('ops-secre')).toBeUndefined();
    expect(await v.verify('ops-secret ')).toBeUndefined();
    expect(await v.verify('')).toBeUndefined();
    expect(await v.verify('x'.repeat(600))).toBeUndefined();
    expect(await v.verify('wall-secret')).toEqual({ name: 'wall', role: 'viewer' });
    expect(await v.verify('ops-secre')).toBeUndefined(); // a wrong token seen before costs no second scrypt
    expect(v.slowChecks).toBe(4);
    expect(new TokenVerifier([]).enabled).toBe(false);
    expect(() => new TokenVerifier([{ name: 'bad', role: 'admin', tokenHash: 'plain' }])).toThrow(/scrypt\$N\$r\$p/);
  });
});

describe('auth on a running hub', () => {
  let t: TestHub;
  const TOKENS = 'wall:viewer:wall-token-1,floor:operator:floor-token-1,boss:admin:boss-token-1';
  const http = (method: string, path: string, opts: Parameters<typeof call>[3] = {}) => call(t.hub.url, method, path, opts);

  beforeAll(async () => {
    t = await startTestHub({ env: { DOCKGATE_API_TOKENS: TOKENS } });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('lets liveness, the dashboard shell and the docs through without a token', async () => {
    expect((await http('GET', '/health')).status).toBe(200);
    expect((await http('GET', '/ready')).status).toBe(200);
    expect((await http('GET', '/')).status).toBe(200);
    expect((await http('GET', '/openapi.json')).status).toBe(200);
  });

  it('answers 401 without a token or with a wrong one, 403 to a role too small, and changes nothing', async () => {
    const none = await http('GET', '/api/v1/stock');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(none.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    expect((await http('GET', '/api/v1/stock', { token: 'nope' })).status).toBe(401);
    expect((await http('GET', '/api/v1/stock', { headers: { authorization: 'Basic d2FsbDp4' } })).body).toMatchObject({ message: expect.stringMatching(/Bearer/) });
    expect((await http('GET', '/api/v1/stock', { token: 'wall-token-1' })).status).toBe(200);
    expect((await http('GET', '/metrics', { token: 'wall-token-1' })).status).toBe(200);

    const item = { sku: 'A-1', name: 'A', tracking: 'quantity' };
    const viewer = await http('POST', '/api/v1/items', { token: 'wall-token-1', body: item });
    expect(viewer.status).toBe(403);
    expect(viewer.body).toMatchObject({ message: 'token wall has role viewer; POST /api/v1/items needs admin' });
    expect((await http('POST', '/api/v1/items', { token: 'floor-token-1', body: item })).status).toBe(403);
    expect((await http('PUT', '/api/v1/doors/door-1/mode', { token: 'wall-token-1', body: { mode: 'off' } })).status).toBe(403);
    expect((await http('GET', '/api/v1/items/A-1', { token: 'wall-token-1' })).status).toBe(404);
    expect(((await http('GET', '/api/v1/doors', { token: 'wall-token-1' })).body as { doors: Array<{ id: string; mode: string }> }).doors.find((d) => d.id === 'door-1')!.mode).toBe('receiving');
    expect(listAudit(t.hub.db)).toEqual([]);
  });

  it("records the acting token's name in the audit trail and on moves", async () => {
    expect((await http('POST', '/api/v1/items', { token: 'boss-token-1', body: { sku: 'B-1', name: 'B', tracking: 'quantity' } })).status).toBe(201);
    const door = await http('PUT', '/api/v1/doors/door-3/mode', { token: 'floor-token-1', body: { mode: 'off', reason: 'broken seal' } });
    expect(door.status).toBe(200);
    expect(door.body).toMatchObject({ mode: 'off', modeSetBy: 'api:floor' });
    const move = await http('POST', '/api/v1/moves', { token: 'boss-token-1', headers: { 'idempotency-key': 'm1' }, body: { sku: 'B-1', qty: 4, from: 'adjustment', to: 'stock', reason: 'adjustment', note: 'found' } });
    expect(move.status).toBe(201);
    expect(move.body).toMatchObject({ actor: { kind: 'api', id: 'boss' } });
    const audit = listAudit(t.hub.db).map((a) => `${a.action}:${a.actor.kind}:${a.actor.id}`);
    expect(audit).toEqual(['item.create:api:boss', 'door.mode:api:floor', 'move.post:api:boss']);
  });
});

function configYaml(dir: string, http: string): string {
  return `site: s1
database: { path: ${join(dir, 'hub.db')} }
broker: { type: embedded, allowAnonymous: true, tcp: { host: 127.0.0.1, port: 0 } }
http: { port: 0, ${http} }
`;
}

describe('auth failure rate limit', () => {
  it('answers 429 with Retry-After once an address failed too often, even to a good token; liveness stays open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dockgate-auth-'));
    const config = parseHubConfig(configYaml(dir, 'host: 127.0.0.1, authFailureRateLimit: { max: 3, windowS: 600 }'), { env: { DOCKGATE_API_TOKENS: 'wall:viewer:wall-token-1' }, baseDir: dir });
    const hub = await startHub(config, silentLogger());
    try {
      for (let i = 0; i < 3; i++) expect((await call(hub.url, 'GET', '/api/v1/stock', { token: `guess-${i}` })).status).toBe(401);
      const limited = await call(hub.url, 'GET', '/api/v1/stock', { token: 'guess-4' });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(500);
      expect(limited.body).toMatchObject({ statusCode: 429, message: expect.stringMatching(/too many failed authentications/) });
      expect((await call(hub.url, 'GET', '/api/v1/stock', { token: 'wall-token-1' })).status).toBe(429);
      expect((await call(hub.url, 'GET', '/health')).status).toBe(200);
    } finally {
      await hub.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('binding', () => {
  it('refuses to start on a non-loopback address with no tokens, and starts with one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dockgate-auth-'));
    try {
      const open = parseHubConfig(configYaml(dir, 'host: 0.0.0.0'), { env: {}, baseDir: dir });
      await expect(startHub(open, silentLogger())).rejects.toThrow(/not a loopback address, and no API tokens/);
      const guarded = parseHubConfig(configYaml(dir, 'host: 0.0.0.0'), { env: { DOCKGATE_API_TOKENS: 'boss:admin:boss-token-1' }, baseDir: dir });
      const hub = await startHub(guarded, silentLogger());
      try {
        expect((await call(hub.url, 'GET', '/api/v1/stock')).status).toBe(401);
        expect((await call(hub.url, 'GET', '/api/v1/stock', { token: 'boss-token-1' })).status).toBe(200);
      } finally {
        await hub.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('TLS', () => {
  it('serves the API over HTTPS with the configured certificate (checked by the client), and names a missing file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dockgate-https-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost',
        '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
      const missing = parseHubConfig(configYaml(dir, 'host: 127.0.0.1, tls: { certFile: cert.pem, keyFile: nokey.pem }'), { env: {}, baseDir: dir });
      await expect(startHub(missing, silentLogger())).rejects.toThrow(/http\.tls\.keyFile: cannot read .*nokey\.pem/);
      const config = parseHubConfig(configYaml(dir, 'host: 127.0.0.1, tls: { certFile: cert.pem, keyFile: key.pem }'), { env: { DOCKGATE_API_TOKENS: 'wall:viewer:wall-token-1' }, baseDir: dir });
      const hub = await startHub(config, silentLogger());
      try {
        expect(hub.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
        const ca = readFileSync(join(dir, 'cert.pem'));
        const get = (path: string, headers: Record<string, string> = {}) =>
          new Promise<number>((resolve, reject) => {
            https.get(hub.url + path, { ca, headers }, (res) => {
              res.resume();
              resolve(res.statusCode!);
            }).on('error', reject);
          });
        expect(await get('/health')).toBe(200);
        expect(await get('/api/v1/stock')).toBe(401);
        expect(await get('/api/v1/stock', { authorization: 'Bearer wall-token-1' })).toBe(200);
        // a client that does not trust the certificate is refused by TLS itself
        await expect(new Promise((resolve, reject) => https.get(hub.url + '/health', (res) => resolve(res.statusCode)).on('error', reject))).rejects.toThrow(/self.signed|certificate/i);
      } finally {
        await hub.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
