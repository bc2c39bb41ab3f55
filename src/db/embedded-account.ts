import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../logger.js';
import { EmbeddedStartError } from './embedded-start-error.js';

const run = promisify(execFile);

/** The unprivileged account the embedded server runs as when we are root (PostgreSQL refuses root). */
export interface ServerAccount {
  name: string;
  uid: number;
  gid: number;
}

const ACCOUNT = 'postgres';

/** The `postgres` account, created (a system user, no home, no login) when it does not exist. */
export async function serverAccount(log: Logger): Promise<ServerAccount> {
  const found = await lookUp(ACCOUNT);
  if (found) return found;
  log.info({ user: ACCOUNT }, 'running as root: creating a system user for the embedded PostgreSQL');
  const groupExists = await run('getent', ['group', ACCOUNT]).then(
    () => true,
    () => false,
  );
  const attempts: [string, string[]][] = [
    [
      'useradd',
      ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin']
        .concat(groupExists ? ['--gid', ACCOUNT] : ['--user-group'])
        .concat(ACCOUNT),
    ],
    ['adduser', ['-S', '-D', '-H', '-s', '/sbin/nologin', ACCOUNT]], // busybox (Alpine)
  ];
  const failures: string[] = [];
  for (const [program, args] of attempts) {
    try {
      await run(program, args);
      const created = await lookUp(ACCOUNT);
      if (created) return created;
    } catch (error) {
      const { code, stderr } = error as { code?: string; stderr?: string };
      failures.push(code === 'ENOENT' ? `${program} not found` : (stderr?.trim().split('\n')[0] ?? program));
    }
  }
  throw new EmbeddedStartError(
    `PostgreSQL does not run as root, and no "${ACCOUNT}" user could be created to run it (${failures.join('; ')}); ` +
      `create one (useradd --system ${ACCOUNT}), run pgtask as another user, or set DATABASE_URL`,
  );
}

async function lookUp(name: string): Promise<ServerAccount | undefined> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
    return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    return undefined;
  }
}

/**
 * The first existing folder on the way to `path` (the last existing one included) that the
 * account may not enter, or undefined when it reaches all of them. Judged from mode bits with
 * the account's primary group only: spawn() with a uid drops the supplementary groups.
 */
export function firstBlockedFolder(path: string, account: ServerAccount): string | undefined {
  const folders: string[] = [];
  for (let current = resolve(path); ; current = dirname(current)) {
    folders.unshift(current);
    if (dirname(current) === current) break;
  }
  for (const folder of folders) {
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(folder);
    } catch {
      return undefined; // the rest does not exist yet; we create it for the account
    }
    if (!stat.isDirectory()) continue;
    const bit = stat.uid === account.uid ? 0o100 : stat.gid === account.gid ? 0o010 : 0o001;
    if ((Number(stat.mode) & bit) === 0) return folder;
  }
  return undefined;
}

/** "mode 700, owner root" for the one-line messages. */
export function describeFolder(folder: string): string {
  try {
    const stat = statSync(folder);
    return `mode ${(stat.mode & 0o777).toString(8)}, owner uid ${stat.uid}`;
  } catch {
    return 'unreadable';
  }
}
