// scripts/sim — the readers' Doppler in the portal's direction, measured: the seeded continuous scenarios (seeds
// 1–24, 2–3 doors, 1–2 antennas a side, no sensors) replayed with and without the Doppler field on the same reads.
// Prints both; the Doppler must settle passes the RSSI peaks leave unknown while keeping the engine's accuracy bar.
import { describe, expect, it } from 'vitest';
import { dopplerDirection, FULL_CONFIDENCE_DOPPLER_HZ, type RssiDirection } from '../../gateway/portal/direction.js';
import { dopplerLine, measureDoppler } from './doppler-measure.js';
import { dockSite, generateScenario } from './scenario.js';

describe('Doppler in the portal direction', () => {
  it('votes beside the RSSI peaks: settles a close call, strengthens agreement, cancels towards unknown', () => {
    const close: RssiDirection = { direction: 'unknown', confidence: 0.2, outsideAt: 100, insideAt: 120, separation: 20, crossingAt: 110 };
    const side = (n: number, hz: number) => ({ dopplerReads: n, sumWF: n, sumWD: n * hz });
    // going in: towards the outside antennas (+), away from the inside ones (-)
    expect(dopplerDirection(close, side(4, 5), side(4, -5), 0.6)).toMatchObject({ direction: 'in', confidence: 1, doppler: 10 });
    expect(dopplerDirection(close, side(4, -3), side(4, 3), 0.6)).toMatchObject({ direction: 'unknown', doppler: -6 }); // -0.6 + 0.2
    expect(dopplerDirection(close, side(4, -5), side(4, 5), 0.6)).toMatchObject({ direction: 'out' });
    // one side is enough; one read a side is not
    expect(dopplerDirection(close, side(6, FULL_CONFIDENCE_DOPPLER_HZ), side(0, 0), 0.6)).toMatchObject({ direction: 'in', confidence: 1 });
    expect(dopplerDirection(close, side(1, 30), side(1, -30), 0.6)).toEqual({ ...close, doppler: NaN });
    // a clear RSSI order against a weak Doppler stands; against a strong one it falls to unknown
    const clear: RssiDirection = { direction: 'in', confidence: 1, outsideAt: 100, insideAt: 900, separation: 800, crossingAt: 500 };
    expect(dopplerDirection(clear, side(6, -1), side(6, 1), 0.6)).toMatchObject({ direction: 'in', confidence: 0.8 });
    expect(dopplerDirection(clear, side(6, -5), side(6, 5), 0.6)).toMatchObject({ direction: 'unknown', confidence: 0 });
  });

  it('the scenario generator draws the same reads with and without Doppler', () => {
    const site = dockSite(2, { antennasPerSide: 2 });
    const plain = generateScenario(7, site);
    const withD = generateScenario(7, site, { doppler: true });
    expect(withD.truth).toEqual(plain.truth);
    expect(withD.stream.reads.map(({ doppler: _d, ...r }) => r)).toEqual(plain.stream.reads);
    expect(withD.stream.reads.every((r) => Number.isFinite(r.doppler))).toBe(true);
  });

  it('measured on seeds 1–24: fewer unknown directions, the accuracy bar kept', () => {
    const m = measureDoppler(Array.from({ length: 24 }, (_, i) => i + 1));
    console.log(`[doppler] ${dopplerLine('without Doppler', m.withoutDoppler)}\n[doppler] ${dopplerLine('with Doppler   ', m.withDoppler)}`);
    const [a, b] = [m.withoutDoppler, m.withDoppler];
    expect(b.found).toBe(a.found); // Doppler decides directions, not passes
    expect(b.dirUnknown).toBeLessThan(a.dirUnknown);
    expect(b.dirRight).toBeGreaterThan(a.dirRight);
    expect(b.dirAccuracy).toBeGreaterThanOrEqual(0.998); // the engine's bar (scripts/sim/portal-mix.ts)
  }, 120_000);
});
