// The `pgtask/http` entry: the HTTP API of a pgtask instance as a hono app, to serve or mount.
import { type App, createApp as createApiApp } from './api/app.js';
import type { Pgtask } from './service/create-pgtask.js';
import { internalsOf } from './service/pgtask-internals.js';

export type { App };

/**
 * The hono app (API, dashboard, events, seed APIs) over an instance whose start() has resolved, with its `config.api`
 * settings (auth tokens, body limit, rate limit). Serve it with @hono/node-server or mount it
 * (`parent.route('/pgtask', app)`); `pgtask.listen()` does both steps and adds the seed WebSocket.
 */
export function createApp(pgtask: Pgtask): App {
  const { config, log, engine } = internalsOf(pgtask);
  return createApiApp({ engine: engine(), config, log });
}
