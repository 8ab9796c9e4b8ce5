// gateway/publisher/testing — wait for a publisher's state, not for time: `untilStep` re-checks a condition after every
// step of the publisher's core (its `step` event) and after every event of any other emitter given (a subscriber's
// messages, a test hub's), and resolves the moment it holds. The deadline only turns a hang into a failure that names
// what was awaited; nothing is polled.
import type { EventEmitter } from 'node:events';

export interface Watched {
  emitter: EventEmitter;
  events: string[];
}

export function untilEvent(cond: () => boolean, what: string, sources: Watched[], ms = 20_000): Promise<void> {
  if (cond()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!cond()) return;
      done();
      resolve();
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    const done = () => {
      clearTimeout(timer);
      for (const s of sources) for (const e of s.events) s.emitter.off(e, check);
    };
    for (const s of sources) for (const e of s.events) s.emitter.on(e, check);
  });
}
