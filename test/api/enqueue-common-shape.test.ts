import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readCommonEnqueueBody } from '../../src/api/enqueue-common-shape.js';
import { createEnqueueSchemas } from '../../src/api/enqueue-schema.js';
import { parseConfig } from '../../src/config/load-config.js';
import { TaskRegistry } from '../../src/tasks/registry.js';
import { defineHandler } from '../../src/tasks/task-handler.js';

const MAX_TASKS = 3;
const config = parseConfig({ api: { maxTasksPerRequest: MAX_TASKS } });
const registry = new TaskRegistry().register(
  defineHandler({ type: 'Noop', payloadSchema: z.looseObject({}), run: async () => null }),
);
const { request } = createEnqueueSchemas({ registry, config, checkBatch: () => [] });
/** The schema's own parse, without the shortcut the route's validator takes. */
const parseWithZod = (body: unknown) => request.safeParse(body);

describe('the common enqueue body read without zod', () => {
  it.each([
    ['one task', { tasks: [{ taskType: 'Noop', payload: { i: 1 } }] }],
    ['no payload', { tasks: [{ taskType: 'Noop' }] }],
    ['a null payload', { tasks: [{ taskType: 'Noop', payload: null }] }],
    ['a payload that is not an object', { tasks: [{ taskType: 'Noop', payload: [1, 'two'] }] }],
    ['an empty type (the engine refuses it, not the shape)', { tasks: [{ taskType: '' }] }],
    [
      'a full batch',
      { tasks: Array.from({ length: MAX_TASKS }, (_, i) => ({ taskType: 'Noop', payload: { i } })) },
    ],
  ])('%s: the same tasks the schema reads', (_name, body) => {
    const zod = parseWithZod(body);
    expect(zod.success).toBe(true);
    expect(readCommonEnqueueBody(body, MAX_TASKS)).toEqual(zod.data);
  });

  it('passes the payload object itself on, as the schema does', () => {
    const payload = { i: 1 };
    expect(
      readCommonEnqueueBody({ tasks: [{ taskType: 'Noop', payload }] }, MAX_TASKS)?.tasks[0]?.payload,
    ).toBe(payload);
  });

  it.each([
    ['a body that is not an object', [{ taskType: 'Noop' }]],
    ['null', null],
    ['no tasks', {}],
    ['an empty batch', { tasks: [] }],
    ['too many tasks', { tasks: Array.from({ length: MAX_TASKS + 1 }, () => ({ taskType: 'Noop' })) }],
    ['tasks not an array', { tasks: { taskType: 'Noop' } }],
    ['createdBy', { tasks: [{ taskType: 'Noop' }], createdBy: 'me' }],
    ['an unknown body field', { tasks: [{ taskType: 'Noop' }], extra: 1 }],
    ['a task that is not an object', { tasks: ['Noop'] }],
    ['a task type that is not a string', { tasks: [{ taskType: 7 }] }],
    ['no task type', { tasks: [{ payload: {} }] }],
    ['another task field', { tasks: [{ taskType: 'Noop', priority: 1 }] }],
    ['an unknown task field', { tasks: [{ taskType: 'Noop', colour: 'red' }] }],
    ['a __proto__ key', JSON.parse('{"tasks":[{"taskType":"Noop","__proto__":{}}]}')],
  ])('%s: left to the schema', (_name, body) => {
    expect(readCommonEnqueueBody(body, MAX_TASKS)).toBeUndefined();
  });
});
