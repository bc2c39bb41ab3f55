import { z } from '@hono/zod-openapi';
import { parseDuration } from '../config/duration.js';
import type { TaskStatus } from '../model/task.js';
import { MAX_DURATION_MS, QUEUE_NAME_PATTERN, QUEUE_NAME_RULE } from '../task-limits.js';
import { operatorActionSchema } from './audit-schemas.js';
import { findUnstorableStrings, isStorableText, UNSTORABLE_TEXT } from './storable-text.js';

/**
 * The request and response shapes of the HTTP API. The same schemas validate requests and
 * produce the OpenAPI document (openapi.ts), so the docs cannot drift from the code. The enqueue
 * body depends on the registry and the priority range, so it is built per app in enqueue-schema.ts.
 */

export function text(max: number) {
  return z.string().max(max).refine(isStorableText, UNSTORABLE_TEXT);
}

const DURATION_DOC = {
  type: 'string',
  example: '5s',
  description: 'Go-style duration ("500ms", "5s", "1m30s") or ms',
} as const;

const DURATION_FORMAT = 'a duration like "500ms", "5s" or "1m30s"';
const msOf = (value: string | number) => (typeof value === 'number' ? value : parseDuration(value));

/**
 * A Go-style duration ("500ms", "5s", "1m30s") or milliseconds → ms, with no range: for the
 * enqueue body, whose ranges are the engine's rules (enqueue-rules.ts).
 */
export function durationFormat() {
  return z
    .union([z.string().max(64), z.number()])
    .transform((value, ctx) => {
      const ms = msOf(value);
      if (ms !== undefined) return ms;
      ctx.addIssue({ code: 'custom', message: DURATION_FORMAT });
      return z.NEVER;
    })
    .openapi(DURATION_DOC);
}

/** A Go-style duration or whole milliseconds → ms, checked here against its range. */
export function duration(options: { max?: number; positive?: boolean } = {}) {
  const max = options.max ?? MAX_DURATION_MS;
  return z
    .union([z.string().max(64), z.number().int().nonnegative()])
    .transform((value, ctx) => {
      const ms = msOf(value);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: DURATION_FORMAT });
        return z.NEVER;
      }
      if (ms > max || (options.positive && ms === 0)) {
        ctx.addIssue({
          code: 'custom',
          message: `a duration ${options.positive ? 'above 0 and ' : ''}up to ${max} ms`,
        });
        return z.NEVER;
      }
      return ms;
    })
    .openapi(DURATION_DOC);
}

export const queueName = z
  .string()
  .regex(QUEUE_NAME_PATTERN, QUEUE_NAME_RULE)
  .openapi({ example: 'default' });

const TASK_STATUSES = ['blocked', 'queued', 'running', 'succeeded', 'retrying', 'dead', 'cancelled'] as const;
// Fails to compile if the engine's statuses and this list ever differ.
const sameStatuses: [TaskStatus, (typeof TASK_STATUSES)[number]] extends [
  (typeof TASK_STATUSES)[number],
  TaskStatus,
]
  ? true
  : never = true;
void sameStatuses;

export const taskStatus = z.enum(TASK_STATUSES).openapi('TaskStatus');

export const taskIdParams = z.object({
  id: z
    .uuid()
    .openapi({ param: { name: 'id', in: 'path' }, example: '0190f3a4-6b1e-7c2d-8e9f-0a1b2c3d4e5f' }),
});

export const queueParams = z.object({
  name: queueName.openapi({ param: { name: 'name', in: 'path' } }),
});

const isoTime = z.string().openapi({ format: 'date-time' });

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'validation_failed' }),
      message: z.string(),
      details: z
        .unknown()
        .optional()
        .openapi({ description: 'For validation errors: [{index?, field, message}], one per bad field' }),
    }),
  })
  .openapi('Error');

