// hub/ledger — the running hub checks its own ledger: a timer verifies the moves after the verified point (check-point.ts),
// a check at a time of at most `sliceMoves` moves and the SKUs they touch, each replayed from where the last passing
// check left it (its verified state, check-state.ts: only its moves since; from the period snapshot, or its whole
// history, the first time) — a first SKU is always taken, however many moves it has to replay. A check runs in slices,
// one per timer turn (checkIncrementalSliced: the replay outside any transaction, the moves posted since and the compare
// with the stored rows in one read transaction at the end), so a posting or a REST request waits for one turn at most
// however long a SKU's history. A turn is sized by time, not by rows (a Raspberry Pi replays several times slower than a
// PC): it replays, compares or stores a slice of moves and units, and the next slice is what would have taken `turnMs`
// at this turn's pace (nextSlice: at most doubling, within [min(16, sliceReplay), sliceReplay]; a turn of fixed costs
// alone, which counts nothing, leaves it as it is); a check takes on at most one slice of moves after the point (and
// `sliceMoves`), so its last turn, which stores their units, stays small too.
// The point moves only when a whole check passes. Behind (or within a check), the next slice comes after `busyPauseMs`;
// caught up or failing (the point stays: the same check would fail again at once), after `intervalMs`. Low priority: a
// slice's pause is at least what keeps the check within `maxShare` of the hub's time (a slice of d ms waits
// d × (1 − maxShare) / maxShare after it), so the check does not take a core from the ingest during a catch-up. While
// `standAside` says so (the hub's ingest is catching up), no slice runs at all. While `yieldTo` says so (the API is
// serving a stream of requests: hub/api/activity.ts), a slice waits busyPauseMs, at most 10 times in a row: then one
// runs however busy the API. Under a steady stream of requests, a turn of ~turnMs then lands in one request of every
// ~500 ms of them instead of one in every ~100 ms, and the check goes on, slower.
// Measured (scripts/bench/selfcheck-long.ts, 1 M moves over 4 interleaved SKUs, default limits, nice 10): when every
// check replayed its SKUs' whole histories the point advanced one move per check (~40 s at the pacing, load ~6) and
// never caught up; resumed from the verified states it reaches the newest move in 251–297 s (504 checks, 24–29 s of
// CPU, each move replayed once; load 4.5–7, three runs). Longest turn 187–226 ms, during the first checks' whole
// replays (garbage collection; 30–60 ms typical), 21–45 ms once every SKU has its state (182 ms at load 7; before:
// 494–660 ms for the last turn of a serial SKU's check, which compared its 125,000 units in one transaction).
import type { Logger } from '../../protocols/logging/index.js';
import type { Runtime, Timer } from '../../runtime/runtime.js';
import type { Db } from '../db/database.js';
import { checkIncrementalSliced, hasMovesAfter, type PointCheck } from './check-point.js';

export interface SelfCheckOptions {
  intervalMs: number;
  busyPauseMs: number;
  /** The most moves after the point one check takes on. */
  sliceMoves: number;
  /** The largest slice (moves replayed, units compared or stored in a turn), and the most moves one check replays. */
  sliceReplay: number;
  /** How long a turn should take (ms): the slices grow or shrink towards it; default 10. */
  turnMs?: number;
  /** The most of the wall time the slices may take, in (0, 1]; default 0.1. */
  maxShare?: number;
  /** While this says true (the ingest is catching up) no slice runs; asked again after busyPauseMs. */
  standAside?: () => boolean;
  /** While this says true (requests are being served) a slice waits busyPauseMs, at most 10 times in a row. */
  yieldTo?: () => boolean;
}

const DEFAULT_MAX_SHARE = 0.1;
const DEFAULT_TURN_MS = 10;
/** The most times in a row a slice waits for yieldTo (500 ms at the default busyPauseMs), then it runs anyway. */
const MAX_YIELDS = 10;
/** The smallest slice (unless sliceReplay is smaller): a turn's fixed costs must not shrink the slices to nothing. */
const MIN_SLICE = 16;

export const SELF_CHECK_DEFAULTS: SelfCheckOptions = {
  intervalMs: 5_000,
  busyPauseMs: 50,
  sliceMoves: 2_000,
  sliceReplay: 2_000,
  maxShare: DEFAULT_MAX_SHARE,
  turnMs: DEFAULT_TURN_MS,
};

/**
 * The next turn's slice after a turn that took on `used` moves and units in `tookMs`: what would have taken `turnMs` at
 * that pace, at most twice `slice`, within [min(16, max), max]; `slice` again when the turn counted nothing (its fixed costs).
 */
