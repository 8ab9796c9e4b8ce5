// hub/channels/testing — a local stand-in for Shopify's Admin GraphQL inventory API, speaking its real shapes:
// inventorySetQuantities with changeFromQuantity compare-and-set and @idempotent keys (replay, mismatch, previous
// failure), userErrors in HTTP 200, a leaky cost bucket answering THROTTLED with extensions.cost, the inventoryLevel
// read, and injectable faults (5xx, 429, hanging, apply-then-fail). It counts every application per key.
import type { ServerResponse } from 'node:http';
import { json, startLocalServer, type LocalServer } from './server.js';

export type ShopifyFault =
  | { kind: 'http500' }
  | { kind: 'http429' }
  | { kind: 'throttle' }
  /** do not answer for `ms` (longer than the client's timeout) */
  | { kind: 'hang'; ms: number }
  /** apply the mutation, then answer 500 / hang — a retry must not apply it again */
  | { kind: 'apply-then-500' }
  | { kind: 'apply-then-hang'; ms: number }
  /** someone else (an order in Shopify admin) changes this quantity just before the next mutation */
  | { kind: 'external-change'; item: string; location: string; quantity: number };

export interface ShopifyRequestLog {
  at: number;
  op: 'set' | 'read' | 'other';
  key?: string;
  quantities?: Array<{ inventoryItemId: string; locationId: string; quantity: number; changeFromQuantity: number | null }>;
  answer: string;
}

export interface FakeShopifyOptions {
  token: string;
  apiVersion?: string;
  bucket?: { maximumAvailable: number; restoreRate: number };
  mutationCost?: number;
  queryCost?: number;
  /** called when a request arrives (benchmarks time commit → request) */
  onRequest?: (op: ShopifyRequestLog['op'], variables: Record<string, unknown>) => void;
}

export class FakeShopify {
  readonly levels = new Map<string, number>();
  readonly requests: ShopifyRequestLog[] = [];
  /** every application of a mutation, one entry per item it sets: the same key and item twice is a double-apply */
  readonly applications: Array<{ key: string; item: string; location: string; quantity: number }> = [];
  readonly faults: ShopifyFault[] = [];
  private readonly keys = new Map<string, { params: string; ok: boolean; response: unknown }>();
  private bucket: { available: number; at: number };
  private server?: LocalServer;

  constructor(private readonly opts: FakeShopifyOptions) {
    this.bucket = { available: opts.bucket?.maximumAvailable ?? 2000, at: Date.now() };
  }

  get url(): string {
    return this.server!.url;
  }

  async start(): Promise<this> {
    this.server = await startLocalServer((req, body, res) => this.handle(req.url ?? '', req.headers, body, res));
    return this;
  }

  close(): Promise<void> {
    return this.server?.close() ?? Promise.resolve();
  }

  seed(item: string, location: string, quantity: number): void {
    this.levels.set(`${item}|${location}`, quantity);
  }

  quantity(item: string, location: string): number | undefined {
    return this.levels.get(`${item}|${location}`);
  }

  /** how many times each key's mutation was applied (a mutation setting several items counts once per application) */
  appliedPerKey(): Map<string, number> {
    const perItem = new Map<string, number>();
    const m = new Map<string, number>();
    for (const a of this.applications) {
      const n = (perItem.get(`${a.key}\0${a.item}`) ?? 0) + 1;
      perItem.set(`${a.key}\0${a.item}`, n);
      m.set(a.key, Math.max(m.get(a.key) ?? 0, n));
    }
    return m;
  }

  setRequests(): ShopifyRequestLog[] {
    return this.requests.filter((r) => r.op === 'set');
  }

  private throttleStatus() {
    const max = this.opts.bucket?.maximumAvailable ?? 2000;
    const rate = this.opts.bucket?.restoreRate ?? 100;
    const now = Date.now();
    this.bucket.available = Math.min(max, this.bucket.available + ((now - this.bucket.at) / 1000) * rate);
    this.bucket.at = now;
    return { maximumAvailable: max, currentlyAvailable: Math.floor(this.bucket.available), restoreRate: rate };
  }

