import type pg from 'pg';
import { createApp as createApiApp } from '../api/app.js';
import { compatHandlers } from '../api/compat/compat-routes.js';
import { attachCompatWebSocket } from '../api/compat/parallel-events.js';
import { startHttpServer } from '../api/http-server.js';
import { parseConfig } from '../config/load-config.js';
import type { Config, ConfigInput } from '../config/schema.js';
import { taskStats } from '../db/report-store.js';
import { Engine } from '../engine/engine.js';
import { EngineError } from '../engine/types.js';
import type { TaskLifecycleEvent } from '../events/task-event.js';
import { createLogger, type Logger } from '../logger.js';
import type { Clock } from '../model/clock.js';
import type { TaskStatsRow } from '../model/report.js';
import type { EnqueueResult, NewTask, Task } from '../model/task.js';
import { TaskRegistry } from '../tasks/registry.js';
import type { TaskHandler } from '../tasks/task-handler.js';
import { connectDatabase, type PgtaskDatabase } from './pgtask-database.js';
import { registerInternals } from './pgtask-internals.js';
import { waitForTask } from './wait-for-task.js';

/** One task to enqueue: its type and payload, the rest optional (defaults from the type, then config). */
export type EnqueueItem = NewTask;

export interface PgtaskOptions<Services = unknown> {
  /** The PostgreSQL to use. Without it and without `pool`: `config.storage`, else the embedded one. */
  databaseUrl?: string;
  /** An existing pool (from the same `pg` package); pgtask migrates through it and never closes it. */
  pool?: pg.Pool;
  /** The task types this instance runs and accepts (`defineHandler`, `builtInHandlers()`). */
  handlers: readonly (TaskHandler<never, unknown, Services> | TaskHandler<unknown, unknown, Services>)[];
  /** Handed to every handler as `ctx.services`. */
  services?: Services;
  /** Any part of config.yaml, same keys and validation; a bad value throws a one-line ConfigError. */
  config?: ConfigInput;
  /** A pino logger; by default JSON lines on stdout at `config.log.level`. */
  logger?: Logger;
  /**
   * @internal For tests: the clock every service reads instead of the system's (due tasks,
   * backoffs, leases, retention, schedules), so a test moves time instead of waiting for it.
   */
  clock?: Clock;
}

export interface PgtaskServer {
  port: number;
  close(): Promise<void>;
}

