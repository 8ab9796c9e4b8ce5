// gateway/daemon — reader types in gateway.yaml (llrp | impinj-iot | zebra-iotc): validated with errors naming the
// key, and mixed in one gateway: an Impinj IoT Device Interface reader (simulated R700 over HTTP) at one door and a
// Zebra IoT Connector reader (simulated ZIOTC on a real aedes broker) at another feed the same portal engine, which
// decides both passes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../protocols/logging/index.js';
import { waitFor } from '../../hub/broker/test-support.js';
import { parseGatewayConfig } from '../config/load.js';
import { ImpinjIotReaderClient } from '../impinj-iot/client.js';
import { startImpinjIotSimulator } from '../impinj-iot/testing/simulator.js';
import { LlrpReaderClient } from '../llrp/client.js';
import { startAedes } from '../publisher/test-support/brokers.js';
import { ZebraIotcReaderClient } from '../zebra-iotc/client.js';
import { startZebraIotcSimulator } from '../zebra-iotc/testing/simulator.js';
import { GatewayDaemon } from './daemon.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const base = (readers: string) => `site: s
gateway: gw
readers:
${readers}
portal: { doors: [{ id: d1 }, { id: d2 }] }
mqtt: { url: 'mqtt://127.0.0.1:1' }
outbox: { path: /tmp/never-opened.db }
`;
const ants = (door: string) => `    antennas: [{ id: 1, door: ${door}, side: outside }, { id: 2, door: ${door}, side: inside }]`;

describe('reader types in gateway.yaml', () => {
  it('accepts llrp (the default), impinj-iot and zebra-iotc side by side', () => {
    const c = parseGatewayConfig(
      base(`  - { id: a, host: 10.0.0.1, antennas: [{ id: 1, door: d1, side: outside }, { id: 2, door: d1, side: inside }] }
  - id: b
    type: impinj-iot
    host: r700.local
    impinj: { username: root, password: impinj, session: 2, searchMode: single-target, rfMode: 1111, tagPopulation: 64 }
${ants('d2')}
  - id: c
    type: zebra-iotc
    host: fx9600.local
    zebra: { brokerUrl: 'mqtt://10.0.0.9:1883', readerName: FX9600A1 }
    antennas: [{ id: 3, door: d2, side: outside }]`),
    );
    expect(c.readers.map((r) => r.type)).toEqual(['llrp', 'impinj-iot', 'zebra-iotc']);
    expect(c.readers[1]!.impinj).toMatchObject({ presetId: 'dockgate', session: 2, searchMode: 'single-target', rfMode: 1111, tagPopulation: 64, stallMs: 90_000 });
  });

  it('refuses what does not fit, naming the key', () => {
    const bad = (readers: string) => () => parseGatewayConfig(base(readers));
    expect(bad(`  - { id: a, type: impinj, host: h, antennas: [{ id: 1, door: d1, side: outside }] }`)).toThrow(/readers\[0\]\.type/);
    expect(bad(`  - id: a
    type: zebra-iotc
    host: h
${ants('d1')}
  - { id: b, host: h2, antennas: [{ id: 1, door: d2, side: outside }, { id: 2, door: d2, side: inside }] }`)).toThrow('readers[0].zebra: required for type zebra-iotc: brokerUrl and readerName of its IoT Connector MQTT endpoints');
    expect(bad(`  - id: a
    host: h
    impinj: { session: 1 }
${ants('d1')}
  - { id: b, host: h2, antennas: [{ id: 1, door: d2, side: outside }, { id: 2, door: d2, side: inside }] }`)).toThrow('readers[0].impinj: only for type impinj-iot (this reader is llrp)');
    expect(bad(`  - id: a
    type: impinj-iot
    host: h
    impinj: { session: 5 }
${ants('d1')}`)).toThrow(/readers\[0\]\.impinj\.session/);
    expect(bad(`  - id: a
    type: zebra-iotc
    host: h
    zebra: { brokerUrl: 'mqtt://b:1883', readerName: FX, topics: { data: 'zebra/+/data' } }
