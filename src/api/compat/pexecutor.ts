import { createRoute, z } from '@hono/zod-openapi';
import type { Config } from '../../config/schema.js';
import type { Engine } from '../../engine/engine.js';
import type { Task } from '../../model/task.js';
import { MAX_DEDUPE_KEY_LENGTH } from '../../task-limits.js';
import { AppError } from '../errors.js';
import { errorResponses, jsonContent } from '../openapi.js';
import { text } from '../schemas.js';
import { createRouter, jsonBody } from '../validation.js';

/**
 * Pexecutor's tasks live in their own queue: its names are a namespace of their own (the dedupe
 * index is per queue), so a Pexecutor "Task 1" never collides with a key sent to /tasks/enqueue,
 * and its running/pending lists show only what Pexecutor clients submitted.
 */
export const PEXECUTOR_QUEUE = 'pexecutor';

/** The longest list GET /tasks/running and /tasks/pending return. */
export const PEXECUTOR_LIST_LIMIT = 1000;

const DAY_MS = 24 * 60 * 60 * 1000;

const namedTask = z
  .object({
    name: text(MAX_DEDUPE_KEY_LENGTH).min(1, `a name of 1-${MAX_DEDUPE_KEY_LENGTH} characters`),
    duration: z
      .number({ error: 'a duration in milliseconds' })
      .int('a whole number of milliseconds')
      .min(0, 'a duration of at least 0 ms')
      .max(DAY_MS, 'a duration of at most 86,400,000 ms (24 h)'),
  })
  .openapi('PexecutorTask', { example: { name: 'Task 1', duration: 3000 } });

const submitResponse = z
  .object({
    RequestedTask: z.number().int(),
    SubmittedTasks: z.number().int(),
    DuplicateTasks: z.number().int(),
  })
  .openapi('PexecutorSubmitResponse');

/** A Sleep task as Pexecutor shows it; tasks without a key (sent elsewhere) show their id. */
export function toNamedTask(task: Pick<Task, 'id' | 'dedupeKey' | 'payload'>): {
  name: string;
  duration: number;
} {
  return { name: task.dedupeKey ?? task.id, duration: sleepDuration(task.payload) };
}

/** A Sleep payload's `duration` (ms), as the seed UIs show a task; 0 for a payload without one. */
export function sleepDuration(payload: unknown): number {
  if (
    payload &&
    typeof payload === 'object' &&
    'duration' in payload &&
    typeof payload.duration === 'number'
  ) {
    return payload.duration;
  }
  return 0;
}

/** Seeds 000/001 (Pexecutor): POST /tasks, GET /tasks/running, GET /tasks/pending. */
export function pexecutorRoutes(options: { engine: Engine; config: Config }) {
  const { engine, config } = options;
  const router = createRouter();

  router.openapi(
    createRoute({
      method: 'post',
      path: '/tasks',
      operationId: 'pexecutorSubmitTasks',
      tags: ['compat: Pexecutor'],
      summary: 'Submit Sleep tasks named by `name`; a name already pending or running is a duplicate',
      description:
        'Each item becomes a `Sleep` task (payload `{duration}`) in the `pexecutor` queue with the name as its ' +
        'dedupe key. Never blocks: the tasks are stored and the answer comes after COMMIT, however busy the workers.',
      middleware: [jsonBody()] as const,
      request: { body: { required: true, content: { 'application/json': { schema: z.array(namedTask) } } } },
      responses: { 200: jsonContent(submitResponse, 'Counts'), ...errorResponses(400, 413, 415) },
    }),
    async (c) => {
      const items = c.req.valid('json');
      if (items.length > config.api.maxTasksPerRequest) {
        throw new AppError('payload_too_large', `at most ${config.api.maxTasksPerRequest} tasks per request`);
      }
      const result =
        items.length === 0
          ? { accepted: [], duplicates: [] }
          : await engine.enqueueBatch(
              items.map((item) => ({
                type: 'Sleep',
                queue: PEXECUTOR_QUEUE,
                payload: { duration: item.duration },
                dedupeKey: item.name,
              })),
              c.var.principal ? { createdBy: c.var.principal.name } : {},
            );
      return c.json(
        {
          RequestedTask: items.length,
          SubmittedTasks: result.accepted.length,
          DuplicateTasks: result.duplicates.length,
        },
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/tasks/running',
      operationId: 'pexecutorRunningTasks',
      tags: ['compat: Pexecutor'],
      summary: 'Pexecutor tasks running now on any node, oldest start first',
      responses: { 200: jsonContent(z.array(namedTask), 'Running tasks'), ...errorResponses() },
    }),
    async (c) => {
      // Cluster-wide from PostgreSQL, not this node's workers: behind a load balancer a client's
      // GET may reach another node than the one running its tasks.
      const page = await engine.listTasks({
        queue: PEXECUTOR_QUEUE,
        status: 'running',
        limit: PEXECUTOR_LIST_LIMIT,
      });
      const running = [...page.tasks].sort(
        (a, b) => (a.startedAt?.getTime() ?? 0) - (b.startedAt?.getTime() ?? 0),
      );
      return c.json(running.map(toNamedTask), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/tasks/pending',
      operationId: 'pexecutorPendingTasks',
      tags: ['compat: Pexecutor'],
      summary: 'Pexecutor tasks waiting to run, in the order they will run',
      responses: { 200: jsonContent(z.array(namedTask), 'Pending tasks'), ...errorResponses() },
    }),
    async (c) => {
      const pending = await engine.pendingTasks({ queue: PEXECUTOR_QUEUE, limit: PEXECUTOR_LIST_LIMIT });
      return c.json(pending.map(toNamedTask), 200);
    },
  );

  return router;
}
