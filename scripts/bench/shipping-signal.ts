// scripts/bench — the shipping door's stop signal end to end: a wrong pallet's `tag.pass` (an SSCC not on the shipment
// open at the door) published by a gateway-like client to a real hub (embedded aedes, SQLite file, every hub room) →
// ingest → shipping observer raises `unexpected_outbound` and wants the door red → the red `light` command arrives on
// `dockgate/{site}/gw/{gw}/cmd` at the same client. Baseline, same messages, same run: publish → PUBACK (the hub's
// commit of the batch). Sequential passes, one per batch, each a different wrong pallet, so every pass re-asserts red.
// One connection publishes and receives commands, as a gateway does; on it both figures carry TCP delayed-ACK/Nagle
// stalls (~40 ms each: neither the broker's sockets nor the MQTT client set TCP_NODELAY). Measured once by hand: a
// separate subscriber connection gives ~4 ms for both; NODELAY on both ends of the one connection ~11 ms.
import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import { encodeSscc } from '../../protocols/epc/index.js';
import { isoTs, topics, type EventDraft } from '../../protocols/events/index.js';
import { withCheckDigit } from '../../protocols/gs1/index.js';
import { hubModules } from '../../hub/modules.js';
import { startTestHub, TestGateway, TEST_GATEWAY, TEST_SITE } from '../../hub/testing/harness.js';
import type { Bench, BenchRow } from './report.js';

const WARMUP = 5;
const PASSES = 50;
const TARGET_MS = 1000;
const WAIT_MS = 10_000;
const PREFIX = '9506000';

function ssccEpc(ref: number): { sscc: string; epc: string } {
  const sscc = withCheckDigit(`0${PREFIX}${String(ref).padStart(9, '0')}`);
  const r = encodeSscc({ sscc, companyPrefixLength: PREFIX.length });
  if (!r.ok) throw new Error(`bench shipping-signal: ${r.reason}`);
  return { sscc, epc: r.hex };
}

function outboundPass(epc: string): EventDraft {
  const now = isoTs(Date.now());
  return { kind: 'tag.pass', door: 'door-2', direction: 'out', epc, firstSeen: now, lastSeen: now, reads: 7, peakRssi: -52, antennas: [{ reader: 'portal-1', antenna: 1, reads: 7, peakRssi: -52 }], confidence: 0.95 };
}

function pct(samples: number[], p: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.ceil(s.length * p) - 1]!;
}

async function measure(): Promise<{ red: number[]; puback: number[] }> {
  const t = await startTestHub({ modulesFor: (config) => hubModules(config) });
  const gw = await TestGateway.connect(t.mqttUrl);
  try {
    const api = async (url: string, body: unknown): Promise<void> => {
      const res = await t.hub.http.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
      if (res.statusCode >= 300) throw new Error(`bench shipping-signal: POST ${url} → ${res.statusCode} ${res.body}`);
    };
    await api('/api/v1/items', { sku: 'BENCH', name: 'bench', tracking: 'quantity', gtins: [withCheckDigit(`0${PREFIX}00001`)], standardCost: 100, costMethod: 'fifo' });
    await api('/api/v1/shipments', { id: 'SH-BENCH', customer: 'bench', lines: [{ sku: 'BENCH', qty: 1 }], pallets: [{ sscc: ssccEpc(1).sscc }] });
    await api('/api/v1/shipments/SH-BENCH/open', { door: 'door-2' });

    // The gateway's command topic, as a gateway listens to it: each red command settles the pass waiting for it.
    let waiting: ((at: number) => void) | undefined;
    await gw.client.subscribeAsync(topics.cmd(TEST_SITE, TEST_GATEWAY), { qos: 1 });
    gw.client.on('message', (topic, payload) => {
      const at = performance.now();
      const msg = JSON.parse(payload.toString()) as { cmd?: string; door?: string; color?: string };
      if (topic === topics.cmd(TEST_SITE, TEST_GATEWAY) && msg.cmd === 'light' && msg.door === 'door-2' && msg.color === 'red') waiting?.(at);
    });

    const red: number[] = [];
    const puback: number[] = [];
    for (let i = 0; i < WARMUP + PASSES; i++) {
      const events = gw.stamp([outboundPass(ssccEpc(100 + i).epc)]); // a pallet the shipment does not list
      let timer: NodeJS.Timeout | undefined;
      const redAt = new Promise<number>((resolve, reject) => {
        waiting = resolve;
        timer = setTimeout(() => reject(new Error(`bench shipping-signal: no red light command within ${WAIT_MS} ms of pass ${i}`)), WAIT_MS);
      });
      const t0 = performance.now();
      await gw.publish(events);
      const acked = performance.now();
      const at = await redAt.finally(() => clearTimeout(timer));
      waiting = undefined;
      if (i >= WARMUP) {
        red.push(at - t0);
        puback.push(acked - t0);
      }
    }
    const raised = (t.hub.db.prepare("SELECT COUNT(*) AS n FROM variances WHERE type = 'unexpected_outbound' AND reference = 'SH-BENCH' AND status = 'open'").get() as { n: number }).n;
    if (raised !== WARMUP + PASSES) throw new Error(`bench shipping-signal: ${raised} unexpected_outbound variances for ${WARMUP + PASSES} wrong pallets`);
    return { red, puback };
  } finally {
    await gw.close().catch(() => undefined);
    await t.stop();
  }
}

export const bench: Bench = {
  name: 'shipping-signal',
  async run(): Promise<BenchRow[]> {
    const { red, puback } = await measure();
    const note = `${PASSES} sequential wrong-pallet passes (after ${WARMUP} warm-up), one per QoS 1 batch, real hub (aedes, SQLite file, all rooms); p99 of ${PASSES} is the max; load ${loadavg()[0]!.toFixed(2)}`;
    return [0.5, 0.99].map((p) => {
      const value = pct(red, p);
      return {
        name: `shipping: wrong pallet pass → red light cmd, p${p * 100}`,
        value,
        unit: 'ms',
        baseline: { name: `publish → PUBACK p${p * 100}`, value: pct(puback, p) },
        target: `< ${TARGET_MS} ms`,
        met: value < TARGET_MS,
        note,
      };
    });
  },
};
