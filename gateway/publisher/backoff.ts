// gateway/publisher — reconnect back-off: exponential with "equal jitter" (half fixed, half random), pure and seedable.
// Many gateways of a site lose the broker together (a hub restart); jitter keeps them from reconnecting in lockstep,
// and the fixed half keeps a single gateway from hammering a broker that refuses it.

export interface BackoffOptions {
  /** First delay's upper bound, ms. Default 500. */
  initialMs?: number;
  /** Upper bound of any delay, ms. Default 30,000. */
  maxMs?: number;
  /** Growth per failed attempt. Default 2. */
  factor?: number;
  /** Uniform [0, 1) source; injectable so tests and simulations replay. */
  random?: () => number;
}

export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly random: () => number;
  private failures = 0;

  constructor(opts: BackoffOptions = {}) {
    this.initialMs = opts.initialMs ?? 500;
    this.maxMs = opts.maxMs ?? 30_000;
    this.factor = opts.factor ?? 2;
    this.random = opts.random ?? Math.random;
    if (!(this.initialMs > 0) || !(this.maxMs >= this.initialMs) || !(this.factor >= 1)) {
      throw new RangeError(`back-off needs 0 < initialMs <= maxMs and factor >= 1 (got ${this.initialMs}, ${this.maxMs}, ${this.factor})`);
    }
  }

  /** The delay before the next attempt; each call counts one more failure. In [ceiling/2, ceiling]. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.initialMs * this.factor ** this.failures);
    this.failures++;
    return Math.round(ceiling / 2 + (ceiling / 2) * this.random());
  }

  /** Failed attempts since the last success. */
  attempts(): number {
    return this.failures;
  }

  /** A connection succeeded: start again from the smallest delay. */
  reset(): void {
    this.failures = 0;
  }
}
