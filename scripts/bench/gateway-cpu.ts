// scripts/bench — the gateway daemon's CPU per 1,000 reads/s: dockgate-gateway (bundled gateway/main.ts, a child
// process) reads from the LLRP simulator over TCP and publishes to a real Mosquitto; its CPU comes from
// /proc/<pid>/stat (utime + stime) over steady windows: idle (connected, reading, no tags), then 1,000 and 4,000
// reads/s of pallets passing a door (20 tags at a time, 2 s each, outside then inside antenna). Peers in the same run:
// the idle daemon, and the simulator's own CPU (this process) per 1,000 reads/s.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMosquitto } from '../../gateway/publisher/test-support/brokers.js';
import { bundleGateway, spawnGateway, until, writeGatewayYaml } from '../e2e/gateway-support.js';
import { startLlrpSimulator, type LlrpSimulator } from '../sim/llrp-reader.js';
import type { ReadStream } from '../sim/read-stream.js';
import { cpuMs } from './proc.js';
import type { Bench, BenchRow } from './report.js';

const WINDOW_MS = Number(process.env.GATEWAY_CPU_WINDOW_MS ?? 8000);

/**
 * `rate` reads/s for `ms`: groups of 20 tags in the field for 2 s each, antenna 1 then 2, RSSI rising and falling.
 * Reads are reported in 10 ms slots (one RO_ACCESS_REPORT each, up to 100 tags), as a reader holding reports does.
 */
function pallets(rate: number, ms: number, epcBase: number): ReadStream {
  const reads: ReadStream['reads'] = [];
  const n = Math.floor((rate * ms) / 1000);
  for (let i = 0; i < n; i++) {
    const t = (i * 1000) / rate;
    const group = Math.floor(t / 2000);
    const phase = (t % 2000) / 2000;
    const tag = epcBase + group * 20 + (i % 20);
    reads.push({ t: Math.floor(t / 10) * 10, reader: 'r1', antenna: phase < 0.5 ? 1 : 2, epc: `30340242201d8840${tag.toString(16).padStart(8, '0')}`, rssi: -70 + 20 * Math.sin(Math.PI * phase) });
  }
  return { reads, gpi: [] };
}

interface Window {
  daemonMsPerS: number;
  simMsPerS: number;
  readsPerS: number;
  reportsPerS: number;
}

async function measure(pid: number, sim: LlrpSimulator, stream: ReadStream | undefined, ms: number): Promise<Window> {
  const c0 = cpuMs(pid);
  const s0 = process.cpuUsage();
  const t0 = Date.now();
  const sent0 = sim.stats.tagsSent;
  const reports0 = sim.stats.reportsSent;
  if (stream) await sim.play(stream, { speed: 1 });
  else await new Promise((r) => setTimeout(r, ms));
  const secs = (Date.now() - t0) / 1000;
  const s = process.cpuUsage(s0);
  return { daemonMsPerS: (cpuMs(pid) - c0) / secs, simMsPerS: (s.user + s.system) / 1000 / secs, readsPerS: (sim.stats.tagsSent - sent0) / secs, reportsPerS: (sim.stats.reportsSent - reports0) / secs };
}

export const bench: Bench = {
  name: 'gateway-cpu',
  async run(): Promise<BenchRow[]> {
    const dir = mkdtempSync(join(tmpdir(), 'bench-gateway-cpu-'));
    const bundle = bundleGateway();
    mkdirSync(join(dir, 'mosquitto'));
    const m = await startMosquitto(join(dir, 'mosquitto'));
    const sim = await startLlrpSimulator({ readerId: 'r1' });
    const gw = spawnGateway(writeGatewayYaml(dir, { mqttUrl: m.url, readers: [{ id: 'r1', port: sim.port }], outboxPath: join(dir, 'outbox.db'), logLevel: 'warn' }), { bundle: bundle.file });
    try {
      await until(() => sim.rospecState === 'active', 'the daemon reading', 30_000);
      await sim.play(pallets(4000, 4000, 5_000_000), { speed: 1 }); // warm-up (JIT, first passes), not measured
      await new Promise((r) => setTimeout(r, 4000)); // its passes decided and published
      const idle = await measure(gw.pid, sim, undefined, WINDOW_MS);
      const at4k = await measure(gw.pid, sim, pallets(4000, WINDOW_MS, 1_000_000), WINDOW_MS);
      const at1k = await measure(gw.pid, sim, pallets(1000, WINDOW_MS, 0), WINDOW_MS);
      const per1k = (r: Window) => (r.daemonMsPerS - idle.daemonMsPerS) / (r.readsPerS / 1000);
      const note = `CPU ms per wall second (1000 = one core), /proc/<pid>/stat over ${WINDOW_MS / 1000} s windows; reads/s measured ${Math.round(at1k.readsPerS)} and ${Math.round(at4k.readsPerS)} in ${Math.round(at1k.reportsPerS)} and ${Math.round(at4k.reportsPerS)} reports/s; Mosquitto, outbox synchronous=FULL`;
      return [
        { name: 'gateway daemon CPU at 1,000 reads/s', value: at1k.daemonMsPerS, unit: 'ms CPU/s', baseline: { name: 'idle daemon', value: idle.daemonMsPerS }, note },
        { name: 'gateway daemon CPU per 1,000 reads/s above idle (at 1,000/s)', value: per1k(at1k), unit: 'ms CPU/s', baseline: { name: 'LLRP simulator per 1,000 reads/s', value: at1k.simMsPerS / (at1k.readsPerS / 1000) }, note },
        { name: 'gateway daemon CPU per 1,000 reads/s above idle (at 4,000/s)', value: per1k(at4k), unit: 'ms CPU/s', baseline: { name: 'LLRP simulator per 1,000 reads/s', value: at4k.simMsPerS / (at4k.readsPerS / 1000) }, note },
      ];
    } finally {
      await gw.stop('SIGTERM');
      await sim.close();
      await m.stop('SIGKILL');
      bundle.remove();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
