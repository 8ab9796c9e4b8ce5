// gateway/portal — the portal engine: raw tag reads, GPI changes and a clock in; tag.pass, tag.arrive,
// tag.depart and door event drafts out. Pure: no timers, no I/O; the caller feeds `ingest`/`gpi` and calls
// `tick(now)` (every 100–500 ms) to collect what has been decided.
//
// Rules (per door, defaults in config.ts):
//  - accept a tag after `minReads` reads ≥ `minRssi` within `window`; its passage ends after `absence` without
//    a read; one tag.pass per passage; reads within `rearm` of the previous read after it closed are suppressed;
//  - direction from the order of the outside/inside RSSI peaks (power-weighted peak times) with a confidence,
//    overridden by the photo-eye order when the door has two beams (unless the RSSI peaks clearly say the
//    opposite: then the sensors disagree and it is `unknown`); `unknown` below `minDirectionConfidence`;
//  - a tag read at several doors goes to the door whose mean RSSI beats the others by `margin` dB with enough
//    reads; otherwise it is held for `hold` more, then reported with its candidate doors and a low confidence;
//  - doors with sensors read only in cycles: from door open / beam break until `settle` after the last new tag
//    once the door closed (beams cleared); door events report the sensor;
//  - at most `maxTrackedTags` tags are tracked; when full the least recently read one is evicted and counted
//    (an open passage evicted is reported first, never lost silently).

import type { Logger } from 'pino';
import { isoTs, type AntennaEvidence, type Direction, type EventDraft } from '../../protocols/events/index.js';
import type { GpiChange, TagRead } from '../../protocols/reads/index.js';
import { componentLogger, silentLogger } from '../../protocols/logging/index.js';
import { PortalConfigError, resolvePortalConfig, type PortalConfig, type ResolvedDoor, type ResolvedPortalConfig } from './config.js';
import { BeamLog, dopplerDirection, powerWeight, rssiDirection, type RssiDirection } from './direction.js';
import type { AntennaEvidenceDetail, LocationEvidence, PassageEvidence } from './evidence.js';
import { ReadGuard } from './read-guard.js';
import { F_ARRIVED, F_BOTH_BEFORE, F_HELD, F_INTERRUPTED, ST_ACTIVE, ST_COOLDOWN, ST_PENDING, TagTable } from './tag-table.js';

export interface PortalStats {
  /** Tags currently tracked (pending + open passages + cooling down). */
  trackedTags: number;
  pendingTags: number;
  openPassages: number;
  coolingTags: number;
  reads: number;
  /** Reads from an antenna or reader not in the config (ignored). */
  unknownAntennaReads: number;
  /** Reads at a gated door outside a read cycle (ignored). */
  gatedReads: number;
  /** Reads of a tag within `rearm` after its passage closed (ignored). */
  suppressedReads: number;
  accepted: number;
  /** Tags seen but never accepted (too few or too weak reads). */
  unaccepted: number;
  passes: number;
  passesIn: number;
  passesOut: number;
  passesUnknown: number;
  /** Passes whose door was never settled between candidates (reported with low confidence). */
  unsettled: number;
  /** Passes whose evidence spans a reader outage (interrupted: true). */
  interrupted: number;
  arrivals: number;
  departures: number;
  evictions: number;
  /** Evictions that closed an open passage early. */
  evictedPassages: number;
  doorCycles: number;
  beamCrossings: number;
  unknownGpi: number;
  /** Antenna aggregates in use (about tags × antennas). */
  antennaRecords: number;
}

export interface PortalEngineOptions {
  /** Called with the evidence of every decided passage (the replay tool's --explain). */
  explain?: (evidence: PassageEvidence) => void;
  /** First size of the tag arrays (they double up to maxTrackedTags). */
  initialCapacity?: number;
}

type CloseReason = PassageEvidence['closedBy'];

/** The highest confidence a pass whose evidence spans a reader outage may carry. */
export const INTERRUPTED_CONFIDENCE_CAP = 0.5;

const SIDE_OUT = 0;
const SIDE_IN = 1;
const SIDE_NONE = -1;

export class PortalEngine {
  readonly config: ResolvedPortalConfig;
  private readonly log: Logger;
  private readonly explainHook: ((e: PassageEvidence) => void) | undefined;
  private readonly tags: TagTable;
  private readonly guard = new ReadGuard();
  private latCur = 0;
  private latPrev = 0;
  private latStart = -Infinity;
  private out: EventDraft[] = [];

