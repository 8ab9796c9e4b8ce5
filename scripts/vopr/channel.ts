// scripts/vopr — a simulated Shopify for the whole-chain simulator, at the lowest layer the connector has: its HTTP
// transport (connectors/http.ts `HttpTransport`). The real Shopify connector (its retry loop, throttle waits, the
// compare-and-set and the stale re-read) and the real sync driver run above it on simulated time. It answers
// inventorySetQuantities (changeFromQuantity compare-and-set, @idempotent keys: a retried key is applied once and
// answered with its first result) and the inventoryLevel read, with faults drawn from the run's random stream:
// - every request travels 0..latencyMs each way (concurrent requests complete in any order), a few much longer;
// - a 500 before anything is applied, a 429 with Retry-After;
// - an ambiguous timeout: the push is applied, its answer is lost (the client times out and tries again);
// - a request the client gave up on (timed out, or its hub process died) still arrives and is applied.
// Every push going out is reported to `onSend`, every application to `onApply`, as it happens (the sync checks run
// there, sync.ts).
import { HttpFailure, StopAbort, type HttpAnswer, type HttpTransport } from '../../connectors/http.js';
import type { Runtime } from '../../runtime/runtime.js';

export interface ChannelFaults {
  /** Most milliseconds one way; each request draws its own. */
  latencyMs: number;
  /** Probability that a request is held up to 3 × the client's timeout on its way there (it arrives late). */
  slow: number;
  /** Probability of an HTTP 500 before the request is looked at (nothing applied). */
  fail: number;
  /** Probability of an HTTP 429 with Retry-After (nothing applied). */
  rateLimit: number;
  retryAfterS: number;
  /** Probability that a push is applied and its answer lost (the client sees a timeout). */
  loseAnswer: number;
}

export interface Application {
  key: string;
  item: string;
  quantity: number;
  /** what the channel showed before */
  was: number;
}

export interface SetInput {
  name: string;
  quantities: Array<{ inventoryItemId: string; locationId: string; quantity: number; changeFromQuantity: number | null }>;
}

type UserError = { code: string; field: string[] | null; message: string };

export class SimShopify {
  /** What the channel shows, per inventory item (one location). */
  readonly levels = new Map<string, number>();
  readonly stats = { requests: 0, failed: 0, rateLimited: 0, lostAnswers: 0, late: 0, applied: 0, replayed: 0, stale: 0 };
  private readonly keys = new Map<string, { params: string; response: unknown }>();
  private faultsOn = true;

  constructor(
    private readonly rt: Runtime,
    private readonly faults: ChannelFaults,
    private readonly onApply: (a: Application) => void,
    /** Called as a push goes out (before the first byte): its key and what it sets. */
    private readonly onSend: (key: string, quantities: SetInput['quantities']) => void = () => {},
  ) {}

  /** Faults off (the heal phase): requests are answered, promptly. */
  heal(): void {
    this.faultsOn = false;
  }

  /** The connector's transport: one request, answered (or timed out, or aborted) on simulated time. */
  readonly transport: HttpTransport = (_method, _url, _headers, body, timeoutMs, stop) => {
    if (stop?.aborted) return Promise.reject(new StopAbort());
    this.stats.requests++;
    const sent = JSON.parse(body ?? '{}') as { query?: string; variables?: { idempotencyKey?: string; input?: SetInput } };
    if (sent.query?.includes('inventorySetQuantities(')) this.onSend(String(sent.variables?.idempotencyKey), sent.variables?.input?.quantities ?? []);
    return new Promise<HttpAnswer>((resolve, reject) => {
      let done = false;
      const finish = (fn: () => void) => {
        if (done) return;
        done = true;
        timeout.cancel();
        stop?.removeEventListener('abort', onAbort);
        fn();
      };
      const onAbort = () => finish(() => reject(new StopAbort()));
      stop?.addEventListener('abort', onAbort, { once: true });
      const timeout = this.rt.setTimer(timeoutMs, () => finish(() => reject(new HttpFailure('timeout', `no answer within ${timeoutMs} ms`))));
      this.rt.setTimer(this.there(timeoutMs), () => {
        if (done) this.stats.late++;
        const answer = this.handle(body ?? '');
        if (answer) this.rt.setTimer(this.latency(), () => finish(() => resolve(answer)));
      });
    });
  };

