import { z } from '@hono/zod-openapi';
import { MAX_CLAIM, MAX_CLAIM_WAIT_MS } from '../engine/worker-leases.js';
import { MAX_PROGRESS_MESSAGE } from '../tasks/task-handler.js';
import { duration, queueName, text } from './schemas.js';

/**
 * Shapes of the HTTP worker protocol (api/routes/workers.ts). The limits come from the engine's
 * constants, so the document and the checks cannot disagree.
 */

const isoTime = z.string().openapi({ format: 'date-time' });
const leaseToken = z
  .string()
  .min(1)
  .max(200)
  .openapi({ description: 'The lease token the claim gave for this task', example: '9f2c…' });

export const workerName = z
  .string()
  .regex(/^[A-Za-z0-9_.:@-]{1,64}$/, 'a worker name of 1-64 letters, digits, "_", ".", ":", "@" or "-"')
  .openapi({
    example: 'py-worker-1',
    description: 'Who claims: shown in GET /workers, the history and the metrics',
  });

export const claimRequest = z
  .strictObject({
    worker: workerName,
    types: z
      .array(text(100).min(1))
      .min(1)
      .max(100)
      .openapi({
        example: ['ResizeImage'],
        description: 'External task types (tasks.external) this worker runs',
      }),
    queues: z
      .array(queueName)
      .min(1)
      .max(100)
      .optional()
      .openapi({ description: 'Only these queues (default: every queue of the given types)' }),
    max: z.number().int().min(1).max(MAX_CLAIM).default(1).openapi({
      type: 'integer',
      minimum: 1,
      maximum: MAX_CLAIM,
      default: 1,
      description: 'Most tasks to claim',
    }),
    wait: duration({ max: MAX_CLAIM_WAIT_MS })
      .optional()
      .openapi({
        type: 'string',
        example: '10s',
        description: `Long poll: wait up to this long (at most ${MAX_CLAIM_WAIT_MS / 1000}s) for a task; Go-style duration or ms. Default 0: answer at once`,
      }),
  })
  .openapi('ClaimRequest');

export const leasedTask = z
  .object({
    id: z.uuid(),
    taskType: z.string(),
    queue: z.string(),
    payload: z.unknown(),
    attempt: z.number().int().openapi({ description: '1 for the first run, 2 for the first retry, …' }),
    parents: z.record(z.string(), z.unknown()).optional().openapi({
      description:
        'For a task enqueued with dependsOn: its succeeded parents, id → result (what ctx.parents holds in a handler)',
    }),
    lease: z.object({
      token: z.string().openapi({ description: 'Send with every heartbeat, complete and fail of this task' }),
      expiresAt: isoTime.openapi({
        description: 'Heartbeat before this, or the task is rescued (worker lost) and retried elsewhere',
      }),
    }),
  })
  .openapi('LeasedTask');

export const claimResponse = z
  .object({ tasks: z.array(leasedTask).openapi({ description: 'Empty when nothing came within `wait`' }) })
  .openapi('ClaimResponse');

export const heartbeatRequest = z
  .strictObject({
    token: leaseToken,
    progress: z
      .strictObject({
        fraction: z.number().min(0).max(1).openapi({ example: 0.4 }),
        message: z.string().max(MAX_PROGRESS_MESSAGE).optional().openapi({ example: 'page 40 of 100' }),
      })
      .optional()
      .openapi('HeartbeatProgress', {
        description:
          "Stored like a handler's ctx.progress (GET /task/{id} `progress`) and sent as a progress event",
      }),
  })
  .openapi('HeartbeatRequest');

export const heartbeatResponse = z.object({ expiresAt: isoTime }).openapi('HeartbeatResponse');

export const completeRequest = z
  .strictObject({
    token: leaseToken,
    result: z.unknown().optional().openapi({ description: "Any JSON; stored as the task's result" }),
  })
  .openapi('CompleteRequest');

export const failRequest = z
  .strictObject({
    token: leaseToken,
    error: text(4000).min(1).openapi({ example: 'upstream answered 503' }),
    retryable: z
      .boolean()
      .default(true)
      .openapi({ description: 'false: dead at once, whatever retries are left', default: true }),
    retryIn: duration().optional().openapi({
      type: 'string',
      example: '30s',
      description: "When it retries, wait this long instead of the task's backoff",
    }),
  })
  .openapi('FailRequest');

export const outcomeResponse = z
  .object({
    id: z.uuid(),
    status: z.enum(['succeeded', 'retrying', 'dead']),
    attempt: z.number().int(),
    runAt: isoTime.optional().openapi({ description: 'For retrying: when it may run again' }),
  })
  .openapi('OutcomeResponse');

export const workerSummary = z
  .object({
    name: z.string(),
    firstSeenAt: isoTime,
    lastSeenAt: isoTime,
    running: z.number().int().openapi({ description: 'Tasks it holds a lease on now' }),
  })
  .openapi('Worker');
