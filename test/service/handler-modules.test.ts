import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HandlerModuleError, loadHandlerModules } from '../../src/service/handler-modules.js';

/**
 * loadHandlerModules on files of a temporary folder. The modules here stand alone (no imports):
 * a handler is any object with a type, a payloadSchema with safeParse and a run function.
 */
let dir: string;

const handlerSource = (type: string) =>
  `{ type: ${JSON.stringify(type)}, payloadSchema: { safeParse: (v) => ({ success: true, data: v }) }, run: () => ({ ok: true }) }`;

async function module(name: string, source: string): Promise<string> {
  const file = join(dir, name);
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, source);
  return file;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pgtask-modules-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const load = (patterns: string[], taken: [string, string][] = []) =>
  loadHandlerModules({ patterns, taken: new Map(taken) });

describe('loadHandlerModules', () => {
  it('loads a default-exported handler and an array of handlers, globs sorted by path, each file once', async () => {
    const b = await module('glob/b.js', `export default [${handlerSource('B1')}, ${handlerSource('B2')}];`);
    const a = await module('glob/a.js', `export default ${handlerSource('A')};`);
    await module('glob/notes.txt', 'not a module');
    const empty: string[] = [];
    const loaded = await loadHandlerModules({
      patterns: [join(dir, 'glob', '*.js'), a, join(dir, 'nothing-here', '*.js')],
      taken: new Map(),
      onEmptyGlob: (pattern) => empty.push(pattern),
    });
    expect(loaded.map((entry) => [entry.file, entry.handlers.map((handler) => handler.type)])).toEqual([
      [a, ['A']],
      [b, ['B1', 'B2']],
    ]);
    // A glob over an empty (mounted) folder is not an error, only a warning.
    expect(empty).toEqual([join(dir, 'nothing-here', '*.js')]);
  });

  it.each([
    {
      name: 'a syntax error',
      source: 'export default {',
      // (vitest's own module loader words it differently from Node; the service test checks Node's)
      problem: /failed to load: \w*Error: /,
    },
    {
      name: 'an import that is not installed',
      source: "import 'no-such-package-pgtask';\nexport default {};",
      problem: /failed to load: Error: Cannot find package 'no-such-package-pgtask'/,
    },
    {
      name: 'a throw at import time',
      source: "throw new Error('SMTP_URL is not set');",
      problem: /failed to load: Error: SMTP_URL is not set$/,
    },
    {
      name: 'no default export',
      source: 'export const handler = 1;',
      problem:
        /exports no handler: its default export must be a handler made with defineHandler, or an array of them$/,
    },
    {
      name: 'an empty array',
      source: 'export default [];',
      problem: /exports no handler: its default export is an empty array$/,
    },
    {
      name: 'an object that is not a handler',
      source: "export default { type: 'Half' };",
      problem:
        /exports no handler: its default export is not a handler made with defineHandler \(it needs payloadSchema: a zod schema, run: a function\)$/,
    },
    {
      name: 'an array with a non-handler',
      source: `export default [${handlerSource('Fine')}, 'oops'];`,
      problem: /its default export \[1\] is not a handler made with defineHandler \(found a string\)$/,
    },
  ])('refuses a module with $name, naming the file, on one line', async ({ name, source, problem }) => {
    const file = await module(`broken/${name.replaceAll(' ', '-')}.js`, source);
    const error = await load([file]).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(HandlerModuleError);
    const message = (error as Error).message;
    expect(message.startsWith(`tasks.modules: ${file} `)).toBe(true);
    expect(message).toMatch(problem);
    expect(message).not.toContain('\n');
  });

  it('refuses a type that is already taken: by a built-in, by tasks.external, by another module, twice in one file', async () => {
    const sleep = await module('taken/sleep.js', `export default ${handlerSource('Sleep')};`);
    await expect(load([sleep], [['Sleep', 'a built-in type']])).rejects.toThrow(
      `tasks.modules: ${sleep} defines task type Sleep, which is already taken by a built-in type`,
    );
    const scan = await module('taken/scan.js', `export default ${handlerSource('Scan')};`);
    await expect(load([scan], [['Scan', 'tasks.external']])).rejects.toThrow(
      `tasks.modules: ${scan} defines task type Scan, which is already taken by tasks.external`,
    );
    const first = await module('taken/first.js', `export default ${handlerSource('Shared')};`);
    const second = await module('taken/second.js', `export default ${handlerSource('Shared')};`);
    await expect(load([first, second])).rejects.toThrow(
      `tasks.modules: ${second} defines task type Shared, which is already taken by ${first}`,
    );
    const twice = await module(
      'taken/twice.js',
      `export default [${handlerSource('Dup')}, ${handlerSource('Dup')}];`,
    );
    await expect(load([twice])).rejects.toThrow(
      `tasks.modules: ${twice} defines task type Dup, which is already taken by another handler in the same file`,
    );
  });

  it('refuses a listed file that does not exist, and a folder', async () => {
    const missing = join(dir, 'handlers', 'missing.js');
    await expect(load([missing])).rejects.toThrow(`tasks.modules: ${missing} cannot be read: no such file`);
    await mkdir(join(dir, 'a-folder'), { recursive: true });
    await expect(load([join(dir, 'a-folder')])).rejects.toThrow(
      `tasks.modules: ${join(dir, 'a-folder')} is not a file (a folder? use ${join(dir, 'a-folder')}/*.js)`,
    );
  });
});
