import { compatHandlers } from '../api/compat/compat-routes.js';
import { ConfigError, parseConfig, readConfigInput } from '../config/load-config.js';
import type { Config, ConfigInput } from '../config/schema.js';
import { openDatabase } from '../db/database.js';
import { EmbeddedStartError } from '../db/embedded-postgres.js';
import { createLogger, type Logger } from '../logger.js';
import { builtInHandlers } from '../tasks/built-in.js';
import type { TaskHandler } from '../tasks/task-handler.js';
import { createPgtask, type Pgtask } from './create-pgtask.js';
import { HandlerModuleError, loadHandlerModules } from './handler-modules.js';
import { createMailer } from './mailer.js';

/**
 * The service (`npm start`, `pgtask`): config.yaml + environment + flags, the built-in types with
 * the configured mailer and the database's report source (unless `tasks.builtIn: false`) and
 * the handlers of the `tasks.modules` files, then `createPgtask` and `listen`, until SIGTERM or
 * SIGINT drains it.
 */
export async function serve(argv: readonly string[]): Promise<void> {
  const input = readConfigInput({ argv });
  const config = parseConfig(input);
  const log = createLogger({ level: config.log.level });
  const mailer = createMailer(config, log);
  const builtIns = config.tasks.builtIn
    ? builtInHandlers({
        mailer,
        // The report source is the database's (db/report-store), read through the instance.
        reports: { taskStats: (window) => pgtask.taskStats(window) },
      })
    : [];
  // Before the database: a broken handler module stops start-up at once, with nothing to undo.
  const moduleHandlers = await serviceModuleHandlers({ config, log, builtIns });
  const pgtask: Pgtask = createPgtask({
    config: input,
    logger: log,
    handlers: [...builtIns, ...moduleHandlers],
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

/**
 * The handlers of the `tasks.modules` files, each file imported once. A module may not take a
 * type of the built-ins, of the job runner API, of `tasks.external` or of another module: that,
 * like a module that fails to load or exports no handler, is a HandlerModuleError (exit 2).
 */
async function serviceModuleHandlers(options: {
  config: Config;
  log: Logger;
  builtIns: readonly TaskHandler[];
}): Promise<TaskHandler[]> {
  const { config, log } = options;
  const taken = new Map<string, string>();
  for (const handler of options.builtIns) taken.set(handler.type, 'a built-in type');
  for (const handler of compatHandlers()) taken.set(handler.type, "the job runner API's own type");
  for (const entry of config.tasks.external) taken.set(entry.type, 'tasks.external');
  const modules = await loadHandlerModules({
    patterns: config.tasks.modules,
    taken,
    onEmptyGlob: (pattern) => log.warn({ pattern }, 'tasks.modules: no file matches this pattern'),
  });
  for (const module of modules) {
    log.info(
      { file: module.file, types: module.handlers.map((handler) => handler.type) },
      'handler module loaded',
    );
  }
  return modules.flatMap((module) => module.handlers);
}

/**
 * Something the user can fix (bad config, a port in use, an old data folder, a broken handler
 * module): one line, exit 2.
 */
export function exitOnStartFailure(error: unknown): never {
  if (
    error instanceof ConfigError ||
    error instanceof EmbeddedStartError ||
    error instanceof HandlerModuleError
  ) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
