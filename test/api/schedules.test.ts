import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../support/manual-clock.js';
import { type ApiSetup, expectErrorShape, type Json, setupApi } from './api-harness.js';

const ADMIN = 'admin-token-0123456789abcdef';
const VIEWER = 'viewer-token-0123456789abcdef';
const WORKER = 'worker-token-0123456789abcdef';

const definition = (overrides: Record<string, unknown> = {}) => ({
  cron: '0 3 * * *',
  timezone: 'Europe/Berlin',
  task: { taskType: 'Echo', payload: { message: 'nightly' }, priority: 5 },
  ...overrides,
});

describe('/schedules over HTTP', () => {
  let api: ApiSetup;
  const clock = new ManualClock(new Date('2026-06-01T12:00:00Z'));
  beforeAll(async () => {
    api = await setupApi({
      scheduler: { autoRun: false },
      clock,
      config: {
        api: {
          authTokens: [
            { name: 'ops', token: ADMIN, scope: 'admin' },
            { name: 'viewer', token: VIEWER, scope: 'read' },
            { name: 'robot', token: WORKER, scope: 'worker' },
          ],
        },
      },
    });
  });
  afterAll(async () => api?.close());
  beforeEach(async () => {
    clock.set(new Date('2026-06-01T12:00:00Z'));
    await api.db.pool.query('delete from schedules');
  });

  const put = (name: string, json: unknown, token = ADMIN) =>
    api.callJson(`/schedules/${name}`, { method: 'PUT', token, json });
  const get = (path: string, token = VIEWER) => api.callJson(path, { token });
  const post = (path: string, token = ADMIN) => api.callJson(path, { method: 'POST', token });
  const latestAudit = async () =>
    (await api.callJson('/audit?limit=1', { token: ADMIN })).body.entries[0] as Json;

  it('creates (201), replaces (200), lists with the next runs, and shows one', async () => {
    const created = await put('nightly', definition());
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'nightly',
      cron: '0 3 * * *',
      timezone: 'Europe/Berlin',
      task: { taskType: 'Echo', payload: { message: 'nightly' }, queue: null, priority: 5 },
      paused: false,
      source: 'api',
      // 03:00 in Berlin in summer is 01:00 UTC.
      nextRunAt: '2026-06-02T01:00:00.000Z',
      lastRunAt: null,
      lastTaskId: null,
      lastError: null,
    });
    expect(created.body.nextRuns).toEqual([
      '2026-06-02T01:00:00.000Z',
      '2026-06-03T01:00:00.000Z',
      '2026-06-04T01:00:00.000Z',
      '2026-06-05T01:00:00.000Z',
      '2026-06-06T01:00:00.000Z',
    ]);
    expect(await latestAudit()).toMatchObject({
      actor: 'ops',
      action: 'schedule.create',
      targetType: 'schedule',
      target: 'nightly',
      requestId: created.headers.get('x-request-id'),
      details: { cron: '0 3 * * *', timezone: 'Europe/Berlin', task: { taskType: 'Echo' } },
    });

    const replaced = await put('nightly', definition({ cron: '*/30 * * * * *', timezone: undefined }));
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({
      cron: '*/30 * * * * *',
      timezone: 'UTC',
      nextRunAt: '2026-06-01T12:00:30.000Z',
    });
    expect(await latestAudit()).toMatchObject({
      action: 'schedule.update',
      details: { cron: '*/30 * * * * *', previous: { cron: '0 3 * * *', timezone: 'Europe/Berlin' } },
    });

    await put('hourly', definition({ cron: '@hourly', task: { taskType: 'Echo' } }));
    const list = await get('/schedules');
    expect(list.status).toBe(200);
    expect(list.body.schedules.map((schedule: Json) => [schedule.name, schedule.nextRunAt])).toEqual([
      ['hourly', '2026-06-01T13:00:00.000Z'],
      ['nightly', '2026-06-01T12:00:30.000Z'],
    ]);
    const one = await get('/schedules/hourly');
    expect(one.status).toBe(200);
    expect(one.body).toEqual(list.body.schedules[0]);
  });

  it('fires the tick into a real task that names its schedule', async () => {
    await put('soon', definition({ cron: '*/10 * * * * *' }));
    clock.set(new Date('2026-06-01T12:00:10Z'));
    const [tick] = await api.engine.runSchedules();
    const { body: schedule } = await get('/schedules/soon');
    expect(schedule).toMatchObject({
      lastRunAt: '2026-06-01T12:00:10.000Z',
      lastTaskId: tick!.taskId,
      nextRunAt: '2026-06-01T12:00:20.000Z',
    });
    const { status, body: task } = await get(`/task/${tick!.taskId}`);
    expect(status).toBe(200);
    expect(task).toMatchObject({
      taskType: 'Echo',
      payload: { message: 'nightly' },
      priority: 5,
      createdBy: 'schedule:soon',
      status: 'queued',
    });
  });

  it('pauses and resumes, each recorded in the audit log', async () => {
    await put('nightly', definition());
    const paused = await post('/schedules/nightly/pause');
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ paused: true, nextRunAt: null, nextRuns: [] });
    expect(await latestAudit()).toMatchObject({ action: 'schedule.pause', target: 'nightly', actor: 'ops' });

    clock.set(new Date('2026-06-10T12:00:00Z'));
    const resumed = await post('/schedules/nightly/resume');
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({ paused: false, nextRunAt: '2026-06-11T01:00:00.000Z' });
    expect(await latestAudit()).toMatchObject({ action: 'schedule.resume', target: 'nightly' });
  });

  it('deletes (204), then the name is unknown (404)', async () => {
    await put('nightly', definition());
    const deleted = await api.call('/schedules/nightly', { method: 'DELETE', token: ADMIN });
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe('');
    expect(await latestAudit()).toMatchObject({
      action: 'schedule.delete',
      target: 'nightly',
      details: { cron: '0 3 * * *' },
    });
    for (const [method, path] of [
      ['GET', '/schedules/nightly'],
      ['DELETE', '/schedules/nightly'],
      ['POST', '/schedules/nightly/pause'],
      ['POST', '/schedules/nightly/resume'],
    ] as const) {
      const { status, body } = await api.callJson(path, { method, token: ADMIN });
      expect(status, `${method} ${path}`).toBe(404);
      expectErrorShape(body, 'schedule_not_found');
      expect(body.error.message).toBe('schedule nightly does not exist');
    }
  });

  it.each([
    {
      name: 'a bad expression',
      body: definition({ cron: '61 * * * *' }),
      field: 'cron',
      message: '"61 * * * *" is not a cron expression: Invalid value for minute: 61',
    },
    {
      name: 'seven fields',
      body: definition({ cron: '0 0 0 * * * 2030' }),
      field: 'cron',
      message: expect.stringContaining('requires exactly 5 or 6 parts'),
    },
    {
      name: 'an expression that never fires',
      body: definition({ cron: '0 0 31 2 *' }),
      field: 'cron',
      message: '"0 0 31 2 *" never fires (no date matches it)',
    },
    {
      name: 'a date instead of an expression',
      body: definition({ cron: '2030-01-01T00:00:00' }),
      field: 'cron',
      message: expect.stringContaining('is a date'),
    },
    {
      name: 'an unknown zone',
      body: definition({ timezone: 'Mars/Olympus' }),
      field: 'timezone',
      message: '"Mars/Olympus" is not an IANA time zone (like "Europe/Berlin" or "UTC")',
    },
    {
      name: 'an unknown task type',
      body: definition({ task: { taskType: 'Nope' } }),
      field: 'task.taskType',
      message: expect.stringContaining('unknown task type "Nope"'),
    },
    {
      name: 'a payload that does not fit the type',
      body: definition({ task: { taskType: 'Echo', payload: { message: 5 } } }),
      field: 'task.payload.message',
      message: expect.any(String),
    },
    {
      name: 'a priority out of range',
      body: definition({ task: { taskType: 'Echo', priority: 5000 } }),
      field: 'task.priority',
      message: expect.stringContaining('priority must be a whole number'),
    },
    {
      name: 'an unknown field',
      body: { ...definition(), every: '5m' },
      field: '(body)',
      message: expect.stringContaining('every'),
    },
    { name: 'no task', body: { cron: '@daily' }, field: 'task', message: expect.any(String) },
  ])('answers 400 with one clear line for $name, and stores nothing', async ({ body, field, message }) => {
    const { status, body: error } = await put('bad', body);
    expect(status).toBe(400);
    expectErrorShape(error, 'validation_failed');
    expect(error.error.message).not.toContain('\n');
    expect(error.error.details).toContainEqual({ field, message });
    expect((await get('/schedules')).body.schedules).toEqual([]);
  });

  it('answers 400 for a bad name in the path, and 415 for a body that is not JSON', async () => {
    const badName = await put('has%20space', definition());
    expect(badName.status).toBe(400);
    expectErrorShape(badName.body, 'validation_failed');
    const notJson = await api.callJson('/schedules/x', {
      method: 'PUT',
      token: ADMIN,
      body: 'cron=@daily',
      headers: { 'content-type': 'text/plain' },
    });
    expect(notJson.status).toBe(415);
    expectErrorShape(notJson.body, 'unsupported_media_type');
  });

  it('lets read tokens list but only admin tokens change schedules', async () => {
    await put('nightly', definition());
    expect((await get('/schedules', VIEWER)).status).toBe(200);
    for (const token of [VIEWER, WORKER]) {
      const changes = [
        await put('other', definition(), token),
        await post('/schedules/nightly/pause', token),
        await post('/schedules/nightly/resume', token),
        await api.callJson('/schedules/nightly', { method: 'DELETE', token }),
      ];
      for (const change of changes) {
        expect(change.status).toBe(403);
        expectErrorShape(change.body, 'forbidden');
      }
    }
    expect((await api.callJson('/schedules')).status).toBe(401);
    const { body } = await get('/schedules');
    expect(body.schedules.map((schedule: Json) => [schedule.name, schedule.paused])).toEqual([
      ['nightly', false],
    ]);
  });
});
