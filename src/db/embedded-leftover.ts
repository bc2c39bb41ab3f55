import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Logger } from '../logger.js';
import { inUseError } from './embedded-start-error.js';

/**
 * A server left behind by a killed run, or its stale pid file, is shut down or cleared, so
 * start-up after `kill -9` recovers instead of failing. A server another running instance
 * started is left alone: that is a one-line error.
 */
export async function stopLeftoverServer(dataDir: string, log: Logger): Promise<void> {
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
    if (owner !== undefined) throw inUseError(dataDir, owner);
    log.warn(
      { leftoverPid: pid },
      'a PostgreSQL from an earlier run is still using the data directory; stopping it',
    );
    try {
      process.kill(pid, 'SIGINT'); // fast shutdown: clean, and quick even with clients attached
    } catch {
      throw inUseError(dataDir, pid); // another user's server: not ours to stop
    }
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
    return (await isNodeProcess(parent)) ? parent : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Node 24 names its main thread "MainThread", which is what /proc/<pid>/comm shows, so the
 * program's own path (argv[0]) decides as well as the thread name.
 */
async function isNodeProcess(pid: number): Promise<boolean> {
  const comm = (await readFile(`/proc/${pid}/comm`, 'utf8')).trim();
  if (comm === 'node' || comm.startsWith('node-')) return true;
  const program = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0')[0] ?? '';
  return /(^|\/)node(js)?(\d+)?$/.test(program);
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
