// hub/channels/testing — a local stand-in for SP-API Listings Items 2021-08-01: PATCH of
// /attributes/fulfillment_availability (ACCEPTED, INVALID, ERROR issues inside 200), GET with
// includedData=fulfillmentAvailability, 429 QuotaExceeded, 5xx.
import type { ServerResponse } from 'node:http';
import { json, startLocalServer, type LocalServer } from './server.js';

export type AmazonFault = { kind: 'http429' } | { kind: 'http500' } | { kind: 'issue-error' };

export class FakeAmazon {
  readonly listings = new Map<string, number>();
  readonly requests: Array<{ at: number; method: string; sku: string; status: number }> = [];
  readonly faults: AmazonFault[] = [];
  private server?: LocalServer;
  private submissions = 0;

  constructor(private readonly opts: { token: string; sellerId: string; marketplaceId: string }) {}

  get url(): string {
    return this.server!.url;
  }

  async start(): Promise<this> {
    this.server = await startLocalServer((req, body, res) => this.handle(req.method ?? 'GET', req.url ?? '', req.headers, body, res));
    return this;
  }

  close(): Promise<void> {
    return this.server?.close() ?? Promise.resolve();
  }

  private reply(res: ServerResponse, method: string, sku: string, status: number, body: unknown, headers: Record<string, string> = {}) {
    this.requests.push({ at: Date.now(), method, sku, status });
    json(res, status, body, headers);
  }

  private handle(method: string, rawUrl: string, headers: Record<string, string | string[] | undefined>, raw: Buffer, res: ServerResponse) {
    const url = new URL(rawUrl, 'http://fake');
    const m = /^\/listings\/2021-08-01\/items\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (!m) return json(res, 404, { errors: [{ code: 'NotFound', message: 'Resource not found' }] });
    const sku = decodeURIComponent(m[2]!);
    if (headers['x-amz-access-token'] !== this.opts.token) return this.reply(res, method, sku, 403, { errors: [{ code: 'Unauthorized', message: 'Access to requested resource is denied.' }] });
    if (decodeURIComponent(m[1]!) !== this.opts.sellerId) return this.reply(res, method, sku, 403, { errors: [{ code: 'Unauthorized', message: 'seller mismatch' }] });
    if (url.searchParams.get('marketplaceIds') !== this.opts.marketplaceId) return this.reply(res, method, sku, 400, { errors: [{ code: 'InvalidInput', message: 'marketplaceIds is required' }] });

    if (method === 'GET') {
      const q = this.listings.get(sku);
      if (q === undefined) return this.reply(res, method, sku, 404, { errors: [{ code: 'NOT_FOUND', message: `SKU '${sku}' not found` }] });
      const included = url.searchParams.get('includedData') ?? 'summaries';
      return this.reply(res, method, sku, 200, { sku, ...(included.includes('fulfillmentAvailability') ? { fulfillmentAvailability: [{ fulfillmentChannelCode: 'DEFAULT', quantity: q }] } : {}) });
    }
    if (method !== 'PATCH') return this.reply(res, method, sku, 405, { errors: [{ code: 'MethodNotAllowed', message: method }] });

    const fault = this.faults.shift();
    if (fault?.kind === 'http429') return this.reply(res, method, sku, 429, { errors: [{ code: 'QuotaExceeded', message: 'You exceeded your quota for the requested resource.' }] }, { 'retry-after': '0.05' });
    if (fault?.kind === 'http500') return this.reply(res, method, sku, 500, { errors: [{ code: 'InternalFailure', message: 'We encountered an internal error.' }] });
    const body = JSON.parse(raw.toString('utf8')) as { productType?: string; patches?: Array<{ op: string; path: string; value?: Array<{ fulfillment_channel_code?: string; quantity?: number }> }> };
    const submissionId = `sub-${++this.submissions}`;
    const patch = body.patches?.find((p) => p.path === '/attributes/fulfillment_availability');
    const quantity = patch?.value?.[0]?.quantity;
    if (!body.productType || !patch || patch.op !== 'replace' || typeof quantity !== 'number' || !patch.value?.[0]?.fulfillment_channel_code) {
      return this.reply(res, method, sku, 400, { errors: [{ code: 'InvalidInput', message: 'patches must replace /attributes/fulfillment_availability with fulfillment_channel_code and quantity' }] });
    }
    if (!this.listings.has(sku)) {
      return this.reply(res, method, sku, 200, { sku, status: 'INVALID', submissionId, issues: [{ code: '4000001', message: `SKU ${sku} has no listing`, severity: 'ERROR', attributeNames: [] }] });
    }
    if (fault?.kind === 'issue-error') {
      return this.reply(res, method, sku, 200, { sku, status: 'ACCEPTED', submissionId, issues: [{ code: '90220', message: "'quantity' must be a whole number", severity: 'ERROR', attributeNames: ['fulfillment_availability'] }] });
    }
    this.listings.set(sku, quantity);
    return this.reply(res, method, sku, 200, { sku, status: 'ACCEPTED', submissionId, issues: [] });
  }
}
