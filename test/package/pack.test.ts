import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const run = promisify(execFile);
const REPO = join(import.meta.dirname, '..', '..');
const EXAMPLES = join(REPO, 'examples', 'library');

interface Manifest {
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

/** Runs a command, and on failure says what it printed (npm's own errors are long). */
async function sh(file: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  try {
    return await run(file, args, { ...options, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${file} ${args.join(' ')} failed:\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
}

/**
 * What a user of the package does: install the published tarball into an empty project that
 * depends on pg and zod only, and run a program against it. Nothing of the repository is on the
 * project's module path, so a missing file in `files`, a wrong `exports` path or a .d.ts that
 * names an internal module fails here.
 */
describe('the packed package, installed in a project of its own', () => {
  let db: TestDatabase;
  let project: string;
  let packDir: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    packDir = await mkdtemp(join(tmpdir(), 'pgtask-pack-'));
    project = await mkdtemp(join(tmpdir(), 'pgtask-user-'));
    // npm pack builds first (the prepack script): the tarball holds a fresh dist/.
    await sh('npm', ['pack', '--pack-destination', packDir, '--silent'], { cwd: REPO });
    const [tarball] = (await readdir(packDir)).filter((name) => name.endsWith('.tgz'));
    expect(tarball).toBeDefined();
    const manifest = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as Manifest;
    await writeFile(
      join(project, 'package.json'),
      JSON.stringify(
        {
          name: 'pgtask-user',
          private: true,
          type: 'module',
          dependencies: {
            pg: manifest.dependencies.pg,
            zod: manifest.dependencies.zod,
            pgtask: `file:${join(packDir, tarball!)}`,
          },
        },
        null,
        2,
      ),
    );
    // Optional dependencies (the embedded PostgreSQL's binaries) stay out: DATABASE_URL is given.
    await sh('npm', ['install', '--no-audit', '--no-fund', '--omit=optional', '--prefer-offline'], {
      cwd: project,
    });
    for (const file of ['orders.mjs', 'typed-services.ts']) {
      await copyFile(join(EXAMPLES, file), join(project, file));
    }
    await copyFile(
      join(REPO, 'examples', 'workers', 'node', 'remote-worker.mjs'),
      join(project, 'remote-worker.mjs'),
    );
  });

  afterAll(async () => {
    await db?.drop();
    await rm(project, { recursive: true, force: true });
    await rm(packDir, { recursive: true, force: true });
  });

  it('holds the built entries, the migrations and the bin, and no TypeScript sources or tests', async () => {
    const installed = join(project, 'node_modules', 'pgtask');
    const files = await readdir(installed, { recursive: true });
    expect(files).toEqual(
      expect.arrayContaining([
        join('dist', 'index.js'),
        join('dist', 'index.d.ts'),
        join('dist', 'http.js'),
        join('dist', 'tasks', 'index.js'),
        join('dist', 'client', 'index.js'),
        join('dist', 'client', 'index.d.ts'),
        join('dist', 'cli.js'),
        join('drizzle', 'meta', '_journal.json'),
      ]),
    );
    expect(files.filter((file) => file.startsWith('src') || file.startsWith('test'))).toEqual([]);
    expect(files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);
  });

  it("runs the README's example: the rolled-back order runs nothing, the committed one succeeds", async () => {
    const { stdout } = await sh(process.execPath, ['orders.mjs'], {
      cwd: project,
      env: { ...process.env, DATABASE_URL: db.url },
    });
    expect(stdout).toContain('first order: payment declined');
    expect(stdout).toMatch(/second order: \d+ succeeded \{"sentTo":"grace@example.com","orderId":\d+\}/);
    const { rows } = await db.pool.query<{ type: string; status: string; n: number }>(
      `select type, status, count(*)::int as n from tasks group by 1, 2`,
    );
    // One task only: the rolled-back transaction's never existed.
    expect(rows).toEqual([{ type: 'SendReceipt', status: 'succeeded', n: 1 }]);
    const orders = await db.pool.query<{ email: string }>('select email from orders');
    expect(orders.rows).toEqual([{ email: 'grace@example.com' }]);
  });

  it('runs a remote worker from pgtask/client against the served API: every task once, bad payloads refused', async () => {
    const remote = await createTestDatabase();
    try {
      const { stdout } = await sh(process.execPath, ['remote-worker.mjs'], {
        cwd: project,
        env: { ...process.env, DATABASE_URL: remote.url },
      });
      expect(stdout).toContain('remote worker: 20 of 20 succeeded, each handled once: true');
      expect(stdout).toContain('bad payload: validation_failed');
      const { rows } = await remote.pool.query<{ status: string; n: number }>(
        `select status, count(*)::int as n from tasks where type = 'ResizeImage' group by 1`,
      );
      expect(rows).toEqual([{ status: 'succeeded', n: 20 }]);
    } finally {
      await remote.drop();
    }
  });

  it('type-checks a TypeScript program against the packed .d.ts', async () => {
    await writeFile(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          // As most projects do; wrong.ts below proves the types are real, not a silent any.
          skipLibCheck: true,
          typeRoots: [join(REPO, 'node_modules', '@types')],
          types: ['node'],
        },
        files: ['typed-services.ts'],
      }),
    );
    await sh(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], {
      cwd: project,
    });
    // And a mistake is caught: ctx.services is typed, so a missing service does not compile.
    await writeFile(
      join(project, 'wrong.ts'),
      `import { defineHandler } from 'pgtask';
import { z } from 'zod';
export const wrong = defineHandler<{ db: { query(sql: string): Promise<unknown> } }>()({
  type: 'Wrong',
  payloadSchema: z.object({ n: z.number() }),
  run: (payload, ctx) => ctx.services.mailer.send(payload.n),
});
`,
    );
    const failed = await run(
      process.execPath,
      [
        join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'),
        '--noEmit',
        '--strict',
        '--module',
        'NodeNext',
        '--moduleResolution',
        'NodeNext',
        '--typeRoots',
        join(REPO, 'node_modules', '@types'),
        '--types',
        'node',
        'wrong.ts',
      ],
      { cwd: project },
    ).then(
      () => '',
      (error: { stdout?: string }) => error.stdout ?? '',
    );
    expect(failed).toContain("Property 'mailer' does not exist");
  });
});
