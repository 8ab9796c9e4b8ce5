// runtime/backoff — grows, caps, jitters within its band, never gives up, resets, refuses nonsense; the hub's 25 %
// jitter and the gateways' equal jitter are the same function.
import { describe, expect, it } from 'vitest';
import { rng } from './rng.js';
import { Backoff, backoffDelay } from './backoff.js';

const next = (b: Backoff, n: number) => Array.from({ length: n }, () => b.next());

describe('backoffDelay', () => {
  it('equal jitter (the default): a ceiling doubling from initialMs to maxMs, the delay in [ceiling/2, ceiling]', () => {
    const o = { initialMs: 100, maxMs: 1000 };
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(n, o, 0))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(n, o, 0.999999))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffDelay(3, o, 0.5)).toBe(600);
  });

  it('stays at maxMs forever: no overflow after thousands of failures', () => {
    expect(backoffDelay(5000, { initialMs: 1, maxMs: 60_000 }, 1)).toBe(60_000);
    expect(backoffDelay(5000, { initialMs: 1, maxMs: 60_000 }, 0)).toBe(30_000);
  });

  it('a jitter of 0.25 keeps the delay in [¾ ceiling, ceiling] (the hub HTTP retries); factor changes the growth', () => {
    const o = { initialMs: 100, maxMs: 1000, jitter: 0.25 };
    expect([0, 2, 8].map((n) => backoffDelay(n, o, 1))).toEqual([100, 400, 1000]);
    expect(backoffDelay(0, o, 0)).toBe(75);
    expect(backoffDelay(2, { initialMs: 100, maxMs: 10_000, factor: 3, jitter: 0 }, 0.7)).toBe(900);
    expect(backoffDelay(3, { initialMs: 0, maxMs: 100, jitter: 0.25 }, 0.3)).toBe(0);
  });
});

describe('Backoff', () => {
  it('counts failures, caps at maxMs, and starts again after reset', () => {
    const lo = new Backoff({ initialMs: 100, maxMs: 1000 }, () => 0);
    expect(next(lo, 6)).toEqual([50, 100, 200, 400, 500, 500]);
    expect(lo.attempts).toBe(6);
    lo.reset();
    expect(lo.attempts).toBe(0);
    expect(lo.next()).toBe(50);
    const hi = new Backoff({ initialMs: 100, maxMs: 1000 }, () => 1);
    expect(next(hi, 60).slice(0, 6)).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(hi.next()).toBe(1000);
  });

  it('spreads clients that fail together, each delay within its band', () => {
    const random = rng(7);
    const first = Array.from({ length: 50 }, () => new Backoff({ initialMs: 1000, maxMs: 30_000 }, random).next());
    expect(new Set(first).size).toBeGreaterThan(40);
    for (const d of first) expect(d).toBeGreaterThanOrEqual(500);
    for (const d of first) expect(d).toBeLessThanOrEqual(1000);
    const b = new Backoff({ initialMs: 100, maxMs: 1000 }, random);
    next(b, 100).forEach((d, i) => {
      const ceiling = Math.min(1000, 100 * 2 ** i);
      expect(d).toBeGreaterThanOrEqual(ceiling / 2);
      expect(d).toBeLessThanOrEqual(ceiling);
    });
  });

  it('replays exactly from a seeded random source', () => {
    const run = () => next(new Backoff({ initialMs: 250, maxMs: 8000 }, rng(42)), 12);
    expect(run()).toEqual(run());
  });

  it('refuses nonsense settings, naming them', () => {
    expect(() => new Backoff({ initialMs: 0, maxMs: 10 })).toThrow(/initialMs 0/);
    expect(() => new Backoff({ initialMs: 100, maxMs: 50 })).toThrow(RangeError);
    expect(() => new Backoff({ initialMs: 100, maxMs: 500, factor: 0.5 })).toThrow(/factor 0.5/);
    expect(() => new Backoff({ initialMs: 100, maxMs: 500, jitter: 1.5 })).toThrow(/jitter 1.5/);
    expect(() => new Backoff({ initialMs: Number.NaN, maxMs: 500 })).toThrow(/initialMs NaN/);
  });
});
