// gateway/llrp — a reader's clock offset (reader UTC minus gateway clock, ms), measured from timestamped messages as
// they arrive. A message can only arrive after its timestamp, so each sample (reader time − arrival) is the offset
// minus some delay ≥ 0: the largest recent sample is the best estimate, and a report the reader held for seconds does
// not move it. The estimate follows a reader clock that steps back (NTP) once a whole window passes with no sample
// near it. Pure: times are parameters.
export class ClockOffset {
  private est: number | undefined;
  private windowMax = -Infinity;
  private windowStart = NaN;
  private supported = false;

  constructor(
    private readonly windowMs = 30_000,
    /** A sample this close to the estimate confirms it. */
    private readonly nearMs = 50,
  ) {}

  /** A message stamped `readerMs` (reader UTC) arrived at `arrivalMs` (gateway clock). */
  sample(readerMs: number, arrivalMs: number): void {
    if (!Number.isFinite(readerMs)) return;
    const s = readerMs - arrivalMs;
    if (Number.isNaN(this.windowStart)) this.windowStart = arrivalMs;
    if (this.est === undefined || s > this.est) this.est = s;
    if (s >= this.est - this.nearMs) this.supported = true;
    if (s > this.windowMax) this.windowMax = s;
    if (arrivalMs - this.windowStart >= this.windowMs) {
      if (!this.supported) this.est = this.windowMax; // nothing came near the estimate for a window: the clock moved
      this.windowStart = arrivalMs;
      this.windowMax = -Infinity;
      this.supported = false;
    }
  }

  /** Reader UTC minus gateway clock, ms; undefined before the first timestamped message. */
  get offsetMs(): number | undefined {
    return this.est;
  }

  /** Forget (a new connection may be to a rebooted reader). */
  reset(): void {
    this.est = undefined;
    this.windowMax = -Infinity;
    this.windowStart = NaN;
    this.supported = false;
  }
}