${ants('d1')}`)).toThrow(/readers\[0\]\.zebra\.topics\.data/);
    expect(bad(`  - id: a
    type: zebra-iotc
    host: h
    zebra: { brokerUrl: 'mqtt://b:1883', readerName: FX, topics: { tagData: 'zebra/FX/data' } }
${ants('d1')}`)).toThrow(/readers\[0\]\.zebra\.topics.*tagData/);
    expect(bad(`  - id: a
    type: impinj-iot
    host: h
    trigger: gpi
    gpi: [{ port: 1, door: d1, role: door-sensor }]
${ants('d1')}
  - { id: b, host: h2, antennas: [{ id: 1, door: d2, side: outside }, { id: 2, door: d2, side: inside }] }`)).toThrow('readers[0].trigger: gpi: only llrp readers start and stop on a GPI here; a impinj-iot reader reads continuously');
  });
});

describe('a gateway mixing reader types', () => {
  it('decides passes at an Impinj IoT door and a Zebra IoTC door with the same portal engine', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-types-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const broker = await startAedes();
    cleanup.push(() => broker.close());
    const r700 = await startImpinjIotSimulator({ username: 'root', password: 'impinj', keepaliveMs: 200 });
    cleanup.push(() => r700.close());
    const fx = await startZebraIotcSimulator({ brokerUrl: broker.url, readerName: 'FX9600A1', heartbeatMs: 200 });
    cleanup.push(() => fx.close());
    const config = parseGatewayConfig(`site: s
gateway: gw
logLevel: silent
readers:
  - id: r700
    type: impinj-iot
    host: 127.0.0.1
    impinj: { url: '${r700.url}', username: root, password: impinj, stallMs: 5000 }
    reconnect: { initialMs: 50, maxMs: 200 }
${ants('d1')}
  - id: fx
    type: zebra-iotc
    host: 127.0.0.1
    zebra: { brokerUrl: '${broker.url}', readerName: FX9600A1, silenceMs: 5000 }
    reconnect: { initialMs: 50, maxMs: 200 }
${ants('d2')}
portal: { doors: [{ id: d1 }, { id: d2 }] }
mqtt: { url: '${broker.url}' }
outbox: { path: ${join(dir, 'outbox.db')} }
metrics: { host: 127.0.0.1, port: 0 }
`);
    const daemon = new GatewayDaemon(config, { logger: silentLogger(), statusRefreshMs: 60_000, shutdownFlushMs: 100 });
    cleanup.push(() => daemon.stop());
    expect(daemon.readers.get('r700')).toBeInstanceOf(ImpinjIotReaderClient);
    expect(daemon.readers.get('fx')).toBeInstanceOf(ZebraIotcReaderClient);
    expect(daemon.readers.get('fx')).not.toBeInstanceOf(LlrpReaderClient);
    await daemon.start();
    await waitFor(() => daemon.readers.get('r700')!.state === 'reading' && daemon.readers.get('fx')!.state === 'reading', 'both readers reading');
    // both tags walk in: outside antenna strongest first, inside later, reads every 100 ms for 3 s
    for (let t = 0; t <= 3000; t += 100) {
      const out = Math.round(-50 - Math.abs(t - 1000) / 100);
      const inn = Math.round(-50 - Math.abs(t - 2000) / 100);
      r700.tags([{ antenna: 1, epc: 'e2801170000002000000d001', rssi: out }, { antenna: 2, epc: 'e2801170000002000000d001', rssi: inn }]);
      fx.tags([{ antenna: 1, epc: 'e2801170000002000000d002', rssi: out }, { antenna: 2, epc: 'e2801170000002000000d002', rssi: inn }]);
      await new Promise((r) => setTimeout(r, 100));
    }
    const port = daemon.metricsPort!;
    await waitFor(async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return /dockgate_gateway_passes_total\{door="d1",direction="in"\} 1/.test(text) && /dockgate_gateway_passes_total\{door="d2",direction="in"\} 1/.test(text);
    }, 'an inbound pass at each door');
    expect(r700.presets.get('dockgate')).toBeDefined();
    expect(fx.mode).toMatchObject({ antennas: [1, 2] });
  }, 60_000);
});
