// scripts/e2e/site — pallet read patterns for the site simulator: a clean single pallet pass (no standing, no
// crossing, no neighbour bleed) from the seeded scenario generator, moved onto any door's reader, any direction and
// any set of EPCs. A pattern is kept only if the portal engine, replayed in-process, turns it into exactly one pass
// per tag in the right direction — so the whole-chain comparison can be exact. Pure apart from CPU.
import { parseGatewayConfig } from '../../../gateway/config/load.js';
import { portalConfigOf } from '../../../gateway/config/portal.js';
import { PortalEngine } from '../../../gateway/portal/index.js';
import { replay } from '../../sim/portal-score.js';
import type { ReadStream, SimRead } from '../../sim/read-stream.js';
import { dockSite, generateScenario, rng, toStreamItems, type Direction } from '../../sim/scenario.js';

/** One pallet's reads for reader `r1`, antenna 1 outside, 2 inside, moving `in`; tag slots 0..n-1 instead of EPCs. */
export interface PalletPattern {
  tags: number;
  reads: Array<Omit<SimRead, 'epc' | 'reader'> & { slot: number }>;
  durationMs: number;
}

const PATTERN_YAML = (portal: string) => `site: pattern
gateway: pattern
readers:
  - { id: r1, host: 127.0.0.1, antennas: [{ id: 1, door: door-1, side: outside }, { id: 2, door: door-1, side: inside }] }
portal:
${portal ? `  defaults: ${portal}\n` : ''}  doors: [{ id: door-1 }]
mqtt: { url: "mqtt://127.0.0.1:1" }
outbox: { path: /tmp/unused.db }
`;

/** Does the engine make exactly one pass per tag of `stream`, each `direction`? */
export function engineAgrees(stream: ReadStream, epcs: readonly string[], direction: Direction, portalDefaults = ''): boolean {
  const engine = new PortalEngine(portalConfigOf(parseGatewayConfig(PATTERN_YAML(portalDefaults), { env: {} })));
  const drafts = replay(engine, toStreamItems(stream, Date.UTC(2026, 0, 1)), 50);
  const passes = drafts.filter((d) => d.kind === 'tag.pass');
  if (passes.length !== epcs.length) return false;
  const want = new Set(epcs);
  for (const p of passes) if (p.kind !== 'tag.pass' || p.direction !== direction || !want.delete(p.epc)) return false;
  return want.size === 0;
}

/**
 * A library of patterns made from `seed`: each from a one-door scenario with one movement of at most `maxTags` tags,
 * mirrored to `in` if the scenario drove it out, and kept only if the engine agrees with the truth.
 */
export function makePatterns(seed: number, count: number, maxTags: number, opts: { minTags?: number; maxDurationMs?: number; portalDefaults?: string } = {}): PalletPattern[] {
  const portalDefaults = opts.portalDefaults ?? '';
  const out: PalletPattern[] = [];
  const r = rng(seed ^ 0x5a17);
  for (let attempt = 0; out.length < count; attempt++) {
    // Large pallets that must clear the door quickly are rare among random scenarios: seed 13's capped-door pair
    // needed more than 80 tries. An attempt costs ~7 ms, so the budget is seconds at worst.
    if (attempt > count * 400) throw new Error(`patterns: only ${out.length} of ${count} pallet patterns pass the engine cleanly (seed ${seed})`);
    const s = generateScenario(Math.floor(r() * 2 ** 31), dockSite(1), { movements: 1, maxTags, crossingChance: 0, standChance: 0, photoEyes: false, doorSensors: false });
    const epcs = [...new Set(s.truth.map((t) => t.epc))];
    if (epcs.length < (opts.minTags ?? 1)) continue;
    const mirror = s.truth[0]!.direction === 'out';
    const slot = new Map(epcs.map((e, i) => [e, i]));
    const t0 = Math.max(0, (s.stream.reads[0]?.t ?? 0) - 200);
    const reads = s.stream.reads.map((x) => ({ t: x.t - t0, antenna: mirror ? (x.antenna === 1 ? 2 : 1) : x.antenna, rssi: x.rssi, slot: slot.get(x.epc)! }));
    const p: PalletPattern = { tags: epcs.length, reads, durationMs: s.durationMs - t0 };
    if (p.durationMs > (opts.maxDurationMs ?? Infinity)) continue;
    if (!engineAgrees(streamOf(p, 'r1', 'in', epcs), epcs, 'in', portalDefaults)) continue;
    if (!engineAgrees(streamOf(p, 'r1', 'out', epcs), epcs, 'out', portalDefaults)) continue;
    out.push(p);
  }
  return out;
}

/** The pattern played by `reader` in `direction`, its slots carrying `epcs` (as many as the pattern has tags). */
export function streamOf(p: PalletPattern, reader: string, direction: Direction, epcs: readonly string[]): ReadStream {
  if (epcs.length !== p.tags) throw new RangeError(`streamOf: the pattern has ${p.tags} tags, got ${epcs.length} EPCs`);
  const flip = direction === 'out';
  return {
    reads: p.reads.map((x) => ({ t: x.t, reader, antenna: flip ? (x.antenna === 1 ? 2 : 1) : x.antenna, rssi: x.rssi, epc: epcs[x.slot]! })),
    gpi: [],
  };
}
