import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

describe('Backoff', () => {
  it('grows exponentially within [ceiling/2, ceiling], capped at maxMs, and resets after success', () => {
    const lo = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0 });
    const hi = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0.999999 });
    expect(Array.from({ length: 6 }, () => lo.next())).toEqual([50, 100, 200, 400, 500, 500]);
    expect(Array.from({ length: 6 }, () => hi.next())).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(lo.attempts()).toBe(6);
    lo.reset();
    expect(lo.attempts()).toBe(0);
    expect(lo.next()).toBe(50);
  });

  it('spreads gateways that fail together (jitter)', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const delays = Array.from({ length: 50 }, () => new Backoff({ initialMs: 1000, random }).next());
    expect(new Set(delays).size).toBeGreaterThan(40);
    for (const d of delays) expect(d).toBeGreaterThanOrEqual(500);
  });

  it('refuses nonsense settings', () => {
    expect(() => new Backoff({ initialMs: 0 })).toThrow(/initialMs/);
    expect(() => new Backoff({ initialMs: 100, maxMs: 50 })).toThrow(RangeError);
  });
});
