// hub/receiving — over/under-delivery tolerance of a receipt line (pure): percent and absolute, over and under; the
// larger allowance of the two applies (2 % or 1 unit, whichever is more). Line > item > site defaults.

export interface Tolerance {
  overPct: number;
  underPct: number;
  overAbs: number;
  underAbs: number;
}

export type LineStatus = 'complete' | 'short' | 'over';

/** Fill each key from the first source that sets it. */
export function effectiveTolerance(...sources: Array<Partial<Tolerance> | null | undefined>): Tolerance {
  const pick = (k: keyof Tolerance): number => {
    for (const s of sources) {
      const v = s?.[k];
      if (v !== undefined && v !== null) return v;
    }
    return 0;
  };
  return { overPct: pick('overPct'), underPct: pick('underPct'), overAbs: pick('overAbs'), underAbs: pick('underAbs') };
}

/** Units allowed beyond / below the expected quantity (whole units: percent allowances round down). */
export function allowance(expected: number, t: Tolerance): { over: number; under: number } {
  const pct = (p: number) => Math.floor((expected * p) / 100 + 1e-9);
  return { over: Math.max(pct(t.overPct), t.overAbs), under: Math.min(expected, Math.max(pct(t.underPct), t.underAbs)) };
}

/** The most that may be received against the line before further units are held as over-delivery. */
export function maxReceivable(expected: number, t: Tolerance): number {
  return expected + allowance(expected, t).over;
}

export function lineStatus(expected: number, received: number, t: Tolerance): LineStatus {
  const a = allowance(expected, t);
  if (received < expected - a.under) return 'short';
  if (received > expected + a.over) return 'over';
  return 'complete';
}
