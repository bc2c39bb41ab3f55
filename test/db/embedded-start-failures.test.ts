import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstBlockedFolder } from '../../src/db/embedded-account.js';
import { locateBinaries } from '../../src/db/embedded-binaries.js';
import { listeningPort, runService } from '../support/service-process.js';

const REPO = join(import.meta.dirname, '..', '..');
const isRoot = process.getuid?.() === 0;
const NOBODY = { name: 'nobody', uid: 65534, gid: 65534 };

/** Runs the service on a config file holding `embedded`, expects exit 2 and one line on stderr. */
async function failedStart(embedded: Record<string, string | number>, as?: { uid: number; gid: number }) {
  const config = join(root, `config-${Math.random().toString(36).slice(2)}.yaml`);
  const lines = Object.entries(embedded).map(([key, value]) => `    ${key}: ${value}`);
  await writeFile(config, `storage:\n  embedded:\n${lines.join('\n')}\n`);
  await chmod(config, 0o644);
  const run = runService({ args: ['--config', config], ...(as ? { uid: as.uid, gid: as.gid } : {}) });
  const [code] = await run.exited;
  const stderr = run.stderr.trimEnd().split('\n');
  expect(stderr, run.stderr).toHaveLength(1);
  expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(code, run.stderr).toBe(2);
  return stderr[0]!;
}

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pgtask-start-failures-'));
  // As root the server runs as "postgres", which must reach the data folders made below.
  await chmod(root, 0o755);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('a failed start of the embedded PostgreSQL is one line and exit 2', () => {
  it('port taken: names the port and the key to change', async () => {
    const holder: Server = createServer();
    holder.listen(0, '127.0.0.1');
    await once(holder, 'listening');
    const port = (holder.address() as { port: number }).port;
    try {
      const line = await failedStart({ dataDir: join(root, 'port-taken'), port });
      expect(line).toBe(
        `embedded PostgreSQL: port ${port} on 127.0.0.1 is already in use; set storage.embedded.port to a ` +
          'free port (0 picks one at start-up), or set DATABASE_URL to use a PostgreSQL of your own',
      );
    } finally {
      holder.close();
    }
  }, 60_000);

  it('data folder in use by another running instance: names the instance, leaves it running', async () => {
    const dataDir = join(root, 'shared');
    const config = join(root, 'first.yaml');
    await writeFile(config, `storage:\n  embedded:\n    dataDir: ${dataDir}\n`);
    const first = runService({ args: ['--config', config] });
    try {
      const port = await listeningPort(first);
      const line = await failedStart({ dataDir });
      expect(line).toMatch(
        new RegExp(
          `^embedded PostgreSQL: the data folder ${dataDir} is in use by another running instance \\(pid ${first.child.pid}\\); ` +
            'stop it, or give this instance its own storage.embedded.dataDir',
        ),
      );
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    } finally {
      first.child.kill('SIGTERM');
      expect((await first.exited)[0]).toBe(0);
    }
  }, 90_000);

  it('data folder made by another PostgreSQL major: says how to move it aside or keep its data', async () => {
    const dataDir = join(root, 'from-16');
    await mkdir(join(dataDir, 'global'), { recursive: true });
    await writeFile(join(dataDir, 'PG_VERSION'), '16\n');
    const { major } = locateBinaries();
    const line = await failedStart({ dataDir });
    expect(line).toMatch(
      new RegExp(
        `^embedded PostgreSQL: the data folder ${dataDir} was made by PostgreSQL 16 and this is PostgreSQL ${major}; ` +
          `to start afresh, move it aside \\(mv ${dataDir} ${dataDir}-pg16\\); to keep its tasks, dump it with PostgreSQL 16`,
      ),
    );
  });

  it('a non-empty folder that is no data folder is refused, not initialised over', async () => {
    const dataDir = join(root, 'not-data');
    await mkdir(dataDir);
    await writeFile(join(dataDir, 'notes.txt'), 'mine');
    expect(await failedStart({ dataDir })).toMatch(
      /^embedded PostgreSQL: the data folder .* is not empty and holds no PostgreSQL data \(no PG_VERSION\)/,
    );
  });

  it.skipIf(isRoot)('no permission: a data folder in a folder this user may not write', async () => {
    const readOnly = join(root, 'read-only-self');
    await mkdir(readOnly, { mode: 0o555 });
    const dataDir = join(readOnly, 'data');
    expect(await failedStart({ dataDir })).toBe(
      `embedded PostgreSQL: cannot create or use the data folder ${dataDir} (permission denied at ${dataDir}); ` +
        'set storage.embedded.dataDir to a folder this user may write, or set DATABASE_URL',
    );
  });

  describe.skipIf(!isRoot)('as root (skipped: not root, so no mounts and no other users)', () => {
    it('disk full: a data folder on a 3 MB file system', async (context) => {
      const mountPoint = join(root, 'tiny-disk');
      await mkdir(mountPoint);
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m,mode=755', 'tmpfs', mountPoint], {
          stdio: 'pipe',
        });
      } catch (error) {
        context.skip(`cannot mount a tmpfs here: ${String((error as { stderr?: Buffer }).stderr ?? error)}`);
      }
      try {
        const dataDir = join(mountPoint, 'postgres');
        expect(await failedStart({ dataDir })).toBe(
          `embedded PostgreSQL: no space left on the disk that holds ${dataDir}; free some space, or set ` +
            'storage.embedded.dataDir to a folder on a disk with room (100 MB or more), or set DATABASE_URL ' +
            'to use a PostgreSQL of your own',
        );
      } finally {
        execFileSync('umount', [mountPoint]);
      }
    }, 60_000);

    it('no permission: a chosen data folder the postgres user cannot reach is refused, not moved', async () => {
      const privateFolder = await mkdtemp(join(root, 'private-'));
      await chmod(privateFolder, 0o700);
      const dataDir = join(privateFolder, 'data');
      expect(await failedStart({ dataDir })).toBe(
        `embedded PostgreSQL: the postgres user that runs the server (PostgreSQL refuses root) cannot reach ` +
          `the data folder ${dataDir}: ${privateFolder} is mode 700, owner uid 0; set storage.embedded.dataDir ` +
          'to a folder it can reach (for example /var/lib/pgtask/data), or set DATABASE_URL',
      );
    });

    it('no permission: an unprivileged user whose data folder is in a folder it may not write', async (context) => {
      const blocked = [REPO, process.execPath].map((path) => firstBlockedFolder(path, NOBODY)).find(Boolean);
      if (blocked) context.skip(`nobody cannot enter ${blocked}, where the repository or node is`);
      const readOnly = join(root, 'read-only');
      await mkdir(readOnly, { mode: 0o755 });
      const dataDir = join(readOnly, 'data');
      const line = await failedStart({ dataDir }, NOBODY);
      expect(line).toBe(
        `embedded PostgreSQL: cannot create or use the data folder ${dataDir} (permission denied at ${dataDir}); ` +
          'set storage.embedded.dataDir to a folder this user may write, or set DATABASE_URL',
      );
    });

    it('no permission: a data folder another user owns', async () => {
      const dataDir = join(root, 'someone-elses');
      await mkdir(dataDir, { mode: 0o700 });
      await writeFile(join(dataDir, 'PG_VERSION'), `${locateBinaries().major}\n`);
      await chown(dataDir, NOBODY.uid, NOBODY.gid);
      expect(await failedStart({ dataDir })).toBe(
        `embedded PostgreSQL: the data folder ${dataDir} belongs to uid ${NOBODY.uid}, but as root the server ` +
          `runs as the postgres user; run pgtask as uid ${NOBODY.uid}, or chown -R postgres ${dataDir}`,
      );
    });
  });
});
