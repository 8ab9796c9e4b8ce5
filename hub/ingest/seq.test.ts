import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { judgeSeq, subtract, type SeqRange } from './seq.js';

const range = (max: number) =>
  fc.tuple(fc.integer({ min: 1, max }), fc.integer({ min: 0, max: 20 })).map(([from, len]): SeqRange => ({ from, to: from + len }));

function members(rs: readonly SeqRange[]): Set<number> {
  const s = new Set<number>();
  for (const r of rs) for (let i = r.from; i <= r.to; i++) s.add(i);
  return s;
}

describe('seq ranges', () => {
  it('subtract: exactly the seqs of the range not in any hole, as ordered disjoint ranges', () => {
    fc.assert(
      fc.property(range(60), fc.array(range(60), { maxLength: 6 }), (r, holes) => {
        const pieces = subtract(r, holes);
        const holeSet = members(holes);
        const expected = [...members([r])].filter((s) => !holeSet.has(s));
        expect([...members(pieces)].sort((a, b) => a - b)).toEqual(expected);
        for (let i = 1; i < pieces.length; i++) expect(pieces[i]!.from).toBeGreaterThan(pieces[i - 1]!.to + 1);
      }),
    );
  });

  it('subtract: examples', () => {
    expect(subtract({ from: 3, to: 9 }, [{ from: 5, to: 5 }])).toEqual([{ from: 3, to: 4 }, { from: 6, to: 9 }]);
    expect(subtract({ from: 3, to: 9 }, [{ from: 1, to: 20 }])).toEqual([]);
    expect(subtract({ from: 3, to: 9 }, [])).toEqual([{ from: 3, to: 9 }]);
    expect(() => subtract({ from: 5, to: 4 }, [])).toThrow(/invalid seq range 5..4/);
  });

  it('judges a seq against the highest seen', () => {
    expect(judgeSeq(0, 1)).toEqual({ kind: 'next' });
    expect(judgeSeq(7, 8)).toEqual({ kind: 'next' });
    expect(judgeSeq(0, 4)).toEqual({ kind: 'jump', missing: { from: 1, to: 3 } });
    expect(judgeSeq(7, 10)).toEqual({ kind: 'jump', missing: { from: 8, to: 9 } });
    expect(judgeSeq(7, 7)).toEqual({ kind: 'behind' });
    expect(judgeSeq(7, 2)).toEqual({ kind: 'behind' });
  });
});
