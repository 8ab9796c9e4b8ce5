// gateway/portal — case tests, one rule at a time, with hand-made read sequences.
import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { Event, type EventDraft } from '../../protocols/events/index.js';
import { captureLogger } from '../../protocols/logging/capture.js';
import type { TagRead } from '../../protocols/reads/index.js';
import type { PortalConfig } from './config.js';
import { PortalEngine } from './engine.js';
import type { PassageEvidence } from './evidence.js';

const T0 = Date.UTC(2026, 2, 3, 8, 0, 0);
const EPC = '30340242201d8840009efdf7';
const EPC2 = '30340242201d8840009efdf8';

function read(antenna: number, t: number, rssi = -55, epc = EPC, reader = 'r1'): TagRead {
  return { reader, antenna, epc, rssi, ts: T0 + t, readerTs: NaN, count: 1 };
}

/** Door a: r1 antenna 1 outside, 2 inside. Door b: r2 antenna 1 outside, 2 inside. Zone z: r3 antenna 1. */
const CONFIG: PortalConfig = {
  doors: [
    {
      id: 'a',
      antennas: [
        { reader: 'r1', antenna: 1, side: 'outside' },
        { reader: 'r1', antenna: 2, side: 'inside' },
      ],
    },
    {
      id: 'b',
      antennas: [
        { reader: 'r2', antenna: 1, side: 'outside' },
        { reader: 'r2', antenna: 2, side: 'inside' },
      ],
    },
    { id: 'z', kind: 'zone', antennas: [{ reader: 'r3', antenna: 1 }] },
  ],
};

/** Feed reads (sorted by ts) ticking every 100 ms, then run the clock `tail` ms past the last read. */
function run(engine: PortalEngine, reads: TagRead[], tail = 30_000): EventDraft[] {
  const out: EventDraft[] = [];
  const sorted = [...reads].sort((x, y) => x.ts - y.ts);
  let now = sorted.length ? sorted[0]!.ts : T0;
  for (const r of sorted) {
    while (now + 100 <= r.ts) out.push(...engine.tick((now += 100)));
    engine.ingest(r);
  }
  const end = now + tail;
  while (now < end) out.push(...engine.tick((now += 100)));
  return out;
}

/** A tag going through door a: outside antenna peaks at tOut, inside at tIn (ms), reads every 50 ms on each. */
function passReads(tOut: number, tIn: number, opts: { epc?: string; reader?: string; base?: number; spread?: number } = {}): TagRead[] {
  const out: TagRead[] = [];
  const spread = opts.spread ?? 1500;
  const lo = Math.min(tOut, tIn) - spread;
  const hi = Math.max(tOut, tIn) + spread;
  for (let t = lo; t <= hi; t += 50) {
    const base = opts.base ?? -50;
    out.push(read(1, t, Math.round(base - Math.abs(t - tOut) / 100), opts.epc, opts.reader));
    out.push(read(2, t + 25, Math.round(base - Math.abs(t - tIn) / 100), opts.epc, opts.reader));
  }
  return out.filter((r) => r.rssi >= -80);
}

const passes = (events: EventDraft[]) => events.filter((e) => e.kind === 'tag.pass') as Extract<EventDraft, { kind: 'tag.pass' }>[];

/** Every draft, stamped as the outbox would, must be a valid wire event. */
function expectWireValid(events: EventDraft[]): void {
  events.forEach((e, i) => {
    const ev = { ...e, id: '01890a5d-ac96-774b-bcce-b302099a8057', stream: 'stream-0001', seq: i + 1, ts: new Date(T0).toISOString() };
    const errors = [...Value.Errors(Event, ev)].map((x) => `${x.path} ${x.message}`);
    expect(errors, JSON.stringify(e)).toEqual([]);
  });
}

