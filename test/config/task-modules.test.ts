import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../../src/config/load-config.js';

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function tempDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'pgtask-config-modules-'));
  roots.push(root);
  return root;
}

describe('tasks.modules and tasks.builtIn', () => {
  it('default to no modules and the built-in types', () => {
    expect(parseConfig({}).tasks).toMatchObject({ modules: [], builtIn: true });
  });

  it('resolves the file’s module paths against the config file, wherever the service starts', () => {
    const root = tempDir();
    mkdirSync(join(root, 'etc'));
    writeFileSync(
      join(root, 'etc', 'pgtask.yaml'),
      'tasks:\n  builtIn: false\n  modules:\n    - ./handlers/*.js\n    - ../shared/report.js\n    - /opt/pgtask/extra.js\n',
    );
    const config = loadConfig({
      cwd: tempDir(),
      env: { CONFIG_FILE: join(root, 'etc', 'pgtask.yaml') },
      argv: [],
    });
    expect(config.tasks.modules).toEqual([
      join(root, 'etc', 'handlers', '*.js'),
      join(root, 'shared', 'report.js'),
      '/opt/pgtask/extra.js',
    ]);
    expect(config.tasks.builtIn).toBe(false);
  });

  it('PGTASK_TASK_MODULES (comma-separated, relative to the working directory) replaces the file’s list', () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'config.yaml'), 'tasks:\n  modules: [./from-file.js]\n');
    const config = loadConfig({
      cwd,
      env: { PGTASK_TASK_MODULES: ' ./handlers/*.js, /abs/one.js ,,' },
      argv: [],
    });
    expect(config.tasks.modules).toEqual([join(cwd, 'handlers', '*.js'), '/abs/one.js']);
    expect(loadConfig({ cwd, env: { PGTASK_TASK_MODULES: '' }, argv: [] }).tasks.modules).toEqual([]);
  });

  it('refuses a value that is not a list of paths, on one line', () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'config.yaml'), 'tasks:\n  modules: ./handlers/*.js\n');
    expect(() => loadConfig({ cwd, env: {}, argv: [] })).toThrow(ConfigError);
    expect(() => loadConfig({ cwd, env: {}, argv: [] })).toThrow(
      'config: tasks.modules = "./handlers/*.js" is invalid: expected array',
    );
    writeFileSync(join(cwd, 'config.yaml'), 'tasks:\n  builtIn: "no"\n');
    expect(() => loadConfig({ cwd, env: {}, argv: [] })).toThrow(
      'config: tasks.builtIn = "no" is invalid: expected boolean',
    );
  });
});
