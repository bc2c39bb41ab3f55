import { createRoute, z } from '@hono/zod-openapi';
import { formatDuration } from '../../config/duration.js';
import type { Engine } from '../../engine/engine.js';
import type { QueueSummary, TaskPage } from '../../model/task.js';
import { actorOf } from '../actor.js';
import { AppError } from '../errors.js';
import { errorResponses, jsonContent } from '../openapi.js';
import {
  listTasksQuery,
  queueLimitsPatch,
  queueLimitsResponse,
  queueParams,
  queueStateResponse,
  queueSummarySchema,
  taskPageSchema,
} from '../schemas.js';
import { toTaskView } from '../task-view.js';
import { createRouter } from '../validation.js';

export function toQueueView(queue: QueueSummary): z.input<typeof queueSummarySchema> {
  return { ...queue, counts: { ...queue.counts }, rateLimit: toRateLimitView(queue.rateLimit) };
}

function toRateLimitView(rateLimit: { max: number; perMs: number } | null) {
  return rateLimit
    ? { max: rateLimit.max, per: formatDuration(rateLimit.perMs), perMs: rateLimit.perMs }
    : null;
}

export function toTaskPageView(page: TaskPage): z.input<typeof taskPageSchema> {
  return { tasks: page.tasks.map(toTaskView), ...(page.next ? { next: page.next } : {}) };
}

export function queueRoutes(options: { engine: Engine }) {
  const { engine } = options;
  const router = createRouter();

  router.openapi(
    createRoute({
      method: 'get',
      path: '/queues',
      operationId: 'listQueues',
      tags: ['queues'],
      summary: 'Every queue: counts by status, concurrency, paused flag, age of the oldest waiting task',
      responses: {
        200: jsonContent(z.object({ queues: z.array(queueSummarySchema) }), 'The queues'),
        ...errorResponses(),
      },
    }),
    async (c) => c.json({ queues: (await engine.listQueues()).map(toQueueView) }, 200),
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/queues/{name}/tasks',
      operationId: 'listQueueTasks',
      tags: ['queues'],
      summary: 'Tasks of a queue, newest first, keyset-paginated',
      description:
        '`payload` is a JSON object matched by containment (`payload @> filter`): `{"reportType":"Financial Report"}` ' +
        "finds every task whose payload has that field with that value. Pass the answer's `next` as `after` for the next page.",
      request: { params: queueParams, query: listTasksQuery },
      responses: { 200: jsonContent(taskPageSchema, 'A page of tasks'), ...errorResponses(400) },
    }),
    async (c) => {
      const { name } = c.req.valid('param');
      const query = c.req.valid('query');
      if (query.payload && engine.encrypted) {
        throw new AppError(
          'validation_failed',
          'payload search does not work on encrypted payloads: security.encryptionKeys is set, so the database holds only ciphertext',
          [{ field: 'payload', message: 'not available while payloads are encrypted' }],
        );
      }
      const page = await engine.listTasks({
        queue: name,
        limit: query.limit,
        ...(query.status ? { status: query.status } : {}),
        ...(query.type ? { type: query.type } : {}),
        ...(query.payload ? { payload: query.payload } : {}),
        ...(query.after ? { after: query.after } : {}),
      });
      return c.json(toTaskPageView(page), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'patch',
      path: '/queues/{name}',
      operationId: 'setQueueLimits',
      tags: ['queues'],
      summary:
        "Set a queue's rate limit and cap per concurrency key at run time (every instance, kept across restarts)",
      description:
        'A field given replaces the value from config.yaml on every instance and survives restarts; `null` turns ' +
        'the limit off; a field left out keeps its current value. Recorded in the audit log (`queue.limits`).',
      request: {
        params: queueParams,
        body: { content: { 'application/json': { schema: queueLimitsPatch } }, required: true },
      },
      responses: { 200: jsonContent(queueLimitsResponse, 'The limits now in force'), ...errorResponses(400) },
    }),
    async (c) => {
      const { name } = c.req.valid('param');
      const body = c.req.valid('json');
      const view = await engine.setQueueLimits(
        name,
        {
          ...(body.rateLimit !== undefined
            ? { rateLimit: body.rateLimit && { max: body.rateLimit.max, perMs: body.rateLimit.per } }
            : {}),
          ...(body.maxPerKey !== undefined ? { maxPerKey: body.maxPerKey } : {}),
        },
        actorOf(c),
      );
      return c.json(
        {
          queue: name,
          rateLimit: toRateLimitView(view.rateLimit),
          maxPerKey: view.maxPerKey,
          limitsSource: view.source,
        },
        200,
      );
    },
  );

  for (const action of ['pause', 'resume'] as const) {
    router.openapi(
      createRoute({
        method: 'post',
        path: `/queues/{name}/${action}`,
        operationId: action === 'pause' ? 'pauseQueue' : 'resumeQueue',
        tags: ['queues'],
        summary:
          action === 'pause'
            ? 'Pause a queue: waiting tasks stay waiting, running ones finish'
            : 'Resume a paused queue',
        request: { params: queueParams },
        responses: { 200: jsonContent(queueStateResponse, 'The queue state'), ...errorResponses(400) },
      }),
      async (c) => {
        const { name } = c.req.valid('param');
        if (action === 'pause') await engine.pauseQueue(name, actorOf(c));
        else await engine.resumeQueue(name, actorOf(c));
        return c.json({ queue: name, paused: action === 'pause' }, 200);
      },
    );
  }

  return router;
}
