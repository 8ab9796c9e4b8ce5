// runtime/signal — the one way the house tells whoever listens that something happened: a typed, ordered list of
// listeners. Listeners run synchronously in the order they started listening (rooms register in their declared
// dependency order, so a room's listener runs after those of the rooms it depends on). `emit` lets a listener's error
// reach the emitter (inside a transaction, that rolls it back); `emitEach` isolates listeners from each other and
// reports each failure instead.
export type Listener<A extends unknown[]> = (...args: A) => void;

export class Signal<A extends unknown[]> {
  private readonly listeners: Array<Listener<A>> = [];

  /** Start listening; returns the function that stops (calling it twice is harmless). */
  listen(fn: Listener<A>): () => void {
    if (typeof fn !== 'function') throw new TypeError(`Signal.listen: a listener must be a function, not ${typeof fn}`);
    const entry: Listener<A> = (...args) => fn(...args); // its own identity: the same fn may listen twice
    this.listeners.push(entry);
    return () => {
      const i = this.listeners.indexOf(entry);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Call every listener in order; the first that throws stops the rest and the error reaches the caller. */
  emit(...args: A): void {
    for (const fn of [...this.listeners]) fn(...args);
  }

  /** Call every listener in order; one that throws is reported to `failed` and the rest still run. */
  emitEach(failed: (err: unknown) => void, ...args: A): void {
    for (const fn of [...this.listeners]) {
      try {
        fn(...args);
      } catch (err) {
        failed(err);
      }
    }
  }

  get size(): number {
    return this.listeners.length;
  }
}

/**
 * One signal per owner object (a database handle): for store functions that are given only the `Db` and must tell
 * the rooms listening on that database. The signal lives as long as its owner.
 */
export function signalPer<K extends object, A extends unknown[]>(): (owner: K) => Signal<A> {
  const signals = new WeakMap<K, Signal<A>>();
  return (owner) => {
    let s = signals.get(owner);
    if (!s) signals.set(owner, (s = new Signal<A>()));
    return s;
  };
}