  // locations (doors and zones), by index
  private readonly doors: ResolvedDoor[];
  private readonly isZone: Uint8Array;
  private readonly pMinReads: Uint16Array;
  private readonly pWindow: Float64Array;
  private readonly pMinRssi: Float64Array;
  private readonly pAbsence: Float64Array;
  private readonly pRearm: Float64Array;
  private readonly pHold: Float64Array;
  private minAbsence: number;
  // read cycles
  private readonly gated: Uint8Array;
  private readonly cycleActive: Uint8Array;
  private readonly doorOpen: Int8Array; // -1 unknown, 0 closed, 1 open
  private readonly beamBroken: Uint8Array; // [loc*2 + side]
  private readonly idleSince: Float64Array; // door closed / beams clear since; NaN while open/broken
  private readonly lastNewTag: Float64Array;
  private readonly beams: (BeamLog | undefined)[];
  private readonly gpiPorts = new Map<string, { loc: number; what: 'door' | 'beamOutside' | 'beamInside'; level: boolean }>();

  // antennas, by index
  private readonly readerAnts = new Map<string, Int32Array>(); // reader → antenna number → index + 1
  private readonly antLoc: Uint16Array;
  private readonly antSide: Int8Array;
  private readonly antReader: string[];
  private readonly antNumber: Uint16Array;
  private lastReader: string | undefined;
  private lastTable: Int32Array | undefined;
  private readonly warnedUnknown = new Set<string>();
  // reader outages
  private readonly readerLocs = new Map<string, number[]>();
  private readonly readersDown = new Set<string>();
  private readonly locDown: Uint16Array;

  // scratch for closing a passage (per location)
  private readonly sReads: Float64Array;
  private readonly sSumRssi: Float64Array;
  private readonly sTouched: Int32Array;

  private readonly st = {
    reads: 0,
    unknownAntennaReads: 0,
    gatedReads: 0,
    suppressedReads: 0,
    accepted: 0,
    unaccepted: 0,
    passes: 0,
    passesIn: 0,
    passesOut: 0,
    passesUnknown: 0,
    unsettled: 0,
    interrupted: 0,
    arrivals: 0,
    departures: 0,
    evictions: 0,
    evictedPassages: 0,
    doorCycles: 0,
    unknownGpi: 0,
  };

  constructor(config: PortalConfig | ResolvedPortalConfig, log?: Logger, options: PortalEngineOptions = {}) {
    this.config = resolvePortalConfig(config);
    this.log = componentLogger(log ?? silentLogger(), 'portal');
    this.explainHook = options.explain;
    this.tags = new TagTable(this.config.maxTrackedTags, options.initialCapacity ?? 1024);
    const doors = (this.doors = this.config.doors);
    const n = doors.length;
    this.isZone = Uint8Array.from(doors, (d) => (d.kind === 'zone' ? 1 : 0));
    this.pMinReads = Uint16Array.from(doors, (d) => d.minReads);
    this.pWindow = Float64Array.from(doors, (d) => d.window);
    this.pMinRssi = Float64Array.from(doors, (d) => d.minRssi);
    this.pAbsence = Float64Array.from(doors, (d) => d.absence);
    this.pRearm = Float64Array.from(doors, (d) => Math.max(d.rearm, d.absence));
    this.pHold = Float64Array.from(doors, (d) => d.hold);
    this.minAbsence = Math.min(...doors.map((d) => d.absence));
    this.gated = Uint8Array.from(doors, (d) => (d.sensors.door || d.sensors.beamOutside ? 1 : 0));
    this.cycleActive = new Uint8Array(n);
    this.doorOpen = new Int8Array(n).fill(-1);
    this.beamBroken = new Uint8Array(n * 2);
    this.idleSince = new Float64Array(n).fill(NaN);
    this.lastNewTag = new Float64Array(n).fill(-Infinity);
    this.beams = doors.map((d) => (d.sensors.beamOutside ? new BeamLog(d.beamWindow) : undefined));
    doors.forEach((d, loc) => {
      for (const what of ['door', 'beamOutside', 'beamInside'] as const) {
        const s = d.sensors[what];
        if (!s) continue;
        const level = 'openState' in s ? s.openState : s.brokenState;
        this.gpiPorts.set(`${s.reader}#${s.port}`, { loc, what, level });
      }
    });
    const ants = doors.flatMap((d, loc) => d.antennas.map((a) => ({ ...a, loc })));
    this.antLoc = Uint16Array.from(ants, (a) => a.loc);
    this.antSide = Int8Array.from(ants, (a) => (a.side === 'outside' ? SIDE_OUT : a.side === 'inside' ? SIDE_IN : SIDE_NONE));
    this.antReader = ants.map((a) => a.reader);
    this.antNumber = Uint16Array.from(ants, (a) => a.antenna);
    const maxAnt = new Map<string, number>();
    for (const a of ants) maxAnt.set(a.reader, Math.max(maxAnt.get(a.reader) ?? 0, a.antenna));
    for (const [reader, max] of maxAnt) this.readerAnts.set(reader, new Int32Array(max + 1));
    ants.forEach((a, i) => {
      this.readerAnts.get(a.reader)![a.antenna] = i + 1;
    });
    for (const a of ants) {
      const locs = this.readerLocs.get(a.reader) ?? [];
      if (!locs.includes(a.loc)) locs.push(a.loc);
      this.readerLocs.set(a.reader, locs);
    }
    this.locDown = new Uint16Array(n);
    this.sReads = new Float64Array(n);
    this.sSumRssi = new Float64Array(n);
    this.sTouched = new Int32Array(n);
  }

