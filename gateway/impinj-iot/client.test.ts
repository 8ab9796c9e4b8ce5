// gateway/impinj-iot — the IoT Device Interface client against a simulated R700 over real HTTP: it configures its
// preset, reads the event stream with the reader's timestamps, reports GPI, writes GPOs, and survives the faults the
// LLRP client survives (a dropped stream, a silent one, a refusing reader, garbage on the stream).
import net from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { GpiChange, TagRead } from '../../protocols/reads/index.js';
import { waitFor } from '../../hub/broker/test-support.js';
import type { ReaderStateChange } from '../llrp/client.js';
import { ImpinjIotReaderClient, type ImpinjIotReaderOptions } from './client.js';
import { startAedes } from '../publisher/test-support/brokers.js';
import { startImpinjIotSimulator, type ImpinjIotSimulator, type ImpinjIotSimulatorOptions } from './testing/simulator.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function rig(sim: ImpinjIotSimulatorOptions = {}, client: Partial<ImpinjIotReaderOptions> = {}) {
  const s: ImpinjIotSimulator = await startImpinjIotSimulator({ username: 'root', password: 'impinj', keepaliveMs: 100, ...sim });
  cleanup.push(() => s.close());
  const c = new ImpinjIotReaderClient(
    { id: 'r700', baseUrl: s.url, username: 'root', password: 'impinj', antennas: [{ port: 1 }, { port: 2, powerDbm: 25 }], rfMode: 1111, session: 2, searchMode: 'dual-target', tagPopulation: 32, stallMs: 1000, backoff: { initialMs: 50, maxMs: 200 }, ...client },
    pino({ level: 'silent' }),
  );
  const reads: TagRead[] = [];
  const gpi: GpiChange[] = [];
  const states: ReaderStateChange[] = [];
  c.on('reads', (r) => reads.push(...r));
  c.on('gpi', (g) => gpi.push(g));
  c.on('state', (x) => states.push(x));
  cleanup.push(() => c.stop());
  c.start();
  return { s, c, reads, gpi, states };
}

const EPC = (n: number) => `e28011700000020a${n.toString(16).padStart(8, '0')}`;

