import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiSetup, expectErrorShape, makeTask, setupApi } from './api-harness.js';

describe('queues and dead letters', () => {
  let api: ApiSetup;
  beforeAll(async () => {
    api = await setupApi();
    const tasks = [
      ...Array.from({ length: 5 }, (_, i) => makeTask({ queue: 'reports', payload: { message: 'r', n: i } })),
      makeTask({
        queue: 'reports',
        taskType: 'GenerateReport',
        payload: { reportType: 'Financial Report', notify: [] },
      }),
      ...Array.from({ length: 3 }, (_, i) => makeTask({ queue: 'mail', payload: { message: 'm', n: i } })),
    ];
    const { status } = await api.callJson('/tasks/enqueue', { json: { tasks } });
    expect(status).toBe(202);
  });
  afterAll(async () => api?.close());

  it('GET /queues gives per queue the counts, concurrency, paused flag and oldest waiting age', async () => {
    const { status, body } = await api.callJson('/queues');
    expect(status).toBe(200);
    const reports = body.queues.find((queue: { name: string }) => queue.name === 'reports');
    expect(reports).toMatchObject({ name: 'reports', paused: false, concurrency: expect.any(Number) });
    expect(reports.counts.queued).toBe(6);
    expect(reports.oldestWaitingMs === null || typeof reports.oldestWaitingMs === 'number').toBe(true);
  });

  it('lists a queue by status, type and payload containment, keyset-paginated', async () => {
    const all = await api.callJson('/queues/reports/tasks');
    expect(all.status).toBe(200);
    expect(all.body.tasks).toHaveLength(6);

    const byType = await api.callJson('/queues/reports/tasks?type=GenerateReport&status=queued');
    expect(byType.body.tasks.map((task: { taskType: string }) => task.taskType)).toEqual(['GenerateReport']);

    const filter = encodeURIComponent(JSON.stringify({ reportType: 'Financial Report' }));
    const byPayload = await api.callJson(`/queues/reports/tasks?payload=${filter}`);
    expect(byPayload.body.tasks).toHaveLength(1);
    const byNumber = await api.callJson(`/queues/reports/tasks?payload=${encodeURIComponent('{"n":3}')}`);
    expect(byNumber.body.tasks.map((task: { payload: { n: number } }) => task.payload.n)).toEqual([3]);

    const seen: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 10; page++) {
      const { body } = await api.callJson(`/queues/reports/tasks?limit=4${after ? `&after=${after}` : ''}`);
      seen.push(...body.tasks.map((task: { id: string }) => task.id));
      after = body.next;
      if (!after) break;
    }
    expect(seen).toHaveLength(6);
    expect(new Set(seen).size).toBe(6);

    const empty = await api.callJson('/queues/nobody/tasks');
    expect(empty).toMatchObject({ status: 200, body: { tasks: [] } });
  });

  it('pauses and resumes a queue; a waiting task says its queue is paused', async () => {
    const paused = await api.callJson('/queues/mail/pause', { method: 'POST' });
    expect(paused).toMatchObject({ status: 200, body: { queue: 'mail', paused: true } });
    const { body } = await api.callJson('/queues');
    expect(body.queues.find((queue: { name: string }) => queue.name === 'mail').paused).toBe(true);
    const { body: page } = await api.callJson('/queues/mail/tasks?limit=1');
    const { body: task } = await api.callJson(`/task/${page.tasks[0].id}`);
    expect(task.waitingFor).toMatchObject({ reason: 'queue_paused', queue: 'mail' });

    const resumed = await api.callJson('/queues/mail/resume', { method: 'POST' });
    expect(resumed).toMatchObject({ status: 200, body: { queue: 'mail', paused: false } });
    const bad = await api.callJson('/queues/no%20spaces/pause', { method: 'POST' });
    expect(bad.status).toBe(400);
    expectErrorShape(bad.body, 'validation_failed');
  });

  it('lists dead letters and retries them by ids and by filter', async () => {
    const { body: created } = await api.callJson('/tasks/enqueue', {
      json: { tasks: Array.from({ length: 4 }, (_, i) => makeTask({ queue: 'doomed', payload: { n: i } })) },
    });
    const ids: string[] = created.tasks.map((task: { id: string }) => task.id);
    await api.db.pool.query(
      `update tasks set status = 'dead', attempts = max_attempts, error = 'boom', finished_at = now() where id = any($1)`,
      [ids],
    );

    const listed = await api.callJson('/dead-letter?queue=doomed&limit=3');
    expect(listed.status).toBe(200);
    expect(listed.body.tasks).toHaveLength(3);
    expect(listed.body.tasks[0]).toMatchObject({ status: 'dead', error: 'boom', queue: 'doomed' });
    const rest = await api.callJson(`/dead-letter?queue=doomed&limit=3&after=${listed.body.next}`);
    expect(rest.body.tasks).toHaveLength(1);

    const byIds = await api.callJson('/dead-letter/retry', { json: { ids: [ids[0]] } });
    expect(byIds).toMatchObject({ status: 200, body: { retried: 1, ids: [ids[0]] } });
    const byQueue = await api.callJson('/dead-letter/retry', { json: { queue: 'doomed' } });
    expect(byQueue.body.retried).toBe(3);
    expect((await api.callJson('/dead-letter?queue=doomed')).body.tasks).toEqual([]);

    for (const json of [{}, { ids: ['nope'] }, { ids: [] }, { all: false }, { queue: 'doomed', extra: 1 }]) {
      const bad = await api.callJson('/dead-letter/retry', { json });
      expect(bad.status, JSON.stringify(json)).toBe(400);
      expectErrorShape(bad.body, 'validation_failed');
    }
  });
});
