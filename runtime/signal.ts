// runtime/signal — the one way the house tells whoever listens that something happened: a typed, ordered list of
// listeners. Listeners run synchronously in the order they started listening (rooms register in their declared
// dependency order, so a room's listener runs after those of the rooms it depends on). `emit` lets a listener's error
// reach the emitter (inside a transaction, that rolls it back); `emitEach` isolates listeners from each other and
// reports each failure instead. A `Question` is the same list asked for answers: each listener answers or passes
// (undefined), and the asker takes the first answer or all of them.
export type Listener<A extends unknown[]> = (...args: A) => void;
/** A listener of a question: an answer, or undefined to pass. */
export type Answerer<A extends unknown[], R> = (...args: A) => R | undefined;

/** The ordered listeners a signal or a question keeps. */
abstract class Listeners<F extends (...args: never[]) => unknown> {
  private readonly entries: Array<{ fn: F }> = [];

  /** Start listening; returns the function that stops (calling it twice is harmless). */
  listen(fn: F): () => void {
    if (typeof fn !== 'function') throw new TypeError(`${this.constructor.name}.listen: a listener must be a function, not ${typeof fn}`);
    const entry = { fn }; // its own identity: the same fn may listen twice
    this.entries.push(entry);
    return () => {
      const i = this.entries.indexOf(entry);
      if (i >= 0) this.entries.splice(i, 1);
    };
  }

  get size(): number {
    return this.entries.length;
  }

  /** The listeners now, in order (one that stops while the others hear does not disturb the round). */
  protected current(): F[] {
    return this.entries.map((e) => e.fn);
  }
}

export class Signal<A extends unknown[]> extends Listeners<Listener<A>> {
  /** Call every listener in order; the first that throws stops the rest and the error reaches the caller. */
  emit(...args: A): void {
    for (const fn of this.current()) fn(...args);
  }

  /** Call every listener in order; one that throws is reported to `failed` and the rest still run. */
  emitEach(failed: (err: unknown) => void, ...args: A): void {
    for (const fn of this.current()) {
      try {
        fn(...args);
      } catch (err) {
        failed(err);
      }
    }
  }
}

/**
 * A signal whose listeners may answer: asked in the order they started listening, each returns an answer or
 * undefined to pass. A listener's error reaches the asker (as `Signal.emit`).
 */
export class Question<A extends unknown[], R> extends Listeners<Answerer<A, R>> {
  /** The first answer; the listeners after it are not asked. Undefined when every listener passes. */
  first(...args: A): R | undefined {
    for (const fn of this.current()) {
      const answer = fn(...args);
      if (answer !== undefined) return answer;
    }
    return undefined;
  }

  /** Every answer, in the listeners' order (those that passed left out). */
  all(...args: A): R[] {
    const answers: R[] = [];
    for (const fn of this.current()) {
      const answer = fn(...args);
      if (answer !== undefined) answers.push(answer);
    }
    return answers;
  }
}

/** One stop for several: calls each of `stops` (as `listen` returns them), in order. */
export function stopAll(...stops: ReadonlyArray<() => void>): () => void {
  return () => {
    for (const stop of stops) stop();
  };
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
