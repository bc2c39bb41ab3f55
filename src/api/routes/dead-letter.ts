import { createRoute } from '@hono/zod-openapi';
import type { Engine } from '../../engine/engine.js';
import { actorOf } from '../actor.js';
import { errorResponses, jsonContent } from '../openapi.js';
import { deadLetterQuery, deadLetterRetryBody, deadLetterRetryResponse, taskPageSchema } from '../schemas.js';
import { createRouter, jsonBody } from '../validation.js';
import { toTaskPageView } from './queues.js';

export function deadLetterRoutes(options: { engine: Engine }) {
  const { engine } = options;
  const router = createRouter();

  router.openapi(
    createRoute({
      method: 'get',
      path: '/dead-letter',
      operationId: 'listDeadLetters',
      tags: ['dead letters'],
      summary: 'Dead tasks (attempts spent or a permanent error), newest first, keyset-paginated',
      request: { query: deadLetterQuery },
      responses: { 200: jsonContent(taskPageSchema, 'A page of dead tasks'), ...errorResponses(400) },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const page = await engine.listDeadLetters({
        limit: query.limit,
        ...(query.queue ? { queue: query.queue } : {}),
        ...(query.after ? { after: query.after } : {}),
      });
      return c.json(toTaskPageView(page), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/dead-letter/retry',
      operationId: 'retryDeadLetters',
      tags: ['dead letters'],
      summary: 'Queue dead tasks again, by ids or by a queue/type filter (or "all": true)',
      middleware: [jsonBody()] as const,
      request: { body: { required: true, content: { 'application/json': { schema: deadLetterRetryBody } } } },
      responses: {
        200: jsonContent(deadLetterRetryResponse, 'The tasks queued again'),
        ...errorResponses(400, 415),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const result = await engine.retryDeadLetters(
        {
          ...(body.ids ? { ids: body.ids } : {}),
          ...(body.queue ? { queue: body.queue } : {}),
          ...(body.type ? { type: body.type } : {}),
        },
        actorOf(c),
      );
      return c.json(result, 200);
    },
  );

  return router;
}
