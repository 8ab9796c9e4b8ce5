// hub/periods — the close plan (pure): what closes, what resumes, what is refused and why.
import { describe, expect, it } from 'vitest';
import { nextBatch, periodName, planClose, type CloseFacts } from './plan.js';

const D = (day: string) => Date.parse(`${day}T00:00:00Z`);
const facts = (over: Partial<CloseFacts> = {}): CloseFacts => ({
  throughMs: D('2026-01-01'),
  nowMs: D('2026-01-05'),
  current: { period: null, closedThroughMs: 0, snapshotSeq: 0, archivedSeq: 0 },
  cutSeq: 120,
  lateMoves: 2,
  downstream: [{ name: 'ERP cursor webhook-moves', behind: false, detail: 'at 130' }],
  ...over,
});

describe('planClose', () => {
  it('closes the prefix of moves dated before the cut-off, named from the previous cut-off', () => {
    expect(planClose(facts())).toEqual({
      action: 'close',
      period: 'start..2026-01-01',
      throughMs: D('2026-01-01'),
      snapshotSeq: 120,
      moves: 120,
      lateMoves: 2,
    });
    const second = planClose(
      facts({
        throughMs: D('2026-02-01'),
        nowMs: D('2026-02-02'),
        current: { period: 'start..2026-01-01', closedThroughMs: D('2026-01-01'), snapshotSeq: 120, archivedSeq: 120 },
        cutSeq: 300,
      }),
    );
    expect(second).toMatchObject({ action: 'close', period: '2026-01-01..2026-02-01', moves: 180 });
  });

  it('refuses naming each downstream reader behind the cut-off, and a cut-off in the future', () => {
    const behind = facts({
      nowMs: D('2025-12-31'),
      downstream: [
        { name: 'hub feed cursor', behind: true, detail: '3 change(s) not yet acknowledged' },
        { name: 'partner outbox', behind: false, detail: 'delivered' },
      ],
    });
    const plan = planClose(behind);
    expect(plan.action).toBe('refuse');
    expect(plan.action === 'refuse' && plan.reasons).toEqual([
      'the cut-off 2026-01-01T00:00:00.000Z is in the future (now 2025-12-31T00:00:00.000Z): only the past closes',
      'hub feed cursor has not passed the cut-off: 3 change(s) not yet acknowledged',
    ]);
  });

  it('resumes an unfinished archive of the same period, refuses another until then; the same period again is done; an earlier one is refused', () => {
    const half = { period: 'start..2026-01-01', closedThroughMs: D('2026-01-01'), snapshotSeq: 120, archivedSeq: 40 };
    expect(planClose(facts({ current: half }))).toEqual({ action: 'resume', period: 'start..2026-01-01', snapshotSeq: 120, archivedSeq: 40 });
    expect(planClose(facts({ current: half, throughMs: D('2026-01-02') }))).toMatchObject({
      action: 'refuse',
      reasons: [expect.stringMatching(/archive is not complete \(moves 41-120/)],
    });
    const whole = { ...half, archivedSeq: 120 };
    expect(planClose(facts({ current: whole }))).toEqual({ action: 'done', period: 'start..2026-01-01' });
    expect(planClose(facts({ current: whole, throughMs: D('2025-12-01') }))).toMatchObject({
      action: 'refuse',
      reasons: [expect.stringMatching(/already closed/)],
    });
  });

  it('names periods by day at midnight, else by instant; batches end at the snapshot', () => {
    expect(periodName(D('2026-01-01'), D('2026-01-01') + 3_600_000)).toBe('2026-01-01..2026-01-01T01:00:00.000Z');
    expect(nextBatch(0, 250, 100)).toEqual({ from: 0, to: 100 });
    expect(nextBatch(200, 250, 100)).toEqual({ from: 200, to: 250 });
    expect(nextBatch(250, 250, 100)).toBeNull();
    expect(() => nextBatch(260, 250, 100)).toThrow(/past the snapshot/);
    expect(() => nextBatch(0, 250, 0)).toThrow(/at least 1/);
  });
});
