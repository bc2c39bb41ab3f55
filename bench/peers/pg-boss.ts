import pg from 'pg';
import { type Job, PgBoss, type WorkOptions } from 'pg-boss';
import type { BenchSystem, BenchSystemOptions } from '../bench-system.js';
import { installedVersion } from './installed-version.js';

const QUEUE = 'noop';
const PG_BOSS_VERSION = installedVersion('pg-boss');
/** pg-boss refuses a polling interval under 0.5 s. */
const SHORTEST_POLL_SECONDS = 0.5;

/**
 * pg-boss 12 (installed in bench/peers, run on Node 24). At defaults, concurrency c is
 * `localConcurrency: c` workers fetching one job each, polling every 2 s. `best` is its documented
 * fast setting: one worker fetching c jobs per poll (`batchSize`), the shortest polling interval,
 * `burstWhenBatchFull` (fetch again at once while batches come back full) and LISTEN/NOTIFY
 * (`useListenNotify` with a `notify` queue) so an idle worker wakes when a job is sent. It keeps
 * the finished job row (state 'completed').
 */
export function createPgBoss(options: BenchSystemOptions & { best: boolean }): BenchSystem {
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: 2,
    application_name: 'bench-counter',
  });
  const boss = new PgBoss({ connectionString: options.databaseUrl, useListenNotify: options.best });
  boss.on('error', (error) => console.error('pg-boss error', error));

  const workOptions = (concurrency: number): WorkOptions =>
    options.best
      ? {
          batchSize: concurrency,
          pollingIntervalSeconds: SHORTEST_POLL_SECONDS,
          notifyPollingIntervalSeconds: SHORTEST_POLL_SECONDS,
          burstWhenBatchFull: true,
        }
      : { localConcurrency: concurrency };

  return {
    async prepare() {
      await boss.start();
      await boss.createQueue(QUEUE, options.best ? { notify: true } : {});
    },

    async enqueue(indices) {
      if (indices.length === 1) await boss.send(QUEUE, { i: indices[0]! });
      else
        await boss.insert(
          QUEUE,
          indices.map((i) => ({ data: { i } })),
        );
    },

    async startWorkers({ concurrency, onStart }) {
      const handler = async (jobs: Job<{ i: number }>[]) => {
        for (const job of jobs) onStart(job.data.i);
      };
      await boss.work<{ i: number }>(QUEUE, workOptions(concurrency), handler);
    },

    async stopWorkers() {
      await boss.offWork(QUEUE, { wait: true });
      // Completions may still be on their way: wait for the job rows to settle so the counts that
      // follow see every outcome.
      let previous = -1;
      for (;;) {
        await new Promise((done) => setTimeout(done, 300));
        const { rows } = await pool.query<{ n: number }>(
          `select count(*)::int as n from pgboss.job where name = $1 and state = 'active'`,
          [QUEUE],
        );
        if (rows[0]!.n === 0 || rows[0]!.n === previous) break;
        previous = rows[0]!.n;
      }
    },

    async countSucceeded() {
      const { rows } = await pool.query<{ n: number }>(
        `select count(*)::int as n from pgboss.job where name = $1 and state = 'completed'`,
        [QUEUE],
      );
      return rows[0]!.n;
    },

    async countRows() {
      const { rows } = await pool.query<{ n: number }>(
        `select count(*)::int as n from pgboss.job where name = $1`,
        [QUEUE],
      );
      return { taskRows: rows[0]!.n, historyRows: 0 };
    },

    settings(concurrency) {
      return {
        version: PG_BOSS_VERSION,
        constructor: { useListenNotify: options.best },
        queue: options.best ? { notify: true } : {},
        work: workOptions(concurrency),
        enqueue: 'insert() for batches, send() for one',
      };
    },

    async close() {
      await boss.stop({ graceful: true, timeout: 5_000 }).catch(() => {});
      await pool.end();
    },
  };
}
