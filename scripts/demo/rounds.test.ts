import { describe, expect, it } from 'vitest';
import { roundPlan } from './rounds.js';

describe('demo rounds', () => {
  const plans = Array.from({ length: 6 }, (_, i) => roundPlan(i + 1));

  it('bring fresh units every round (a restart at round n+1 replays no EPC)', () => {
    const all = plans.flatMap((p) => p.arriving);
    expect(new Set(all).size).toBe(all.length);
    for (const p of plans) expect(p.arriving.length).toBeGreaterThan(0);
  });

  it('ship every unit exactly once, one or two rounds after it arrived, from door-2 only', () => {
    expect(plans[0]!.leaving).toEqual([]);
    const left = plans.flatMap((p) => p.leaving);
    expect(new Set(left).size).toBe(left.length);
    for (const unit of plans.slice(0, 4).flatMap((p) => p.arriving)) expect(left).toContain(unit);
    for (const p of plans.slice(1)) {
      const earlier = new Set([...plans[p.round - 2]!.arriving, ...(p.round > 2 ? plans[p.round - 3]!.arriving : [])]);
      for (const u of p.leaving) expect(earlier.has(u)).toBe(true);
      expect(new Set(p.shipping.reads.map((r) => r.reader))).toEqual(new Set(['r2']));
      expect(new Set(p.shipping.reads.map((r) => r.epc))).toEqual(new Set(p.leaving));
    }
  });

  it('refuses a round that is not a whole number ≥ 1', () => {
    expect(() => roundPlan(0)).toThrow(/round must be a whole number ≥ 1, got 0/);
  });
});
