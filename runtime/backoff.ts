// runtime/backoff — the one back-off of the house: reader links, the gateway's MQTT connection and refused messages,
// the hub's channel and partner HTTP retries. Exponential and capped, with jitter, forever; pure (the random number
// is a parameter) so tests and simulations replay it exactly.
//
// The ceiling of the n-th delay (n failures before it) is min(maxMs, initialMs × factor^n); the delay is the ceiling
// less a random share of `jitter` of it: in [ceiling × (1 − jitter), ceiling], rounded to whole ms. jitter 0.5 is
// "equal jitter" (half fixed, half random): many gateways that lose the broker together (a hub restart) do not come
// back in lockstep, and the fixed half keeps one gateway from hammering a broker that refuses it.

export interface BackoffOptions {
  /** Ceiling of the first delay, ms. */
  initialMs: number;
  /** Ceiling of any delay, ms. */
  maxMs: number;
  /** Growth of the ceiling per failure. Default 2. */
  factor?: number;
  /** Share of each delay that is random, 0..1. Default 0.5 (equal jitter). */
  jitter?: number;
}

/** The delay after `failures` failures (0 for the first retry), given a uniform `random` in [0, 1). */
export function backoffDelay(failures: number, o: BackoffOptions, random: number): number {
  const ceiling = Math.min(o.maxMs, o.initialMs * (o.factor ?? 2) ** failures);
  const jitter = o.jitter ?? 0.5;
  return Math.round(ceiling * (1 - jitter) + ceiling * jitter * random);
}

/** A back-off that counts its failures: `next()` after each failure, `reset()` after a success. */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly o: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {
    const { initialMs, maxMs, factor = 2, jitter = 0.5 } = o;
    if (!(initialMs > 0) || !(maxMs >= initialMs) || !(factor >= 1) || !(jitter >= 0 && jitter <= 1)) {
      throw new RangeError(`back-off needs 0 < initialMs <= maxMs, factor >= 1 and 0 <= jitter <= 1 (got initialMs ${initialMs}, maxMs ${maxMs}, factor ${factor}, jitter ${jitter})`);
    }
  }

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    return backoffDelay(this.failures++, this.o, this.random());
  }

  /** An attempt succeeded: start again from the smallest delay. */
  reset(): void {
    this.failures = 0;
  }

  /** Failed attempts since the last success. */
  get attempts(): number {
    return this.failures;
  }
}