export const taskSchema = z
  .object({
    id: z.uuid(),
    queue: z.string(),
    taskType: z.string(),
    priority: z.number().int(),
    status: taskStatus,
    payload: z.unknown(),
    result: z.unknown().nullable(),
    error: z.string().nullable().openapi({ description: 'The last error, when an attempt failed' }),
    attempts: z.number().int(),
    maxAttempts: z.number().int(),
    backOffDuration: z.string().openapi({ example: '1s' }),
    backoffMs: z.number().int(),
    timeoutMs: z.number().int().nullable(),
    runAt: isoTime,
    nextRunAt: isoTime.nullable().openapi({ description: 'When it may run next; null unless it waits' }),
    key: z.string().nullable().openapi({ description: 'The dedupe key given at enqueue' }),
    concurrencyKey: z.string().nullable().openapi({ description: 'The concurrency key given at enqueue' }),
    uniqueFor: z.string().nullable().openapi({
      description:
        'The unique window given at enqueue (how long the key stays taken after the end); null without one',
      example: '10m',
    }),
    keyHeldUntil: isoTime.nullable().openapi({
      description: 'After a task with uniqueFor ended (succeeded or dead): when its key is free again',
    }),
    createdAt: isoTime,
    createdBy: z.string().nullable(),
    startedAt: isoTime.nullable(),
    finishedAt: isoTime.nullable(),
    lockedBy: z.string().nullable().openapi({
      description:
        "The node holding it, while claimed or running ('worker:<name>/…' for an HTTP worker's lease)",
    }),
    progress: z
      .object({
        fraction: z.number().min(0).max(1).openapi({ example: 0.42 }),
        message: z.string().nullable().openapi({ example: 'page 42 of 100' }),
        at: isoTime,
      })
      .nullable()
      .openapi('TaskProgress', {
        description:
          "The handler's latest ctx.progress(fraction, message), or an HTTP worker's heartbeat progress, of the current or last attempt (stored at most once a second); null until it reports, and again when a new attempt starts",
      }),
  })
  .openapi('Task');

export const waitingForSchema = z
  .object({
    reason: z.enum([
      'backoff',
      'scheduled',
      'queue_paused',
      'queue_at_capacity',
      'claimed',
      'tasks_ahead',
      'rate_limited',
      'key_at_capacity',
      'parents',
    ]),
    message: z.string().openapi({ example: 'in backoff until 2026-01-01T00:00:05.000Z' }),
    until: isoTime.optional(),
    queue: z.string().optional(),
    running: z.number().int().optional(),
    limit: z.number().int().optional(),
    nodeId: z.string().optional(),
    ahead: z.number().int().optional(),
    nextSlotAt: isoTime.optional().openapi({
      description: "rate_limited: when the queue's rate window reopens (also in `until`)",
    }),
    concurrencyKey: z.string().optional().openapi({ description: 'key_at_capacity: the key at its cap' }),
    parents: z
      .array(z.object({ id: z.uuid(), status: taskStatus.nullable() }))
      .optional()
      .openapi({
        description:
          'For reason "parents" (status blocked): the parents still pending, with their status (null: removed by retention)',
      }),
  })
  .openapi('WaitingFor');

export const historyEntrySchema = z
  .object({
    at: isoTime,
    fromStatus: taskStatus.nullable(),
    toStatus: taskStatus,
    attempt: z.number().int(),
    nodeId: z.string().nullable(),
    error: z.string().nullable(),
  })
  .openapi('TaskHistoryEntry');

export const taskDetailSchema = taskSchema
  .extend({
    history: z.array(historyEntrySchema),
    waitingFor: waitingForSchema
      .nullable()
      .openapi({ description: 'Why it is not running yet; null unless it waits' }),
    operatorActions: z.array(operatorActionSchema).openapi({
      description: 'Retries, cancels and bulk retries that touched it, from the audit log, oldest first',
    }),
    dependsOn: z.array(z.object({ id: z.uuid(), status: taskStatus.nullable() })).openapi({
      description: 'Its parents (dependsOn at enqueue) with their status now; empty without parents',
    }),
    onParentFailure: z.enum(['cancel', 'run']).nullable().openapi({
      description: 'What a dead or cancelled parent does to it; null without parents',
    }),
    dependents: z.array(z.uuid()).openapi({ description: 'Ids of the tasks that depend on it' }),
  })
  .openapi('TaskDetail');

export const enqueueResponseSchema = z
  .object({
    requested: z.number().int(),
    submitted: z.number().int(),
    duplicates: z.number().int(),
    tasks: z.array(
      z.object({
        index: z.number().int(),
        id: z.uuid(),
        taskType: z.string(),
        queue: z.string(),
        status: taskStatus,
      }),
    ),
    duplicateKeys: z.array(z.string()),
  })
  .openapi('EnqueueResponse');

const limitSource = z.enum(['config', 'runtime', 'none']);

const rateLimitView = z
  .object({
    max: z.number().int().openapi({ example: 100 }),
    per: z.string().openapi({ example: '1m' }),
    perMs: z.number().int().openapi({ example: 60000 }),
  })
  .openapi('QueueRateLimit');

