import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/db/embedded-postgres.js';

const REPO = join(import.meta.dirname, '..', '..');

interface MainProcess {
  child: ChildProcess;
  port: number;
  output(): string;
}

/** Starts the real service (`node --import tsx src/main.ts`) and resolves once it logs "listening". */
async function startMain(configFile: string): Promise<MainProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', LOG_LEVEL: 'info' };
  delete env.DATABASE_URL;
  delete env.CONFIG_FILE;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--config', configFile], {
    cwd: REPO,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`main did not start in time:\n${output}`));
    }, 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of output.split('\n')) {
        if (!line.includes('"listening"')) continue;
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
        return;
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`main exited early (code ${code}, signal ${signal}):\n${output}`));
    });
  });
  return { child, port, output: () => output };
}

async function killHard(main: MainProcess): Promise<void> {
  const exited = once(main.child, 'close');
  main.child.kill('SIGKILL');
  await exited;
}

async function stopGracefully(main: MainProcess): Promise<number | null> {
  const exited = once(main.child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  main.child.kill('SIGTERM');
  const [code] = await exited;
  return code;
}

/** PostgreSQL processes whose command line names this data directory (postmaster only; its children have a title). */
function postgresProcessesUsing(dataDir: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (commandLine[0]?.endsWith('postgres') && commandLine.includes(dataDir)) found.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

async function readyz(port: number): Promise<number> {
  return (await fetch(`http://127.0.0.1:${port}/readyz`)).status;
}

describe.skipIf(process.platform !== 'linux')('embedded PostgreSQL across a kill -9', () => {
  let root: string;
  let dataDir: string;
  let configFile: string;
  let databaseUrl: string;
  let running: MainProcess | undefined;

  const query = async <T extends pg.QueryResultRow>(text: string, values: unknown[] = []) => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      return (await client.query<T>(text, values)).rows;
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'pgtask-kill9-'));
    // As root, embedded-postgres runs the server as a "postgres" user that must reach the data dir.
    await chmod(root, 0o755);
    dataDir = join(root, 'postgres');
    const pgPort = await findFreePort();
    databaseUrl = `postgres://postgres:postgres@127.0.0.1:${pgPort}/postgres`;
    configFile = join(root, 'config.yaml');
    await writeFile(configFile, `storage:\n  embedded:\n    dataDir: ${dataDir}\n    port: ${pgPort}\n`);
  });

  afterAll(async () => {
    if (running && running.child.exitCode === null) await stopGracefully(running);
    // Whatever happened above, leave no server behind.
    for (const pid of postgresProcessesUsing(dataDir)) process.kill(pid, 'SIGKILL');
    await rm(root, { recursive: true, force: true });
  }, 60_000);

  it('keeps its data and comes back after the service is killed, then after the server is killed too', async () => {
    running = await startMain(configFile);
    expect(await readyz(running.port)).toBe(200);
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);
    const [written] = await query<{ id: string }>(
      `insert into tasks (id, type, status, max_attempts, backoff_ms, payload)
       values (gen_random_uuid(), 'Sleep', 'succeeded', 1, 1000, '{"n": 1}') returning id`,
    );

    // 1. The service dies without a chance to stop its PostgreSQL: the server is left running.
    await killHard(running);
    const leftover = postgresProcessesUsing(dataDir);
    expect(leftover).toHaveLength(1);

    running = await startMain(configFile);
    expect(await readyz(running.port)).toBe(200);
    expect(running.output()).toContain('a PostgreSQL from an earlier run is still using the data directory');
    expect(postgresProcessesUsing(dataDir)).not.toContain(leftover[0]);
    expect(await query(`select id, payload from tasks`)).toEqual([{ id: written!.id, payload: { n: 1 } }]);

    // 2. Both die at once: a stale postmaster.pid names a process that no longer exists.
    const postmaster = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    await killHard(running);
    process.kill(postmaster, 'SIGKILL');
    await waitUntil(() => postgresProcessesUsing(dataDir).length === 0);
    expect(existsSync(join(dataDir, 'postmaster.pid'))).toBe(true);

    running = await startMain(configFile);
    expect(running.output()).toContain('removing a stale postmaster.pid');
    expect(await readyz(running.port)).toBe(200);
    expect(await query(`select id from tasks`)).toEqual([{ id: written!.id }]);

    // A clean stop stops the embedded server with it.
    expect(await stopGracefully(running)).toBe(0);
    expect(running.output()).toContain('"stopped"');
    expect(postgresProcessesUsing(dataDir)).toEqual([]);
  }, 240_000);
});

async function waitUntil(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((done) => setTimeout(done, 50));
  }
}
