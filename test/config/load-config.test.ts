import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ConfigError, loadConfig, parseConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/schema.js';

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** A temp working directory holding the given files (name → YAML text). */
function workdir(files: Record<string, string | undefined> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'pgtask-config-'));
  roots.push(root);
  for (const [name, text] of Object.entries(files)) {
    if (text !== undefined) writeFileSync(join(root, name), text);
  }
  return root;
}

function load(options: {
  files?: Record<string, string | undefined>;
  env?: Record<string, string | undefined>;
  argv?: string[];
}): Config {
  return loadConfig({ cwd: workdir(options.files), env: options.env ?? {}, argv: options.argv ?? [] });
}

function loadError(options: Parameters<typeof load>[0]): string {
  try {
    load(options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

const FILE = `
api:
  listenAddr: '127.0.0.1:9000'
queue:
  workerPoolSize: 4
  maxBufferSize: 400
storage:
  url: postgres://file@db/file
log:
  level: warn
`;

describe('loadConfig precedence: file < environment < flags', () => {
  const pick = (config: Config) => ({
    port: config.http.port,
    host: config.http.host,
    url: config.storage.url,
    level: config.log.level,
    pool: config.queue.workerPoolSize,
    buffer: config.queue.maxBufferSize,
  });

  it.each([
    {
      name: 'defaults with no file, env or flags',
      files: {},
      env: {},
      argv: [],
      expected: { port: 8080, host: '0.0.0.0', url: undefined, level: 'info', pool: 10, buffer: 1000 },
    },
    {
      name: 'config.yaml in the working directory',
      files: { 'config.yaml': FILE },
      env: {},
      argv: [],
      expected: {
        port: 9000,
        host: '127.0.0.1',
        url: 'postgres://file@db/file',
        level: 'warn',
        pool: 4,
        buffer: 400,
      },
    },
    {
      name: 'environment over the file (PORT keeps the file host)',
      files: { 'config.yaml': FILE },
      env: { PORT: '7000', DATABASE_URL: 'postgres://env@db/env', LOG_LEVEL: 'debug' },
      argv: [],
      expected: {
        port: 7000,
        host: '127.0.0.1',
        url: 'postgres://env@db/env',
        level: 'debug',
        pool: 4,
        buffer: 400,
      },
    },
    {
      name: 'flags over environment and file',
      files: { 'config.yaml': FILE },
      env: { PORT: '7000' },
      argv: ['--port', '6000', '--pool-size', '32', '--queue-size', '5000'],
      expected: {
        port: 6000,
        host: '127.0.0.1',
        url: 'postgres://file@db/file',
        level: 'warn',
        pool: 32,
        buffer: 5000,
      },
    },
    {
      name: 'flags with --name=value spelling',
      files: {},
      env: {},
      argv: ['--port=0', '--pool-size=1'],
      expected: { port: 0, host: '0.0.0.0', url: undefined, level: 'info', pool: 1, buffer: 1000 },
    },
    {
      name: 'CONFIG_FILE chooses another file',
      files: { 'config.yaml': FILE, 'other.yaml': 'queue:\n  workerPoolSize: 2\n' },
      env: { CONFIG_FILE: 'other.yaml' },
      argv: [],
      expected: { port: 8080, host: '0.0.0.0', url: undefined, level: 'info', pool: 2, buffer: 1000 },
    },
    {
      name: '--config wins over CONFIG_FILE',
      files: { 'a.yaml': 'queue:\n  workerPoolSize: 2\n', 'b.yaml': 'queue:\n  workerPoolSize: 3\n' },
      env: { CONFIG_FILE: 'a.yaml' },
      argv: ['--config', 'b.yaml'],
      expected: { port: 8080, host: '0.0.0.0', url: undefined, level: 'info', pool: 3, buffer: 1000 },
    },
    {
      name: 'an empty environment value leaves the file value alone',
      files: { 'config.yaml': FILE },
      env: { PORT: '', LOG_LEVEL: '', DATABASE_URL: '' },
      argv: [],
      expected: {
        port: 9000,
        host: '127.0.0.1',
        url: 'postgres://file@db/file',
        level: 'warn',
        pool: 4,
        buffer: 400,
      },
    },
  ])('$name', ({ files, env, argv, expected }) => {
    expect(pick(load({ files, env, argv }))).toEqual(expected);
  });

  it('reads API_TOKENS as name:token[:scope] entries, default scope admin', () => {
    const config = load({ env: { API_TOKENS: 'ops:0123456789abcdef0123:read, ci:fedcba9876543210fedc' } });
    expect(config.api.authTokens).toEqual([
      { name: 'ops', token: '0123456789abcdef0123', scope: 'read' },
      { name: 'ci', token: 'fedcba9876543210fedc', scope: 'admin' },
    ]);
  });

  it('parses durations given as strings or milliseconds', () => {
    const config = load({
      files: { 'config.yaml': 'queue:\n  defaultBackOff: 1m30s\n  pollInterval: 250\n' },
    });
    expect(config.queue.defaultBackOff).toBe(90_000);
    expect(config.queue.pollInterval).toBe(250);
  });

  it('treats an empty section (only comments under it) as defaults', () => {
    const config = load({ files: { 'config.yaml': 'mailer:\n  # smtpUrl: smtp://x\nlog:\n' } });
    expect(config.mailer.smtpUrl).toBeUndefined();
    expect(config.log.level).toBe('info');
  });

  it('returns a frozen config', () => {
    const config = load({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.queue)).toBe(true);
    expect(() => {
      (config.queue as { workerPoolSize: number }).workerPoolSize = 99;
    }).toThrow(TypeError);
  });
});

describe('loadConfig errors: one line naming key, value and what was expected', () => {
  it.each([
    {
      name: 'negative pool size',
      files: { 'config.yaml': 'queue:\n  workerPoolSize: -3\n' },
      message: 'config: queue.workerPoolSize = -3 is invalid: expected more than 0',
    },
    {
      name: 'pool size as text',
      files: { 'config.yaml': 'queue:\n  workerPoolSize: many\n' },
      message: 'config: queue.workerPoolSize = "many" is invalid: expected number',
    },
    {
      name: 'unknown log level',
      files: { 'config.yaml': 'log:\n  level: loud\n' },
      message:
        'config: log.level = "loud" is invalid: expected one of "fatal", "error", "warn", "info", "debug", "trace", "silent"',
    },
    {
      name: 'bad duration',
      files: { 'config.yaml': 'queue:\n  defaultBackOff: 5 parsecs\n' },
      message:
        'config: queue.defaultBackOff = "5 parsecs" is invalid: expected a duration like "500ms", "5s" or "1m30s"',
    },
    {
      name: 'a task timeout past what a timer and the timeout column hold (the enqueue limit)',
      files: { 'config.yaml': 'queue:\n  defaultTimeout: 720h\n' },
      message:
        'config: queue.defaultTimeout = "720h" is invalid: expected a duration up to about 24.8 days (2147483647 ms)',
    },
    {
      name: 'an external type queue name, by the same rule as an enqueue',
      files: { 'config.yaml': "tasks:\n  external:\n    - type: Remote\n      queue: 'has space'\n" },
      message:
        'config: tasks.external.0.queue = "has space" is invalid: expected a queue name of 1-64 letters, digits, "_", "." or "-"',
    },
    {
      name: 'bad listen address',
      files: { 'config.yaml': 'api:\n  listenAddr: localhost\n' },
      message:
        'config: api.listenAddr = "localhost" is invalid: expected an address like ":8080" or "127.0.0.1:8080"',
    },
    {
      name: 'port out of range in the listen address',
      files: { 'config.yaml': "api:\n  listenAddr: ':99999'\n" },
      message: 'config: api.listenAddr = ":99999" is invalid: expected a port up to 65535',
    },
    {
      name: 'priority range upside down',
      files: { 'config.yaml': 'queue:\n  minPriority: 5\n  maxPriority: 1\n' },
      message: 'config: queue.minPriority = 5 is invalid: expected at most queue.maxPriority (1)',
    },
    {
      name: 'bad queue name inside the list',
      files: { 'config.yaml': "queue:\n  queues:\n    - id: 'bad name'\n" },
      message:
        'config: queue.queues.0.id = "bad name" is invalid: expected a queue name of 1-64 letters, digits, "_", "." or "-"',
    },
    {
      name: 'unknown top-level key',
      files: { 'config.yaml': 'queues:\n  workerPoolSize: 3\n' },
      message: 'config: unknown key queues: expected one of the documented keys (see config.yaml)',
    },
    {
      name: 'unknown nested key (a typo)',
      files: { 'config.yaml': 'queue:\n  workerPoolSise: 3\n' },
      message:
        'config: queue: unknown key workerPoolSise: expected one of the documented keys (see config.yaml)',
    },
    {
      name: 'bad LOG_LEVEL from the environment',
      env: { LOG_LEVEL: 'loud' },
      message:
        'config: log.level = "loud" is invalid: expected one of "fatal", "error", "warn", "info", "debug", "trace", "silent"',
    },
    {
      name: 'PORT that is not a number',
      env: { PORT: 'http' },
      message: 'PORT = "http" is invalid: expected a whole number (sets api.listenAddr)',
    },
    {
      name: '--port out of range',
      argv: ['--port', '70000'],
      message: '--port = "70000" is invalid: expected a port number from 0 to 65535',
    },
    {
      name: '--pool-size that is not a number',
      argv: ['--pool-size', 'ten'],
      message: '--pool-size = "ten" is invalid: expected a whole number (sets queue.workerPoolSize)',
    },
    {
      name: '--queue-size of zero',
      argv: ['--queue-size', '0'],
      message: 'config: queue.maxBufferSize = 0 is invalid: expected more than 0',
    },
    {
      name: 'unknown flag',
      argv: ['--pool', '3'],
      message: "flags: Unknown option '--pool'",
    },
    {
      name: 'a positional argument',
      argv: ['start'],
      message: expect.stringMatching(/^flags: Unexpected argument 'start'/),
    },
    {
      name: 'API_TOKENS entry without a token',
      env: { API_TOKENS: 'ops' },
      message: 'API_TOKENS entry "ops…" is invalid: expected name:token[:read|admin]',
    },
  ])('$name', ({ files, env, argv, message }) => {
    const text = loadError({ files, env, argv });
    expect(text).toEqual(message);
    expect(text).not.toContain('\n');
  });

  it('never prints a secret value', () => {
    const text = loadError({ env: { API_TOKENS: 'ops:short' } });
    expect(text).toBe('config: api.authTokens.0.token = "***" is invalid: expected at least 16 characters');
    expect(text).not.toContain('short');
  });

  it('reports a missing explicit config file with its path', () => {
    const text = loadError({ env: { CONFIG_FILE: 'missing.yaml' } });
    expect(text).toMatch(/^config: cannot read \/.*\/missing\.yaml: ENOENT/);
  });

  it('reports YAML that does not parse, on one line with the position', () => {
    const text = loadError({ files: { 'config.yaml': 'queue: [\n' } });
    expect(text).toMatch(/^config: \/.*\/config\.yaml is not valid YAML: .*line \d+, column \d+/);
    expect(text).not.toContain('\n');
  });

  it('reports a file that is a list instead of a mapping', () => {
    expect(loadError({ files: { 'config.yaml': '- 1\n- 2\n' } })).toMatch(
      /^config: \/.*\/config\.yaml must hold a mapping of keys, found a list$/,
    );
  });
});

describe('config.yaml shipped with the project', () => {
  const root = join(import.meta.dirname, '..', '..');

  it('loads cleanly and documents the defaults (apart from its example queues and external type)', () => {
    const shipped = loadConfig({ cwd: root, env: {}, argv: [] });
    const defaults = parseConfig({});
    expect(shipped.tasks.external.map((entry) => entry.type)).toEqual(['ResizeImage']);
    expect({
      ...shipped,
      queue: { ...shipped.queue, queues: [] },
      tasks: { ...shipped.tasks, external: [] },
    }).toEqual(defaults);
  });

  it('names every schema key somewhere in the file', () => {
    const text = readFileSync(join(root, 'config.yaml'), 'utf8');
    const keys = leafKeys(parseConfig({}) as unknown as Record<string, unknown>).filter(
      (key) => !key.startsWith('http.'),
    );
    const document = parseYaml(text.replaceAll(/^(\s*)# (\w+:)/gm, '$1$2')) as Record<string, unknown>;
    const missing = keys.filter((key) => !hasPath(document, key));
    expect(missing).toEqual([]);
  });
});

function leafKeys(value: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(value).flatMap(([key, child]) =>
    child && typeof child === 'object' && !Array.isArray(child)
      ? leafKeys(child as Record<string, unknown>, `${prefix}${key}.`)
      : [`${prefix}${key}`],
  );
}

function hasPath(document: Record<string, unknown>, path: string): boolean {
  let current: unknown = document;
  for (const part of path.split('.')) {
    if (!current || typeof current !== 'object' || !(part in current)) return false;
    current = (current as Record<string, unknown>)[part];
  }
  return true;
}
