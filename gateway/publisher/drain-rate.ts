// gateway/publisher — the backlog's drain rate, adapted to what the hub confirms (pure, clock passed in). The core
// (core.ts) tells it what it published and what was confirmed, and asks it, on the time of each input, for the rate
// the backlog may drain at now; the token bucket (token-bucket.ts) then paces the backlog at that rate.
//
// The configured rate (`drainRatePerSecond`) is the ceiling and the starting rate: it is the operator's statement of
// what the site may take, and starting there keeps a short reconnect as fast as before. Every `intervalMs` the rate is
// reconsidered from what happened in that interval:
// - outstanding (events published, not yet confirmed) above the lag budget (`targetLagMs` of the rate the hub confirms
//   at — averaged over the last `2 × targetLagMs`, and at most the current rate — and at least `slack` events) and
//   not shrinking: the hub does not keep pace, or takes longer than targetLagMs to confirm what is out — decrease to
//   0.9 × the rate the hub confirms at (at least halve, at most keep 0.9), never below the floor, and at most once per
//   targetLagMs, the first not before targetLagMs after the connection (what was sent takes about that long to be
//   confirmed); above the budget but shrinking: hold. The hub confirms in lumps (a group transaction of up to 1 MiB,
//   shared by every gateway, then one acknowledgement): judged by one interval, a gateway sees "nothing confirmed"
//   three intervals in four at the hub's own pace, and halved its rate again and again; judged over two seconds it
//   sees the pace. (With a broker that PUBACKs only after the hub's commit, the window of maxInFlight messages caps
//   what is out and it stays flat: a confirm latency above the budget still lowers the rate, and with it what the hub
//   is handed.)
// - nothing confirmed for `stallMs` while something is outstanding: the hub stalled — drop to the floor;
// - outstanding within the budget and the backlog waited for the bucket in the interval (it was the rate, not the
//   window or an empty backlog, that held it back): increase — doubling below the threshold, then by a tenth per
//   interval. (Not judged by how much of the rate one interval used: the bucket lets whole batches go, so at a few
//   hundred events/s most intervals send nothing, and a rate brought low could never climb again.)
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
  /** The backlog waits for the bucket now (held), until it next sends. */
  private waiting = false;
  /** It waited for the bucket at some time in this interval. */
  private heldInWindow = false;
  private deliveredInWindow = 0;
  private lastDeliveryAt = 0;
  /** When the rate last decreased, or the connection began (a decrease waits targetLagMs for the confirmations). */
  private lastDecreaseAt = 0;
  /** The intervals of the last 2 × targetLagMs: how long each was and how many events it confirmed. */
  private recent: Array<{ ms: number; delivered: number }> = [];

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
    this.recent = [];
    this.waiting = false;
    // Nothing is confirmed before something was sent and had time to come back: no decrease in the first targetLagMs.
    this.lastDecreaseAt = now;
    this.startWindow(now, 0);
    this.lastDeliveryAt = now;
  }

  /**
   * The rate the hub confirmed at over the last 2 × targetLagMs, events/s (since the connection, if shorter; the
   * ceiling before the first interval is over).
   */
  confirmedRate(): number {
    let ms = 0;
    let delivered = 0;
    for (const r of this.recent) {
      ms += r.ms;
      delivered += r.delivered;
    }
    return ms > 0 ? (delivered * 1000) / ms : this.ceiling;
  }

  /** `events` were published (`backlog`: on the backlog lane). */
  sent(events: number, backlog: boolean): void {
    if (backlog && events > 0) this.waiting = false;
  }

  /** The backlog has rows to send and a free message slot, but waits for the bucket: the rate holds it back. */
  held(): void {
    this.waiting = true;
    this.heldInWindow = true;
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
    this.recent.push({ ms: elapsed, delivered: this.deliveredInWindow });
    let span = 0;
    for (let i = this.recent.length - 1; i >= 0; i--) {
      span += this.recent[i]!.ms;
      if (span >= 2 * this.targetLagMs) {
        this.recent = this.recent.slice(i);
        break;
      }
    }
    const confirmed = this.confirmedRate();
    const budget = Math.max(this.slack, (Math.min(before, confirmed) * this.targetLagMs) / 1000);
    if (outstanding > 0 && now - this.lastDeliveryAt >= this.stallMs) {
      if (before === this.floor) return undefined;
      // The first back-off of an episode sets the threshold; later ones in it (the hub still behind) keep it.
      if (!this.congested) this.threshold = Math.max(this.floor, before / 2);
      this.congested = true;
      this.current = this.floor;
      this.lastDecreaseAt = now;
      return 'stall';
    }
    if (outstanding > budget) {
      if (outstanding < this.windowOutstanding) return undefined; // behind, but catching up: hold
      if (now - this.lastDecreaseAt < this.targetLagMs) return undefined; // the last decrease has not shown yet
      this.current = Math.max(this.floor, Math.min(0.9 * before, Math.max(0.5 * before, 0.9 * confirmed)));
      if (!this.congested) this.threshold = this.current;
      this.congested = true;
      this.lastDecreaseAt = now;
      return this.current < before ? 'decrease' : undefined;
    }
    this.congested = false;
    if (!this.heldInWindow || before >= this.ceiling) return undefined;
    this.current = Math.min(this.ceiling, before < this.threshold ? before * 2 : before * 1.1);
    return 'increase';
  }

  private startWindow(now: number, outstanding: number): void {
    this.windowStart = now;
    this.windowOutstanding = outstanding;
    this.heldInWindow = this.waiting;
    this.deliveredInWindow = 0;
  }
}