  /**
   * New tuning, same layout (the daemon's SIGHUP): the parameters of every door change in place, tracked tags and open
   * passages carry on under them. Throws PortalConfigError when doors, antennas, sensors or maxTrackedTags differ
   * (that needs a restart). A changed beamWindow starts that door's photo-eye log afresh.
   */
  retune(config: PortalConfig | ResolvedPortalConfig): void {
    const next = resolvePortalConfig(config);
    const layout = (c: ResolvedPortalConfig) => JSON.stringify([c.maxTrackedTags, c.doors.map((d) => [d.id, d.kind, d.antennas, d.sensors])]);
    if (layout(next) !== layout(this.config)) throw new PortalConfigError('doors', 'doors, antennas, sensors or maxTrackedTags changed: that needs a restart');
    next.doors.forEach((d, loc) => {
      const door = this.doors[loc]!;
      if (d.beamWindow !== door.beamWindow && this.beams[loc]) this.beams[loc] = new BeamLog(d.beamWindow);
      Object.assign(door, d);
      this.pMinReads[loc] = d.minReads;
      this.pWindow[loc] = d.window;
      this.pMinRssi[loc] = d.minRssi;
      this.pAbsence[loc] = d.absence;
      this.pRearm[loc] = Math.max(d.rearm, d.absence);
      this.pHold[loc] = d.hold;
    });
    this.minAbsence = Math.min(...this.doors.map((d) => d.absence));
  }

  // ───────────────────────────── hot path ─────────────────────────────

  /**
   * One raw read. Events it completes (an earlier passage of the same tag, an eviction) come out of `tick`. Returns
   * whether the read is evidence of an undecided passage (what the read journal keeps), false when it was ignored.
   */
  ingest(input: TagRead): boolean {
    this.st.reads++;
    const read = this.guard.check(input);
    if (read === undefined) return false;
    const reader = read.reader;
    let table = this.lastTable;
    if (reader !== this.lastReader || table === undefined) {
      table = this.readerAnts.get(reader);
      if (table === undefined) return this.unknownAntenna(read);
      this.lastReader = reader;
      this.lastTable = table;
    }
    const a = read.antenna;
    const ant = a >= 0 && a < table.length ? table[a]! - 1 : -1;
    if (ant < 0) return this.unknownAntenna(read);
    const loc = this.antLoc[ant]!;
    if (this.gated[loc] === 1 && this.cycleActive[loc] === 0) {
      this.st.gatedReads++;
      return false;
    }
    const t = read.ts;
    const arrival = read.arrival ?? t;
    this.noteLatency(arrival - t, arrival);
    let rssi = read.rssi;
    if (!(rssi === rssi)) rssi = this.pMinRssi[loc]!; // no RSSI reported: counts, at the threshold
    const T = this.tags;
    let s = T.index.get(read.epc);
    if (s === undefined) {
      if (T.full) this.evictOldest();
      s = T.add(read.epc);
      this.startPassage(s, loc, t, read.readerTs);
    } else {
      const state = T.state[s]!;
      const gap = t - T.lastSeen[s]!;
      if (state === ST_COOLDOWN) {
        if (gap < this.pRearm[T.loc[s]!]!) {
          if (gap > 0) T.lastSeen[s] = t;
          T.lastArrival[s] = arrival;
          T.touch(s);
          this.st.suppressedReads++;
          return false;
        }
        this.startPassage(s, loc, t, read.readerTs);
      } else {
        const l0 = T.loc[s]!;
        const deadline = this.pAbsence[l0]! + ((T.flags[s]! & F_HELD) !== 0 ? this.pHold[l0]! : 0);
        if (gap >= deadline) {
          // The passage ended before this read arrived (tick not called since): decide it first.
          if (state === ST_PENDING) {
            this.st.unaccepted++;
            T.releaseAntennas(s);
            this.startPassage(s, loc, t, read.readerTs);
          } else if (this.closePassage(s, 'absence')) {
            if (gap < this.pRearm[l0]!) {
              T.lastSeen[s] = t;
              T.lastArrival[s] = arrival;
              T.touch(s);
              this.st.suppressedReads++;
              return false;
            }
            this.startPassage(s, loc, t, read.readerTs);
          }
          // else: held for more evidence, and this read is more evidence
        }
      }
    }
    if (read.tid !== undefined && !T.tid.has(s)) T.tid.set(s, read.tid);
    // aggregate
    if (t > T.lastSeen[s]!) T.lastSeen[s] = t;
    T.lastArrival[s] = arrival;
    T.reads[s]!++;
    T.touch(s);
    const rel = t - T.firstSeen[s]!;
    const r = T.antennaRecord(s, ant);
    if (r >= 0) {
      T.aReads[r]!++;
      T.aSumRssi[r]! += rssi;
      const w = powerWeight(rssi);
      T.aSumW[r]! += w;
      T.aSumWT[r]! += w * rel;
      const f = read.doppler;
      if (f !== undefined && f === f && T.aDopReads[r]! < 65535) {
        T.aDopReads[r]!++;
        T.aSumWF[r]! += w;
        T.aSumWD[r]! += w * f;
      }
      if (rssi > T.aPeak[r]!) {
        T.aPeak[r] = rssi;
        T.aPeakT[r] = rel;
      }
    }
    if (T.state[s] === ST_PENDING && rssi >= this.pMinRssi[loc]!) this.qualify(s, loc, rel, t);
    return true;
  }

