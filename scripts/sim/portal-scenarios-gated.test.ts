// scripts/sim — the portal engine on seeded scenarios with door contacts and photo-eyes (gated read cycles,
// beam direction). Same bar as portal-scenarios.test.ts; a separate file so the two run in parallel.
import { describe, it } from 'vitest';
import { checkMix } from './portal-mix.js';

describe('portal engine on seeded scenarios with sensors', () => {
  it('door contact + photo-eyes: seeds 101–116', () => {
    checkMix({ name: 'sensors', seeds: Array.from({ length: 16 }, (_, i) => i + 101), sensors: true });
  });
});
