import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiSetup, expectErrorShape, type Json, setupApi } from './api-harness.js';

let api: ApiSetup;

beforeAll(async () => {
  api = await setupApi({
    processTasks: true,
    config: {
      lease: { timeout: 60_000 },
      tasks: { external: [{ type: 'Thumb', queue: 'thumbs', maxRetries: 1, backOff: 0 }] },
    },
  });
});
afterAll(() => api.close());

/**
 * Answers that arrive together are looked up and written together (one statement for many);
 * each must still get its own answer, fenced by its own lease.
 */
describe('many HTTP workers answering at once', () => {
  it('each complete and fail gets its own answer; a repeated, wrong-token or unknown one gets its 4xx', async () => {
    const count = 40;
    const enqueued = await api.callJson('/tasks/enqueue', {
      json: { tasks: Array.from({ length: count }, (_, i) => ({ taskType: 'Thumb', payload: { i } })) },
    });
    expect(enqueued.status).toBe(202);
    // A claim may come back short (its oldest-first share can overlap the by-priority part).
    const leased: Json[] = [];
    while (leased.length < count) {
      const claimed = await api.callJson('/workers/claim', {
        json: { worker: 'many', types: ['Thumb'], max: count - leased.length, wait: '5s' },
      });
      expect(claimed.status).toBe(200);
      leased.push(...claimed.body.tasks);
    }
    expect(leased).toHaveLength(count);

    const [first, second] = leased;
    const answers = await Promise.all([
      ...leased.map((task, index) =>
        index % 4 === 3
          ? api.callJson(`/task/${task.id}/fail`, {
              json: { token: task.lease.token, error: `bad ${task.payload.i}`, retryable: false },
            })
          : api.callJson(`/task/${task.id}/complete`, {
              json: { token: task.lease.token, result: { i: task.payload.i } },
            }),
      ),
      // The same answer twice, a token of another task, and a task that does not exist.
      api.callJson(`/task/${first.id}/complete`, {
        json: { token: first.lease.token, result: { twice: true } },
      }),
      api.callJson(`/task/${first.id}/complete`, { json: { token: second.lease.token } }),
      api.callJson('/task/0190f3a4-6b1e-7c2d-8e9f-0a1b2c3d4e5f/complete', {
        json: { token: first.lease.token },
      }),
    ]);
    const own = answers.slice(0, count);
    own.forEach((answer, index) => {
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body).toMatchObject({
        id: leased[index].id,
        status: index % 4 === 3 ? 'dead' : 'succeeded',
        attempt: 1,
      });
    });
    const [repeated, wrongToken, unknown] = answers.slice(count);
    // Of the two answers with first's token, exactly one won; the other is stale.
    const firstAnswers = [own[0]!, repeated!].map((answer) => answer.status).sort();
    expect(firstAnswers).toEqual([200, 409]);
    expect(wrongToken!.status).toBe(409);
    expectErrorShape(wrongToken!.body, 'lease_lost');
    expect(unknown!.status).toBe(404);

    const { rows } = await api.db.pool.query<{
      i: number;
      status: string;
      result: Json;
      error: string | null;
      ends: number;
    }>(
      `select (payload->>'i')::int as i, status, result, error,
              (select count(*)::int from task_events e where e.task_id = t.id and e.from_status = 'running') as ends
         from tasks t where type = 'Thumb' order by 1`,
    );
    expect(rows).toHaveLength(count);
    for (const row of rows) {
      expect(row.ends).toBe(1);
      if (row.status === 'dead') expect(row.error).toBe(`bad ${row.i}`);
      else expect(row).toMatchObject({ status: 'succeeded', error: null });
    }
    expect(rows.filter((row) => row.status === 'dead')).toHaveLength(count / 4);
  });
});
