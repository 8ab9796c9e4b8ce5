import { describe, expect, it } from 'vitest';
import { dueSkus, markDirty, type DirtyMark } from './coalesce.js';

const p = { quietMs: 20, maxDelayMs: 200 };

describe('coalescing dirty SKUs', () => {
  it('folds a burst of marks of one SKU into one due entry after the quiet gap', () => {
    const d = new Map<string, DirtyMark>();
    for (let t = 0; t < 200; t++) markDirty(d, 'A', 1000 + (t % 5));
    expect(d.get('A')).toEqual({ first: 1000, last: 1004, marks: 200 });
    expect(dueSkus(d, 1010, p)).toEqual({ due: [], nextAt: 1024 });
    expect(dueSkus(d, 1024, p).due).toEqual(['A']);
  });
  it('does not wait past maxDelay under a steady stream of marks', () => {
    const d = new Map<string, DirtyMark>();
    for (let t = 0; t <= 300; t += 10) {
      markDirty(d, 'A', t);
      if (dueSkus(d, t, p).due.length) {
        expect(t).toBe(200);
        return;
      }
    }
    throw new Error('never due');
  });
  it('reports the earliest next due time across SKUs', () => {
    const d = new Map<string, DirtyMark>();
    markDirty(d, 'A', 100);
    markDirty(d, 'B', 90);
    markDirty(d, 'C', 50);
    expect(dueSkus(d, 105, p)).toEqual({ due: ['C'], nextAt: 110 });
  });
});
