// Stopping the hub while a channel push hangs (the host accepted the connection and never answers): stop() aborts the
// request at once instead of waiting out its timeouts and retries, and the push is not lost — its attempt stays stored
// with its idempotency key, and the next start sends it again with the same key.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../broker/test-support.js';
import { hubModules } from '../modules.js';
import { BASE_SITE_YAML, startTestHub, type TestHub } from '../testing/harness.js';

const siteYaml = (url: string) => `${BASE_SITE_YAML}
channels:
  - id: web
    connector: webhook
    locations: [stock]
    skus: { Q-1: { item: q-1 } }
    rule: { pct: 1 }
    webhook: { url: "${url}", secret: hook-secret }
    http: { timeoutMs: 600000, maxTries: 5 }
`;

describe('channel pushes at shutdown', () => {
  const dir = mkdtempSync(join(tmpdir(), 'channels-stop-'));
  let t: TestHub | undefined;
  let silent: Server | undefined;
  let answering: HttpServer | undefined;
  const sockets: Socket[] = [];
  afterEach(async () => {
    await t?.stop();
    for (const s of sockets) s.destroy();
    for (const server of [silent, answering]) if (server) await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('aborts a push in flight on stop, keeps its attempt, and sends it again with the same key at the next start', async () => {
    // A channel host that accepts TCP and never answers.
    const heard: string[] = [];
    silent = createServer((s) => {
      sockets.push(s);
      const at = heard.push('') - 1;
      s.on('data', (b: Buffer) => (heard[at] += b.toString()));
    });
    await new Promise<void>((r) => silent!.listen(0, '127.0.0.1', r));
    const silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/stock`;

    t = await startTestHub({ dir, yaml: siteYaml(silentUrl), modulesFor: hubModules });
    const post = (path: string, body: unknown, key?: string) =>
      fetch(t!.hub.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) }, body: JSON.stringify(body) });
    expect((await post('/api/v1/items', { sku: 'Q-1', name: 'Q', tracking: 'quantity', standardCost: 100 })).status).toBe(201);
    expect((await post('/api/v1/moves', { sku: 'Q-1', qty: 7, from: 'adjustment', to: 'stock', reason: 'adjustment', note: 'count' }, 'q-7')).status).toBe(201);
    // The channel's first push of Q-1 hangs (the later quantity waits behind it).
    const request = await waitFor(() => heard.find((h) => h.includes('"sku":"Q-1"') && h.endsWith('}')), 'a push of Q-1 to reach the silent host', 20_000);
    const key = /idempotency-key: ([^\r\n]+)/i.exec(request)?.[1];
    expect(key).toBeTruthy();
    const interrupted = (JSON.parse(request.slice(request.indexOf('\r\n\r\n') + 4)) as { items: unknown[] }).items;

    await t.hub.stop(); // resolves: the request was aborted, not waited out (10 minutes × 5 tries)
    t = undefined;
    const db = new Database(join(dir, 'hub.db'), { readonly: true });
    const kept = db.prepare('SELECT key, channel FROM channel_attempts').all();
    db.close();
    expect(kept).toEqual([{ key, channel: 'web' }]);

    // The next start, with the channel answering: the same push, the same key.
    const got: Array<{ key: string | undefined; body: { items: Array<{ sku: string; quantity: number }> } }> = [];
    answering = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        got.push({ key: req.headers['idempotency-key'] as string | undefined, body: JSON.parse(body) as { items: Array<{ sku: string; quantity: number }> } });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => answering!.listen(0, '127.0.0.1', r));
    t = await startTestHub({ dir, yaml: siteYaml(`http://127.0.0.1:${(answering.address() as AddressInfo).port}/stock`), modulesFor: hubModules });
    const replayed = await waitFor(() => got.find((g) => g.key === key), 'the interrupted push to be sent again with its key', 20_000);
    expect(replayed.body.items).toEqual(interrupted);
    // and then what the channel should show now
    await waitFor(() => got.find((g) => g.body.items.some((i) => i.sku === 'Q-1' && i.quantity === 7)), 'Q-1 = 7 pushed after the replay', 20_000);
    await waitFor(() => {
      const check = new Database(join(dir, 'hub.db'), { readonly: true });
      const n = check.prepare('SELECT COUNT(*) FROM channel_attempts').pluck().get() as number;
      check.close();
      return n === 0 ? true : undefined;
    }, 'the attempt to be settled');
  });
});
