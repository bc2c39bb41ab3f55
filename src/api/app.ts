import { OpenAPIHono } from '@hono/zod-openapi';
import pino from 'pino';
import { parseConfig } from '../config/load-config.js';
import type { Config } from '../config/schema.js';
import type { Readiness } from '../db/migrate.js';
import type { Engine } from '../engine/engine.js';
import type { Logger } from '../logger.js';
import { bearerAuth } from './auth.js';
import { bodyLimit } from './body-limit.js';
import { compatRoutes } from './compat/compat-routes.js';
import { AppError, errorResponse, toAppError } from './errors.js';
import { ApiMetrics } from './metrics.js';
import { registerDocs } from './openapi.js';
import { rateLimit } from './rate-limit.js';
import { type ApiEnv, requestContext } from './request-context.js';
import { auditRoutes } from './routes/audit.js';
import { deadLetterRoutes } from './routes/dead-letter.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { queueRoutes } from './routes/queues.js';
import { scheduleRoutes } from './routes/schedules.js';
import { taskRoutes } from './routes/tasks.js';
import { taskTypeRoutes, uiRoutes } from './routes/ui.js';
import { workerRoutes } from './routes/workers.js';
import { validationHook } from './validation.js';

export interface AppDependencies {
  /** The engine facade; without it only the health endpoints exist (foundation tests, tools). */
  engine?: Engine;
  config?: Config;
  log?: Logger;
  /** Defaults to the engine's readiness. */
  checkReadiness?(): Promise<Readiness>;
  /** How long /metrics reuses one queue-depth query (ms). */
  metricsDepthCacheMs?: number;
}

export type App = OpenAPIHono<ApiEnv>;

/**
 * The HTTP API: middleware in the order a request meets it (request id and log line, body limit,
 * auth, rate limit), then the routes. Routes throw; the one error handler answers.
 */
export function createApp(deps: AppDependencies): App {
  const config = deps.config ?? parseConfig({});
  const log = deps.log ?? pino({ level: 'silent' });
  const engine = deps.engine;
  const checkReadiness =
    deps.checkReadiness ??
    (engine
      ? () => engine.checkReadiness()
      : async (): Promise<Readiness> => ({ ready: false, reason: 'no engine' }));

  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  const metrics = engine ? new ApiMetrics({ engine, depthCacheMs: deps.metricsDepthCacheMs }) : undefined;

  app.use('*', requestContext(log));
  if (metrics) {
    app.use('*', async (c, next) => {
      const started = performance.now();
      await next();
      // The route pattern, not the path, keeps the label set small (no task ids).
      const routePath = c.req.routePath;
      const route = routePath === '/*' ? 'unmatched' : routePath;
      metrics.recordRequest(c.req.method, route, c.res.status, (performance.now() - started) / 1000);
    });
  }
  // The dashboard page and its assets are public: they hold no data, the API behind them needs the token.
  app.route('/', uiRoutes());
  app.use('*', bodyLimit(config.api.bodyLimit));
  // Off by default: then neither is a step of every request.
  if (config.api.authTokens.length > 0) app.use('*', bearerAuth(config.api.authTokens));
  if (config.api.rateLimit.requestsPerSecond > 0) app.use('*', rateLimit(config.api.rateLimit));

  app.route('/', healthRoutes({ checkReadiness }));
  if (engine && metrics) {
    app.route('/', taskRoutes({ engine, config }));
    app.route('/', queueRoutes({ engine }));
    app.route('/', deadLetterRoutes({ engine }));
    app.route('/', workerRoutes({ engine }));
    app.route('/', auditRoutes({ engine }));
    app.route('/', scheduleRoutes({ engine }));
    app.route('/', metricsRoutes({ metrics }));
    app.route('/', eventRoutes({ relay: engine.relay, nodeId: () => engine.nodeId }));
    app.route('/', taskTypeRoutes({ registry: engine.registry }));
    app.route('/', compatRoutes({ engine, config }));
  }
  registerDocs(app, { auth: config.api.authTokens.length > 0 });

  app.notFound((c) =>
    errorResponse(c, new AppError('not_found', `no endpoint ${c.req.method} ${c.req.path}`)),
  );
  app.onError((thrown, c) => {
    const error = toAppError(thrown);
    const requestLog = c.get('log') ?? log;
    // The client gets a code and a message; the cause (a PostgreSQL error, a stack) stays in the log.
    if (error.status >= 500) requestLog.error({ err: thrown }, 'request failed');
    else requestLog.debug({ code: error.code, message: error.message }, 'request rejected');
    return errorResponse(c, error);
  });
  return app;
}
