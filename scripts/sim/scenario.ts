// scripts/sim — the seeded dock-door scenario generator, shared by the portal engine's tests, the replay tool and
// the LLRP reader simulator: from a seed and a site (doors with antennas and sides) it makes a ReadStream (what
// the readers would report, and GPI changes) and the ground truth (which tag really passed which door, which way).
//
// Physics, kept simple but honest: door plane at x = 0, dock side x < 0, warehouse x > 0, doors along y.
// Antennas hang at 2.5 m on the door frame, tilted down 25°, the outside ones facing the dock, the inside ones
// the warehouse. Backscatter RSSI = -45 dBm at 1 m - 40·log10(d) + antenna pattern (cos² of the off-boresight
// angle, -15 dB back lobe) + the tag's orientation gain + a fixed multipath offset per tag and antenna + spatial
// fading (±3 dB standing waves) + read noise; 15 dB more when the path goes through the wall rather than a door
// opening; a reflection off the far side (mirror image, -12 dB) competes with the direct path. A reader multiplexes its antennas
// (one 25 ms dwell each, round robin), reads ~1,100 tags/s in total, shares that among the tags in its field,
// and misses reads near its sensitivity (-82 dBm). Pallets carry 1–200 tags spread over 1.2 × 1.0 × 1.5 m.
//
// With `doppler`, each read also carries the RF Doppler frequency an Impinj reader reports (ImpinjRFDopplerFrequency):
// -2·v_r/λ at 915 MHz, v_r the rate of change of the stronger path's length (the reflection's image moves the other
// way), plus noise that grows as the read weakens — drawn from its own seeded generator, so the reads, RSSI and
// truth are the same with and without it.
//
// EPCs are SGTIN-96 from protocols/epc (filter 2, GS1 example company prefix 0614141, a few item references).

import { encodeEpc } from '../../protocols/epc/index.js';
import type { GpiChange, TagRead } from '../../protocols/reads/index.js';
import type { ReadStream, SimGpi, SimRead } from './read-stream.js';
import { rng } from '../../runtime/rng.js';

export { rng };

export type Side = 'outside' | 'inside';
export type Direction = 'in' | 'out';

export interface SiteAntenna {
  reader: string;
  antenna: number;
  side: Side;
  /** Offset along the wall from the door's centre, m (default 0). */
  dy?: number;
}

export interface SiteDoor {
  id: string;
  /** Position of the door's centre along the wall, m. */
  y: number;
  antennas: SiteAntenna[];
  /** GPI ports of the door's sensors (reported by `sensorReader`, default the first antenna's reader). */
  sensors?: { door?: number; beamOutside?: number; beamInside?: number; reader?: string };
}

export interface Site {
  doors: SiteDoor[];
  /** Half the width of a door opening, m (default 1.5). */
  doorHalfWidth?: number;
}

export interface PassTruth {
  epc: string;
  door: string;
  direction: Direction;
  /** ms from scenario start: when the tag came within 4 m of the door plane, and when it left that band. */
  tStart: number;
  tEnd: number;
}

export interface MovementSummary {
  door: string;
  direction: Direction;
  tags: number;
  speed: number;
  /** ms from scenario start when the pallet's centre crosses the door plane (the first time). */
  crossAt: number;
  standMs: number;
  kind: 'single' | 'crossing' | 'standing' | 'bleed';
}

export interface Scenario {
  seed: number;
  stream: ReadStream;
  truth: PassTruth[];
  movements: MovementSummary[];
  durationMs: number;
}

export interface ScenarioOptions {
  /** Pallet movements (default 3–6). */
  movements?: number;
  /** Largest pallet (default 200). */
  maxTags?: number;
  /** Emit photo-eye GPI for doors that have beam ports (default true when the site has them). */
  photoEyes?: boolean;
  /** Emit door-contact GPI for doors that have a door port (default true when the site has them). */
  doorSensors?: boolean;
  /** Probability that a scenario includes two pallets crossing at one door (default 0.5). */
  crossingChance?: number;
  /** Probability that a movement stops in the doorway (default 0.25). */
  standChance?: number;
  /** Give each read its RF Doppler frequency (as Impinj readers report it); default false. */
  doppler?: boolean;
}

