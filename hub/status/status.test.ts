import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS, evaluateHealth } from '../../protocols/channels/health.js';
import { parseExposition, sampleValue } from '../metrics/exposition.js';
import { startTestHub, TestGateway, type TestHub } from '../testing/harness.js';
import { call, epc, gatewayStatus, passDraft, publishStatus, waitFor, type Reply } from './test-support.js';
import { evaluate, gatewayVerdict, type StatusIn } from './verdict.js';
import type { StatusReportBody } from './schemas.js';

describe('verdict (pure)', () => {
  const base: StatusIn = { nowMs: 1_000_000, gatewaySilentS: 120, databaseOk: true, brokerUp: true, gateways: [], neededGateways: new Set(), channels: [], missingGaps: 0 };
  const gw = { id: 'gw-1', reportedOnline: true, lastSeenMs: 1_000_000, readers: [{ id: 'r1', state: 'reading' }], scanners: [], outboxOldestAgeS: 0 };

  it('is ok with nothing wrong, down when the database or broker is', () => {
    expect(evaluate({ ...base, gateways: [gw], neededGateways: new Set(['gw-1']) }).verdict).toBe('ok');
    expect(evaluate({ ...base, databaseOk: false, databaseError: 'disk I/O error' })).toMatchObject({ verdict: 'down', reasons: [{ code: 'database', message: 'database down: disk I/O error' }] });
    expect(evaluate({ ...base, brokerUp: false }).verdict).toBe('down');
  });

  it('calls a gateway silent past the limit down whatever its retained status says', () => {
    expect(gatewayVerdict(gw, 1_000_000 + 120_000, 120).state).toBe('online');
    const late = gatewayVerdict(gw, 1_000_000 + 120_001, 120);
    expect(late).toMatchObject({ state: 'down', why: 'gateway gw-1 silent for 120 s (limit 120 s): down even though its retained status says online' });
    expect(gatewayVerdict({ ...gw, reportedOnline: false }, 1_000_000, 120).state).toBe('down');
    expect(gatewayVerdict({ ...gw, lastSeenMs: null }, 1_000_000, 120).why).toMatch(/never reported/);
  });

  it('degrades for one gateway of several, a reader, a scanner, an outbox backlog, a channel alert, missing events', () => {
    const two = { ...base, nowMs: 1_000_000 + 200_000, gateways: [{ ...gw, lastSeenMs: 1_200_000 }, { ...gw, id: 'gw-2' }], neededGateways: new Set(['gw-1', 'gw-2']) };
    expect(evaluate(two)).toMatchObject({ verdict: 'degraded', reasons: [{ code: 'gateway_down', subject: 'gw-2' }] });
    const r = evaluate({
      ...base,
      gateways: [{ ...gw, readers: [{ id: 'r1', state: 'backoff', reason: 'ECONNREFUSED' }], scanners: [{ id: 's1', state: 'unavailable' }], outboxOldestAgeS: 500 }],
      channels: [{ channel: 'shop', status: 'alert', alerts: [{ level: 'error', message: '3 pushes failed in a row' }] }, { channel: 'b2b', status: 'warn', alerts: [] }],
      missingGaps: 2,
    });
    expect(r.verdict).toBe('degraded');
    expect(r.reasons.map((x) => `${x.code}:${x.subject}`)).toEqual(['reader_not_reading:gw-1/r1', 'scanner_not_open:gw-1/s1', 'outbox_backlog:gw-1', 'channel_alert:shop', 'stream_gaps:ingest']);
    expect(r.reasons[0]!.message).toBe('reader r1 on gw-1 is backoff: ECONNREFUSED');
  });

  it('degrades on a ledger fault, naming what clears it', () => {
    expect(evaluate({ ...base, ledgerFault: { fault: 'balance of M at stock is 5, the moves give 4', scope: 'full' } })).toMatchObject({
      verdict: 'degraded',
      reasons: [{ code: 'ledger', subject: 'ledger', message: 'the ledger check found differences: balance of M at stock is 5, the moves give 4 (clears when dockgate-hub check --full passes)' }],
    });
    expect(evaluate({ ...base, ledgerFault: null }).verdict).toBe('ok');
  });

  it('is down when every gateway a working door needs is down', () => {
    expect(evaluate({ ...base, gateways: [{ ...gw, reportedOnline: false }], neededGateways: new Set(['gw-1']) }).verdict).toBe('down');
    // a door switched off needs no gateway
    expect(evaluate({ ...base, gateways: [{ ...gw, reportedOnline: false }], neededGateways: new Set() }).verdict).toBe('degraded');
  });
});

