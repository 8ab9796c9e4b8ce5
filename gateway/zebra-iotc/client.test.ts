// gateway/zebra-iotc — the IoT Connector client against a simulated ZIOTC reader on a real aedes broker: it sets its
// mode and starts, reads tag data events timed by the reader, reports GPI, writes GPOs, and survives the faults the
// LLRP client survives (the broker link dropped, a silent reader, a refusal, garbage on the data topic).
import net from 'node:net';
import { Aedes } from 'aedes';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { GpiChange, TagRead } from '../../protocols/reads/index.js';
import { waitFor } from '../../hub/broker/test-support.js';
import { startAedes, type AedesBroker } from '../publisher/test-support/brokers.js';
import type { ReaderStateChange } from '../llrp/client.js';
import { ZebraIotcReaderClient, type ZebraIotcReaderOptions } from './client.js';
import { HEARTBEAT_S, parseEvents, parseResponse, parseStatus, parseZebraTime } from './events.js';
import { startZebraIotcSimulator, type ZebraIotcSimulator, type ZebraIotcSimulatorOptions } from './testing/simulator.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function rig(sim: Partial<ZebraIotcSimulatorOptions> = {}, client: Partial<ZebraIotcReaderOptions> = {}, beforeStart?: (s: ZebraIotcSimulator) => void) {
  const broker: AedesBroker = await startAedes();
  cleanup.push(() => broker.close());
  const s = await startZebraIotcSimulator({ brokerUrl: broker.url, readerName: 'FX9600A1', heartbeatMs: 100, ...sim });
  cleanup.push(() => s.close());
  const c = new ZebraIotcReaderClient({ id: 'fx1', brokerUrl: broker.url, readerName: 'FX9600A1', antennas: [1, 2], powerDbm: 27, silenceMs: 800, requestTimeoutMs: 1000, backoff: { initialMs: 50, maxMs: 200 }, ...client }, pino({ level: 'silent' }));
  const reads: TagRead[] = [];
  const gpi: GpiChange[] = [];
  const states: ReaderStateChange[] = [];
  c.on('reads', (r) => reads.push(...r));
  c.on('gpi', (g) => gpi.push(g));
  c.on('state', (x) => states.push(x));
  cleanup.push(() => c.stop());
  beforeStart?.(s);
  c.start();
  return { broker, s, c, reads, gpi, states };
}

const EPC = (n: number) => `30340242201d8840${n.toString(16).padStart(8, '0')}`;

describe('Zebra IoT Connector events', () => {
  it('maps a tag data event, a batch of them, a GPI event; names what is wrong', () => {
    const msg = '{"data":{"eventNum":211,"format":"epc","idHex":"E28011700000020C1E1F97B4","antenna":2,"peakRssi":-54,"seenCount":3,"channel":921.75,"phase":-65.0},"timestamp":"2021-04-19T16:19:26.093-0700","type":"SIMPLE"}';
    const t = Date.parse('2021-04-19T23:19:26.093Z');
    expect(parseZebraTime('2021-04-19T16:19:26.093-0700')).toBe(t);
    expect(parseEvents(msg, 'fx', t + 500, 100)).toEqual([{ kind: 'tag', read: { reader: 'fx', antenna: 2, epc: 'e28011700000020c1e1f97b4', rssi: -54, ts: t - 100, arrival: t + 500, readerTs: t, count: 3 } }]);
    expect(parseEvents(`[${msg},${msg}]`, 'fx', t, 0)).toHaveLength(2);
    // never after its arrival, whatever the offset measured so far says
    expect(parseEvents(msg, 'fx', t + 500, -2000)[0]).toMatchObject({ kind: 'tag', read: { ts: t + 500 } });
    expect(parseEvents('{"type":"GPI","timestamp":"2021-04-19T16:19:26.093-0700","data":{"pin":1,"state":"HIGH"}}', 'fx', 9, 0)).toEqual([{ kind: 'gpi', change: { reader: 'fx', port: 1, state: true, ts: 9 } }]);
    expect(parseEvents('{"type":"heartbeat","data":{}}', 'fx', 9, 0)).toEqual([{ kind: 'heartbeat' }]);
    expect(parseEvents('nope', 'fx', 9, 0)[0]).toMatchObject({ kind: 'bad', reason: expect.stringMatching(/^a message that is not JSON/) as string });
    expect(parseEvents('{"type":"SIMPLE","data":{"idHex":"E2","antenna":0}}', 'fx', 9, 0)[0]).toEqual({ kind: 'bad', reason: 'data.antenna 0 is not a port number' });
    expect(parseEvents('{"type":"SIMPLE","data":{"idHex":"E2X","antenna":1}}', 'fx', 9, 0)[0]).toEqual({ kind: 'bad', reason: 'data.idHex "E2X" is not whole bytes of hex' });
    expect(parseResponse('{"command":"start","command_id":"1","payload":{"description":"no operating mode is set"},"response":"failure"}')).toEqual({ ok: false, command: 'start', id: '1', reason: 'failure: no operating mode is set' });
  });

  it('reads the published examples: get_status, a heartbeat\'s radio_control, a data event counted in reads', () => {
    // get_status response payload as in Zebra's RAW MQTT Payloads example (trimmed), radioActivitiy spelt as there
    const status = { uptime: '26 days 01:11:17', systemTime: '2020-01-08T15:36:53+00:00', cpu: { user: '42', system: '32' }, radioConnection: 'connected', antennas: { '1': 'connected' }, temperature: 31, radioActivitiy: 'active', powerSource: 'DC' };
    expect(parseStatus(status)).toEqual({ radioConnected: true, radioActive: true });
    expect(parseStatus({ ...status, radioConnection: 'disconnected', radioActivitiy: 'inactive' })).toEqual({ radioConnected: false, radioActive: false });
    expect(parseStatus({ uptime: '1' })).toBeUndefined();
    expect(parseEvents('{"type":"heartbeat","timestamp":"2021-04-19T16:19:26.093-0700","data":{"radio_control":{"radioConnection":"disconnected","radioActivity":"inactive"}}}', 'fx', 9, 0)).toEqual([{ kind: 'heartbeat', radioConnected: false }]);
    // the Data of Zebra's DockDoorSample (Models/TagData/Data.cs) counts with reads
    const [item] = parseEvents('{"data":{"CRC":"5ac3","PC":"3000","antenna":1,"channel":915.25,"eventNum":7,"format":"epc","idHex":"3034024220","peakRssi":-61,"phase":152.0,"reads":2},"timestamp":"2021-04-19T16:19:26.093-0700","type":"SIMPLE"}', 'fx', 9, 0);
    expect(item).toMatchObject({ kind: 'tag', read: { epc: '3034024220', antenna: 1, rssi: -61, count: 2 } });
  });
});

