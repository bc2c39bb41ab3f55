import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CompatSetup, type Json, setupCompat } from './compat-harness.js';

/** Seed 002 (the Elixir job runner) README commands, verbatim; only localhost:4000 is swapped. */
const SEED = {
  list: 'curl -X GET --location "http://localhost:4000/api/jobs" ',
  create: `curl -X POST --location "http://localhost:4000/api/jobs" \\
    -H "Content-Type: application/json" \\
    -d '{
          "job": {
            "queue_id": "fibonacci",
            "payload": {"n": 303}
          }
        }'   `,
};
const ORIGIN = 'http://localhost:4000';
const FIB_303 = '941390895042587567453271223806288165311401367715034229502159202';

/** F(n) by plain iteration, independent of the handler's fast doubling. */
function fibonacciByIteration(n: number): bigint {
  let [a, b] = [0n, 1n];
  for (let i = 0; i < n; i++) [a, b] = [b, a + b];
  return a;
}

/** The statuses a job can have when POST /api/jobs reads it back. */
const JUST_CREATED = ['queued', 'running', 'succeeded', 'dead'];

const JOB_KEYS = [
  'attempts',
  'error',
  'id',
  'inserted_at',
  'payload',
  'queue_id',
  'result',
  'status',
  'updated_at',
].sort();

describe('the Elixir job runner: the README commands and the queues of config.yaml', () => {
  let api: CompatSetup;
  beforeAll(async () => {
    api = await setupCompat();
  });
  afterAll(async () => api?.close());

  const jobById = async (id: string): Promise<Json> => {
    const { body } = await api.call('/api/jobs');
    return body.data.find((job: Json) => job.id === id);
  };
  const finished = (job: Json) => job && ['succeeded', 'dead'].includes(job.status);

  it('lists no jobs on a fresh system', async () => {
    const { status, body } = await api.curl(SEED.list, ORIGIN);
    expect(status).toBe(200);
    expect(body).toEqual({ data: [] });
  });

  it('creates the fibonacci job with 201 {"data": job} and computes fib(303) exactly', async () => {
    expect(fibonacciByIteration(303).toString()).toBe(FIB_303);
    const { status, body } = await api.curl(SEED.create, ORIGIN);
    expect(status).toBe(201);
    expect(Object.keys(body)).toEqual(['data']);
    expect(Object.keys(body.data).sort()).toEqual(JOB_KEYS);
    expect(body.data).toMatchObject({
      queue_id: 'fibonacci',
      payload: { n: 303 },
    });
    // Read back after COMMIT: a free worker may already have picked it up.
    expect(JUST_CREATED).toContain(body.data.status);
    expect(new Date(body.data.inserted_at).toISOString()).toBe(body.data.inserted_at);

    const job = await api.waitFor(() => jobById(body.data.id), finished);
    expect(job.status).toBe('succeeded');
    expect(job.error).toBeNull();
    expect(job.attempts).toBe(1);
    expect(job.result.value).toBe(FIB_303);
    expect(BigInt(job.result.value)).toBe(fibonacciByIteration(303));
    expect(Date.parse(job.updated_at)).toBeGreaterThanOrEqual(Date.parse(job.inserted_at));

    const one = await api.call(`/api/jobs/${body.data.id}`);
    expect(one.status).toBe(200);
    expect(one.body.data).toEqual(job);
  });

  it('runs a sleeper job with payload {"duration": ms}', async () => {
    const { status, body } = await api.call('/api/jobs', {
      json: { job: { queue_id: 'sleeper', payload: { duration: 50 } } },
    });
    expect(status).toBe(201);
    expect(body.data).toMatchObject({ queue_id: 'sleeper', payload: { duration: 50 } });
    expect(JUST_CREATED).toContain(body.data.status);
    const job = await api.waitFor(() => jobById(body.data.id), finished);
    expect(job).toMatchObject({ status: 'succeeded', error: null, attempts: 1 });
  });

  it.each([
    { queue: 'sleeper', payload: { n: 3 } },
    { queue: 'sleeper', payload: { duration: 'soon' } },
    { queue: 'fibonacci', payload: { n: -1 } },
    { queue: 'fibonacci', payload: 'not an object' },
    { queue: 'fibonacci', payload: undefined },
  ])(
    'accepts an invalid payload ($payload for $queue) and ends the job in error invalid_payload, once',
    async ({ queue, payload }) => {
      const { status, body } = await api.call('/api/jobs', { json: { job: { queue_id: queue, payload } } });
      expect(status).toBe(201);
      expect(body.data).toMatchObject({ queue_id: queue, payload: payload ?? null });
      const job = await api.waitFor(() => jobById(body.data.id), finished);
      expect(job).toMatchObject({
        status: 'dead',
        error: 'invalid_payload',
        attempts: 1,
        payload: payload ?? null,
      });
    },
  );

  it('lists jobs newest first', async () => {
    const created: string[] = [];
    for (const n of [1, 2, 3]) {
      const { body } = await api.call('/api/jobs', {
        json: { job: { queue_id: 'fibonacci', payload: { n } } },
      });
      created.push(body.data.id);
    }
    const sleeper = await api.call('/api/jobs', {
      json: { job: { queue_id: 'sleeper', payload: { duration: 1 } } },
    });
    created.push(sleeper.body.data.id);
    const { body } = await api.call('/api/jobs');
    expect(body.data.slice(0, 4).map((job: Json) => job.id)).toEqual(created.reverse());
    const times = body.data.map((job: Json) => Date.parse(job.inserted_at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    for (const job of body.data) expect(Object.keys(job).sort()).toEqual(JOB_KEYS);
    expect((await api.call('/api/jobs?limit=2')).body.data).toHaveLength(2);
  });

  it('answers 400 naming the field for an unknown queue_id, and lists the known queues', async () => {
    const { status, body } = await api.call('/api/jobs', {
      json: { job: { queue_id: 'nope', payload: { n: 1 } } },
    });
    expect(status).toBe(400);
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.message).toContain('nope');
    expect(body.error.details).toEqual([
      { field: 'job.queue_id', message: expect.stringContaining('fibonacci, sleeper') },
    ]);
  });

  it.each([
    { name: 'no job', body: { queue_id: 'fibonacci' } },
    { name: 'no queue_id', body: { job: { payload: { n: 1 } } } },
    { name: 'a numeric queue_id', body: { job: { queue_id: 7, payload: {} } } },
  ])('answers 400 for $name', async ({ body }) => {
    const response = await api.call('/api/jobs', { json: body });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('validation_failed');
  });

  it('answers 404 for a job that does not exist', async () => {
    const missing = await api.call('/api/jobs/0190f3a4-6b1e-7c2d-8e9f-0a1b2c3d4e5f');
    expect(missing.status).toBe(404);
    expect((await api.call('/api/jobs/123')).status).toBe(404);
  });
});
