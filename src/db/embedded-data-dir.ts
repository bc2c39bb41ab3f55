import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { chmod, chown, mkdir, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from '../logger.js';
import { describeFolder, firstBlockedFolder, type ServerAccount } from './embedded-account.js';
import { EmbeddedStartError, majorVersionError } from './embedded-start-error.js';

/** Where the data of the default data folder goes when root's postgres user cannot reach it. */
const RELOCATED_ROOT = '/var/lib/pgtask';

/**
 * The data folder the server will use. As root the server runs as `account`, which must be able
 * to enter every folder above it. When it cannot, a data folder the user chose is refused with
 * one line; the default one (`./.data/postgres` in a private folder, as after `git clone` into
 * root's home) moves to /var/lib/pgtask/<name>-<hash of its path>, the same on every start.
 */
export function chooseDataDir(options: {
  dataDir: string;
  isDefault: boolean;
  account?: ServerAccount;
  log: Logger;
}): string {
  const dataDir = resolve(options.dataDir);
  const { account } = options;
  if (!account) return dataDir;
  const blocked = firstBlockedFolder(join(dataDir, '..'), account);
  if (blocked === undefined) return dataDir;
  if (!options.isDefault) {
    throw new EmbeddedStartError(
      `the ${account.name} user that runs the server (PostgreSQL refuses root) cannot reach the ` +
        `data folder ${dataDir}: ${blocked} is ${describeFolder(blocked)}; set storage.embedded.dataDir ` +
        `to a folder it can reach (for example ${RELOCATED_ROOT}/data), or set DATABASE_URL`,
    );
  }
  const hash = createHash('sha256').update(dataDir).digest('hex').slice(0, 12);
  const project = resolve(dataDir, '..', '..').split('/').at(-1) || 'pgtask';
  const relocated = join(RELOCATED_ROOT, `${project}-${hash}`, 'postgres');
  options.log.info(
    { dataDir: relocated, instead: dataDir, blockedAt: blocked },
    `the ${account.name} user cannot reach the default data folder; keeping the data in ${relocated}`,
  );
  return relocated;
}

/** PostgreSQL's major version that made the folder (its PG_VERSION), or undefined for a new folder. */
export function existingMajor(dataDir: string, expectedMajor: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(join(dataDir, 'PG_VERSION'), 'utf8').trim();
  } catch {
    let entries: string[] = [];
    try {
      entries = readdirSync(dataDir);
    } catch {
      return undefined;
    }
    if (entries.length > 0) {
      throw new EmbeddedStartError(
        `the data folder ${dataDir} is not empty and holds no PostgreSQL data (no PG_VERSION); ` +
          'empty it, or set storage.embedded.dataDir to a new folder, or set DATABASE_URL',
      );
    }
    return undefined;
  }
  const major = Number(text.split('.')[0]);
  if (major !== expectedMajor) throw majorVersionError(dataDir, text, expectedMajor);
  return major;
}

/** Creates the folder when needed and hands it to the account the server runs as (mode 700). */
export async function prepareDataDir(dataDir: string, account: ServerAccount | undefined, log: Logger) {
  try {
    // Folders above it stay enterable (0o755 before the umask); the data folder itself is 0o700.
    await mkdir(join(dataDir, '..'), { recursive: true, mode: 0o755 });
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    if (account) {
      const blocked = firstBlockedFolder(join(dataDir, '..'), account);
      if (blocked) {
        throw new EmbeddedStartError(
          `the ${account.name} user that runs the server cannot enter ${blocked} (${describeFolder(blocked)}), ` +
            `above the data folder ${dataDir}; make it enterable (chmod o+x), or set storage.embedded.dataDir elsewhere`,
        );
      }
      const owner = statSync(dataDir).uid;
      if (owner !== account.uid) {
        if (owner !== 0 && (await readdir(dataDir)).length > 0) {
          throw new EmbeddedStartError(
            `the data folder ${dataDir} belongs to uid ${owner}, but as root the server runs as the ` +
              `${account.name} user; run pgtask as uid ${owner}, or chown -R ${account.name} ${dataDir}`,
          );
        }
        log.info({ dataDir, user: account.name }, 'handing the data folder to the user that runs the server');
        await chownTree(dataDir, account);
      }
    }
    await chmod(dataDir, 0o700);
  } catch (error) {
    throw fileSystemFailure(error, dataDir);
  }
}

async function chownTree(path: string, account: ServerAccount): Promise<void> {
  await chown(path, account.uid, account.gid);
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) await chownTree(child, account);
    else await chown(child, account.uid, account.gid);
  }
}

/** A file-system error met while preparing the folder, as the one line a user can act on. */
export function fileSystemFailure(error: unknown, dataDir: string): Error {
  if (error instanceof EmbeddedStartError) return error;
  const { code, path, message } = error as NodeJS.ErrnoException;
  const where = path ?? dataDir;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new EmbeddedStartError(
      `no space left on the disk that holds ${dataDir}; free some space, or set storage.embedded.dataDir ` +
        'to a folder on a disk with room, or set DATABASE_URL',
    );
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new EmbeddedStartError(
      `cannot create or use the data folder ${dataDir} (${code === 'EROFS' ? 'read-only file system' : 'permission denied'} ` +
        `at ${where}); set storage.embedded.dataDir to a folder this user may write, or set DATABASE_URL`,
    );
  }
  return new EmbeddedStartError(`cannot prepare the data folder ${dataDir}: ${message}`, { cause: error });
}
