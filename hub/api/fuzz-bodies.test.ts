// Schema-driven fuzz over every mutating route of the OpenAPI document, against a real hub with every module: each
// route's body schema is turned into wrong bodies (each property null, of the wrong type, NUL bytes, huge numbers,
// missing required fields, not an object, empty). No answer may be a 5xx, and after any 4xx the ledger is unchanged.
// Plus: a retry of an idempotent POST with the same key and the same body (fields left out included) answers the
// original result.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubModules } from '../modules.js';
import { startTestHub, type TestHub } from '../testing/harness.js';

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}
interface Operation {
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

/** Seeded PRNG (mulberry32) so a failing body replays. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WRONG: unknown[] = [null, '5', true, [5], { x: 1 }, 1e308, -1e308, 2 ** 60, 'a\u0000b', 'x'.repeat(70_000), -1, 0, 1.5, ''];

/** A plausible value for a schema (only to build a base body the mutations then break). */
function plausible(s: JsonSchema | undefined): unknown {
  if (!s) return 'x';
  const alt = s.anyOf ?? s.oneOf;
  if (alt?.length) return plausible(alt[0]);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'object': return Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, plausible(v)]));
    case 'array': return [plausible(s.items)];
    case 'integer': case 'number': return 1;
    case 'boolean': return true;
    default: return 'x';
  }
}

/** Wrong bodies for a schema: every property replaced by each wrong value, each required field left out, and a few
 * random multi-field mutations. */
function wrongBodies(schema: JsonSchema, rand: () => number): string[] {
  const base = plausible(schema) as Record<string, unknown>;
  const out: string[] = ['', 'null', '[]', '"text"', '{', '{"a":1e999}'];
  if (typeof base !== 'object' || base === null || Array.isArray(base)) return out;
  for (const key of Object.keys(base)) {
    for (const w of WRONG) out.push(JSON.stringify({ ...base, [key]: w }));
  }
  for (const key of schema.required ?? []) {
    const { [key]: _left, ...rest } = base;
    out.push(JSON.stringify(rest));
  }
  for (let i = 0; i < 20; i++) {
    const b: Record<string, unknown> = { ...base };
    for (const key of Object.keys(base)) if (rand() < 0.5) b[key] = WRONG[Math.floor(rand() * WRONG.length)];
    out.push(JSON.stringify(b));
  }
  return out;
}

describe('every mutating route answers bad bodies with a 4xx and leaves the ledger alone', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ modulesFor: (config) => hubModules(config) });
  });
  afterAll(() => t.stop());

  const ledger = () => createHash('sha256').update(JSON.stringify(['moves', 'balances', 'serials', 'reservations', 'cost_layers', 'items', 'locations']
    .map((table) => t.hub.db.prepare(`SELECT * FROM ${table}`).all()))).digest('hex');

  it('never answers 5xx; a 4xx changes nothing in the ledger', { timeout: 600_000 }, async () => {
    // Seed something for the mutations to hit.
    await fetch(`${t.hub.url}/api/v1/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sku: 'x', name: 'x', tracking: 'quantity', standardCost: 1 }) });
    const spec = (await (await fetch(`${t.hub.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, Operation>> };
    const rand = prng(17);
    const failures: string[] = [];
    let requests = 0;
    let routes = 0;
    for (const [path, ops] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (!['post', 'put', 'patch', 'delete'].includes(method)) continue;
        routes++;
        const url = t.hub.url + path.replace(/\{[^}]+\}/g, 'x');
        const schema = op.requestBody?.content?.['application/json']?.schema ?? { type: 'object', properties: {} };
        for (const body of wrongBodies(schema, rand)) {
          const before = ledger();
          const res = await fetch(url, { method: method.toUpperCase(), headers: { 'content-type': 'application/json', 'idempotency-key': `fuzz-${requests}` }, body: method === 'delete' && body === '' ? undefined : body });
          requests++;
          await res.arrayBuffer();
          if (res.status >= 500) failures.push(`${method.toUpperCase()} ${path} ${body.slice(0, 120)} → ${res.status}`);
          else if (res.status >= 400 && ledger() !== before) failures.push(`${method.toUpperCase()} ${path} ${body.slice(0, 120)} → ${res.status} but the ledger changed`);
        }
      }
    }
    expect(routes).toBeGreaterThan(20);
    expect(requests).toBeGreaterThan(1000);
    expect(failures).toEqual([]);
  });

  it('answers a retry of an idempotent POST with the same key and body (occurredAt left out) with the original move', async () => {
    const post = (body: object) => fetch(`${t.hub.url}/api/v1/moves`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': 'retry-1' }, body: JSON.stringify(body) });
    await fetch(`${t.hub.url}/api/v1/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sku: 'R', name: 'R', tracking: 'quantity', standardCost: 100 }) });
    const body = { sku: 'R', qty: 3, from: 'adjustment', to: 'stock', reason: 'adjustment', note: 'found', unitCost: 100 };
    const first = await post(body);
    expect(first.status).toBe(201);
    const original = await first.json();
    await new Promise((r) => setTimeout(r, 20)); // the clock moves on between the attempts
    const retry = await post(body);
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual(original);
    const changed = await post({ ...body, qty: 4 });
    expect(changed.status).toBe(409);
  });
});
