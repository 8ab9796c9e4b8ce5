// gateway/llrp — the reader client against the simulated reader over real TCP: it reaches `reading` and delivers
// every read, and recovers on its own from each misbehaviour (split bytes, coalesced messages, silent link, dropped
// link, refused client, rejected parameter, report during a pending request, garbage on the wire); shutdown is clean.
import { connect } from 'node:net';
import { captureLogger } from '../../protocols/logging/capture.js';
import { afterEach, describe, expect, it } from 'vitest';
import { FrameSplitter, decodeMessage, type LlrpObject } from '../../protocols/llrp/index.js';
import { llrpjs } from '../../protocols/llrp/llrpjs.test-helper.js';
import type { GpiChange, TagRead } from '../../protocols/reads/index.js';
import { STRAY_EPC, startLlrpSimulator, type LlrpSimulator, type LlrpSimulatorOptions } from '../../scripts/sim/llrp-reader.js';
import type { ReadStream } from '../../scripts/sim/read-stream.js';
import { LlrpReaderClient, type LlrpReaderOptions, type ReaderStateChange } from './client.js';

const READER = 'dock-1';

/** Three pallets' tags passing antennas 1→2, RSSI rising and falling; plus reads of a neighbouring reader. */
function tinyStream(): ReadStream {
  const reads: ReadStream['reads'] = [];
  const epcs = ['3074257bf7194e4000000001', '3074257bf7194e4000000002', '3074257bf7194e4000000003'];
  for (let i = 0; i < 30; i++) {
    reads.push({ t: i * 5, reader: READER, antenna: i < 15 ? 1 : 2, epc: epcs[i % 3]!, rssi: -70 + Math.min(i, 30 - i) });
    reads.push({ t: i * 5 + 1, reader: 'dock-2', antenna: 1, epc: 'e2801160600002000000aaaa', rssi: -80 });
  }
  reads.push({ t: 160, reader: READER, antenna: 3, epc: 'e280116060000209', rssi: -61 }); // a 64-bit EPC (EPCData)
  return { reads, gpi: [] };
}

interface Harness {
  sim: LlrpSimulator;
  client: LlrpReaderClient;
  reads: TagRead[];
  gpis: GpiChange[];
  states: ReaderStateChange[];
  logs: Array<Record<string, unknown>>;
}

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) {
    await h.client.stop();
    await h.sim.close();
  }
});

async function harness(
  client: Partial<LlrpReaderOptions> = {},
  sim: Partial<LlrpSimulatorOptions> = {},
  beforeStart?: (sim: LlrpSimulator) => void,
): Promise<Harness> {
  const s = await startLlrpSimulator({ readerId: READER, ...sim });
  const { logger, lines: logs } = captureLogger('debug');
  const c = new LlrpReaderClient(
    {
      id: READER,
      host: '127.0.0.1',
      port: s.port,
      antennas: [{ id: 1, powerDbm: 27 }, { id: 2, powerDbm: 25.5 }, { id: 3 }],
      trigger: { kind: 'continuous' },
      keepaliveMs: 150,
      missedKeepalives: 3,
      connectTimeoutMs: 3000,
      requestTimeoutMs: 3000,
      backoff: { initialMs: 20, maxMs: 200 },
      ...client,
    },
    logger,
  );
  const h: Harness = { sim: s, client: c, reads: [], gpis: [], states: [], logs };
  c.on('reads', (r) => h.reads.push(...r));
  c.on('gpi', (g) => h.gpis.push(g));
  c.on('state', (st) => h.states.push(st));
  open.push(h);
  beforeStart?.(s);
  c.start();
  return h;
}

