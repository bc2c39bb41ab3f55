import { createRoute } from '@hono/zod-openapi';
import type { Config } from '../../config/schema.js';
import type { Engine } from '../../engine/engine.js';
import { actorOf } from '../actor.js';
import { toOperatorActionView } from '../audit-schemas.js';
import { createEnqueueSchemas } from '../enqueue-schema.js';
import { AppError } from '../errors.js';
import { errorResponses, jsonContent } from '../openapi.js';
import { enqueueResponseSchema, taskDetailSchema, taskIdParams, taskSchema } from '../schemas.js';
import { toHistoryView, toTaskView, toWaitingForView } from '../task-view.js';
import { createRouter, jsonBody } from '../validation.js';

export function taskRoutes(options: { engine: Engine; config: Config }) {
  const { engine, config } = options;
  const enqueue = createEnqueueSchemas({
    registry: engine.registry,
    config,
    checkBatch: (tasks) => engine.checkBatch(tasks),
  });
  const router = createRouter();

  router.openapi(
    createRoute({
      method: 'post',
      path: '/tasks/enqueue',
      operationId: 'enqueueTasks',
      tags: ['tasks'],
      summary: 'Enqueue a batch of tasks',
      description:
        'The batch is validated whole: one bad task rejects the batch with 400 listing every bad task by index ' +
        'and field, and nothing is stored. Tasks are stored in one INSERT; the answer comes after COMMIT. ' +
        'A task whose `key` matches a pending or running task of its queue is skipped and reported in `duplicateKeys`.',
      middleware: [jsonBody()] as const,
      request: { body: { required: true, content: { 'application/json': { schema: enqueue.request } } } },
      responses: {
        202: jsonContent(enqueueResponseSchema, 'Stored'),
        ...errorResponses(400, 413, 415, 503),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const createdBy = body.createdBy ?? c.get('principal')?.name;
      const result = await engine.enqueueBatch(body.tasks, createdBy !== undefined ? { createdBy } : {});
      const response = {
        requested: body.tasks.length,
        submitted: result.accepted.length,
        duplicates: result.duplicates.length,
        tasks: result.accepted.map((task) => ({
          index: task.index,
          id: task.id,
          taskType: task.type,
          queue: task.queue,
          status: task.status,
        })),
        duplicateKeys: result.duplicates.map((duplicate) => duplicate.key),
      };
      c.get('log').info(
        {
          requested: response.requested,
          submitted: response.submitted,
          duplicates: response.duplicates,
          createdBy,
        },
        'enqueued',
      );
      return c.json(response, 202);
    },
    enqueue.hook,
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/task/{id}',
      operationId: 'getTask',
      tags: ['tasks'],
      summary: 'A task with its history and, while it waits, why it is not running yet',
      request: { params: taskIdParams },
      responses: { 200: jsonContent(taskDetailSchema, 'The task'), ...errorResponses(404) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const task = await engine.getTask(id);
      if (!task) throw new AppError('task_not_found', `no task with id ${id}`);
      const waiting = task.status === 'queued' || task.status === 'retrying' || task.status === 'blocked';
      const [history, wait, actions, dependencies] = await Promise.all([
        engine.getTaskHistory(id, { createdAt: task.createdAt }),
        waiting ? engine.explainWait(id) : Promise.resolve(undefined),
        engine.taskAudit(id),
        engine.taskDependencies(id),
      ]);
      return c.json(
        {
          ...toTaskView(task),
          history: history.map(toHistoryView),
          waitingFor: wait ? toWaitingForView(wait) : null,
          operatorActions: actions.map(toOperatorActionView),
          dependsOn: dependencies.parents,
          onParentFailure: task.onParentFailure,
          dependents: dependencies.children,
        },
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/task/{id}/retry',
      operationId: 'retryTask',
      tags: ['tasks'],
      summary: 'Run a dead or cancelled task again, with a fresh attempt budget',
      request: { params: taskIdParams },
      responses: { 200: jsonContent(taskSchema, 'Queued again'), ...errorResponses(404, 409) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const task = await engine.retryTask(id, actorOf(c));
      return c.json(toTaskView(task), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/task/{id}/cancel',
      operationId: 'cancelTask',
      tags: ['tasks'],
      summary: 'Cancel a waiting task, or abort a running one',
      request: { params: taskIdParams },
      responses: { 200: jsonContent(taskSchema, 'Cancelled'), ...errorResponses(404, 409) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const task = await engine.cancelTask(id, actorOf(c));
      return c.json(toTaskView(task), 200);
    },
  );

  return router;
}
