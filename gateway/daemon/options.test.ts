// gateway/daemon — the wiring: the example gateway.yaml (every key) maps onto each component's options.
import { describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../config/load.js';
import { ScannerSession } from '../scanners/index.js';
import { framingOf, hidScannerOptionsOf, impinjOptionsOf, publisherOptionsOf, readerOptionsOf, scannerSessionOptionsOf, serialScannerOptionsOf, zebraOptionsOf } from './options.js';

const EXAMPLE = new URL('../../config/gateway.example.yaml', import.meta.url).pathname;
const c = loadGatewayConfig(EXAMPLE, {});

describe('component options from gateway.yaml', () => {
  it('maps readers, scanners and the publisher', () => {
    expect(readerOptionsOf(c.readers[0]!)).toEqual({
      id: 'portal-1', host: '10.0.0.21', port: 5084,
      antennas: [{ id: 1, powerDbm: 30 }, { id: 2, powerDbm: 27.5 }, { id: 3 }],
      trigger: { kind: 'continuous' }, keepaliveMs: 5000, missedKeepalives: 3, connectTimeoutMs: 10_000, requestTimeoutMs: 10_000,
      backoff: { initialMs: 1000, maxMs: 30_000 }, inventory: { modeIndex: 1002, session: 1, tagPopulation: 32, searchMode: 'dual-target' },
    });
    expect(impinjOptionsOf(c.readers[1]!)).toMatchObject({ id: 'portal-2', baseUrl: 'https://10.0.0.22', username: 'root', presetId: 'dockgate', rfMode: 4, session: 1, searchMode: 'dual-target', tagPopulation: 16, stallMs: 90_000, antennas: [{ port: 1, powerDbm: 30 }, { port: 2, powerDbm: 30 }] });
    expect(zebraOptionsOf(c.readers[2]!)).toMatchObject({ id: 'portal-3', brokerUrl: 'mqtt://10.0.0.5:1883', readerName: 'FX9600A1', antennas: [1, 2], silenceMs: 60_000, statusPollMs: 30_000, topics: { data: 'zebra/FX9600A1/data', managementEvents: 'zebra/FX9600A1/events' } });
    expect(readerOptionsOf({ ...c.readers[0]!, trigger: 'gpi' }).trigger).toEqual({ kind: 'gpi', startPort: 1, startState: true, stopPort: 1, stopState: false });
    const [scan1, scan3, scan2] = c.scanners;
    expect(serialScannerOptionsOf(scan1 as never)).toEqual({ id: 'scan-1', path: '/dev/ttyACM0', baudRate: 9600, framing: { prefix: '' } });
    expect(serialScannerOptionsOf(scan3 as never)).toMatchObject({ id: 'scan-3', match: { vendorId: '05e0', productId: '1701', serialNumber: 'S123' } });
    expect(hidScannerOptionsOf(scan2 as never)).toEqual({ id: 'scan-2', kind: 'keyboard', vendorId: 0x0c2e, productId: 0x0200, serialNumber: '17050B2C', layout: 'de' });
    expect(publisherOptionsOf(c)).toMatchObject({ site: 'acme-dc1', gateway: 'dock-east', mqtt: { clientId: 'dockgate-dock-east', username: 'dock-east' }, batch: { maxEvents: 500, lingerMs: 50 }, drainRatePerSecond: 20_000, confirm: 'hub', confirmTimeoutMs: 30_000 });
    expect(publisherOptionsOf({ ...c, mqtt: { ...c.mqtt, confirm: 'broker', confirmTimeoutMs: 5000 } })).toMatchObject({ confirm: 'broker', confirmTimeoutMs: 5000 });
    expect(publisherOptionsOf(c).mqtt.protocolVersion).toBe(4);
    expect(publisherOptionsOf({ ...c, mqtt: { ...c.mqtt, protocolVersion: 5 } }).mqtt.protocolVersion).toBe(5); // mqtt.protocolVersion reaches the client
  });

  it('frames serial codes as configured', () => {
    expect(framingOf({ lineEnding: 'none', prefix: '\x02', suffix: '\x03', interByteTimeoutMs: 50 })).toEqual({ prefix: '\x02', suffix: '\x03', interByteTimeoutMs: 50 });
    expect(framingOf({ lineEnding: 'crlf', prefix: '', suffix: '#', interByteTimeoutMs: 50 })).toEqual({ prefix: '', suffix: '#\r\n' });
    expect(framingOf({ lineEnding: 'cr', prefix: '', suffix: '', interByteTimeoutMs: 50 })).toEqual({ prefix: '' });
  });

  it('turns context codes into a session that carries them on later scans', () => {
    const s = new ScannerSession(scannerSessionOptionsOf(c.scanners[0]!), () => Date.UTC(2026, 10, 22));
    s.scan({ raw: 'PO4711', ts: Date.UTC(2026, 10, 22) });
    const d = s.scan({ raw: '4006381333931', ts: Date.UTC(2026, 10, 22) }).draft;
    expect(d).toMatchObject({ scanner: 'scan-1', door: 'door-1', context: [{ type: 'purchase_order', value: '4711' }] });
    expect(scannerSessionOptionsOf(c.scanners[1]!)).toMatchObject({ door: 'goods-in-1' });
    // gs1Requisites: the middle barcode of a logistic label, (02) + (37) without its (00)
    const label = { raw: ']C10210614141000002\x1d3726', ts: Date.UTC(2026, 10, 22) };
    expect(s.scan(label).rejected).toMatch(/\(37\) COUNT needs \(00\)/);
    const lenient = new ScannerSession(scannerSessionOptionsOf(c.scanners[1]!), () => Date.UTC(2026, 10, 22));
    const out = lenient.scan(label);
    expect(out.rejected).toBeUndefined();
    expect(out.draft).toMatchObject({ codeType: 'gs1', qty: 26 });
  });
});
