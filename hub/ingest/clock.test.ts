// Events with times nobody can believe (a gateway booted without its clock: 1970; or set to 2099) are booked at the
// hub's receive time, the gateway's time kept as evidence, and the status verdict raises a `clock` reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoTs } from '../../protocols/events/index.js';
import { call, epc, passDraft } from '../status/test-support.js';
import { startTestHub, TestGateway, type TestHub } from '../testing/harness.js';

describe('implausible event times', () => {
  const now = Date.parse('2026-12-05T12:00:00.000Z');
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ clock: () => now });
    expect((await call(t.hub.url, 'POST', '/api/v1/items', { body: { sku: 'PAL-1', name: 'Pallet', tracking: 'serial', gtins: ['09506000134352'] } })).status).toBe(201);
  });
  afterAll(() => t.stop());

  const movesOf = (tag: string) => t.hub.db.prepare('SELECT occurred_ms FROM moves WHERE epc = ?').pluck().all(tag) as number[];

  it('books 2099 and 1970 at the receive time, keeps the gateway time, and says so in status', async () => {
    for (const [serial, gwClock] of [['1', Date.parse('2099-01-01T00:00:00Z')], ['2', 0], ['3', now - 60_000]] as const) {
      const gw = await TestGateway.connect(t.mqttUrl, { clock: () => gwClock });
      await gw.send([passDraft('door-1', epc(serial), 'in', gwClock)]);
      await gw.close();
    }
    expect(movesOf(epc('1')).length).toBeGreaterThan(0);
    expect(new Set(movesOf(epc('1')))).toEqual(new Set([now]));
    expect(new Set(movesOf(epc('2')))).toEqual(new Set([now]));
    expect(new Set(movesOf(epc('3')))).toEqual(new Set([now - 60_000])); // within the window: the gateway's time stands
    const evidence = t.hub.db.prepare('SELECT gateway, gateway_ts AS gatewayTs, booked_ts AS bookedTs FROM clock_exceptions ORDER BY gateway_ts').all();
    expect(evidence).toEqual([
      { gateway: 'gw-1', gatewayTs: isoTs(0), bookedTs: isoTs(now) },
      { gateway: 'gw-1', gatewayTs: '2099-01-01T00:00:00.000Z', bookedTs: isoTs(now) },
    ]);
    const status = (await call<{ verdict: string; reasons: Array<{ code: string; subject: string; message: string }> }>(t.hub.url, 'GET', '/api/v1/status')).body;
    const clock = status.reasons.find((r) => r.code === 'clock');
    expect(clock, JSON.stringify(status.reasons)).toMatchObject({ subject: 'gw-1' });
    expect(clock!.message).toMatch(/2 events from gw-1 .*2099-01-01/);
    expect(status.verdict).not.toBe('ok');
  });
});
