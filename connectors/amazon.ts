// connectors — Amazon SP-API Listings Items 2021-08-01: `patchListingsItem` replacing
// /attributes/fulfillment_availability, and getListingsItem with includedData=fulfillmentAvailability to read back.
import type { Logger } from '../protocols/logging/index.js';
import type { AmazonSettings } from '../protocols/channels/config.js';
import { httpRequest, type HttpBehaviour, retryAfterMs, withRetries, type TryVerdict } from './http.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Connector, PushItem, PushOutcome, ReadItem, ReadOutcome } from './types.js';

interface Issue {
  code: string;
  message: string;
  severity: 'ERROR' | 'WARNING' | 'INFO';
  attributeNames?: string[];
}

interface SubmissionResponse {
  sku: string;
  status: 'ACCEPTED' | 'INVALID' | 'VALID';
  submissionId: string;
  issues?: Issue[];
}

/** Run `fn` over `items` with at most `limit` at once, keeping order. */
async function pool<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function errorText(text: string): string {
  try {
    const body = JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> };
    if (body.errors?.length) return body.errors.map((e) => `${e.code ?? 'Error'}: ${e.message ?? ''}`).join('; ');
  } catch {
    /* not JSON: use the text */
  }
  return text.slice(0, 200);
}

/** Amazon's per-operation rate is 5 requests/s: pushes of a batch go out at most this many at once. */
const CONCURRENCY = 5;

export function amazonConnector(settings: AmazonSettings, http: HttpBehaviour, runtime: Runtime, log: Logger): Connector {
  const base = settings.endpoint.replace(/\/+$/, '');
  const headers = { 'content-type': 'application/json', accept: 'application/json', 'x-amz-access-token': settings.accessToken };
  const itemUrl = (sellerSku: string, extra = '') =>
    `${base}/listings/2021-08-01/items/${encodeURIComponent(settings.sellerId)}/${encodeURIComponent(sellerSku)}` +
    `?marketplaceIds=${encodeURIComponent(settings.marketplaceId)}${extra}`;

  function verdictOf<T>(status: number, h: Headers, text: string, ok: (body: T) => TryVerdict<T | { fatal: string }>): TryVerdict<T | { fatal: string }> {
    if (status === 429) return { retry: 'HTTP 429 QuotaExceeded', waitMs: retryAfterMs(h), throttled: true };
    if (status >= 500) return { retry: `HTTP ${status}` };
    if (status !== 200) return { done: { fatal: `HTTP ${status}: ${errorText(text)}` } };
    try {
      return ok(JSON.parse(text) as T);
    } catch {
      return { retry: 'HTTP 200 with a body that is not JSON' };
    }
  }

  async function pushOne(it: PushItem, key: string): Promise<PushOutcome> {
    const body = JSON.stringify({
      productType: settings.productType,
      patches: [
        {
          op: 'replace',
          path: '/attributes/fulfillment_availability',
          value: [{ fulfillment_channel_code: settings.fulfillmentChannelCode, quantity: it.quantity }],
        },
      ],
    });
    // A replace of an absolute quantity is idempotent by itself: repeating it after a timeout cannot double-apply.
    const r = await withRetries(
      async () => {
        const res = await httpRequest('PATCH', itemUrl(it.item), headers, body, http.timeoutMs, http.signal);
        return verdictOf<SubmissionResponse>(res.status, res.headers, res.text, (b) => ({ done: b }));
      },
      http,
      runtime,
      log,
      { op: 'patchListingsItem', key, sku: it.sku },
    );
    if ('gaveUp' in r) return { sku: it.sku, status: 'failed', error: r.gaveUp };
    if ('fatal' in r.done) return { sku: it.sku, status: 'failed', error: r.done.fatal };
    // 200/ACCEPTED can still carry per-item ERROR issues: the quantity was not taken.
    const errors = (r.done.issues ?? []).filter((i) => i.severity === 'ERROR');
    if (errors.length || r.done.status === 'INVALID') {
      const error = errors.length ? errors.map((e) => `${e.code}: ${e.message}`).join('; ') : `status ${r.done.status}`;
      return { sku: it.sku, status: 'failed', error };
    }
    return { sku: it.sku, status: 'ok', quantity: it.quantity };
  }

  async function readOne(it: ReadItem): Promise<ReadOutcome> {
    type Got = { sku: string; fulfillmentAvailability?: Array<{ fulfillmentChannelCode: string; quantity?: number }> };
    const r = await withRetries(
      async () => {
        const res = await httpRequest('GET', itemUrl(it.item, '&includedData=fulfillmentAvailability'), headers, undefined, http.timeoutMs, http.signal);
        return verdictOf<Got>(res.status, res.headers, res.text, (b) => ({ done: b }));
      },
      http,
      runtime,
      log,
      { op: 'getListingsItem', sku: it.sku },
    );
    if ('gaveUp' in r) return { sku: it.sku, quantity: null, error: r.gaveUp };
    if ('fatal' in r.done) return { sku: it.sku, quantity: null, error: r.done.fatal };
    const fa = r.done.fulfillmentAvailability?.find((f) => f.fulfillmentChannelCode === settings.fulfillmentChannelCode);
    return { sku: it.sku, quantity: fa?.quantity ?? 0 };
  }

  return {
    kind: 'amazon',
    batchSize: 20,
    push: (items, key) => pool(items, CONCURRENCY, (it) => pushOne(it, key)),
    read: (items) => pool(items, CONCURRENCY, readOne),
  };
}
