// hub/ledger — the running hub checks its own ledger: a timer verifies the moves after the verified point in slices
// (check-point.ts) of at most `sliceMoves` moves and `sliceReplay` moves replayed (the touched SKUs' histories, some
// 10–25 µs each), one slice per timer turn, so a posting waits for one slice at most. Behind, the next slice comes
// after `busyPauseMs`; caught up or failing (the point stays: the same slice would fail again at once), after
// `intervalMs`. Low priority: a slice's pause is at least what keeps the check within `maxShare` of the hub's time
// (a slice of d ms waits d × (1 − maxShare) / maxShare after it), so a slice that replays long SKU histories does
// not take a core from the ingest during a catch-up. (A slice checks its SKUs whole, from all their moves: with a few
// SKUs of long histories it verifies only a few moves for a replay of each history — see issue #24 point 4 — and
// such a slice blocks the event loop for seconds at a million moves.) While `standAside` says so (the hub's ingest is
// catching up), no slice runs at all.
import type { Logger } from '../../protocols/logging/index.js';
import type { Runtime, Timer } from '../../runtime/runtime.js';
import type { Db } from '../db/database.js';
import { checkIncremental, hasMovesAfter } from './check-point.js';

export interface SelfCheckOptions {
  intervalMs: number;
  busyPauseMs: number;
  sliceMoves: number;
  sliceReplay: number;
  /** The most of the wall time the slices may take, in (0, 1]; default 0.1. */
  maxShare?: number;
  /** While this says true (the ingest is catching up) no slice runs; asked again after busyPauseMs. */
  standAside?: () => boolean;
}

export const SELF_CHECK_DEFAULTS: SelfCheckOptions = { intervalMs: 5_000, busyPauseMs: 50, sliceMoves: 2_000, sliceReplay: 2_000, maxShare: 0.1 };

/** The pause after a slice that took `sliceMs`: what the slice asked for, or longer to keep the check within `maxShare`. */
export function pauseAfterSlice(sliceMs: number, wanted: number, maxShare: number): number {
  return Math.max(wanted, Math.ceil((Math.max(0, sliceMs) * (1 - maxShare)) / maxShare));
}

export class LedgerSelfCheck {
  private timer: Timer | undefined;
  private lastFault: string | null = null;
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly runtime: Pick<Runtime, 'now' | 'setTimer'>,
    private readonly log: Logger,
    private readonly opts: SelfCheckOptions = SELF_CHECK_DEFAULTS,
  ) {
    const share = opts.maxShare ?? 0.1;
    const ok = opts.sliceMoves >= 1 && opts.sliceReplay >= 1 && opts.intervalMs >= 0 && opts.busyPauseMs >= 0 && share > 0 && share <= 1;
    if (!ok) throw new RangeError(`LedgerSelfCheck: bad options ${JSON.stringify(opts)}`);
  }

  start(): void {
    this.schedule(this.opts.busyPauseMs);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  /** One slice; returns the pause before the next. */
  tick(): number {
    const r = checkIncremental(this.db, this.runtime.now(), { moves: this.opts.sliceMoves, replay: this.opts.sliceReplay });
    const fault = r.point.fault;
    if (fault !== this.lastFault) {
      if (fault) this.log.error({ scope: r.point.faultScope, fault, differences: r.report.differences.slice(0, 20) }, 'ledger check found differences');
      else this.log.info({ verifiedSeq: r.point.seq }, 'ledger check passes again');
      this.lastFault = fault;
    }
    return r.report.ok && r.toSeq > r.fromSeq && hasMovesAfter(this.db, r.toSeq) ? this.opts.busyPauseMs : this.opts.intervalMs;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    // the hub's close stops it (hub/app.ts closers), so the timer need not be unref'd to let the process end
    this.timer = this.runtime.setTimer(ms, () => {
      if (this.opts.standAside?.()) return this.schedule(this.opts.busyPauseMs);
      let next = this.opts.intervalMs;
      const started = this.runtime.now();
      try {
        next = this.tick();
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'ledger self-check could not run');
      }
      this.schedule(pauseAfterSlice(this.runtime.now() - started, next, this.opts.maxShare ?? 0.1));
    });
  }
}
