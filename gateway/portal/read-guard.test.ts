// gateway/portal — reads with values outside the wire contract never vanish: a PeakRSSI beyond the contract's range is
// clamped (and said so in a `reader` error event), an EPC the contract cannot carry becomes a `reader` error event
// naming it; either way something reaches the hub, and every draft is valid on the wire.
import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { Event, type EventDraft, type ReaderEvent } from '../../protocols/events/index.js';
import type { TagRead } from '../../protocols/reads/index.js';
import { PortalEngine } from './engine.js';

const T0 = Date.UTC(2026, 2, 3, 8, 0, 0);
const CONFIG = {
  doors: [{ id: 'a', antennas: [{ reader: 'r1', antenna: 1, side: 'outside' as const }, { reader: 'r1', antenna: 2, side: 'inside' as const }] }],
};
const read = (antenna: number, t: number, rssi: number, epc: string): TagRead => ({ reader: 'r1', antenna, epc, rssi, ts: T0 + t, readerTs: NaN, count: 1 });

function run(e: PortalEngine, reads: TagRead[]): EventDraft[] {
  const out: EventDraft[] = [];
  for (const r of reads) e.ingest(r);
  for (let now = T0; now < T0 + 20_000; now += 100) out.push(...e.tick(now));
  return out;
}

function wireValid(d: EventDraft): string[] {
  const ev = { ...d, id: '01890a5d-ac96-774b-bcce-b302099a8057', stream: 'stream-0001', seq: 1, ts: new Date(T0).toISOString() };
  return [...Value.Errors(Event, ev)].map((x) => `${x.path} ${x.message}`);
}

describe('reads outside the contract', () => {
  it('clamps a PeakRSSI of +60 dBm to the contract, keeps the pass, and reports the reader error', () => {
    const epc = '30340242201d8840009efdf7';
    const out = run(new PortalEngine(CONFIG), [read(1, 0, -60, epc), read(1, 100, 60, epc), read(2, 600, -58, epc), read(2, 700, -62, epc)]);
    for (const d of out) expect(wireValid(d), JSON.stringify(d)).toEqual([]);
    const pass = out.find((d) => d.kind === 'tag.pass');
    expect(pass).toMatchObject({ epc, peakRssi: 50 });
    const errs = out.filter((d): d is Omit<ReaderEvent, 'id' | 'stream' | 'seq' | 'ts'> => d.kind === 'reader');
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatchObject({ reader: 'r1', state: 'reading' });
    expect(errs[0]!.error).toMatch(/PeakRSSI 60 dBm.*-150\.\.50.*clamped to 50.*1 read.*30340242201d8840009efdf7/);
  });

  it('turns an EPC of 1,100 hex digits into a reader error event naming it, and decides the good tags', () => {
    const long = 'ab'.repeat(550);
    const good = '30340242201d8840009efdf8';
    const out = run(new PortalEngine(CONFIG), [read(1, 0, -60, long), read(1, 50, -60, good), read(1, 100, -59, long), read(2, 150, -58, good)]);
    for (const d of out) expect(wireValid(d), JSON.stringify(d).slice(0, 200)).toEqual([]);
    expect(out.filter((d) => d.kind === 'tag.pass').map((d) => (d as { epc: string }).epc)).toEqual([good]);
    const errs = out.filter((d) => d.kind === 'reader') as Array<{ error?: string }>;
    expect(errs).toHaveLength(1);
    expect(errs[0]!.error).toMatch(/EPC of 1100 hex digits.*1024.*2 reads.*dropped.*abababab/);
  });

  it('reports a read without an EPC instead of dropping it with a log line', () => {
    const out = run(new PortalEngine(CONFIG), [read(1, 0, -60, '')]);
    const errs = out.filter((d) => d.kind === 'reader') as Array<{ error?: string }>;
    expect(errs).toHaveLength(1);
    expect(errs[0]!.error).toMatch(/no EPC/);
  });

  it('summarises a flood of bad reads: one event per reader and problem per minute, with the count', () => {
    const e = new PortalEngine(CONFIG);
    const out: EventDraft[] = [];
    for (let t = 0; t < 150_000; t += 100) {
      e.ingest(read(1, t, 70, '30340242201d8840009efdf7'));
      out.push(...e.tick(T0 + t));
    }
    out.push(...e.tick(T0 + 200_000));
    const errs = out.filter((d) => d.kind === 'reader') as Array<{ error?: string }>;
    expect(errs.length).toBeGreaterThanOrEqual(3);
    expect(errs.length).toBeLessThanOrEqual(4);
    const counted = errs.reduce((n, d) => n + Number(/on (\d+) reads?/.exec(d.error!)![1]), 0);
    expect(counted).toBe(1500);
  });
});
