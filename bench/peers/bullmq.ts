import { createPostgresBackend, Queue, runMigrations, Worker } from 'bullmq';
import pg from 'pg';
import type { BenchSystem, BenchSystemOptions } from '../bench-system.js';
import { installedVersion } from './installed-version.js';

const QUEUE = 'noop';
const BULLMQ_VERSION = installedVersion('bullmq');

/**
 * BullMQ 6 on its PostgreSQL backend (`createPostgresBackend`; installed in bench/peers, run on
 * Node 24). At defaults a Worker has `concurrency: c` and the backend's own pool (node-postgres'
 * default of 10 connections); completed jobs are kept. `best` follows its PostgreSQL guide's
 * tuning tips: a pool as large as the concurrency (`max: c`) and `removeOnComplete: { count: 0 }` ("let
 * retention do its work": finished jobs do not accumulate). Durability settings of PostgreSQL
 * (its `synchronous_commit = off` tip) are a server-wide choice and stay stock here, as for every
 * system. It also appends to its events stream (the `event` table, trimmed to ~10,000 rows).
 */
export function createBullMq(options: BenchSystemOptions & { best: boolean }): BenchSystem {
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: 2,
    application_name: 'bench-counter',
  });
  const producerConnection = { connectionString: options.databaseUrl };
  const openQueue = () => new Queue(QUEUE, { connection: producerConnection }, createPostgresBackend);
  let queue: ReturnType<typeof openQueue> | undefined;
  const openWorker = (concurrency: number, onStart: (index: number) => void) =>
    new Worker(
      QUEUE,
      async (job) => {
        onStart((job.data as { i: number }).i);
      },
      workerOptions(concurrency),
      createPostgresBackend,
    );
  let worker: ReturnType<typeof openWorker> | undefined;
  let enqueued = 0;

  const workerOptions = (concurrency: number) =>
    options.best
      ? {
          concurrency,
          connection: { connectionString: options.databaseUrl, max: concurrency },
          removeOnComplete: { count: 0 },
        }
      : { concurrency, connection: { connectionString: options.databaseUrl } };

  return {
    async prepare() {
      const client = await pool.connect();
      try {
        await runMigrations(client);
      } finally {
        client.release();
      }
      queue = openQueue();
      await queue.waitUntilReady();
    },

    async enqueue(indices) {
      if (indices.length === 1) await queue!.add(QUEUE, { i: indices[0]! });
      else await queue!.addBulk(indices.map((i) => ({ name: QUEUE, data: { i } })));
      enqueued += indices.length;
    },

    async startWorkers({ concurrency, onStart }) {
      worker = openWorker(concurrency, onStart);
      worker.on('error', (error) => console.error('bullmq worker error', error));
      await worker.waitUntilReady();
    },

    async stopWorkers() {
      await worker?.close();
      worker = undefined;
    },

    async countSucceeded() {
      if (options.best) {
        // Completed jobs are removed; a failed one stays (with its error), so it is never counted.
        const { rows } = await pool.query<{ n: number }>(
          `select count(*)::int as n from bullmq.job where queue = $1`,
          [QUEUE],
        );
        return enqueued - rows[0]!.n;
      }
      const { rows } = await pool.query<{ n: number }>(
        `select count(*)::int as n from bullmq.job where queue = $1 and state = 'completed'`,
        [QUEUE],
      );
      return rows[0]!.n;
    },

    async countRows() {
      const { rows } = await pool.query<{ jobs: number; events: number }>(
        `select (select count(*) from bullmq.job where queue = $1)::int as jobs,
                (select count(*) from bullmq.event where queue = $1)::int as events`,
        [QUEUE],
      );
      return { taskRows: rows[0]!.jobs, historyRows: rows[0]!.events };
    },

    settings(concurrency) {
      const { connection, ...rest } = workerOptions(concurrency);
      return {
        version: BULLMQ_VERSION,
        backend: 'createPostgresBackend',
        worker: { ...rest, poolMax: 'max' in connection ? connection.max : 'node-postgres default (10)' },
        enqueue: 'addBulk() for batches, add() for one',
      };
    },

    async close() {
      await worker?.close().catch(() => {});
      await queue?.close().catch(() => {});
      await pool.end();
    },
  };
}