describe('acceptance and passages', () => {
  it('needs minReads reads at or above minRssi within the window', () => {
    const e = new PortalEngine(CONFIG);
    expect(run(e, [read(1, 0)])).toEqual([]);
    expect(run(e, [read(1, 100_000, -90, EPC2), read(1, 100_200, -90, EPC2)])).toEqual([]); // too weak
    expect(run(e, [read(1, 200_000, -60, '3034aa'), read(1, 202_500, -60, '3034aa')])).toEqual([]); // too far apart
    expect(e.stats().unaccepted).toBe(3);
    expect(e.stats().passes).toBe(0);
    const ok = run(e, [read(1, 300_000, -60, '3034bb'), read(1, 301_000, -60, '3034bb')]);
    expect(passes(ok)).toHaveLength(1);
  });

  it('reports one pass per passage, after `absence` without reads, with its evidence', () => {
    const e = new PortalEngine(CONFIG);
    const reads = passReads(0, 2000);
    for (const r of reads) e.ingest(r);
    const last = reads.reduce((m, r) => Math.max(m, r.ts), 0);
    expect(e.tick(last + 2999)).toEqual([]);
    const out = e.tick(last + 3000);
    expect(out).toHaveLength(1);
    const p = passes(out)[0]!;
    expect(p).toMatchObject({ kind: 'tag.pass', door: 'a', direction: 'in', epc: EPC, reads: reads.length, peakRssi: -50 });
    expect(p.firstSeen).toBe(new Date(Math.min(...reads.map((r) => r.ts))).toISOString());
    expect(p.lastSeen).toBe(new Date(last).toISOString());
    expect(p.antennas.map((a) => [a.reader, a.antenna])).toEqual([
      ['r1', 1],
      ['r1', 2],
    ]);
    expect(p.antennas.reduce((n, a) => n + a.reads, 0)).toBe(reads.length);
    expect(p.confidence).toBeGreaterThan(0.8);
    expect(p.candidates).toBeUndefined();
    expectWireValid(out);
    expect(e.stats()).toMatchObject({ passes: 1, passesIn: 1, accepted: 1, openPassages: 0, coolingTags: 1 });
  });

  it('does not turn a tag standing in the door into a stream of passes (rearm)', () => {
    const e = new PortalEngine(CONFIG);
    // a read every 4 s for a minute: each gap is longer than absence (3 s) but shorter than rearm (10 s)
    const standing: TagRead[] = [];
    for (let t = 0; t <= 60_000; t += 4000) standing.push(read(1, t, -60), read(2, t + 10, -60));
    const out = run(e, standing, 5000);
    expect(passes(out)).toHaveLength(1);
    expect(e.stats().suppressedReads).toBeGreaterThan(20);
    // quiet for longer than rearm: the next reads are a new passage
    const later = run(e, passReads(90_000, 92_000));
    expect(passes(later)).toHaveLength(1);
  });

  it('decides an ended passage when the next read arrives, even without a tick in between', () => {
    const e = new PortalEngine(CONFIG);
    for (const r of passReads(0, 1000)) e.ingest(r);
    for (const r of passReads(30_000, 29_000)) e.ingest(r); // 28 s later, the other way, no tick at all
    const out = e.tick(T0 + 60_000);
    expect(passes(out).map((p) => p.direction)).toEqual(['in', 'out']);
  });

  it('counts reads without RSSI and keeps the numbers finite', () => {
    const e = new PortalEngine(CONFIG);
    const out = run(e, [read(1, 0, NaN), read(1, 100, NaN), read(1, 200, NaN)]);
    const p = passes(out)[0]!;
    expect(p.reads).toBe(3);
    expect(p.peakRssi).toBe(-80); // the door's minRssi stands in
    expect(p.direction).toBe('unknown');
    expectWireValid(out);
  });

  it('ignores and counts reads from antennas that belong to no door', () => {
    const e = new PortalEngine(CONFIG);
    const out = run(e, [read(7, 0), read(7, 10), read(1, 20, -55, EPC, 'r9'), read(1, 30, -55, EPC, 'r9')]);
    expect(out).toEqual([]);
    expect(e.stats().unknownAntennaReads).toBe(4);
    expect(e.stats().trackedTags).toBe(0);
  });

  it('keeps the TID and the reader clock when the reader reports them', () => {
    const e = new PortalEngine(CONFIG);
    const rs = passReads(0, 1000).map((r) => ({ ...r, tid: 'e2801160', readerTs: r.ts - 14_000 }));
    const p = passes(run(e, rs))[0]!;
    expect(p.tid).toBe('e2801160');
    expect(p.readerFirstSeen).toBe(new Date(Date.parse(p.firstSeen) - 14_000).toISOString());
  });
});