describe('status, readiness and metrics of a running hub', () => {
  let t: TestHub;
  let gw: TestGateway;
  let now = Date.UTC(2025, 10, 22, 10, 0, 0);
  const status = async () => (await call<StatusReportBody>(t.hub.url, 'GET', '/api/v1/status')).body;
  const metrics = async () => {
    const r: Reply<unknown> = await call(t.hub.url, 'GET', '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseExposition(r.body as string);
  };
  const publish = async (over: Parameters<typeof gatewayStatus>[0] = {}) => {
    await publishStatus(t.mqttUrl, gatewayStatus(over, now));
  };

  beforeAll(async () => {
    t = await startTestHub({ clock: () => now });
    gw = await TestGateway.connect(t.mqttUrl, { clock: () => now });
    expect((await call(t.hub.url, 'POST', '/api/v1/items', { body: { sku: 'PAL-1', name: 'Pallet', tracking: 'serial', gtins: ['09506000134352'] } })).status).toBe(201);
  });
  afterAll(async () => {
    await gw.close();
    await t.stop();
  });

  it('is alive and ready', async () => {
    expect((await call(t.hub.url, 'GET', '/health')).body).toMatchObject({ status: 'alive' });
    expect((await call(t.hub.url, 'GET', '/ready')).body).toEqual({ ready: true, database: { ok: true }, broker: { ok: true, mode: 'embedded' } });
  });

  it('is down while the gateway the doors need never reported, ok once it reports reading', async () => {
    const before = await status();
    expect(before.verdict).toBe('down');
    expect(before.reasons.map((r) => r.code)).toEqual(['gateway_down', 'no_gateway']);
    expect(before.doors.every((d) => !d.reading)).toBe(true);

    await publish();
    const after = await status();
    expect(after).toMatchObject({
      verdict: 'ok',
      reasons: [],
      hub: { site: 'test-site', version: '0.1.0' },
      broker: { mode: 'embedded', up: true },
      gateways: [{ id: 'gw-1', state: 'online', reportedOnline: true, silentS: 0, outbox: { depth: 3, oldestAgeS: 0.2 }, clockOffsetMs: -14, readers: [{ id: 'portal-1', state: 'reading' }] }],
    });
    expect(after.broker.connectedClients).toBeGreaterThanOrEqual(1);
    expect(after.doors.map((d) => [d.id, d.mode, d.reading])).toEqual([['door-1', 'receiving', true], ['door-2', 'shipping', true], ['door-3', 'returns', true]]);
  });

  it('shows passes, events/s and open exceptions per door, and counts them in /metrics', async () => {
    await gw.send([passDraft('door-1', epc('1'), 'in', now), passDraft('door-1', epc('2'), 'in', now), passDraft('door-1', epc('3'), 'in', now)]);
    const unknown = '30340000000000000000abcd'; // company prefix 0: not in the catalog
    await gw.send([passDraft('door-1', unknown, 'in', now)]);
    const s = await status();
    const door = s.doors.find((d) => d.id === 'door-1')!;
    expect(door.lastPass).toMatchObject({ epc: unknown, direction: 'in', outcome: expect.stringMatching(/^exception:/) });
    // no variances room in this hub: the unknown tag stays a door exception, counted in the badge and the reasons
    expect(door).toMatchObject({ openVariances: 0, openExceptions: 1 });
    expect(s.verdict).toBe('degraded');
    expect(s.reasons).toEqual([{ level: 'degraded', code: 'open_exceptions', subject: 'door-1', message: 'door-1 has 1 open exception (unknown_tag 1): see /api/v1/exceptions' }]);
    expect(s.ingest).toMatchObject({ applied: 4, deadLetters: 0, streamGaps: { missing: 0, reported: 0 } });
    expect(s.ingest.eventsPerSecond).toBeCloseTo(4 / 60, 5);

    const m = await metrics();
    expect(sampleValue(m, 'dockgate_events_received_total', { gateway: 'gw-1' })).toBe(4);
    expect(sampleValue(m, 'dockgate_events_applied_total', { gateway: 'gw-1' })).toBe(4);
    expect(sampleValue(m, 'dockgate_events_dead_lettered_total', { gateway: 'gw-1' })).toBe(0);
    expect(sampleValue(m, 'dockgate_moves_total', { reason: 'receipt' })).toBe(3);
    expect(sampleValue(m, 'dockgate_open_exceptions', { type: door.lastPass!.outcome.slice('exception:'.length) })).toBe(1);
    expect(sampleValue(m, 'dockgate_ingest_latency_seconds_count', { gateway: 'gw-1' })).toBe(4);
    expect(sampleValue(m, 'dockgate_gateway_up', { gateway: 'gw-1' })).toBe(1);
    expect(sampleValue(m, 'dockgate_gateway_outbox_depth', { gateway: 'gw-1' })).toBe(3);
    expect(sampleValue(m, 'dockgate_reader_up', { gateway: 'gw-1', reader: 'portal-1' })).toBe(1);
    expect(sampleValue(m, 'dockgate_reader_state', { gateway: 'gw-1', reader: 'portal-1', state: 'reading' })).toBe(1);
    expect(sampleValue(m, 'dockgate_status', { verdict: 'degraded' })).toBe(1);
    expect(sampleValue(m, 'dockgate_http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/status', status_code: '200' })).toBeGreaterThanOrEqual(1);
    expect(m.get('dockgate_events_applied_total')!.type).toBe('counter');
    expect(m.get('dockgate_ingest_latency_seconds')!.type).toBe('histogram');

    // moves keep counting from where the last scrape stopped
    await gw.send([passDraft('door-1', epc('4'), 'in', now)]);
    expect(sampleValue(await metrics(), 'dockgate_moves_total', { reason: 'receipt' })).toBe(4);

    // resolved, the site is plain ok again
    const open = (await call<{ exceptions: Array<{ id: number }> }>(t.hub.url, 'GET', '/api/v1/exceptions/open')).body.exceptions;
    expect((await call(t.hub.url, 'POST', `/api/v1/exceptions/${open[0]!.id}/resolve`, { body: { note: 'stray tag' } })).status).toBe(200);
    expect((await status()).verdict).toBe('ok');
  });

  it('degrades when a reader drops, and is ok again when it reads', async () => {
    now += 1000;
    await publish({ readers: [{ id: 'portal-1', state: 'backoff', reason: 'connection refused' }] });
    const s = await status();
    expect(s.verdict).toBe('degraded');
    expect(s.reasons).toEqual([{ level: 'degraded', code: 'reader_not_reading', subject: 'gw-1/portal-1', message: 'reader portal-1 on gw-1 is backoff: connection refused' }]);
    expect(s.doors.every((d) => !d.reading)).toBe(true);
    expect(sampleValue(await metrics(), 'dockgate_reader_up', { gateway: 'gw-1', reader: 'portal-1' })).toBe(0);
    now += 1000;
    await publish();
    expect((await status()).verdict).toBe('ok');
  });

  it('degrades when a channel fails', async () => {
    const failing = evaluateHealth(
      { channel: 'shop', mode: 'live', lastSuccessAt: now - 600_000, lastFailureAt: now, consecutiveFailures: 4, lastError: 'HTTP 503', oldestUnsyncedAt: now - 60_000, queued: 2, unsynced: 2, driftSkus: 1, driftUnits: 3, shownDiffSkus: 0, shownDiffUnits: 0 },
      now,
      DEFAULT_THRESHOLDS,
    );
    t.hub.providers.channels = () => [failing];
    try {
      const s = await status();
      expect(s.verdict).toBe('degraded');
      expect(s.reasons).toMatchObject([{ code: 'channel_alert', subject: 'shop', message: expect.stringMatching(/4 pushes failed in a row; last error: HTTP 503/) }]);
      expect(s.channels).toMatchObject([{ channel: 'shop', status: 'alert', consecutiveFailures: 4 }]);
      const m = await metrics();
      expect(sampleValue(m, 'dockgate_channel_alert', { channel: 'shop' })).toBe(1);
      expect(sampleValue(m, 'dockgate_channel_consecutive_failures', { channel: 'shop' })).toBe(4);
    } finally {
      delete t.hub.providers.channels;
    }
  });

  it('calls a gateway that went silent down even though its retained status says online', async () => {
    now += 120_000 + 1000;
    const s = await status();
    expect(s.verdict).toBe('down');
    expect(s.gateways[0]).toMatchObject({ id: 'gw-1', state: 'down', reportedOnline: true, silentS: 121 });
    expect(s.reasons.map((r) => r.code)).toEqual(['gateway_down', 'no_gateway']);
    expect(s.reasons[0]!.message).toMatch(/silent for 121 s \(limit 120 s\)/);
    expect(sampleValue(await metrics(), 'dockgate_gateway_up', { gateway: 'gw-1' })).toBe(0);
    // its Last Will says offline: down too
    await publish({ online: false });
    expect((await status()).gateways[0]).toMatchObject({ state: 'down', reportedOnline: false, silentS: 0 });
  });

  it('is not ready, and down, once the broker is closed', async () => {
    await t.hub.broker!.close();
    const ready = await call(t.hub.url, 'GET', '/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ ready: false, broker: { ok: false, detail: 'the embedded broker is closed' } });
    await waitFor('status down', async () => ((await status()).verdict === 'down' ? true : undefined));
  });
});
