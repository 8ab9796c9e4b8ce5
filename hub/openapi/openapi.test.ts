import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubConfig } from '../config/schema.js';
import { hubModules } from '../modules.js';
import { call, epc, passDraft, TEST_GTIN } from '../status/test-support.js';
import { startTestHub, TEST_SITE, TestGateway, type TestHub } from '../testing/harness.js';

interface Seen {
  method: string;
  route: string;
  status: number;
  payload: unknown;
}

describe('OpenAPI: every route documented, every response as its schema says', () => {
  let t: TestHub;
  const seen: Seen[] = [];
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const validators = new Map<object, ValidateFunction>();

  beforeAll(async () => {
    // Record what each handler returns before serialisation, so a wrong type cannot hide behind the serialiser's coercion.
    const record = async (app: FastifyInstance) => {
      app.addHook('preSerialization', async (req, reply, payload) => {
        seen.push({ method: req.method, route: req.routeOptions.url ?? '', status: reply.statusCode, payload });
        return payload;
      });
    };
    t = await startTestHub({ modulesFor: (config: HubConfig) => { const m = hubModules(config); return { ...m, api: [record, ...(m.api ?? [])] }; } });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('documents every registered route with a 2xx response schema and its path parameters', async () => {
    const spec = (await call<{ openapi: string; paths: Record<string, Record<string, { responses?: Record<string, unknown>; parameters?: Array<{ in: string; name: string }> }>> }>(t.hub.url, 'GET', '/openapi.json')).body;
    expect(spec.openapi).toBe('3.0.3');
    const routes = t.hub.http.routeCatalog.filter((r) => r.method !== 'HEAD' && !(r.schema as { hide?: boolean } | undefined)?.hide);
    expect(routes.length).toBeGreaterThan(50);
    const problems: string[] = [];
    for (const r of routes) {
      const path = r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      const op = spec.paths[path]?.[r.method.toLowerCase()];
      if (!op) {
        problems.push(`${r.method} ${r.url}: not in openapi.json`);
        continue;
      }
      if (!Object.keys(op.responses ?? {}).some((c) => /^2\d\d$/.test(c))) problems.push(`${r.method} ${r.url}: no 2xx response schema`);
      for (const [, name] of r.url.matchAll(/:([A-Za-z0-9_]+)/g)) {
        if (!op.parameters?.some((p) => p.in === 'path' && p.name === name)) problems.push(`${r.method} ${r.url}: path parameter ${name} undocumented`);
      }
    }
    expect(problems).toEqual([]);
    // the docs page is served from the hub itself
    const docs = await fetch(`${t.hub.url}/docs/static/index.html`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).not.toMatch(/https?:\/\/(unpkg|cdn|cdnjs|jsdelivr)/);
  });

  it('answers every GET route, and POSTs of the floor, with bodies matching their response schemas', async () => {
    const gw = await TestGateway.connect(t.mqttUrl);
    const post = (path: string, body: unknown) => call(t.hub.url, 'POST', path, { body });
    expect((await post('/api/v1/items', { sku: 'PAL-1', name: 'Pallet', tracking: 'serial', gtins: [TEST_GTIN] })).status).toBe(201);
    expect((await post('/api/v1/receipts', { po: 'PO-1', lines: [{ sku: 'PAL-1', qty: 2 }] })).status).toBe(201);
    expect((await post('/api/v1/receipts/PO-1/open', { door: 'door-1' })).status).toBe(200);
    await gw.send([passDraft('door-1', epc('1'), 'in'), passDraft('door-1', '30340000000000000000abcd', 'in')]);
    expect((await post('/api/v1/shipments', { id: 'SH-1', lines: [{ sku: 'PAL-1', qty: 1 }] })).status).toBe(201);
    await gw.client.publishAsync(`dockgate/${TEST_SITE}/gw/${gw.gateway}/events`, 'not json', { qos: 1 }); // dead letter 1
    await gw.close();
    const variance = ((await call<{ variances: Array<{ id: number }> }>(t.hub.url, 'GET', '/api/v1/variances?status=open')).body.variances)[0]!;
    expect((await post(`/api/v1/variances/${variance.id}/resolve`, { action: 'dismiss', reason: 'test tag' })).status).toBe(200);

    const edi = await fetch(`${t.hub.url}/api/v1/inbound/edi`, { method: 'POST', headers: { 'content-type': 'application/edi-x12' }, body: readFileSync(new URL('../partners/fixtures/broken-856-qualifier.edi', import.meta.url), 'utf8') });
    expect(edi.status).toBe(422);
    const interchange = String(((await edi.json()) as { interchange: number }).interchange);

    const getRoutes = t.hub.http.routeCatalog.filter((r) => r.method === 'GET' && !(r.schema as { hide?: boolean } | undefined)?.hide && r.url !== '/api/v1/events/stream' && !r.url.startsWith('/docs'));
    const ids: Record<string, string> = { '/api/v1/items/:sku': 'PAL-1', '/api/v1/locations/:id': 'stock', '/api/v1/doors/:id/activity': 'door-1', '/api/v1/receipts/:id': 'PO-1', '/api/v1/shipments/:id': 'SH-1', '/api/v1/variances/:id': String(variance.id), '/api/v1/dead-letters/:id': '1', '/api/v1/inbound/edi/:id': interchange };
    const unreached: string[] = [];
    for (const r of getRoutes) {
      let path = r.url;
      if (path.includes(':')) {
        const id = ids[r.url];
        if (!id) {
          unreached.push(r.url);
          continue;
        }
        path = path.replace(/:[A-Za-z]+/, id);
      }
      const res = await fetch(t.hub.url + path);
      expect(res.status, `GET ${path}`).toBeLessThan(300);
      await res.arrayBuffer();
    }
    // Routes with ids we have no fixture for here: channels (none configured) and counts.
    expect(unreached.sort()).toEqual(['/api/v1/channels/:id', '/api/v1/counts/:id']);

    const problems: string[] = [];
    let checked = 0;
    for (const s of seen) {
      const route = t.hub.http.routeCatalog.find((r) => r.method === s.method && r.url === s.route);
      if ((route?.schema as { hide?: boolean } | undefined)?.hide) continue; // /openapi.json: the documentation itself
      const responses = (route?.schema as { response?: Record<string, unknown> } | undefined)?.response;
      let schema = responses?.[String(s.status)] as Record<string, unknown> | undefined;
      if (schema && 'content' in schema) schema = (Object.values(schema.content as Record<string, { schema: object }>)[0]!.schema) as Record<string, unknown>;
      if (!schema) {
        if (s.status < 300) problems.push(`${s.method} ${s.route} ${s.status}: no schema`);
        continue;
      }
      if (typeof s.payload === 'string') continue; // text bodies (HTML, script, metrics)
      let v = validators.get(schema);
      if (!v) {
        v = ajv.compile(schema);
        validators.set(schema, v);
      }
      checked++;
      if (!v(s.payload)) problems.push(`${s.method} ${s.route} ${s.status}: ${ajv.errorsText(v.errors)}`);
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(30);
  });
});