describe('direction', () => {
  it('outside peak then inside peak is in; the reverse is out', () => {
    const e = new PortalEngine(CONFIG);
    const out = run(e, [...passReads(0, 2000), ...passReads(2000, 0, { epc: EPC2 })]);
    const dirs = Object.fromEntries(passes(out).map((p) => [p.epc, p.direction]));
    expect(dirs).toEqual({ [EPC]: 'in', [EPC2]: 'out' });
  });

  it('goes by the peaks, not by the first read', () => {
    const e = new PortalEngine(CONFIG);
    // the inside antenna catches a weak reflection first; then the outside peaks, then the inside
    const rs = [read(2, -3000, -78), read(2, -2900, -78), ...passReads(0, 2000)];
    expect(passes(run(e, rs))[0]!.direction).toBe('in');
  });

  it('says unknown when the peaks coincide, or when only one side read the tag', () => {
    const e = new PortalEngine(CONFIG);
    const flat = passReads(1000, 1000);
    const oneSide = passReads(0, 2000, { epc: EPC2 }).filter((r) => r.antenna === 1);
    const out = passes(run(e, [...flat, ...oneSide]));
    expect(out.map((p) => p.direction)).toEqual(['unknown', 'unknown']);
  });

  it('grows its confidence with the separation of the peaks, and says unknown below the minimum', () => {
    const conf = (sep: number) => {
      const evidence: PassageEvidence[] = [];
      const e = new PortalEngine(CONFIG, undefined, { explain: (x) => evidence.push(x) });
      const p = passes(run(e, passReads(0, sep)))[0]!;
      return { direction: p.direction, conf: evidence[0]!.directionConfidence! };
    };
    const [c150, c300, c1500, c3000] = [conf(150), conf(300), conf(1500), conf(3000)];
    expect(c150.conf).toBeLessThan(c300.conf);
    expect(c300.conf).toBeLessThan(c1500.conf);
    expect(c1500.conf).toBeLessThanOrEqual(c3000.conf);
    expect(c150.direction).toBe('unknown');
    expect(c3000).toEqual({ direction: 'in', conf: 1 });
  });

  const BEAM_CONFIG: PortalConfig = {
    doors: [
      {
        ...CONFIG.doors[0]!,
        sensors: { beamOutside: { reader: 'r1', port: 2 }, beamInside: { reader: 'r1', port: 3 } },
      },
    ],
  };

  it('takes the photo-eye order over RSSI', () => {
    const evidence: PassageEvidence[] = [];
    const e = new PortalEngine(BEAM_CONFIG, undefined, { explain: (x) => evidence.push(x) });
    // beams say outside → inside around t = 1000; RSSI (weakly) says out
    e.gpi({ reader: 'r1', port: 2, state: true, ts: T0 + 700 });
    e.gpi({ reader: 'r1', port: 3, state: true, ts: T0 + 1000 });
    e.gpi({ reader: 'r1', port: 2, state: false, ts: T0 + 1500 });
    e.gpi({ reader: 'r1', port: 3, state: false, ts: T0 + 1800 });
    const p = passes(run(e, passReads(1050, 950)))[0]!;
    expect(p.direction).toBe('in');
    expect(evidence[0]).toMatchObject({ directionSource: 'beam', beam: { direction: 'in', conflict: false } });
    expect(evidence[0]!.rssi!.separation).toBeLessThan(0);
    expect(e.stats().beamCrossings).toBe(1);
  });

  it('says unknown when the beams and clear RSSI peaks disagree', () => {
    const evidence: PassageEvidence[] = [];
    const e = new PortalEngine(BEAM_CONFIG, undefined, { explain: (x) => evidence.push(x) });
    e.gpi({ reader: 'r1', port: 2, state: true, ts: T0 + 700 });
    e.gpi({ reader: 'r1', port: 3, state: true, ts: T0 + 1000 });
    const p = passes(run(e, passReads(2000, 0)))[0]!;
    expect(p.direction).toBe('unknown');
    expect(evidence[0]).toMatchObject({ sensorsDisagree: true, beam: { direction: 'in' }, rssi: { confidence: 1 } });
  });

  it('falls back to RSSI when crossings both ways match (two pallets passing each other)', () => {
    const evidence: PassageEvidence[] = [];
    const e = new PortalEngine(BEAM_CONFIG, undefined, { explain: (x) => evidence.push(x) });
    const gpi = (port: number, state: boolean, t: number) => e.gpi({ reader: 'r1', port, state, ts: T0 + t });
    gpi(2, true, 500); // pallet 1 in
    gpi(3, true, 800);
    gpi(2, false, 1100);
    gpi(3, false, 1400);
    gpi(3, true, 1600); // pallet 2 out
    gpi(2, true, 1900);
    gpi(3, false, 2200);
    gpi(2, false, 2500);
    const p = passes(run(e, passReads(2500, 0)))[0]!;
    expect(p.direction).toBe('out');
    expect(evidence[0]).toMatchObject({ directionSource: 'rssi', beam: { conflict: true } });
  });
});