  private async handle(url: string, headers: Record<string, string | string[] | undefined>, raw: Buffer, res: ServerResponse) {
    const version = this.opts.apiVersion ?? '2026-04';
    if (url !== `/admin/api/${version}/graphql.json`) return json(res, 404, { errors: 'Not Found' });
    if (headers['x-shopify-access-token'] !== this.opts.token) {
      return json(res, 401, { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' });
    }
    const { query, variables = {} } = JSON.parse(raw.toString('utf8')) as { query: string; variables?: Record<string, unknown> };
    const op: ShopifyRequestLog['op'] = query.includes('inventorySetQuantities(') ? 'set' : query.includes('inventoryItem(') ? 'read' : 'other';
    this.opts.onRequest?.(op, variables);
    const log: ShopifyRequestLog = { at: Date.now(), op, answer: '' };
    if (op === 'set') {
      if (typeof variables.idempotencyKey === 'string') log.key = variables.idempotencyKey;
      log.quantities = (variables.input as { quantities?: ShopifyRequestLog['quantities'] } | undefined)?.quantities;
    }
    this.requests.push(log);
    const fault = op === 'set' || this.faults[0]?.kind === 'http500' ? this.faults.shift() : undefined;
    const hang = (ms: number) => new Promise((r) => setTimeout(r, ms));

    if (fault?.kind === 'http500') return this.answer(log, res, 500, { errors: 'Internal Server Error' });
    if (fault?.kind === 'http429') return this.answer(log, res, 429, { errors: 'Exceeded 2 calls per second for api client.' }, { 'retry-after': '0.05' });
    if (fault?.kind === 'hang') {
      await hang(fault.ms);
      return this.answer(log, res, 503, { errors: 'late' });
    }
    if (fault?.kind === 'external-change') this.seed(fault.item, fault.location, fault.quantity);

    const cost = op === 'set' ? (this.opts.mutationCost ?? 10) : (this.opts.queryCost ?? 2);
    const status = this.throttleStatus();
    if (fault?.kind === 'throttle' || status.currentlyAvailable < cost) {
      return this.answer(log, res, 200, {
        errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' } }],
        extensions: { cost: { requestedQueryCost: cost, actualQueryCost: null, throttleStatus: status } },
      });
    }
    this.bucket.available -= cost;
    const extensions = { cost: { requestedQueryCost: cost, actualQueryCost: cost, throttleStatus: this.throttleStatus() } };

    if (op === 'read') {
      const level = this.levels.get(`${String(variables.item)}|${String(variables.location)}`);
      const data = { inventoryItem: level === undefined ? null : { inventoryLevel: { quantities: [{ name: 'available', quantity: level }] } } };
      return this.answer(log, res, 200, { data, extensions });
    }
    if (op !== 'set') return this.answer(log, res, 200, { errors: [{ message: 'fake supports inventory queries only' }] });

    const key = variables.idempotencyKey;
    if (!/@idempotent\(key:\s*\$idempotencyKey\)/.test(query) || typeof key !== 'string' || !key) {
      return this.answer(log, res, 200, { errors: [{ message: 'The @idempotent directive is required for this mutation.', extensions: { code: 'BAD_REQUEST' } }] });
    }
    const input = variables.input as { name: string; reason: string; quantities: NonNullable<ShopifyRequestLog['quantities']> };
    const params = JSON.stringify(input);
    const seen = this.keys.get(key);
    if (seen) {
      if (seen.params !== params) return this.answer(log, res, 200, userErrors([{ code: 'IDEMPOTENCY_KEY_PARAMETER_MISMATCH', field: null, message: 'The same idempotency key cannot be used with different operation parameters.' }], extensions));
      if (!seen.ok) return this.answer(log, res, 200, userErrors([{ code: 'IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED', field: null, message: 'A previous request with this idempotency key failed. Retry with a new idempotency key.' }], extensions));
      return this.answer(log, res, 200, seen.response); // the original result, applied once
    }
    const errors: Array<{ code: string; field: string[] | null; message: string }> = [];
    if (input.name !== 'available') errors.push({ code: 'INVALID_NAME', field: ['input', 'name'], message: "The quantity name must be either 'available' or 'on_hand'." });
    input.quantities.forEach((q, i) => {
      const level = this.levels.get(`${q.inventoryItemId}|${q.locationId}`);
      if (level === undefined) errors.push({ code: 'INVALID_INVENTORY_ITEM', field: ['input', 'quantities', String(i), 'inventoryItemId'], message: 'The specified inventory item could not be found.' });
      else if (!('changeFromQuantity' in q)) errors.push({ code: 'COMPARE_QUANTITY_REQUIRED', field: ['input', 'quantities', String(i), 'changeFromQuantity'], message: 'changeFromQuantity must be given.' });
      else if (q.changeFromQuantity !== null && q.changeFromQuantity !== level) {
        errors.push({ code: 'CHANGE_FROM_QUANTITY_STALE', field: ['input', 'quantities', String(i), 'changeFromQuantity'], message: 'The changeFromQuantity value does not match persisted value.' });
      }
    });
    if (errors.length) {
      const response = userErrors(errors, extensions);
      this.keys.set(key, { params, ok: false, response });
      return this.answer(log, res, 200, response);
    }
    const changes = input.quantities.map((q) => {
      const k = `${q.inventoryItemId}|${q.locationId}`;
      const delta = q.quantity - this.levels.get(k)!;
      this.levels.set(k, q.quantity);
      this.applications.push({ key, item: q.inventoryItemId, location: q.locationId, quantity: q.quantity });
      return { name: 'available', delta, quantityAfterChange: null, item: { id: q.inventoryItemId }, location: { id: q.locationId } };
    });
    const response = {
      data: { inventorySetQuantities: { inventoryAdjustmentGroup: { createdAt: new Date().toISOString(), reason: input.reason, changes }, userErrors: [] } },
      extensions,
    };
    this.keys.set(key, { params, ok: true, response });
    if (fault?.kind === 'apply-then-500') return this.answer(log, res, 502, { errors: 'Bad Gateway' });
    if (fault?.kind === 'apply-then-hang') {
      await hang(fault.ms);
      return this.answer(log, res, 503, { errors: 'late' });
    }
    return this.answer(log, res, 200, response);
  }

  private answer(log: ShopifyRequestLog, res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const b = body as { errors?: Array<{ extensions?: { code?: string } }>; data?: { inventorySetQuantities?: { userErrors?: Array<{ code: string }> } } };
    log.answer = status !== 200 ? `HTTP ${status}`
      : Array.isArray(b.errors) ? (b.errors[0]?.extensions?.code ?? 'error')
      : b.data?.inventorySetQuantities?.userErrors?.[0]?.code ?? 'ok';
    json(res, status, body, headers);
  }
}

function userErrors(errors: Array<{ code: string; field: string[] | null; message: string }>, extensions: unknown) {
  return { data: { inventorySetQuantities: { inventoryAdjustmentGroup: null, userErrors: errors } }, extensions };
}
