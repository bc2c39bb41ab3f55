import { createApp } from './api/app.js';
import { startHttpServer } from './api/http-server.js';
import { ConfigError, loadConfig } from './config/load-config.js';
import { openDatabase } from './db/database.js';
import { checkReadiness } from './db/migrate.js';
import { createLogger } from './logger.js';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
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
  const app = createApp({ checkReadiness: () => checkReadiness(database.pool) });
  const http = await startHttpServer(app, {
    host: config.http.host,
    port: config.http.port,
    requestTimeout: config.api.requestTimeout,
    headersTimeout: config.api.headersTimeout,
  });
  log.info({ port: http.port }, 'listening');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    await http.close();
    await database.close();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
