// hub/channels — channels configured through REST (PUT/DELETE /api/v1/channels/:id) through the real hub: created,
// switched shadow → live, kept across a restart, refused when bad, removed.
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { waitFor } from '../broker/test-support.js';
import { listAudit } from '../ledger/index.js';
import { hubModules } from '../modules.js';
import { startTestHub, type TestHub } from '../testing/harness.js';

interface Push { path: string; items: Array<{ sku: string; item: string; quantity: number }> }

/** A local webhook channel: records every push; GET /read answers what the channel shows (for shadow mode). */
async function webhookChannel(shows: number): Promise<{ server: Server; url: string; pushes: Push[]; reads: string[] }> {
  const pushes: Push[] = [];
  const reads: string[] = [];
  const server = createServer((req, res) => {
    if (req.method === 'GET') {
      reads.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ quantity: shows }));
      return;
    }
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      pushes.push({ ...(JSON.parse(body) as Push), path: req.url ?? '' });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, pushes, reads };
}

const json = (method: string, body?: unknown, headers: Record<string, string> = {}) => ({
  method,
  headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

describe('channels configured through REST, inside the hub', () => {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });

  async function hub(dir: string): Promise<TestHub> {
    const t = await startTestHub({ dir, modulesFor: (config) => hubModules(config) });
    cleanups.push(() => t.stop());
    return t;
  }

  async function site(): Promise<{ dir: string; t: TestHub; ch: Awaited<ReturnType<typeof webhookChannel>> }> {
    const dir = mkdtempSync(join(tmpdir(), 'dockgate-chrest-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const ch = await webhookChannel(3);
    cleanups.push(() => new Promise((r) => ch.server.close(r)));
    const t = await hub(dir);
    expect((await fetch(t.hub.url + '/api/v1/items', json('POST', { sku: 'BOX-1', name: 'Box', tracking: 'quantity' }))).status).toBe(201);
    const receipt = await fetch(t.hub.url + '/api/v1/moves', json('POST', { sku: 'BOX-1', qty: 10, from: 'supplier', to: 'stock', reason: 'receipt', note: 'test receipt' }, { 'idempotency-key': 'rcpt-1' }));
    expect(receipt.status, await receipt.clone().text()).toBe(201);
    return { dir, t, ch };
  }

  const channel = (url: string, extra: Record<string, unknown> = {}) => ({
    connector: 'webhook',
    locations: ['stock'],
    skus: { 'BOX-1': { item: 'box-1' } },
    rule: { pct: 0.5 },
    webhook: { url: `${url}/stock`, readUrl: `${url}/read`, secret: 'hook-secret' },
    ...extra,
  });
  const pushedOf = (pushes: Push[], path = '/stock') => pushes.filter((p) => p.path === path).flatMap((p) => p.items);

  it('creates a channel by PUT: stored, audited, credentials never returned, and its first push reaches the webhook', async () => {
    const { t, ch } = await site();
    const res = await fetch(t.hub.url + '/api/v1/channels/web', json('PUT', channel(ch.url)));
    expect(res.status).toBe(201);
    const body = (await res.json()) as { channel: Record<string, unknown>; created: boolean };
    expect(body.created).toBe(true);
    expect(JSON.stringify(body)).not.toContain('hook-secret');
    expect(body.channel).toMatchObject({ id: 'web', connector: 'webhook', mode: 'live', webhook: { url: `${ch.url}/stock` } });
    // 10 on hand, pct 0.5 → 5
    const first = await waitFor(() => pushedOf(ch.pushes).find((i) => i.sku === 'BOX-1'), 'the first push of BOX-1');
    expect(first).toMatchObject({ sku: 'BOX-1', item: 'box-1', quantity: 5 });
    const one = (await (await fetch(t.hub.url + '/api/v1/channels/web')).json()) as { channel: Record<string, unknown> };
    expect(JSON.stringify(one)).not.toContain('hook-secret');
    // Stock moves now reach it too.
    await fetch(t.hub.url + '/api/v1/moves', json('POST', { sku: 'BOX-1', qty: 4, from: 'supplier', to: 'stock', reason: 'receipt', note: 'test receipt' }, { 'idempotency-key': 'rcpt-2' }));
    await waitFor(() => pushedOf(ch.pushes).find((i) => i.quantity === 7), 'a push of 7 after 4 more received');
    const audit = listAudit(t.hub.db, { target: 'web' });
    expect(audit.map((a) => a.action)).toEqual(['channel.create']);
    expect(audit[0]!.actor).toEqual({ kind: 'api', id: 'anonymous' });
    expect(JSON.stringify(audit)).not.toContain('hook-secret');
  });

  it('switches a shadow channel to live by PUT: shadow only reads, live starts pushing', async () => {
    const { t, ch } = await site();
    expect((await fetch(t.hub.url + '/api/v1/channels/web', json('PUT', channel(ch.url, { mode: 'shadow' })))).status).toBe(201);
    await waitFor(() => ch.reads.length > 0, 'a shadow read of what the channel shows');
    await waitFor(async () => {
      const s = (await (await fetch(t.hub.url + '/api/v1/channels/web?skus=true')).json()) as { skus: Array<{ sku: string; should_show: number; channel_shows: number }> };
      return s.skus.find((r) => r.sku === 'BOX-1' && r.channel_shows === 3 && r.should_show === 5);
    }, 'the shadow row: would show 5, the channel shows 3');
    expect(ch.pushes).toHaveLength(0);
    const res = await fetch(t.hub.url + '/api/v1/channels/web', json('PUT', channel(ch.url, { mode: 'live' })));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { created: boolean }).created).toBe(false);
    const pushed = await waitFor(() => pushedOf(ch.pushes).find((i) => i.sku === 'BOX-1'), 'the first live push');
    expect(pushed.quantity).toBe(5);
  });

  it('switches live → shadow → live by POST …/mode: stored with its credentials, audited, refused when bad', async () => {
    const { dir, t, ch } = await site();
    expect((await fetch(t.hub.url + '/api/v1/channels/web', json('PUT', channel(ch.url)))).status).toBe(201);
    await waitFor(() => pushedOf(ch.pushes).find((i) => i.quantity === 5), 'the first live push');
    const toShadow = await fetch(t.hub.url + '/api/v1/channels/web/mode', json('POST', { mode: 'shadow' }));
    expect(await toShadow.json()).toEqual({ channel: 'web', mode: 'shadow', changed: true });
    const pushes = ch.pushes.length;
    await fetch(t.hub.url + '/api/v1/moves', json('POST', { sku: 'BOX-1', qty: 4, from: 'supplier', to: 'stock', reason: 'receipt', note: 'test receipt' }, { 'idempotency-key': 'rcpt-m1' }));
    await waitFor(async () => {
      const s = (await (await fetch(t.hub.url + '/api/v1/channels/web?skus=true')).json()) as { health: { mode: string }; skus: Array<{ should_show: number }> };
      return s.health.mode === 'shadow' && s.skus[0]?.should_show === 7;
    }, 'shadow mode computing 7 without pushing');
    expect(ch.pushes.length).toBe(pushes);
    expect(await (await fetch(t.hub.url + '/api/v1/channels/web/mode', json('POST', { mode: 'shadow' }))).json()).toEqual({ channel: 'web', mode: 'shadow', changed: false });
    const bad = await fetch(t.hub.url + '/api/v1/channels/web/mode', json('POST', { mode: 'loud' }));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toContain('mode');
    expect((await fetch(t.hub.url + '/api/v1/channels/nope/mode', json('POST', { mode: 'live' }))).status).toBe(404);
    expect(listAudit(t.hub.db, { target: 'web' }).map((a) => [a.action, a.payload])).toEqual([['channel.create', expect.anything()], ['channel.mode', { from: 'live', to: 'shadow' }]]);

    // Kept across a restart with the credentials it had (the signed pushes go on once live again).
    await t.stop();
    cleanups.pop();
    const t2 = await hub(dir);
    const one = (await (await fetch(t2.hub.url + '/api/v1/channels/web')).json()) as { health: { mode: string } };
    expect(one.health.mode).toBe('shadow');
    expect((await fetch(t2.hub.url + '/api/v1/channels/web/mode', json('POST', { mode: 'live' }))).status).toBe(200);
    await waitFor(() => pushedOf(ch.pushes).find((i) => i.quantity === 7), 'a live push of 7 after the switch back');
  });

  it('keeps a REST-configured channel across a restart, and DELETE stops its pushes (also after a restart)', async () => {
    const { dir, t, ch } = await site();
    expect((await fetch(t.hub.url + '/api/v1/channels/web', json('PUT', channel(ch.url, { rule: { pct: 1 } })))).status).toBe(201);
    await waitFor(() => pushedOf(ch.pushes).find((i) => i.quantity === 10), 'a push of 10');
    await t.stop();
    cleanups.pop();

    const t2 = await hub(dir);
    const list = (await (await fetch(t2.hub.url + '/api/v1/channels')).json()) as { channels: Array<{ id: string; mode: string }> };
    expect(list.channels.map((c) => c.id)).toContain('web');
    await fetch(t2.hub.url + '/api/v1/moves', json('POST', { sku: 'BOX-1', qty: 2, from: 'supplier', to: 'stock', reason: 'receipt', note: 'test receipt' }, { 'idempotency-key': 'rcpt-3' }));
    await waitFor(() => pushedOf(ch.pushes).find((i) => i.quantity === 12), 'a push of 12 from the restarted hub');

    // A second channel on the same SKU witnesses that the hub acted on later moves.
    expect((await fetch(t2.hub.url + '/api/v1/channels/twin', json('PUT', channel(ch.url, { rule: { pct: 1 }, webhook: { url: `${ch.url}/twin`, secret: 's' } })))).status).toBe(201);
    await waitFor(() => pushedOf(ch.pushes, '/twin').find((i) => i.quantity === 12), 'the twin channel showing 12');
    const del = await fetch(t2.hub.url + '/api/v1/channels/web', json('DELETE'));
    expect(del.status).toBe(200);
    expect(await del.json()).toEqual({ channel: 'web', removed: true });
    expect((await fetch(t2.hub.url + '/api/v1/channels/web')).status).toBe(404);
    const before = pushedOf(ch.pushes).length;
    await fetch(t2.hub.url + '/api/v1/moves', json('POST', { sku: 'BOX-1', qty: 1, from: 'supplier', to: 'stock', reason: 'receipt', note: 'test receipt' }, { 'idempotency-key': 'rcpt-4' }));
    await waitFor(() => pushedOf(ch.pushes, '/twin').find((i) => i.quantity === 13), 'the twin channel showing 13');
    expect(pushedOf(ch.pushes).length).toBe(before);
    expect(listAudit(t2.hub.db, { target: 'web' }).map((a) => a.action)).toEqual(['channel.create', 'channel.remove']);
    await t2.stop();
    cleanups.pop();

    const t3 = await hub(dir);
    const after = (await (await fetch(t3.hub.url + '/api/v1/channels')).json()) as { channels: Array<{ id: string }> };
    expect(after.channels.map((c) => c.id)).toEqual(['twin']);
    expect(pushedOf(ch.pushes).length).toBe(before);
  });

  it('refuses a bad config with 400 naming the field, and changes nothing', async () => {
    const { t, ch } = await site();
    const bad = await fetch(t.hub.url + '/api/v1/channels/web', json('PUT', channel(ch.url, { rule: { pct: 2 } })));
    expect(bad.status).toBe(400);
    const err = (await bad.json()) as { message: string; field: string };
    expect(err.field).toBe('rule.pct');
    expect(err.message).toContain('rule');
    const noSettings = await fetch(t.hub.url + '/api/v1/channels/web', json('PUT', { ...channel(ch.url), webhook: undefined }));
    expect(noSettings.status).toBe(400);
    expect(((await noSettings.json()) as { field: string }).field).toBe('webhook');
    const otherId = await fetch(t.hub.url + '/api/v1/channels/web', json('PUT', channel(ch.url, { id: 'shop' })));
    expect(otherId.status).toBe(400);
    expect(((await otherId.json()) as { field: string }).field).toBe('id');
    expect((await fetch(t.hub.url + '/api/v1/channels/web')).status).toBe(404);
    expect(listAudit(t.hub.db, { target: 'web' })).toEqual([]);
    expect((await fetch(t.hub.url + '/api/v1/channels/nope', json('DELETE'))).status).toBe(404);
  });
});
