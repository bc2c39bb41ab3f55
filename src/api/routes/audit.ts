import { createRoute } from '@hono/zod-openapi';
import type { Engine } from '../../engine/engine.js';
import { auditPageSchema, auditQuery, toAuditView } from '../audit-schemas.js';
import { requireAdmin } from '../auth.js';
import { errorResponses, jsonContent } from '../openapi.js';
import { createRouter } from '../validation.js';

export function auditRoutes(options: { engine: Engine }) {
  const { engine } = options;
  const router = createRouter();

  router.openapi(
    createRoute({
      method: 'get',
      path: '/audit',
      operationId: 'listAuditLog',
      tags: ['audit'],
      summary: 'The operator audit log: who retried, cancelled, paused or changed what, newest first',
      description:
        'One entry per operator action, written in the same transaction as the action. Needs an admin token ' +
        '(when auth is on): the log names tokens and client addresses. Pass `next` as `after` for older entries.',
      middleware: [requireAdmin()] as const,
      request: { query: auditQuery },
      responses: { 200: jsonContent(auditPageSchema, 'A page of entries'), ...errorResponses(400, 403) },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const page = await engine.listAudit({
        limit: query.limit,
        ...(query.after !== undefined ? { after: query.after } : {}),
      });
      return c.json(
        { entries: page.entries.map(toAuditView), ...(page.next !== undefined ? { next: page.next } : {}) },
        200,
      );
    },
  );

  return router;
}
