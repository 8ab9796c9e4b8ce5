// gateway/daemon — the portal scenarios over each reader type: seeded dock scenarios (2–3 doors, one reader per
// door) played through LLRP reader simulators over TCP, the Impinj IoT simulator's HTTP event stream and Zebra IoTC
// simulators on a real broker, read back by the real clients, timed by the readers' own timestamps and fed to the
// portal engine, decide exactly the passes (tag, door, direction) the engine decides on the same reads fed directly.
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { TagRead } from '../../protocols/reads/index.js';
import { waitFor } from '../../hub/broker/test-support.js';
import { dockSite, generateScenario, portalDoorsFor, toStreamItems, type StreamItem } from '../../scripts/sim/scenario.js';
import { replay } from '../../scripts/sim/portal-score.js';
import type { ReadStream } from '../../scripts/sim/read-stream.js';
import { silentLogger } from '../../protocols/logging/index.js';
import { startLlrpSimulator } from '../../scripts/sim/llrp-reader.js';
import { ImpinjIotReaderClient } from '../impinj-iot/client.js';
import { LlrpReaderClient } from '../llrp/client.js';
import { startImpinjIotSimulator } from '../impinj-iot/testing/simulator.js';
import { PortalEngine } from '../portal/index.js';
import { startAedes } from '../publisher/test-support/brokers.js';
import { ZebraIotcReaderClient } from '../zebra-iotc/client.js';
import { startZebraIotcSimulator } from '../zebra-iotc/testing/simulator.js';

const EPOCH = Date.UTC(2026, 0, 5, 6, 0, 0);
const silent = pino({ level: 'silent' });
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function passKeys(drafts: ReturnType<typeof replay>): string[] {
  return drafts.flatMap((d) => (d.kind === 'tag.pass' ? [`${d.epc} ${d.door} ${d.direction}`] : [])).sort();
}

function scenario(seed: number) {
  const site = dockSite(seed % 3 === 0 ? 3 : 2);
  const sc = generateScenario(seed, site, { movements: 4 });
  // whole milliseconds: both wire formats carry reader time in ms
  const stream: ReadStream = { reads: sc.stream.reads.map((r) => ({ ...r, t: Math.floor(r.t) })), gpi: [] };
  return { cfg: portalDoorsFor(site), stream, readers: [...new Set(stream.reads.map((r) => r.reader))] };
}

/**
 * Reads back from a driver as the engine sees them, on the scenario's clock: timed by the reader's timestamp (offset
 * 0: the simulators run on the scenario clock) and arriving then (the replay ticks on that clock, not the wall's).
 */
function viaReaderTime(reads: TagRead[]): StreamItem[] {
  return reads
    .map((r) => ({ kind: 'read' as const, ts: r.readerTs, read: { ...r, ts: r.readerTs, arrival: r.readerTs } }))
    .sort((a, b) => a.ts - b.ts);
}

/** Play `stream` through per-reader simulators: `send(reader, read)` at reader time EPOCH + t. */
async function playAll(stream: ReadStream, setNow: (ms: number) => void, send: (reader: string, r: { antenna: number; epc: string; rssi: number }) => void): Promise<void> {
  let i = 0;
  for (const r of stream.reads) {
    setNow(EPOCH + r.t);
    send(r.reader, { antenna: r.antenna, epc: r.epc, rssi: r.rssi });
    if (++i % 200 === 0) await new Promise((res) => setImmediate(res));
  }
}

describe('portal scenarios over each reader type', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: llrp, impinj-iot and zebra-iotc decide the passes the engine decides on the reads directly`, async () => {
      const { cfg, stream, readers } = scenario(seed);
      const direct = passKeys(replay(new PortalEngine(cfg), toStreamItems(stream, EPOCH)));
      expect(direct.length).toBeGreaterThan(0);

      // LLRP: one simulated reader per reader over TCP, its FirstSeen on the scenario clock
      const llrpReads: TagRead[] = [];
      const llrpSims = [];
      for (const id of readers) {
        const sim = await startLlrpSimulator({ readerId: id, now: () => EPOCH });
        cleanup.push(() => sim.close());
        const c = new LlrpReaderClient(
          { id, host: '127.0.0.1', port: sim.port, antennas: [{ id: 1 }, { id: 2 }], trigger: { kind: 'continuous' }, keepaliveMs: 1000, missedKeepalives: 10, connectTimeoutMs: 5000, requestTimeoutMs: 5000, backoff: { initialMs: 50, maxMs: 200 } },
          silentLogger(),
        );
        c.on('reads', (rs) => llrpReads.push(...rs));
        cleanup.push(() => c.stop());
        c.start();
        await waitFor(() => c.state === 'reading', `${id} reading (LLRP)`);
        llrpSims.push(sim);
      }
      for (const sim of llrpSims) expect((await sim.play(stream, { speed: Infinity })).dropped).toBe(0);
      await waitFor(() => llrpReads.length === stream.reads.length, 'every read back over LLRP', 30_000);
      expect(passKeys(replay(new PortalEngine(cfg), viaReaderTime(llrpReads)))).toEqual(direct);
      let now = EPOCH - 1000;
      const clock = () => now;

      // Impinj IoT Device Interface: one simulated R700 per reader
      const impinjReads: TagRead[] = [];
      const r700 = new Map<string, Awaited<ReturnType<typeof startImpinjIotSimulator>>>();
      for (const id of readers) {
        const sim = await startImpinjIotSimulator({ now: clock, keepaliveMs: 1000 });
        cleanup.push(() => sim.close());
        const c = new ImpinjIotReaderClient({ id, baseUrl: sim.url, antennas: [{ port: 1 }, { port: 2 }], backoff: { initialMs: 50, maxMs: 200 } }, silent);
        c.on('reads', (rs) => impinjReads.push(...rs));
        cleanup.push(() => c.stop());
        c.start();
        await waitFor(() => c.state === 'reading', `${id} reading`);
        r700.set(id, sim);
      }
      await playAll(stream, (ms) => (now = ms), (reader, r) => r700.get(reader)!.tags([r]));
      await waitFor(() => impinjReads.length === stream.reads.length, 'every read back from the R700s', 30_000);
      expect(passKeys(replay(new PortalEngine(cfg), viaReaderTime(impinjReads)))).toEqual(direct);

      // Zebra IoT Connector: one simulated reader per reader id on one broker
      const broker = await startAedes();
      cleanup.push(() => broker.close());
      now = EPOCH - 1000;
      const zebraReads: TagRead[] = [];
      const fx = new Map<string, Awaited<ReturnType<typeof startZebraIotcSimulator>>>();
      for (const id of readers) {
        const sim = await startZebraIotcSimulator({ brokerUrl: broker.url, readerName: `FX-${id}`, now: clock, heartbeatMs: 1000 });
        cleanup.push(() => sim.close());
        const c = new ZebraIotcReaderClient({ id, brokerUrl: broker.url, readerName: `FX-${id}`, antennas: [1, 2], backoff: { initialMs: 50, maxMs: 200 } }, silent);
        c.on('reads', (rs) => zebraReads.push(...rs));
        cleanup.push(() => c.stop());
        c.start();
        await waitFor(() => c.state === 'reading', `${id} reading`);
        fx.set(id, sim);
      }
      await playAll(stream, (ms) => (now = ms), (reader, r) => fx.get(reader)!.tags([r]));
      await waitFor(() => zebraReads.length === stream.reads.length, 'every read back from the FX readers', 30_000);
      expect(passKeys(replay(new PortalEngine(cfg), viaReaderTime(zebraReads)))).toEqual(direct);
    }, 90_000);
  }
});