export const queueSummarySchema = z
  .object({
    name: z.string(),
    paused: z.boolean(),
    concurrency: z
      .number()
      .int()
      .openapi({ description: 'Per-node limit for this queue; 0 = only the pool' }),
    counts: z.record(z.string(), z.number().int()).openapi({ example: { queued: 3, running: 1 } }),
    oldestWaitingMs: z.number().nullable(),
    rateLimit: rateLimitView.nullable().openapi({
      description: 'At most `max` task starts per `per` across all instances; null: no rate limit',
    }),
    maxPerKey: z.number().int().nullable().openapi({
      description: 'At most this many tasks of one concurrencyKey claimed or running at once; null: no cap',
    }),
    limitsSource: z
      .object({ rateLimit: limitSource, maxPerKey: limitSource })
      .openapi({ description: 'Where each limit comes from: config.yaml, a PATCH /queues/{name}, or none' }),
  })
  .openapi('QueueSummary');

export const taskPageSchema = z
  .object({
    tasks: z.array(taskSchema),
    next: z
      .uuid()
      .optional()
      .openapi({ description: 'Pass as `after` for the next page; absent on the last' }),
  })
  .openapi('TaskPage');

const limit = z.coerce
  .number()
  .int()
  .min(1)
  .max(1000)
  .default(100)
  .openapi({ type: 'integer', minimum: 1, maximum: 1000, default: 100 });

export const listTasksQuery = z.object({
  status: taskStatus.optional(),
  type: text(200).optional(),
  payload: text(10_000)
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined;
      try {
        const parsed: unknown = JSON.parse(value);
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
          let storable: boolean;
          try {
            storable = findUnstorableStrings(parsed, 1).length === 0;
          } catch (error) {
            ctx.addIssue({ code: 'custom', message: (error as Error).message });
            return z.NEVER;
          }
          if (storable) return parsed as Record<string, unknown>;
          ctx.addIssue({ code: 'custom', message: UNSTORABLE_TEXT });
          return z.NEVER;
        }
      } catch {}
      ctx.addIssue({ code: 'custom', message: 'a JSON object, matched by containment (payload @> filter)' });
      return z.NEVER;
    })
    .openapi({ type: 'string', example: '{"reportType":"Financial Report"}' }),
  limit,
  after: z.uuid().optional(),
});

export const deadLetterQuery = z.object({
  queue: queueName.optional(),
  limit,
  after: z.uuid().optional(),
});

export const deadLetterRetryBody = z
  .strictObject({
    ids: z.array(z.uuid()).min(1).max(10_000).optional(),
    queue: queueName.optional(),
    type: text(200).optional(),
    all: z
      .literal(true)
      .optional()
      .openapi({ description: 'Retry every dead task (no other filter needed)' }),
  })
  .refine((body) => body.ids || body.queue || body.type || body.all, {
    message: 'give ids, a queue or type filter, or "all": true',
  })
  .openapi('DeadLetterRetryRequest');

export const deadLetterRetryResponse = z
  .object({ retried: z.number().int(), ids: z.array(z.uuid()) })
  .openapi('DeadLetterRetryResponse');

/** PATCH /queues/{name}: a field given replaces the config's value; null turns it off. */
export const queueLimitsPatch = z
  .strictObject({
    rateLimit: z
      .strictObject({
        max: z.number().int().min(1).max(1_000_000).openapi({ example: 100 }),
        per: duration({ positive: true }).openapi({ example: '1m' }),
      })
      .nullable()
      .optional()
      .openapi({ description: 'At most `max` starts per `per` across all instances; null: none' }),
    maxPerKey: z.number().int().min(1).max(100_000).nullable().optional().openapi({
      example: 2,
      description: 'At most this many tasks per concurrencyKey at once; null: no cap',
    }),
  })
  .refine((patch) => patch.rateLimit !== undefined || patch.maxPerKey !== undefined, {
    message: 'give rateLimit and/or maxPerKey (null turns one off)',
  })
  .openapi('QueueLimitsPatch');

export const queueLimitsResponse = z
  .object({
    queue: z.string(),
    rateLimit: rateLimitView.nullable(),
    maxPerKey: z.number().int().nullable(),
    limitsSource: z.object({ rateLimit: limitSource, maxPerKey: limitSource }),
  })
  .openapi('QueueLimits');

export const queueStateResponse = z.object({ queue: z.string(), paused: z.boolean() }).openapi('QueueState');

export const healthResponse = z.object({ status: z.literal('ok') });
export const readinessResponse = z.object({ status: z.literal('ready') });
