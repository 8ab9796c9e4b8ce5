import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  it('starts full, refills at the rate up to the burst, and says when tokens will be there', () => {
    const b = new TokenBucket(100, 20, 0);
    expect(b.available(0)).toBe(20);
    b.take(20, 0);
    expect(b.available(0)).toBe(0);
    expect(b.msUntil(10, 0)).toBe(100);
    expect(b.available(50)).toBe(5);
    expect(b.available(10_000)).toBe(20); // never more than the burst
    expect(b.msUntil(50, 10_000)).toBe(0); // asking for more than the burst means a full bucket
  });

  it('over a long run lets through no more than the rate (plus one burst)', () => {
    const b = new TokenBucket(200, 40, 0);
    let sent = 0;
    for (let t = 0; t <= 10_000; t += 7) {
      const n = b.available(t);
      if (n >= 10) {
        b.take(n, t);
        sent += n;
      }
    }
    expect(sent).toBeLessThanOrEqual(200 * 10 + 40);
    expect(sent).toBeGreaterThan(200 * 10 - 40);
  });

  it('refuses to overdraw and refuses nonsense settings', () => {
    const b = new TokenBucket(10, 5, 0);
    expect(() => b.take(6, 0)).toThrow(/only 5/);
    expect(() => new TokenBucket(0, 5, 0)).toThrow(RangeError);
  });
});
