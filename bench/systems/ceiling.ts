import pg from 'pg';
import type { BenchSystem, BenchSystemOptions } from '../bench-system.js';

/**
 * The physical limit on this machine: raw SQL with `pg`, perfectly batched. Inserts 1,000 rows a
 * statement, claims up to `claimSize` rows a statement with FOR UPDATE SKIP LOCKED into a local
 * buffer, runs `concurrency` handlers at once from it, and marks finished rows in batches with
 * UPDATE … FROM unnest. With `history`, every status change also writes one event row in the
 * same statement (WITH u AS (UPDATE … RETURNING …) INSERT INTO events …), as our engine does.
 *
 * This is the one place outside src/db/ that builds SQL: the baseline must not share code with
 * the system it is compared against.
 */
export function createCeiling(options: BenchSystemOptions & { history: boolean }): BenchSystem {
  // Producers and the worker use separate pools, as separate processes would: an enqueue burst
  // must not make the claimer wait for a connection.
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: 10,
    application_name: 'bench-ceiling',
  });
  const workerPool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: 3,
    application_name: 'bench-ceiling-worker',
  });
  const history = options.history;
  let worker: CeilingWorker | undefined;

  return {
    async prepare() {
      await pool.query(`
        create table bench_jobs (
          id bigserial primary key,
          status text not null default 'queued',
          payload jsonb not null,
          run_at timestamptz not null default now(),
          attempts int not null default 0,
          locked_by text,
          locked_at timestamptz,
          created_at timestamptz not null default now(),
          finished_at timestamptz
        );
        create index bench_jobs_ready_idx on bench_jobs (run_at, id) where status = 'queued';
        create table bench_events (
          id bigserial primary key,
          job_id bigint not null,
          at timestamptz not null default now(),
          from_status text,
          to_status text not null
        );
        create index bench_events_job_idx on bench_events (job_id);
      `);
    },

    async enqueue(indices) {
      const payloads = indices.map((i) => JSON.stringify({ i }));
      // One statement: the rows, their history and the wake-up call for an idle claimer.
      await pool.query(
        history
          ? `with i as (insert into bench_jobs (payload) select * from unnest($1::jsonb[]) returning id),
                  e as (insert into bench_events (job_id, from_status, to_status) select id, null, 'queued' from i)
             select pg_notify('bench_jobs', '')`
          : `with i as (insert into bench_jobs (payload) select * from unnest($1::jsonb[]) returning id)
             select pg_notify('bench_jobs', '') from (select 1 from i limit 1) one`,
        [payloads],
      );
    },

    async startWorkers({ concurrency, onStart }) {
      worker = new CeilingWorker({
        pool: workerPool,
        databaseUrl: options.databaseUrl,
        claimSize: options.claimSize,
        concurrency,
        history,
        onStart,
      });
      await worker.start();
    },

    async stopWorkers() {
      await worker?.stop();
      worker = undefined;
    },

    async countSucceeded() {
      const { rows } = await pool.query<{ n: number }>(
        `select count(*)::int as n from bench_jobs where status = 'succeeded'`,
      );
      return rows[0]!.n;
    },

    async countRows() {
      const { rows } = await pool.query<{ tasks: number; events: number }>(
        `select (select count(*) from bench_jobs)::int as tasks, (select count(*) from bench_events)::int as events`,
      );
      return { taskRows: rows[0]!.tasks, historyRows: rows[0]!.events };
    },

    async verifyHistory(succeeded) {
      if (!history) return;
      const { rows } = await pool.query<{ done: number; started: number }>(
        `select count(*) filter (where to_status = 'succeeded')::int as done,
                count(*) filter (where to_status = 'running')::int as started
           from bench_events`,
      );
      if (rows[0]!.done !== succeeded || rows[0]!.started !== succeeded) {
        throw new Error(
          `ceiling-history: ${rows[0]!.started} running and ${rows[0]!.done} succeeded events for ${succeeded} tasks`,
        );
      }
    },

    settings(concurrency) {
      return {
        concurrency,
        claimSize: options.claimSize,
        insertBatch: 'one statement per enqueue call',
        completion:
          'UPDATE … FROM unnest($1::bigint[]), one statement per flush, next flush while one is in flight',
        wakeUp: 'LISTEN/NOTIFY, 1 s poll as fallback',
        history,
      };
    },

    async close() {
      await worker?.stop();
      await workerPool.end();
      await pool.end();
    },
  };
}

interface CeilingWorkerOptions {
  pool: pg.Pool;
  databaseUrl: string;
  claimSize: number;
  concurrency: number;
  history: boolean;
  onStart: (index: number) => void;
}

interface ClaimedJob {
  id: string;
  payload: { i: number };
}

