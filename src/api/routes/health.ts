import { createRoute, z } from '@hono/zod-openapi';
import type { Readiness } from '../../db/migrate.js';
import { jsonContent } from '../openapi.js';
import { healthResponse, readinessResponse } from '../schemas.js';
import { createRouter } from '../validation.js';

const notReady = z.object({
  status: z.literal('not_ready'),
  error: z.object({ code: z.literal('not_ready'), message: z.string() }),
});

/** Liveness and readiness: open without a token, never rate limited. */
export function healthRoutes(options: { checkReadiness(): Promise<Readiness> }) {
  const router = createRouter();
  router.openapi(
    createRoute({
      method: 'get',
      path: '/healthz',
      operationId: 'getHealth',
      tags: ['health'],
      summary: 'The process is up',
      security: [],
      responses: { 200: jsonContent(healthResponse, 'Up') },
    }),
    (c) => c.json({ status: 'ok' as const }, 200),
  );
  router.openapi(
    createRoute({
      method: 'get',
      path: '/readyz',
      operationId: 'getReadiness',
      tags: ['health'],
      summary: 'The database answers and its migrations are applied',
      security: [],
      responses: { 200: jsonContent(readinessResponse, 'Ready'), 503: jsonContent(notReady, 'Not ready') },
    }),
    async (c) => {
      const readiness = await options.checkReadiness().catch(
        (error: unknown): Readiness => ({
          ready: false,
          reason: `readiness check failed: ${(error as Error).message}`,
        }),
      );
      if (readiness.ready) return c.json({ status: 'ready' as const }, 200);
      c.header('Retry-After', '1');
      return c.json(
        { status: 'not_ready' as const, error: { code: 'not_ready' as const, message: readiness.reason } },
        503,
      );
    },
  );
  return router;
}
