import { describe, expect, it } from 'vitest';
import { classify, schedule, withinTolerance } from './abc.js';

const DAY = 86_400_000;
const T = Date.UTC(2025, 5, 1);

describe('ABC classes', () => {
  it('classes SKUs by the share of COGS their cumulative share starts in', () => {
    // total 1000: X starts at 0 (A), Y at 0.70 (A), Z at 0.90 (B, < 0.95), W at 0.96 (C), V did not move (C)
    const c = classify([{ sku: 'W', cogs: 40 }, { sku: 'X', cogs: 700 }, { sku: 'Z', cogs: 60 }, { sku: 'Y', cogs: 200 }, { sku: 'V', cogs: 0 }], { aShare: 0.8, bShare: 0.15 });
    expect(Object.fromEntries(c)).toEqual({ X: 'A', Y: 'A', Z: 'B', W: 'C', V: 'C' });
  });

  it('proposes what is due: never counted first, then by class and due date; the item class wins', () => {
    const s = schedule(
      [
        { sku: 'X', abcClass: null, cogs: 900, lastCountedAt: T - 8 * DAY }, // A weekly: due 1 day ago
        { sku: 'Y', abcClass: 'C', cogs: 100, lastCountedAt: T - 10 * DAY }, // C quarterly: not due
        { sku: 'Z', abcClass: null, cogs: 0, lastCountedAt: null }, // never counted: due now
        { sku: 'B1', abcClass: 'B', cogs: 0, lastCountedAt: T - 31 * DAY }, // B monthly: due
      ],
      { aShare: 0.8, bShare: 0.15 },
      { a: 7, b: 30, c: 90 },
      T,
    );
    expect(s.map((i) => [i.sku, i.abcClass, i.due, i.overdueDays])).toEqual([
      ['X', 'A', true, 1],
      ['B1', 'B', true, 1],
      ['Z', 'C', true, 0],
      ['Y', 'C', false, 0],
    ]);
    expect(s.find((i) => i.sku === 'Y')!.classFrom).toBe('item');
  });

  it('accepts a difference within the larger of percent of book and absolute units', () => {
    expect(withinTolerance(100, -2, { pct: 2, abs: 0 })).toBe(true);
    expect(withinTolerance(100, 3, { pct: 2, abs: 0 })).toBe(false);
    expect(withinTolerance(10, 1, { pct: 2, abs: 1 })).toBe(true);
    expect(withinTolerance(0, 1, { pct: 5, abs: 0 })).toBe(false);
  });
});
