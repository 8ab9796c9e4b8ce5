// gateway/llrp — back-off: doubles, caps, jitters within [ceil/2, ceil], never gives up, resets.
import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

describe('Backoff', () => {
  it('doubles from initialMs to maxMs and stays there forever', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000 }, () => 1);
    const delays = Array.from({ length: 60 }, () => b.next());
    expect(delays.slice(0, 6)).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(delays.at(-1)).toBe(1000);
  });

  it('jitters between half the ceiling and the ceiling', () => {
    const low = new Backoff({ initialMs: 100, maxMs: 1000 }, () => 0);
    expect([low.next(), low.next(), low.next()]).toEqual([50, 100, 200]);
    const b = new Backoff({ initialMs: 100, maxMs: 1000 });
    for (let i = 0; i < 100; i++) {
      const d = b.next();
      const ceil = Math.min(1000, 100 * 2 ** i);
      expect(d).toBeGreaterThanOrEqual(ceil / 2);
      expect(d).toBeLessThanOrEqual(ceil);
    }
  });

  it('resets to initialMs after a good session, and rejects nonsense options', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000 }, () => 1);
    b.next();
    b.next();
    b.reset();
    expect(b.next()).toBe(100);
    expect(() => new Backoff({ initialMs: 0, maxMs: 10 })).toThrow(/initialMs/);
  });
});
