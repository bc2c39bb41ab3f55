import { Logger, makeWorkerUtils, type Runner, run, runMigrations, type WorkerUtils } from 'graphile-worker';
import pg from 'pg';
import type { BenchSystem, BenchSystemOptions } from '../bench-system.js';
import { installedVersion } from './installed-version.js';

const GRAPHILE_WORKER_VERSION = installedVersion('graphile-worker');

const TASK = 'noop';
const silent = new Logger(() => () => {});

/**
 * graphile-worker 0.18 (installed in bench/peers, run on Node 24). `best` is its documented fast setting (the
 * performance page: `localQueue: { size: 500 }`, `completeJobBatchDelay: 0`,
 * `failJobBatchDelay: 0`, pool of `concurrentJobs + 2` or 10); otherwise only `concurrentJobs` is
 * set. It deletes a job when it succeeds and keeps no history.
 */
export function createGraphileWorker(options: BenchSystemOptions & { best: boolean }): BenchSystem {
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: 2,
    application_name: 'bench-counter',
  });
  let utils: WorkerUtils | undefined;
  let runner: Runner | undefined;
  let enqueued = 0;

  const workerPreset = (concurrency: number) =>
    options.best
      ? {
          concurrentJobs: concurrency,
          maxPoolSize: Math.max(10, concurrency + 2),
          localQueue: { size: options.claimSize },
          completeJobBatchDelay: 0,
          failJobBatchDelay: 0,
        }
      : { concurrentJobs: concurrency };

  return {
    async prepare() {
      await runMigrations({ connectionString: options.databaseUrl, logger: silent });
      utils = await makeWorkerUtils({ connectionString: options.databaseUrl, logger: silent });
    },

    async enqueue(indices) {
      await utils!.addJobs(indices.map((i) => ({ identifier: TASK, payload: { i } })));
      enqueued += indices.length;
    },

    async startWorkers({ concurrency, onStart }) {
      runner = await run({
        connectionString: options.databaseUrl,
        logger: silent,
        noHandleSignals: true,
        taskList: {
          [TASK]: async (payload) => {
            onStart((payload as { i: number }).i);
          },
        },
        preset: { worker: workerPreset(concurrency) },
      });
    },

    async stopWorkers() {
      await runner?.stop();
      runner = undefined;
    },

    async countSucceeded() {
      // Succeeded jobs are deleted; a failed one stays (with its error), so it is never counted.
      const { rows } = await pool.query<{ n: number }>(
        `select count(*)::int as n from graphile_worker._private_jobs`,
      );
      return enqueued - rows[0]!.n;
    },

    async countRows() {
      const { rows } = await pool.query<{ n: number }>(
        `select count(*)::int as n from graphile_worker._private_jobs`,
      );
      return { taskRows: rows[0]!.n, historyRows: 0 };
    },

    settings(concurrency) {
      return {
        version: GRAPHILE_WORKER_VERSION,
        preset: { worker: workerPreset(concurrency) },
        enqueue: 'addJobs',
      };
    },

    async close() {
      await runner?.stop();
      await utils?.release();
      await pool.end();
    },
  };
}
