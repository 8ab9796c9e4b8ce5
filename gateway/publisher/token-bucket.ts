// gateway/publisher — a token bucket (pure, clock passed in): how fast the backlog may drain after an outage.

export class TokenBucket {
  private tokens: number;
  private lastMs: number;

  /** `ratePerSecond` tokens accrue per second up to `burst`; the bucket starts full. */
  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    nowMs: number,
  ) {
    if (!(ratePerSecond > 0) || !(burst >= 1)) throw new RangeError(`token bucket needs ratePerSecond > 0 and burst >= 1 (got ${ratePerSecond}, ${burst})`);
    this.tokens = burst;
    this.lastMs = nowMs;
  }

  private refill(nowMs: number): void {
    if (nowMs > this.lastMs) {
      this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.lastMs) * this.ratePerSecond) / 1000);
      this.lastMs = nowMs;
    }
  }

  /** Whole tokens available now. */
  available(nowMs: number): number {
    this.refill(nowMs);
    return Math.floor(this.tokens);
  }

  /** Spend `n` tokens (the caller checked `available`). */
  take(n: number, nowMs: number): void {
    this.refill(nowMs);
    if (n > this.tokens + 1e-9) throw new RangeError(`took ${n} tokens with only ${this.tokens.toFixed(2)} available`);
    this.tokens -= n;
  }

  /** Milliseconds until `n` whole tokens are available (0 if they are). */
  msUntil(n: number, nowMs: number): number {
    this.refill(nowMs);
    const missing = Math.min(n, this.burst) - this.tokens;
    return missing <= 0 ? 0 : Math.ceil((missing * 1000) / this.ratePerSecond);
  }
}
