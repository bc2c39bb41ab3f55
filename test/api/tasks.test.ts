import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiSetup, expectErrorShape, makeTask, setupApi } from './api-harness.js';

describe('tasks API', () => {
  let api: ApiSetup;
  beforeAll(async () => {
    api = await setupApi({ config: { queue: { minPriority: -10, maxPriority: 10 } } });
  });
  afterAll(async () => api?.close());

  const enqueue = (body: unknown, init: { token?: string } = {}) =>
    api.callJson('/tasks/enqueue', { json: body, ...init });

  describe('POST /tasks/enqueue', () => {
    it('stores a batch and answers 202 with ids, type and status per task', async () => {
      const { status, body } = await enqueue({
        tasks: [makeTask(), makeTask({ priority: 5, queue: 'other', payload: { n: 1 } })],
        createdBy: 'tester',
      });
      expect(status).toBe(202);
      expect(body).toMatchObject({ requested: 2, submitted: 2, duplicates: 0, duplicateKeys: [] });
      expect(body.tasks).toHaveLength(2);
      for (const task of body.tasks) {
        expect(task).toEqual({
          index: expect.any(Number),
          id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          taskType: 'Echo',
          queue: expect.any(String),
          status: 'queued',
        });
      }
      const { rows } = await api.db.pool.query(
        'select queue, priority, created_by from tasks where id = $1',
        [body.tasks[1].id],
      );
      expect(rows[0]).toEqual({ queue: 'other', priority: 5, created_by: 'tester' });
    });

    it('parses Go-style durations, delay and runAt, key, maxRetries and timeout into the stored task', async () => {
      const runAt = new Date(Date.now() + 3_600_000).toISOString();
      const { status, body } = await enqueue({
        tasks: [
          makeTask({ backOffDuration: '1m30s', timeout: '1.5s', maxRetries: 7, key: 'k-durations' }),
          makeTask({ delay: '10m' }),
          makeTask({ runAt }),
        ],
      });
      expect(status).toBe(202);
      const [first, delayed, scheduled] = body.tasks.map((task: { id: string }) => task.id);
      const { rows } = await api.db.pool.query(
        'select id, backoff_ms, timeout_ms, max_attempts, dedupe_key, run_at from tasks where id = any($1)',
        [[first, delayed, scheduled]],
      );
      const byId = new Map(rows.map((row) => [row.id, row]));
      expect(byId.get(first)).toMatchObject({
        backoff_ms: 90_000,
        timeout_ms: 1500,
        max_attempts: 8,
        dedupe_key: 'k-durations',
      });
      expect(byId.get(delayed).run_at.getTime()).toBeGreaterThan(Date.now() + 9 * 60_000);
      expect(byId.get(scheduled).run_at.toISOString()).toBe(runAt);
    });

    it('skips a task whose key is pending in its queue and reports it', async () => {
      const first = await enqueue({ tasks: [makeTask({ key: 'dup-1' })] });
      expect(first.body.submitted).toBe(1);
      const second = await enqueue({ tasks: [makeTask({ key: 'dup-1' }), makeTask({ key: 'dup-2' })] });
      expect(second.status).toBe(202);
      expect(second.body).toMatchObject({
        requested: 2,
        submitted: 1,
        duplicates: 1,
        duplicateKeys: ['dup-1'],
      });
      expect(second.body.tasks[0].index).toBe(1);
    });

    it('rejects the whole batch with 400 listing every bad task by index and field; nothing is stored', async () => {
      const before = await api.db.pool.query('select count(*)::int as n from tasks');
      const { status, body } = await enqueue({
        tasks: [
          makeTask(),
          makeTask({ priority: 1.5, payload: { n: 'not a number' } }),
          makeTask({ taskType: 'NoSuchType' }),
          makeTask({ backOffDuration: '5x', priority: 11 }),
          makeTask({ delay: '1s', runAt: new Date().toISOString() }),
          { payload: {} },
          makeTask({ unknownField: true }),
          makeTask({ timeout: '0s', key: '' }),
          makeTask({ priority: 1e300 }),
        ],
      });
      expect(status).toBe(400);
      expectErrorShape(body, 'validation_failed');
      const fields = body.error.details.map((d: { index: number; field: string }) => `${d.index}:${d.field}`);
      expect(fields).toEqual(
        expect.arrayContaining([
          '1:priority',
          '1:payload.n',
          '2:taskType',
          '3:backOffDuration',
          '3:priority',
          '4:delay',
          '5:taskType',
          '6:(task)',
          '7:timeout',
          '7:key',
          '8:priority',
        ]),
      );
      expect(fields.some((field: string) => field.startsWith('0:'))).toBe(false);
      const after = await api.db.pool.query('select count(*)::int as n from tasks');
      expect(after.rows[0].n).toBe(before.rows[0].n);
    });

    it('checks each payload against its type (the seed types included)', async () => {
      const { status, body } = await enqueue({
        tasks: [{ taskType: 'SendEmail', payload: { sendTo: ['not-an-email'], sendFrom: 'a@b.c' } }],
      });
      expect(status).toBe(400);
      const fields = body.error.details.map((d: { field: string }) => d.field);
      expect(fields).toEqual(expect.arrayContaining(['payload.sendTo.0']));
    });

    it('rejects an empty batch and a body that is not an object of tasks', async () => {
      for (const bad of [{ tasks: [] }, {}, [], { tasks: 'x' }, { tasks: [1] }, null]) {
        const { status, body } = await enqueue(bad);
        expect(status, JSON.stringify(bad)).toBe(400);
        expectErrorShape(body, 'validation_failed');
      }
    });

    it('takes a batch of 10,000 tasks in one request', async () => {
      const tasks = Array.from({ length: 10_000 }, (_, i) =>
        makeTask({ priority: i % 10, payload: { n: i } }),
      );
      const started = performance.now();
      const { status, body } = await enqueue({ tasks });
      const elapsed = performance.now() - started;
      expect(status).toBe(202);
      expect(body.requested).toBe(10_000);
      expect(body.submitted).toBe(10_000);
      expect(new Set(body.tasks.map((task: { id: string }) => task.id)).size).toBe(10_000);
      const { rows } = await api.db.pool.query(
        `select count(*)::int as n from tasks where type = 'Echo' and (payload->>'n') is not null`,
      );
      expect(rows[0].n).toBeGreaterThanOrEqual(10_000);
      expect(elapsed).toBeLessThan(20_000);
    }, 60_000);
  });

  describe('GET /task/:id', () => {
    it('returns the task with its history and why it waits', async () => {
      const { body: created } = await enqueue({ tasks: [makeTask({ delay: '1h', priority: 3 })] });
      const id = created.tasks[0].id;
      const { status, body } = await api.callJson(`/task/${id}`);
      expect(status).toBe(200);
      expect(body).toMatchObject({
        id,
        queue: 'default',
        taskType: 'Echo',
        priority: 3,
        status: 'queued',
        payload: { message: 'hello' },
        result: null,
        error: null,
        attempts: 0,
        createdAt: expect.any(String),
        nextRunAt: expect.any(String),
        startedAt: null,
        finishedAt: null,
      });
      // History starts with the enqueue itself.
      expect(body.history).toEqual([
        { at: body.createdAt, fromStatus: null, toStatus: 'queued', attempt: 0, nodeId: null, error: null },
      ]);
      expect(body.waitingFor).toMatchObject({ reason: 'scheduled', until: body.nextRunAt });
      expect(body.waitingFor.message).toContain('scheduled');
    });

    it('answers 404 for an unknown id and for a malformed one', async () => {
      for (const id of ['0190f3a4-6b1e-7c2d-8e9f-0a1b2c3d4e5f', 'not-a-uuid', 'taskId', "1'%20or%201=1"]) {
        const { status, body } = await api.callJson(`/task/${id}`);
        expect(status, id).toBe(404);
        expectErrorShape(body, 'task_not_found');
      }
    });
  });

  describe('POST /task/:id/retry and /cancel', () => {
    it('cancels a waiting task, then retries it; 409 for retrying a queued task; 404 for an unknown one', async () => {
      const { body: created } = await enqueue({ tasks: [makeTask({ delay: '1h' })] });
      const id = created.tasks[0].id;

      const queuedRetry = await api.callJson(`/task/${id}/retry`, { method: 'POST' });
      expect(queuedRetry.status).toBe(409);
      expectErrorShape(queuedRetry.body, 'invalid_state');

      const cancelled = await api.callJson(`/task/${id}/cancel`, { method: 'POST' });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toMatchObject({ id, status: 'cancelled' });

      const cancelAgain = await api.callJson(`/task/${id}/cancel`, { method: 'POST' });
      expect(cancelAgain.status).toBe(409);
      expectErrorShape(cancelAgain.body, 'invalid_state');

      const retried = await api.callJson(`/task/${id}/retry`, { method: 'POST' });
      expect(retried.status).toBe(200);
      expect(retried.body).toMatchObject({ id, status: 'queued' });

      const { body: detail } = await api.callJson(`/task/${id}`);
      const changes = detail.history.map((entry: { fromStatus: string; toStatus: string }) => [
        entry.fromStatus,
        entry.toStatus,
      ]);
      expect(changes.slice(-2)).toEqual([
        ['queued', 'cancelled'],
        ['cancelled', 'queued'],
      ]);

      for (const action of ['retry', 'cancel']) {
        const missing = await api.callJson(`/task/0190f3a4-6b1e-7c2d-8e9f-0a1b2c3d4e5f/${action}`, {
          method: 'POST',
        });
        expect(missing.status).toBe(404);
        expectErrorShape(missing.body, 'task_not_found');
        const malformed = await api.callJson(`/task/nope/${action}`, { method: 'POST' });
        expect(malformed.status).toBe(404);
      }
    });

    it('retries a dead task with a fresh attempt budget', async () => {
      const { body: created } = await enqueue({ tasks: [makeTask({ maxRetries: 0 })] });
      const id = created.tasks[0].id;
      await api.db.pool.query(
        `update tasks set status = 'dead', attempts = 1, error = 'boom', finished_at = now() where id = $1`,
        [id],
      );
      const { status, body } = await api.callJson(`/task/${id}/retry`, { method: 'POST' });
      expect(status).toBe(200);
      expect(body).toMatchObject({ id, status: 'queued' });
    });
  });
});
