// gateway/portal — a naive reference engine, the yardstick for tests and the benchmark, never used in production.
// It does what the simple integrations do (EdgeX app-rfid-llrp-inventory style): a tag arrives on its first
// read, it sits at the door whose running mean RSSI is best (moving only when another beats it by 6 dB), its
// passage ends after 3 s without a read, and the direction is the side of its first read versus its last read.

import { isoTs, type Direction, type EventDraft } from '../../protocols/events/index.js';
import type { TagRead } from '../../protocols/reads/index.js';
import { resolvePortalConfig, type PortalConfig } from './config.js';

interface NaiveTag {
  firstSeen: number;
  lastSeen: number;
  firstSide: number;
  lastSide: number;
  reads: number;
  peak: number;
  door: number;
  /** per door: [sum, n] */
  means: Map<number, [number, number]>;
}

export class NaivePortal {
  private readonly tags = new Map<string, NaiveTag>();
  private readonly ant = new Map<string, { door: number; side: number }>();
  private readonly doorIds: string[];

  constructor(
    config: PortalConfig,
    private readonly absenceMs = 3000,
    private readonly offsetDb = 6,
  ) {
    const c = resolvePortalConfig(config);
    this.doorIds = c.doors.map((d) => d.id);
    c.doors.forEach((d, door) => {
      for (const a of d.antennas) this.ant.set(`${a.reader}#${a.antenna}`, { door, side: a.side === 'outside' ? 0 : a.side === 'inside' ? 1 : -1 });
    });
  }

  ingest(read: TagRead): void {
    const a = this.ant.get(`${read.reader}#${read.antenna}`);
    if (!a) return;
    let t = this.tags.get(read.epc);
    if (!t) {
      t = { firstSeen: read.ts, lastSeen: read.ts, firstSide: a.side, lastSide: a.side, reads: 0, peak: -Infinity, door: a.door, means: new Map() };
      this.tags.set(read.epc, t);
    }
    t.reads++;
    t.lastSeen = read.ts;
    if (a.door === t.door) t.lastSide = a.side;
    if (read.rssi > t.peak) t.peak = read.rssi;
    const m = t.means.get(a.door) ?? [0, 0];
    m[0] += read.rssi;
    m[1]++;
    t.means.set(a.door, m);
    const cur = t.means.get(t.door)!;
    if (a.door !== t.door && m[0] / m[1] >= cur[0] / cur[1] + this.offsetDb) {
      t.door = a.door;
      t.firstSide = a.side;
      t.lastSide = a.side;
    }
  }

  tick(nowMs: number): EventDraft[] {
    const out: EventDraft[] = [];
    for (const [epc, t] of this.tags) {
      if (t.lastSeen + this.absenceMs > nowMs) continue;
      this.tags.delete(epc);
      const direction: Direction = t.firstSide === 0 && t.lastSide === 1 ? 'in' : t.firstSide === 1 && t.lastSide === 0 ? 'out' : 'unknown';
      out.push({
        kind: 'tag.pass',
        door: this.doorIds[t.door]!,
        direction,
        epc,
        firstSeen: isoTs(t.firstSeen),
        lastSeen: isoTs(t.lastSeen),
        reads: t.reads,
        peakRssi: Number.isFinite(t.peak) ? t.peak : -100,
        antennas: [],
        confidence: 1,
      });
    }
    return out;
  }
}
