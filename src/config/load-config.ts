import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { z } from 'zod';
import { type Config, type ConfigInput, configSchema } from './schema.js';

// yaml is loaded only to read a config file: a program that passes its config as an object never
// pays for the parser (CommonJS, so require() keeps loading synchronous).
const require = createRequire(import.meta.url);
function parseYaml(text: string): unknown {
  return (require('yaml') as typeof import('yaml')).parse(text);
}

/** A configuration problem, reported as one line that names the key, the value and what was expected. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface ConfigSources {
  argv?: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
  cwd?: string;
}

type Mutable = Record<string, unknown>;

/**
 * Precedence: config.yaml < environment (DATABASE_URL, PORT, LOG_LEVEL, API_TOKENS,
 * PGTASK_TASK_MODULES) < flags
 * (--port, --pool-size, --queue-size). The file itself is chosen by --config, else CONFIG_FILE,
 * else ./config.yaml when it exists.
 */
export function loadConfig(sources: ConfigSources = {}): Config {
  return finish(readConfigInput(sources));
}

/**
 * The merged config.yaml, environment and flags, not yet validated: what createPgtask({ config })
 * and parseConfig take. Throws ConfigError for an unreadable file or bad flags.
 */
export function readConfigInput(sources: ConfigSources = {}): ConfigInput {
  const env = sources.env ?? process.env;
  const cwd = sources.cwd ?? process.cwd();
  const flags = parseFlags(sources.argv ?? process.argv.slice(2));

  const explicitFile = flags.config ?? env.CONFIG_FILE;
  const file = resolve(cwd, explicitFile ?? 'config.yaml');
  const raw = readConfigFile(file, explicitFile !== undefined);
  resolveModulePaths(raw, dirname(file));

  applyEnvironment(raw, env, cwd);
  applyFlags(raw, flags);
  return raw as ConfigInput;
}

/** Parses an in-memory config object (tests and tools), applying the same validation. */
export function parseConfig(input: ConfigInput): Config {
  return finish(structuredClone(input) as Mutable);
}

function finish(raw: Mutable): Config {
  const parsed = configSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) throw new ConfigError(describeIssue(parsed.error.issues[0]!, raw));
  const value = parsed.data;
  if (value.queue.minPriority > value.queue.maxPriority) {
    throw new ConfigError(
      `config: queue.minPriority = ${value.queue.minPriority} is invalid: expected at most queue.maxPriority (${value.queue.maxPriority})`,
    );
  }
  const [, host = '', port = '8080'] = /^([^:]*):(\d+)$/.exec(value.api.listenAddr) ?? [];
  const portNumber = Number(port);
  if (portNumber > 65535) {
    throw new ConfigError(
      `config: api.listenAddr = "${value.api.listenAddr}" is invalid: expected a port up to 65535`,
    );
  }
  return deepFreeze({ ...value, http: { host: host || '0.0.0.0', port: portNumber } });
}

interface Flags {
  config?: string;
  port?: string;
  'pool-size'?: string;
  'queue-size'?: string;
}

function parseFlags(argv: readonly string[]): Flags {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        config: { type: 'string' },
        port: { type: 'string' },
        'pool-size': { type: 'string' },
        'queue-size': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
    return values;
  } catch (error) {
    throw new ConfigError(`flags: ${(error as Error).message}`);
  }
}

function readConfigFile(path: string, required: boolean): Mutable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (!required && (error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ConfigError(`config: cannot read ${path}: ${(error as Error).message}`);
  }
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    const firstLine = (error as Error).message.split('\n')[0]!.replace(/:$/, '');
    throw new ConfigError(`config: ${path} is not valid YAML: ${firstLine}`);
  }
  if (document == null) return {};
  if (typeof document !== 'object' || Array.isArray(document)) {
    const found = Array.isArray(document) ? 'a list' : typeof document;
    throw new ConfigError(`config: ${path} must hold a mapping of keys, found ${found}`);
  }
  return dropNulls(document) as Mutable;
}

/** A YAML key left empty (`mailer:` with only comments under it) means "use the defaults". */
function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, child]) => child !== null)
        .map(([key, child]) => [key, dropNulls(child)]),
    );
  }
  return value;
}

function section(raw: Mutable, key: string): Mutable {
  const existing = raw[key];
  if (existing && typeof existing === 'object' && !Array.isArray(existing)) return existing as Mutable;
  const created: Mutable = {};
  raw[key] = created;
  return created;
}

