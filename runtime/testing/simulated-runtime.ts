// runtime/testing — simulated time for tests and simulations: timers fire only when the test advances the clock, in
// the order they fall due (ties in the order they were set), and randomness comes from a seed. No wall-clock waits.
import { rng } from '../rng.js';
import type { Runtime, Timer } from '../runtime.js';

/** Let the promise jobs already queued run: resolves on the next turn of the event loop. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Pending {
  due: number;
  order: number;
  fn: () => void;
  cancelled: boolean;
}

export class SimulatedRuntime implements Runtime {
  private nowMs: number;
  private order = 0;
  private timers: Pending[] = [];
  private readonly uniform: () => number;

  constructor(opts: { startMs?: number; seed?: number } = {}) {
    this.nowMs = opts.startMs ?? 0;
    this.uniform = rng(opts.seed ?? 1);
  }

  now(): number {
    return this.nowMs;
  }

  setTimer(ms: number, fn: () => void): Timer {
    const t: Pending = { due: this.nowMs + Math.max(0, ms), order: this.order++, fn, cancelled: false };
    this.timers.push(t);
    return {
      cancel: () => {
        t.cancelled = true;
      },
    };
  }

  random(): number {
    return this.uniform();
  }

  /** Timers set and neither fired nor cancelled. */
  pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /**
   * Move time forward by `ms`, firing every timer that falls due on the way, each at its own due time (the clock reads
   * that time while it runs), including timers those set. Returns how many fired.
   */
  advance(ms: number): number {
    const end = this.endOf(ms);
    let fired = 0;
    for (let t = this.nextDue(end); t; t = this.nextDue(end)) {
      this.fire(t);
      fired++;
    }
    this.nowMs = end;
    return fired;
  }

  /**
   * `advance` for parts whose timers start asynchronous work: after each timer, and at the end, the promise jobs it
   * queued run (one turn of the event loop, no wall-clock wait) before the next timer fires.
   */
  async advanceAsync(ms: number): Promise<number> {
    const end = this.endOf(ms);
    let fired = 0;
    for (let t = this.nextDue(end); t; t = this.nextDue(end)) {
      this.fire(t);
      fired++;
      await settle();
    }
    this.nowMs = end;
    await settle();
    return fired;
  }

  private endOf(ms: number): number {
    if (!(ms >= 0)) throw new RangeError(`advance: ms must be >= 0, got ${ms}`);
    return this.nowMs + ms;
  }

  private fire(t: Pending): void {
    this.timers.splice(this.timers.indexOf(t), 1);
    this.nowMs = t.due;
    t.fn();
  }

  private nextDue(end: number): Pending | undefined {
    this.timers = this.timers.filter((t) => !t.cancelled);
    let next: Pending | undefined;
    for (const t of this.timers) if (t.due <= end && (!next || t.due < next.due || (t.due === next.due && t.order < next.order))) next = t;
    return next;
  }
}