export function nextSlice(slice: number, used: number, tookMs: number, turnMs: number, max: number): number {
  if (!(used > 0)) return slice;
  const scaled = tookMs > 0 ? Math.floor((used * turnMs) / tookMs) : Number.MAX_SAFE_INTEGER;
  return Math.max(Math.min(MIN_SLICE, max), Math.min(max, 2 * slice, scaled));
}

/** The pause after a slice that took `sliceMs`: what the slice asked for, or longer to keep the check within `maxShare`. */
export function pauseAfterSlice(sliceMs: number, wanted: number, maxShare: number): number {
  return Math.max(wanted, Math.ceil((Math.max(0, sliceMs) * (1 - maxShare)) / maxShare));
}

export class LedgerSelfCheck {
  private timer: Timer | undefined;
  private lastFault: string | null = null;
  private stopped = false;
  /** The check in progress: a slice of it per timer turn. */
  private check: Generator<number, PointCheck, number | undefined> | undefined;
  /** opts.maxShare and opts.turnMs, resolved once (the defaults when not given). */
  private readonly maxShare: number;
  private readonly turnMs: number;
  /** The next turn's slice (nextSlice), starting small, and how many moves and units the last turn took on. */
  private slice: number;
  private used = 0;
  /** How many times in a row the slice now due has waited for yieldTo. */
  private yielded = 0;

  constructor(
    private readonly db: Db,
    private readonly runtime: Pick<Runtime, 'now' | 'setTimer'>,
    private readonly log: Logger,
    private readonly opts: SelfCheckOptions = SELF_CHECK_DEFAULTS,
  ) {
    this.maxShare = opts.maxShare ?? DEFAULT_MAX_SHARE;
    this.turnMs = opts.turnMs ?? DEFAULT_TURN_MS;
    const ok = opts.sliceMoves >= 1 && opts.sliceReplay >= 1 && opts.intervalMs >= 0 && opts.busyPauseMs >= 0 && this.turnMs > 0;
    if (!ok || !(this.maxShare > 0 && this.maxShare <= 1)) throw new RangeError(`LedgerSelfCheck: bad options ${JSON.stringify(opts)}`);
    this.slice = Math.min(opts.sliceReplay, 4 * MIN_SLICE);
  }

  start(): void {
    this.schedule(this.opts.busyPauseMs);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    // a check in progress holds no transaction or open statement between slices (its final step runs within one)
    this.check = undefined;
  }

  /** One turn of the check in progress (a new check when none is), of the current slice; returns the pause before the next. */
  tick(): number {
    const moves = Math.min(this.opts.sliceMoves, this.slice);
    this.check ??= checkIncrementalSliced(this.db, () => this.runtime.now(), { moves, replay: this.opts.sliceReplay }, this.slice);
    let step: IteratorResult<number, PointCheck>;
    this.used = 0;
    try {
      step = this.check.next(this.slice);
    } catch (err) {
      this.check = undefined;
      throw err;
    }
    if (!step.done) {
      this.used = step.value;
      return this.opts.busyPauseMs;
    }
    this.check = undefined;
    const r = step.value;
    const fault = r.point.fault;
    if (fault !== this.lastFault) {
      if (fault) this.log.error({ scope: r.point.faultScope, fault, differences: r.report.differences.slice(0, 20) }, 'ledger check found differences');
      else this.log.info({ verifiedSeq: r.point.seq }, 'ledger check passes again');
      this.lastFault = fault;
    }
    return r.report.ok && r.toSeq > r.fromSeq && hasMovesAfter(this.db, r.toSeq) ? this.opts.busyPauseMs : this.opts.intervalMs;
  }

  /** Whether the slice now due waits for the API (yieldTo), which it does at most MAX_YIELDS times in a row. */
  private yields(): boolean {
    if (this.opts.yieldTo?.() && this.yielded < MAX_YIELDS) {
      this.yielded++;
      return true;
    }
    this.yielded = 0;
    return false;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    // the hub's close stops it (hub/app.ts closers), so the timer need not be unref'd to let the process end
    this.timer = this.runtime.setTimer(ms, () => {
      if (this.opts.standAside?.() || this.yields()) return this.schedule(this.opts.busyPauseMs);
      let next = this.opts.intervalMs;
      const started = this.runtime.now();
      try {
        next = this.tick();
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'ledger self-check could not run');
      }
      const took = this.runtime.now() - started;
      this.slice = nextSlice(this.slice, this.used, took, this.turnMs, this.opts.sliceReplay);
      this.schedule(pauseAfterSlice(took, next, this.maxShare));
    });
  }
}
