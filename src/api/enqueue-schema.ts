import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Config } from '../config/schema.js';
import type { Engine } from '../engine/engine.js';
import type { NewTask } from '../model/task.js';
import {
  MAX_CONCURRENCY_KEY_LENGTH,
  MAX_DEDUPE_KEY_LENGTH,
  MAX_DELAY_RULE,
  MAX_DURATION_RULE,
  MAX_PARENTS,
  MAX_RETRIES,
  MAX_TASK_TYPE_LENGTH,
  MAX_UNIQUE_FOR_RULE,
  QUEUE_NAME_PATTERN,
} from '../task-limits.js';
import type { TaskRegistry } from '../tasks/registry.js';
import { readCommonEnqueueBody } from './enqueue-common-shape.js';
import { AppError, type FieldProblem } from './errors.js';
import { durationFormat, text } from './schemas.js';
import { validationHook } from './validation.js';

const DURATION = 'Go-style duration ("500ms", "5s", "1m30s") or ms';

/**
 * The body of POST /tasks/enqueue, built per app because its document names the registry's
 * types and the configured priority range. It reads the JSON into the engine's `NewTask` (types,
 * duration and date formats, no unknown fields) and describes every limit for the OpenAPI
 * document, from the constants the engine checks (task-limits.ts); the rules themselves (ranges,
 * lengths, the task type, the payload's schema) are the engine's, so a payload is parsed once.
 */
