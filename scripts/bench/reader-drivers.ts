// scripts/bench — the non-LLRP reader drivers: reads/s delivered end to end (the Impinj IoT client reading its
// simulator's HTTP event stream; the Zebra IoTC client reading its simulator's MQTT data events through aedes; both
// simulators in this process), and the client's CPU per 1,000 reads/s for parsing and mapping its wire format
// (measured on the same messages, one core), beside the LLRP report decode of the same reads.
import pino from 'pino';
import { ImpinjIotReaderClient } from '../../gateway/impinj-iot/client.js';
import { parseStreamLine } from '../../gateway/impinj-iot/events.js';
import { startImpinjIotSimulator } from '../../gateway/impinj-iot/testing/simulator.js';
import { startAedes } from '../../gateway/publisher/test-support/brokers.js';
import { ZebraIotcReaderClient } from '../../gateway/zebra-iotc/client.js';
import { parseEvents } from '../../gateway/zebra-iotc/events.js';
import { startZebraIotcSimulator } from '../../gateway/zebra-iotc/testing/simulator.js';
import { waitFor } from '../../hub/broker/test-support.js';
import { decodeTagReports, encodeRoAccessReport, type TagReport } from '../../protocols/llrp/index.js';
import type { Bench, BenchRow } from './report.js';

const N = 50_000;
const BATCH = 100;
const silent = pino({ level: 'silent' });
const epc = (i: number) => `30340242201d8840${i.toString(16).padStart(8, '0')}`;
const batch = (from: number) => Array.from({ length: BATCH }, (_, k) => ({ antenna: 1 + (k % 2), epc: epc(from + k), rssi: -50 - (k % 20) }));

/** Calls per second of `f` over at least `ms` (after a warm-up). */
function rate(f: () => number, ms = 1000): number {
  f();
  let n = 0;
  const t0 = performance.now();
  let el = 0;
  do {
    n += f();
    el = performance.now() - t0;
  } while (el < ms);
  return n / (el / 1000);
}

async function impinjThroughput(): Promise<number> {
  const sim = await startImpinjIotSimulator({ keepaliveMs: 1000 });
  const c = new ImpinjIotReaderClient({ id: 'r', baseUrl: sim.url, antennas: [{ port: 1 }, { port: 2 }], backoff: { initialMs: 50, maxMs: 200 } }, silent);
  let got = 0;
  c.on('reads', (r) => (got += r.length));
  c.start();
  try {
    await waitFor(() => c.state === 'reading', 'impinj reading');
    const t0 = performance.now();
    for (let i = 0; i < N; i += BATCH) {
      sim.tags(batch(i));
      if (i % (BATCH * 20) === 0) await new Promise((r) => setImmediate(r));
    }
    await waitFor(() => got >= N, 'impinj reads', 60_000, 1);
    return N / ((performance.now() - t0) / 1000);
  } finally {
    await c.stop();
    await sim.close();
  }
}

async function zebraThroughput(): Promise<number> {
  const broker = await startAedes();
  const sim = await startZebraIotcSimulator({ brokerUrl: broker.url, readerName: 'bench', heartbeatMs: 1000 });
  const c = new ZebraIotcReaderClient({ id: 'z', brokerUrl: broker.url, readerName: 'bench', antennas: [1, 2], backoff: { initialMs: 50, maxMs: 200 } }, silent);
  let got = 0;
  c.on('reads', (r) => (got += r.length));
  c.start();
  try {
    await waitFor(() => c.state === 'reading', 'zebra reading');
    const t0 = performance.now();
    for (let i = 0; i < N; i += BATCH) {
      sim.tags(batch(i));
      if (i % (BATCH * 20) === 0) await new Promise((r) => setImmediate(r));
    }
    await waitFor(() => got >= N, 'zebra reads', 60_000, 1);
    return N / ((performance.now() - t0) / 1000);
  } finally {
    await c.stop();
    await sim.close();
    await broker.close();
  }
}

export const bench: Bench = {
  name: 'reader-drivers',
  async run(): Promise<BenchRow[]> {
    const now = Date.now();
    const iso = new Date(now).toISOString();
    const reads = batch(0);
    const impinjLines = reads.map((r) => JSON.stringify({ timestamp: iso, eventType: 'tagInventory', tagInventoryEvent: { epcHex: r.epc.toUpperCase(), antennaPort: r.antenna, peakRssiCdbm: r.rssi * 100, lastSeenTime: iso } }));
    const zebraMsg = JSON.stringify(reads.map((r, i) => ({ data: { eventNum: i, format: 'epc', idHex: r.epc, antenna: r.antenna, peakRssi: r.rssi, seenCount: 1 }, timestamp: iso.replace('Z', '+0000'), type: 'SIMPLE' })));
    const llrp = encodeRoAccessReport(1, reads.map((r) => ({ epc: r.epc, antenna: r.antenna, rssi: r.rssi, firstSeenUtc: now, lastSeenUtc: now, count: 1 })));
    const out: TagReport[] = [];
    let sink = 0;
    const impinjParse = rate(() => {
      for (const l of impinjLines) sink += parseStreamLine(l, 'r', now, 0).kind.length;
      return impinjLines.length;
    });
    const zebraParse = rate(() => {
      sink += parseEvents(zebraMsg, 'z', now, 0).length;
      return BATCH;
    });
    const llrpParse = rate(() => {
      out.length = 0;
      if (decodeTagReports(llrp, out, 'r', now)) throw new Error('bench: LLRP decode failed');
      sink += out.length;
      return BATCH;
    });
    if (sink === 0) throw new Error('bench: nothing parsed');
    const perK = (r: number) => (1000 / r) * 1000; // ms of CPU per second at 1,000 reads/s
    const impinj = await impinjThroughput();
    const zebra = await zebraThroughput();
    return [
      { name: 'impinj-iot driver: reads/s through its HTTP event stream', value: impinj, unit: 'reads/s', note: `${N} reads, simulator in the same process` },
      { name: 'impinj-iot driver: parse + map CPU per 1,000 reads/s', value: perK(impinjParse), unit: 'ms CPU/s', baseline: { name: 'LLRP report decode', value: perK(llrpParse) } },
      { name: 'zebra-iotc driver: reads/s through MQTT (aedes)', value: zebra, unit: 'reads/s', note: `${N} reads in messages of ${BATCH}, simulator in the same process` },
      { name: 'zebra-iotc driver: parse + map CPU per 1,000 reads/s', value: perK(zebraParse), unit: 'ms CPU/s', baseline: { name: 'LLRP report decode', value: perK(llrpParse) } },
    ];
  },
};
