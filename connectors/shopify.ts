// connectors — Shopify Admin GraphQL: `inventorySetQuantities` (name "available", compare-and-set with
// changeFromQuantity, `@idempotent(key:)` as API 2026-04 requires) and the inventoryLevel read; cost-bucket throttling.
import type { Logger } from '../protocols/logging/index.js';
import type { ShopifySettings } from '../protocols/channels/config.js';
import { httpRequest, pause, type HttpBehaviour, retryAfterMs, withRetries, type TryVerdict } from './http.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Connector, PushItem, PushOutcome, ReadItem, ReadOutcome } from './types.js';

export const SET_AVAILABLE_MUTATION = `mutation DockgateSetAvailable($input: InventorySetQuantitiesInput!, $idempotencyKey: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $idempotencyKey) {
    inventoryAdjustmentGroup { createdAt reason changes { name delta quantityAfterChange item { id } location { id } } }
    userErrors { code field message }
  }
}`;

export const READ_AVAILABLE_QUERY = `query DockgateReadAvailable($item: ID!, $location: ID!) {
  inventoryItem(id: $item) { inventoryLevel(locationId: $location) { quantities(names: ["available"]) { name quantity } } }
}`;

interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

interface GqlResponse {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
  extensions?: { cost?: { requestedQueryCost?: number; actualQueryCost?: number | null; throttleStatus?: ThrottleStatus } };
}

interface UserError {
  code: string | null;
  field: string[] | null;
  message: string;
}

/** Milliseconds until a bucket holding `available` of `restoreRate`/s can pay `cost`. */
export function throttleWaitMs(cost: number, status: ThrottleStatus): number {
  const missing = cost - status.currentlyAvailable;
  if (missing <= 0 || status.restoreRate <= 0) return 0;
  return Math.ceil((missing / status.restoreRate) * 1000);
}

/** Index of the `quantities` entry a userError's field path points at, e.g. ["input","quantities","2","changeFromQuantity"]. */
function quantityIndex(field: string[] | null): number | undefined {
  if (!field) return undefined;
  const at = field.indexOf('quantities');
  const n = at >= 0 ? Number(field[at + 1]) : NaN;
  return Number.isInteger(n) ? n : undefined;
}

