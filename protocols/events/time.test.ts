// protocols/events — isoTs answers what Date#toISOString answers, whatever the order of the instants asked (it keeps
// the last two), and refuses what is not a time.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoTs, tsMs } from './time.js';

describe('isoTs', () => {
  it('equals toISOString for any sequence of instants, repeated or not', () => {
    const instant = fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2100, 0, 1) });
    fc.assert(
      fc.property(fc.array(fc.oneof(instant, fc.constantFrom(0, 1, 2)), { maxLength: 40 }), (seq) => {
        for (const ms of seq) {
          expect(isoTs(ms)).toBe(new Date(ms).toISOString());
          expect(tsMs(isoTs(ms))).toBe(ms);
        }
      }),
    );
  });

  it('throws for what is not a time, and answers correctly after', () => {
    expect(() => isoTs(Number.NaN)).toThrow(RangeError);
    expect(isoTs(5)).toBe('1970-01-01T00:00:00.005Z');
    expect(() => isoTs(Number.NaN)).toThrow(RangeError);
    expect(isoTs(5)).toBe('1970-01-01T00:00:00.005Z');
  });
});