  /** Report latency (arrival − reader time, ms): the largest over the current and the previous minute. */
  private noteLatency(lat: number, arrival: number): void {
    if (arrival - this.latStart >= 60_000) {
      this.latPrev = this.latCur;
      this.latCur = 0;
      this.latStart = arrival;
    }
    if (lat > this.latCur) this.latCur = lat;
  }

  private latency(): number {
    return Math.max(this.latCur, this.latPrev);
  }

  private startPassage(s: number, loc: number, t: number, readerTs: number): void {
    const T = this.tags;
    T.state[s] = ST_PENDING;
    T.flags[s] = 0;
    T.loc[s] = loc;
    T.firstSeen[s] = t;
    T.lastSeen[s] = t;
    T.readerFirst[s] = readerTs;
    T.reads[s] = 0;
    T.qualCount[s] = 0;
    if (T.antHead[s]! >= 0) T.releaseAntennas(s);
    if (this.locDown[loc]! > 0) T.flags[s] = F_INTERRUPTED; // a reader of this door is down: the evidence is partial
  }

  /** A read at or above minRssi: count it in the acceptance window; accept at minReads. */
  private qualify(s: number, loc: number, rel: number, t: number): void {
    const T = this.tags;
    const win = this.pWindow[loc]!;
    const c = T.qualCount[s]!;
    if (c === 0 || rel - T.qualFirst[s]! > win) {
      // window expired: restart it at the previous qualifying read if that is still within reach
      if (c > 0 && rel - T.qualLast[s]! <= win) {
        T.qualFirst[s] = T.qualLast[s]!;
        T.qualCount[s] = 2;
      } else {
        T.qualFirst[s] = rel;
        T.qualCount[s] = 1;
      }
    } else if (c < 65535) T.qualCount[s] = c + 1;
    T.qualLast[s] = rel;
    if (T.qualCount[s]! >= this.pMinReads[loc]!) {
      T.state[s] = ST_ACTIVE;
      T.loc[s] = loc;
      this.st.accepted++;
      if (this.gated[loc] === 1) this.lastNewTag[loc] = Math.max(this.lastNewTag[loc]!, t);
      if (this.isZone[loc] === 1 || this.doors[loc]!.earlyArrive) this.emitArrive(s, loc);
    }
  }

  private unknownAntenna(read: TagRead): false {
    this.st.unknownAntennaReads++;
    const key = `${read.reader}#${read.antenna}`;
    if (this.warnedUnknown.size < 256 && !this.warnedUnknown.has(key)) {
      this.warnedUnknown.add(key);
      this.log.warn({ reader: read.reader, antenna: read.antenna }, 'read from an antenna that belongs to no door or zone: ignored');
    }
    return false;
  }

  // ───────────────────────────── reader outages ─────────────────────────────

  /**
   * A reader's link dropped or went silent at `ts`: every open passage at a door or zone it serves (or with reads from
   * it) is marked interrupted, remembering whether both sides had been seen by then; passages starting there before
   * readerUp are marked too.
   */
  readerDown(reader: string, ts: number): void {
    if (this.readersDown.has(reader)) return;
    this.readersDown.add(reader);
    const locs = this.readerLocs.get(reader) ?? [];
    for (const l of locs) this.locDown[l]!++;
    const T = this.tags;
    let marked = 0;
    for (let s = T.lruHead; s >= 0; s = T.next[s]!) {
      const state = T.state[s];
      if (state !== ST_ACTIVE && state !== ST_PENDING) continue;
      let touched = locs.includes(T.loc[s]!);
      let outside = false;
      let inside = false;
      for (let r = T.antHead[s]!; r >= 0; r = T.aNext[r]!) {
        const ai = T.aAnt[r]!;
        if (this.antReader[ai] === reader) touched = true;
        if (this.antSide[ai] === SIDE_OUT) outside = true;
        else if (this.antSide[ai] === SIDE_IN) inside = true;
      }
      if (!touched) continue;
      const f = T.flags[s]!;
      if ((f & F_INTERRUPTED) === 0 && outside && inside) T.flags[s] = f | F_INTERRUPTED | F_BOTH_BEFORE;
      else T.flags[s] = f | F_INTERRUPTED;
      marked++;
    }
    this.log.info({ reader, ts, interruptedPassages: marked }, 'reader outage: open passages at its doors are marked interrupted');
  }

