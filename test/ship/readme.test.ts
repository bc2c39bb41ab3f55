import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseConfig } from '../../src/config/load-config.js';

const REPO = join(import.meta.dirname, '..', '..');
const readme = readFileSync(join(REPO, 'README.md'), 'utf8');

function section(name: string): string {
  const match = new RegExp(`<!-- section: ${name} -->([\\s\\S]*?)<!-- /section: ${name} -->`).exec(readme);
  expect(match, `README section ${name}`).not.toBeNull();
  return match![1]!;
}

function leafKeys(value: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(value).flatMap(([key, child]) =>
    child && typeof child === 'object' && !Array.isArray(child)
      ? leafKeys(child as Record<string, unknown>, `${prefix}${key}.`)
      : [`${prefix}${key}`],
  );
}

describe('README stays true to the code', () => {
  it('documents every configuration key in the configuration table', () => {
    const text = section('configuration');
    const keys = leafKeys(parseConfig({}) as unknown as Record<string, unknown>).filter(
      (k) => !k.startsWith('http.'),
    );
    expect(keys.filter((key) => !text.includes(`\`${key}`))).toEqual([]);
  });

  it('names every environment variable and flag the loader reads', () => {
    const text = section('configuration');
    for (const name of [
      'DATABASE_URL',
      'PORT',
      'LOG_LEVEL',
      'CONFIG_FILE',
      'API_TOKENS',
      'PGTASK_TASK_MODULES',
    ])
      expect(text).toContain(name);
    for (const flag of ['--config', '--port', '--pool-size', '--queue-size']) expect(text).toContain(flag);
  });

  it('shows the retention keys with values the loader accepts', () => {
    const text = section('operations');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(text)?.[1];
    expect(yaml).toBeDefined();
    const config = parseConfig(parseYaml(yaml!) as object);
    expect(config.retention.days).toBeGreaterThan(0);
  });

  it('gives the operations commands users look for', () => {
    const text = section('operations');
    expect(text).toContain('docker compose up -d --scale app=3');
    expect(text).toContain('pg_dump');
    expect(text).toContain('advisory lock');
  });

  it('names the npm scripts and the CI entry point in the development section', () => {
    const text = section('development');
    const scripts = Object.keys(
      (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
        .scripts,
    );
    for (const script of ['lint', 'typecheck', 'bench']) {
      expect(scripts).toContain(script);
      expect(text).toContain(`npm run ${script}`);
    }
    expect(text).toContain('npm test');
    expect(text).toContain('.ci/run');
    expect(text).toContain('make help');
  });
});

describe('README: Add your own task types to the service', () => {
  it('shows each example handler module exactly as the tests run it', () => {
    const text = section('task-modules');
    for (const file of ['examples/handlers/slugify.js', 'examples/handlers/primes.js']) {
      const source = readFileSync(join(REPO, file), 'utf8');
      expect(text, file).toContain(`\`\`\`js\n// ${file}\n${source}\`\`\``);
    }
  });

  it('shows a tasks section the loader accepts', () => {
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section('task-modules'))?.[1];
    expect(yaml).toBeDefined();
    const config = parseConfig(parseYaml(yaml!) as object);
    expect(config.tasks).toMatchObject({ modules: ['./examples/handlers/*.js'], builtIn: true });
  });
});
