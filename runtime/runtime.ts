// runtime/runtime — time, timers and randomness as one injected interface, so a part that waits, retries or jitters
// runs the same on the system clock and under simulated time (runtime/testing/simulated-runtime.ts), where a seed and
// the order of `advance` calls replay a run exactly.

/** A timer set with `Runtime.setTimer`: cancel() before it fires and it never does (after, a no-op). */
export interface Timer {
  cancel(): void;
}

export interface Runtime {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Run `fn` once, `ms` from now (0 or less: on the next turn). */
  setTimer(ms: number, fn: () => void): Timer;
  /** Uniform in [0, 1). */
  random(): number;
}

/** The process's clock, Node's timers and Math.random. */
export const systemRuntime: Runtime = {
  now: () => Date.now(),
  setTimer: (ms, fn) => {
    const t = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(t) };
  },
  random: () => Math.random(),
};
