import pg from 'pg';
import { z } from 'zod';
import { parseConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/schema.js';
import { createPool } from '../../src/db/database.js';
import { runMigrations } from '../../src/db/migrate.js';
import { Engine } from '../../src/engine/engine.js';
import { TaskRegistry } from '../../src/tasks/registry.js';
import { defineHandler } from '../../src/tasks/task-handler.js';
import { benchLog } from '../bench-log.js';
import type { BenchSystem, BenchSystemOptions } from '../bench-system.js';

export const NOOP_TYPE = 'Noop';

export function benchConfig(concurrency: number): Config {
  // Product defaults except the pool size under test; nothing tuned for the bench.
  return parseConfig({ queue: { workerPoolSize: concurrency }, log: { level: 'warn' } });
}

export function noopRegistry(onStart: (index: number) => void): TaskRegistry {
  return new TaskRegistry().register(
    defineHandler({
      type: NOOP_TYPE,
      payloadSchema: z.looseObject({ i: z.number().int() }),
      run: async (payload) => {
        onStart(payload.i);
        return null;
      },
    }),
  );
}

/**
 * Our engine in-process, through its facade only. Tasks are stored by a second engine that runs
 * nothing (`processTasks: false`) while no worker runs, so a drain starts from a pre-filled
 * table; once workers run, enqueue goes through the working engine, the path a real node takes
 * (its own tasks go straight to its buffer).
 */
export function createOurs(options: BenchSystemOptions): BenchSystem {
  const url = options.databaseUrl;
  const setupConfig = benchConfig(10);
  const pool = createPool({ url, config: setupConfig, log: benchLog });
  let producer: Engine | undefined;
  let worker: Engine | undefined;
  let workerPool: pg.Pool | undefined;

  return {
    async prepare() {
      await runMigrations(pool);
    },

    async enqueue(indices) {
      if (!worker && !producer) producer = await startProducer(pool, url);
      const engine = (worker ?? producer)!;
      const result = await engine.enqueueBatch(indices.map((i) => ({ type: NOOP_TYPE, payload: { i } })));
      if (result.accepted.length !== indices.length) {
        throw new Error(`enqueueBatch accepted ${result.accepted.length} of ${indices.length}`);
      }
    },

    async startWorkers({ concurrency, onStart }) {
      await producer?.stop();
      producer = undefined;
      const started = await startWorkingEngine({ url, concurrency, onStart, nodeId: `bench-${process.pid}` });
      worker = started.engine;
      workerPool = started.pool;
    },

    async stopWorkers() {
      await worker?.stop();
      await workerPool?.end();
      worker = undefined;
      workerPool = undefined;
    },

    async countSucceeded() {
      const { rows } = await pool.query<{ n: number }>(
        `select count(*)::int as n from tasks where status = 'succeeded'`,
      );
      return rows[0]!.n;
    },

    async countRows() {
      const { rows } = await pool.query<{ tasks: number; events: number }>(
        `select (select count(*) from tasks)::int as tasks, (select count(*) from task_events)::int as events`,
      );
      return { taskRows: rows[0]!.tasks, historyRows: rows[0]!.events };
    },

    async verifyHistory(succeeded) {
      const { rows } = await pool.query<{ n: number }>(
        `select count(distinct task_id)::int as n from task_events where to_status = 'succeeded'`,
      );
      if (rows[0]!.n !== succeeded) {
        throw new Error(`ours: ${rows[0]!.n} tasks have a 'succeeded' history row, ${succeeded} succeeded`);
      }
    },

    async fillBacklog(rows) {
      await insertWaitingTasks(url, rows);
    },

    settings(concurrency) {
      const config = benchConfig(concurrency);
      return {
        queue: {
          workerPoolSize: config.queue.workerPoolSize,
          maxBufferSize: config.queue.maxBufferSize,
          pollInterval: config.queue.pollInterval,
        },
        storage: { poolSize: config.storage.poolSize },
        enqueue: 'engine.enqueueBatch (in-process)',
      };
    },

    async close() {
      await worker?.stop().catch(() => {});
      await producer?.stop().catch(() => {});
      await workerPool?.end().catch(() => {});
      await pool.end();
    },
  };
}

/**
 * Straight into the table, as if tasks had piled up while no node was running: generate_series in
 * chunks of 100,000, on a connection without the engine's statement timeout, each chunk committed
 * at once.
 */
export async function insertWaitingTasks(url: string, rows: number): Promise<void> {
  const client = new pg.Client({ connectionString: url, statement_timeout: 0 });
  await client.connect();
  try {
    const chunk = 100_000;
    for (let from = 0; from < rows; from += chunk) {
      await client.query(
        `insert into tasks (id, type, payload, max_attempts, backoff_ms)
         select gen_random_uuid(), $1, jsonb_build_object('i', g), 4, 1000 from generate_series($2::int, $3::int) g`,
        [NOOP_TYPE, from, Math.min(from + chunk, rows) - 1],
      );
    }
    // enqueueBatch registers a task's queue in the same statement; rows put in by hand must too.
    await client.query(`insert into queues (name) values ('default') on conflict (name) do nothing`);
    await client.query('analyze tasks');
  } finally {
    await client.end();
  }
}

/** A working node: our engine with the no-op handler at this concurrency, product defaults otherwise. */
export async function startWorkingEngine(options: {
  url: string;
  concurrency: number;
  onStart: (index: number) => void;
  nodeId: string;
}): Promise<{ engine: Engine; pool: pg.Pool }> {
  const config = benchConfig(options.concurrency);
  const pool = createPool({ url: options.url, config, log: benchLog });
  const engine = await Engine.start({
    config,
    pool,
    databaseUrl: options.url,
    log: benchLog,
    registry: noopRegistry(options.onStart),
    nodeId: options.nodeId,
  });
  return { engine, pool };
}

function startProducer(pool: pg.Pool, url: string): Promise<Engine> {
  return Engine.start({
    config: benchConfig(10),
    pool,
    databaseUrl: url,
    log: benchLog,
    registry: noopRegistry(() => {
      throw new Error('the producer engine must not run tasks');
    }),
    nodeId: `bench-producer-${process.pid}`,
    processTasks: false,
  });
}
