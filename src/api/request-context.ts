import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../logger.js';

export interface Principal {
  /** The token's configured name; becomes `createdBy` when a request gives none. */
  name: string;
  scope: 'read' | 'worker' | 'admin';
}

/** What middleware puts on every request's context. */
export interface ApiEnv {
  Variables: {
    requestId: string;
    log: Logger;
    principal?: Principal;
  };
}

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Takes the client's X-Request-Id (when it is a sane token) or makes one, echoes it in the
 * response, and gives the request a child logger that carries it; logs one line per request.
 */
export function requestContext(log: Logger): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const given = c.req.header('x-request-id');
    const requestId = given && CLIENT_REQUEST_ID.test(given) ? given : randomUUID();
    const child = log.child({ requestId });
    c.set('requestId', requestId);
    c.set('log', child);
    c.header('X-Request-Id', requestId);
    const started = performance.now();
    await next();
    // A route that built its own Response (not through c.json/c.body) lost the header set above.
    // Checking first matters: c.header on a finished response rebuilds it as a full web Response.
    if (c.res.headers.get('x-request-id') !== requestId) c.header('X-Request-Id', requestId);
    const quiet = QUIET_PATHS.has(c.req.path) && c.res.status < 400;
    if (!child.isLevelEnabled(quiet ? 'debug' : 'info')) return;
    // c.get, not c.var: c.var copies every variable into a new object at each read.
    const principal = c.get('principal');
    const line = {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
      ...(principal ? { caller: principal.name } : {}),
    };
    if (quiet) child.debug(line, 'request');
    else child.info(line, 'request');
  };
}