describe('Impinj IoT Device Interface client', () => {
  it('writes and starts its preset, then reads the stream with reader timestamps mapped to gateway time', async () => {
    const offset = 7000; // the reader's clock runs 7 s ahead
    const { s, c, reads } = await rig({ now: () => Date.now() + offset });
    await waitFor(() => c.state === 'reading', 'reading');
    expect(s.running).toBe('dockgate');
    expect(s.presets.get('dockgate')!.antennaConfigs).toEqual([
      { antennaPort: 1, transmitPowerCdbm: 3000, rfMode: 1111, inventorySession: 2, inventorySearchMode: 'dual-target', estimatedTagPopulation: 32 },
      { antennaPort: 2, transmitPowerCdbm: 2500, rfMode: 1111, inventorySession: 2, inventorySearchMode: 'dual-target', estimatedTagPopulation: 32 },
    ]);
    // first event calibrates the clock (its timestamp), then tag reads are timed by the reader
    await waitFor(() => c.health().clockOffsetMs !== undefined || (s.gpi(1, false), false), 'a timestamped event', 5000, 50);
    const before = Date.now();
    s.tags([{ antenna: 1, epc: EPC(1), rssi: -61.25 }, { antenna: 2, epc: EPC(2), rssi: -55 }]);
    await waitFor(() => reads.length === 2, 'two reads');
    expect(reads.map((r) => [r.epc, r.antenna, r.rssi])).toEqual([[EPC(1), 1, -61.25], [EPC(2), 2, -55]]);
    for (const r of reads) {
      expect(r.readerTs).toBeGreaterThanOrEqual(before + offset);
      expect(Math.abs(r.ts - (r.readerTs - offset))).toBeLessThan(1000); // mapped back by the measured offset
      expect(r.ts).toBeLessThanOrEqual(r.arrival!);
    }
    expect(c.health().clockOffsetMs!).toBeGreaterThan(offset - 1000);
  });

  it('reports GPI transitions and writes GPOs; a GPO the reader refuses rejects with its message', async () => {
    const { s, c, gpi } = await rig();
    await waitFor(() => c.state === 'reading', 'reading');
    s.gpi(2, true);
    await waitFor(() => gpi.length === 1, 'a GPI change');
    expect(gpi[0]).toMatchObject({ reader: 'r700', port: 2, state: true });
    await c.setGpo(1, true);
    await c.setGpo(3, false);
    expect(Object.fromEntries(s.gpo)).toEqual({ 1: 'high', 3: 'low' });
    await expect(c.setGpo(9, true)).rejects.toThrow('PUT /device/gpos: 400 Bad Request: gpo must be 1–3 (property /gpoConfigurations/0/gpo)');
  });

  it('refused (wrong password): backs off naming the reader\'s message, never reads', async () => {
    const { c, states } = await rig({}, { password: 'wrong' });
    await waitFor(() => states.some((x) => x.state === 'backoff'), 'backoff');
    expect(states.find((x) => x.state === 'backoff')!.reason).toMatch(/^GET \/status: 401 Unauthorized: Authentication failed: the user name or password is not valid; retry in/);
    expect(c.state).not.toBe('reading');
  });

  it('a busy reader (503), a dropped stream and a silent one: back off and read again', async () => {
    const { s, c, reads, states } = await rig();
    await waitFor(() => c.state === 'reading', 'reading');
    s.misbehave.dropStreams();
    await waitFor(() => states.some((x) => x.state === 'backoff'), 'backoff after a drop');
    await waitFor(() => c.state === 'reading' && s.streams === 2, 'reading again');
    s.misbehave.silence();
    await waitFor(() => states.some((x) => /silent for 1000 ms/.test(x.reason)), 'a stall detected');
    s.misbehave.unavailable(1);
    await waitFor(() => states.some((x) => /503 Service Unavailable: The reader is busy/.test(x.reason)), 'a busy reader');
    await waitFor(() => c.state === 'reading' && s.streams === 3, 'reading after the stall and the 503');
    s.tags([{ antenna: 1, epc: EPC(3), rssi: -60 }]);
    await waitFor(() => reads.length === 1, 'reads after recovery');
  }, 30_000);

  it('skips garbage on the stream, counting it, and keeps the good events around it', async () => {
    const { s, c, reads } = await rig();
    await waitFor(() => c.state === 'reading', 'reading');
    s.tags([{ antenna: 1, epc: EPC(4), rssi: -60 }]);
    s.misbehave.rawLine('{"eventType":"tagInventory","tagInventoryEvent":{"epcHex":"XYZ","antennaPort":1}}');
    s.misbehave.rawLine('not json at all');
    s.tags([{ antenna: 2, epc: EPC(5), rssi: -58 }]);
    await waitFor(() => reads.length === 2, 'both good reads');
    expect(reads.map((r) => r.epc)).toEqual([EPC(4), EPC(5)]);
    expect(c.badLines).toBe(2);
    expect(c.state).toBe('reading');
  });

  it('rejects a bad preset at construction, and the reader\'s 400 names the property', async () => {
    expect(() => new ImpinjIotReaderClient({ id: 'x', baseUrl: 'http://127.0.0.1:1', antennas: [{ port: 1 }], session: 7 }, pino({ level: 'silent' }))).toThrow('session must be 0–3, got 7');
    const { states } = await rig({}, { antennas: [{ port: 1, powerDbm: 40 }] });
    await waitFor(() => states.some((x) => x.state === 'backoff'), 'backoff');
    expect(states.find((x) => x.state === 'backoff')!.reason).toMatch(/^PUT \/profiles\/inventory\/presets\/dockgate: 400 Bad Request: transmitPowerCdbm must be 1000–3300 \(property \/antennaConfigs\/0\/transmitPowerCdbm\)/);
  });

  it('takes events from the reader\'s MQTT output when configured: sets it, reads, and reconnects when the reader\'s will fires', async () => {
    const broker = await startAedes();
    cleanup.push(() => broker.close());
    const port = Number(new URL(broker.url).port);
    const { s, c, reads, states } = await rig({}, { mqtt: { brokerUrl: broker.url, readerBrokerHost: '127.0.0.1', readerBrokerPort: port, topic: 'dock/r700/events' } });
    await waitFor(() => c.state === 'reading', 'reading over MQTT');
    expect(s.mqttConfig).toMatchObject({ active: true, brokerHostname: '127.0.0.1', brokerPort: port, eventTopic: 'dock/r700/events', eventQualityOfService: 1, willTopic: 'dock/r700/events/status' });
    expect(s.streams).toBe(0); // no HTTP stream in this mode
    s.tags([{ antenna: 2, epc: EPC(6), rssi: -57.5 }]);
    s.misbehave.rawLine('{"eventType":"tagInventory"}');
    s.tags([{ antenna: 1, epc: EPC(7), rssi: -50 }]);
    await waitFor(() => reads.length === 2, 'reads over MQTT');
    expect(reads.map((r) => [r.epc, r.antenna, r.rssi])).toEqual([[EPC(6), 2, -57.5], [EPC(7), 1, -50]]);
    expect(c.badLines).toBe(1);
    s.misbehave.dropMqtt();
    await waitFor(() => states.some((x) => x.state === 'backoff' && /the reader lost its broker connection \(its will\)/.test(x.reason)), 'the will seen');
    await waitFor(() => c.state === 'reading' && s.mqttConfig !== undefined, 'reading again');
    s.tags([{ antenna: 1, epc: EPC(8), rssi: -50 }]);
    await waitFor(() => reads.length === 3, 'reads after the reconnect');
  }, 30_000);

  it('over MQTT, the faults the LLRP client survives: a broker that refuses, a reader whose API hangs or is busy (the status poll), bad payload — back off and read again (the dropped output: the test above)', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const closedPort = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const broker = await startAedes();
    cleanup.push(() => broker.close());
    const port = Number(new URL(broker.url).port);
    // the reader cannot reach its broker: its own 502 names it
    const readerSide = await rig({}, { mqtt: { brokerUrl: broker.url, readerBrokerHost: '127.0.0.1', readerBrokerPort: closedPort, topic: 'dock/r700/events' } });
    await waitFor(() => readerSide.states.some((x) => x.state === 'backoff' && /^PUT \/mqtt: 502 Bad Gateway: cannot reach the MQTT broker: connect ECONNREFUSED/.test(x.reason)), 'the reader refused by its broker');
    await readerSide.c.stop();
    // the gateway cannot reach it
    const gatewaySide = await rig({}, { mqtt: { brokerUrl: `mqtt://127.0.0.1:${closedPort}`, readerBrokerHost: '127.0.0.1', readerBrokerPort: port, topic: 'dock/r700/events' } });
    await waitFor(() => gatewaySide.states.some((x) => x.state === 'backoff' && x.reason.startsWith(`broker mqtt://127.0.0.1:${closedPort}: `) && /ECONNREFUSED/.test(x.reason)), 'the gateway refused by the broker');
    await gatewaySide.c.stop();

    const { s, c, reads, states } = await rig({}, { stallMs: 300, requestTimeoutMs: 400, mqtt: { brokerUrl: broker.url, readerBrokerHost: '127.0.0.1', readerBrokerPort: port, topic: 'dock/r700/events' } });
    await waitFor(() => c.state === 'reading', 'reading over MQTT');
    s.misbehave.hang(true);
    await waitFor(() => states.some((x) => x.state === 'backoff' && /^mqtt: status poll: GET \/status: .*(abort|timeout)/i.test(x.reason)), 'the hung API found by the poll');
    s.misbehave.hang(false);
    await waitFor(() => c.state === 'reading', 'reading after the hang');
    s.misbehave.unavailable(1);
    await waitFor(() => states.some((x) => x.state === 'backoff' && /^mqtt: status poll: GET \/status: 503/.test(x.reason)), 'the busy reader found by the poll');
    await waitFor(() => c.state === 'reading', 'reading after the 503');
    s.misbehave.rawLine('not json');
    s.tags([{ antenna: 1, epc: EPC(9), rssi: -52 }]);
    await waitFor(() => reads.length === 1, 'the good read after the bad payload');
    expect(c.badLines).toBe(1);
  }, 30_000);
});
