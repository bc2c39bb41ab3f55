import openapiTS, { astToString } from 'openapi-typescript';
import pg from 'pg';
import pino from 'pino';
import { createApp } from '../src/api/app.js';
import { compatHandlers } from '../src/api/compat/compat-routes.js';
import { startHttpServer } from '../src/api/http-server.js';
import { parseConfig } from '../src/config/load-config.js';
import { Engine } from '../src/engine/engine.js';
import { createBuiltInRegistry } from '../src/tasks/built-in.js';

/** Where `npm run client:generate` writes the client's types (committed; the drift test compares). */
export const CLIENT_TYPES_FILE = new URL('../src/client/openapi-types.ts', import.meta.url);

/**
 * The service as `npm start` builds it with the default config (built-in and seed types, no
 * tokens), serving on a random port. Serving /openapi.json needs no database: the pool is never
 * used and the event relay's listener just keeps retrying until close.
 */
export async function startDocumentServer(): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const config = parseConfig({});
  const log = pino({ level: 'silent' });
  const url = 'postgres://pgtask@127.0.0.1:1/unused';
  const pool = new pg.Pool({ connectionString: url });
  const registry = createBuiltInRegistry();
  for (const handler of compatHandlers()) registry.register(handler);
  const engine = await Engine.start({
    config,
    pool,
    databaseUrl: url,
    log,
    registry,
    processTasks: false,
  });
  const http = await startHttpServer(createApp({ engine, config, log }), { host: '127.0.0.1', port: 0 });
  return {
    baseUrl: `http://127.0.0.1:${http.port}`,
    async close() {
      await http.close();
      await engine.stop();
      await pool.end();
    },
  };
}

/** The TypeScript the generator makes of a document, with the header that says how to remake it. */
export async function generateClientTypes(document: object): Promise<string> {
  const ast = await openapiTS(document as Parameters<typeof openapiTS>[0], {
    alphabetize: true,
    // A field with a default is optional in a request (max, retryable): the generator must not
    // make the caller send it.
    defaultNonNullable: false,
  });
  return (
    '// Generated from the served /openapi.json by `npm run client:generate`; do not edit by hand.\n' +
    '// test/client/client-types.test.ts fails when this file and the document drift apart.\n' +
    astToString(ast)
  );
}
