import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../support/until.js';
import { type ApiSetup, expectErrorShape, type Json, setupApi, tokenOf } from './api-harness.js';

// Long enough that a loaded machine does not lose a lease between a claim and its complete.
const LEASE_MS = 2000;

let api: ApiSetup;
const admin = { token: tokenOf('ops') };
const asWorker = { token: tokenOf('py') };

beforeAll(async () => {
  api = await setupApi({
    processTasks: true,
    tokens: { ops: 'admin', py: 'worker' },
    leaseMs: LEASE_MS,
    config: {
      tasks: {
        external: [
          {
            type: 'Resize',
            queue: 'images',
            maxRetries: 2,
            backOff: 0,
            payloadSchema: {
              type: 'object',
              required: ['url'],
              properties: { url: { type: 'string', minLength: 1 }, width: { type: 'integer', minimum: 1 } },
              additionalProperties: false,
            },
          },
          { type: 'Transcode', queue: 'video' },
        ],
      },
    },
  });
});
afterAll(() => api.close());

const enqueue = (tasks: Json[]) => api.enqueueIds(tasks, admin.token);

const claim = (json: Json) => api.callJson('/workers/claim', { ...asWorker, json });
const post = (path: string, json: Json) => api.callJson(path, { ...asWorker, json });
const task = (id: string) => api.taskDetail(id, admin.token);

async function tableSnapshot() {
  const { rows } = await api.db.pool.query(
    `select (select count(*)::int from tasks) as tasks, (select count(*)::int from task_events) as events,
            (select coalesce(json_agg(t order by id), '[]') from (select id, status, attempts, locked_by, result from tasks) t) as rows`,
  );
  return rows[0];
}

describe('external types', () => {
  it('are listed by /task-types with their JSON Schema and queue', async () => {
    const { body } = await api.callJson('/task-types', admin);
    const resize = body.types.find((type: Json) => type.type === 'Resize');
    expect(resize).toMatchObject({
      external: true,
      queue: 'images',
      defaults: { maxRetries: 2, backoffMs: 0 },
    });
    expect(resize.payloadSchema.required).toEqual(['url']);
  });

  it('validate the payload against the JSON Schema with the same 400 as a built-in type', async () => {
    const before = await tableSnapshot();
    const { status, body } = await api.callJson('/tasks/enqueue', {
      ...admin,
      json: {
        tasks: [
          { taskType: 'Resize', payload: { width: 0, extra: 1 } },
          { taskType: 'Echo', payload: { n: 'x' } },
        ],
      },
    });
    expect(status).toBe(400);
    expectErrorShape(body, 'validation_failed');
    const fields = body.error.details.map((problem: Json) => `${problem.index}:${problem.field}`);
    expect(fields).toEqual(expect.arrayContaining(['0:payload.url', '0:payload.width', '1:payload.n']));
    expect(await tableSnapshot()).toEqual(before);
  });

  it('go to their own queue; another queue is refused, as is a built-in type in theirs', async () => {
    const [id] = await enqueue([{ taskType: 'Resize', payload: { url: 'a.png' } }]);
    expect((await task(id!)).queue).toBe('images');
    for (const item of [
      { taskType: 'Resize', queue: 'default', payload: { url: 'a' } },
      { taskType: 'Echo', queue: 'images' },
    ]) {
      const { status, body } = await api.callJson('/tasks/enqueue', { ...admin, json: { tasks: [item] } });
      expect(status).toBe(400);
      expect(body.error.details[0].field).toBe('queue');
    }
    // Drain it so later tests start from an empty queue.
    const { body } = await claim({ worker: 'w0', types: ['Resize'] });
    await post(`/task/${id}/complete`, { token: body.tasks[0].lease.token });
  });

  it('are never run by the node itself', async () => {
    const [id] = await enqueue([{ taskType: 'Transcode', payload: { any: 'thing' } }]);
    // The node's feeder polls every 200 ms; a claim after several polls still finds the task.
    await new Promise((done) => setTimeout(done, 600));
    expect((await task(id!)).status).toBe('queued');
    const { body } = await claim({ worker: 'w0', types: ['Transcode'] });
    expect(body.tasks.map((t: Json) => t.id)).toEqual([id]);
    await post(`/task/${id}/complete`, { token: body.tasks[0].lease.token });
  });
});

