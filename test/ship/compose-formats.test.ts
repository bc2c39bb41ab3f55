import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

/**
 * docker-compose.yml must work with both tools users have: Debian 12's `docker-compose` 1.29
 * (Compose v1: no top-level `name:`) and `docker compose` (v2, the Compose Specification).
 * Checked offline against each one's published schema, and by the tools themselves where they
 * are installed (.ci/run installs Debian's docker-compose).
 */
const REPO = join(import.meta.dirname, '..', '..');
const compose = parseYaml(readFileSync(join(REPO, 'docker-compose.yml'), 'utf8')) as Record<string, unknown>;

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
/** docker-compose 1.29 labels its schemas with draft-04 "id"s (annotations only), which ajv 8 refuses. */
function withoutIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutIds);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === 'id' && typeof value === 'string'))
      .map(([key, value]) => [key, withoutIds(value)]),
  );
}
const v1Schema = withoutIds(
  readJson(join(import.meta.dirname, 'compose-schemas', 'compose-v1.29.json')),
) as object;
const v2Schema = readJson(
  join(
    dirname(createRequire(import.meta.url).resolve('dclint/package.json')),
    'schemas',
    'compose.schema.json',
  ),
);

// The files name their meta-schema by an address ajv spells differently; the structure is what counts.
const OPTIONS = { strict: false, validateSchema: false, validateFormats: false, allErrors: true };
// Both tools check formats ("ports", "duration") with code of their own; the schemas' structure is what is shared.
const validateV1 = new Ajv2019(OPTIONS).compile(v1Schema);
const validateV2 = new Ajv(OPTIONS).compile(v2Schema);

function problems(validate: typeof validateV1, document: unknown): string[] {
  return validate(document)
    ? []
    : (validate.errors ?? []).map(
        (error) => `${error.instancePath || '/'} ${error.message} ${JSON.stringify(error.params)}`,
      );
}

function installed(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('docker-compose.yml is valid for Compose v1 and v2', () => {
  it('passes the schema docker-compose 1.29 (Compose v1, Debian 12) validates with', () => {
    expect(problems(validateV1, compose)).toEqual([]);
  });

  it('passes the current Compose Specification schema (docker compose, v2)', () => {
    expect(problems(validateV2, compose)).toEqual([]);
  });

  it('the two schemas really differ where it matters: a top-level name is v2 only', () => {
    const named = { name: 'pgtask', ...compose };
    expect(problems(validateV1, named).join('\n')).toMatch(/additionalProperty.*"name"/);
    expect(problems(validateV2, named)).toEqual([]);
    expect(problems(validateV2, { ...compose, servics: {} }).join('\n')).toMatch(/servics/);
  });

  it.skipIf(!installed('docker-compose', ['version']))(
    '`docker-compose config` (v1) accepts it, where docker-compose is installed',
    async () => {
      await expect(
        promisify(execFile)('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], { cwd: REPO }),
      ).resolves.toBeDefined();
    },
  );

  it.skipIf(!installed('docker', ['compose', 'version']))(
    '`docker compose config` (v2) accepts it, where the docker compose plugin is installed',
    async () => {
      await expect(
        promisify(execFile)('docker', ['compose', '-f', 'docker-compose.yml', 'config', '-q'], { cwd: REPO }),
      ).resolves.toBeDefined();
    },
  );
});
