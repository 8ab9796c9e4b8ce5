// hub/dashboard — GET / (the console's page), GET /dashboard/app.js and app.css (its bundle: gzipped for a client that
// takes gzip, with an ETag so a reload asks and gets 304 instead of the bundle again), and GET /api/v1/events/stream:
// server-sent events, one `applied` message per event the hub committed (with what it did at its door), a comment line
// every 15 s to keep proxies from closing the stream.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../protocols/logging/index.js';
import type { AppliedEvent, AppliedEventBus } from '../status/applied-bus.js';
import { clientAssets } from './assets.js';
import { DASHBOARD_HTML } from './page.js';
import { repeatTimer, systemRuntime } from '../../runtime/runtime.js';

export interface DashboardDeps {
  bus: AppliedEventBus;
  log: Logger;
  /** Keep-alive comment interval; default 15 s. */
  heartbeatMs?: number;
}

/** A client that does not read is dropped once this much is waiting for it. */
const MAX_BUFFERED = 1 << 20;

/** The stream's message for one applied event: what the dashboard shows. */
export function streamMessage(a: AppliedEvent): Record<string, unknown> {
  const act = a.activity();
  const e = a.event as { door?: string; zone?: string; reader?: string; state?: string };
  return {
    eventId: a.event.id,
    kind: act?.kind ?? a.event.kind,
    gateway: a.gateway,
    door: act?.door ?? e.door ?? e.zone ?? null,
    epc: act?.epc ?? null,
    gtin: act?.gtin ?? null,
    sku: act?.sku ?? null,
    qty: act?.qty ?? null,
    direction: act?.direction ?? null,
    outcome: act?.outcome ?? 'recorded',
    message: act?.message ?? null,
    occurredAt: act?.occurredAt ?? a.event.ts,
    ...(e.reader ? { reader: e.reader, state: e.state } : {}),
  };
}

interface Encoded { etag: string; plain: string; gzip: Buffer }
const encoded = new Map<string, Encoded>();

/** One bundle file, with its ETag and gzipped body computed once per content. */
function encode(name: string, text: string): Encoded {
  const known = encoded.get(name);
  if (known?.plain === text) return known;
  const e = { etag: `"${createHash('sha256').update(text).digest('base64url').slice(0, 27)}"`, plain: text, gzip: gzipSync(text, { level: 9 }) };
  encoded.set(name, e);
  return e;
}

async function sendAsset(req: FastifyRequest, reply: FastifyReply, name: 'js' | 'css', type: string) {
  const e = encode(name, (await clientAssets())[name]);
  reply.header('content-type', type).header('cache-control', 'no-cache').header('etag', e.etag).header('vary', 'accept-encoding');
  if (req.headers['if-none-match']?.split(/\s*,\s*/).includes(e.etag)) return reply.code(304).send();
  if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').send(e.gzip);
  return reply.send(e.plain);
}

export function dashboardRoutes(d: DashboardDeps) {
  const log = d.log.child({ component: 'dashboard' });
  return async (app: FastifyInstance): Promise<void> => {
    // Open streams are never idle: end them when the server closes, or close() would wait for every client.
    const streams = new Set<() => void>();
    app.addHook('preClose', async () => {
      for (const close of [...streams]) close();
    });
    app.get('/', { schema: { tags: ['dashboard'], summary: 'The ops console (HTML)', response: { 200: { content: { 'text/html': { schema: Type.String() } } } } } }, async (_req, reply) =>
      reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-cache').send(DASHBOARD_HTML),
    );

    app.get('/dashboard/app.js', { schema: { tags: ['dashboard'], summary: "The console's script", response: { 200: { content: { 'text/javascript': { schema: Type.String() } } } } } }, (req, reply) => sendAsset(req, reply, 'js', 'text/javascript; charset=utf-8'));

    app.get('/dashboard/app.css', { schema: { tags: ['dashboard'], summary: "The console's styles", response: { 200: { content: { 'text/css': { schema: Type.String() } } } } } }, (req, reply) => sendAsset(req, reply, 'css', 'text/css; charset=utf-8'));

    app.get('/api/v1/events/stream', {
      schema: {
        tags: ['dashboard'],
        summary: 'Server-sent events: `applied` for every event the hub committed (door, kind, EPC/GTIN, SKU, direction, outcome)',
        response: { 200: { content: { 'text/event-stream': { schema: Type.String() } } } },
      },
    }, (req, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write('retry: 2000\n: connected\n\n');
      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        streams.delete(close);
        off();
        beat.cancel();
        res.end();
      };
      const off = d.bus.on((applied) => {
        if (closed) return;
        let chunk = '';
        for (const a of applied) chunk += `id: ${a.event.id}\nevent: applied\ndata: ${JSON.stringify(streamMessage(a))}\n\n`;
        res.write(chunk);
        if (res.writableLength > MAX_BUFFERED) {
          log.warn({ ip: req.ip, buffered: res.writableLength }, 'event stream client not reading: dropped');
          close();
        }
      });
      const beat = repeatTimer(systemRuntime, d.heartbeatMs ?? 15_000, () => res.write(': ping\n\n'));
      streams.add(close);
      req.raw.on('close', close);
      res.on('error', close);
    });
  };
}