describe('claim, heartbeat, complete, fail', () => {
  it('claims by priority, completes with a result, and records every change', async () => {
    const [low, high] = await enqueue([
      { taskType: 'Resize', payload: { url: 'low.png' }, priority: 1 },
      { taskType: 'Resize', payload: { url: 'high.png' }, priority: 9 },
    ]);
    const first = await claim({ worker: 'w1', types: ['Resize'] });
    expect(first.status).toBe(200);
    expect(first.body.tasks).toHaveLength(1);
    const leased = first.body.tasks[0];
    expect(leased).toMatchObject({
      id: high,
      taskType: 'Resize',
      queue: 'images',
      payload: { url: 'high.png' },
      attempt: 1,
    });
    expect(Date.parse(leased.lease.expiresAt)).toBeGreaterThan(Date.now());

    const done = await post(`/task/${high}/complete`, { token: leased.lease.token, result: { width: 640 } });
    expect(done).toMatchObject({ status: 200, body: { id: high, status: 'succeeded', attempt: 1 } });
    const detail = await task(high!);
    expect(detail.result).toEqual({ width: 640 });
    expect(detail.history.map((entry: Json) => `${entry.fromStatus}->${entry.toStatus}`)).toEqual([
      'null->queued',
      'queued->running',
      'running->succeeded',
    ]);
    expect(detail.history[1].nodeId).toMatch(/^worker:w1\//);

    // A second complete with the same token is stale now.
    const again = await post(`/task/${high}/complete`, { token: leased.lease.token });
    expect(again.status).toBe(409);
    expectErrorShape(again.body, 'lease_lost');

    const second = await claim({ worker: 'w1', types: ['Resize'], max: 10 });
    expect(second.body.tasks.map((t: Json) => t.id)).toEqual([low]);
    const failed = await post(`/task/${low}/fail`, {
      token: second.body.tasks[0].lease.token,
      error: 'boom',
    });
    expect(failed.body).toMatchObject({ status: 'retrying', attempt: 1 });
    const retried = await claim({ worker: 'w1', types: ['Resize'], wait: '5s' });
    expect(retried.body.tasks[0]).toMatchObject({ id: low, attempt: 2 });
    const dead = await post(`/task/${low}/fail`, {
      token: retried.body.tasks[0].lease.token,
      error: 'bad image',
      retryable: false,
    });
    expect(dead.body).toMatchObject({ status: 'dead', attempt: 2 });
    expect((await task(low!)).error).toBe('bad image');
  });

  it('long-polls: answers as soon as a task is enqueued, and [] when wait ends', async () => {
    const started = Date.now();
    const empty = await claim({ worker: 'w2', types: ['Resize'], wait: 300 });
    expect(empty.body).toEqual({ tasks: [] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);

    const pending = claim({ worker: 'w2', types: ['Resize'], wait: '20s' });
    // Enqueue only once the claim waits, so the answer must come from the wake-up.
    await until(() => api.engine.workerLeases.waitingClaims > 0, { what: 'the claim to wait' });
    const enqueuedAt = Date.now();
    const [id] = await enqueue([{ taskType: 'Resize', payload: { url: 'late.png' } }]);
    const answer = await pending;
    expect(answer.body.tasks.map((t: Json) => t.id)).toEqual([id]);
    expect(Date.now() - enqueuedAt).toBeLessThan(5000);
    await post(`/task/${id}/complete`, { token: answer.body.tasks[0].lease.token });
  });

  it('heartbeats keep a task alive for 3x the lease; cancelling makes the next heartbeat 409', async () => {
    const [id] = await enqueue([{ taskType: 'Resize', payload: { url: 'long.png' } }]);
    const { body } = await claim({ worker: 'w3', types: ['Resize'] });
    const token = body.tasks[0].lease.token;
    const until = Date.now() + 3 * LEASE_MS;
    let beats = 0;
    while (Date.now() < until) {
      const beat = await post(`/task/${id}/heartbeat`, {
        token,
        progress: { fraction: Math.min(1, beats / 10), message: `beat ${beats}` },
      });
      expect(beat.status, JSON.stringify(beat.body)).toBe(200);
      expect(Date.parse(beat.body.expiresAt)).toBeGreaterThan(Date.now());
      beats++;
      await new Promise((done) => setTimeout(done, LEASE_MS / 4));
    }
    const alive = await task(id!);
    expect(alive).toMatchObject({
      status: 'running',
      attempts: 1,
      progress: { fraction: Math.min(1, (beats - 1) / 10), message: `beat ${beats - 1}` },
    });

    expect((await api.callJson(`/task/${id}/cancel`, { ...admin, method: 'POST' })).status).toBe(200);
    const lost = await post(`/task/${id}/heartbeat`, { token });
    expect(lost.status).toBe(409);
    expectErrorShape(lost.body, 'lease_lost');
    expect((await task(id!)).status).toBe('cancelled');
  });

  it('an expired lease is rescued (worker lost); the late complete gets 409 and changes nothing', async () => {
    const [id] = await enqueue([{ taskType: 'Resize', payload: { url: 'lost.png' } }]);
    const first = await claim({ worker: 'dies', types: ['Resize'] });
    const staleToken = first.body.tasks[0].lease.token;
    // The first worker stops heartbeating; another one long-polls and gets the task after the lease.
    const second = await claim({ worker: 'survivor', types: ['Resize'], wait: '10s' });
    expect(second.body.tasks[0]).toMatchObject({ id, attempt: 2 });
    const before = await tableSnapshot();
    const late = await post(`/task/${id}/complete`, { token: staleToken, result: { late: true } });
    expect(late.status).toBe(409);
    expectErrorShape(late.body, 'lease_lost');
    expect(await tableSnapshot()).toEqual(before);
    await post(`/task/${id}/complete`, { token: second.body.tasks[0].lease.token, result: { ok: 1 } });
    const detail = await task(id!);
    expect(detail.result).toEqual({ ok: 1 });
    const lostEntry = detail.history.find((entry: Json) => entry.error?.startsWith('worker lost'));
    expect(lostEntry).toMatchObject({ fromStatus: 'running', toStatus: 'retrying', attempt: 1 });
    expect(lostEntry.error).toContain('worker:dies');
  });

  it('GET /workers lists the workers seen, with the tasks they hold', async () => {
    const [id] = await enqueue([{ taskType: 'Resize', payload: { url: 'held.png' } }]);
    const { body } = await claim({ worker: 'holder', types: ['Resize'] });
    const list = await api.callJson('/workers', admin);
    expect(list.status).toBe(200);
    const holder = list.body.workers.find((worker: Json) => worker.name === 'holder');
    expect(holder).toMatchObject({ running: 1 });
    expect(list.body.workers.map((worker: Json) => worker.name)).toEqual(
      expect.arrayContaining(['w1', 'survivor']),
    );
    await post(`/task/${id}/complete`, { token: body.tasks[0].lease.token });
  });
});

describe('bad input changes nothing', () => {
  it('answers 4xx JSON for unknown types, no types, max out of range, a wrong token or scope', async () => {
    const [id] = await enqueue([{ taskType: 'Resize', payload: { url: 'keep.png' } }]);
    const before = await tableSnapshot();
    const cases: Array<[string, Promise<{ status: number; body: Json }>, number, string]> = [
      ['unknown type', claim({ worker: 'x', types: ['Nope'] }), 400, 'validation_failed'],
      ['built-in type', claim({ worker: 'x', types: ['Echo'] }), 400, 'validation_failed'],
      ['no types', claim({ worker: 'x', types: [] }), 400, 'validation_failed'],
      ['max 0', claim({ worker: 'x', types: ['Resize'], max: 0 }), 400, 'validation_failed'],
      ['max 101', claim({ worker: 'x', types: ['Resize'], max: 101 }), 400, 'validation_failed'],
      ['wait 31s', claim({ worker: 'x', types: ['Resize'], wait: '31s' }), 400, 'validation_failed'],
      ['bad worker name', claim({ worker: 'a/b', types: ['Resize'] }), 400, 'validation_failed'],
      [
        'queue of no type',
        claim({ worker: 'x', types: ['Resize'], queues: ['video'] }),
        400,
        'validation_failed',
      ],
      ['wrong token', post(`/task/${id}/complete`, { token: 'not-the-token' }), 409, 'lease_lost'],
      ['heartbeat, wrong token', post(`/task/${id}/heartbeat`, { token: 'nope' }), 409, 'lease_lost'],
      ['fail without error', post(`/task/${id}/fail`, { token: 'nope' }), 400, 'validation_failed'],
      [
        'no such task',
        post('/task/0190f3a4-6b1e-7c2d-8e9f-0a1b2c3d4e5f/complete', { token: 'nope' }),
        404,
        'task_not_found',
      ],
      [
        'worker token on enqueue',
        api.callJson('/tasks/enqueue', { ...asWorker, json: { tasks: [] } }),
        403,
        'forbidden',
      ],
      ['worker token on a read', api.callJson(`/task/${id}`, asWorker), 403, 'forbidden'],
      [
        'worker token on cancel',
        api.callJson(`/task/${id}/cancel`, { ...asWorker, method: 'POST' }),
        403,
        'forbidden',
      ],
    ];
    for (const [name, answer, status, code] of cases) {
      const { status: got, body } = await answer;
      expect(got, `${name}: ${JSON.stringify(body)}`).toBe(status);
      expectErrorShape(body, code);
    }
    expect(await tableSnapshot()).toEqual(before);
    const { body } = await claim({ worker: 'cleanup', types: ['Resize'] });
    await post(`/task/${id}/complete`, { token: body.tasks[0].lease.token });
  });
});
