import { createRoute } from '@hono/zod-openapi';
import type { Engine } from '../../engine/engine.js';
import { actorOf } from '../actor.js';
import { errorResponses, jsonContent } from '../openapi.js';
import {
  scheduleBody,
  scheduleListSchema,
  scheduleParams,
  scheduleSchema,
  toScheduleDefinition,
  toScheduleView,
} from '../schedule-schemas.js';
import { createRouter, jsonBody } from '../validation.js';

/**
 * Cron schedules. Changes need an admin token when auth is on (read tokens may only GET, worker
 * tokens only the worker protocol: auth.ts), and each is written to the audit log with the change.
 */
export function scheduleRoutes(options: { engine: Engine }) {
  const { engine } = options;
  const router = createRouter();

  router.openapi(
    createRoute({
      method: 'get',
      path: '/schedules',
      operationId: 'listSchedules',
      tags: ['schedules'],
      summary: 'Every schedule by name, with its next runs, last run and pause state',
      responses: { 200: jsonContent(scheduleListSchema, 'The schedules'), ...errorResponses() },
    }),
    async (c) => c.json({ schedules: (await engine.listSchedules()).map(toScheduleView) }, 200),
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/schedules/{name}',
      operationId: 'getSchedule',
      tags: ['schedules'],
      summary: 'One schedule',
      request: { params: scheduleParams },
      responses: { 200: jsonContent(scheduleSchema, 'The schedule'), ...errorResponses(400, 404) },
    }),
    async (c) => c.json(toScheduleView(await engine.getSchedule(c.req.valid('param').name)), 200),
  );

  router.openapi(
    createRoute({
      method: 'put',
      path: '/schedules/{name}',
      operationId: 'putSchedule',
      tags: ['schedules'],
      summary: 'Create or replace a schedule',
      description:
        'The whole definition: a field left out takes its default (`paused` false, `timezone` UTC). The expression ' +
        '(5 fields, or 6 with seconds first) and zone are parsed by croner and the task is checked like an enqueue ' +
        'item; any problem is a 400 naming the field. The next tick is counted from now. Each tick makes exactly ' +
        'one task however many instances run. A schedule listed in config.yaml can be changed here, but the next ' +
        'start applies config again.',
      middleware: [jsonBody()] as const,
      request: {
        params: scheduleParams,
        body: { required: true, content: { 'application/json': { schema: scheduleBody } } },
      },
      responses: {
        200: jsonContent(scheduleSchema, 'Replaced'),
        201: jsonContent(scheduleSchema, 'Created'),
        ...errorResponses(400, 415),
      },
    }),
    async (c) => {
      const { name } = c.req.valid('param');
      const { schedule, created } = await engine.putSchedule(
        name,
        toScheduleDefinition(c.req.valid('json')),
        actorOf(c),
      );
      return created ? c.json(toScheduleView(schedule), 201) : c.json(toScheduleView(schedule), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/schedules/{name}',
      operationId: 'deleteSchedule',
      tags: ['schedules'],
      summary: 'Delete a schedule (tasks it already made are kept)',
      request: { params: scheduleParams },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 404) },
    }),
    async (c) => {
      await engine.deleteSchedule(c.req.valid('param').name, actorOf(c));
      return c.body(null, 204);
    },
  );

  for (const action of ['pause', 'resume'] as const) {
    router.openapi(
      createRoute({
        method: 'post',
        path: `/schedules/{name}/${action}`,
        operationId: action === 'pause' ? 'pauseSchedule' : 'resumeSchedule',
        tags: ['schedules'],
        summary:
          action === 'pause'
            ? 'Pause a schedule: no ticks fire until it is resumed'
            : 'Resume a schedule: the next tick is counted from now (ticks missed while paused do not fire)',
        request: { params: scheduleParams },
        responses: { 200: jsonContent(scheduleSchema, 'The schedule'), ...errorResponses(400, 404) },
      }),
      async (c) => {
        const { name } = c.req.valid('param');
        const schedule =
          action === 'pause'
            ? await engine.pauseSchedule(name, actorOf(c))
            : await engine.resumeSchedule(name, actorOf(c));
        return c.json(toScheduleView(schedule), 200);
      },
    );
  }

  return router;
}