export function shopifyConnector(settings: ShopifySettings, http: HttpBehaviour, runtime: Runtime, log: Logger): Connector {
  const url = `${settings.endpoint.replace(/\/+$/, '')}/admin/api/${settings.apiVersion}/graphql.json`;
  const headers = { 'content-type': 'application/json', accept: 'application/json', 'x-shopify-access-token': settings.accessToken };
  // What the last answer said of the bucket, to wait before asking rather than after being refused.
  let bucket: { status: ThrottleStatus; at: number; cost: number } | undefined;
  const request = http.transport ?? httpRequest;

  async function waitForBucket(): Promise<void> {
    if (!bucket) return;
    const { status, at, cost } = bucket;
    const restored = Math.min(status.maximumAvailable, status.currentlyAvailable + ((runtime.now() - at) / 1000) * status.restoreRate);
    const wait = throttleWaitMs(cost, { ...status, currentlyAvailable: restored });
    if (wait > 0) await pause(runtime, wait, http.signal);
  }

  /** One GraphQL POST, turned into a verdict: done with the parsed body, or retry (5xx, 429, THROTTLED). */
  async function post(body: string): Promise<TryVerdict<GqlResponse | { fatal: string }>> {
    await waitForBucket();
    const res = await request('POST', url, headers, body, http.timeoutMs, http.signal);
    if (res.status === 429) return { retry: 'HTTP 429', waitMs: retryAfterMs(res.headers) ?? 1000, throttled: true };
    if (res.status >= 500) return { retry: `HTTP ${res.status}` };
    if (res.status !== 200) return { done: { fatal: `HTTP ${res.status}: ${res.text.slice(0, 200)}` } };
    let parsed: GqlResponse;
    try {
      parsed = JSON.parse(res.text) as GqlResponse;
    } catch {
      return { retry: 'HTTP 200 with a body that is not JSON' };
    }
    const cost = parsed.extensions?.cost;
    if (cost?.throttleStatus) bucket = { status: cost.throttleStatus, at: runtime.now(), cost: cost.requestedQueryCost ?? cost.actualQueryCost ?? 10 };
    if (parsed.errors?.some((e) => e.extensions?.code === 'THROTTLED')) {
      const wait = cost?.throttleStatus ? throttleWaitMs(cost.requestedQueryCost ?? 10, cost.throttleStatus) : 1000;
      return { retry: 'THROTTLED', waitMs: Math.max(wait, 1), throttled: true };
    }
    if (parsed.errors?.length) return { done: { fatal: parsed.errors.map((e) => e.message).join('; ') } };
    return { done: parsed };
  }

  async function readOne(it: ReadItem): Promise<ReadOutcome> {
    const location = it.location ?? settings.locationId;
    if (!location) return { sku: it.sku, quantity: null, error: 'no Shopify location for this SKU' };
    const body = JSON.stringify({ query: READ_AVAILABLE_QUERY, variables: { item: it.item, location } });
    const r = await withRetries(() => post(body), http, runtime, log, { op: 'read', sku: it.sku });
    if ('gaveUp' in r) return { sku: it.sku, quantity: null, error: r.gaveUp };
    if ('fatal' in r.done) return { sku: it.sku, quantity: null, error: r.done.fatal };
    const item = r.done.data?.inventoryItem as { inventoryLevel?: { quantities?: Array<{ name: string; quantity: number }> } | null } | null;
    if (!item) return { sku: it.sku, quantity: null, error: `inventory item ${it.item} not found` };
    if (!item.inventoryLevel) return { sku: it.sku, quantity: 0 }; // not stocked at that location: shows 0
    const q = item.inventoryLevel.quantities?.find((x) => x.name === 'available');
    return q ? { sku: it.sku, quantity: q.quantity } : { sku: it.sku, quantity: null, error: 'no "available" quantity in the answer' };
  }

  async function read(items: readonly ReadItem[]): Promise<ReadOutcome[]> {
    const out: ReadOutcome[] = [];
    for (const it of items) out.push(await readOne(it));
    return out;
  }

  async function push(items: readonly PushItem[], key: string): Promise<PushOutcome[]> {
    const quantities = items.map((i) => ({
      inventoryItemId: i.item,
      locationId: i.location ?? settings.locationId,
      quantity: i.quantity,
      changeFromQuantity: i.from, // always sent: 2026-04 rejects a missing one; null opts out of the compare
    }));
    const body = JSON.stringify({
      query: SET_AVAILABLE_MUTATION,
      variables: { input: { name: 'available', reason: 'correction', quantities }, idempotencyKey: key },
    });
    const r = await withRetries<GqlResponse | { fatal: string }>(
      async () => {
        const v = await post(body);
        if ('done' in v && !('fatal' in v.done)) {
          const errs = (v.done.data?.inventorySetQuantities as { userErrors?: UserError[] } | undefined)?.userErrors ?? [];
          // The same key is still being processed by Shopify: ask again with it.
          if (errs.some((e) => e.code === 'IDEMPOTENCY_CONCURRENT_REQUEST')) return { retry: 'IDEMPOTENCY_CONCURRENT_REQUEST' };
        }
        return v;
      },
      http,
      runtime,
      log,
      { op: 'inventorySetQuantities', key, items: items.length },
    );
    if ('gaveUp' in r) return items.map((i) => ({ sku: i.sku, status: 'failed', error: r.gaveUp }));
    if ('fatal' in r.done) {
      const error = r.done.fatal;
      return items.map((i) => ({ sku: i.sku, status: 'failed', error }));
    }
    const payload = r.done.data?.inventorySetQuantities as { userErrors?: UserError[] } | null | undefined;
    if (!payload) return items.map((i) => ({ sku: i.sku, status: 'failed', error: 'answer without inventorySetQuantities' }));
    const userErrors = payload.userErrors ?? [];
    if (userErrors.length === 0) return items.map((i) => ({ sku: i.sku, status: 'ok', quantity: i.quantity }));

    // userErrors inside HTTP 200: nothing of this mutation was applied. Name each item's fate.
    log.warn({ key, userErrors: userErrors.map((e) => ({ code: e.code, field: e.field?.join('.') })) }, 'shopify rejected inventorySetQuantities');
    const byIndex = new Map<number, UserError>();
    const general: UserError[] = [];
    for (const e of userErrors) {
      const at = quantityIndex(e.field);
      if (at !== undefined && at < items.length) byIndex.set(at, e);
      else general.push(e);
    }
    const stale = items.filter((_, i) => byIndex.get(i)?.code === 'CHANGE_FROM_QUANTITY_STALE');
    const current = new Map((await read(stale)).map((x) => [x.sku, x.quantity]));
    return items.map((it, i): PushOutcome => {
      const e = byIndex.get(i);
      if (e?.code === 'CHANGE_FROM_QUANTITY_STALE') return { sku: it.sku, status: 'stale', current: current.get(it.sku) ?? null };
      if (e) return { sku: it.sku, status: 'failed', error: `${e.code ?? 'USER_ERROR'}: ${e.message}` };
      if (general.length) return { sku: it.sku, status: 'failed', error: general.map((g) => `${g.code ?? 'USER_ERROR'}: ${g.message}`).join('; ') };
      return { sku: it.sku, status: 'deferred', reason: 'batch rejected for another item' };
    });
  }

  return { kind: 'shopify', batchSize: settings.batchSize, push, read };
}
