import { Hono } from 'hono';
import type { Readiness } from '../db/migrate.js';

export interface AppDependencies {
  checkReadiness(): Promise<Readiness>;
}

export function createApp(deps: AppDependencies): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const readiness = await deps.checkReadiness();
    if (readiness.ready) return c.json({ status: 'ready' });
    return c.json({ status: 'not_ready', error: { code: 'not_ready', message: readiness.reason } }, 503);
  });
  return app;
}
