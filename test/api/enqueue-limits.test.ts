import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR, TEN_YEARS_MS, toNumberHandler } from '../support/enqueue-limit-cases.js';
import { type ApiSetup, expectErrorShape, type Json, makeTask, setupApi } from './api-harness.js';

/**
 * The enqueue rules are the engine's and the HTTP schema only describes them: each case here
 * once passed one layer and failed the other (issue 16, "Validate once").
 */
describe('enqueue limits over HTTP: one set of rules', () => {
  let api: ApiSetup;
  let doc: Json;
  const { handler: toNumber, received } = toNumberHandler();

  beforeAll(async () => {
    api = await setupApi({ handlers: [toNumber], processTasks: true });
    doc = await (await api.call('/openapi.json')).json();
  });
  afterAll(async () => api?.close());

  const enqueue = (body: unknown) => api.callJson('/tasks/enqueue', { json: body });
  const runAtOf = async (id: string): Promise<Date> =>
    (await api.db.pool.query('select run_at from tasks where id = $1', [id])).rows[0].run_at;

  it('stores a delay of 720h (30 days) and of ten years as a run time that far ahead', async () => {
    const before = Date.now();
    const { status, body } = await enqueue({
      tasks: [makeTask({ delay: '720h' }), makeTask({ delay: `${TEN_YEARS_MS / HOUR}h` })],
    });
    expect(status, JSON.stringify(body)).toBe(202);
    const [month, decade] = await Promise.all(body.tasks.map((task: { id: string }) => runAtOf(task.id)));
    expect(month!.getTime()).toBeGreaterThanOrEqual(before + 720 * HOUR - 5_000);
    expect(month!.getTime()).toBeLessThanOrEqual(Date.now() + 720 * HOUR + 5_000);
    expect(decade!.getTime()).toBeGreaterThanOrEqual(before + TEN_YEARS_MS - 5_000);
    const { body: detail } = await api.callJson(`/task/${body.tasks[0].id}`);
    expect(detail).toMatchObject({ status: 'queued', waitingFor: { reason: 'scheduled' } });
  });

  it('refuses a delay past ten years, naming the limit', async () => {
    const { status, body } = await enqueue({ tasks: [makeTask({ delay: TEN_YEARS_MS + 1 })] });
    expect(status).toBe(400);
    expectErrorShape(body, 'validation_failed');
    expect(body.error.details).toEqual([
      { index: 0, field: 'delay', message: expect.stringContaining('10 years') },
    ]);
  });

  it('takes a dedupe key of 512 characters and refuses 513', async () => {
    const ok = await enqueue({ tasks: [makeTask({ key: 'k'.repeat(512) })] });
    expect(ok.status, JSON.stringify(ok.body)).toBe(202);
    const { rows } = await api.db.pool.query('select length(dedupe_key)::int as n from tasks where id = $1', [
      ok.body.tasks[0].id,
    ]);
    expect(rows[0].n).toBe(512);
    const tooLong = await enqueue({ tasks: [makeTask({ key: 'k'.repeat(513) })] });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.details).toEqual([
      { index: 0, field: 'key', message: 'key must be 1-512 characters' },
    ]);
  });

  it('parses a payload once: a transforming schema is accepted and the handler gets its output', async () => {
    const { status, body } = await enqueue({ tasks: [{ taskType: 'ToNumber', payload: { n: '21' } }] });
    expect(status, JSON.stringify(body)).toBe(202);
    expect(await received).toBe(21);
    const { rows } = await api.db.pool.query('select payload from tasks where id = $1', [body.tasks[0].id]);
    expect(rows[0].payload).toEqual({ n: 21 });
  });

  it('still answers every problem of a batch at once, shape and rules together', async () => {
    const { status, body } = await enqueue({
      tasks: [
        makeTask({ backOffDuration: '5x', key: 'k'.repeat(513) }),
        makeTask({ delay: '1s', runAt: new Date().toISOString(), queue: 'no spaces' }),
        { taskType: 'ToNumber', payload: { n: 7 }, priority: 'high' },
      ],
    });
    expect(status).toBe(400);
    const fields = body.error.details.map((d: { index: number; field: string }) => `${d.index}:${d.field}`);
    expect(fields.sort()).toEqual([
      '0:backOffDuration',
      '0:key',
      '1:delay',
      '1:queue',
      '2:payload.n',
      '2:priority',
    ]);
  });

  it('documents the same limits in the OpenAPI document', () => {
    const task = doc.components.schemas.EnqueueTask.properties;
    expect(task.key).toMatchObject({ minLength: 1, maxLength: 512 });
    expect(task.concurrencyKey).toMatchObject({ minLength: 1, maxLength: 200 });
    expect(task.queue.pattern).toBe('^[A-Za-z0-9_.-]{1,64}$');
    expect(task.delay.description).toContain('10 years');
    expect(task.timeout.description).toContain('24');
    expect(task.maxRetries).toMatchObject({ minimum: 0, maximum: 1000 });
    expect(task.dependsOn).toMatchObject({ minItems: 1, maxItems: 100 });
  });
});
