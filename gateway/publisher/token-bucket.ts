// gateway/publisher — a token bucket (pure, clock passed in): how fast the backlog may drain after an outage.

export class TokenBucket {
  private tokens: number;
  private lastMs: number;

  private rate: number;
  private size: number;

  /** `ratePerSecond` tokens accrue per second up to `burst`; the bucket starts full. */
  constructor(ratePerSecond: number, burst: number, nowMs: number) {
    TokenBucket.validate(ratePerSecond, burst);
    this.rate = ratePerSecond;
    this.size = burst;
    this.tokens = burst;
    this.lastMs = nowMs;
  }

  private static validate(ratePerSecond: number, burst: number): void {
    if (!(ratePerSecond > 0) || !(burst >= 1)) throw new RangeError(`token bucket needs ratePerSecond > 0 and burst >= 1 (got ${ratePerSecond}, ${burst})`);
  }

  get ratePerSecond(): number {
    return this.rate;
  }

  get burst(): number {
    return this.size;
  }

  /** From `nowMs` on, accrue at `ratePerSecond` up to `burst` (what accrued until now, at the old rate, is kept up to the new burst). */
  setRate(ratePerSecond: number, burst: number, nowMs: number): void {
    TokenBucket.validate(ratePerSecond, burst);
    this.refill(nowMs);
    this.rate = ratePerSecond;
    this.size = burst;
    this.tokens = Math.min(this.tokens, burst);
  }

  private refill(nowMs: number): void {
    if (nowMs > this.lastMs) {
      this.tokens = Math.min(this.size, this.tokens + ((nowMs - this.lastMs) * this.rate) / 1000);
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
    const missing = Math.min(n, this.size) - this.tokens;
    return missing <= 0 ? 0 : Math.ceil((missing * 1000) / this.rate);
  }
}
