// scripts/sim — direction with and without the readers' Doppler on the seeded portal scenarios (the same reads,
// RSSI and truth; only the Doppler field differs): passes found, direction right / wrong / unknown, accuracy.
import { PortalEngine } from '../../gateway/portal/index.js';
import { addScores, emptyScore, replay, scorePasses, type Score } from './portal-score.js';
import { dockSite, generateScenario, portalDoorsFor, toStreamItems } from './scenario.js';

const EPOCH = Date.UTC(2026, 0, 5, 6, 0, 0);

export interface DopplerMeasure {
  seeds: number;
  withoutDoppler: Score;
  withDoppler: Score;
}

/** Seeds as the continuous mix (2–3 doors, 1–2 antennas a side, no sensors), each replayed twice. */
export function measureDoppler(seeds: readonly number[]): DopplerMeasure {
  let without = emptyScore();
  let withD = emptyScore();
  for (const seed of seeds) {
    const site = dockSite(seed % 3 === 0 ? 3 : 2, { antennasPerSide: seed % 2 === 0 ? 2 : 1 });
    const sc = generateScenario(seed, site, { doppler: true });
    const cfg = portalDoorsFor(site);
    const items = toStreamItems(sc.stream, EPOCH);
    const stripped = items.map((it) => {
      if (it.kind !== 'read') return it;
      const { doppler: _drop, ...read } = it.read;
      return { ...it, read };
    });
    withD = addScores(withD, scorePasses(replay(new PortalEngine(cfg), items), sc.truth, EPOCH));
    without = addScores(without, scorePasses(replay(new PortalEngine(cfg), stripped), sc.truth, EPOCH));
  }
  return { seeds: seeds.length, withoutDoppler: without, withDoppler: withD };
}

export function dopplerLine(name: string, s: Score): string {
  const decided = s.dirRight + s.dirWrong;
  return `${name}: passes found ${s.found}/${s.truth}; direction right ${s.dirRight}, wrong ${s.dirWrong}, unknown ${s.dirUnknown} (${((100 * s.dirUnknown) / Math.max(1, s.found)).toFixed(2)} %); accuracy of decided ${((100 * s.dirRight) / Math.max(1, decided)).toFixed(3)} %; right of found ${((100 * s.dirRight) / Math.max(1, s.found)).toFixed(2)} %`;
}