export function createEnqueueSchemas(options: {
  registry: TaskRegistry;
  config: Config;
  /** The engine's rules, without storing anything. */
  checkBatch: Engine['checkBatch'];
}) {
  const { registry, config } = options;
  const { minPriority, maxPriority } = config.queue;

  const taskItem = z
    .strictObject({
      taskType: z.string().openapi({
        minLength: 1,
        maxLength: MAX_TASK_TYPE_LENGTH,
        example: 'SendEmail',
        description: `one of: ${registry.types().join(', ')}`,
      }),
      priority: z
        .number()
        .optional()
        .openapi({ type: 'integer', minimum: minPriority, maximum: maxPriority, example: 1 }),
      payload: z
        .unknown()
        .optional()
        .openapi({ description: "Checked against the task type's payload schema" }),
      backOffDuration: durationFormat()
        .optional()
        .openapi({
          description: `${DURATION}: the first retry's delay, doubling; up to ${MAX_DURATION_RULE}`,
        }),
      queue: z.string().optional().openapi({ pattern: QUEUE_NAME_PATTERN.source, example: 'default' }),
      key: z.string().optional().openapi({
        minLength: 1,
        maxLength: MAX_DEDUPE_KEY_LENGTH,
        description:
          'Dedupe key: a second task with this key is skipped while one is pending or running (and, with uniqueFor, for that long after it ended)',
      }),
      uniqueFor: durationFormat()
        .optional()
        .openapi({
          description: `With \`key\`: keep the key taken this long after the task ended (succeeded or dead), so another task with it is a duplicate until then ("at most one per customer per 10m"). Without it a key is free once its task ends. Above 0 and up to ${MAX_UNIQUE_FOR_RULE}`,
          example: '10m',
        }),
      concurrencyKey: z.string().optional().openapi({
        minLength: 1,
        maxLength: MAX_CONCURRENCY_KEY_LENGTH,
        example: 'customer-42',
        description:
          "Tasks sharing a key (a tenant, a customer, an API account) run at most the queue's maxPerKey at once across all instances, and claims rotate among keys",
      }),
      maxRetries: z.number().optional().openapi({ type: 'integer', minimum: 0, maximum: MAX_RETRIES }),
      runAt: z.iso.datetime({ offset: true }).optional(),
      delay: durationFormat()
        .optional()
        .openapi({
          description: `${DURATION}: run no earlier than this long after the enqueue (database clock); up to ${MAX_DELAY_RULE}. Not with runAt`,
          example: '720h',
        }),
      timeout: durationFormat()
        .optional()
        .openapi({
          description: `${DURATION}: an attempt running longer is aborted; above 0 and up to ${MAX_DURATION_RULE}`,
        }),
      dependsOn: z
        .array(
          z.union([
            z.string().openapi({ format: 'uuid' }),
            z.number().openapi({ type: 'integer', minimum: 0 }),
          ]),
        )
        .optional()
        .openapi({
          minItems: 1,
          maxItems: MAX_PARENTS,
          description:
            `Parents: ids of existing tasks, or indexes of earlier tasks in this request (at most ${MAX_PARENTS}). ` +
            'The task is blocked until every parent succeeded; its handler then sees ctx.parents (id → result). ' +
            'An index that points forward or at the task itself (a cycle) or an unknown id is a 400.',
          example: [0, '0190f3a4-6b1e-7c2d-8e9f-0a1b2c3d4e5f'],
        }),
      onParentFailure: z
        .enum(['cancel', 'run'])
        .optional()
        .openapi({
          description:
            'What a dead or cancelled parent does: "cancel" (default) cancels this task and, transitively, its own dependents; ' +
            '"run" runs it once every parent has ended, with ctx.parents holding the results of those that succeeded',
        }),
    })
    .transform(
      (item): NewTask => ({
        type: item.taskType,
        payload: item.payload ?? {},
        ...(item.queue !== undefined ? { queue: item.queue } : {}),
        ...(item.priority !== undefined ? { priority: item.priority } : {}),
        ...(item.maxRetries !== undefined ? { maxRetries: item.maxRetries } : {}),
        ...(item.backOffDuration !== undefined ? { backoffMs: item.backOffDuration } : {}),
        ...(item.timeout !== undefined ? { timeoutMs: item.timeout } : {}),
        ...(item.runAt !== undefined ? { runAt: new Date(item.runAt) } : {}),
        ...(item.delay !== undefined ? { delayMs: item.delay } : {}),
        ...(item.key !== undefined ? { dedupeKey: item.key } : {}),
        ...(item.concurrencyKey !== undefined ? { concurrencyKey: item.concurrencyKey } : {}),
        ...(item.dependsOn !== undefined ? { dependsOn: item.dependsOn } : {}),
        ...(item.uniqueFor !== undefined ? { uniqueForMs: item.uniqueFor } : {}),
        ...(item.onParentFailure !== undefined ? { onParentFailure: item.onParentFailure } : {}),
      }),
    )
    .openapi('EnqueueTask');

  const request = z
    .strictObject({
      tasks: z.array(taskItem).min(1).max(config.api.maxTasksPerRequest),
      createdBy: text(200).min(1).optional().openapi({ description: "Defaults to the bearer token's name" }),
    })
    .openapi('EnqueueRequest');
  // The route's validator calls safeParseAsync: the common body is read directly, any other with
  // the schema's synchronous parse (it holds nothing async), the same result and the same issues.
  const { maxTasksPerRequest } = config.api;
  Object.assign(request, {
    safeParseAsync: async (data: unknown) => {
      const common = readCommonEnqueueBody(data, maxTasksPerRequest);
      return common ? { success: true, data: common } : request.safeParse(data);
    },
  });

  /**
   * On a body that did not read, the engine still checks every field that did, so one answer
   * lists every problem of every task: each task is read again without its unreadable fields.
   */
  function readableTasks(body: unknown, error: z.ZodError): Array<NewTask | undefined> {
    const items = isRecord(body) && Array.isArray(body.tasks) ? (body.tasks as unknown[]) : [];
    const unreadable = new Map<number, Set<PropertyKey>>();
    for (const issue of error.issues) {
      const [root, index, field] = issue.path;
      if (root !== 'tasks' || typeof index !== 'number') continue;
      const fields = unreadable.get(index) ?? new Set();
      if (field !== undefined) fields.add(field);
      else if (issue.code === 'unrecognized_keys') for (const key of issue.keys) fields.add(key);
      unreadable.set(index, fields);
    }
    return items.map((item, index) => {
      const fields = unreadable.get(index);
      const readable = fields && isRecord(item) ? without(item, fields) : item;
      const parsed = taskItem.safeParse(readable);
      return parsed.success ? parsed.data : undefined;
    });
  }

  /** The route's validation hook: the shape's problems and the engine's, in one 400. */
  function hook(
    result: { target: string; success: boolean; error?: z.ZodError; data?: unknown },
    c: Context,
  ): undefined {
    try {
      return validationHook(result, c);
    } catch (thrown) {
      if (!(thrown instanceof AppError) || thrown.code !== 'validation_failed' || !result.error) throw thrown;
      if (result.target !== 'json' || !Array.isArray(thrown.details)) throw thrown;
      const rules = options.checkBatch(readableTasks(result.data, result.error));
      const problems: FieldProblem[] = [
        ...(thrown.details as FieldProblem[]),
        ...rules.map(({ index, path, message }) => ({ index, field: path, message })),
      ];
      // Stable: each task's problems together, in request order (body-level ones first).
      problems.sort((a, b) => (a.index ?? -1) - (b.index ?? -1));
      throw new AppError('validation_failed', thrown.message, problems);
    }
  }

  return { taskItem, request, hook };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function without(item: Record<string, unknown>, fields: ReadonlySet<PropertyKey>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).filter(([key]) => !fields.has(key)));
}