// ───────────────────────────── randomness ─────────────────────────────


function gauss(r: () => number): number {
  const u = Math.max(r(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

// ───────────────────────────── EPCs ─────────────────────────────

/** SGTIN-96 as 24 lowercase hex digits (company prefix 7 digits, item reference 6 digits incl. indicator). */
export function sgtin96(companyPrefix: number, itemRef: number, serial: number, filter = 2): string {
  const r = encodeEpc({
    scheme: 'sgtin-96',
    filter,
    companyPrefix: String(companyPrefix).padStart(7, '0'),
    reference: String(itemRef).padStart(6, '0'),
    serial: String(serial),
  });
  if (!r.ok) throw new RangeError(`sgtin96: ${r.reason}`);
  return r.hex;
}

// ───────────────────────────── sites ─────────────────────────────

/**
 * `n` adjacent doors `spacing` m apart, one reader each (`r1`, `r2`, …) with one outside and one inside antenna
 * (or two of each with `antennasPerSide: 2`), and optionally door contact (GPI 1) and photo-eyes (GPI 2, 3).
 */
export function dockSite(n: number, opts: { spacing?: number; antennasPerSide?: 1 | 2; door?: boolean; beams?: boolean } = {}): Site {
  const spacing = opts.spacing ?? 4;
  const per = opts.antennasPerSide ?? 1;
  return {
    doors: Array.from({ length: n }, (_, i): SiteDoor => {
      const reader = `r${i + 1}`;
      const antennas: SiteAntenna[] =
        per === 1
          ? [
              { reader, antenna: 1, side: 'outside' },
              { reader, antenna: 2, side: 'inside' },
            ]
          : [
              { reader, antenna: 1, side: 'outside', dy: -1 },
              { reader, antenna: 2, side: 'outside', dy: 1 },
              { reader, antenna: 3, side: 'inside', dy: -1 },
              { reader, antenna: 4, side: 'inside', dy: 1 },
            ];
      const sensors = opts.door || opts.beams ? { ...(opts.door ? { door: 1 } : {}), ...(opts.beams ? { beamOutside: 2, beamInside: 3 } : {}) } : undefined;
      return { id: `door-${i + 1}`, y: i * spacing, antennas, ...(sensors ? { sensors } : {}) };
    }),
  };
}

/** The portal engine config (doors, antennas, sensors) for a site; tuning left to the engine's defaults. */
export function portalDoorsFor(site: Site): {
  doors: {
    id: string;
    kind: 'door';
    antennas: { reader: string; antenna: number; side: Side }[];
    sensors?: { door?: { reader: string; port: number }; beamOutside?: { reader: string; port: number }; beamInside?: { reader: string; port: number } };
  }[];
} {
  return {
    doors: site.doors.map((d) => {
      const reader = d.sensors?.reader ?? d.antennas[0]!.reader;
      const s = d.sensors;
      const sensors = s
        ? {
            ...(s.door !== undefined ? { door: { reader, port: s.door } } : {}),
            ...(s.beamOutside !== undefined ? { beamOutside: { reader, port: s.beamOutside } } : {}),
            ...(s.beamInside !== undefined ? { beamInside: { reader, port: s.beamInside } } : {}),
          }
        : undefined;
      return {
        id: d.id,
        kind: 'door' as const,
        antennas: d.antennas.map((a) => ({ reader: a.reader, antenna: a.antenna, side: a.side })),
        ...(sensors ? { sensors } : {}),
      };
    }),
  };
}

// ───────────────────────────── physics ─────────────────────────────

const DT = 25; // ms: one antenna dwell
const READS_PER_SECOND = 1100; // per reader
const SENSITIVITY = -82; // dBm
const RANGE_X = 10; // m: pallets start and end this far from the door plane
const TRUTH_BAND = 4; // m: the passage window of the truth
const ANT_HEIGHT = 2.5;
const ANT_X = 0.2;
const BEAM_X = 0.4; // photo-eyes this far either side of the door plane
const PALLET_HALF_LENGTH = 0.6;
const FADE_DB = 3; // spatial fading as the tag moves through standing waves
const REFLECTION_DB = 12; // loss of the path reflected off the trailer / dock leveller (mirror image across the door plane)
const BACK_LOBE_DB = -15;

interface Ant {
  reader: string;
  antenna: number;
  x: number;
  y: number;
  z: number;
  fx: number;
  fz: number;
}

interface Tag {
  epc: string;
  dx: number;
  dy: number;
  z: number;
  gain: number;
  /** fixed multipath offset per antenna index, dB */
  mp: Float32Array;
  /** phase of the spatial fading per antenna index, rad; `fadePeriod` its period along x, m */
  fp: Float32Array;
  fadePeriod: number;
}

interface Move {
  door: number;
  direction: Direction;
  speed: number; // m/s
  t0: number; // ms: starts at x = ∓RANGE_X
  yOff: number;
  standX: number;
  standMs: number;
  tags: Tag[];
  kind: MovementSummary['kind'];
}

/** Signed position along x of a movement's pallet centre at time t (ms), or undefined when not in the scene. */
function palletX(m: Move, t: number): number | undefined {
  const sign = m.direction === 'in' ? 1 : -1;
  const v = m.speed / 1000; // m per ms
  const dt = t - m.t0;
  if (dt < 0) return undefined;
  const toStand = (RANGE_X + sign * m.standX) / v; // distance from start to the stand point
  let travelled: number;
  if (dt <= toStand) travelled = dt * v;
  else if (dt <= toStand + m.standMs) travelled = toStand * v;
  else travelled = (dt - m.standMs) * v;
  if (travelled > 2 * RANGE_X) return undefined;
  return sign * (travelled - RANGE_X);
}

/** Time (ms) at which a movement's pallet centre is at x (first time). */
function timeAtX(m: Move, x: number): number {
  const sign = m.direction === 'in' ? 1 : -1;
  const v = m.speed / 1000;
  const dist = RANGE_X + sign * x; // from the start
  const toStand = (RANGE_X + sign * m.standX) / v;
  const t = dist / v;
  return m.t0 + (t <= toStand ? t : t + m.standMs);
}

function moveEnd(m: Move): number {
  return m.t0 + (2 * RANGE_X) / (m.speed / 1000) + m.standMs;
}

// ───────────────────────────── the generator ─────────────────────────────

export function generateScenario(seed: number, site: Site, opts: ScenarioOptions = {}): Scenario {
  const r = rng(seed);
  const doors = site.doors;
  if (doors.length === 0) throw new Error('scenario: the site has no doors');
  const halfWidth = site.doorHalfWidth ?? 1.5;
  const ants: Ant[] = [];
  const readers = new Map<string, number[]>(); // reader → antenna indexes
  doors.forEach((d) => {
    for (const a of d.antennas) {
      const sign = a.side === 'outside' ? -1 : 1;
      const tilt = (25 * Math.PI) / 180;
      ants.push({ reader: a.reader, antenna: a.antenna, x: sign * ANT_X, y: d.y + (a.dy ?? 0), z: ANT_HEIGHT, fx: sign * Math.cos(tilt), fz: -Math.sin(tilt) });
      const list = readers.get(a.reader) ?? [];
      list.push(ants.length - 1);
      readers.set(a.reader, list);
    }
  });

  // ── movements
  const nMoves = opts.movements ?? 3 + Math.floor(r() * 4);
  const maxTags = opts.maxTags ?? 200;
  const moves: Move[] = [];
  let serial = 1 + Math.floor(r() * 1e9);
  const itemRefs = [812345, 100017, 250042, 377001];
  const makeTags = (n: number): Tag[] =>
    Array.from({ length: n }, () => ({
      epc: sgtin96(614141, itemRefs[Math.floor(r() * itemRefs.length)]!, serial++),
      dx: (r() * 2 - 1) * PALLET_HALF_LENGTH,
      dy: (r() * 2 - 1) * 0.5,
      z: 0.2 + r() * 1.3,
      gain: -r() * 10,
      mp: Float32Array.from(ants, () => gauss(r) * 2.5),
      fp: Float32Array.from(ants, () => r() * 2 * Math.PI),
      fadePeriod: 0.4 + r() * 0.8,
    }));
  const palletSize = () => {
    const u = r();
    return Math.max(1, Math.min(maxTags, u < 0.2 ? 1 + Math.floor(r() * 5) : u < 0.6 ? 10 + Math.floor(r() * 40) : 50 + Math.floor(r() * (maxTags - 49))));
  };
  const speed = () => (r() < 0.5 ? 1.0 + r() * 0.6 : 2.5 + r() * 1.5);
  let t = 1000;
  const crossingChance = opts.crossingChance ?? 0.5;
  const standChance = opts.standChance ?? 0.25;
  const crossingAt = r() < crossingChance ? Math.floor(r() * nMoves) : -1;
  for (let i = 0; i < nMoves; i++) {
    const door = Math.floor(r() * doors.length);
    const direction: Direction = r() < 0.5 ? 'in' : 'out';
    const stand = r() < standChance;
    const bleed = !stand && doors.length > 1 && r() < 0.3;
    const m: Move = {
      door,
      direction,
      speed: speed(),
      t0: t,
      // a "bleed" pallet runs along the side of its door nearest a neighbour
      yOff: bleed ? (door === 0 ? 1 : -1) * (0.6 + r() * 0.4) : (r() * 2 - 1) * 0.3,
      standX: stand ? (r() * 2 - 1) * 0.5 : 0,
      standMs: stand ? 5000 + r() * 20_000 : 0,
      tags: makeTags(palletSize()),
      kind: stand ? 'standing' : bleed ? 'bleed' : 'single',
    };
    moves.push(m);
    if (i === crossingAt) {
      // a second pallet the other way through the same door, crossing the door plane 1.5–3 s later
      const other: Move = {
        door,
        direction: direction === 'in' ? 'out' : 'in',
        speed: speed(),
        t0: 0,
        yOff: (r() * 2 - 1) * 0.3,
        standX: 0,
        standMs: 0,
        tags: makeTags(palletSize()),
        kind: 'crossing',
      };
      const cross = timeAtX(m, 0) + 1500 + r() * 1500;
      other.t0 = cross - RANGE_X / (other.speed / 1000);
      m.kind = 'crossing';
      moves.push(other);
    }
    // next movement: sometimes overlapping (another door busy at the same time), sometimes after a pause
    t += r() < 0.5 ? r() * 4000 : 4000 + r() * 8000;
  }
  const start = Math.min(...moves.map((m) => m.t0));
  if (start < 0) for (const m of moves) m.t0 -= start - 500;
  const durationMs = Math.ceil(Math.max(...moves.map(moveEnd)) + 1000);

  // ── truth
  const truth: PassTruth[] = [];
  for (const m of moves) {
    const a = timeAtX(m, m.direction === 'in' ? -TRUTH_BAND : TRUTH_BAND);
    const b = timeAtX(m, m.direction === 'in' ? TRUTH_BAND : -TRUTH_BAND);
    for (const tag of m.tags) truth.push({ epc: tag.epc, door: doors[m.door]!.id, direction: m.direction, tStart: Math.round(a), tEnd: Math.round(b) });
  }

  // ── reads
  const reads: SimRead[] = [];
  const readerList = [...readers.entries()];
  const budget = (READS_PER_SECOND * DT) / 1000;
  const candRssi: number[] = [];
  const candTag: Tag[] = [];
  const candDoppler: number[] = [];
  const withDoppler = opts.doppler === true;
  const rd = rng(seed ^ 0x0d0bb1e5); // Doppler noise: its own sequence, so `r` draws the same with and without
  const velocity = (m: Move, now: number, px: number): number => {
    const next = palletX(m, now + 1);
    return next === undefined ? 0 : next - px; // m per ms along x
  };
  for (let step = 0, now = 0; now < durationMs; step++, now += DT) {
    const positions = moves.map((m) => palletX(m, now));
    for (const [reader, antIdx] of readerList) {
      const ai = antIdx[step % antIdx.length]!;
      const ant = ants[ai]!;
      candRssi.length = 0;
      candTag.length = 0;
      candDoppler.length = 0;
      moves.forEach((m, mi) => {
        const px = positions[mi];
        if (px === undefined) return;
        const vx = withDoppler ? velocity(m, now, px) : 0;
        const doorY = doors[m.door]!.y + m.yOff;
        for (const tag of m.tags) {
          const x = px + tag.dx;
          const y = doorY + tag.dy;
          const fade = FADE_DB * Math.sin((2 * Math.PI * x) / tag.fadePeriod + tag.fp[ai]!);
          const rssi = rssiAt(ant, x, y, tag.z, doors, halfWidth) + tag.gain + tag.mp[ai]! + fade;
          if (rssi < SENSITIVITY - 6) continue;
          candRssi.push(rssi);
          candTag.push(tag);
          if (withDoppler) candDoppler.push(dopplerAt(ant, x, y, tag.z, vx, doors, halfWidth));
        }
      });
      if (candTag.length === 0) continue;
      const share = Math.min(1, budget / candTag.length);
      for (let k = 0; k < candTag.length; k++) {
        const measured = candRssi[k]! + gauss(r) * 1.5;
        const p = share / (1 + Math.exp(-(measured - SENSITIVITY) / 1.5));
        if (r() >= p) continue;
        const read: SimRead = { t: Math.round((now + r() * DT) * 10) / 10, reader, antenna: ant.antenna, epc: candTag[k]!.epc, rssi: Math.round(measured) };
        if (withDoppler) read.doppler = Math.round((candDoppler[k]! + gauss(rd) * (2 + Math.max(0, -60 - measured) * 0.2)) * 16) / 16; // 1/16 Hz, as reported
        reads.push(read);
      }
    }
  }
  reads.sort((a, b) => a.t - b.t);

  // ── GPI: door contacts and photo-eyes, sampled per dwell
  const gpi: SimGpi[] = [];
  const photoEyes = opts.photoEyes ?? true;
  const doorSensors = opts.doorSensors ?? true;
  doors.forEach((d, di) => {
    const s = d.sensors;
    if (!s) return;
    const reader = s.reader ?? d.antennas[0]!.reader;
    const mine = moves.filter((m) => m.door === di);
    if (doorSensors && s.door !== undefined && mine.length > 0) {
      gpi.push({ t: Math.max(0, Math.min(...mine.map((m) => m.t0)) - 2000), reader, port: s.door, state: true });
      gpi.push({ t: Math.max(...mine.map(moveEnd)) + 500, reader, port: s.door, state: false });
    }
    if (photoEyes && s.beamOutside !== undefined && s.beamInside !== undefined) {
      const beams: [number, number][] = [
        [-BEAM_X, s.beamOutside],
        [BEAM_X, s.beamInside],
      ];
      for (const [bx, port] of beams) {
        let broken = false;
        for (let now = 0; now < durationMs; now += 5) {
          const b = mine.some((m) => {
            const px = palletX(m, now);
            return px !== undefined && Math.abs(px - bx) <= PALLET_HALF_LENGTH;
          });
          if (b !== broken) {
            gpi.push({ t: now, reader, port, state: b });
            broken = b;
          }
        }
      }
    }
  });
  gpi.sort((a, b) => a.t - b.t);

  return {
    seed,
    stream: { reads, gpi },
    truth,
    durationMs,
    movements: moves.map((m) => ({
      door: doors[m.door]!.id,
      direction: m.direction,
      tags: m.tags.length,
      speed: Math.round(m.speed * 100) / 100,
      crossAt: Math.round(timeAtX(m, 0)),
      standMs: Math.round(m.standMs),
      kind: m.kind,
    })),
  };
}

/**
 * Backscatter RSSI (dBm) at an antenna from a tag at (x, y, z), before the tag's own gain and noise: the direct
 * path, or the path reflected off the far side (mirror image of the tag across the door plane), whichever is
 * stronger. The reflection is what makes first-read / last-read direction unreliable in real docks.
 */
function rssiAt(ant: Ant, x: number, y: number, z: number, doors: SiteDoor[], halfWidth: number): number {
  return Math.max(directRssi(ant, x, y, z, doors, halfWidth), directRssi(ant, -x, y, z, doors, halfWidth) - REFLECTION_DB);
}

/** λ at 915 MHz, m. */
const WAVELENGTH = 299_792_458 / 915e6;

/**
 * Doppler (Hz) of a tag at (x, y, z) moving along x at `vx` m/ms, seen by `ant` over the stronger path (as rssiAt
 * chooses): -2·v_r/λ, v_r the rate of change of the path length (m/s). The reflection's image sits at -x and moves
 * at -vx.
 */
function dopplerAt(ant: Ant, x: number, y: number, z: number, vx: number, doors: SiteDoor[], halfWidth: number): number {
  const reflected = directRssi(ant, -x, y, z, doors, halfWidth) - REFLECTION_DB > directRssi(ant, x, y, z, doors, halfWidth);
  const px = reflected ? -x : x;
  const v = (reflected ? -vx : vx) * 1000;
  const dx = px - ant.x;
  const d = Math.max(0.3, Math.sqrt(dx * dx + (y - ant.y) ** 2 + (z - ant.z) ** 2));
  return (-2 * ((dx * v) / d)) / WAVELENGTH;
}

function directRssi(ant: Ant, x: number, y: number, z: number, doors: SiteDoor[], halfWidth: number): number {
  const vx = x - ant.x;
  const vy = y - ant.y;
  const vz = z - ant.z;
  const d = Math.max(0.3, Math.sqrt(vx * vx + vy * vy + vz * vz));
  const cos = (vx * ant.fx + vz * ant.fz) / d;
  const pattern = Math.max(BACK_LOBE_DB, cos > 0 ? 20 * Math.log10(cos) : BACK_LOBE_DB);
  let wall = 0;
  if (x * ant.x < 0) {
    // the path crosses the door plane: through an opening, or through the wall
    const f = ant.x / (ant.x - x);
    const yc = ant.y + f * (y - ant.y);
    wall = doors.some((dd) => Math.abs(yc - dd.y) <= halfWidth) ? 0 : 15;
  }
  return -45 - 40 * Math.log10(d) + pattern - wall;
}

// ───────────────────────────── streams ─────────────────────────────

/** One item of a scenario on the gateway clock: a read or a GPI change. */
export type StreamItem = { kind: 'read'; ts: number; read: TagRead } | { kind: 'gpi'; ts: number; gpi: GpiChange };

/** A scenario's reads as TagReads on the gateway clock (`epochMs` + t), GPI likewise, merged in time order. */
export function toStreamItems(stream: ReadStream, epochMs: number): StreamItem[] {
  const out: StreamItem[] = [];
  for (const g of stream.gpi) out.push({ kind: 'gpi', ts: epochMs + g.t, gpi: { reader: g.reader, port: g.port, state: g.state, ts: epochMs + g.t } });
  for (const s of stream.reads) {
    const ts = epochMs + s.t;
    out.push({
      kind: 'read',
      ts,
      read: { reader: s.reader, antenna: s.antenna, epc: s.epc, rssi: s.rssi, ts, readerTs: NaN, count: 1, ...(s.tid ? { tid: s.tid } : {}), ...(s.doppler !== undefined ? { doppler: s.doppler } : {}) },
    });
  }
  // stable: GPI before reads at the same instant
  return out.sort((a, b) => a.ts - b.ts || (a.kind === b.kind ? 0 : a.kind === 'gpi' ? -1 : 1));
}
