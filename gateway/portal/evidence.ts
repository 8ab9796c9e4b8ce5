// gateway/portal — what the engine saw when it decided a passage: the evidence behind each tag.pass / arrive /
// depart, for the debug log line and the replay tool's --explain. Built only when someone listens.

import type { Direction } from '../../protocols/events/index.js';
import type { Side } from './config.js';

export interface AntennaEvidenceDetail {
  reader: string;
  antenna: number;
  /** Door or zone id the antenna belongs to. */
  location: string;
  side: Side | undefined;
  reads: number;
  meanRssi: number;
  peakRssi: number;
  /** ms after the passage's first read of this antenna's strongest read. */
  peakAt: number;
  /** ms after the first read of the power-weighted mean read time (the robust peak time). */
  centroidAt: number;
}

export interface LocationEvidence {
  id: string;
  reads: number;
  meanRssi: number;
  /** Whether it had minReads reads, so it could win attribution. */
  eligible: boolean;
}

export interface PassageEvidence {
  epc: string;
  /** What was emitted for it. */
  emitted: ('tag.pass' | 'tag.arrive' | 'tag.depart')[];
  /** The door or zone it was attributed to. */
  location: string;
  /** Why it closed: absence of reads, the end of a gated door cycle, eviction (table full), or flush. */
  closedBy: 'absence' | 'cycle' | 'evicted' | 'flush';
  firstSeen: number;
  lastSeen: number;
  reads: number;
  antennas: AntennaEvidenceDetail[];
  locations: LocationEvidence[];
  /** Best mean RSSI minus the runner-up's, dB (null when only one door saw it). */
  margin: number | null;
  settled: boolean;
  held: boolean;
  attributionConfidence: number;
  direction?: Direction;
  directionSource?: 'beam' | 'rssi' | 'none';
  directionConfidence?: number;
  rssi?: { outsideAt: number; insideAt: number; separation: number; confidence: number; crossingAt: number; doppler?: number };
  /** The beam crossing matched to the tag; `conflict`: crossings both ways near it, so beams were not used. */
  beam?: { direction: Direction; at: number; conflict: boolean };
  /** The beams and clear RSSI peaks said opposite directions, so the direction is unknown. */
  sensorsDisagree?: boolean;
  confidence: number;
}

/** One line of text for a passage, for people (the replay tool's --explain). */
export function formatEvidence(e: PassageEvidence): string {
  const f = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-');
  const head =
    `${e.epc} ${e.emitted.join('+')} ${e.location}` +
    (e.direction ? ` ${e.direction} (${e.directionSource} ${f((e.directionConfidence ?? 0) * 100)}%)` : '') +
    ` conf ${f(e.confidence * 100)}% reads ${e.reads} over ${f((e.lastSeen - e.firstSeen) / 1000)} s, closed by ${e.closedBy}`;
  const ants = e.antennas
    .map((a) => `  ${a.location}/${a.reader}#${a.antenna} ${a.side ?? '-'}: ${a.reads} reads, mean ${f(a.meanRssi)} peak ${f(a.peakRssi)} dBm at +${f(a.peakAt)} ms, centroid +${f(a.centroidAt)} ms`)
    .join('\n');
  const locs =
    e.locations.length > 1
      ? `\n  doors: ${e.locations.map((l) => `${l.id} ${l.reads} reads mean ${f(l.meanRssi)}${l.eligible ? '' : ' (too few)'}`).join(', ')}; margin ${e.margin === null ? '-' : f(e.margin)} dB, ${e.settled ? 'settled' : 'NOT settled'}${e.held ? ', held' : ''}`
      : '';
  const rssi = e.rssi
    ? `\n  rssi peaks: outside +${f(e.rssi.outsideAt)} ms, inside +${f(e.rssi.insideAt)} ms, separation ${f(e.rssi.separation)} ms${e.rssi.doppler !== undefined ? `, Doppler outside − inside ${f(e.rssi.doppler)} Hz` : ''} → ${f(e.rssi.confidence * 100)}%`
    : '';
  const beam = e.beam
    ? `\n  beams: ${e.beam.direction} at +${f(e.beam.at - e.firstSeen)} ms${e.beam.conflict ? ' (crossings both ways: ignored)' : ''}${e.sensorsDisagree ? ' (RSSI says the opposite: unknown)' : ''}`
    : '';
  return `${head}\n${ants}${locs}${rssi}${beam}`;
}
