// connectors — a generic webhook channel: POST JSON quantities to a URL, signed with
// `X-Dockgate-Signature: sha256=<hex HMAC-SHA256 of the body>`, carrying the push's idempotency key.
import { createHmac } from 'node:crypto';
import type { Logger } from '../protocols/logging/index.js';
import type { WebhookSettings } from '../protocols/channels/config.js';
import { httpRequest, type HttpBehaviour, retryAfterMs, withRetries } from './http.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Connector, PushItem, PushOutcome, ReadItem, ReadOutcome } from './types.js';

export const SIGNATURE_HEADER = 'x-dockgate-signature';

export function signBody(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The body a webhook receiver gets. */
export interface WebhookPush {
  key: string;
  sentAt: string;
  items: Array<{ sku: string; item: string; quantity: number; from: number | null }>;
}

export function webhookConnector(settings: WebhookSettings, http: HttpBehaviour, runtime: Runtime, log: Logger): Connector {
  async function push(items: readonly PushItem[], key: string): Promise<PushOutcome[]> {
    // The body is built once: every retry sends the same bytes, the same signature and the same key.
    const payload: WebhookPush = {
      key,
      sentAt: new Date(runtime.now()).toISOString(),
      items: items.map((i) => ({ sku: i.sku, item: i.item, quantity: i.quantity, from: i.from })),
    };
    const body = JSON.stringify(payload);
    const headers = { 'content-type': 'application/json', 'idempotency-key': key, [SIGNATURE_HEADER]: signBody(settings.secret, body) };
    const r = await withRetries<{ fatal: string } | { ok: true }>(
      async () => {
        const res = await httpRequest('POST', settings.url, headers, body, http.timeoutMs, http.signal);
        if (res.status === 429) return { retry: 'HTTP 429', waitMs: retryAfterMs(res.headers), throttled: true };
        if (res.status >= 500) return { retry: `HTTP ${res.status}` };
        if (res.status >= 200 && res.status < 300) return { done: { ok: true } };
        return { done: { fatal: `HTTP ${res.status}: ${res.text.slice(0, 200)}` } };
      },
      http,
      runtime,
      log,
      { op: 'webhook', key, items: items.length },
    );
    const error = 'gaveUp' in r ? r.gaveUp : 'fatal' in r.done ? r.done.fatal : undefined;
    return items.map((i) => (error === undefined ? { sku: i.sku, status: 'ok', quantity: i.quantity } : { sku: i.sku, status: 'failed', error }));
  }

  async function read(items: readonly ReadItem[]): Promise<ReadOutcome[]> {
    const out: ReadOutcome[] = [];
    for (const it of items) {
      if (!settings.readUrl) {
        out.push({ sku: it.sku, quantity: null, error: 'webhook channel has no readUrl' });
        continue;
      }
      const url = `${settings.readUrl}${settings.readUrl.includes('?') ? '&' : '?'}item=${encodeURIComponent(it.item)}`;
      const r = await withRetries<{ quantity: number | null; error?: string }>(
        async () => {
          const res = await httpRequest('GET', url, { accept: 'application/json' }, undefined, http.timeoutMs, http.signal);
          if (res.status >= 500 || res.status === 429) return { retry: `HTTP ${res.status}` };
          if (res.status !== 200) return { done: { quantity: null, error: `HTTP ${res.status}` } };
          const q = (JSON.parse(res.text) as { quantity?: unknown }).quantity;
          return { done: typeof q === 'number' ? { quantity: q } : { quantity: null, error: 'answer without a numeric quantity' } };
        },
        http,
        runtime,
        log,
        { op: 'webhook-read', sku: it.sku },
      );
      out.push('gaveUp' in r ? { sku: it.sku, quantity: null, error: r.gaveUp } : { sku: it.sku, ...r.done });
    }
    return out;
  }

  return { kind: 'webhook', batchSize: settings.batchSize, push, read };
}
