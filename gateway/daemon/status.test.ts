// gateway/daemon — the status message: built from component health it passes the wire contract (what the hub parses),
// and the reporter coalesces changes and republishes.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parse, topics, type GatewayStatus } from '../../protocols/events/index.js';
import { captureLogger } from '../../protocols/logging/capture.js';
import { StatusReporter, buildStatus, type StatusSources } from './status.js';

const T = Date.UTC(2026, 10, 22, 10, 0, 0);
const sources: StatusSources = {
  gateway: 'gw-1',
  version: '0.1.0',
  startedAtMs: T - 3_600_000,
  stream: 'Zq3uX9f2Kp0aLm7d',
  readers: () => [
    { id: 'r1', host: '10.0.0.21', state: 'reading', reason: 'reading', lastReportMs: T - 20, clockOffsetMs: 14_012.6, readsPerSecond: 120.46, capabilities: undefined },
    { id: 'r2', host: '10.0.0.22', state: 'backoff', reason: `connect failed ${'x'.repeat(2000)}` },
  ],
  readerDoors: (id) => (id === 'r1' ? ['door-1', 'door-2'] : []),
  scanners: () => [{ id: 's1', type: 'serial', state: 'open', reason: 'opened /dev/ttyACM0', lastScan: '2026-11-22T09:59:00.000Z', counts: { codes: 3 } } as never],
  outbox: { depth: () => 12, bytes: () => 8192, oldestAgeMs: () => 1234, dropped: () => 0 },
  clockOffsetMs: () => 14_012.6,
  doors: () => [{ id: 'door-1', mode: 'receiving', light: 'green' }],
};

afterEach(() => vi.useRealTimers());

describe('status', () => {
  it('builds a status the hub accepts, with readers, scanners, outbox, clock offset and doors', () => {
    const s = buildStatus(sources, T);
    const r = parse(topics.status('site', 'gw-1'), JSON.stringify(s));
    expect(r.ok, JSON.stringify(r)).toBe(true);
    expect(s).toMatchObject({
      online: true,
      uptimeS: 3600,
      clockOffsetMs: 14_013,
      outbox: { depth: 12, bytes: 8192, oldestAgeS: 1.2, dropped: 0 },
      readers: [{ id: 'r1', state: 'reading', lastReport: '2026-11-22T09:59:59.980Z', clockOffsetMs: 14_013, readsPerSecond: 120.5, doors: ['door-1', 'door-2'] }, { id: 'r2', state: 'backoff', doors: [] }],
      scanners: [{ id: 's1', type: 'serial', state: 'open', lastScan: '2026-11-22T09:59:00.000Z' }],
      doors: [{ id: 'door-1', mode: 'receiving', light: 'green' }],
    });
    expect(s.readers![1]!.reason!.length).toBe(1024);
    expect(s.scanners![0]).not.toHaveProperty('counts');
  });

  it('coalesces changes into one message, refreshes on a timer, and logs a status that cannot be published', async () => {
    vi.useFakeTimers({ now: T });
    const { logger, lines } = captureLogger();
    const sent: GatewayStatus[] = [];
    let broken = false;
    const rep = new StatusReporter({
      build: () => (broken ? (() => { throw new Error('invalid gateway status: /online'); })() : buildStatus(sources, Date.now())),
      publish: async (s) => (sent.push(s), true),
      logger,
      debounceMs: 250,
      refreshMs: 30_000,
    });
    rep.start();
    expect(sent.length).toBe(1);
    rep.changed();
    rep.changed();
    rep.changed();
    await vi.advanceTimersByTimeAsync(250);
    expect(sent.length).toBe(2);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(sent.length).toBe(3);
    broken = true;
    rep.now();
    expect(lines.at(-1)).toMatchObject({ level: 'error', msg: 'status not published: it does not pass the contract' });
    rep.stop();
    rep.changed();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sent.length).toBe(3);
  });
});
