// gateway/llrp — reconnect back-off for a reader link: exponential, capped, with jitter, forever. Pure; the random
// source is a parameter so tests can pin it.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

export class Backoff {
  private attempt = 0;
  constructor(
    private readonly opts: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {
    if (!(opts.initialMs > 0) || !(opts.maxMs >= opts.initialMs)) {
      throw new RangeError(`backoff: need 0 < initialMs <= maxMs, got ${opts.initialMs}, ${opts.maxMs}`);
    }
  }

  /** Delay before the next attempt: a ceiling doubling from initialMs up to maxMs, then "equal jitter" in [ceil/2, ceil]. */
  next(): number {
    const ceil = Math.min(this.opts.maxMs, this.opts.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return ceil / 2 + this.random() * (ceil / 2);
  }

  /** After a session that reached `reading`: start again from initialMs. */
  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
