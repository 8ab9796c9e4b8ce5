import { describe, expect, it } from 'vitest';
import { medianRound } from './apply.js';

describe('the apply bench: rounds in turn', () => {
  it("reports the round whose ratio is the median, so the table's ratio column is the median ratio", () => {
    const rounds = [0.9, 0.43, 1.0, 0.61, 0.58].map((r, i) => ({ round: i, real: r * 10_000, ceiling: 10_000 }));
    expect(medianRound(rounds, (r) => r.real / r.ceiling).round).toBe(3);
    expect(medianRound(rounds.slice(0, 4), (r) => r.real / r.ceiling).round).toBe(3); // even: the lower middle
    expect(medianRound(rounds.slice(0, 1), (r) => r.real / r.ceiling).round).toBe(0);
  });

  it('refuses no rounds at all', () => {
    expect(() => medianRound([], () => 1)).toThrow(/no rounds/);
  });
});
