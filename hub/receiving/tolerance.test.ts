import { describe, expect, it } from 'vitest';
import { allowance, effectiveTolerance, lineStatus, maxReceivable } from './tolerance.js';

describe('receiving tolerance', () => {
  it('takes each key from the line, else the item, else the site', () => {
    expect(effectiveTolerance({ overPct: 5 }, { overPct: 1, underAbs: 2 }, { overPct: 0, underPct: 3, overAbs: 0, underAbs: 0 }))
      .toEqual({ overPct: 5, underPct: 3, overAbs: 0, underAbs: 2 });
  });

  it('allows the larger of percent (rounded down to whole units) and absolute', () => {
    expect(allowance(100, { overPct: 2, underPct: 0, overAbs: 1, underAbs: 0 })).toEqual({ over: 2, under: 0 });
    expect(allowance(10, { overPct: 2, underPct: 0, overAbs: 1, underAbs: 0 })).toEqual({ over: 1, under: 0 });
    expect(allowance(10, { overPct: 10, underPct: 15, overAbs: 0, underAbs: 0 })).toEqual({ over: 1, under: 1 });
    expect(allowance(3, { overPct: 0, underPct: 0, overAbs: 0, underAbs: 9 })).toEqual({ over: 0, under: 3 });
  });

  it('classifies a line as short, complete or over at the edges of its tolerance', () => {
    const t = { overPct: 10, underPct: 10, overAbs: 0, underAbs: 0 };
    expect(maxReceivable(20, t)).toBe(22);
    expect([17, 18, 20, 22, 23].map((r) => lineStatus(20, r, t))).toEqual(['short', 'complete', 'complete', 'complete', 'over']);
    expect(lineStatus(4, 3, effectiveTolerance())).toBe('short');
  });
});