/** tasks.modules in the file are relative to the file, wherever the service is started from. */
function resolveModulePaths(raw: Mutable, base: string): void {
  const tasks = raw.tasks;
  if (!tasks || typeof tasks !== 'object' || Array.isArray(tasks)) return;
  const { modules } = tasks as Mutable;
  if (!Array.isArray(modules)) return; // the schema reports it
  (tasks as Mutable).modules = modules.map((entry) =>
    typeof entry === 'string' && entry !== '' ? resolve(base, entry) : entry,
  );
}

function applyEnvironment(
  raw: Mutable,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): void {
  if (env.DATABASE_URL) section(raw, 'storage').url = env.DATABASE_URL;
  // Comma-separated, relative to the working directory (an environment has no file to be relative to).
  if (env.PGTASK_TASK_MODULES !== undefined) {
    section(raw, 'tasks').modules = env.PGTASK_TASK_MODULES.split(',')
      .map((entry) => entry.trim())
      .filter(Boolean)
      .map((entry) => resolve(cwd, entry));
  }
  if (env.PORT) setPort(raw, 'PORT', env.PORT);
  if (env.LOG_LEVEL) section(raw, 'log').level = env.LOG_LEVEL;
  if (env.API_TOKENS) section(raw, 'api').authTokens = parseTokenList(env.API_TOKENS);
}

function applyFlags(raw: Mutable, flags: Flags): void {
  if (flags.port !== undefined) setPort(raw, '--port', flags.port);
  if (flags['pool-size'] !== undefined) {
    section(raw, 'queue').workerPoolSize = numberFrom(
      '--pool-size',
      flags['pool-size'],
      'queue.workerPoolSize',
    );
  }
  if (flags['queue-size'] !== undefined) {
    section(raw, 'queue').maxBufferSize = numberFrom(
      '--queue-size',
      flags['queue-size'],
      'queue.maxBufferSize',
    );
  }
}

function setPort(raw: Mutable, source: string, text: string): void {
  const port = numberFrom(source, text, 'api.listenAddr');
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`${source} = "${text}" is invalid: expected a port number from 0 to 65535`);
  }
  const api = section(raw, 'api');
  const current = typeof api.listenAddr === 'string' ? api.listenAddr : ':8080';
  const host = current.includes(':') ? current.slice(0, current.lastIndexOf(':')) : '';
  api.listenAddr = `${host}:${port}`;
}

function numberFrom(source: string, text: string, key: string): number {
  if (!/^-?\d+$/.test(text.trim())) {
    throw new ConfigError(`${source} = "${text}" is invalid: expected a whole number (sets ${key})`);
  }
  return Number(text);
}

/** API_TOKENS="name:token[:scope],name2:token2" */
function parseTokenList(text: string): Mutable[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [name, token, scope] = entry.split(':');
      if (!name || !token) {
        throw new ConfigError(
          `API_TOKENS entry "${entry.slice(0, 20)}…" is invalid: expected name:token[:read|admin]`,
        );
      }
      return scope ? { name, token, scope } : { name, token };
    });
}

function describeIssue(issue: z.core.$ZodIssue, raw: Mutable): string {
  const key = issue.path.map(String).join('.') || '(root)';
  const value = 'input' in issue ? issue.input : valueAt(raw, issue.path);
  const shown =
    key.includes('token') || key.includes('password') ? '"***"' : (JSON.stringify(value) ?? 'undefined');
  let expected = issue.message;
  if (issue.code === 'unrecognized_keys') {
    return `config: ${key === '(root)' ? '' : `${key}: `}unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}: expected one of the documented keys (see config.yaml)`;
  }
  if (issue.code === 'invalid_type') expected = `expected ${issue.expected}`;
  else if (issue.code === 'invalid_value')
    expected = `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  else if (issue.code === 'invalid_union')
    expected = 'expected a duration like "500ms", "5s" or "1m30s", or milliseconds';
  else if (issue.code === 'custom' || issue.code === 'invalid_format') expected = `expected ${issue.message}`;
  else if (issue.code === 'too_small') {
    expected = `expected ${issue.inclusive ? 'at least' : 'more than'} ${issue.minimum}${sizeUnit(issue.origin)}`;
  } else if (issue.code === 'too_big') {
    expected = `expected ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}${sizeUnit(issue.origin)}`;
  }
  return `config: ${key} = ${shown} is invalid: ${expected}`;
}

/** "at least 16" alone reads as a number; for a string or list say what is counted. */
function sizeUnit(origin: string): string {
  if (origin === 'string') return ' characters';
  if (origin === 'array') return ' items';
  return '';
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let current = raw;
  for (const part of path) {
    if (current == null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
