import { z } from 'zod';
import { parseConfig } from '../../src/config/load-config.js';
import type { Config, ConfigInput } from '../../src/config/schema.js';
import { createPool } from '../../src/db/database.js';
import { Engine, type EngineOptions } from '../../src/engine/engine.js';
import type { TaskLifecycleEvent } from '../../src/events/task-event.js';
import { createLogger } from '../../src/logger.js';
import { TaskRegistry } from '../../src/tasks/registry.js';
import { defineHandler, type TaskHandler } from '../../src/tasks/task-handler.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export const testLog = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', pretty: false });

type DeepPartial<T> = T extends readonly (infer Item)[]
  ? DeepPartial<Item>[]
  : T extends object
    ? { [Key in keyof T]?: DeepPartial<T[Key]> }
    : T extends number
      ? number | string
      : T;

/** Any part of the config, at any depth (durations as ms or "5s"). */
export type ConfigOverrides = DeepPartial<Omit<Config, 'http'>>;

/** Config for tests: fast polls and leases, small pools; override anything. */
export function testConfig(overrides: ConfigOverrides = {}) {
  return parseConfig({
    ...overrides,
    queue: { pollInterval: 100, workerPoolSize: 4, maxBufferSize: 100, ...overrides.queue },
    lease: { heartbeatInterval: 200, timeout: 1000, ...overrides.lease },
    shutdown: { timeout: 2000, ...overrides.shutdown },
  } as ConfigInput);
}

/** A handler that records every start, for exactly-once checks. */
export function recordingHandler(options: {
  type?: string;
  starts: Map<string, number>;
  run?: (
    payload: Record<string, unknown>,
    ctx: { taskId: string; attempt: number; signal: AbortSignal },
  ) => unknown;
}): TaskHandler {
  return defineHandler({
    type: options.type ?? 'Record',
    payloadSchema: z.record(z.string(), z.unknown()),
    run: async (payload, ctx) => {
      options.starts.set(ctx.taskId, (options.starts.get(ctx.taskId) ?? 0) + 1);
      return options.run ? options.run(payload, ctx) : { ok: true };
    },
  });
}

export interface EngineSetup {
  db: TestDatabase;
  engines: Engine[];
  events: TaskLifecycleEvent[];
  startEngine(
    options?: { config?: ConfigOverrides; handlers?: TaskHandler[]; processTasks?: boolean } & Partial<
      Omit<EngineOptions, 'config'>
    >,
  ): Promise<Engine>;
  /** Resolves when `count` tasks reached one of the final statuses in the database. */
  waitForFinished(count: number, timeoutMs?: number): Promise<void>;
  teardown(): Promise<void>;
}

export async function setupEngines(
  defaults: { handlers?: TaskHandler[]; config?: ConfigOverrides } = {},
): Promise<EngineSetup> {
  const db = await createTestDatabase();
  const engines: Engine[] = [];
  const pools: ReturnType<typeof createPool>[] = [];
  const events: TaskLifecycleEvent[] = [];
  return {
    db,
    engines,
    events,
    async startEngine(options = {}) {
      const config = testConfig({ ...defaults.config, ...options.config });
      const registry = new TaskRegistry();
      for (const handler of options.handlers ?? defaults.handlers ?? []) registry.register(handler);
      const pool = createPool({ url: db.url, config, log: testLog });
      pools.push(pool);
      const engine = await Engine.start({
        config,
        pool,
        databaseUrl: db.url,
        log: testLog,
        registry,
        processTasks: options.processTasks,
        threads: options.threads,
        scheduler: options.scheduler,
        clock: options.clock,
      });
      engine.events.subscribe((batch) => events.push(...batch));
      engines.push(engine);
      return engine;
    },
    async waitForFinished(count, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { rows } = await db.pool.query(
          `select count(*)::int as n from tasks where status in ('succeeded', 'dead', 'cancelled')`,
        );
        if (rows[0].n >= count) return;
        if (Date.now() > deadline)
          throw new Error(`only ${rows[0].n} of ${count} tasks finished in ${timeoutMs} ms`);
        await new Promise((done) => setTimeout(done, 25));
      }
    },
    async teardown() {
      await Promise.all(engines.map((engine) => engine.stop().catch(() => {})));
      await Promise.all(pools.map((pool) => pool.end().catch(() => {})));
      await db.drop();
    },
  };
}
