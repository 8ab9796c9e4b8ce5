// gateway/publisher — tests: the pure unconfirmed-message bookkeeping (what the hub owes, when it has stalled).
import { describe, expect, it } from 'vitest';
import { MAX_TIMEOUT_FACTOR, Unconfirmed } from './unconfirmed.js';

describe('Unconfirmed', () => {
  it('counts PUBACKed events until the hub confirms them; a message straddling `through` counts its seqs above it', () => {
    const u = new Unconfirmed();
    u.add(1, 10, 10, 0);
    u.add(11, 20, 10, 5);
    expect(u.events(0)).toBe(20);
    u.confirm(15, 10);
    expect(u.events(15)).toBe(5);
    u.confirm(20, 11);
    expect(u.events(20)).toBe(0);
    expect(() => u.add(5, 4, 1, 0)).toThrow(/bad message 5\.\.4/);
  });

  it('reports a stall only after the timeout since the oldest publish AND since the last confirmation', () => {
    const u = new Unconfirmed();
    expect(u.stalled(1_000_000, 100)).toBeUndefined(); // nothing out
    u.add(1, 10, 10, 1000);
    u.add(11, 20, 10, 1050);
    expect(u.stalled(1099, 100)).toBeUndefined();
    u.confirm(10, 1090); // progress restarts the wait
    expect(u.stalled(1150, 100)).toBeUndefined();
    expect(u.stalled(1190, 100)).toEqual({ firstSeq: 11, lastSeq: 20, waitedMs: 140 });
  });

  it('waits twice as long after each republish that brought no progress, up to the cap; progress resets it', () => {
    const u = new Unconfirmed();
    let t = 0;
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      u.clear();
      u.add(1, 5, 5, t);
      let w = 0;
      while (!u.stalled(t + w, 100)) w += 10;
      waits.push(w);
      t += w;
    }
    expect(waits).toEqual([100, 200, 400, 800, 100 * MAX_TIMEOUT_FACTOR, 100 * MAX_TIMEOUT_FACTOR]);
    u.confirm(3, t);
    u.clear();
    u.add(4, 5, 2, t);
    expect(u.stalled(t + 99, 100)).toBeUndefined();
    expect(u.stalled(t + 100, 100)).toMatchObject({ firstSeq: 4, lastSeq: 5 });
  });
});
