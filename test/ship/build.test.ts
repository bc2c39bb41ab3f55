import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/**
 * scripts/build.mjs on a project of two source files (the real one takes tens of seconds to
 * compile): a copy of the script, our tsconfig.build.json and TypeScript from our node_modules.
 */
const REPO = join(import.meta.dirname, '..', '..');
let project: string;

beforeEach(async () => {
  project = await mkdtemp(join(tmpdir(), 'pgtask-build-'));
  await mkdir(join(project, 'scripts'));
  await cp(join(REPO, 'scripts', 'build.mjs'), join(project, 'scripts', 'build.mjs'));
  await cp(join(REPO, 'tsconfig.build.json'), join(project, 'tsconfig.build.json'));
  // Our compiler options without @types/node, which alone costs seconds per compile.
  const options = JSON.parse(await readFile(join(REPO, 'tsconfig.json'), 'utf8')) as {
    compilerOptions: Record<string, unknown>;
  };
  await writeFile(
    join(project, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { ...options.compilerOptions, types: [], lib: ['ES2023'] } }),
  );
  await writeFile(join(project, 'package.json'), '{ "type": "module" }\n');
  await mkdir(join(project, 'src', 'ui'), { recursive: true });
  await writeFile(join(project, 'src', 'main.ts'), "export const greeting: string = 'hello';\n");
  await writeFile(join(project, 'src', 'ui', 'index.html'), '<html></html>\n');
  await symlink(join(REPO, 'node_modules'), join(project, 'node_modules'));
  // Inputs from a minute ago, so a build's stamp is newer than all of them.
  await age(join(project, 'src', 'main.ts'), join(project, 'src'), join(project, 'package.json'));
});

afterEach(() => rm(project, { recursive: true, force: true }));

async function age(...paths: string[]): Promise<void> {
  const past = new Date(Date.now() - 60_000);
  for (const path of paths) await utimes(path, past, past);
}

async function build(...args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await promisify(execFile)(
      process.execPath,
      [join(project, 'scripts', 'build.mjs'), ...args],
      { cwd: project, timeout: 120_000 },
    );
    return { code: 0, stderr };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr };
  }
}

const stampTime = async () => (await stat(join(project, 'dist', '.build-complete'))).mtimeMs;

describe('scripts/build.mjs', () => {
  it('compiles src/ into dist/ with declarations and source maps, and copies src/ui', async () => {
    expect(await build()).toEqual({ code: 0, stderr: '' });
    expect(await readFile(join(project, 'dist', 'main.js'), 'utf8')).toContain("greeting = 'hello'");
    for (const file of ['main.d.ts', 'main.js.map', 'ui/index.html']) {
      expect(existsSync(join(project, 'dist', file)), file).toBe(true);
    }
    expect(existsSync(join(project, '.dist.lock'))).toBe(false);
  }, 120_000);

  it('--if-stale builds a missing dist/, then leaves a fresh one alone', async () => {
    const first = await build('--if-stale');
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('dist/ is missing or older than src/');
    const built = await stampTime();
    expect(await build('--if-stale')).toEqual({ code: 0, stderr: '' });
    expect(await stampTime()).toBe(built);
  }, 120_000);

  it('--if-stale rebuilds after a source changes or is deleted, dropping what was deleted', async () => {
    await writeFile(join(project, 'src', 'extra.ts'), 'export const extra = 1;\n');
    expect((await build('--if-stale')).code).toBe(0);
    expect(existsSync(join(project, 'dist', 'extra.js'))).toBe(true);

    await writeFile(join(project, 'src', 'main.ts'), "export const greeting: string = 'changed';\n");
    expect((await build('--if-stale')).stderr).toContain('building it');
    expect(await readFile(join(project, 'dist', 'main.js'), 'utf8')).toContain('changed');

    await rm(join(project, 'src', 'extra.ts'));
    expect((await build('--if-stale')).stderr).toContain('building it');
    expect(existsSync(join(project, 'dist', 'extra.js'))).toBe(false);
  }, 120_000);

  it('a type error fails `npm run build` (exit 2, dist/ unchanged); the start-up build leaves it to typecheck', async () => {
    expect((await build()).code).toBe(0);
    const before = await stampTime();
    await writeFile(join(project, 'src', 'main.ts'), 'export const greeting: number = "hello";\n');
    const full = await build();
    expect(full.code).toBe(2);
    expect(full.stderr).toContain("Type 'string' is not assignable to type 'number'");
    expect(full.stderr).toContain('build: tsc failed');
    expect(await stampTime()).toBe(before);
    expect(await build('--if-stale')).toMatchObject({ code: 0 });
    expect(await readFile(join(project, 'dist', 'main.js'), 'utf8')).toContain('"hello"');
  }, 120_000);

  it('without TypeScript installed (a production install) says what to run, exit 2', async () => {
    await rm(join(project, 'node_modules'));
    const result = await build('--if-stale');
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n').at(-1)).toBe(
      'build: dist/ is missing or older than src/ and TypeScript is not installed (a production-only install?); run `npm ci`, then `npm run build`',
    );
  });
});
