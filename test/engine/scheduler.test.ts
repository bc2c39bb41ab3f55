import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../../src/config/load-config.js';
import type { Engine } from '../../src/engine/engine.js';
import type { ScheduleDefinition } from '../../src/model/schedule.js';
import { defineHandler } from '../../src/tasks/task-handler.js';
import { type ConfigOverrides, type EngineSetup, setupEngines } from '../support/engine.js';
import { ManualClock } from '../support/manual-clock.js';

/** A strict payload, so a stored payload that no longer fits can be shown. */
const ping = defineHandler({
  type: 'Ping',
  payloadSchema: z.strictObject({ n: z.number().optional() }),
  run: () => ({ pong: true }),
});

const every10s: ScheduleDefinition = {
  cron: '*/10 * * * * *',
  task: { taskType: 'Ping', payload: { n: 1 } },
};

describe('the scheduler', () => {
  let setup: EngineSetup;
  /** The clock every node reads; tests move it instead of waiting. */
  let clock: ManualClock;

  beforeEach(async () => {
    setup = await setupEngines({ handlers: [ping] });
    clock = new ManualClock(new Date('2026-01-01T00:00:03.250Z'));
  });
  afterEach(async () => setup?.teardown());

  /** A node that runs no tasks (so every scheduled task stays countable) and no timer rounds. */
  const node = (options: { config?: ConfigOverrides; handlers?: [] } = {}) =>
    setup.startEngine({
      processTasks: false,
      scheduler: { autoRun: false },
      clock,
      ...options,
    });

  const scheduledTasks = async (name: string) => {
    const { rows } = await setup.db.pool.query<{ id: string; type: string; payload: unknown; queue: string }>(
      `select id, type, payload, queue from tasks where created_by = $1 order by id`,
      [`schedule:${name}`],
    );
    return rows;
  };

  it('makes exactly one task per tick with two nodes racing on every round (6-field, seconds)', async () => {
    const [a, b] = [await node(), await node()];
    const { schedule, created } = await a.putSchedule('heartbeat', every10s);
    expect(created).toBe(true);
    expect(schedule.nextRunAt).toEqual(new Date('2026-01-01T00:00:10Z'));

    const fired: string[] = [];
    for (let tick = 1; tick <= 12; tick++) {
      clock.set(Date.parse('2026-01-01T00:00:00Z') + tick * 10_000);
      // Four rounds at once on two nodes, each on its own connection: only one may fire.
      const rounds = await Promise.all([a, b, a, b].map((engine) => engine.runSchedules()));
      const ticks = rounds.flat();
      expect(ticks).toHaveLength(1);
      expect(ticks[0]!.tick).toEqual(clock.sqlNow());
      fired.push(ticks[0]!.taskId!);
    }
    const tasks = await scheduledTasks('heartbeat');
    expect(tasks).toHaveLength(12);
    expect(new Set(tasks.map((task) => task.id))).toEqual(new Set(fired));
    expect(tasks[0]).toMatchObject({ type: 'Ping', payload: { n: 1 }, queue: 'default' });

    const stored = await b.getSchedule('heartbeat');
    expect(stored.lastRunAt).toEqual(new Date('2026-01-01T00:02:00Z'));
    expect(stored.lastTaskId).toBe(fired.at(-1));
    expect(stored.nextRunAt).toEqual(new Date('2026-01-01T00:02:10Z'));
  });

  it('fires a tick missed while every node was down once at start, not once per missed tick', async () => {
    const config: ConfigOverrides = {
      schedules: [{ name: 'nightly', cron: '0 3 * * *', task: { taskType: 'Ping' } }] as never,
    };
    const first = await node({ config });
    expect((await first.getSchedule('nightly')).nextRunAt).toEqual(new Date('2026-01-01T03:00:00Z'));
    await first.stop();

    // Every node was down for three days: three ticks missed.
    clock.set(new Date('2026-01-04T05:00:00Z'));
    const second = await node({ config });
    const [tick, ...rest] = await second.runSchedules();
    expect(rest).toEqual([]);
    expect(tick).toMatchObject({ schedule: 'nightly', tick: new Date('2026-01-01T03:00:00Z'), error: null });
    expect(await second.runSchedules()).toEqual([]);
    expect(await scheduledTasks('nightly')).toHaveLength(1);
    expect((await second.getSchedule('nightly')).nextRunAt).toEqual(new Date('2026-01-05T03:00:00Z'));
  });

  it('makes no tasks while paused, and counts the next tick from the resume', async () => {
    const engine = await node();
    await engine.putSchedule('heartbeat', every10s);
    const paused = await engine.pauseSchedule('heartbeat');
    expect(paused).toMatchObject({ paused: true, nextRunAt: null });

    clock.set(new Date('2026-01-01T00:05:00Z'));
    expect(await engine.runSchedules()).toEqual([]);

    clock.set(new Date('2026-01-01T00:05:01Z'));
    const resumed = await engine.resumeSchedule('heartbeat');
    expect(resumed).toMatchObject({ paused: false, nextRunAt: new Date('2026-01-01T00:05:10Z') });
    expect(await engine.runSchedules()).toEqual([]);
    clock.set(new Date('2026-01-01T00:05:10Z'));
    expect(await engine.runSchedules()).toHaveLength(1);
    expect(await scheduledTasks('heartbeat')).toHaveLength(1);
  });

  it('makes no more tasks once a schedule is deleted', async () => {
    const engine = await node();
    await engine.putSchedule('heartbeat', every10s);
    clock.set(new Date('2026-01-01T00:00:10Z'));
    expect(await engine.runSchedules()).toHaveLength(1);
    await engine.deleteSchedule('heartbeat');
    clock.set(new Date('2026-01-01T00:01:00Z'));
    expect(await engine.runSchedules()).toEqual([]);
    await expect(engine.getSchedule('heartbeat')).rejects.toMatchObject({ code: 'schedule_not_found' });
    await expect(engine.deleteSchedule('heartbeat')).rejects.toMatchObject({ code: 'schedule_not_found' });
    expect(await scheduledTasks('heartbeat')).toHaveLength(1);
  });

  /** Fires every tick from the clock's start through `until` and returns the tick times. */
  async function ticksThrough(engine: Engine, name: string, until: string): Promise<string[]> {
    const times: string[] = [];
    for (;;) {
      const next = (await engine.getSchedule(name)).nextRunAt!;
      if (next.getTime() > Date.parse(until)) return times;
      clock.set(next);
      const fired = await engine.runSchedules();
      expect(fired).toHaveLength(1);
      times.push(fired[0]!.tick.toISOString());
    }
  }

  it('reads the expression in its time zone, across both DST changes', async () => {
    const engine = await node();
    clock.set(new Date('2026-03-27T12:00:00Z'));
    // Berlin leaves 02:00-03:00 out on 29 March and has it twice on 25 October.
    const { schedule } = await engine.putSchedule('berlin', {
      cron: '30 2 * * *',
      timezone: 'europe/berlin',
      task: { taskType: 'Ping' },
    });
    expect(schedule.timezone).toBe('Europe/Berlin');
    expect(await ticksThrough(engine, 'berlin', '2026-03-31T00:00:00Z')).toEqual([
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-29T01:00:00.000Z', // 02:30 does not exist: the first time after the gap, 03:00 CEST
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
    ]);
    clock.set(new Date('2026-10-24T12:00:00Z'));
    await engine.resumeSchedule('berlin');
    expect(await ticksThrough(engine, 'berlin', '2026-10-27T00:00:00Z')).toEqual([
      '2026-10-25T00:30:00.000Z', // 02:30 happens twice: once, at the first
      '2026-10-26T01:30:00.000Z', // 02:30 CET
    ]);

    // The same wall-clock time in New York moves by an hour in UTC across its own change (8 March).
    clock.set(new Date('2026-03-06T12:00:00Z'));
    await engine.putSchedule('new-york', {
      cron: '0 9 * * *',
      timezone: 'America/New_York',
      task: { taskType: 'Ping' },
    });
    expect(await ticksThrough(engine, 'new-york', '2026-03-09T23:00:00Z')).toEqual([
      '2026-03-06T14:00:00.000Z', // 09:00 EST
      '2026-03-07T14:00:00.000Z',
      '2026-03-08T13:00:00.000Z', // 09:00 EDT
      '2026-03-09T13:00:00.000Z',
    ]);
  });

  it('leaves a schedule to the nodes that know its task type', async () => {
    const knows = await node();
    const other = await node({ handlers: [] });
    await knows.putSchedule('heartbeat', every10s);
    clock.set(new Date('2026-01-01T00:00:10Z'));
    expect(await other.runSchedules()).toEqual([]);
    expect(await knows.runSchedules()).toHaveLength(1);
  });

  it('records why a tick made no task when the stored payload no longer fits, and goes on', async () => {
    const engine = await node();
    await engine.putSchedule('heartbeat', every10s);
    await setup.db.pool.query(`update schedules set payload = '{"n": "one"}' where name = 'heartbeat'`);
    clock.set(new Date('2026-01-01T00:00:10Z'));
    const [tick] = await engine.runSchedules();
    expect(tick).toMatchObject({ taskId: null, error: expect.stringContaining('payload.n') });
    const stored = await engine.getSchedule('heartbeat');
    expect(stored).toMatchObject({ lastTaskId: null, lastError: expect.stringContaining('payload.n') });
    expect(stored.nextRunAt).toEqual(new Date('2026-01-01T00:00:20Z'));
    expect(await scheduledTasks('heartbeat')).toEqual([]);
  });

  it('refuses a definition with a bad expression, zone or task, listing every problem', async () => {
    const engine = await node();
    await expect(
      engine.putSchedule('bad', { cron: '61 * * * *', timezone: 'Mars/Olympus', task: { taskType: 'Nope' } }),
    ).rejects.toMatchObject({
      code: 'validation_failed',
      details: [
        { field: 'timezone', message: expect.stringContaining('Mars/Olympus') },
        { field: 'task.taskType', message: expect.stringContaining('unknown task type "Nope"') },
      ],
    });
    await expect(
      engine.putSchedule('bad', {
        cron: '61 * * * *',
        task: { taskType: 'Ping', payload: { n: 'x' }, priority: 5000 },
      }),
    ).rejects.toMatchObject({
      details: [
        { field: 'cron', message: expect.stringContaining('minute: 61') },
        { field: 'task.payload.n', message: expect.any(String) },
        { field: 'task.priority', message: expect.any(String) },
      ],
    });
    expect(await engine.listSchedules()).toEqual([]);
  });

  it('stops the start with one line when a config schedule task does not pass the enqueue checks', async () => {
    const start = node({
      config: {
        schedules: [{ name: 'x', cron: '@daily', task: { taskType: 'Ping', payload: { n: 'x' } } }] as never,
      },
    });
    await expect(start).rejects.toBeInstanceOf(ConfigError);
    await expect(start).rejects.toThrow(/^config: schedules\.0\.task\.payload\.n is invalid: .+$/);
  });

  it('applies config at every start: definitions replaced, names no longer listed deleted, HTTP ones kept', async () => {
    const first = await node({
      config: {
        schedules: [
          { name: 'kept', cron: '0 * * * *', task: { taskType: 'Ping' } },
          { name: 'dropped', cron: '0 * * * *', task: { taskType: 'Ping' } },
        ] as never,
      },
    });
    await first.putSchedule('from-http', every10s);
    await first.pauseSchedule('kept'); // an HTTP change to a config schedule lasts until the next start
    expect(
      (await first.putSchedule('kept', { cron: '0 0 * * *', task: { taskType: 'Ping' } })).schedule.source,
    ).toBe('config');
    await first.stop();

    const second = await node({
      config: {
        schedules: [
          { name: 'kept', cron: '*/5 * * * *', task: { taskType: 'Ping', payload: { n: 2 } } },
        ] as never,
      },
    });
    const schedules = await second.listSchedules();
    expect(schedules.map((schedule) => [schedule.name, schedule.source])).toEqual([
      ['from-http', 'api'],
      ['kept', 'config'],
    ]);
    expect(schedules[1]).toMatchObject({
      cron: '*/5 * * * *',
      paused: false,
      task: { payload: { n: 2 } },
      nextRunAt: new Date('2026-01-01T00:05:00Z'),
    });
  });

  it('runs on its own timer on the database clock: two running nodes, one task per second', async () => {
    const [a] = [await setup.startEngine(), await setup.startEngine()];
    await a.putSchedule('every-second', { cron: '* * * * * *', task: { taskType: 'Ping' } });
    await setup.waitForFinished(4);
    await a.pauseSchedule('every-second');
    const { rows } = await setup.db.pool.query<{ tasks: number; seconds: number }>(
      `select count(*)::int as tasks, count(distinct date_trunc('second', created_at))::int as seconds
       from tasks where created_by = 'schedule:every-second'`,
    );
    // A late round fires its tick once and skips to the next one: never two tasks in one second.
    expect(rows[0]!.tasks).toBeGreaterThanOrEqual(4);
    expect(rows[0]!.seconds).toBe(rows[0]!.tasks);
  });
});