async function waitFor(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const reading = (h: Harness) => h.client.state === 'reading';
const epcsOf = (reads: TagRead[]) => reads.map((r) => r.epc).filter((e) => e !== STRAY_EPC).sort();
const expectedEpcs = () => tinyStream().reads.filter((r) => r.reader === READER).map((r) => r.epc).sort();

async function playAndCheck(h: Harness): Promise<void> {
  const before = h.reads.length;
  const res = await h.sim.play(tinyStream(), { speed: 20 });
  expect(res).toEqual({ sent: 31, dropped: 0 });
  await waitFor(() => h.reads.filter((r) => r.epc !== STRAY_EPC).length - before >= 31, 'all 31 reads');
  expect(epcsOf(h.reads.slice(before))).toEqual(expectedEpcs());
}

describe('LlrpReaderClient against the simulated reader', () => {
  it('carries the Impinj Doppler frequency of each read to the portal (a read without it has NaN)', async () => {
    const h = await harness();
    await waitFor(() => reading(h), 'reading');
    const stream: ReadStream = { reads: tinyStream().reads.filter((r) => r.reader === READER).map((r, i) => (i % 2 === 0 ? { ...r, doppler: (i - 15) / 2 } : r)), gpi: [] };
    await h.sim.play(stream, { speed: 20 });
    await waitFor(() => h.reads.filter((r) => r.epc !== STRAY_EPC).length >= stream.reads.length, 'the reads');
    const got = h.reads.filter((r) => r.epc !== STRAY_EPC);
    for (const [i, src] of stream.reads.entries()) {
      const r = got[i]!;
      expect([r.epc, r.antenna, r.rssi]).toEqual([src.epc, src.antenna, src.rssi]);
      if (src.doppler === undefined) expect(r.doppler).toBeNaN();
      else expect(r.doppler).toBe(src.doppler);
    }
  });

  it('reaches reading, delivers every read with its fields, reports health, and closes cleanly', async () => {
    const h = await harness({}, { now: () => Date.now() + 3_600_000 });
    await waitFor(() => reading(h), 'reading');
    expect(h.states.map((s) => s.state)).toEqual(['connecting', 'configuring', 'reading']);
    expect(h.sim.rospecState).toBe('active');
    expect(h.sim.stats.requests).toMatchObject({
      GET_READER_CAPABILITIES: 1, SET_READER_CONFIG: 2, DELETE_ROSPEC: 1, DELETE_ACCESSSPEC: 1, ADD_ROSPEC: 1,
      ENABLE_ROSPEC: 1, START_ROSPEC: 1, ENABLE_EVENTS_AND_REPORTS: 1,
    });
    await playAndCheck(h);
    const stream = tinyStream().reads.filter((r) => r.reader === READER);
    for (const r of h.reads) {
      const src = stream.find((s) => s.epc === r.epc && s.antenna === r.antenna && s.rssi === r.rssi);
      expect(src, `read ${r.epc} ant ${r.antenna} rssi ${r.rssi} is one of the stream's`).toBeDefined();
      expect(r.reader).toBe(READER);
      expect(r.count).toBe(1);
      expect(r.readerTs).toBeGreaterThan(r.ts + 3_500_000);
    }
    expect(h.reads.some((r) => r.epc === 'e280116060000209')).toBe(true);
    const health = h.client.health();
    expect(health).toMatchObject({ id: READER, state: 'reading', host: '127.0.0.1' });
    expect(health.clockOffsetMs).toBeGreaterThan(3_590_000);
    expect(health.clockOffsetMs).toBeLessThan(3_610_000);
    expect(health.lastReportMs).toBeGreaterThan(0);
    expect(health.capabilities?.numGpos).toBe(4);
    // keepalives flow and are acknowledged
    await waitFor(() => h.sim.stats.keepaliveAcks >= 2, 'two keepalive acks');
    await h.client.stop();
    expect(h.sim.stats.closeRequests).toBe(1);
    expect(h.client.state).toBe('stopped');
    await waitFor(() => !h.sim.connected, 'simulator sees the client gone');
  });

  it('survives every message split at every byte', async () => {
    const h = await harness({}, {}, (s) => s.misbehave.splitBytes(true));
    await waitFor(() => reading(h), 'reading');
    await playAndCheck(h);
    expect(h.sim.stats.connections).toBe(1);
  });

  it('takes many messages coalesced in one chunk', async () => {
    const h = await harness({}, { reportBatch: 2 }, (s) => s.misbehave.coalesce(true));
    await waitFor(() => reading(h), 'reading');
    await playAndCheck(h);
    expect(h.sim.stats.reportsSent).toBeGreaterThanOrEqual(16);
    expect(h.sim.stats.connections).toBe(1);
  });

  it('declares a silent link dead (missed keepalives) and reconnects', async () => {
    const h = await harness();
    await waitFor(() => reading(h), 'reading');
    h.sim.misbehave.stopKeepalives(true);
    await waitFor(() => h.states.some((s) => s.state === 'backoff' && /silent/.test(s.reason)), 'watchdog backoff');
    h.sim.misbehave.stopKeepalives(false);
    await waitFor(() => reading(h) && h.sim.stats.connections === 2, 'reading on a second connection');
    await playAndCheck(h);
  });

  it('reconnects when the reader goes completely silent mid-session', async () => {
    const h = await harness();
    await waitFor(() => reading(h), 'reading');
    h.sim.misbehave.silence();
    await waitFor(() => h.states.some((s) => /silent/.test(s.reason)), 'silence detected');
    await waitFor(() => reading(h) && h.sim.stats.connections === 2, 'reading again');
    await playAndCheck(h);
  });

  it('reconnects after the link is dropped', async () => {
    const h = await harness();
    await waitFor(() => reading(h), 'reading');
    h.sim.misbehave.dropConnection();
    await waitFor(() => h.states.some((s) => s.state === 'backoff'), 'backoff');
    await waitFor(() => reading(h) && h.sim.stats.connections === 2, 'reading again');
    await playAndCheck(h);
  });

  it('backs off and retries when the reader says a client connection already exists', async () => {
    const h = await harness({}, {}, (s) => s.misbehave.refuseNext(2));
    await waitFor(() => reading(h), 'reading');
    expect(h.sim.stats.refused).toBe(2);
    const refusals = h.states.filter((s) => s.state === 'backoff');
    expect(refusals).toHaveLength(2);
    expect(refusals[0]!.reason).toMatch(/client-initiated connection already exists/);
    // and a real second client is refused while ours is connected
    const status = await new Promise<number>((resolve, reject) => {
      const sock = connect(h.sim.port, '127.0.0.1');
      const splitter = new FrameSplitter();
      sock.on('data', (chunk) =>
        splitter.push(chunk, (f) => {
          const m = decodeMessage(f);
          if (!m.ok) return reject(m.error);
          const d = m.value.body.ReaderEventNotificationData as LlrpObject;
          resolve((d.ConnectionAttemptEvent as LlrpObject).Status as number);
          sock.destroy();
        }),
      );
      sock.on('error', reject);
    });
    expect(status).toBe(2);
    expect(reading(h)).toBe(true);
    await playAndCheck(h);
  });

  it('retries without an optional parameter the reader rejects, logs it once, and keeps it dropped after reconnects', async () => {
    const h = await harness({}, {}, (s) => {
      s.misbehave.rejectParameter(226, 'status'); // EventsAndReports, named in a ParameterError
      s.misbehave.rejectParameter(224, 'error-message'); // RFTransmitter, a bare ERROR_MESSAGE
      s.misbehave.rejectParameter(237, 'status', 'ADD_ROSPEC'); // ROReportSpec inside the ROSpec
    });
    await waitFor(() => reading(h), 'reading');
    expect(h.sim.stats.rejections).toBe(3);
    h.sim.misbehave.dropConnection();
    await waitFor(() => reading(h) && h.sim.stats.connections === 2, 'reading again');
    expect(h.sim.stats.rejections).toBe(3);
    const downgrades = h.logs.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('reader rejected optional'));
    expect(downgrades.map((l) => l.parameter).sort()).toEqual(['EventsAndReports', 'RFTransmitter', 'ROSpecReportSpec']);
    expect(downgrades.every((l) => l.component === 'llrp-client')).toBe(true);
    await playAndCheck(h);
  });

  it('asks for RF mode, session and population in the ROSpec, and reads on the reader defaults when it refuses them', async () => {
    const h = await harness({ inventory: { modeIndex: 1002, session: 2, tagPopulation: 64 } }, {}, (s) => s.misbehave.rejectParameter(330, 'status', 'ADD_ROSPEC'));
    await waitFor(() => reading(h), 'reading');
    expect(h.sim.stats.rejections).toBe(1);
    const downgrades = h.logs.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('reader rejected optional'));
    expect(downgrades.map((l) => l.parameter)).toEqual(['C1G2InventoryCommand']);
    await playAndCheck(h);
  });

  it('fails configuration with the reader\'s words when a required parameter is rejected, and keeps retrying', async () => {
    const h = await harness({}, {}, (s) => s.misbehave.rejectParameter(220, 'status')); // KeepaliveSpec
    await waitFor(() => h.states.filter((s) => s.state === 'backoff').length >= 2, 'two failed attempts');
    expect(h.states.find((s) => s.state === 'backoff')!.reason).toMatch(/SET_READER_CONFIG refused by the reader \(M_ParameterError: KeepaliveSpec not supported\)/);
    expect(h.client.state).not.toBe('reading');
  });

  it('times a request out when the reader never answers it, and recovers once it does', async () => {
    const h = await harness({ requestTimeoutMs: 300 }, {}, (s) => s.misbehave.ignoreRequests('ADD_ROSPEC'));
    await waitFor(() => h.states.some((s) => s.state === 'backoff'), 'a timed-out attempt');
    expect(h.states.find((s) => s.state === 'backoff')!.reason).toMatch(/ADD_ROSPEC \(id \d+\): no response within 300 ms/);
    h.sim.misbehave.ignoreRequests(undefined);
    await waitFor(() => reading(h), 'reading');
    await playAndCheck(h);
  });

  it('handles reports arriving while a request is pending, and writes a GPO while reads flow', async () => {
    const h = await harness({}, {}, (s) => s.misbehave.reportBeforeResponse(true));
    await waitFor(() => reading(h), 'reading');
    expect(h.reads.filter((r) => r.epc === STRAY_EPC).length).toBe(h.sim.stats.strayTagsSent);
    expect(h.sim.stats.strayTagsSent).toBeGreaterThanOrEqual(7);
    const played = h.sim.play(tinyStream(), { speed: 20 });
    await h.client.setGpo(2, true);
    expect(h.sim.stats.gpo[2]).toBe(true);
    await h.client.setGpo(2, false);
    expect(h.sim.stats.gpo[2]).toBe(false);
    await expect(h.client.setGpo(9, true)).rejects.toThrow(/no GPO 9/);
    await played;
    await waitFor(() => epcsOf(h.reads).length === 31, 'all reads');
    expect(epcsOf(h.reads)).toEqual(expectedEpcs());
  });

  it('delivers a burst of 5000 reads in 50 reports', async () => {
    const h = await harness();
    await waitFor(() => reading(h), 'reading');
    const epcs = h.sim.misbehave.burst(5000, 100);
    expect(epcs).toHaveLength(5000);
    await waitFor(() => h.reads.length >= 5000, '5000 reads');
    expect(h.reads.map((r) => r.epc)).toEqual(epcs);
  });

  it('reads only between the GPI start and stop triggers, and reports the GPI changes', async () => {
    const h = await harness({ trigger: { kind: 'gpi', startPort: 1, startState: true, stopPort: 1, stopState: false } });
    await waitFor(() => reading(h), 'armed');
    expect(h.client.state).toBe('reading');
    expect(h.sim.rospecState).toBe('inactive');
    expect(h.sim.misbehave.burst(10)).toEqual([]); // door closed: nothing is read
    h.sim.setGpi(1, true);
    await waitFor(() => h.gpis.length === 1, 'GPI event');
    expect(h.gpis[0]).toMatchObject({ reader: READER, port: 1, state: true });
    expect(h.sim.rospecState).toBe('active');
    const epcs = h.sim.misbehave.burst(250);
    await waitFor(() => h.reads.length === 250, '250 reads');
    expect(h.reads.map((r) => r.epc)).toEqual(epcs);
    h.sim.setGpi(1, false);
    await waitFor(() => h.gpis.length === 2, 'second GPI event');
    expect(h.sim.rospecState).toBe('inactive');
  });

  it('stops reading after the GPI stop timeout', async () => {
    const h = await harness({
      trigger: { kind: 'gpi', startPort: 2, startState: true, stopPort: 2, stopState: false, stopAfterMs: 50 },
    });
    await waitFor(() => reading(h), 'armed');
    h.sim.setGpi(2, true);
    expect(h.sim.rospecState).toBe('active');
    await waitFor(() => h.sim.rospecState === 'inactive', 'timeout stop');
  });

  it('closes and reopens the link on a malformed frame, keeping the good reads before it', async () => {
    const h = await harness();
    await waitFor(() => reading(h), 'reading');
    const epcs = h.sim.misbehave.burst(3);
    h.sim.misbehave.sendRaw(Buffer.from('1c3e0000000a00000001', 'hex')); // version 7
    await waitFor(() => h.states.some((s) => /malformed LLRP stream/.test(s.reason)), 'malformed stream detected');
    expect(h.reads.map((r) => r.epc)).toEqual(epcs);
    await waitFor(() => reading(h) && h.sim.stats.connections === 2, 'reading again');
  });

  it("carries a Zebra reader's MotoTagPhase to the portal as each read's phase; a wrong-length one closes the link naming it", async () => {
    const h = await harness();
    await waitFor(() => reading(h), 'reading');
    // RO_ACCESS_REPORTs as a Zebra reader sends them (made by llrpjs): Custom vendor 161, subtype 709, one s16
    const report = (tags: Array<[string, string]>) => new Uint8Array(new llrpjs.LLRPMessage({
      id: 900, type: 'RO_ACCESS_REPORT',
      data: { TagReportData: tags.map(([epc, word]) => ({ EPC_96: { EPC: epc }, AntennaID: { AntennaID: 1 }, PeakRSSI: { PeakRSSI: -60 }, Custom: [{ VendorIdentifier: 161, ParameterSubtype: 709, Data: word }] })) },
    }).encode().getBuffer());
    h.sim.misbehave.sendRaw(report([['aa'.repeat(12), '4000'], ['bb'.repeat(12), 'a0d4']]));
    await waitFor(() => h.reads.length >= 2, 'the Zebra reads');
    expect(h.reads.map((r) => [r.epc, r.rssi, ((r as TagRead & { phase: number }).phase * 180) / Math.PI])).toEqual([
      ['aa'.repeat(12), -60, 90],
      ['bb'.repeat(12), -60, 360 + (-24364 * 180) / 32768],
    ]);
    h.sim.misbehave.sendRaw(report([['cc'.repeat(12), '8000'], ['dd'.repeat(12), '80']]));
    await waitFor(() => h.states.some((s) => /MotoTagPhase/.test(s.reason)), 'the bad MotoTagPhase named');
    expect(h.states.find((s) => /MotoTagPhase/.test(s.reason))!.reason).toMatch(/malformed RO_ACCESS_REPORT: Zebra MotoTagPhase \(Custom 161\/709\) has length 13, not 14/);
    expect(h.reads.map((r) => r.epc)).toEqual(['aa'.repeat(12), 'bb'.repeat(12), 'cc'.repeat(12)]);
  });

  it('restarts at once on request, and stops while backing off from a dead reader', async () => {
    const h = await harness();
    await waitFor(() => reading(h), 'reading');
    const mark = h.states.length;
    h.client.restart('config changed');
    await waitFor(() => reading(h) && h.sim.stats.connections === 2, 'reading after restart');
    expect(h.states[mark]!.state).toBe('connecting'); // no back-off before the first retry
    await h.sim.close();
    await waitFor(() => h.client.state === 'backoff', 'backoff with the reader gone');
    await h.client.stop();
    expect(h.client.state).toBe('stopped');
  });
});
