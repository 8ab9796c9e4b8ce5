// scripts/bench — the portal engine: reads/s through `ingest` on one core, against a baseline measured in the
// same run on the same reads (the least any engine must do: one Map lookup and a counter per read), and the
// heap bytes per tracked tag.
//
// Throughput: a realistic stream (2 doors × 2 readers, pallets of up to 200 tags, from the scenario generator)
// is converted to TagRead objects once, then fed through the engine several times with the clock re-based per
// pass, ticking every 200 ms of stream time as the gateway would; the best of 8 passes counts.
// Memory: with `node --expose-gc` (the bench re-runs itself under it when needed) the heap (V8 heap used +
// ArrayBuffers, which hold the typed arrays) is measured after a full GC before and after inserting N tags, each
// read on 4 antennas so it holds 4 antenna aggregates, into an engine sized for N; divided by N. It counts
// everything a tracked tag costs: the Map entry, the EPC string, the slot arrays and the antenna records.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PortalEngine } from '../../gateway/portal/index.js';
import type { TagRead } from '../../protocols/reads/index.js';
import type { Bench, BenchRow } from './report.js';
import { dockSite, generateScenario, portalDoorsFor, sgtin96, toStreamItems } from '../sim/scenario.js';

const EPOCH = Date.UTC(2026, 0, 1);

function throughput(): BenchRow[] {
  const site = dockSite(2, { antennasPerSide: 2 });
  const reads: TagRead[] = [];
  for (let seed = 1; reads.length < 600_000 && seed < 100; seed++) {
    const sc = generateScenario(seed, site, { movements: 6, crossingChance: 1 });
    const base = EPOCH + seed * 600_000;
    for (const it of toStreamItems(sc.stream, base)) if (it.kind === 'read') reads.push(it.read);
  }
  const n = reads.length;
  const cfg = portalDoorsFor(site);
  const runEngine = (): number => {
    const e = new PortalEngine(cfg);
    let nextTick = reads[0]!.ts + 200;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      const r = reads[i]!;
      if (r.ts >= nextTick) {
        e.tick(nextTick);
        nextTick = r.ts + 200;
      }
      e.ingest(r);
    }
    e.flush();
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    return n / dt;
  };
  const runBaseline = (): number => {
    const counts = new Map<string, number>();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      const r = reads[i]!;
      counts.set(r.epc, (counts.get(r.epc) ?? 0) + 1);
    }
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    if (counts.size === 0) throw new Error('no reads');
    return n / dt;
  };
  let best = 0;
  let bestBase = 0;
  for (let k = 0; k < 8; k++) {
    bestBase = Math.max(bestBase, runBaseline());
    best = Math.max(best, runEngine());
  }
  return [
    {
      name: 'portal engine ingest (reads/s, 1 core)',
      value: best,
      unit: 'reads/s',
      baseline: { name: 'Map count loop', value: bestBase },
      target: '>= 2,000,000',
      met: best >= 2_000_000,
      note: `${n.toLocaleString('en-US')} simulated reads, 2 doors × 4 antennas, ticks every 200 ms, best of 8 (the machine is shared: best = least disturbed)`,
    },
  ];
}

/** Heap bytes per tracked tag; needs global.gc. */
export function heapPerTag(nTags: number): { bytesPerTag: number; typedBytesPerTag: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('heapPerTag needs node --expose-gc');
  const site = dockSite(1, { antennasPerSide: 2 });
  const epcs = Array.from({ length: nTags }, (_, i) => sgtin96(614141, 812345, i + 1));
  const mem = () => {
    gc();
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const before = mem();
  const e = new PortalEngine({ ...portalDoorsFor(site), maxTrackedTags: nTags }, undefined, { initialCapacity: nTags });
  const read: TagRead = { reader: 'r1', antenna: 1, epc: '', rssi: -60, ts: EPOCH, readerTs: NaN, count: 1 };
  for (let a = 1; a <= 4; a++) {
    read.antenna = a;
    for (let i = 0; i < nTags; i++) {
      read.epc = epcs[i]!;
      read.ts = EPOCH + i / 1000;
      e.ingest(read);
    }
  }
  const after = mem();
  if (e.stats().trackedTags !== nTags) throw new Error(`expected ${nTags} tracked, got ${e.stats().trackedTags}`);
  // the EPC strings existed before the engine did; a tracked tag keeps its EPC alive, so count it
  const epcBytes = 12 + 24 + 4; // SeqOneByteString header + 24 chars, 8-aligned
  const bytesPerTag = (after - before) / nTags + epcBytes;
  return { bytesPerTag, typedBytesPerTag: 54 + 4 + 4 * 30 };
}

function memory(): BenchRow[] {
  const hasGc = typeof (globalThis as { gc?: unknown }).gc === 'function';
  const N = 200_000;
  let bytes: number;
  if (hasGc) bytes = heapPerTag(N).bytesPerTag;
  else {
    // re-run this measurement in a child with --expose-gc
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--heap', String(N)], {
      encoding: 'utf8',
    });
    bytes = Number(out.trim().split('\n').pop());
  }
  return [
    {
      name: 'portal engine heap per tracked tag',
      value: bytes,
      unit: 'bytes',
      target: '<= 300',
      met: bytes <= 300,
      note: `${N.toLocaleString('en-US')} tags × 4 antennas; V8 heap + ArrayBuffers after GC, incl. the EPC string`,
    },
  ];
}

export const bench: Bench = {
  name: 'portal',
  async run() {
    return [...throughput(), ...memory()];
  },
};

if (process.argv[2] === '--heap') {
  process.stdout.write(`${heapPerTag(Number(process.argv[3])).bytesPerTag}\n`);
}