  /** The reader is reading again. */
  readerUp(reader: string, _ts: number): void {
    if (!this.readersDown.delete(reader)) return;
    for (const l of this.readerLocs.get(reader) ?? []) this.locDown[l]!--;
  }

  // ───────────────────────────── sensors ─────────────────────────────

  /** A GPI change. Door contacts produce `door` events; photo-eyes start read cycles and give direction. */
  gpi(change: GpiChange): void {
    const port = this.gpiPorts.get(`${change.reader}#${change.port}`);
    if (port === undefined) {
      this.st.unknownGpi++;
      return;
    }
    const { loc, what, level } = port;
    const door = this.doors[loc]!;
    const active = change.state === level;
    const ts = change.ts;
    if (what === 'door') {
      const was = this.doorOpen[loc];
      if (was === (active ? 1 : 0)) return; // no change
      this.doorOpen[loc] = active ? 1 : 0;
      this.out.push({ kind: 'door', door: door.id, state: active ? 'open' : 'closed', reader: change.reader, gpi: change.port });
      if (active) this.startCycle(loc, ts);
      else this.idleSince[loc] = ts;
      return;
    }
    const side = what === 'beamOutside' ? 0 : 1;
    const i = loc * 2 + side;
    if (active) {
      if (this.beamBroken[i] === 1) return;
      this.beamBroken[i] = 1;
      const crossing = this.beams[loc]!.broke(side, ts);
      if (crossing) this.log.debug({ door: door.id, direction: crossing, ts }, 'beam crossing');
      this.startCycle(loc, ts);
    } else {
      if (this.beamBroken[i] === 0) return;
      this.beamBroken[i] = 0;
      if (!door.sensors.door && this.beamBroken[loc * 2] === 0 && this.beamBroken[loc * 2 + 1] === 0) this.idleSince[loc] = ts;
    }
  }

  private startCycle(loc: number, ts: number): void {
    this.idleSince[loc] = this.doors[loc]!.sensors.door && this.doorOpen[loc] !== 1 ? ts : NaN;
    if (this.cycleActive[loc] === 1) return;
    this.cycleActive[loc] = 1;
    this.lastNewTag[loc] = ts;
    this.st.doorCycles++;
    this.log.debug({ door: this.doors[loc]!.id, ts }, 'read cycle started');
  }

  // ───────────────────────────── the clock ─────────────────────────────

  /**
   * Advance the clock: close passages quiet for `absence`, end read cycles, forget cooled-down tags.
   * Returns every event decided since the last call (door events, arrivals, passes, departures), in order.
   */
  tick(nowMs: number): EventDraft[] {
    const T = this.tags;
    let s = T.lruHead;
    const latency = this.latency();
    while (s >= 0) {
      const next = T.next[s]!;
      const arrived = T.lastArrival[s]!;
      if (arrived + this.minAbsence > nowMs) break; // the list is in order of arrival
      // Timeouts run on arrival: quiet for `absence` since the later of the last report about the tag and its last
      // read plus the reports' recent latency (a reader that holds reports gets that long to deliver the rest).
      const last = Math.max(arrived, T.lastSeen[s]! + latency);
      const loc = T.loc[s]!;
      const state = T.state[s]!;
      if (state === ST_ACTIVE) {
        const deadline = last + this.pAbsence[loc]! + ((T.flags[s]! & F_HELD) !== 0 ? this.pHold[loc]! : 0);
        if (deadline <= nowMs) this.closePassage(s, 'absence');
      } else if (state === ST_PENDING) {
        if (last + this.pAbsence[loc]! <= nowMs) {
          this.st.unaccepted++;
          T.remove(s);
        }
      } else if (state === ST_COOLDOWN && last + this.pRearm[loc]! <= nowMs) {
        T.remove(s);
      }
      s = next;
    }
    for (let loc = 0; loc < this.doors.length; loc++) {
      if (this.cycleActive[loc] !== 1) continue;
      const idle = this.idleSince[loc]!;
      if (idle !== idle) continue; // door open or a beam broken
      if (nowMs >= Math.max(idle, this.lastNewTag[loc]!) + this.doors[loc]!.settle) this.endCycle(loc, nowMs);
    }
    this.guard.drain(nowMs, this.out);
    const out = this.out;
    this.out = [];
    return out;
  }

  /** Close every open passage now (shutdown, end of a recording). */
  flush(): EventDraft[] {
    const T = this.tags;
    for (let s = T.lruHead; s >= 0; ) {
      const next = T.next[s]!;
      if (T.state[s] === ST_ACTIVE) this.closePassage(s, 'flush');
      else if (T.state[s] === ST_PENDING) {
        this.st.unaccepted++;
        T.remove(s);
      }
      s = next;
    }
    this.guard.drainAll(this.out);
    const out = this.out;
    this.out = [];
    return out;
  }