describe('cross-reads', () => {
  it('gives the tag to the door whose mean RSSI is better by the margin', () => {
    const e = new PortalEngine(CONFIG);
    const rs = [...passReads(0, 2000), ...passReads(0, 2000, { reader: 'r2', base: -62 })];
    const out = passes(run(e, rs));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ door: 'a', direction: 'in' });
    expect(out[0]!.candidates).toBeUndefined();
    expect(out[0]!.antennas.every((a) => a.reader === 'r1')).toBe(true);
  });

  it('holds an unsettled tag for more evidence, and takes the evidence that comes', () => {
    const evidence: PassageEvidence[] = [];
    const e = new PortalEngine(CONFIG, undefined, { explain: (x) => evidence.push(x) });
    const rs = [...passReads(0, 2000), ...passReads(0, 2000, { reader: 'r2', base: -52 })];
    for (const r of rs) e.ingest(r);
    const last = Math.max(...rs.map((r) => r.ts));
    expect(e.tick(last + 3000)).toEqual([]); // would close now, but is held
    // 1 s later door a reads it strongly: the evidence settles for a
    const more = [...passReads(5000, 5500)].filter((r) => r.ts > last + 4000);
    const out = passes(run(e, more));
    expect(out).toHaveLength(1);
    expect(out[0]!.door).toBe('a');
    expect(evidence[0]).toMatchObject({ held: true });
  });

  it('reports a tag that never settles with its candidates and a low confidence', () => {
    const evidence: PassageEvidence[] = [];
    const e = new PortalEngine(CONFIG, undefined, { explain: (x) => evidence.push(x) });
    const rs = [...passReads(0, 2000), ...passReads(0, 2000, { reader: 'r2', base: -53 })];
    const out = run(e, rs);
    const p = passes(out);
    expect(p).toHaveLength(1);
    expect(p[0]!.door).toBe('a');
    expect(p[0]!.candidates).toEqual(expect.arrayContaining(['a', 'b']));
    expect(p[0]!.confidence).toBeLessThanOrEqual(0.3);
    expect(evidence[0]).toMatchObject({ settled: false, held: true });
    expect(evidence[0]!.margin).toBeGreaterThan(0);
    expect(evidence[0]!.margin).toBeLessThan(6);
    expect(e.stats().unsettled).toBe(1);
    expectWireValid(out);
  });
});

describe('door cycles', () => {
  const GATED: PortalConfig = {
    doors: [{ ...CONFIG.doors[0]!, settle: 1000, absence: 10_000, sensors: { door: { reader: 'r1', port: 1, openState: true } } }],
  };

  it('reads only while a cycle runs, reports the door, and ends the cycle `settle` after the door closed', () => {
    const e = new PortalEngine(GATED);
    for (const r of passReads(0, 1000)) e.ingest(r); // door closed: gated
    expect(e.stats().gatedReads).toBeGreaterThan(0);
    expect(e.tick(T0 + 20_000)).toEqual([]);
    e.gpi({ reader: 'r1', port: 1, state: true, ts: T0 + 30_000 });
    e.gpi({ reader: 'r1', port: 1, state: true, ts: T0 + 30_001 }); // repeated level: no second event
    const rs = passReads(32_000, 33_000);
    for (const r of rs) e.ingest(r);
    const last = Math.max(...rs.map((r) => r.ts));
    e.gpi({ reader: 'r1', port: 1, state: false, ts: last + 200 });
    const before = e.tick(last + 1100); // settle runs from the later of door close and last new tag
    expect(before.map((x) => x.kind)).toEqual(['door', 'door']);
    expect(before).toEqual([
      { kind: 'door', door: 'a', state: 'open', reader: 'r1', gpi: 1 },
      { kind: 'door', door: 'a', state: 'closed', reader: 'r1', gpi: 1 },
    ]);
    const out = e.tick(last + 1300); // cycle over: the passage closes long before absence (10 s)
    expect(passes(out)).toHaveLength(1);
    expect(passes(out)[0]!.direction).toBe('in');
    expect(e.stats().doorCycles).toBe(1);
    // door closed again: reads are ignored
    const gatedBefore = e.stats().gatedReads;
    e.ingest(read(1, 40_000));
    expect(e.stats().gatedReads).toBe(gatedBefore + 1);
  });

  it('starts a cycle on a beam break when the door has photo-eyes only', () => {
    const e = new PortalEngine({
      doors: [{ ...CONFIG.doors[0]!, settle: 1000, sensors: { beamOutside: { reader: 'r1', port: 2 }, beamInside: { reader: 'r1', port: 3 } } }],
    });
    e.gpi({ reader: 'r1', port: 2, state: true, ts: T0 - 500 });
    const out = run(e, passReads(0, 1000));
    expect(passes(out)).toHaveLength(1);
    expect(out.some((x) => x.kind === 'door')).toBe(false);
  });
});

