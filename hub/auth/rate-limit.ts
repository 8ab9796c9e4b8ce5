// hub/auth — failed authentications per client address in a fixed window; past the limit the address gets 429 until
// the window ends (and costs the hub no scrypt). Pure apart from the clock it is given.

export interface FailureLimit {
  max: number;
  windowS: number;
}

/** Addresses tracked at most; when full, windows that ended are dropped, then the oldest. */
const MAX_ADDRESSES = 10_000;

export class AuthFailureLimiter {
  private readonly windows = new Map<string, { start: number; failures: number }>();

  constructor(
    private readonly limit: FailureLimit,
    private readonly clock: () => number,
  ) {
    if (!(limit.max >= 1 && limit.windowS >= 1)) throw new Error(`auth failure limit needs max >= 1 and windowS >= 1, got ${JSON.stringify(limit)}`);
  }

  /** Seconds until the address may try again, or 0 when it may try now. */
  blockedFor(address: string): number {
    const w = this.current(address);
    if (!w || w.failures < this.limit.max) return 0;
    return Math.max(1, Math.ceil((w.start + this.limit.windowS * 1000 - this.clock()) / 1000));
  }

  fail(address: string): void {
    const w = this.current(address);
    if (w) {
      w.failures++;
      return;
    }
    if (this.windows.size >= MAX_ADDRESSES) this.prune();
    this.windows.set(address, { start: this.clock(), failures: 1 });
  }

  private current(address: string): { start: number; failures: number } | undefined {
    const w = this.windows.get(address);
    if (w && this.clock() - w.start >= this.limit.windowS * 1000) {
      this.windows.delete(address);
      return undefined;
    }
    return w;
  }

  private prune(): void {
    const now = this.clock();
    for (const [a, w] of this.windows) if (now - w.start >= this.limit.windowS * 1000) this.windows.delete(a);
    while (this.windows.size >= MAX_ADDRESSES) this.windows.delete(this.windows.keys().next().value!);
  }
}