  private endCycle(loc: number, nowMs: number): void {
    this.cycleActive[loc] = 0;
    const T = this.tags;
    let closed = 0;
    for (let s = T.lruHead; s >= 0; ) {
      const next = T.next[s]!;
      if (T.loc[s] === loc) {
        if (T.state[s] === ST_ACTIVE) {
          this.closePassage(s, 'cycle');
          closed++;
        } else if (T.state[s] === ST_PENDING) {
          this.st.unaccepted++;
          T.remove(s);
        }
      }
      s = next;
    }
    this.log.debug({ door: this.doors[loc]!.id, ts: nowMs, closed }, 'read cycle ended');
  }

  private evictOldest(): void {
    const T = this.tags;
    const s = T.lruHead;
    if (s < 0) throw new Error('portal: table full but LRU list empty');
    const state = T.state[s]!;
    if (state === ST_ACTIVE) {
      this.closePassage(s, 'evicted');
      this.st.evictedPassages++;
    } else if (state === ST_PENDING) this.st.unaccepted++;
    T.remove(s);
    this.st.evictions++;
    if (this.st.evictions === 1 || this.st.evictions % 10_000 === 0)
      this.log.warn(
        { evictions: this.st.evictions, evictedPassages: this.st.evictedPassages, maxTrackedTags: T.maxTags },
        'portal tag table full: evicting the least recently read tag (raise maxTrackedTags?)',
      );
  }

  // ───────────────────────────── decisions ─────────────────────────────

