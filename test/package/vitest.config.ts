import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * `npm run test:package`: npm pack, install the tarball in a fresh project outside the
 * repository, run the README's library example in it and type-check against the packed .d.ts.
 * An `npm install` takes a minute or more on a loaded machine, so it is its own suite (.ci/run).
 */
export default defineConfig({
  root,
  test: {
    root,
    globalSetup: ['./test/support/global-setup.ts'],
    include: ['test/package/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'forks',
    maxWorkers: 1,
    reporters: ['default', 'json'],
    outputFile: { json: './.test-data/package.json' },
  },
});
