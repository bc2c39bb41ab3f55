import pg from 'pg';
import PgBoss from 'pg-boss';
import type { BenchSystem, BenchSystemOptions } from '../bench-system.js';

const QUEUE = 'noop';
/** pg-boss 10 refuses a polling interval under 0.5 s (MIN_POLLING_INTERVAL_MS in attorney.js). */
const SHORTEST_POLL_SECONDS = 0.5;

/**
 * pg-boss 10 (12 needs Node 22). At defaults, concurrency c is c `work()` workers fetching one
 * job every 2 s each. `best` is one worker fetching c jobs per poll (`batchSize`) at the shortest
 * polling interval. In 10.x a worker waits out the polling interval after every batch, even a
 * full one (src/worker.js), so a drain runs at about batchSize / 0.5 s whatever the database can
 * do; drains are therefore time-boxed. It keeps the finished job row (state 'completed').
 */
export function createPgBoss(options: BenchSystemOptions & { best: boolean }): BenchSystem {
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: 2,
    application_name: 'bench-counter',
  });
  const boss = new PgBoss({ connectionString: options.databaseUrl });
  boss.on('error', (error) => console.error('pg-boss error', error));

  const workOptions = (concurrency: number): PgBoss.WorkOptions =>
    options.best ? { batchSize: concurrency, pollingIntervalSeconds: SHORTEST_POLL_SECONDS } : {};

  return {
    async prepare() {
      await boss.start();
      await boss.createQueue(QUEUE);
    },

    async enqueue(indices) {
      if (indices.length === 1) await boss.send(QUEUE, { i: indices[0]! });
      else await boss.insert(indices.map((i) => ({ name: QUEUE, data: { i } })));
    },

    async startWorkers({ concurrency, onStart }) {
      const handler = async (jobs: PgBoss.Job<{ i: number }>[]) => {
        await Promise.all(jobs.map(async (job) => onStart(job.data.i)));
      };
      const workers = options.best ? 1 : concurrency;
      for (let index = 0; index < workers; index += 1) {
        await boss.work<{ i: number }>(QUEUE, workOptions(concurrency), handler);
      }
    },

    async stopWorkers() {
      await boss.offWork(QUEUE);
      // offWork stops the loops, and completions are sent without being awaited: wait for the
      // job rows to settle so the counts that follow see every outcome.
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
      const { rows } = await pool.query<{ n: number; archived: number }>(
        `select (select count(*) from pgboss.job where name = $1)::int as n,
                (select count(*) from pgboss.archive where name = $1)::int as archived`,
        [QUEUE],
      );
      return { taskRows: rows[0]!.n + rows[0]!.archived, historyRows: 0 };
    },

    settings(concurrency) {
      return {
        version: '10.4.2',
        workers: options.best ? 1 : concurrency,
        work: workOptions(concurrency),
        enqueue: 'insert() for batches, send() for one',
      };
    },

    async close() {
      await boss.stop({ graceful: true, wait: true, timeout: 5_000 }).catch(() => {});
      await pool.end();
    },
  };
}
