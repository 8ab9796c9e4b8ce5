// connectors — plain HTTP for connectors: one request with a timeout, and the retry loop that repeats
// one logical push (same idempotency key) after timeouts, 5xx and throttling, with capped exponential back-off.
import type { Logger } from '../protocols/logging/index.js';
import { backoffDelay } from '../runtime/backoff.js';
import type { HttpSettings } from '../protocols/channels/config.js';
import type { Runtime } from '../runtime/runtime.js';

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
}

/**
 * The hub is stopping: a request in flight or a back-off wait was cut short. Not a channel failure: the push it
 * belonged to stays outstanding (with its key) and is sent again at the next start.
 */
export class StopAbort extends Error {
  constructor() {
    super('stopped: the hub is shutting down');
    this.name = 'StopAbort';
  }
}

/** One request as `httpRequest` makes it: the deterministic simulator (scripts/vopr/channel.ts) passes its own. */
export type HttpTransport = typeof httpRequest;

/**
 * A connector's HTTP behaviour: the channel's settings, the signal the sync aborts at shutdown, and the transport
 * (default `httpRequest`, real HTTP).
 */
export type HttpBehaviour = HttpSettings & { signal?: AbortSignal; transport?: HttpTransport };

/** Wait `ms` on the runtime's timers, or throw StopAbort as soon as `signal` aborts (the timer is then cancelled). */
export function pause(runtime: Pick<Runtime, 'setTimer'>, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(new StopAbort());
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      timer.cancel();
      reject(new StopAbort());
    };
    const timer = runtime.setTimer(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export class HttpFailure extends Error {
  constructor(
    readonly kind: 'timeout' | 'network',
    message: string,
  ) {
    super(message);
  }
}

/**
 * One HTTP request. Throws HttpFailure on timeout or a broken connection, StopAbort when `stop` aborts (the hub
 * stopping: the connection is closed at once); any HTTP status is an answer.
 */
export async function httpRequest(
  method: string,
  url: string,
  headers: Record<string, string>,
  body: string | undefined,
  timeoutMs: number,
  stop?: AbortSignal,
): Promise<HttpAnswer> {
  if (stop?.aborted) throw new StopAbort();
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(url, { method, headers, body, signal: stop ? AbortSignal.any([timeout, stop]) : timeout });
    return { status: res.status, headers: res.headers, text: await res.text() };
  } catch (err) {
    if (stop?.aborted) throw new StopAbort();
    const e = err as Error & { cause?: { code?: string } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') throw new HttpFailure('timeout', `no answer within ${timeoutMs} ms`);
    throw new HttpFailure('network', e.cause?.code ?? e.message);
  }
}

export const DEFAULT_HTTP: HttpSettings = { timeoutMs: 10_000, maxTries: 5, backoffBaseMs: 500, backoffMaxMs: 30_000 };

/** Back-off before try n+1 (n ≥ 1): base × 2^(n−1), capped, with up to 25 % jitter from `rand` (0..1). */
export function backoffMs(tries: number, base: number, max: number, rand = 0.5): number {
  return backoffDelay(Math.max(0, tries - 1), { initialMs: base, maxMs: max, jitter: 0.25 }, rand);
}

/** Seconds from a Retry-After header, if it holds a number. */
export function retryAfterMs(headers: Headers): number | undefined {
  const v = headers.get('retry-after');
  if (v === null) return undefined;
  const s = Number(v);
  return Number.isFinite(s) && s >= 0 ? s * 1000 : undefined;
}

export type TryVerdict<T> =
  | { done: T }
  /** Try again with the same key: after `waitMs` if given, else after the back-off. Throttle waits do not use up tries. */
  | { retry: string; waitMs?: number; throttled?: boolean };

/** Throttle waits allowed per logical push on top of `maxTries`. */
const MAX_THROTTLE_WAITS = 50;

/**
 * Run `once` until it is done or the tries are spent. Network failures and timeouts are retries; the caller's
 * verdict decides everything else. Returns `{ gaveUp: lastError }` when out of tries.
 */
export async function withRetries<T>(
  once: (tryNo: number) => Promise<TryVerdict<T>>,
  http: HttpBehaviour,
  runtime: Runtime,
  log: Logger,
  what: Record<string, unknown>,
): Promise<{ done: T } | { gaveUp: string }> {
  let tries = 0;
  let throttles = 0;
  let last = 'no try made';
  while (tries < http.maxTries) {
    let verdict: TryVerdict<T>;
    try {
      verdict = await once(tries + throttles + 1);
    } catch (err) {
      if (!(err instanceof HttpFailure)) throw err;
      verdict = { retry: `${err.kind}: ${err.message}` };
    }
    if ('done' in verdict) return verdict;
    last = verdict.retry;
    if (verdict.throttled && throttles < MAX_THROTTLE_WAITS) throttles++;
    else tries++;
    if (tries >= http.maxTries) break;
    const wait = verdict.waitMs ?? backoffMs(tries, http.backoffBaseMs, http.backoffMaxMs, runtime.random());
    log.warn({ ...what, tries, throttles, waitMs: wait, reason: verdict.retry }, 'channel request will be retried');
    await pause(runtime, wait, http.signal);
  }
  return { gaveUp: last };
}
