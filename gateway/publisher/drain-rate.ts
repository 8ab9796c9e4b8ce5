// gateway/publisher — the backlog's drain rate, adapted to what the hub confirms (pure, clock passed in). The core
// (core.ts) tells it what it published and what was confirmed, and asks it, on the time of each input, for the rate
// the backlog may drain at now; the token bucket (token-bucket.ts) then paces the backlog at that rate.
//
// The configured rate (`drainRatePerSecond`) is the ceiling and the starting rate: it is the operator's statement of
// what the site may take, and starting there keeps a short reconnect as fast as before. Every `intervalMs` the rate is
// reconsidered from what happened in that interval:
// - outstanding (events published, not yet confirmed) above the lag budget (`targetLagMs` of the rate the hub confirms
//   at — smoothed, and at most the current rate — and at least `slack` events) and not shrinking: the hub does not
//   keep pace, or takes longer than targetLagMs to confirm what is out — decrease to 0.9 × the share of what we sent
//   that it confirmed (at least halve, at most keep 0.9), never below the floor; above the budget but shrinking: hold.
//   (With a broker that PUBACKs only after the hub's commit, the window of maxInFlight messages caps what is out and
//   it stays flat: a confirm latency above the budget still lowers the rate, and with it what the hub is handed.)
// - nothing confirmed for `stallMs` while something is outstanding: the hub stalled — drop to the floor;
// - outstanding within the budget and the backlog used at least half the rate (it was the rate, not the window or an
//   empty backlog, that held it back): increase — doubling below the threshold, then by a tenth per interval;
// - otherwise hold.
// The threshold is set by the first back-off of an episode (the hub behind from then until outstanding is within the
// budget again): the rate it decreased to, or after a stall half the rate it had (as TCP's ssthresh after a timeout),
// so a stall that drives the rate down step by step still climbs back by doubling to where the hub last kept pace.

export interface DrainRateOptions {
  /** The most events/s the backlog may drain at, and the rate it starts at (drainRatePerSecond). */
  ceiling: number;
  /** The least events/s (so a backlog always moves, and a stalled hub is probed). Clamped to the ceiling. */
  floor: number;
  /** Outstanding events always allowed (two messages' worth), however low the rate. */
  slack: number;
  /** How often the rate is reconsidered. Default 250 ms. */
  intervalMs?: number;
  /** Outstanding events allowed, in ms of the current rate, before growth counts as the hub falling behind. Default 1000. */
  targetLagMs?: number;
  /** Nothing confirmed this long with events outstanding: the hub stalled. Default 2000 ms. */
  stallMs?: number;
}

/** Why the rate last changed, for logs and tests. */
export type DrainRateChange = 'increase' | 'decrease' | 'stall';

export class DrainRate {
  readonly ceiling: number;
  readonly floor: number;
  readonly slack: number;
  readonly intervalMs: number;
  readonly targetLagMs: number;
  readonly stallMs: number;
  private current: number;
  /** Below this the rate doubles per interval; at or above it, it grows by a tenth. */
  private threshold: number;
  /** In a back-off episode: the hub has been behind since the last back-off (the threshold is kept). */
  private congested = false;
  private windowStart = 0;
  private windowOutstanding = 0;
  private sentInWindow = 0;
  private backlogInWindow = 0;
  private deliveredInWindow = 0;
  private lastDeliveryAt = 0;
  /** The rate the hub confirmed at, events/s, smoothed over intervals (half each); starts at the ceiling. */
  private confirmedRate = 0;

  constructor(opts: DrainRateOptions, now: number) {
    const { ceiling, floor, slack } = opts;
    this.intervalMs = opts.intervalMs ?? 250;
    this.targetLagMs = opts.targetLagMs ?? 1000;
    this.stallMs = opts.stallMs ?? 2000;
    if (!(ceiling > 0) || !(floor > 0) || !(slack >= 0) || !(this.intervalMs > 0) || !(this.targetLagMs > 0) || !(this.stallMs > 0)) {
      throw new RangeError(`drain rate: ceiling, floor, intervalMs, targetLagMs and stallMs must be > 0 and slack >= 0 (got ${JSON.stringify(opts)})`);
    }
    this.ceiling = ceiling;
    this.floor = Math.min(floor, ceiling);
    this.slack = slack;
    this.current = ceiling;
    this.threshold = ceiling;
    this.reset(now);
  }

  /** Events/s the backlog may drain at now. Invariant: floor <= rate <= ceiling. */
  get rate(): number {
    return this.current;
  }

  /** A new connection: start again from the ceiling, with nothing outstanding. */
  reset(now: number): void {
    this.current = this.ceiling;
    this.threshold = this.ceiling;
    this.congested = false;
    this.confirmedRate = this.ceiling;
    this.startWindow(now, 0);
    this.lastDeliveryAt = now;
  }

  /** `events` were published (`backlog`: on the backlog lane). */
  sent(events: number, backlog: boolean): void {
    this.sentInWindow += events;
    if (backlog) this.backlogInWindow += events;
  }

  /** `events` published earlier were confirmed (by the hub, or with confirm 'broker' by the PUBACK) at `now`. */
  delivered(events: number, now: number): void {
    if (events <= 0) return;
    this.deliveredInWindow += events;
    this.lastDeliveryAt = now;
  }

  /**
   * Reconsider the rate at `now` with `outstanding` events published and not confirmed. Returns what changed it, or
   * undefined (the interval is not over, or the rate holds).
   */
  update(now: number, outstanding: number): DrainRateChange | undefined {
    const elapsed = now - this.windowStart;
    if (elapsed < this.intervalMs) return undefined;
    const change = this.decide(now, elapsed, outstanding);
    this.startWindow(now, outstanding);
    if (!(this.floor <= this.current && this.current <= this.ceiling)) {
      throw new RangeError(`drain rate invariant broken: ${this.floor} <= ${this.current} <= ${this.ceiling} after ${change}`);
    }
    return change;
  }

  private decide(now: number, elapsed: number, outstanding: number): DrainRateChange | undefined {
    const before = this.current;
    this.confirmedRate = (this.confirmedRate + (this.deliveredInWindow * 1000) / elapsed) / 2;
    const budget = Math.max(this.slack, (Math.min(before, this.confirmedRate) * this.targetLagMs) / 1000);
    if (outstanding > 0 && now - this.lastDeliveryAt >= this.stallMs) {
      if (before === this.floor) return undefined;
      // The first back-off of an episode sets the threshold; later ones in it (the hub still behind) keep it.
      if (!this.congested) this.threshold = Math.max(this.floor, before / 2);
      this.congested = true;
      this.current = this.floor;
      return 'stall';
    }
    if (outstanding > budget) {
      if (outstanding < this.windowOutstanding) return undefined; // behind, but catching up: hold
      const kept = this.sentInWindow > 0 ? this.deliveredInWindow / this.sentInWindow : 1;
      this.current = Math.max(this.floor, before * Math.min(0.9, Math.max(0.5, 0.9 * kept)));
      if (!this.congested) this.threshold = this.current;
      this.congested = true;
      return this.current < before ? 'decrease' : undefined;
    }
    this.congested = false;
    const used = (this.backlogInWindow * 1000) / elapsed;
    if (used < before / 2 || before >= this.ceiling) return undefined;
    this.current = Math.min(this.ceiling, before < this.threshold ? before * 2 : before * 1.1);
    return 'increase';
  }

  private startWindow(now: number, outstanding: number): void {
    this.windowStart = now;
    this.windowOutstanding = outstanding;
    this.sentInWindow = 0;
    this.backlogInWindow = 0;
    this.deliveredInWindow = 0;
  }
}
