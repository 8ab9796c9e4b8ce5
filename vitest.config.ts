import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['protocols/**/*.test.ts', 'runtime/**/*.test.ts', 'connectors/**/*.test.ts', 'gateway/**/*.test.ts', 'hub/**/*.test.ts', 'fleet/**/*.test.ts', 'scripts/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // No skipped tests: a test that cannot run fails the run, naming what it lacked.
    reporters: ['default', new URL('./scripts/setup/no-skips-reporter.ts', import.meta.url).pathname],
  },
});
