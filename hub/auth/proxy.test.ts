// The lockout after wrong tokens is per client, also behind a reverse proxy: the hub believes X-Forwarded-For only from
// the proxies it is told to trust. Real HTTP: clients on their own loopback source addresses (127.0.0.2, 127.0.0.3),
// a real forwarding proxy in between (it appends the peer address to X-Forwarded-For, as nginx's
// $proxy_add_x_forwarded_for does), the hub behind it.
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../testing/harness.js';

interface Got {
  status: number;
  body: string;
}

/** GET `url` from source address `from`, with extra headers. */
function get(url: string, from: string, headers: Record<string, string> = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = request(url, { localAddress: from, headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A plain forwarding reverse proxy to `target` (host:port). */
function startProxy(target: URL): Promise<Server> {
  const proxy = createServer((inbound, outbound) => {
    const prior = inbound.headers['x-forwarded-for'];
    const headers: IncomingHttpHeaders = { ...inbound.headers, 'x-forwarded-for': `${prior ? `${String(prior)}, ` : ''}${inbound.socket.remoteAddress}`, host: target.host };
    const up = request({ host: target.hostname, port: target.port, path: inbound.url, method: inbound.method, headers, agent: false }, (res) => {
      outbound.writeHead(res.statusCode!, res.headers);
      res.pipe(outbound);
    });
    up.on('error', () => outbound.writeHead(502).end());
    inbound.pipe(up);
  });
  return new Promise((resolve) => proxy.listen(0, '127.0.0.1', () => resolve(proxy)));
}

const TOKEN = 'ops-token-1';
const WRONG = { authorization: 'Bearer not-the-token' };
const RIGHT = { authorization: `Bearer ${TOKEN}` };

describe('REST lockout after wrong tokens, direct and behind a trusted proxy', () => {
  let t: TestHub;
  let proxy: Server;
  let viaProxy: string;
  beforeAll(async () => {
    t = await startTestHub({
      http: '{ host: 127.0.0.1, port: 0, trustedProxies: [127.0.0.1], authFailureRateLimit: { max: 3, windowS: 60 } }',
      env: { DOCKGATE_API_TOKENS: `ops:viewer:${TOKEN}` },
    });
    proxy = await startProxy(new URL(t.hub.url));
    viaProxy = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => proxy.close(r));
    await t.stop();
  });

  it('behind the proxy, one client guessing tokens locks out itself, not everyone else behind the proxy', async () => {
    for (let i = 0; i < 3; i++) expect((await get(`${viaProxy}/api/v1/stock`, '127.0.0.2', WRONG)).status).toBe(401);
    const locked = await get(`${viaProxy}/api/v1/stock`, '127.0.0.2', RIGHT);
    expect(locked.status).toBe(429);
    expect(locked.body).toMatch(/too many failed authentications from 127\.0\.0\.2/);
    expect((await get(`${viaProxy}/api/v1/stock`, '127.0.0.3', RIGHT)).status).toBe(200);
  });

  it('directly, a client cannot dodge the lockout by sending its own X-Forwarded-For', async () => {
    for (let i = 0; i < 3; i++) expect((await get(`${t.hub.url}/api/v1/stock`, '127.0.0.4', { ...WRONG, 'x-forwarded-for': `10.9.9.${i}` })).status).toBe(401);
    const locked = await get(`${t.hub.url}/api/v1/stock`, '127.0.0.4', { ...RIGHT, 'x-forwarded-for': '10.9.9.99' });
    expect(locked.status).toBe(429);
    expect(locked.body).toMatch(/from 127\.0\.0\.4/);
    // another direct client is not affected
    expect((await get(`${t.hub.url}/api/v1/stock`, '127.0.0.5', RIGHT)).status).toBe(200);
  });

  it('a client that spoofs X-Forwarded-For through the proxy is still judged by the address the proxy saw', async () => {
    for (let i = 0; i < 3; i++) expect((await get(`${viaProxy}/api/v1/stock`, '127.0.0.6', { ...WRONG, 'x-forwarded-for': `10.8.8.${i}` })).status).toBe(401);
    expect((await get(`${viaProxy}/api/v1/stock`, '127.0.0.6', { ...RIGHT, 'x-forwarded-for': '10.8.8.99' })).status).toBe(429);
  });
});

describe('trustedProxies in hub.yaml', () => {
  it('names the entry that is not an address or a CIDR range', async () => {
    await expect(startTestHub({ http: '{ host: 127.0.0.1, port: 0, trustedProxies: [10.0.0.0/8, proxy.lan] }' })).rejects.toThrow(/http\.trustedProxies\[1\].*proxy\.lan/);
  });
});
