import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskEvents } from '../support/task-events.js';
import { type ApiSetup, expectErrorShape, type Json, makeTask, setupApi } from './api-harness.js';

let api: ApiSetup;
let events: TaskEvents;
beforeAll(async () => {
  api = await setupApi({ processTasks: true });
  events = TaskEvents.watch(api.engine);
});
afterAll(() => api.close());

const enqueue = (tasks: Json[]) => api.callJson('/tasks/enqueue', { json: { tasks } });

describe('POST /tasks/enqueue with uniqueFor', () => {
  it('answers a key taken by a finished task as a duplicate while its window runs', async () => {
    const first = await enqueue([makeTask({ key: 'report-acme', uniqueFor: '10m' })]);
    expect(first.status).toBe(202);
    await events.finished(first.body.tasks[0].id);
    const done = await api.taskDetail(first.body.tasks[0].id);
    expect(done).toMatchObject({ status: 'succeeded', uniqueFor: '10m', key: 'report-acme' });
    expect(Date.parse(done.keyHeldUntil)).toBeGreaterThan(Date.now() + 9 * 60_000);
    const again = await enqueue([makeTask({ key: 'report-acme', uniqueFor: '10m' })]);
    expect(again.body).toMatchObject({ submitted: 0, duplicates: 1, duplicateKeys: ['report-acme'] });
  });

  it.each([
    ['uniqueFor without a key', makeTask({ uniqueFor: '10m' }), /needs a key/],
    ['a uniqueFor that is not a duration', makeTask({ key: 'k', uniqueFor: 'soon' }), /duration/],
    ['a zero uniqueFor', makeTask({ key: 'k', uniqueFor: 0 }), /above 0/],
    ['a uniqueFor over 366 days', makeTask({ key: 'k', uniqueFor: '9000h' }), /up to/],
  ])('400 for %s', async (_name, task, message) => {
    const { status, body } = await enqueue([task]);
    expect(status).toBe(400);
    expectErrorShape(body, 'validation_failed');
    expect(body.error.details).toEqual([
      expect.objectContaining({ index: 0, field: 'uniqueFor', message: expect.stringMatching(message) }),
    ]);
  });
});
