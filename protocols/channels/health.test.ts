import { describe, expect, it } from 'vitest';
import { evaluateHealth, type HealthInput } from './health.js';

const t = { maxConsecutiveFailures: 3, maxUnsyncedMs: 60_000, maxDriftUnits: 0, driftGraceMs: 10_000 };
const base: HealthInput = {
  channel: 'shop', mode: 'live', lastSuccessAt: 0, lastFailureAt: null, consecutiveFailures: 0, lastError: null,
  oldestUnsyncedAt: null, unsynced: 0, driftSkus: 0, driftUnits: 0, shownDiffSkus: 0, shownDiffUnits: 0, queued: 0,
};

describe('evaluateHealth', () => {
  it('is ok when in sync', () => {
    expect(evaluateHealth(base, 100_000, t)).toMatchObject({ status: 'ok', alerts: [] });
  });
  it('alerts after the threshold of consecutive failures, not before', () => {
    expect(evaluateHealth({ ...base, consecutiveFailures: 2, lastError: 'HTTP 500' }, 1, t).status).toBe('ok');
    const h = evaluateHealth({ ...base, consecutiveFailures: 3, lastError: 'HTTP 500' }, 1, t);
    expect(h.status).toBe('alert');
    expect(h.alerts[0]).toMatchObject({ code: 'consecutive-failures', level: 'error', message: expect.stringContaining('HTTP 500') });
  });
  it('alerts when a change stays unconfirmed longer than allowed', () => {
    const h = { ...base, oldestUnsyncedAt: 1000, unsynced: 2 };
    expect(evaluateHealth(h, 61_000, t).status).toBe('ok');
    expect(evaluateHealth(h, 61_001, t).alerts.map((a) => a.code)).toEqual(['unsynced-too-long']);
  });
  it('warns of drift only once it outlives the grace period', () => {
    const h = { ...base, oldestUnsyncedAt: 0, unsynced: 1, driftSkus: 1, driftUnits: 4 };
    expect(evaluateHealth(h, 5_000, t).status).toBe('ok');
    expect(evaluateHealth(h, 20_000, t)).toMatchObject({ status: 'warn', alerts: [{ code: 'drift', level: 'warn' }] });
  });
  it('judges a shadow channel by what it shows, not by unsynced changes', () => {
    const h = evaluateHealth({ ...base, mode: 'shadow', oldestUnsyncedAt: 0, unsynced: 5, shownDiffSkus: 2, shownDiffUnits: 7 }, 10_000_000, t);
    expect(h).toMatchObject({ status: 'warn', unsynced: 0, shadow: { mismatchedSkus: 2, mismatchedUnits: 7 } });
    expect(h.alerts.map((a) => a.code)).toEqual(['shadow-mismatch']);
  });
});
