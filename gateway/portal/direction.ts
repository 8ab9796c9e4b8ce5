// gateway/portal — which way a tag went through a door: from the order of its RSSI peaks on the outside and
// inside antennas, from the sign of its Doppler on each side where the reader reports it, and from the order in
// which a pair of photo-eyes broke (which overrides both). Pure math.

import type { Direction } from '../../protocols/events/index.js';

/** Linear power relative to -100 dBm, 10^((rssi+100)/10), tabulated at 0.25 dB (hot path: no Math.pow). */
const POW_MIN = -128;
const POW_MAX = 20;
const POW_TABLE = new Float32Array((POW_MAX - POW_MIN) * 4 + 1).map((_, i) => 10 ** ((POW_MIN + i / 4 + 100) / 10));
const POW_LAST = POW_TABLE.length - 1;

export function powerWeight(rssi: number): number {
  let i = ((rssi - POW_MIN) * 4 + 0.5) | 0;
  if (i < 0) i = 0;
  else if (i > POW_LAST) i = POW_LAST;
  return POW_TABLE[i]!;
}

/**
 * The separation of the two sides' peaks, as a fraction of the passage's duration, that gives full confidence.
 * A clean pass through a portal separates the power-weighted peak times by roughly the antenna spacing over the
 * read range (about a third of the time the tag is read); a tag standing in the door dilutes it towards zero.
 */
export const FULL_CONFIDENCE_SEPARATION = 0.2;
/** Reads each side needs before its peak time is believed. */
export const MIN_SIDE_READS = 2;

export interface SideAggregate {
  reads: number;
  /** Σ w, Σ w·t (t in ms after the passage's first read). */
  sumW: number;
  sumWT: number;
}

export interface RssiDirection {
  direction: Direction;
  /** 0..1: how clearly the peaks are ordered (before the minimum-confidence cut). */
  confidence: number;
  /** Power-weighted peak times, ms after the first read (NaN when that side has too few reads). */
  outsideAt: number;
  insideAt: number;
  /** insideAt - outsideAt, ms (positive: outside peaked first, the tag went in). */
  separation: number;
  /** Best estimate of when the tag was in the door plane, ms after the first read. */
  crossingAt: number;
  /** Power-weighted mean Doppler outside minus inside, Hz, when it voted (dopplerDirection). */
  doppler?: number;
}

/**
 * Direction from the order of the sides' power-weighted peak times: outside then inside is `in`.
 * The power-weighted mean time (w = linear power) sits on the peak of each side's RSSI curve and, unlike the
 * single strongest read, does not jump with one noisy read; unlike the first read it does not depend on range.
 */
export function rssiDirection(outside: SideAggregate, inside: SideAggregate, durationMs: number, minConfidence: number): RssiDirection {
  const hasOut = outside.reads >= MIN_SIDE_READS && outside.sumW > 0;
  const hasIn = inside.reads >= MIN_SIDE_READS && inside.sumW > 0;
  const outsideAt = hasOut ? outside.sumWT / outside.sumW : NaN;
  const insideAt = hasIn ? inside.sumWT / inside.sumW : NaN;
  const allW = outside.sumW + inside.sumW;
  const centroid = allW > 0 ? (outside.sumWT + inside.sumWT) / allW : 0;
  if (!hasOut || !hasIn) {
    return { direction: 'unknown', confidence: 0, outsideAt, insideAt, separation: NaN, crossingAt: centroid };
  }
  const separation = insideAt - outsideAt;
  const dur = Math.max(durationMs, 250);
  let confidence = Math.min(1, Math.abs(separation) / (FULL_CONFIDENCE_SEPARATION * dur));
  // Few reads on the weaker side: the peak time is a guess.
  confidence *= Math.min(1, Math.min(outside.reads, inside.reads) / 4);
  const direction: Direction = confidence < minConfidence || separation === 0 ? 'unknown' : separation > 0 ? 'in' : 'out';
  return { direction, confidence, outsideAt, insideAt, separation, crossingAt: (outsideAt + insideAt) / 2 };
}

export interface DopplerAggregate {
  /** Reads that carried a Doppler frequency; Σ w and Σ w·Doppler (Hz) over them, w as for RSSI. */
  dopplerReads: number;
  sumWF: number;
  sumWD: number;
}

/**
 * The power-weighted mean Doppler difference, outside minus inside, that gives full confidence (Hz). A pallet at 1 m/s
 * shows up to about ±6 Hz on each side (2·v/λ at 915 MHz, less off-axis), so a slow one counts as a strong but not
 * full vote; reflections and a tag standing in the door pull it towards zero. Chosen on the seeded scenarios: 6 Hz
 * settled more passes but got one more wrong, 15 Hz settled fewer (scripts/sim/doppler-direction.test.ts prints them).
 */
