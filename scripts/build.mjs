#!/usr/bin/env node
/**
 * Compiles src/ into dist/ with tsc (JavaScript, .d.ts and source maps) and copies the dashboard's
 * files (src/ui) beside it. Plain JavaScript, so it runs before anything is built.
 *
 *   node scripts/build.mjs              `npm run build`: a full build, types checked
 *   node scripts/build.mjs --if-stale   `npm start`'s prestart: builds only when dist/ is missing
 *                                       or older than src/, and skips the type check (that is
 *                                       `npm run typecheck`'s job), so a fresh clone starts fast
 *
 * The build goes into a temporary sibling folder that replaces dist/ in one rename, and a lock
 * file keeps two starts in the same checkout from building at once.
 */
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  cpSync,
  existsSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
/** Written last: dist/ is complete and as new as this file. */
const STAMP = join(DIST, '.build-complete');
const LOCK = join(ROOT, '.dist.lock');
/** What the build reads; anything newer than the stamp makes dist/ stale. */
const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];
/** A lock older than this belongs to a build that died; a build takes well under a minute. */
const STALE_LOCK_MS = 10 * 60_000;

const ifStale = process.argv.includes('--if-stale');

/** A failure the user can act on: one line, exit 2 (after the lock is released). */
class BuildError extends Error {}

function fail(message) {
  throw new BuildError(message);
}

/** The newest modification time under the inputs; folders count, so a deleted file is seen too. */
function newestInput() {
  let newest = 0;
  const visit = (path) => {
    const stat = statSync(path);
    newest = Math.max(newest, stat.mtimeMs);
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  for (const input of INPUTS) if (existsSync(join(ROOT, input))) visit(join(ROOT, input));
  return newest;
}

function isFresh() {
  return existsSync(STAMP) && statSync(STAMP).mtimeMs >= newestInput();
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** An exclusive lock file; waits for another build in this checkout, takes over a dead one's. */
function lock() {
  for (;;) {
    try {
      closeSync(openSync(LOCK, 'wx'));
      return;
    } catch (error) {
      if (error.code !== 'EEXIST') fail(`cannot create ${LOCK}: ${error.message}`);
    }
    try {
      if (Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS) rmSync(LOCK, { force: true });
    } catch {
      // Released between the two calls: try again.
    }
    sleep(200);
  }
}

function tscPath() {
  try {
    return createRequire(join(ROOT, 'package.json')).resolve('typescript/bin/tsc');
  } catch {
    fail(
      'dist/ is missing or older than src/ and TypeScript is not installed (a production-only install?); run `npm ci`, then `npm run build`',
    );
  }
}

function build() {
  const startedAt = Date.now();
  const partial = join(ROOT, `.dist-partial-${process.pid}`);
  rmSync(partial, { recursive: true, force: true });
  const args = [tscPath(), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', partial];
  if (ifStale) args.push('--noCheck');
  const tsc = spawnSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  if (tsc.status !== 0) {
    // tsc reports errors on stdout; they go to stderr here, so `npm start`'s stdout stays JSON logs.
    process.stderr.write(tsc.stdout);
    rmSync(partial, { recursive: true, force: true });
    fail(`tsc failed (exit ${tsc.status ?? tsc.signal}); dist/ is unchanged`);
  }
  cpSync(join(ROOT, 'src', 'ui'), join(partial, 'ui'), { recursive: true });
  // Stamped with the time the build started: a source saved while tsc ran still counts as newer.
  const stamp = join(partial, '.build-complete');
  writeFileSync(stamp, `${new Date(startedAt).toISOString()}\n`);
  utimesSync(stamp, startedAt / 1000, startedAt / 1000);
  // The swap: a process still running from the old dist/ has loaded its modules already.
  const old = join(ROOT, `.dist-old-${process.pid}`);
  if (existsSync(DIST)) renameSync(DIST, old);
  renameSync(partial, DIST);
  rmSync(old, { recursive: true, force: true });
}

function main() {
  if (ifStale && isFresh()) return;
  lock();
  try {
    // Another start may have built it while this one waited for the lock.
    if (ifStale && isFresh()) return;
    const started = Date.now();
    if (ifStale) process.stderr.write('build: dist/ is missing or older than src/; building it (tsc)\n');
    build();
    if (ifStale) process.stderr.write(`build: done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  } finally {
    rmSync(LOCK, { force: true });
  }
}

try {
  main();
} catch (error) {
  if (!(error instanceof BuildError)) throw error;
  process.stderr.write(`build: ${error.message}\n`);
  process.exitCode = 2;
}
