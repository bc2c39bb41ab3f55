import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['./test/support/global-setup.ts'],
    include: ['test/**/*.test.ts'],
    // The fault, fresh-clone and package suites have configs (and timeouts) of their own.
    exclude: ['test/faults/**', 'test/clone/**', 'test/package/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Files run in parallel, each on its own database; 2 cores is the CI machine.
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', 'json'],
    outputFile: { json: './.test-data/results.json' },
  },
});
