// hub/channels/testing — a webhook receiver as a customer would write one: it checks X-Dockgate-Signature over the
// raw body, dedups by Idempotency-Key, and answers GET ?item= with what it currently shows.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookPush } from '../../../connectors/webhook.js';
import { json, startLocalServer, type LocalServer } from './server.js';

export class FakeWebhookReceiver {
  readonly shows = new Map<string, number>();
  readonly received: Array<{ at: number; key: string; items: WebhookPush['items'] }> = [];
  /** deliveries per idempotency key, and how often each key's quantities were applied (must stay 1) */
  readonly deliveries = new Map<string, number>();
  readonly applications = new Map<string, number>();
  rejectedSignatures = 0;
  /** answers to give before the normal 200: status codes (e.g. 500) or 'hang:<ms>' */
  readonly faults: Array<number | `hang:${number}`> = [];
  private server?: LocalServer;

  constructor(private readonly secret: string) {}

  get url(): string {
    return this.server!.url;
  }

  async start(): Promise<this> {
    this.server = await startLocalServer(async (req, body, res) => {
      const url = new URL(req.url ?? '/', 'http://fake');
      if (req.method === 'GET') {
        const item = url.searchParams.get('item') ?? '';
        return json(res, 200, { item, quantity: this.shows.get(item) ?? 0 });
      }
      const expected = createHmac('sha256', this.secret).update(body).digest();
      const got = /^sha256=([0-9a-f]{64})$/.exec(String(req.headers['x-dockgate-signature'] ?? ''));
      if (!got || !timingSafeEqual(Buffer.from(got[1]!, 'hex'), expected)) {
        this.rejectedSignatures++;
        return json(res, 401, { error: 'bad signature' });
      }
      const payload = JSON.parse(body.toString('utf8')) as WebhookPush;
      this.received.push({ at: Date.now(), key: payload.key, items: payload.items });
      const fault = this.faults.shift();
      if (typeof fault === 'string') await new Promise((r) => setTimeout(r, Number(fault.slice(5))));
      if (typeof fault === 'number') return json(res, fault, { error: 'injected' });
      const key = String(req.headers['idempotency-key'] ?? payload.key);
      if (!this.deliveries.has(key)) {
        for (const it of payload.items) this.shows.set(it.item, it.quantity);
        this.applications.set(key, (this.applications.get(key) ?? 0) + 1);
      }
      this.deliveries.set(key, (this.deliveries.get(key) ?? 0) + 1);
      if (typeof fault === 'string') return; // the client gave up on this one; it was applied anyway
      return json(res, 200, { ok: true });
    });
    return this;
  }

  close(): Promise<void> {
    return this.server?.close() ?? Promise.resolve();
  }
}
