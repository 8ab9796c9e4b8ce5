// hub/reports — the KPI routes through a running hub: the site's currency named, the series' periods, bad queries
// refused with a 400 naming the parameter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubModules } from '../modules.js';
import { call } from '../status/test-support.js';
import { BASE_SITE_YAML, startTestHub, type TestHub } from '../testing/harness.js';

describe('KPI routes', () => {
  let t: TestHub;
  const NOW = Date.UTC(2026, 5, 15, 12);
  beforeAll(async () => {
    t = await startTestHub({ modulesFor: hubModules, clock: () => NOW, yaml: `${BASE_SITE_YAML}\ncurrency: JPY\n` });
  });
  afterAll(async () => {
    await t?.stop();
  });
  const get = (q: string) => call<Record<string, unknown> & { field?: string; message?: string }>(t.hub.url, 'GET', `/api/v1/reports/kpi${q}`);

  it('names the currency and gives 12 weekly periods up to now by default, or what the query asks', async () => {
    const report = await get('');
    expect([report.status, report.body.currency]).toEqual([200, 'JPY']);
    const series = await get('/series');
    const body = series.body as { currency: string; bucketDays: number; points: Array<{ from: string; to: string }> };
    expect([series.status, body.currency, body.bucketDays, body.points.length]).toEqual([200, 'JPY', 7, 12]);
    expect(body.points.at(-1)!.to).toBe(new Date(NOW).toISOString());
    expect(body.points[0]!.from).toBe(new Date(NOW - 84 * 86_400_000).toISOString());
    const daily = (await get('/series?to=2026-01-31T00:00:00.000Z&buckets=30&bucketDays=1')).body as typeof body;
    expect([daily.points.length, daily.points[0]!.from, daily.points[29]!.to]).toEqual([30, '2026-01-01T00:00:00.000Z', '2026-01-31T00:00:00.000Z']);
  });

  it('refuses a series beyond ten years, a period of no days and a bad time, naming the parameter', async () => {
    const long = await get('/series?buckets=366&bucketDays=11');
    expect([long.status, long.body.field]).toEqual([400, 'buckets']);
    expect(long.body.message).toContain('366 × 11');
    const zero = await get('/series?bucketDays=0');
    expect(zero.status).toBe(400);
    expect(zero.body.message).toContain('bucketDays');
    const badTo = await get('/series?to=yesterday');
    expect(badTo.status).toBe(400);
    expect(badTo.body.message).toContain('to');
  });
});
