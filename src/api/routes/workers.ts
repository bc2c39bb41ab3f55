import { createRoute, z } from '@hono/zod-openapi';
import type { Engine } from '../../engine/engine.js';
import { errorResponses, jsonContent } from '../openapi.js';
import { taskIdParams } from '../schemas.js';
import { createRouter, jsonBody } from '../validation.js';
import {
  claimRequest,
  claimResponse,
  completeRequest,
  failRequest,
  heartbeatRequest,
  heartbeatResponse,
  outcomeResponse,
  workerSummary,
} from '../worker-schemas.js';

const body = <T>(schema: T) => ({
  body: { required: true, content: { 'application/json': { schema } } },
});

/**
 * The HTTP worker protocol: any process that speaks HTTP claims tasks of external types with a
 * lease per task, heartbeats, and completes or fails them. A stale or wrong token answers 409
 * lease_lost and changes nothing (engine/worker-leases.ts holds the fencing).
 */
export function workerRoutes(options: { engine: Engine }) {
  const leases = options.engine.workerLeases;
  const router = createRouter();

  router.openapi(
    createRoute({
      method: 'post',
      path: '/workers/claim',
      operationId: 'claimTasks',
      tags: ['workers'],
      summary: 'Claim tasks of external types, with a lease each (long poll with `wait`)',
      description:
        'Answers as soon as a task is claimed, or with `{"tasks": []}` when `wait` ends. Priority, backoff, ' +
        "paused queues and the starvation rule apply as for the nodes' own workers. Each task runs (attempt + 1) " +
        'under a lease of `lease.timeout`: heartbeat before `expiresAt`, or the task is rescued (worker lost).',
      middleware: [jsonBody()] as const,
      request: body(claimRequest),
      responses: { 200: jsonContent(claimResponse, 'The claimed tasks'), ...errorResponses(400, 415, 503) },
    }),
    async (c) => {
      const request = c.req.valid('json');
      const tasks = await leases.claim({
        worker: request.worker,
        types: request.types,
        ...(request.queues ? { queues: request.queues } : {}),
        max: request.max,
        waitMs: request.wait ?? 0,
        signal: c.req.raw.signal,
      });
      return c.json(
        {
          tasks: tasks.map((task) => ({
            id: task.id,
            taskType: task.type,
            queue: task.queue,
            payload: task.payload,
            attempt: task.attempt,
            ...(task.parents ? { parents: task.parents } : {}),
            lease: { token: task.token, expiresAt: task.expiresAt.toISOString() },
          })),
        },
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/task/{id}/heartbeat',
      operationId: 'heartbeatTask',
      tags: ['workers'],
      summary: "Extend a task's lease by `lease.timeout`, optionally reporting progress",
      description:
        '409 `lease_lost` once the lease expired, the task was rescued or cancelled: stop working on it.',
      middleware: [jsonBody()] as const,
      request: { params: taskIdParams, ...body(heartbeatRequest) },
      responses: {
        200: jsonContent(heartbeatResponse, 'The lease now expires at'),
        ...errorResponses(400, 404, 409, 415, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const request = c.req.valid('json');
      const expiresAt = await leases.heartbeat({ id, token: request.token, progress: request.progress });
      return c.json({ expiresAt: expiresAt.toISOString() }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/task/{id}/complete',
      operationId: 'completeTask',
      tags: ['workers'],
      summary: 'The task succeeded: store its result',
      description:
        'A stale or wrong token answers 409 `lease_lost` and changes neither the task nor its history.',
      middleware: [jsonBody()] as const,
      request: { params: taskIdParams, ...body(completeRequest) },
      responses: {
        200: jsonContent(outcomeResponse, 'Succeeded'),
        ...errorResponses(400, 404, 409, 415, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const request = c.req.valid('json');
      const answer = await leases.complete({ id, token: request.token, result: request.result });
      return c.json(outcomeView(answer), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/task/{id}/fail',
      operationId: 'failTask',
      tags: ['workers'],
      summary: 'The attempt failed: retry after the backoff (or `retryIn`), or dead',
      description:
        'Dead when `retryable` is false or the attempts are spent. A stale or wrong token answers 409 `lease_lost` ' +
        'and changes nothing.',
      middleware: [jsonBody()] as const,
      request: { params: taskIdParams, ...body(failRequest) },
      responses: {
        200: jsonContent(outcomeResponse, 'The new status'),
        ...errorResponses(400, 404, 409, 415, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const request = c.req.valid('json');
      const answer = await leases.fail({
        id,
        token: request.token,
        error: request.error,
        retryable: request.retryable,
        ...(request.retryIn !== undefined ? { retryInMs: request.retryIn } : {}),
      });
      return c.json(outcomeView(answer), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/workers',
      operationId: 'listWorkers',
      tags: ['workers'],
      summary: 'HTTP workers heard from in the last 15 minutes, with the tasks each holds now',
      responses: {
        200: jsonContent(z.object({ workers: z.array(workerSummary) }), 'The workers'),
        ...errorResponses(),
      },
    }),
    async (c) => {
      const workers = await leases.workers();
      return c.json(
        {
          workers: workers.map((worker) => ({
            name: worker.name,
            firstSeenAt: worker.firstSeenAt.toISOString(),
            lastSeenAt: worker.lastSeenAt.toISOString(),
            running: worker.running,
          })),
        },
        200,
      );
    },
  );

  return router;
}

function outcomeView(answer: Awaited<ReturnType<Engine['workerLeases']['complete']>>) {
  return {
    id: answer.id,
    status: answer.status as 'succeeded' | 'retrying' | 'dead',
    attempt: answer.attempt,
    ...(answer.runAt ? { runAt: answer.runAt.toISOString() } : {}),
  };
}