  /**
   * Decide a passage: which door (or zone), which way, how sure; emit it; move the tag to cool-down.
   * Returns false when the door is not settled and the passage is held for more evidence instead.
   */
  private closePassage(s: number, reason: CloseReason): boolean {
    const T = this.tags;
    // per-location totals
    const sReads = this.sReads;
    const sSum = this.sSumRssi;
    let nTouched = 0;
    for (let r = T.antHead[s]!; r >= 0; r = T.aNext[r]!) {
      const l = this.antLoc[T.aAnt[r]!]!;
      if (sReads[l] === 0) this.sTouched[nTouched++] = l;
      sReads[l]! += T.aReads[r]!;
      sSum[l]! += T.aSumRssi[r]!;
    }
    let best = -1;
    let bestMean = -Infinity;
    let second = -Infinity;
    let anyBest = -1;
    let anyBestMean = -Infinity;
    for (let k = 0; k < nTouched; k++) {
      const l = this.sTouched[k]!;
      const mean = sSum[l]! / sReads[l]!;
      if (mean > anyBestMean) {
        anyBestMean = mean;
        anyBest = l;
      }
      if (sReads[l]! < this.pMinReads[l]!) continue;
      if (mean > bestMean) {
        second = bestMean;
        bestMean = mean;
        best = l;
      } else if (mean > second) second = mean;
    }
    const eligible = best >= 0;
    const winner = eligible ? best : anyBest;
    const margin = eligible ? bestMean - second : NaN; // Infinity when no eligible runner-up
    const settled = eligible && (second === -Infinity || margin >= this.doors[winner]!.margin);
    const held = (T.flags[s]! & F_HELD) !== 0;
    const interrupted = (T.flags[s]! & F_INTERRUPTED) !== 0;
    if (!settled && reason === 'absence' && !held && this.pHold[T.loc[s]!]! > 0) {
      for (let k = 0; k < nTouched; k++) {
        const l = this.sTouched[k]!;
        sReads[l] = 0;
        sSum[l] = 0;
      }
      T.flags[s]! |= F_HELD;
      return false;
    }
    // attribution confidence
    const door = this.doors[winner]!;
    let attribution: number;
    const winnerReads = sReads[winner]!;
    if (settled) {
      attribution =
        second === -Infinity
          ? 0.6 + 0.4 * Math.min(1, winnerReads / (2 * door.minReads))
          : Math.min(1, 0.6 + 0.4 * (margin / (2 * Math.max(door.margin, 1))));
    } else {
      const m = eligible && Number.isFinite(margin) ? margin : 0;
      attribution = 0.1 + 0.2 * Math.min(1, m / Math.max(door.margin, 1));
    }
    const candidates: string[] = [];
    if (!settled) for (let k = 0; k < nTouched && candidates.length < 16; k++) candidates.push(this.doors[this.sTouched[k]!]!.id);

    // evidence at the winning location
    const antennas: AntennaEvidence[] = [];
    let peak = -Infinity;
    const outAgg = { reads: 0, sumW: 0, sumWT: 0, dopplerReads: 0, sumWF: 0, sumWD: 0 };
    const inAgg = { reads: 0, sumW: 0, sumWT: 0, dopplerReads: 0, sumWF: 0, sumWD: 0 };
    for (let r = T.antHead[s]!; r >= 0; r = T.aNext[r]!) {
      const ai = T.aAnt[r]!;
      if (this.antLoc[ai] !== winner) continue;
      const p = T.aPeak[r]!;
      antennas.push({ reader: this.antReader[ai]!, antenna: this.antNumber[ai]!, reads: T.aReads[r]!, peakRssi: p });
      if (p > peak) peak = p;
      const side = this.antSide[ai];
      const agg = side === SIDE_OUT ? outAgg : side === SIDE_IN ? inAgg : undefined;
      if (agg) {
        agg.reads += T.aReads[r]!;
        agg.sumW += T.aSumW[r]!;
        agg.sumWT += T.aSumWT[r]!;
        agg.dopplerReads += T.aDopReads[r]!;
        agg.sumWF += T.aSumWF[r]!;
        agg.sumWD += T.aSumWD[r]!;
      }
    }
    antennas.reverse(); // the list is newest-first; report in order of first read
    const firstSeen = T.firstSeen[s]!;
    const lastSeen = T.lastSeen[s]!;
    const epc = T.epc[s]!;
    const tid = T.tid.get(s);
    const emitted: PassageEvidence['emitted'] = [];

    let direction: Direction | undefined;
    let directionSource: PassageEvidence['directionSource'];
    let directionConfidence = 0;
    let rssi: RssiDirection | undefined;
    let beam: PassageEvidence['beam'];
    let sensorsDisagree = false;
    let confidence = attribution;
    const zoneFields = () => ({
      epc,
      ...(tid !== undefined ? { tid } : {}),
      firstSeen: isoTs(firstSeen),
      lastSeen: isoTs(lastSeen),
      reads: winnerReads,
      peakRssi: peak,
      antennas,
      confidence: round3(attribution),
    });
    const arrivedAt = (T.flags[s]! & F_ARRIVED) !== 0 ? T.loc[s]! : -1;
    if (arrivedAt >= 0 && this.isZone[arrivedAt] === 1 && arrivedAt !== winner) {
      // it arrived in a zone but turned out to belong elsewhere: close the zone visit all the same
      this.out.push({ kind: 'tag.depart', zone: this.doors[arrivedAt]!.id, ...zoneFields() });
      this.st.departures++;
      emitted.push('tag.depart');
    }
    if (door.kind === 'zone') {
      if (arrivedAt !== winner) {
        this.out.push({ kind: 'tag.arrive', zone: door.id, ...zoneFields() });
        this.st.arrivals++;
        emitted.push('tag.arrive');
      }
      this.out.push({ kind: 'tag.depart', zone: door.id, ...zoneFields() });
      this.st.departures++;
      emitted.push('tag.depart');
    } else {
      rssi = rssiDirection(outAgg, inAgg, lastSeen - firstSeen, door.minDirectionConfidence);
      // where the reader reports Doppler, it votes beside the RSSI peaks (without it, nothing changes)
      if (outAgg.dopplerReads + inAgg.dopplerReads > 0) rssi = dopplerDirection(rssi, outAgg, inAgg, door.minDirectionConfidence);
      direction = rssi.direction;
      directionConfidence = rssi.confidence;
      directionSource = rssi.direction === 'unknown' ? 'none' : 'rssi';
      const beams = this.beams[winner];
      if (beams) {
        beam = beams.match(firstSeen + rssi.crossingAt, door.beamMatch);
        if (beam && !beam.conflict) {
          if (rssi.direction !== 'unknown' && rssi.direction !== beam.direction) {
            // the RSSI peaks clearly say the other way: the beams were likely broken by another pallet in the
            // door (a standing one, one passing alongside). Sensors disagree: say so rather than guess.
            direction = 'unknown';
            directionSource = 'none';
            directionConfidence = 0;
            sensorsDisagree = true;
          } else {
            direction = beam.direction;
            directionSource = 'beam';
            directionConfidence = rssi.direction === beam.direction ? Math.max(0.95, rssi.confidence) : 0.9;
          }
        }
      }
      if (interrupted && (T.flags[s]! & F_BOTH_BEFORE) === 0) {
        direction = 'unknown'; // the outage cut the evidence before both sides were seen: no direction to trust
        directionSource = 'none';
        directionConfidence = 0;
      }
      if (direction !== 'unknown') confidence = attribution * directionConfidence;
      if (interrupted) confidence = Math.min(confidence, INTERRUPTED_CONFIDENCE_CAP);
      this.out.push({
        kind: 'tag.pass',
        door: door.id,
        direction,
        epc,
        ...(tid !== undefined ? { tid } : {}),
        firstSeen: isoTs(firstSeen),
        lastSeen: isoTs(lastSeen),
        reads: winnerReads,
        peakRssi: peak,
        antennas,
        confidence: round3(confidence),
        ...(candidates.length > 0 ? { candidates } : {}),
        ...(Number.isFinite(T.readerFirst[s]!) && Math.abs(T.readerFirst[s]! - firstSeen) >= 1 ? { readerFirstSeen: isoTs(T.readerFirst[s]!) } : {}),
        ...(interrupted ? { interrupted: true as const } : {}),
      });
      if (interrupted) this.st.interrupted++;
      emitted.push('tag.pass');
      this.st.passes++;
      if (direction === 'in') this.st.passesIn++;
      else if (direction === 'out') this.st.passesOut++;
      else this.st.passesUnknown++;
    }
    if (!settled) this.st.unsettled++;

    if (this.explainHook || this.log.isLevelEnabled('debug')) {
      const evidence: PassageEvidence = {
        epc,
        emitted,
        location: door.id,
        closedBy: reason,
        firstSeen,
        lastSeen,
        reads: T.reads[s]!,
        antennas: this.antennaDetails(s),
        locations: Array.from(this.sTouched.subarray(0, nTouched), (l): LocationEvidence => ({
          id: this.doors[l]!.id,
          reads: sReads[l]!,
          meanRssi: sSum[l]! / sReads[l]!,
          eligible: sReads[l]! >= this.pMinReads[l]!,
        })),
        margin: nTouched > 1 && Number.isFinite(margin) ? margin : null,
        settled,
        held,
        attributionConfidence: attribution,
        confidence,
        ...(direction !== undefined ? { direction, directionSource, directionConfidence } : {}),
        ...(rssi
          ? { rssi: { outsideAt: rssi.outsideAt, insideAt: rssi.insideAt, separation: rssi.separation, confidence: rssi.confidence, crossingAt: rssi.crossingAt, ...(rssi.doppler !== undefined && Number.isFinite(rssi.doppler) ? { doppler: rssi.doppler } : {}) } }
          : {}),
        ...(beam ? { beam } : {}),
        ...(sensorsDisagree ? { sensorsDisagree } : {}),
      };
      this.log.debug({ evidence }, 'passage decided');
      this.explainHook?.(evidence);
    }
    for (let k = 0; k < nTouched; k++) {
      const l = this.sTouched[k]!;
      sReads[l] = 0;
      sSum[l] = 0;
    }
    T.releaseAntennas(s);
    T.state[s] = ST_COOLDOWN;
    T.flags[s] = 0;
    return true;
  }