describe('zones and early arrivals', () => {
  it('a zone reports arrive on acceptance and depart after absence', () => {
    const e = new PortalEngine(CONFIG);
    const rs = [0, 100, 200, 300].map((t) => read(1, t, -60, EPC, 'r3'));
    for (const r of rs) e.ingest(r);
    const arrive = e.tick(T0 + 400);
    expect(arrive).toMatchObject([{ kind: 'tag.arrive', zone: 'z', epc: EPC, reads: 2 }]);
    const depart = e.tick(T0 + 3300);
    expect(depart).toMatchObject([{ kind: 'tag.depart', zone: 'z', epc: EPC, reads: 4 }]);
    expectWireValid([...arrive, ...depart]);
  });

  it('a door with earlyArrive reports arrive first, then the pass', () => {
    const e = new PortalEngine({ doors: [{ ...CONFIG.doors[0]!, earlyArrive: true }] });
    const out = run(e, passReads(0, 1000));
    expect(out.map((x) => x.kind)).toEqual(['tag.arrive', 'tag.pass']);
  });
});

describe('bounded state', () => {
  it('evicts the least recently read tag when full, counts it, and reports an evicted open passage', () => {
    const e = new PortalEngine({ ...CONFIG, maxTrackedTags: 10 });
    const epcs = Array.from({ length: 25 }, (_, i) => `3034${i.toString(16).padStart(4, '0')}`);
    const out: EventDraft[] = [];
    epcs.forEach((epc, i) => {
      e.ingest(read(1, i * 10, -60, epc));
      e.ingest(read(2, i * 10 + 5, -60, epc));
    });
    out.push(...e.tick(T0 + 250));
    const s = e.stats();
    expect(s.trackedTags).toBe(10);
    expect(s.evictions).toBe(15);
    expect(s.evictedPassages).toBe(15);
    expect(passes(out).map((p) => p.epc)).toEqual(epcs.slice(0, 15));
    out.push(...e.tick(T0 + 60_000));
    expect(passes(out)).toHaveLength(25);
    e.tick(T0 + 120_000); // cool-downs over
    expect(e.stats().trackedTags).toBe(0);
  });

  it('does not grow with the number of reads', () => {
    const e = new PortalEngine(CONFIG);
    for (let i = 0; i < 50_000; i++) e.ingest(read(1 + (i % 2), i * 20, -55 - (i % 7)));
    expect(e.stats().trackedTags).toBe(1);
    expect(e.stats().antennaRecords).toBe(2);
  });
});

describe('explainability', () => {
  it('writes a debug line per passage with the evidence', () => {
    const { logger: log, lines } = captureLogger('debug');
    const e = new PortalEngine(CONFIG, log);
    run(e, [...passReads(0, 2000), ...passReads(0, 2000, { reader: 'r2', base: -65 })]);
    const decided = lines.filter((l) => l.msg === 'passage decided');
    expect(decided).toHaveLength(1);
    const ev = decided[0]!.evidence as { antennas: unknown[]; locations: Array<{ id: string }>; margin: number; rssi: { separation: number } };
    expect(decided[0]!.component).toBe('portal');
    expect(ev).toMatchObject({ epc: EPC, location: 'a', direction: 'in', directionSource: 'rssi', settled: true, closedBy: 'absence' });
    expect(ev.antennas).toHaveLength(4);
    expect(ev.locations.map((l: { id: string }) => l.id).sort()).toEqual(['a', 'b']);
    expect(ev.margin).toBeGreaterThan(6);
    expect(ev.rssi.separation).toBeGreaterThan(1000);
  });
});

describe('retune (SIGHUP)', () => {
  it('applies new thresholds to tracked tags in place, and refuses a changed layout', () => {
    const engine = new PortalEngine(CONFIG);
    // Two reads: a pass under minReads 2; with minReads 3 after the retune, the same two reads are not enough.
    engine.ingest(read(1, 0));
    engine.retune({ ...CONFIG, defaults: { minReads: 3 } });
    const out = run(engine, [read(2, 50, -55, EPC), read(1, 0, -55, EPC2), read(2, 50, -55, EPC2)]);
    expect(out.filter((e) => e.kind === 'tag.pass')).toEqual([]);
    expect(engine.config.doors[0]!.minReads).toBe(3);
    const third = run(engine, [read(1, 40_000, -55, EPC2), read(2, 40_050, -55, EPC2), read(2, 40_100, -55, EPC2)]);
    expect(third.filter((e) => e.kind === 'tag.pass').length).toBe(1);
    expect(() => engine.retune({ doors: CONFIG.doors.slice(0, 2) })).toThrow(/needs a restart/);
    expect(engine.config.doors.length).toBe(3);
  });
});
