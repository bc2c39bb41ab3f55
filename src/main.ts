import { createApp } from './api/app.js';
import { registerCompatTaskTypes } from './api/compat/invalid-job.js';
import { attachCompatWebSocket } from './api/compat/parallel-events.js';
import { startHttpServer } from './api/http-server.js';
import { ConfigError, loadConfig } from './config/load-config.js';
import type { Config } from './config/schema.js';
import { openDatabase } from './db/database.js';
import { EmbeddedStartError } from './db/embedded-postgres.js';
import { Engine } from './engine/engine.js';
import { createLogger } from './logger.js';
import { createBuiltInRegistry } from './tasks/built-in.js';

/** Wiring: config → database → engine → HTTP → signals. */
async function main(): Promise<void> {
  if (process.argv[2] === 'rotate-keys') {
    const { runRotateKeys } = await import('./rotate-keys-command.js');
    process.exit(await runRotateKeys(process.argv.slice(3)));
  }
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger({ level: config.log.level });
  const database = await openDatabase(config, log);
  const engine = await Engine.start({
    config,
    pool: database.pool,
    databaseUrl: database.url,
    log,
    // The job runner's invalid-payload jobs must be runnable from the first claim on.
    registry: registerCompatTaskTypes(createBuiltInRegistry()),
  });
  const app = createApp({ engine, config, log });
  const http = await startHttpServer(app, {
    host: config.http.host,
    port: config.http.port,
    requestTimeout: config.api.requestTimeout,
    headersTimeout: config.api.headersTimeout,
  });
  const compatSocket = attachCompatWebSocket(http.server, engine, { authTokens: config.api.authTokens, log });
  log.info({ port: http.port, nodeId: engine.nodeId }, 'listening');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    // New requests stop first; running tasks then get shutdown.timeout to finish; every
    // outcome is written and unstarted claims released before the pool and database close.
    await compatSocket.close();
    await http.close();
    await engine.stop();
    await database.close();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  // Something the user can fix (a port in use, a full disk, an old data folder): one line, exit 2.
  if (error instanceof EmbeddedStartError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