  private emitArrive(s: number, loc: number): void {
    const T = this.tags;
    const antennas: AntennaEvidence[] = [];
    let peak = -Infinity;
    let reads = 0;
    for (let r = T.antHead[s]!; r >= 0; r = T.aNext[r]!) {
      const ai = T.aAnt[r]!;
      if (this.antLoc[ai] !== loc) continue;
      antennas.push({ reader: this.antReader[ai]!, antenna: this.antNumber[ai]!, reads: T.aReads[r]!, peakRssi: T.aPeak[r]! });
      reads += T.aReads[r]!;
      if (T.aPeak[r]! > peak) peak = T.aPeak[r]!;
    }
    antennas.reverse();
    const tid = T.tid.get(s);
    const door = this.doors[loc]!;
    this.out.push({
      kind: 'tag.arrive',
      zone: door.id,
      epc: T.epc[s]!,
      ...(tid !== undefined ? { tid } : {}),
      firstSeen: isoTs(T.firstSeen[s]!),
      lastSeen: isoTs(T.lastSeen[s]!),
      reads,
      peakRssi: peak,
      antennas,
      // an arrival is decided on minReads reads: as sure as acceptance, not as a settled passage
      confidence: 0.5,
    });
    T.flags[s]! |= F_ARRIVED;
    this.st.arrivals++;
  }

  private antennaDetails(s: number): AntennaEvidenceDetail[] {
    const T = this.tags;
    const out: AntennaEvidenceDetail[] = [];
    for (let r = T.antHead[s]!; r >= 0; r = T.aNext[r]!) {
      const ai = T.aAnt[r]!;
      const side = this.antSide[ai];
      out.push({
        reader: this.antReader[ai]!,
        antenna: this.antNumber[ai]!,
        location: this.doors[this.antLoc[ai]!]!.id,
        side: side === SIDE_OUT ? 'outside' : side === SIDE_IN ? 'inside' : undefined,
        reads: T.aReads[r]!,
        meanRssi: T.aSumRssi[r]! / T.aReads[r]!,
        peakRssi: T.aPeak[r]!,
        peakAt: T.aPeakT[r]!,
        centroidAt: T.aSumW[r]! > 0 ? T.aSumWT[r]! / T.aSumW[r]! : NaN,
      });
    }
    return out.reverse();
  }

  stats(): PortalStats {
    const T = this.tags;
    let pending = 0;
    let open = 0;
    let cooling = 0;
    for (let s = T.lruHead; s >= 0; s = T.next[s]!) {
      const state = T.state[s];
      if (state === ST_PENDING) pending++;
      else if (state === ST_ACTIVE) open++;
      else if (state === ST_COOLDOWN) cooling++;
    }
    return {
      trackedTags: T.size,
      pendingTags: pending,
      openPassages: open,
      coolingTags: cooling,
      ...this.st,
      beamCrossings: this.beams.reduce((n, b) => n + (b?.crossings ?? 0), 0),
      antennaRecords: T.aUsed,
    };
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
