// gateway/daemon — reader clocks: a large offset is logged once (and cleared with hysteresis), the largest is what
// status shows, and tag.pass keeps readerFirstSeen only when the reader's time differs by more than the threshold.
import { describe, expect, it } from 'vitest';
import { isoTs, type EventDraft } from '../../protocols/events/index.js';
import { captureLogger } from '../../protocols/logging/capture.js';
import { ReaderClocks } from './clock.js';

const T = Date.UTC(2026, 10, 22, 10, 0, 0);
const pass = (readerOffsetMs: number): EventDraft => ({
  kind: 'tag.pass', door: 'd1', direction: 'in', epc: '3034', firstSeen: isoTs(T), lastSeen: isoTs(T + 900), reads: 9, peakRssi: -50, antennas: [], confidence: 0.9,
  readerFirstSeen: isoTs(T + readerOffsetMs),
});

describe('ReaderClocks', () => {
  it('warns once when a reader is further off than offsetWarnMs, clears below half of it, reports the largest', () => {
    const { logger, lines } = captureLogger();
    let changes = 0;
    const c = new ReaderClocks({ offsetWarnMs: 2000, keepReaderTimeMs: 500 }, logger, () => changes++);
    expect(c.largest()).toBeUndefined();
    c.observe('r1', 40);
    c.observe('r2', -14_000);
    c.observe('r2', -14_100);
    c.observe('r1', undefined);
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([
      "reader r2's clock is 14.0 s behind the gateway's: events carry the gateway's time, tag.pass keeps the reader's as readerFirstSeen; check the reader's NTP",
    ]);
    expect(c.largest()).toBe(-14_100);
    expect(c.offReaders()).toEqual(['r2']);
    c.observe('r2', 1500); // under the threshold, above half of it: still flagged
    expect(c.offReaders()).toEqual(['r2']);
    c.observe('r2', 900);
    expect(c.offReaders()).toEqual([]);
    expect(lines.at(-1)!.msg).toBe("reader r2's clock is back within 2000 ms of the gateway's");
    expect(changes).toBe(2);
    expect(c.largest()).toBe(900);
  });

  it('keeps readerFirstSeen only beyond keepReaderTimeMs', () => {
    const c = new ReaderClocks({ offsetWarnMs: 2000, keepReaderTimeMs: 500 }, captureLogger().logger);
    expect(c.stamp(pass(30))).not.toHaveProperty('readerFirstSeen');
    expect(c.stamp(pass(-500))).not.toHaveProperty('readerFirstSeen');
    expect(c.stamp(pass(14_000))).toMatchObject({ readerFirstSeen: isoTs(T + 14_000) });
    const door: EventDraft = { kind: 'door', door: 'd1', state: 'open' };
    expect(c.stamp(door)).toBe(door);
    expect(() => new ReaderClocks({ offsetWarnMs: 0, keepReaderTimeMs: 1 }, captureLogger().logger)).toThrow(/offsetWarnMs must be > 0/);
  });
});
