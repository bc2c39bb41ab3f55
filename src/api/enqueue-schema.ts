import { z } from '@hono/zod-openapi';
import type { Config } from '../config/schema.js';
import { MAX_CONCURRENCY_KEY_LENGTH, MAX_PARENTS, MAX_UNIQUE_FOR_MS, type NewTask } from '../engine/types.js';
import type { TaskRegistry } from '../tasks/registry.js';
import { duration, queueName, text } from './schemas.js';

/** Longest delay a client may ask for: ten years keeps every run time a valid timestamp. */
const MAX_DELAY_MS = 10 * 365 * 24 * 3_600_000;

/**
 * The body of POST /tasks/enqueue, built per app because it depends on the registry (the
 * per-type payload schemas) and on the configured priority range. Each task is checked on its
 * own, so one request reports every bad field of every task, each path starting at the index.
 */
export function createEnqueueSchemas(options: { registry: TaskRegistry; config: Config }) {
  const { registry, config } = options;
  const { minPriority, maxPriority } = config.queue;
  // The refinement parses each payload once; the transform reuses that parse.
  const parsedPayloads = new WeakMap<object, unknown>();

  const taskItem = z
    .strictObject({
      taskType: text(100)
        .min(1)
        .openapi({ example: 'SendEmail', description: `one of: ${registry.types().join(', ')}` }),
      // .int() would abort the task's other checks; a refinement lets the payload still be checked.
      priority: z
        .number()
        .min(minPriority)
        .max(maxPriority)
        .refine(Number.isInteger, 'expected an integer')
        .optional()
        .openapi({ type: 'integer', minimum: minPriority, maximum: maxPriority, example: 1 }),
      payload: z
        .unknown()
        .optional()
        .openapi({ description: "Checked against the task type's payload schema" }),
      backOffDuration: duration().optional(),
      queue: queueName.optional(),
      key: text(200).min(1).optional().openapi({
        description:
          'Dedupe key: a second task with this key is skipped while one is pending or running (and, with uniqueFor, for that long after it ended)',
      }),
      uniqueFor: duration({ positive: true, max: MAX_UNIQUE_FOR_MS }).optional().openapi({
        description:
          'With `key`: keep the key taken this long after the task ended (succeeded or dead), so another task with it is a duplicate until then ("at most one per customer per 10m"). Without it a key is free once its task ends. At most 366 days',
        example: '10m',
      }),
      concurrencyKey: text(MAX_CONCURRENCY_KEY_LENGTH).min(1).optional().openapi({
        example: 'customer-42',
        description:
          "Tasks sharing a key (a tenant, a customer, an API account) run at most the queue's maxPerKey at once across all instances, and claims rotate among keys",
      }),
      maxRetries: z.number().int().min(0).max(1000).optional(),
      runAt: z.iso.datetime({ offset: true }).optional(),
      delay: duration({ max: MAX_DELAY_MS }).optional(),
      timeout: duration({ positive: true }).optional(),
      dependsOn: z
        .array(z.union([z.uuid(), z.number().int().min(0)]))
        .min(1)
        .max(MAX_PARENTS)
        .optional()
        .openapi({
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
    .superRefine(
      (item, ctx) => {
        if (item.uniqueFor !== undefined && item.key === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['uniqueFor'],
            message: 'uniqueFor needs a key (the key it keeps taken)',
          });
        }
        if (item.runAt !== undefined && item.delay !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['delay'], message: 'give runAt or delay, not both' });
        }
        // Runs even when other fields of this task failed, so one answer lists every problem.
        if (typeof item.taskType !== 'string' || item.taskType.length === 0) return;
        const handler = registry.get(item.taskType);
        if (!handler) {
          ctx.addIssue({
            code: 'custom',
            path: ['taskType'],
            message: `unknown task type "${item.taskType}"; known: ${registry.types().join(', ')}`,
          });
          return;
        }
        const payload = handler.payloadSchema.safeParse(item.payload ?? {});
        if (payload.success) parsedPayloads.set(item, payload.data);
        else {
          for (const issue of payload.error.issues) {
            ctx.addIssue({ code: 'custom', path: ['payload', ...issue.path], message: issue.message });
          }
        }
      },
      {
        when: (parse) =>
          typeof parse.value === 'object' && parse.value !== null && !Array.isArray(parse.value),
      },
    )
    .transform((item): NewTask => {
      return {
        type: item.taskType,
        payload: parsedPayloads.get(item) ?? item.payload ?? {},
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
      };
    })
    .openapi('EnqueueTask');

  const request = z
    .strictObject({
      tasks: z.array(taskItem).min(1).max(config.api.maxTasksPerRequest),
      createdBy: text(200).min(1).optional().openapi({ description: "Defaults to the bearer token's name" }),
    })
    .openapi('EnqueueRequest');

  return { taskItem, request };
}
