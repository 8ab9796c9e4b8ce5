// gateway/portal — a passage whose evidence spans a reader outage (link drop or silence) says so: `interrupted: true`,
// confidence capped, and direction `unknown` unless both sides had been seen before the outage.
import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { Event, type EventDraft } from '../../protocols/events/index.js';
import type { TagRead } from '../../protocols/reads/index.js';
import { INTERRUPTED_CONFIDENCE_CAP, PortalEngine } from './engine.js';

const T0 = Date.UTC(2026, 2, 3, 8, 0, 0);
const CONFIG = {
  doors: [
    { id: 'a', antennas: [{ reader: 'r1', antenna: 1, side: 'outside' as const }, { reader: 'r1', antenna: 2, side: 'inside' as const }] },
    { id: 'b', antennas: [{ reader: 'r2', antenna: 1, side: 'outside' as const }, { reader: 'r2', antenna: 2, side: 'inside' as const }] },
  ],
};
const read = (reader: string, antenna: number, t: number, rssi: number, epc: string): TagRead => ({ reader, antenna, epc, rssi, ts: T0 + t, readerTs: NaN, count: 1 });
type Pass = Extract<EventDraft, { kind: 'tag.pass' }>;

/** Outside antenna peaking at 1 s, inside at 2 s, reads every 100 ms from `from` to `to` (ms). */
function walk(reader: string, epc: string, from: number, to: number): TagRead[] {
  const out: TagRead[] = [];
  for (let t = from; t <= to; t += 100) {
    out.push(read(reader, 1, t, Math.round(-50 - Math.abs(t - 1000) / 100), epc));
    out.push(read(reader, 2, t + 50, Math.round(-50 - Math.abs(t - 2000) / 100), epc));
  }
  return out;
}

function passesOf(e: PortalEngine, until: number): Pass[] {
  const out: EventDraft[] = [];
  for (let now = T0; now <= T0 + until; now += 100) out.push(...e.tick(now));
  for (const d of out) {
    const ev = { ...d, id: '01890a5d-ac96-774b-bcce-b302099a8057', stream: 'stream-0001', seq: 1, ts: new Date(T0).toISOString() };
    expect([...Value.Errors(Event, ev)].map((x) => `${x.path} ${x.message}`)).toEqual([]);
  }
  return out.filter((d): d is Pass => d.kind === 'tag.pass');
}

describe('passages cut by a reader outage', () => {
  it('one side seen before the link dropped: interrupted, direction unknown, confidence capped', () => {
    const e = new PortalEngine(CONFIG);
    for (const r of walk('r1', 'aa01', 0, 900).filter((r) => r.antenna === 1)) e.ingest(r);
    e.readerDown('r1', T0 + 950);
    e.readerUp('r1', T0 + 1500);
    for (const r of walk('r1', 'aa01', 1600, 3000).filter((r) => r.antenna === 2)) e.ingest(r);
    // an untouched door's tag is not marked
    for (const r of walk('r2', 'bb01', 0, 3000)) e.ingest(r);
    const ps = passesOf(e, 10_000);
    const a = ps.find((p) => p.epc === 'aa01')!;
    expect(a).toMatchObject({ door: 'a', direction: 'unknown', interrupted: true });
    expect(a.confidence).toBeLessThanOrEqual(INTERRUPTED_CONFIDENCE_CAP);
    const b = ps.find((p) => p.epc === 'bb01')!;
    expect(b.direction).toBe('in');
    expect(b.interrupted).toBeUndefined();
  });

  it('both sides seen before the outage: the direction stands, still interrupted and capped', () => {
    const e = new PortalEngine(CONFIG);
    for (const r of walk('r1', 'aa02', 0, 2600)) e.ingest(r);
    e.readerDown('r1', T0 + 2700); // silence: the link was declared dead
    const ps = passesOf(e, 10_000);
    expect(ps).toHaveLength(1);
    expect(ps[0]).toMatchObject({ direction: 'in', interrupted: true });
    expect(ps[0]!.confidence).toBeLessThanOrEqual(INTERRUPTED_CONFIDENCE_CAP);
  });

  it('a passage that starts while a reader of its door is down is interrupted too', () => {
    const e = new PortalEngine(CONFIG);
    e.readerDown('r1', T0);
    for (const r of walk('r1', 'aa03', 100, 3000)) e.ingest(r);
    expect(passesOf(e, 10_000)[0]).toMatchObject({ interrupted: true, direction: 'unknown' });
    e.readerUp('r1', T0 + 20_000);
  });

  it('a passage entirely after the reader came back is not', () => {
    const e = new PortalEngine(CONFIG);
    e.readerDown('r1', T0);
    e.readerUp('r1', T0 + 50);
    for (const r of walk('r1', 'aa04', 100, 3000)) e.ingest(r);
    const p = passesOf(e, 10_000)[0]!;
    expect(p.interrupted).toBeUndefined();
    expect(p.direction).toBe('in');
  });
});
