// scripts/sim — the portal engine on seeded scenarios with continuous reading (no door sensors).
import { describe, it } from 'vitest';
import { checkMix } from './portal-mix.js';

describe('portal engine on seeded scenarios', () => {
  it('continuous reading (no sensors): 2–3 doors, 1–2 antennas a side, seeds 1–24', () => {
    checkMix({ name: 'continuous', seeds: Array.from({ length: 24 }, (_, i) => i + 1), sensors: false });
  });
});
