// scripts — the replay tool: each input line shape parses, bad lines are named, and a real run prints events.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseLine } from './portal-replay.js';

describe('portal-replay parseLine', () => {
  it('reads TagReads, simulated reads and GPI changes', () => {
    expect(parseLine('{"reader":"r1","antenna":2,"epc":"30AB","rssi":-61,"ts":1000,"tid":"E280"}', 0)).toEqual({
      kind: 'read',
      ts: 1000,
      read: { reader: 'r1', antenna: 2, epc: '30ab', rssi: -61, ts: 1000, readerTs: NaN, count: 1, tid: 'e280' },
    });
    expect(parseLine('{"t":5,"reader":"r1","antenna":1,"epc":"30ab","rssi":-70}', 100)).toMatchObject({ kind: 'read', ts: 105 });
    expect(parseLine('{"t":5,"reader":"r1","port":2,"state":true}', 100)).toEqual({ kind: 'gpi', ts: 105, gpi: { reader: 'r1', port: 2, state: true, ts: 105 } });
  });

  it.each([
    ['nope', /not JSON/],
    ['[1]', /not a JSON object/],
    ['{"reader":"r1","antenna":1,"epc":"30ab"}', /ts/],
    ['{"ts":1,"antenna":1,"epc":"30ab"}', /reader/],
    ['{"ts":1,"reader":"r1","antenna":1,"epc":"30a"}', /epc/],
    ['{"ts":1,"reader":"r1","antenna":"1","epc":"30ab"}', /antenna/],
    ['{"ts":1,"reader":"r1","port":2,"state":"on"}', /state/],
  ])('names the problem in %s', (line, re) => {
    expect(parseLine(line, 0)).toMatch(re);
  });

  it('replays a seeded scenario end to end and scores it', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/portal-replay.ts', '--seed', '3', '--doors', '2'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const events = out.trim().split('\n').map((l) => JSON.parse(l));
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.kind === 'tag.pass' && typeof e.epc === 'string')).toBe(true);
  });
});
