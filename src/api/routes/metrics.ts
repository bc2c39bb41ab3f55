import { createRoute, z } from '@hono/zod-openapi';
import type { ApiMetrics } from '../metrics.js';
import { errorResponses } from '../openapi.js';
import { createRouter } from '../validation.js';

export function metricsRoutes(options: { metrics: ApiMetrics }) {
  const router = createRouter();
  router.openapi(
    createRoute({
      method: 'get',
      path: '/metrics',
      operationId: 'getMetrics',
      tags: ['operations'],
      summary: 'Prometheus metrics: tasks by queue/type/outcome, queue depth, run and wait times, pool use',
      responses: {
        200: {
          description: 'Prometheus text exposition format',
          content: { 'text/plain': { schema: z.string() } },
        },
        ...errorResponses(),
      },
    }),
    async (c) => {
      const { contentType, body } = await options.metrics.render();
      return c.text(body, 200, { 'Content-Type': contentType });
    },
  );
  return router;
}
