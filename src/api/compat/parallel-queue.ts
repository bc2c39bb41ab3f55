import { createRoute, z } from '@hono/zod-openapi';
import type { Config } from '../../config/schema.js';
import type { Engine } from '../../engine/engine.js';
import type { Task } from '../../model/task.js';
import { MAX_DEDUPE_KEY_LENGTH } from '../../task-limits.js';
import { AppError } from '../errors.js';
import { errorResponses, jsonContent } from '../openapi.js';
import { text } from '../schemas.js';
import { createRouter, jsonBody } from '../validation.js';
import { sleepDuration } from './pexecutor.js';

/**
 * The parallel queue's tasks live in their own queue, so its ids are a namespace of their own and
 * GET /tasks lists only them. Its `workers_limit` is the node's pool (queue.workerPoolSize).
 */
export const PARALLEL_QUEUE = 'parallel';

/** The longest `scheduled` list GET /tasks returns. */
export const PARALLEL_LIST_LIMIT = 1000;

const DAY_MS = 24 * 60 * 60 * 1000;

/** One task as the seed shows it: `{"<id>": durationMs}`. */
export type ParallelEntry = Record<string, number>;

export function toParallelEntry(task: Pick<Task, 'id' | 'dedupeKey' | 'payload'>): ParallelEntry {
  return { [task.dedupeKey ?? task.id]: sleepDuration(task.payload) };
}

const durationMs = z
  .number({ error: 'a duration in milliseconds' })
  .int('a whole number of milliseconds')
  .min(0, 'a duration of at least 0 ms')
  .max(DAY_MS, 'a duration of at most 86,400,000 ms (24 h)');

const entrySchema = z.record(z.string(), z.number().int()).openapi({ example: { task789: 5000 } });

const scheduleBody = z
  .record(
    text(MAX_DEDUPE_KEY_LENGTH).min(1, `a task id of 1-${MAX_DEDUPE_KEY_LENGTH} characters`),
    durationMs,
  )
  .openapi({ example: { task123: 1000, task456: 2500 } });

const scheduleResponse = z
  .object({
    scheduled: z.array(entrySchema).openapi({ description: 'The tasks stored, in request order' }),
    duplicates: z
      .array(z.string())
      .openapi({ description: 'Ids skipped because a task with that id is already scheduled or running' }),
  })
  .openapi('ParallelScheduleResponse');

const tasksResponse = z
  .object({
    active: z.record(z.string(), z.number().int()).openapi({ example: { task123: 1000, task456: 2500 } }),
    scheduled: z.array(entrySchema),
  })
  .openapi('ParallelTasks');

/** Seed 004 (the parallel queue): POST /schedule, GET /tasks. The WebSocket is in parallel-events.ts. */
export function parallelQueueRoutes(options: { engine: Engine; config: Config }) {
  const { engine, config } = options;
  const router = createRouter();

  router.openapi(
    createRoute({
      method: 'post',
      path: '/schedule',
      operationId: 'parallelQueueSchedule',
      tags: ['compat: parallel queue'],
      summary: 'Schedule Sleep tasks: `{"<id>": durationMs, …}`',
      description:
        'Each entry becomes a `Sleep` task in the `parallel` queue keyed by its id; an id already scheduled or ' +
        'running is skipped and listed in `duplicates`.',
      middleware: [jsonBody()] as const,
      request: { body: { required: true, content: { 'application/json': { schema: scheduleBody } } } },
      responses: { 200: jsonContent(scheduleResponse, 'Scheduled'), ...errorResponses(400, 413, 415, 503) },
    }),
    async (c) => {
      const entries = Object.entries(c.req.valid('json'));
      if (entries.length > config.api.maxTasksPerRequest) {
        throw new AppError('payload_too_large', `at most ${config.api.maxTasksPerRequest} tasks per request`);
      }
      if (entries.length === 0) return c.json({ scheduled: [], duplicates: [] }, 200);
      const result = await engine.enqueueBatch(
        entries.map(([id, duration]) => ({
          type: 'Sleep',
          queue: PARALLEL_QUEUE,
          payload: { duration },
          dedupeKey: id,
        })),
        c.var.principal ? { createdBy: c.var.principal.name } : {},
      );
      return c.json(
        {
          scheduled: result.accepted.map(({ index }) => ({ [entries[index]![0]]: entries[index]![1] })),
          duplicates: result.duplicates.map((duplicate) => duplicate.key),
        },
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/tasks',
      operationId: 'parallelQueueListTasks',
      tags: ['compat: parallel queue'],
      summary: 'Active tasks (running on any node) and scheduled tasks in run order',
      responses: { 200: jsonContent(tasksResponse, 'Active and scheduled'), ...errorResponses() },
    }),
    async (c) => {
      const [running, pending] = await Promise.all([
        engine.listTasks({ queue: PARALLEL_QUEUE, status: 'running', limit: PARALLEL_LIST_LIMIT }),
        engine.pendingTasks({ queue: PARALLEL_QUEUE, limit: PARALLEL_LIST_LIMIT }),
      ]);
      const active: ParallelEntry = {};
      const byStart = [...running.tasks].sort(
        (a, b) => (a.startedAt?.getTime() ?? 0) - (b.startedAt?.getTime() ?? 0),
      );
      for (const task of byStart) Object.assign(active, toParallelEntry(task));
      // The two reads are two snapshots: a task that started between them is listed once, as active.
      const activeIds = new Set(running.tasks.map((task) => task.id));
      const scheduled = pending.filter((task) => !activeIds.has(task.id)).map(toParallelEntry);
      return c.json({ active, scheduled }, 200);
    },
  );

  return router;
}
