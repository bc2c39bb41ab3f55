import { createRoute, z } from '@hono/zod-openapi';
import type { Config, QueueConfig } from '../../config/schema.js';
import type { Engine } from '../../engine/engine.js';
import type { Task } from '../../model/task.js';
import { AppError } from '../errors.js';
import { errorResponses, jsonContent } from '../openapi.js';
import { taskIdParams, taskStatus } from '../schemas.js';
import { createRouter, jsonBody } from '../validation.js';
import { INVALID_JOB_TYPE, INVALID_PAYLOAD_ERROR } from './invalid-job.js';

const DEFAULT_LIST_LIMIT = 100;
const MAX_LIST_LIMIT = 1000;

const isoTime = z.string().openapi({ format: 'date-time' });

const jobSchema = z
  .object({
    id: z.uuid(),
    queue_id: z.string().openapi({ example: 'fibonacci' }),
    payload: z.unknown().openapi({ example: { n: 303 } }),
    status: taskStatus,
    result: z.unknown().nullable(),
    error: z.string().nullable().openapi({ example: INVALID_PAYLOAD_ERROR }),
    attempts: z.number().int(),
    inserted_at: isoTime,
    updated_at: isoTime,
  })
  .openapi('Job');

const createJobBody = z
  .object({
    job: z.object({
      queue_id: z.string().min(1).max(64),
      payload: z.unknown().optional(),
    }),
  })
  .openapi({ example: { job: { queue_id: 'fibonacci', payload: { n: 303 } } } });

const listQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_LIST_LIMIT)
    .default(DEFAULT_LIST_LIMIT)
    .openapi({ param: { name: 'limit', in: 'query' }, example: DEFAULT_LIST_LIMIT }),
});

/** A task as the Elixir runner shows a job (snake_case, Phoenix-style timestamps). */
export function toJobView(task: Task): z.input<typeof jobSchema> {
  const invalid = task.type === INVALID_JOB_TYPE;
  const payload = invalid ? (task.payload as { payload?: unknown }).payload : task.payload;
  return {
    id: task.id,
    queue_id: task.queue,
    payload: payload ?? null,
    status: task.status,
    result: task.result ?? null,
    error: invalid && task.status === 'dead' ? INVALID_PAYLOAD_ERROR : task.error,
    attempts: task.attempts,
    inserted_at: task.createdAt.toISOString(),
    updated_at: (task.finishedAt ?? task.startedAt ?? task.createdAt).toISOString(),
  };
}

/**
 * Seed 002 (the Elixir job runner): a job queue is a configured queue with a `handler` type
 * (config.yaml `queue.queues`: fibonacci → Fibonacci, sleeper → Sleep); its `workers` and
 * `interval` are the queue's own concurrency and fallback poll, as in the seed's `@queues`.
 */
export function jobRunnerRoutes(options: { engine: Engine; config: Config }) {
  const { engine, config } = options;
  const jobQueues = new Map<string, QueueConfig & { handler: string }>();
  for (const queue of config.queue.queues) {
    if (queue.handler) jobQueues.set(queue.id, { ...queue, handler: queue.handler });
  }
  const router = createRouter();

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/jobs',
      operationId: 'jobRunnerCreateJob',
      tags: ['compat: job runner'],
      summary: "Create a job in a named queue; it runs the queue's handler type",
      description:
        "An unknown `queue_id` is a 400. A payload the queue's type rejects is still accepted (201): the job " +
        `ends \`dead\` with the error \`${INVALID_PAYLOAD_ERROR}\`, as the seed's perform/1 does.`,
      middleware: [jsonBody()] as const,
      request: { body: { required: true, content: { 'application/json': { schema: createJobBody } } } },
      responses: {
        201: jsonContent(z.object({ data: jobSchema }), 'Created'),
        ...errorResponses(400, 413, 415, 503),
      },
    }),
    async (c) => {
      const { job } = c.req.valid('json');
      const queue = jobQueues.get(job.queue_id);
      if (!queue) {
        const known = [...jobQueues.keys()].join(', ');
        throw new AppError('validation_failed', `unknown queue_id "${job.queue_id}"`, [
          { field: 'job.queue_id', message: `unknown queue; known queues: ${known}` },
        ]);
      }
      const handler = engine.registry.get(queue.handler);
      if (!handler) throw new AppError('internal', `queue ${queue.id} names an unknown handler`);
      const valid = handler.payloadSchema.safeParse(job.payload ?? {}).success;
      if (!valid && !engine.registry.has(INVALID_JOB_TYPE)) {
        // A wiring mistake, not the client's: the engine was started without compatHandlers().
        throw new AppError('internal', `this node does not run ${INVALID_JOB_TYPE} (compatHandlers)`);
      }
      const result = await engine.enqueueBatch(
        [
          valid
            ? { type: queue.handler, queue: queue.id, payload: job.payload ?? {} }
            : { type: INVALID_JOB_TYPE, queue: queue.id, payload: { payload: job.payload ?? null } },
        ],
        c.var.principal ? { createdBy: c.var.principal.name } : {},
      );
      const id = result.accepted[0]!.id;
      const task = await engine.getTask(id);
      if (!task) throw new AppError('internal', 'the job vanished after it was stored');
      c.header('Location', `/api/jobs/${id}`);
      return c.json({ data: toJobView(task) }, 201);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/jobs',
      operationId: 'jobRunnerListJobs',
      tags: ['compat: job runner'],
      summary: 'Jobs of every job queue, newest first',
      request: { query: listQuery },
      responses: { 200: jsonContent(z.object({ data: z.array(jobSchema) }), 'Jobs'), ...errorResponses(400) },
    }),
    async (c) => {
      const { limit } = c.req.valid('query');
      // One keyset query per job queue (a handful), merged: uuid v7 ids sort by creation time.
      const pages = await Promise.all(
        [...jobQueues.keys()].map((queue) => engine.listTasks({ queue, limit })),
      );
      const newestFirst = pages
        .flatMap((page) => page.tasks)
        .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
        .slice(0, limit);
      return c.json({ data: newestFirst.map(toJobView) }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/jobs/{id}',
      operationId: 'jobRunnerGetJob',
      tags: ['compat: job runner'],
      summary: 'One job',
      request: { params: taskIdParams },
      responses: { 200: jsonContent(z.object({ data: jobSchema }), 'The job'), ...errorResponses(404) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const task = await engine.getTask(id);
      if (!task || !jobQueues.has(task.queue)) throw new AppError('task_not_found', `no job with id ${id}`);
      return c.json({ data: toJobView(task) }, 200);
    },
  );

  return router;
}