  private latency(): number {
    return Math.floor(this.rt.random() * (this.faults.latencyMs + 1));
  }

  private there(timeoutMs: number): number {
    const slow = this.faultsOn && this.rt.random() < this.faults.slow;
    return this.latency() + (slow ? Math.floor(this.rt.random() * 3 * timeoutMs) : 0);
  }

  private chance(p: number): boolean {
    return this.faultsOn && this.rt.random() < p;
  }

  /** The channel's answer to one request, or undefined when it is lost. */
  private handle(body: string): HttpAnswer | undefined {
    if (this.chance(this.faults.fail)) {
      this.stats.failed++;
      return answer(500, { errors: 'Internal Server Error' });
    }
    if (this.chance(this.faults.rateLimit)) {
      this.stats.rateLimited++;
      return answer(429, { errors: 'Exceeded 2 calls per second for api client.' }, { 'retry-after': String(this.faults.retryAfterS) });
    }
    const { query, variables } = JSON.parse(body) as { query: string; variables: Record<string, unknown> };
    if (query.includes('inventoryItem(')) {
      const level = this.levels.get(String(variables.item));
      return answer(200, {
        data: { inventoryItem: level === undefined ? null : { inventoryLevel: { quantities: [{ name: 'available', quantity: level }] } } },
      });
    }
    if (!query.includes('inventorySetQuantities(')) throw new Error(`sim channel: unexpected query ${query.slice(0, 60)}`);
    const { response, applied } = this.set(String(variables.idempotencyKey), variables.input as SetInput);
    if (applied && this.chance(this.faults.loseAnswer)) {
      this.stats.lostAnswers++;
      return undefined;
    }
    return answer(200, response);
  }

  /** inventorySetQuantities under an idempotency key: applied once (all items or none), a retry answered as the first. */
  private set(key: string, input: SetInput): { response: unknown; applied: boolean } {
    const params = JSON.stringify(input);
    const seen = this.keys.get(key);
    if (seen) {
      if (seen.params !== params)
        return { response: refused([{ code: 'IDEMPOTENCY_KEY_PARAMETER_MISMATCH', field: null, message: 'same key, other parameters' }]), applied: false };
      this.stats.replayed++;
      return { response: seen.response, applied: false };
    }
    const errors: UserError[] = [];
    input.quantities.forEach((q, i) => {
      const level = this.levels.get(q.inventoryItemId);
      const field = ['input', 'quantities', String(i), 'changeFromQuantity'];
      if (level === undefined) errors.push({ code: 'INVALID_INVENTORY_ITEM', field, message: 'The specified inventory item could not be found.' });
      else if (q.changeFromQuantity !== null && q.changeFromQuantity !== level)
        errors.push({ code: 'CHANGE_FROM_QUANTITY_STALE', field, message: 'The changeFromQuantity value does not match persisted value.' });
    });
    if (errors.length) {
      this.stats.stale++;
      const response = refused(errors);
      this.keys.set(key, { params, response });
      return { response, applied: false };
    }
    for (const q of input.quantities) {
      const was = this.levels.get(q.inventoryItemId)!;
      this.levels.set(q.inventoryItemId, q.quantity);
      this.stats.applied++;
      this.onApply({ key, item: q.inventoryItemId, quantity: q.quantity, was });
    }
    const changes = input.quantities.map((q) => ({ name: 'available', item: { id: q.inventoryItemId }, location: { id: q.locationId } }));
    const response = { data: { inventorySetQuantities: { inventoryAdjustmentGroup: { changes }, userErrors: [] } } };
    this.keys.set(key, { params, response });
    return { response, applied: true };
  }
}

function refused(userErrors: UserError[]) {
  return { data: { inventorySetQuantities: { inventoryAdjustmentGroup: null, userErrors } } };
}

function answer(status: number, body: unknown, headers: Record<string, string> = {}): HttpAnswer {
  return { status, headers: new Headers(headers), text: JSON.stringify(body) };
}
