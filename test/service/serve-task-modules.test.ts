import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_TIMEOUT, buildIfStale } from '../support/build.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { enqueueOverHttp, finishedTask, listeningPort, runService } from '../support/service-process.js';

/**
 * Handler modules through the real start command (`node dist/main.js`, as `npm start` runs it)
 * and the package's bin (`pgtask serve`): the example folder (outside src/) and a module in a
 * folder outside the repository serve their types; broken modules stop start-up with exit 2 and
 * one line naming the file, before the database is touched.
 */
const REPO = join(import.meta.dirname, '..', '..');
let db: TestDatabase;
let dir: string;

beforeAll(async () => {
  await buildIfStale();
  db = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), 'pgtask-task-modules-'));
}, BUILD_TIMEOUT);

afterAll(async () => {
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A config file in its own folder whose tasks.modules point at ./handlers/<name>, holding `source`. */
async function configWithModule(name: string, source: string, extra = ''): Promise<string> {
  const folder = await mkdtemp(join(dir, 'case-'));
  await mkdir(join(folder, 'handlers'));
  await writeFile(join(folder, 'handlers', name), source);
  await writeFile(join(folder, 'pgtask.yaml'), `tasks:\n  modules: ["./handlers/${name}"]\n${extra}`);
  return folder;
}

/** Nothing listens there: a service that got as far as the database would exit 1 (ECONNREFUSED), not 2. */
const UNREACHABLE_DATABASE = 'postgres://postgres@127.0.0.1:1/none';

async function refusal(
  folder: string,
  entry: 'start' | 'bin' = 'start',
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const service = runService({
    entry,
    env: { DATABASE_URL: UNREACHABLE_DATABASE, CONFIG_FILE: join(folder, 'pgtask.yaml') },
  });
  const [code] = await service.exited;
  return { code, stderr: service.stderr, stdout: service.stdout };
}

describe('tasks.modules through the start command', () => {
  it('serves the example handlers: listed in /task-types, enqueued over HTTP, run to success', async () => {
    const service = runService({
      entry: 'start',
      env: { DATABASE_URL: db.url, PGTASK_TASK_MODULES: 'examples/handlers/*.js' },
    });
    try {
      const port = await listeningPort(service);
      expect(service.stdout).toContain('"msg":"handler module loaded"');
      const { types } = (await (await fetch(`http://127.0.0.1:${port}/task-types`)).json()) as {
        types: { type: string; thread: boolean; payloadSchema: { properties?: object } }[];
      };
      const byName = new Map(types.map((entry) => [entry.type, entry]));
      for (const type of ['Slugify', 'CountPrimes', 'IsPrime', 'Sleep', 'Fibonacci'])
        expect(byName.has(type), type).toBe(true);
      expect(byName.get('CountPrimes')!.thread).toBe(true);
      // The enqueue form builds its fields from this schema.
      expect(Object.keys(byName.get('Slugify')!.payloadSchema.properties ?? {})).toEqual([
        'title',
        'maxLength',
      ]);

      const [slug, primes, prime, noLetters] = await enqueueOverHttp(port, [
        { taskType: 'Slugify', payload: { title: 'Hello, Wörld! Tasks on PostgreSQL' } },
        { taskType: 'CountPrimes', payload: { upTo: 1_000_000 } },
        { taskType: 'IsPrime', payload: { n: 1_000_003 } },
        { taskType: 'Slugify', payload: { title: '!!!' } },
      ]);
      expect(await finishedTask(port, slug!)).toMatchObject({
        status: 'succeeded',
        result: { slug: 'hello-world-tasks-on-postgresql' },
      });
      expect(await finishedTask(port, primes!)).toMatchObject({
        status: 'succeeded',
        result: { upTo: 1_000_000, count: 78_498 },
      });
      expect(await finishedTask(port, prime!)).toMatchObject({
        status: 'succeeded',
        result: { prime: true },
      });
      // PermanentError from a module: dead at once, no retries.
      expect(await finishedTask(port, noLetters!)).toMatchObject({
        status: 'dead',
        attempts: 1,
        error: 'PermanentError: "!!!" has no letters or digits',
      });

      const refused = await fetch(`http://127.0.0.1:${port}/tasks/enqueue`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tasks: [{ taskType: 'Slugify', payload: { title: '' } }] }),
      });
      expect(refused.status).toBe(400);
    } finally {
      service.child.kill('SIGTERM');
    }
    const [code] = await service.exited;
    expect(code).toBe(0);
  }, 240_000);

  it('`pgtask serve` with tasks.builtIn: false: only the modules’ types (and the seed API’s own), one of them from a folder outside the repository', async () => {
    // A module outside the repository that imports nothing, found relative to the config file.
    const folder = await configWithModule(
      'echo.js',
      "export default { type: 'Echo', payloadSchema: { safeParse: (data) => ({ success: true, data }) }, run: (payload) => ({ echoed: payload }) };\n",
    );
    await writeFile(
      join(folder, 'pgtask.yaml'),
      `tasks:\n  builtIn: false\n  modules: ["./handlers/*.js", "${REPO}/examples/handlers/slugify.js"]\n`,
    );
    const run = runService({
      entry: 'bin',
      env: { DATABASE_URL: db.url, CONFIG_FILE: join(folder, 'pgtask.yaml') },
    });
    try {
      const port = await listeningPort(run);
      const { types } = (await (await fetch(`http://127.0.0.1:${port}/task-types`)).json()) as {
        types: { type: string }[];
      };
      expect(types.map((entry) => entry.type)).toEqual(['Echo', 'InvalidJobPayload', 'Slugify']);
      const [echo] = await enqueueOverHttp(port, [{ taskType: 'Echo', payload: { hello: 'world' } }]);
      expect(await finishedTask(port, echo!)).toMatchObject({
        status: 'succeeded',
        result: { echoed: { hello: 'world' } },
      });
      const sleep = await fetch(`http://127.0.0.1:${port}/tasks/enqueue`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tasks: [{ taskType: 'Sleep', payload: { duration: 0 } }] }),
      });
      expect(sleep.status).toBe(400);
    } finally {
      run.child.kill('SIGTERM');
    }
    const [code] = await run.exited;
    expect(code).toBe(0);
  }, 240_000);

  it.each([
    {
      name: 'a module that fails to load',
      file: 'broken.js',
      source: 'export default {\n',
      problem: 'failed to load: SyntaxError: Unexpected end of input',
    },
    {
      name: 'a module that exports no handler',
      file: 'empty.js',
      source: 'export const handler = {};\n',
      problem:
        'exports no handler: its default export must be a handler made with defineHandler, or an array of them',
    },
    {
      name: 'a module that defines a type already taken',
      file: 'sleep.js',
      source:
        "export default { type: 'Sleep', payloadSchema: { safeParse: (v) => ({ success: true, data: v }) }, run() {} };\n",
      problem: 'defines task type Sleep, which is already taken by a built-in type',
    },
  ])(
    'refuses $name: exit 2, one line naming the file and the problem',
    async ({ file, source, problem }) => {
      const folder = await configWithModule(file, source);
      const { code, stderr, stdout } = await refusal(folder);
      expect(code).toBe(2);
      expect(stderr).toBe(`tasks.modules: ${join(folder, 'handlers', file)} ${problem}\n`);
      // Refused before the database is touched (an unreachable one would be exit 1): nothing listens.
      expect(stdout).not.toContain('listening');
    },
    180_000,
  );

  it('`pgtask serve` refuses a listed file that does not exist, naming the resolved path', async () => {
    const folder = await mkdtemp(join(dir, 'missing-'));
    await writeFile(join(folder, 'pgtask.yaml'), 'tasks:\n  modules: ["./handlers/nope.js"]\n');
    const { code, stderr } = await refusal(folder, 'bin');
    expect(code).toBe(2);
    expect(stderr).toBe(
      `tasks.modules: ${join(folder, 'handlers', 'nope.js')} cannot be read: no such file\n`,
    );
  }, 180_000);
});
