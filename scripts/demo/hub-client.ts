// scripts/demo — the demo's calls to the hub's REST API (every one with the demo's bearer token), and the one way it
// waits for anything: a probe polled until it answers, a line every few seconds saying what it still waits for and
// the last answer it got, and an immediate stop when the answer is final (a refused token, a process that exited).

export class HubRefused extends Error {
  constructor(readonly status: number, what: string, body: string) {
    super(`${what}: the hub answered ${status} ${body.slice(0, 400)}`);
    this.name = 'HubRefused';
  }
}

export interface HubClient {
  readonly api: string;
  /** A JSON call with the demo's token; a 4xx/5xx throws HubRefused naming the call, unless `accept` lists it. */
  call<T>(method: string, path: string, opts?: { body?: unknown; headers?: Record<string, string>; accept?: number[] }): Promise<{ status: number; body: T }>;
}

export function hubClient(api: string, token: string): HubClient {
  return {
    api,
    async call<T>(method: string, path: string, opts: { body?: unknown; headers?: Record<string, string>; accept?: number[] } = {}) {
      const res = await fetch(`${api}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers },
        ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      if (!res.ok && !(opts.accept ?? []).includes(res.status)) throw new HubRefused(res.status, `${method} ${path}`, text);
      return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
    },
  };
}

/** What a probe saw: done, or not yet with the reason (shown in the progress lines and the final error). */
export type Probe = { done: true } | { done: false; last: string };

export interface WaitOptions {
  timeoutMs: number;
  /** A progress line every this many ms while waiting (default 5 s). */
  reportEveryMs?: number;
  pollMs?: number;
  say: (line: string) => void;
  /** Rejects when waiting is pointless (a process it depends on exited): the wait ends at once with that reason. */
  abort?: Promise<never>;
}

/** Poll `probe` until done; a probe that throws HubRefused ends the wait at once (a refusal will not heal). */
export async function waitUntil(what: string, probe: () => Promise<Probe>, opts: WaitOptions): Promise<void> {
  const started = Date.now();
  let last = 'no answer yet';
  let nextReport = started + (opts.reportEveryMs ?? 5_000);
  let over = false;
  const poll = async (): Promise<void> => {
    while (!over) {
      try {
        const p = await probe();
        if (p.done) return;
        last = p.last;
      } catch (err) {
        if (err instanceof HubRefused) throw new Error(`gave up waiting for ${what}: ${err.message}`);
        const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
        last = cause?.code ?? cause?.message ?? (err as Error).message;
      }
      const now = Date.now();
      if (now - started > opts.timeoutMs) throw new Error(`gave up waiting for ${what} after ${Math.round(opts.timeoutMs / 1000)} s; the last answer: ${last}`);
      if (now >= nextReport) {
        opts.say(`still waiting for ${what} (${Math.round((now - started) / 1000)} s): ${last}`);
        nextReport = now + (opts.reportEveryMs ?? 5_000);
      }
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 250));
    }
  };
  try {
    await (opts.abort ? Promise.race([poll(), opts.abort]) : poll());
  } finally {
    over = true; // an aborted wait stops polling
  }
}
