// scripts/sim — the scenario generator: deterministic per seed, physically sane, real SGTIN-96 EPCs.
import { describe, expect, it } from 'vitest';
import epcTds from 'epc-tds';
import { dockSite, generateScenario, portalDoorsFor, toStreamItems } from './scenario.js';
import { resolvePortalConfig } from '../../gateway/portal/index.js';

// epc-tds is CommonJS whose module.exports is the TDS object its types call `default`.
const tds = epcTds as unknown as typeof epcTds.default;

describe('generateScenario', () => {
  const site = dockSite(2, { beams: true, door: true });
  const sc = generateScenario(7, site, { movements: 4 });

  it('replays exactly from its seed, and differs between seeds', () => {
    expect(generateScenario(7, site, { movements: 4 })).toEqual(sc);
    expect(generateScenario(8, site, { movements: 4 }).stream.reads.slice(0, 50)).not.toEqual(sc.stream.reads.slice(0, 50));
  });

  it('makes time-ordered reads from the site antennas, about 1,100 reads/s per reader at most', () => {
    const { reads } = sc.stream;
    expect(reads.length).toBeGreaterThan(1000);
    expect(reads.findIndex((r, i) => i > 0 && r.t < reads[i - 1]!.t)).toBe(-1);
    const antennas = new Set(site.doors.flatMap((d) => d.antennas.map((a) => `${a.reader}#${a.antenna}`)));
    expect(reads.every((r) => antennas.has(`${r.reader}#${r.antenna}`))).toBe(true);
    expect(reads.every((r) => r.rssi <= -20 && r.rssi >= -95)).toBe(true);
    for (const reader of ['r1', 'r2']) {
      const perSecond = new Map<number, number>();
      for (const r of reads) if (r.reader === reader) perSecond.set(Math.floor(r.t / 1000), (perSecond.get(Math.floor(r.t / 1000)) ?? 0) + 1);
      expect(Math.max(0, ...perSecond.values())).toBeLessThanOrEqual(1100 * 1.2);
    }
  });

  it('uses SGTIN-96 EPCs that a third-party decoder reads back', () => {
    const epcs = [...new Set(sc.truth.map((t) => t.epc))];
    expect(epcs.length).toBe(sc.truth.length); // one truth per tag: each pallet moves once
    for (const epc of epcs.slice(0, 50)) {
      const d = tds.valueOf(epc.toUpperCase());
      expect(d.toTagURI()).toMatch(/^urn:epc:tag:sgtin-96:2\.0614141\.\d{6}\.\d+$/);
      expect(d.toHexString().toLowerCase()).toBe(epc);
    }
  });

  it('gives truth for every tag that moved, inside the scenario, with a direction', () => {
    const tags = sc.movements.reduce((n, m) => n + m.tags, 0);
    expect(sc.truth).toHaveLength(tags);
    for (const t of sc.truth) {
      expect(t.tEnd).toBeGreaterThan(t.tStart);
      expect(t.tStart).toBeGreaterThanOrEqual(0);
      expect(t.tEnd).toBeLessThanOrEqual(sc.durationMs);
      expect(['in', 'out']).toContain(t.direction);
    }
  });

  it('reports photo-eyes in the order the pallet went, and the door open around the movements', () => {
    const m = sc.movements[0]!;
    const reader = m.door === 'door-1' ? 'r1' : 'r2';
    const firstBreak = (port: number) => sc.stream.gpi.find((g) => g.reader === reader && g.port === port && g.state && Math.abs(g.t - m.crossAt) < 2000)!.t;
    if (m.direction === 'in') expect(firstBreak(2)).toBeLessThan(firstBreak(3));
    else expect(firstBreak(3)).toBeLessThan(firstBreak(2));
    const door = sc.stream.gpi.filter((g) => g.reader === reader && g.port === 1);
    expect(door.map((g) => g.state)).toEqual([true, false]);
    expect(door[0]!.t).toBeLessThan(m.crossAt);
    // edges alternate per port
    for (const port of [2, 3]) {
      const edges = sc.stream.gpi.filter((g) => g.reader === reader && g.port === port).map((g) => g.state);
      edges.forEach((s, i) => expect(s).toBe(i % 2 === 0));
    }
  });

  it('yields a valid portal config and a merged, clock-based item stream', () => {
    expect(() => resolvePortalConfig(portalDoorsFor(site))).not.toThrow();
    const items = toStreamItems(sc.stream, 1_700_000_000_000);
    expect(items).toHaveLength(sc.stream.reads.length + sc.stream.gpi.length);
    expect(items.findIndex((it, i) => i > 0 && it.ts < items[i - 1]!.ts)).toBe(-1);
  });

  it('refuses a site without doors', () => {
    expect(() => generateScenario(1, { doors: [] })).toThrow(/no doors/);
  });
});
