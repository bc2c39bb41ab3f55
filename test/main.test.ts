import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_TIMEOUT, buildIfStale } from './support/build.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';

const REPO = join(import.meta.dirname, '..');

/** `npm start` without npm in between: package.json's start script, run with this node. */
function startCommand(): string[] {
  const scripts = (
    JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  ).scripts;
  const [program, ...args] = scripts.start!.split(' ');
  expect(program).toBe('node');
  return args;
}

interface Run {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<[number | null, NodeJS.Signals | null]>;
}

function run(options: { env: Record<string, string | undefined>; args?: string[] }): Run {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  delete env.CONFIG_FILE;
  if (!options.env.DATABASE_URL) delete env.DATABASE_URL;
  const child = spawn(process.execPath, [...startCommand(), ...(options.args ?? [])], {
    cwd: REPO,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // 'close', not 'exit': it fires after stdout and stderr are drained, so the output is complete.
  const result: Run = {
    child,
    stdout: '',
    stderr: '',
    exited: once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>,
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    result.stdout += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    result.stderr += chunk.toString();
  });
  return result;
}

async function listeningPort(started: Run): Promise<number> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const line = started.stdout.split('\n').find((text) => text.includes('"listening"'));
    if (line) return (JSON.parse(line) as { port: number }).port;
    if (started.child.exitCode !== null) break;
    await new Promise((done) => setTimeout(done, 25));
  }
  started.child.kill('SIGKILL');
  throw new Error(`the service did not log "listening":\n${started.stdout}\n${started.stderr}`);
}

describe('the service as `npm start` runs it', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    await buildIfStale();
    db = await createTestDatabase();
  }, BUILD_TIMEOUT);
  afterAll(() => db.drop());

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'serves /healthz and /readyz on DATABASE_URL, starts no embedded server, and exits 0 on %s',
    async (signal) => {
      const started = run({ env: { DATABASE_URL: db.url, PORT: '0', LOG_LEVEL: 'info' } });
      const port = await listeningPort(started);

      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      expect(health.headers.get('content-type')).toBe('application/json');
      expect(await health.json()).toEqual({ status: 'ok' });
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready' });
      expect(started.stdout).not.toContain('embedded PostgreSQL');

      started.child.kill(signal);
      const [code] = await started.exited;
      expect(code).toBe(0);
      expect(started.stdout).toContain('"stopped"');
      // Every log line is JSON when stdout is not a terminal, so log shippers can read it.
      for (const line of started.stdout.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    },
    90_000,
  );

  it.each([
    {
      name: 'a bad environment value',
      env: { LOG_LEVEL: 'loud' },
      args: [],
      line: 'config: log.level = "loud" is invalid: expected one of "fatal", "error", "warn", "info", "debug", "trace", "silent"',
    },
    {
      name: 'a bad flag value',
      env: {},
      args: ['--pool-size', 'ten'],
      line: '--pool-size = "ten" is invalid: expected a whole number (sets queue.workerPoolSize)',
    },
    { name: 'an unknown flag', env: {}, args: ['--verbose'], line: "flags: Unknown option '--verbose'" },
  ])('refuses to start on $name with exit code 2 and one line on stderr', async ({ env, args, line }) => {
    const started = run({ env: { DATABASE_URL: db.url, PORT: '0', ...env }, args });
    const [code] = await started.exited;
    expect(code).toBe(2);
    expect(started.stderr).toBe(`${line}\n`);
    expect(started.stdout).toBe('');
  });

  it('exits 1 and says why when the database cannot be reached', async () => {
    const started = run({ env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere', PORT: '0' } });
    const [code] = await started.exited;
    expect(code).toBe(1);
    expect(started.stderr.split('\n')[0]).toMatch(/^fatal: .*ECONNREFUSED 127\.0\.0\.1:1/);
  });
});
