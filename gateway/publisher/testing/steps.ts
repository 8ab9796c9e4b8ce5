// gateway/publisher/testing — wait for state, not for time: `untilEvent` re-checks a condition whenever one of the
// given emitters emits one of the given events (a publisher's `step`, a client's `message`, …) and resolves the moment
// it holds. The deadline only turns a hang into a failure that names what was awaited; nothing is polled.
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
