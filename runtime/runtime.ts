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

/** A wait of `ms` on the runtime's timers that `wake()` cuts short (its timer then cancelled): a back-off a restart ends. */
export function wakeableWait(runtime: Pick<Runtime, 'setTimer'>, ms: number): { done: Promise<void>; wake: () => void } {
  let wake = () => {};
  const done = new Promise<void>((resolve) => {
    const timer = runtime.setTimer(ms, resolve);
    wake = () => {
      timer.cancel();
      resolve();
    };
  });
  return { done, wake };
}

/** Run `fn` every `ms` on the runtime's timers until the returned timer is cancelled. */
export function repeatTimer(runtime: Pick<Runtime, 'setTimer'>, ms: number, fn: () => void): Timer {
  let current: Timer;
  let cancelled = false;
  const arm = () => {
    current = runtime.setTimer(ms, () => {
      if (cancelled) return;
      arm();
      fn();
    });
  };
  arm();
  return {
    cancel: () => {
      cancelled = true;
      current.cancel();
    },
  };
}
