// gateway/publisher — the adaptive drain rate alone: intervals are stepped by hand (no waits), each with what was sent,
// what was confirmed and what is outstanding, and the rate that follows is checked.
import { describe, expect, it } from 'vitest';
import { DrainRate } from './drain-rate.js';

const opts = { ceiling: 1000, floor: 50, slack: 100 };

/** One 250 ms interval: `sent` backlog events published, `delivered` confirmed, then the update with `outstanding`. */
function interval(d: DrainRate, now: number, sent: number, delivered: number, outstanding: number) {
  d.sent(sent, true);
  d.delivered(delivered, now + 125);
  return d.update(now + 250, outstanding);
}

describe('DrainRate', () => {
  it('starts at the ceiling and stays there while the hub confirms as fast as it is sent', () => {
    const d = new DrainRate(opts, 0);
    expect(d.rate).toBe(1000);
    for (let t = 0; t < 10_000; t += 250) expect(interval(d, t, 250, 250, 100)).toBeUndefined();
    expect(d.rate).toBe(1000);
  });

  it('reconsiders only once an interval is over', () => {
    const d = new DrainRate(opts, 0);
    d.sent(250, true);
    expect(d.update(249, 5000)).toBeUndefined();
    expect(d.rate).toBe(1000);
    expect(d.update(250, 5000)).toBe('decrease');
  });

  it('backs off to what the hub keeps when outstanding events grow past the lag budget, and not while they shrink', () => {
    const d = new DrainRate(opts, 0);
    expect(interval(d, 0, 250, 125, 1200)).toBe('decrease'); // the hub kept half: 0.9 × 0.5 → at least halve
    expect(d.rate).toBe(500);
    expect(interval(d, 250, 125, 250, 1100)).toBeUndefined(); // over the budget but shrinking: hold
    expect(d.rate).toBe(500);
    expect(interval(d, 500, 125, 100, 1125)).toBe('decrease'); // growing again: kept 0.8 → × 0.72
    expect(d.rate).toBeCloseTo(360);
  });

  it('backs off when what is out stays flat but takes longer than the lag budget to confirm (a window full behind a slow hub)', () => {
    const d = new DrainRate(opts, 0);
    // 800 events out all the time (the window), the hub confirming 250/s of them: over 3 s to clear, budget 1 s.
    const changes: Array<string | undefined> = [];
    for (let t = 0; t < 3000; t += 250) changes.push(interval(d, t, 62.5, 62.5, 800));
    expect(changes).toContain('decrease');
    expect(d.rate).toBeLessThan(1000);
    // The same window confirmed at 4000/s (0.2 s to clear) leaves the rate alone.
    const e = new DrainRate(opts, 0);
    for (let t = 0; t < 3000; t += 250) expect(interval(e, t, 1000, 1000, 800)).toBeUndefined();
    expect(e.rate).toBe(1000);
  });

  it('climbs back by a tenth per interval while the confirmations keep pace, never past the ceiling', () => {
    const d = new DrainRate(opts, 0);
    interval(d, 0, 250, 0, 1200);
    expect(d.rate).toBe(500);
    const rates: number[] = [];
    for (let t = 250; t < 20_000; t += 250) {
      const perInterval = d.rate / 4;
      interval(d, t, perInterval, perInterval, 50);
      rates.push(d.rate);
    }
    expect(rates[0]).toBeCloseTo(550);
    expect(rates[1]).toBeCloseTo(605);
    expect(Math.max(...rates)).toBe(1000);
    expect(rates.at(-1)).toBe(1000);
  });

  it('does not grow when the rate is not what holds the backlog back (less than half of it used)', () => {
    const d = new DrainRate(opts, 0);
    interval(d, 0, 250, 0, 1200);
    expect(d.rate).toBe(500);
    for (let t = 250; t < 5000; t += 250) expect(interval(d, t, 50, 50, 50)).toBeUndefined();
    expect(d.rate).toBe(500);
  });

  it('drops to the floor when the hub confirms nothing for stallMs, then doubles back up to half the rate it had', () => {
    const d = new DrainRate(opts, 0);
    const changes: Array<string | undefined> = [];
    for (let t = 0; t < 2000; t += 250) changes.push(interval(d, t, 0, 0, 90)); // within the slack: no back-off until the stall
    expect(changes.at(-1)).toBe('stall');
    expect(changes.slice(0, -1).every((c) => c === undefined)).toBe(true);
    expect(d.rate).toBe(50);
    const rates: number[] = [];
    for (let t = 2000; t < 4000; t += 250) {
      interval(d, t, d.rate / 4, d.rate / 4, 10);
      rates.push(d.rate);
    }
    expect(rates.slice(0, 4)).toEqual([100, 200, 400, 800]); // doubling below 500 (half the 1000 it had), then a tenth
    expect(rates[4]).toBeCloseTo(880);
  });

  it('a new connection starts again from the ceiling', () => {
    const d = new DrainRate(opts, 0);
    interval(d, 0, 250, 0, 1200);
    expect(d.rate).toBe(500);
    d.reset(1000);
    expect(d.rate).toBe(1000);
    expect(d.update(1250, 0)).toBeUndefined();
  });

  it('refuses nonsense settings, and a floor above the ceiling is the ceiling', () => {
    expect(() => new DrainRate({ ...opts, ceiling: 0 }, 0)).toThrow(RangeError);
    expect(() => new DrainRate({ ...opts, intervalMs: -1 }, 0)).toThrow(/intervalMs/);
    expect(new DrainRate({ ceiling: 10, floor: 50, slack: 0 }, 0).floor).toBe(10);
  });
});