export const FULL_CONFIDENCE_DOPPLER_HZ = 10;
/** Doppler reads a side needs before its mean is believed. */
export const MIN_SIDE_DOPPLER_READS = 2;

/**
 * The RSSI direction with the Doppler's vote added. A tag going in comes towards the outside antennas (they face the
 * dock: positive Doppler) and goes away from the inside ones (negative); going out, the reverse. So the power-weighted
 * mean Doppler outside minus inside is positive for `in`. Each source gives a signed vote in [-1, 1] (RSSI: its
 * confidence before the minimum cut, signed by the peak order; Doppler: that difference over
 * FULL_CONFIDENCE_DOPPLER_HZ, scaled down under 6 reads); their sum decides, its size (at most 1) is the confidence.
 * Agreeing sources strengthen each other, a clear Doppler settles a tag whose RSSI peaks are too close, and sources
 * that disagree cancel towards unknown.
 */
export function dopplerDirection(rssi: RssiDirection, outside: DopplerAggregate, inside: DopplerAggregate, minConfidence: number): RssiDirection {
  const hasOut = outside.dopplerReads >= MIN_SIDE_DOPPLER_READS && outside.sumWF > 0;
  const hasIn = inside.dopplerReads >= MIN_SIDE_DOPPLER_READS && inside.sumWF > 0;
  if (!hasOut && !hasIn) return { ...rssi, doppler: NaN };
  const doppler = (hasOut ? outside.sumWD / outside.sumWF : 0) - (hasIn ? inside.sumWD / inside.sumWF : 0);
  const reads = (hasOut ? outside.dopplerReads : 0) + (hasIn ? inside.dopplerReads : 0);
  const dVote = Math.sign(doppler) * Math.min(1, Math.abs(doppler) / FULL_CONFIDENCE_DOPPLER_HZ) * Math.min(1, reads / 6);
  const rVote = Number.isFinite(rssi.separation) ? Math.sign(rssi.separation) * rssi.confidence : 0;
  const vote = rVote + dVote;
  const confidence = Math.min(1, Math.abs(vote));
  const direction: Direction = confidence < minConfidence || vote === 0 ? 'unknown' : vote > 0 ? 'in' : 'out';
  return { ...rssi, direction, confidence, doppler };
}

/** Beam crossings of one door: the order of the two photo-eyes' breaks, kept in a small ring. */
export class BeamLog {
  private readonly at: Float64Array;
  private readonly dir: Int8Array;
  private n = 0;
  private lastBreak = [-Infinity, -Infinity];
  private lastPaired = -Infinity;
  /** How many crossings were seen in total. */
  crossings = 0;

  constructor(
    private readonly windowMs: number,
    size = 32,
  ) {
    this.at = new Float64Array(size);
    this.dir = new Int8Array(size);
  }

  /**
   * A beam broke. `side` 0 = outside, 1 = inside. When the other beam broke within the window before (and that
   * break is not already part of a crossing), this is a crossing: outside then inside = `in`.
   * Returns the direction of the crossing it completed, if any.
   */
  broke(side: 0 | 1, ts: number): Direction | undefined {
    const other = 1 - side;
    const ob = this.lastBreak[other]!;
    this.lastBreak[side] = ts;
    if (ts - ob <= this.windowMs && ts >= ob && ob > this.lastPaired) {
      this.lastPaired = ts;
      const i = this.n % this.at.length;
      this.at[i] = ts;
      this.dir[i] = side === 1 ? 1 : -1;
      this.n++;
      this.crossings++;
      return side === 1 ? 'in' : 'out';
    }
    return undefined;
  }

  /**
   * The crossing nearest to `atMs` within `matchMs`, and whether it is ambiguous: a crossing the other way
   * within twice `matchMs` (two pallets passing each other; the tag's own crossing time is only an estimate).
   */
  match(atMs: number, matchMs: number): { direction: Direction; at: number; conflict: boolean } | undefined {
    let best = -1;
    let bestD = Infinity;
    const m = Math.min(this.n, this.at.length);
    for (let k = 0; k < m; k++) {
      const d = Math.abs(this.at[k]! - atMs);
      if (d <= matchMs && d < bestD) {
        bestD = d;
        best = k;
      }
    }
    if (best < 0) return undefined;
    let conflict = false;
    for (let k = 0; k < m; k++) if (this.dir[k] !== this.dir[best] && Math.abs(this.at[k]! - atMs) <= 2 * matchMs) conflict = true;
    return { direction: this.dir[best] === 1 ? 'in' : 'out', at: this.at[best]!, conflict };
  }
}
