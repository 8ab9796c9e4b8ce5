// scripts/demo — what each round of the demo plays, pure and deterministic in the round number: a truck of pallets
// into door-1 (a scenario seeded by the round, so a restart that continues at round n+1 brings fresh EPCs), and out
// through door-2 the first half of round n-1's units and the second half of round n-2's, so every unit is received,
// put away into stock, and shipped two rounds later at the latest, and stock keeps about one round of units.
import type { ReadStream, SimRead } from '../sim/read-stream.js';
import { dockSite, generateScenario } from '../sim/scenario.js';

export interface RoundPlan {
  round: number;
  /** door-1's reader (r1): the inbound pallets of this round. */
  receiving: ReadStream;
  /** door-2's reader (r2): units of the two rounds before, outbound. */
  shipping: ReadStream;
  arriving: string[];
  leaving: string[];
}

interface Truck {
  reads: SimRead[];
  units: string[];
}

/** A round's truck: the movements of a scenario seeded by the round, every one inbound (outbound ones mirrored). */
function truck(round: number): Truck {
  const scenario = generateScenario(1000 + round, dockSite(1), { movements: 3, maxTags: 24, crossingChance: 0, standChance: 0 });
  const outbound = new Set(scenario.truth.filter((t) => t.direction === 'out').map((t) => t.epc));
  const reads = scenario.stream.reads.map((r) => (outbound.has(r.epc) ? { ...r, antenna: r.antenna === 1 ? 2 : 1 } : r));
  return { reads, units: [...new Set(scenario.truth.map((t) => t.epc))] };
}

/** The same units passing door-2 the other way (inside antenna first), starting `startMs` into the round. */
function outbound(reads: readonly SimRead[], units: ReadonlySet<string>, startMs: number): SimRead[] {
  const mine = reads.filter((r) => units.has(r.epc));
  const t0 = mine.length ? mine[0]!.t : 0;
  return mine.map((r) => ({ ...r, t: r.t - t0 + startMs, reader: 'r2', antenna: r.antenna === 1 ? 2 : 1 }));
}

/** Which units of an earlier round leave in round `round`: the first half one round later, the rest two later. */
function leavingOf(earlier: Truck, roundsLater: 1 | 2): Set<string> {
  const half = Math.ceil(earlier.units.length / 2);
  return new Set(roundsLater === 1 ? earlier.units.slice(0, half) : earlier.units.slice(half));
}

export function roundPlan(round: number): RoundPlan {
  if (!Number.isInteger(round) || round < 1) throw new RangeError(`roundPlan: round must be a whole number ≥ 1, got ${round}`);
  const now = truck(round);
  const shipped: SimRead[] = [];
  const leaving: string[] = [];
  let start = 5_000; // the first group leaves 5 s into the round, the second 3 s after the first
  for (const back of [1, 2] as const) {
    if (round - back < 1) continue;
    const earlier = truck(round - back);
    const units = leavingOf(earlier, back);
    leaving.push(...units);
    const reads = outbound(earlier.reads, units, start);
    shipped.push(...reads);
    if (reads.length) start = reads[reads.length - 1]!.t + 3_000;
  }
  return { round, receiving: { reads: now.reads, gpi: [] }, shipping: { reads: shipped, gpi: [] }, arriving: now.units, leaving };
}