export interface Pgtask {
  /** The validated configuration in force. */
  readonly config: Config;
  /** Connects (or starts the embedded PostgreSQL), migrates, and starts running tasks. */
  start(): Promise<void>;
  /** As SIGTERM: stops claiming, lets running tasks finish up to shutdown.timeout, writes every outcome. */
  stop(): Promise<void>;
  /**
   * Validates and stores a batch in one INSERT. With `client` (a pg client inside the caller's
   * BEGIN) the tasks join that transaction: rolled back, they never existed; committed, they start.
   * A workflow's children are attached to their parents at that COMMIT (blocked until then).
   * Throws EngineError validation_failed (nothing stored, `details` lists every problem) or backlog_full.
   */
  enqueue(tasks: readonly EnqueueItem[], options?: { client?: pg.ClientBase }): Promise<EnqueueResult>;
  getTask(id: string): Promise<Task | undefined>;
  /**
   * Resolves with the task once it succeeded, died or was cancelled (on any node). Rejects with
   * EngineError task_not_found for a task that does not exist, or after `timeoutMs` (60 s).
   */
  waitForTask(id: string, options?: { timeoutMs?: number }): Promise<Task>;
  /** dead or cancelled → queued with a fresh attempt budget; EngineError invalid_state otherwise. */
  retry(id: string): Promise<Task>;
  /** Stops a waiting task, aborts a running one; EngineError invalid_state when already finished. */
  cancel(id: string): Promise<Task>;
  /** Serves the HTTP API, dashboard and seed APIs (`config.api` settings) until stop(). */
  listen(options?: { port?: number; host?: string }): Promise<PgtaskServer>;
  /** Lifecycle events of the tasks this instance enqueues, runs or changes, in batches. */
  subscribe(listener: (events: readonly TaskLifecycleEvent[]) => void): () => void;
  /** Counts and run durations per type and status of the tasks created in [since, until). */
  taskStats(window: { since: Date; until: Date }): Promise<TaskStatsRow[]>;
  /** The pool in use (yours, or the one opened for the URL or the embedded PostgreSQL). */
  readonly pool: pg.Pool;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A pgtask instance over the given handlers. Config and handlers are checked here, synchronously
 * (ConfigError, duplicate types); nothing connects until start().
 */
export function createPgtask<Services = unknown>(options: PgtaskOptions<Services>): Pgtask {
  const input = options.config ?? {};
  const config = parseConfig(
    options.databaseUrl ? { ...input, storage: { ...input.storage, url: options.databaseUrl } } : input,
  );
  const log = options.logger ?? createLogger({ level: config.log.level });
  const registry = new TaskRegistry();
  // The seed APIs (served by listen() and pgtask/http) enqueue types of their own: every node runs
  // them from its first claim on, registered like the caller's handlers (a clash is an error here).
  for (const handler of [...options.handlers, ...compatHandlers()]) registry.register(handler);

  let starting: Promise<{ engine: Engine; database: PgtaskDatabase }> | undefined;
  let running: { engine: Engine; database: PgtaskDatabase } | undefined;
  let stopped: Promise<void> | undefined;
  const servers = new Set<PgtaskServer>();

  const started = async () => {
    if (stopped) throw new Error('this pgtask instance is stopped');
    if (!starting) throw new Error('pgtask is not started: call `await pgtask.start()` first');
    return starting;
  };
  const engineOf = async () => (await started()).engine;

  const pgtask: Pgtask = {
    config,
    start() {
      if (stopped) return Promise.reject(new Error('this pgtask instance is stopped'));
      starting ??= (async () => {
        const database = await connectDatabase({
          pool: options.pool,
          databaseUrl: options.databaseUrl,
          config,
          log,
        });
        try {
          const engine = await Engine.start({
            config,
            pool: database.pool,
            databaseUrl: database.listen,
            log,
            registry,
            services: options.services,
            ...(options.clock ? { clock: options.clock } : {}),
          });
          running = { engine, database };
          return running;
        } catch (error) {
          await database.close();
          throw error;
        }
      })();
      return starting.then(() => {});
    },
    stop() {
      stopped ??= (async () => {
        const current = await starting?.catch(() => undefined);
        if (!current) return;
        // New requests stop first; running tasks then get shutdown.timeout to finish; every
        // outcome is written and unstarted claims released before the database closes.
        await Promise.all([...servers].map((server) => server.close()));
        await current.engine.stop();
        await current.database.close();
      })();
      return stopped;
    },
    async enqueue(tasks, enqueueOptions = {}) {
      return (await engineOf()).enqueueBatch(tasks, { client: enqueueOptions.client });
    },
    async getTask(id) {
      const engine = await engineOf();
      return UUID.test(id) ? engine.getTask(id) : undefined;
    },
    async waitForTask(id, waitOptions = {}) {
      const engine = await engineOf();
      if (!UUID.test(id)) throw new EngineError('task_not_found', `task ${id} does not exist`);
      return waitForTask({
        engine,
        id,
        pollMs: Math.max(config.queue.pollInterval, 100),
        timeoutMs: waitOptions.timeoutMs ?? 60_000,
      });
    },
    async retry(id) {
      const engine = await engineOf();
      if (!UUID.test(id)) throw new EngineError('task_not_found', `task ${id} does not exist`);
      return engine.retryTask(id);
    },
    async cancel(id) {
      const engine = await engineOf();
      if (!UUID.test(id)) throw new EngineError('task_not_found', `task ${id} does not exist`);
      return engine.cancelTask(id);
    },
    async listen(listenOptions = {}) {
      const engine = await engineOf();
      const app = createApiApp({ engine, config, log });
      const http = await startHttpServer(app, {
        host: listenOptions.host ?? config.http.host,
        port: listenOptions.port ?? config.http.port,
        requestTimeout: config.api.requestTimeout,
        headersTimeout: config.api.headersTimeout,
      });
      const compatSocket = attachCompatWebSocket(http.server, engine, {
        authTokens: config.api.authTokens,
        log,
      });
      log.info({ port: http.port, nodeId: engine.nodeId }, 'listening');
      const server: PgtaskServer = {
        port: http.port,
        close: async () => {
          servers.delete(server);
          await compatSocket.close();
          await http.close();
        },
      };
      servers.add(server);
      return server;
    },
    subscribe(listener) {
      if (!running) throw new Error('pgtask is not started: call `await pgtask.start()` first');
      return running.engine.events.subscribe(listener);
    },
    async taskStats(window) {
      const { database } = await started();
      return taskStats({ pool: database.pool, ...window });
    },
    get pool() {
      if (!running) throw new Error('pgtask is not started: call `await pgtask.start()` first');
      return running.database.pool;
    },
  };
  registerInternals(pgtask, {
    config,
    log,
    engine: () => {
      if (!running) throw new Error('pgtask is not started: call `await pgtask.start()` first');
      return running.engine;
    },
  });
  return pgtask;
}
