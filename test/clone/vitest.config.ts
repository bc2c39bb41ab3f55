import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** `npm run test:clone`: a fresh clone per user, `npm ci` and `npm start` in it (minutes, network). */
export default defineConfig({
  root,
  test: {
    root,
    include: ['test/clone/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 1,
    reporters: ['default', 'json'],
    outputFile: { json: './.test-data/clone.json' },
  },
});
