// protocols/events — one valid example of every payload of the wire contract. Tests, docs and simulators start
// from these (and mutate copies); they are checked against the schemas by examples.test.ts.
import type { Command, Event, EventBatch, GatewayStatus, HubAck, HubStatus } from './schema.js';

export const EXAMPLE_SITE = 'acme-dc1';
export const EXAMPLE_GATEWAY = 'dock-east';
export const EXAMPLE_STREAM = 'Zq3uX9f2Kp0aLm7d';

const base = (seq: number, ms: number) => ({
  // Fixed UUIDv7s (time part 0x019aab5c1xxx: November 2025), distinct per seq.
  id: `019aab5c-${(0x1000 + seq).toString(16).slice(-4)}-7${seq.toString(16).padStart(3, '0')}-8000-0000000000${seq.toString(16).padStart(2, '0')}`,
  stream: EXAMPLE_STREAM,
  seq,
  ts: new Date(ms).toISOString(),
});

const T0 = Date.UTC(2025, 10, 22, 10, 2, 7, 123);

/** One event of every kind, in seq order 1..8 of EXAMPLE_STREAM. */
export function exampleEvents(): Event[] {
  return [
    {
      ...base(1, T0),
      kind: 'tag.pass',
      door: 'door-1',
      direction: 'in',
      epc: '3034257bf7194e4000001a85',
      tid: 'e2801160200074cf085509a5',
      firstSeen: '2025-11-22T10:02:05.500Z',
      lastSeen: '2025-11-22T10:02:06.900Z',
      reads: 37,
      peakRssi: -48.5,
      antennas: [
        { reader: 'portal-1', antenna: 1, reads: 20, peakRssi: -48.5 },
        { reader: 'portal-1', antenna: 2, reads: 17, peakRssi: -55 },
      ],
      confidence: 0.93,
    },
    {
      ...base(2, T0 + 10),
      kind: 'tag.arrive',
      zone: 'staging-a',
      epc: '3034257bf7194e4000001a86',
      firstSeen: '2025-11-22T10:02:06Z',
      lastSeen: '2025-11-22T10:02:06.010Z',
      reads: 3,
      peakRssi: -61,
      antennas: [{ reader: 'zone-reader', antenna: 3, reads: 3, peakRssi: -61 }],
      confidence: 0.7,
    },
    {
      ...base(3, T0 + 20),
      kind: 'tag.depart',
      zone: 'staging-a',
      epc: '3034257bf7194e4000001a86',
      firstSeen: '2025-11-22T10:02:06Z',
      lastSeen: '2025-11-22T10:02:07Z',
      reads: 9,
      peakRssi: -60,
      antennas: [],
      confidence: 0.8,
    },
    {
      ...base(4, T0 + 30),
      kind: 'scan',
      scanner: 'scan-1',
      door: 'door-1',
      raw: ']C1010401234567890110ABC123\u001d17261231',
      symbology: 'gs1-128',
      codeType: 'gs1',
      gtin: '04012345678901',
      batch: 'ABC123',
      expiry: '2026-12-31',
      ais: { '01': '04012345678901', '10': 'ABC123', '17': '261231' },
      qty: 1,
      context: [{ type: 'purchase_order', value: 'PO4711', scannedAt: '2025-11-22T10:01:00Z' }],
    },
    { ...base(5, T0 + 40), kind: 'door', door: 'door-1', state: 'open', reader: 'portal-1', gpi: 1 },
    { ...base(6, T0 + 50), kind: 'reader', reader: 'portal-1', state: 'backoff', reason: 'connection reset', error: 'ECONNRESET' },
    { ...base(7, T0 + 60), kind: 'scanner', scanner: 'scan-2', state: 'unavailable', reason: 'device unplugged' },
    { ...base(8, T0 + 70), kind: 'gap', fromSeq: 100, toSeq: 149, count: 50, reason: 'outbox full (maxRows 1000000)' },
  ];
}

export function exampleBatch(): EventBatch {
  return { v: 1, gateway: EXAMPLE_GATEWAY, stream: EXAMPLE_STREAM, events: exampleEvents() };
}

export function exampleGatewayStatus(): GatewayStatus {
  return {
    v: 1,
    gateway: EXAMPLE_GATEWAY,
    online: true,
    ts: '2025-11-22T10:02:07.123Z',
    version: '0.1.0',
    startedAt: '2025-11-22T08:00:00Z',
    uptimeS: 7327.1,
    stream: EXAMPLE_STREAM,
    readers: [{ id: 'portal-1', host: '10.0.0.21', state: 'reading', lastReport: '2025-11-22T10:02:07Z', clockOffsetMs: -14, readsPerSecond: 120.5 }],
    scanners: [{ id: 'scan-1', type: 'serial', state: 'open', lastScan: '2025-11-22T10:01:00Z' }],
    outbox: { depth: 12, bytes: 8192, oldestAgeS: 0.4, dropped: 0 },
    clockOffsetMs: -14,
  };
}

export function exampleHubStatus(): HubStatus {
  return { v: 1, online: true, ts: '2025-11-22T10:02:07.123Z', version: '0.1.0', startedAt: '2025-11-22T08:00:00Z' };
}

export function exampleHubAck(): HubAck {
  return { v: 1, stream: EXAMPLE_STREAM, through: 1042, ts: '2025-11-22T10:02:07.130Z' };
}

/** One of every command. */
export function exampleCommands(): Command[] {
  const c = (n: number) => ({ v: 1 as const, id: `019aab5c-2000-7000-8000-0000000001${n.toString(16).padStart(2, '0')}`, ts: '2025-11-22T10:02:07.123Z' });
  return [
    { ...c(1), cmd: 'light', door: 'door-1', color: 'red', durationMs: 5000 },
    { ...c(2), cmd: 'horn', door: 'door-1', durationMs: 800 },
    { ...c(3), cmd: 'gpo.set', reader: 'portal-1', port: 2, state: true, durationMs: 0 },
    { ...c(4), cmd: 'reader.restart', reader: 'portal-1' },
    { ...c(5), cmd: 'door.mode', door: 'door-1', mode: 'shipping' },
    { ...c(6), cmd: 'status.report' },
  ];
}
