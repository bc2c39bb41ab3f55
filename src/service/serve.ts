import { ConfigError, parseConfig, readConfigInput } from '../config/load-config.js';
import type { ConfigInput } from '../config/schema.js';
import { openDatabase } from '../db/database.js';
import { EmbeddedStartError } from '../db/embedded-postgres.js';
import { createLogger } from '../logger.js';
import { builtInHandlers } from '../tasks/built-in.js';
import { createPgtask, type Pgtask } from './create-pgtask.js';
import { createMailer } from './mailer.js';

/**
 * The service (`npm start`, `pgtask`): config.yaml + environment + flags, the built-in types with
 * the configured mailer and the database's report source, then `createPgtask` and `listen`,
 * until SIGTERM or SIGINT drains it.
 */
export async function serve(argv: readonly string[]): Promise<void> {
  const input = readConfigInput({ argv });
  const config = parseConfig(input);
  const log = createLogger({ level: config.log.level });
  const mailer = createMailer(config, log);
  const pgtask: Pgtask = createPgtask({
    config: input,
    logger: log,
    handlers: builtInHandlers({
      mailer,
      // The report source is the database's (db/report-store), read through the instance.
      reports: { taskStats: (window) => pgtask.taskStats(window) },
    }),
  });
  await pgtask.start();
  await pgtask.listen();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    await pgtask.stop();
    mailer.close();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

/** `pgtask migrate`: applies the migrations to the configured (or embedded) PostgreSQL and returns. */
export async function migrate(argv: readonly string[]): Promise<void> {
  const config = parseConfig(readConfigInput({ argv }) as ConfigInput);
  const log = createLogger({ level: config.log.level });
  const database = await openDatabase(config, log);
  await database.close();
  log.info('migrations applied');
}

/** Something the user can fix (bad config, a port in use, an old data folder): one line, exit 2. */
export function exitOnStartFailure(error: unknown): never {
  if (error instanceof ConfigError || error instanceof EmbeddedStartError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
