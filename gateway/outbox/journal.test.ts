// gateway/outbox — the read journal: survives a reopen, leaves with its pass in the pass's own transaction (a later
// passage of the same tag stays), and stays bounded by age and rows.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isoTs, type EventDraft } from '../../protocols/events/index.js';
import { silentLogger } from '../../protocols/logging/index.js';
import type { TagRead } from '../../protocols/reads/index.js';
import { Outbox } from './outbox.js';

const T = Date.UTC(2026, 11, 5, 8);
const dir = mkdtempSync(join(tmpdir(), 'journal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const read = (epc: string, t: number): TagRead => ({ reader: 'r1', antenna: 1, epc, rssi: -55.5, ts: T + t + 0.25, arrival: T + t + 40, readerTs: NaN, count: 1 });
const pass = (epc: string, first: number, last: number): EventDraft => ({
  kind: 'tag.pass', door: 'd1', direction: 'in', epc, firstSeen: isoTs(T + first), lastSeen: isoTs(T + last + 0.25), reads: 2, peakRssi: -50,
  antennas: [{ reader: 'r1', antenna: 1, reads: 2, peakRssi: -50 }], confidence: 0.9,
});

describe('read journal', () => {
  it('keeps reads across a reopen and drops a tag\'s reads with its stored pass, not a later passage\'s', () => {
    const path = join(dir, 'o.db');
    let o = Outbox.open({ path, logger: silentLogger() });
    o.journal.append([read('aa', 0), read('bb', 10), read('aa', 100)]);
    o.close();
    o = Outbox.open({ path, logger: silentLogger() });
    expect(o.journal.reads().map((r) => [r.epc, r.ts, r.arrival, r.rssi])).toEqual([
      ['aa', T + 0.25, T + 40, -55.5],
      ['bb', T + 10.25, T + 50, -55.5],
      ['aa', T + 100.25, T + 140, -55.5],
    ]);
    o.journal.append([read('aa', 20_000)]); // the next passage of aa, already begun
    o.append([pass('aa', 0, 100)], T + 5000);
    expect(o.journal.reads().map((r) => [r.epc, r.ts])).toEqual([
      ['bb', T + 10.25],
      ['aa', T + 20_000.25],
    ]);
    o.close();
  });

  it('is bounded: rows older than maxAgeMs and beyond maxRows go on prune', () => {
    const o = Outbox.open({ path: join(dir, 'b.db'), logger: silentLogger(), journal: { maxAgeMs: 60_000, maxRows: 5 } });
    o.journal.append(Array.from({ length: 10 }, (_, i) => read(`e${i}`, i * 10_000)));
    expect(o.journal.prune(T + 100_000)).toBe(5); // 4 older than a minute, then 1 over the cap
    expect(o.journal.reads().map((r) => r.epc)).toEqual(['e5', 'e6', 'e7', 'e8', 'e9']);
    o.close();
  });
});