describe('Zebra IoT Connector client', () => {
  it('sets its mode and starts, reads with the reader\'s timestamps, reports GPI and writes GPOs', async () => {
    const offset = -4000; // the reader's clock runs 4 s behind
    const { s, c, reads, gpi } = await rig({ now: () => Date.now() + offset });
    await waitFor(() => c.state === 'reading', 'reading');
    expect(s.running).toBe(true);
    // status and configuration over the management interface, the radio over the control interface
    expect(s.commands).toEqual(['management:get_status', 'management:set_config', 'control:stop', 'control:set_mode', 'control:start']);
    expect(s.config).toEqual({ 'READER-GATEWAY': { batching: { reportingInterval: 0, maxPayloadSizePerReport: 0 }, managementEventConfig: { heartbeat: { interval: HEARTBEAT_S }, gpiEvents: true } } });
    expect(s.mode).toMatchObject({ type: 'CUSTOM', antennas: [1, 2], transmitPower: 27 });
    await waitFor(() => c.health().clockOffsetMs !== undefined, 'a heartbeat timed the clock');
    s.tags([{ antenna: 1, epc: EPC(1), rssi: -60 }, { antenna: 2, epc: EPC(2), rssi: -52 }]);
    await waitFor(() => reads.length === 2, 'reads');
    expect(reads.map((r) => [r.epc, r.antenna, r.rssi])).toEqual([[EPC(1), 1, -60], [EPC(2), 2, -52]]);
    for (const r of reads) expect(Math.abs(r.ts - (r.readerTs - offset))).toBeLessThan(1000);
    s.gpi(1, true);
    await waitFor(() => gpi.length === 1, 'gpi');
    expect(gpi[0]).toMatchObject({ reader: 'fx1', port: 1, state: true });
    await c.setGpo(2, true);
    expect(s.gpo.get(2)).toBe(true);
    await expect(c.setGpo(7, true)).rejects.toThrow('reader fx1: set_gpo 7 refused: failure: port must be 1–3');
  });

  it('a refused mode backs off naming the reader\'s description, and reads once accepted', async () => {
    const { s, c, states } = await rig({}, {}, (sim) => sim.misbehave.refuseMode('transmitPower 27 is above the region limit'));
    await waitFor(() => states.some((x) => x.state === 'backoff' && /^set_mode refused: failure: transmitPower 27 is above the region limit/.test(x.reason)), 'refusal');
    s.misbehave.refuseMode(undefined);
    await waitFor(() => c.state === 'reading', 'reading after the refusal ends');
  });

  it('a disconnected radio: not started (get_status), a session ended by the heartbeat or by the status poll; a refused set_config still reads', async () => {
    const { s, c, states } = await rig({}, {}, (sim) => {
      sim.misbehave.radio(false);
      sim.misbehave.refuseConfig('READER-GATEWAY is locked by the cloud agent');
    });
    await waitFor(() => states.some((x) => x.state === 'backoff' && /^get_status: the reader's radio is disconnected/.test(x.reason)), 'not started');
    expect(s.commands).not.toContain('control:start');
    s.misbehave.radio(true);
    await waitFor(() => c.state === 'reading', 'reading once the radio is back, set_config refused');
    expect(s.config).toBeUndefined();
    s.misbehave.radio(false);
    await waitFor(() => states.some((x) => x.state === 'backoff' && /^heartbeat: the reader's radio is disconnected/.test(x.reason)), 'ended by the heartbeat');
    s.misbehave.radio(true);
    await waitFor(() => c.state === 'reading', 'reading again');
  }, 20_000);

  it('the status poll alone (heartbeats far apart) ends a session whose radio went away or was stopped by someone else; configured topics', async () => {
    // and topics as Zebra's DockDoorSample configures them (zebra/<reader>/…), on both sides
    const topics = { data: 'zebra/FX9600A1/data', controlCommands: 'zebra/FX9600A1/ctrl/cmd', controlResponses: 'zebra/FX9600A1/ctrl/res', managementCommands: 'zebra/FX9600A1/mgmt/cmd', managementResponses: 'zebra/FX9600A1/mgmt/res', managementEvents: 'zebra/FX9600A1/events' };
    const { s, c, reads, states } = await rig({ heartbeatMs: 60_000, topics }, { statusPollMs: 150, silenceMs: 30_000, topics });
    await waitFor(() => c.state === 'reading', 'reading');
    s.tags([{ antenna: 2, epc: EPC(4), rssi: -50 }]);
    await waitFor(() => reads.length === 1, 'a read on zebra/FX9600A1/data');
    s.misbehave.radio(false);
    await waitFor(() => states.some((x) => x.state === 'backoff' && /^get_status: the reader's radio is disconnected/.test(x.reason)), 'poll');
    expect(states.some((x) => /^heartbeat/.test(x.reason))).toBe(false);
    s.misbehave.radio(true);
    await waitFor(() => c.state === 'reading', 'reading again');
    s.misbehave.stopRadio(); // someone else stopped it: the poll sees radioActivitiy inactive and starts it again
    await waitFor(() => states.some((x) => x.state === 'backoff' && /^get_status: the radio stopped inventorying/.test(x.reason)), 'stopped behind its back');
    await waitFor(() => c.state === 'reading' && s.running, 'inventorying again');
  });

  it('a broker that refuses the connection: backs off naming it, and reads once a broker listens there', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const url = `mqtt://127.0.0.1:${port}`;
    const c = new ZebraIotcReaderClient({ id: 'fx1', brokerUrl: url, readerName: 'FX9600A1', antennas: [1], silenceMs: 800, requestTimeoutMs: 1000, backoff: { initialMs: 50, maxMs: 200 } }, pino({ level: 'silent' }));
    const states: ReaderStateChange[] = [];
    c.on('state', (x) => states.push(x));
    cleanup.push(() => c.stop());
    c.start();
    await waitFor(() => states.some((x) => x.state === 'backoff' && x.reason.startsWith(`broker ${url}: `) && /ECONNREFUSED/.test(x.reason)), 'refused');
    const broker = await Aedes.createBroker();
    const server = net.createServer(broker.handle);
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    cleanup.push(() => new Promise<void>((r) => server.close(() => broker.close(() => r()))));
    const s = await startZebraIotcSimulator({ brokerUrl: url, readerName: 'FX9600A1', heartbeatMs: 100 });
    cleanup.push(() => s.close());
    await waitFor(() => c.state === 'reading', 'reading once the broker is there');
  });

  it('survives the broker link dropping, a silent reader and garbage on the data topic', async () => {
    const { broker, s, c, reads, states } = await rig();
    await waitFor(() => c.state === 'reading', 'reading');
    const clients = (broker.broker as unknown as { clients: Record<string, { id: string; close(): void }> }).clients;
    for (const client of Object.values(clients)) if (client.id.startsWith('dockgate-')) client.close();
    await waitFor(() => states.some((x) => x.state === 'backoff' && /broker link closed/.test(x.reason)), 'backoff after the drop');
    await waitFor(() => c.state === 'reading', 'reading again');
    s.misbehave.silence(true);
    await waitFor(() => states.some((x) => /nothing from the reader \(data or heartbeat\) for 800 ms/.test(x.reason)), 'silence detected');
    s.misbehave.silence(false);
    await waitFor(() => c.state === 'reading', 'reading after the silence');
    s.misbehave.raw('{"type":"SIMPLE","data":{"idHex":"zz","antenna":1}}');
    s.misbehave.raw('garbage');
    s.tags([{ antenna: 1, epc: EPC(3), rssi: -58 }]);
    await waitFor(() => reads.length === 1, 'the good read after the garbage');
    expect(c.badEvents).toBe(2);
    expect(c.state).toBe('reading');
  }, 30_000);
});
