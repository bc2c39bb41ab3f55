import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ConfigError, parseConfig } from '../../src/config/load-config.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { prepareSchedule } from '../../src/engine/schedule-definition.js';
import { createBuiltInRegistry } from '../../src/tasks/built-in.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { runService } from '../support/service-process.js';

const withSchedule = (entry: Record<string, unknown>): ConfigInput =>
  ({
    schedules: [
      { name: 'nightly', cron: '0 3 * * *', task: { taskType: 'Fibonacci', payload: { n: 10 } }, ...entry },
    ],
  }) as ConfigInput;

describe('schedules in config', () => {
  it.each([
    {
      entry: { cron: '61 * * * *' },
      line: 'config: schedules.0.cron = "61 * * * *" is invalid: expected a cron expression of 5 or 6 fields (Invalid value for minute: 61)',
    },
    {
      entry: { cron: '* * * *' },
      line: expect.stringMatching(
        /^config: schedules\.0\.cron = "\* \* \* \*" is invalid: expected a cron expression of 5 or 6 fields \(.+\)$/,
      ),
    },
    {
      entry: { timezone: 'Europe/Nowhere' },
      line: 'config: schedules.0.timezone = "Europe/Nowhere" is invalid: expected an IANA time zone like "Europe/Berlin" or "UTC"',
    },
    {
      entry: { name: 'two words' },
      line: 'config: schedules.0.name = "two words" is invalid: expected a schedule name of 1-100 letters, digits, "_", ".", ":" or "-"',
    },
    {
      entry: { every: '5m' },
      line: 'config: schedules.0: unknown key every: expected one of the documented keys (see config.yaml)',
    },
  ])('rejects $entry with one line', ({ entry, line }) => {
    expect(() => parseConfig(withSchedule(entry))).toThrow(ConfigError);
    try {
      parseConfig(withSchedule(entry));
    } catch (error) {
      expect((error as Error).message).toEqual(line);
    }
  });

  it('rejects a name listed twice', () => {
    const entry = { name: 'a', cron: '@daily', task: { taskType: 'Fibonacci' } };
    expect(() => parseConfig({ schedules: [entry, entry] } as ConfigInput)).toThrow(
      'config: schedules.1.name = "a" is invalid: expected a name used once (a is listed twice)',
    );
  });

  it('accepts 5 and 6 fields, nicknames and zones, and defaults paused to false', () => {
    const config = parseConfig({
      schedules: [
        { name: 'a', cron: '*/15 * * * *', task: { taskType: 'Fibonacci' } },
        { name: 'b', cron: '30 */5 * * * *', timezone: 'Asia/Kolkata', task: { taskType: 'Fibonacci' } },
        { name: 'c', cron: '@weekly', task: { taskType: 'Fibonacci' }, paused: true },
      ],
    } as ConfigInput);
    expect(config.schedules.map((schedule) => schedule.paused)).toEqual([false, false, true]);
  });

  describe('at start-up', () => {
    let db: TestDatabase;
    const folder = mkdtempSync(join(tmpdir(), 'pgtask-schedules-'));
    beforeAll(async () => {
      db = await createTestDatabase();
    });
    afterAll(() => db.drop());

    it.each([
      {
        name: 'a bad expression',
        yaml: 'schedules:\n  - name: nightly\n    cron: "0 25 * * *"\n    task: { taskType: Fibonacci }\n',
        line: 'config: schedules.0.cron = "0 25 * * *" is invalid: expected a cron expression of 5 or 6 fields (Invalid value for hour: 25)',
      },
      {
        name: 'an unknown task type',
        yaml: 'schedules:\n  - name: nightly\n    cron: "@daily"\n    task: { taskType: Nope }\n',
        line: expect.stringMatching(
          /^config: schedules\.0\.task\.taskType is invalid: unknown task type "Nope"; known types: .+$/,
        ),
      },
    ])(
      'exits 2 with one line on stderr for $name',
      async ({ yaml, line }) => {
        const file = join(folder, `${Math.random().toString(36).slice(2)}.yaml`);
        writeFileSync(file, yaml);
        const started = runService({ env: { DATABASE_URL: db.url }, args: ['--config', file] });
        const [code] = await started.exited;
        expect(code).toBe(2);
        expect(started.stderr.endsWith('\n')).toBe(true);
        const lines = started.stderr.slice(0, -1).split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toEqual(line);
      },
      60_000,
    );
  });
});

describe("config.yaml's commented schedules", () => {
  it('are valid as written: uncommented, they parse and their tasks pass the enqueue checks', () => {
    const text = readFileSync(join(import.meta.dirname, '..', '..', 'config.yaml'), 'utf8');
    const section = text.slice(text.indexOf('\nschedules:\n'), text.indexOf('\nmailer:\n'));
    const example = section
      .split('\n')
      .filter((line) => /^ {2}# {1,}(- |\w)/.test(line) && /^ {2}# (- | {2})/.test(line))
      .map((line) => line.replace(/^ {2}# /, '  '))
      .join('\n');
    const config = parseConfig({ schedules: parseYaml(`schedules:\n${example}`).schedules } as ConfigInput);
    expect(config.schedules.map((schedule) => schedule.name)).toEqual(['nightly-report', 'every-30-seconds']);
    const registry = createBuiltInRegistry();
    for (const schedule of config.schedules) {
      expect(() =>
        prepareSchedule({
          name: schedule.name,
          definition: schedule,
          source: 'config',
          registry,
          config,
          now: new Date(),
        }),
      ).not.toThrow();
    }
  });
});
