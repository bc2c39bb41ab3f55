import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const REPO = join(import.meta.dirname, '..', '..');

/**
 * What `npm start`'s prestart does: compiles src/ into dist/ when dist/ is missing or older than
 * src/ (the build script's lock keeps two test files from building at once). Tests that run the
 * service as `npm start` does call it first, so they always run the current sources' build.
 */
export async function buildIfStale(): Promise<void> {
  await promisify(execFile)(process.execPath, [join(REPO, 'scripts', 'build.mjs'), '--if-stale'], {
    cwd: REPO,
    timeout: 300_000,
  }).catch((error: Error & { stderr?: string }) => {
    throw new Error(`the build failed: ${error.stderr || error.message}`);
  });
}

/** A build takes tens of seconds on a loaded 2-core machine; hooks that build wait this long. */
export const BUILD_TIMEOUT = 300_000;