class CeilingWorker {
  readonly #options: CeilingWorkerOptions;
  readonly #nodeId = `ceiling-${process.pid}`;
  readonly #buffer: ClaimedJob[] = [];
  #running = 0;
  #finished: string[] = [];
  #claiming = false;
  #claimAgain = false;
  #flushing: Promise<void> | undefined;
  #stopped = false;
  #listener: pg.Client | undefined;
  #poll: NodeJS.Timeout | undefined;
  #idle: (() => void) | undefined;
  #failure: Error | undefined;

  constructor(options: CeilingWorkerOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    this.#listener = new pg.Client({ connectionString: this.#options.databaseUrl });
    await this.#listener.connect();
    this.#listener.on('notification', () => this.#claim());
    await this.#listener.query('listen bench_jobs');
    this.#poll = setInterval(() => this.#claim(), 1000);
    this.#claim();
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#poll) clearInterval(this.#poll);
    while (this.#running > 0 || this.#claiming) {
      await new Promise<void>((done) => {
        this.#idle = done;
      });
    }
    await this.#flush();
    // Claimed but never started: back to the table, as a graceful shutdown must.
    if (this.#buffer.length > 0) {
      const ids = this.#buffer.splice(0).map((job) => job.id);
      await this.#options.pool.query(
        `update bench_jobs j set status = 'queued', locked_by = null, locked_at = null
           from unnest($1::bigint[]) as d(id) where j.id = d.id`,
        [ids],
      );
    }
    await this.#listener?.end();
    if (this.#failure) throw this.#failure;
  }

  #claim(): void {
    if (this.#stopped) return;
    if (this.#claiming) {
      this.#claimAgain = true;
      return;
    }
    const room = this.#options.claimSize - this.#buffer.length;
    if (room <= 0) return;
    this.#claiming = true;
    this.#claimAgain = false;
    const statement = `
      update bench_jobs j set status = 'running', locked_by = $1, locked_at = now(), attempts = j.attempts + 1
        from (select id from bench_jobs where status = 'queued' and run_at <= now()
               order by run_at, id limit $2 for update skip locked) c
       where j.id = c.id
      returning j.id, j.payload`;
    const sql = this.#options.history
      ? `with u as (${statement}),
              e as (insert into bench_events (job_id, from_status, to_status) select id, 'queued', 'running' from u)
         select id, payload from u`
      : statement;
    this.#options.pool
      .query<ClaimedJob>(sql, [this.#nodeId, room])
      .then(({ rows }) => {
        this.#claiming = false;
        for (const row of rows) this.#buffer.push(row);
        this.#dispatch();
        // A full claim means more is probably waiting; an empty one waits for NOTIFY or the poll.
        if (rows.length === room || this.#claimAgain) this.#claim();
        this.#wakeIfIdle();
      })
      .catch((error: Error) => this.#fail(error));
  }

  #dispatch(): void {
    if (this.#stopped) return;
    while (this.#running < this.#options.concurrency && this.#buffer.length > 0) {
      const job = this.#buffer.shift()!;
      this.#running += 1;
      void this.#run(job);
    }
    if (this.#buffer.length < this.#options.claimSize / 2) this.#claim();
  }

  async #run(job: ClaimedJob): Promise<void> {
    this.#options.onStart(job.payload.i);
    await noop();
    this.#running -= 1;
    this.#finished.push(job.id);
    void this.#flush();
    this.#dispatch();
    this.#wakeIfIdle();
  }

  /** Group commit: one UPDATE per flush; outcomes that arrive meanwhile go in the next one. */
  #flush(): Promise<void> {
    if (this.#flushing) return this.#flushing;
    if (this.#finished.length === 0) return Promise.resolve();
    const ids = this.#finished;
    this.#finished = [];
    const statement = `
      update bench_jobs j set status = 'succeeded', finished_at = now(), locked_by = null
        from unnest($1::bigint[]) as d(id)
       where j.id = d.id and j.locked_by = $2 and j.status = 'running'
      returning j.id`;
    const sql = this.#options.history
      ? `with u as (${statement})
         insert into bench_events (job_id, from_status, to_status) select id, 'running', 'succeeded' from u`
      : statement;
    this.#flushing = this.#options.pool
      .query(sql, [ids, this.#nodeId])
      .then(() => {
        this.#flushing = undefined;
        return this.#flush();
      })
      .catch((error: Error) => {
        this.#flushing = undefined;
        this.#fail(error);
      });
    return this.#flushing;
  }

  #wakeIfIdle(): void {
    if (this.#idle && this.#running === 0 && !this.#claiming) {
      const idle = this.#idle;
      this.#idle = undefined;
      idle();
    }
  }

  #fail(error: Error): void {
    this.#claiming = false;
    this.#failure ??= error;
    this.#wakeIfIdle();
  }
}

async function noop(): Promise<null> {
  return null;
}
