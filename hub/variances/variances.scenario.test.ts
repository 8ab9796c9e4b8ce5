// Variances raised live from door exceptions, listed with filters, resolved once; the KPI route over the same hub.
import { afterEach, describe, expect, it } from 'vitest';
import { gtin, items, pass, sgtinEpc, startScenario, type Scenario } from './scenario-support.js';

describe('variances through the hub', () => {
  let s: Scenario | undefined;
  afterEach(async () => {
    await s?.stop();
    s = undefined;
  });

  it('turns unknown tags and unknown directions into variances (a stray tag read again is one variance), filters and resolves them', async () => {
    s = await startScenario();
    await items(s, [{ sku: 'V1', tracking: 'serial', gtin: gtin(81) }]);
    const stray = 'e28011700000020b1a2b3c4d';
    await s.send(pass('door-1', stray), pass('door-1', stray), pass('door-1', sgtinEpc(gtin(82), 1)), pass('door-1', sgtinEpc(gtin(81), 1), 'unknown'));
    const all = (await s.api('GET', '/api/v1/variances')).body.variances;
    expect(all.map((v: { type: string; occurrences: number; evidence: string[] }) => [v.type, v.occurrences, v.evidence.length])).toEqual([
      ['unknown_tag', 2, 2],
      ['unknown_tag', 1, 1],
      ['unknown_direction', 1, 1],
    ]);
    expect(all[0].message).toMatch(/not a GS1 EPC|is not/);
    expect(all[1].message).toMatch(/not in the catalog/);
    // The door's own exception log still has every refusal.
    expect((await s.api('GET', '/api/v1/exceptions?door=door-1')).body.exceptions).toHaveLength(4);

    expect((await s.api('GET', '/api/v1/variances?type=unknown_direction&door=door-1&status=open')).body.variances).toHaveLength(1);
    expect((await s.api('GET', '/api/v1/variances?door=door-2')).body.variances).toEqual([]);
    expect((await s.api('GET', `/api/v1/variances?since=${new Date(Date.now() + 60_000).toISOString()}`)).body.variances).toEqual([]);
    const badFilter = await s.api('GET', '/api/v1/variances?type=nonsense');
    expect(badFilter.status).toBe(400);
    expect(badFilter.body.message).toMatch(/type/);

    // Adjust posts the moves given: the unknown-direction unit was in fact received.
    const ud = all[2];
    const adjusted = await s.api('POST', `/api/v1/variances/${ud.id}/resolve`, { action: 'adjust', reason: 'it came in', moves: [{ sku: 'V1', qty: 1, from: 'supplier', to: 'receiving', reason: 'receipt', epc: sgtinEpc(gtin(81), 1) }] });
    expect(adjusted.status, JSON.stringify(adjusted.body)).toBe(200);
    expect(adjusted.body.variance).toMatchObject({ status: 'adjusted', resolution: 'adjust' });
    expect(adjusted.body.moves).toMatchObject([{ sku: 'V1', to: 'receiving', actor: { kind: 'api', id: 'anonymous' } }]);

    const before = s.snapshot();
    const noMoves = await s.api('POST', `/api/v1/variances/${all[0].id}/resolve`, { action: 'adjust', reason: 'x' });
    expect([noMoves.status, noMoves.body.message]).toEqual([400, 'adjust needs the moves to post (moves: [{ sku, qty, from, to, reason }])']);
    const refused = await s.api('POST', `/api/v1/variances/${all[0].id}/resolve`, { action: 'adjust', reason: 'x', moves: [{ sku: 'V1', qty: 1, from: 'stock', to: 'scrap', reason: 'scrap', epc: sgtinEpc(gtin(81), 1) }] });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/cannot post the adjustment, move 1 of 1: EPC .* is at receiving/);
    const negative = await s.api('POST', `/api/v1/variances/${all[0].id}/resolve`, { action: 'adjust', reason: 'x', moves: [{ sku: 'V1', qty: -1, from: 'stock', to: 'scrap', reason: 'scrap' }] });
    expect(negative.status).toBe(400);
    const noReason = await s.api('POST', `/api/v1/variances/${all[0].id}/resolve`, { action: 'dismiss', reason: '' });
    expect(noReason.status).toBe(400);
    expect(s.snapshot()).toBe(before);
    expect((await s.api('POST', `/api/v1/variances/${all[0].id}/resolve`, { action: 'dismiss', reason: 'forklift tag' })).body.variance.status).toBe('dismissed');

    const kpi = await s.api('GET', '/api/v1/reports/kpi');
    expect(kpi.status).toBe(200);
    expect(kpi.body.openVariances).toMatchObject({ total: 1, byType: { unknown_tag: 1 } });
    const badPeriod = await s.api('GET', '/api/v1/reports/kpi?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z');
    expect([badPeriod.status, badPeriod.body.field]).toEqual([400, 'from']);
  });
});
