import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The fault suite (`npm run test:faults`): real service processes on a real PostgreSQL (the
 * machine's with DATABASE_URL, else one embedded server for the run), each file on its own
 * database cloned from a migrated template, as in the main suite. Files run one at a time: they
 * measure recovery times and memory, and two files sharing 2 cores would skew both.
 */
export default defineConfig({
  root,
  test: {
    root,
    globalSetup: ['./test/support/global-setup.ts', './test/faults/support/results-setup.ts'],
    include: ['test/faults/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    reporters: ['default', 'json'],
    outputFile: { json: './.test-data/faults.json' },
  },
});
