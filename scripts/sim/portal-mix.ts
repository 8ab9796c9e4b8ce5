// scripts/sim — the portal engine against a mix of seeded dock scenarios with ground truth, and the bar it must
// clear: precision and recall of passes, direction accuracy, cross-reads misattributed, and at least as good as
// the naive first-read/last-read engine on the same streams. Used by the portal-scenarios tests. A seed that
// does badly is printed so it can be replayed:
//   npx tsx scripts/portal-replay.ts --seed N [--doors 2] [--per-side 1] [--sensors] --explain
import { expect } from 'vitest';
import { NaivePortal, PortalEngine } from '../../gateway/portal/index.js';
import { dockSite, generateScenario, portalDoorsFor, toStreamItems } from './scenario.js';
import { addScores, emptyScore, replay, scorePasses, type Score } from './portal-score.js';

const EPOCH = Date.UTC(2026, 0, 5, 6, 0, 0);

export interface Mix {
  name: string;
  seeds: number[];
  sensors: boolean;
}

export function runMix(mix: Mix): { engine: Score; naive: Score; badSeeds: string[] } {
  let engine = emptyScore();
  let naive = emptyScore();
  const badSeeds: string[] = [];
  for (const seed of mix.seeds) {
    const doors = seed % 3 === 0 ? 3 : 2;
    const perSide = seed % 2 === 0 ? 2 : 1;
    const site = dockSite(doors, { antennasPerSide: perSide, door: mix.sensors, beams: mix.sensors });
    const sc = generateScenario(seed, site);
    const items = toStreamItems(sc.stream, EPOCH);
    const cfg = portalDoorsFor(site);
    const se = scorePasses(replay(new PortalEngine(cfg), items), sc.truth, EPOCH);
    const sn = scorePasses(replay(new NaivePortal(cfg), items), sc.truth, EPOCH);
    engine = addScores(engine, se);
    naive = addScores(naive, sn);
    if (se.recall < 0.97 || se.precision < 0.97 || se.dirWrong > 0 || se.duplicates > 0) {
      badSeeds.push(
        `seed ${seed} (--doors ${doors} --per-side ${perSide}${mix.sensors ? ' --sensors' : ''}): recall ${se.recall.toFixed(3)} precision ${se.precision.toFixed(3)} ` +
          `wrong dir ${se.dirWrong}; movements ${JSON.stringify(sc.movements)}\n    ${se.problems.slice(0, 6).join('\n    ')}`,
      );
    }
  }
  return { engine, naive, badSeeds };
}

function line(s: Score): string {
  return (
    `passes ${s.truth}: found ${s.found}, missed ${s.missed}, spurious ${s.spurious} (duplicates ${s.duplicates}, cross-reads misattributed ${s.misattributed}); ` +
    `direction right ${s.dirRight}, wrong ${s.dirWrong}, unknown ${s.dirUnknown}; precision ${s.precision.toFixed(4)} recall ${s.recall.toFixed(4)}`
  );
}

export function checkMix(mix: Mix): void {
  const { engine, naive, badSeeds } = runMix(mix);
  console.log(`[${mix.name}] engine: ${line(engine)}\n[${mix.name}] naive:  ${line(naive)}`);
  if (badSeeds.length > 0) console.log(`[${mix.name}] seeds below par:\n  ${badSeeds.join('\n  ')}`);
  // the engine's own bar
  expect(engine.recall).toBeGreaterThanOrEqual(0.985);
  expect(engine.precision).toBeGreaterThanOrEqual(0.985);
  expect(engine.duplicates).toBe(0);
  expect(engine.dirAccuracy).toBeGreaterThanOrEqual(0.998);
  expect(engine.dirUnknown / engine.found).toBeLessThanOrEqual(0.06);
  expect(engine.misattributed / engine.truth).toBeLessThanOrEqual(0.01);
  // at least as good as the naive engine on the same streams
  expect(engine.found).toBeGreaterThanOrEqual(naive.found);
  expect(engine.spurious).toBeLessThanOrEqual(naive.spurious);
  expect(engine.misattributed).toBeLessThanOrEqual(naive.misattributed);
  expect(engine.dirRight).toBeGreaterThanOrEqual(naive.dirRight);
  expect(engine.dirWrong).toBeLessThanOrEqual(Math.max(naive.dirWrong, 2));
}

