import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createApp } from '../../src/api/app.js';
import { startHttpServer } from '../../src/api/http-server.js';
import { createPool } from '../../src/db/database.js';
import { runMigrations } from '../../src/db/migrate.js';
import { Engine } from '../../src/engine/engine.js';
import { benchLog } from '../bench-log.js';
import { percentile, pollUntil, RssSampler, round } from '../measure.js';
import type { ChildRequest, ScenarioResult } from '../workload.js';
import { benchConfig, NOOP_TYPE, noopRegistry, startWorkingEngine } from './ours.js';

type Measured = Omit<ScenarioResult, 'system' | 'scenario' | 'ok'>;

interface OperationFigures {
  operation: string;
  unit: string;
  empty: number;
  loaded: number;
  /** loaded / empty (time per operation: above 1 means slower with the big tables). */
  ratio: number;
}

/**
 * Flat at scale: the same operations timed on an empty database (after a warm-up round that is
 * not counted) and again after loading
 * `scaleTasks` finished tasks and `scaleEvents` history rows (generate_series, a statement per
 * chunk of 100,000 tasks, then VACUUM ANALYZE as autovacuum would leave them). Timings are
 * medians of sequential calls: enqueue (a batch of 1,000 and a single task, in-process), claim
 * and complete (a drain of 5,000 tasks at c50: milliseconds per 1,000 tasks), and over HTTP
 * GET /task/{id} of finished tasks, GET /queues and the dashboard's own queries.
 */
export async function measureScale(request: ChildRequest): Promise<Measured> {
  const { workload } = request;
  const url = request.databaseUrl;
  const config = benchConfig(10);
  const pool = createPool({ url, config, log: benchLog });
  const rss = new RssSampler();
  rss.start(500);
  let engine: Engine | undefined;
  let server: Awaited<ReturnType<typeof startHttpServer>> | undefined;
  try {
    await runMigrations(pool);
    await layOutDailyPartitions(pool);
    engine = await Engine.start({
      config,
      pool,
      databaseUrl: url,
      log: benchLog,
      registry: noopRegistry(() => {}),
      nodeId: `bench-scale-${process.pid}`,
      processTasks: false,
    });
    server = await startHttpServer(createApp({ engine, config, log: benchLog }), {
      host: '127.0.0.1',
      port: 0,
    });
    const base = `http://127.0.0.1:${server.port}`;
    const producer = engine;

    // A first round warms the JIT, the connections and PostgreSQL's caches and is thrown away:
    // otherwise the empty database pays for a cold start and the ratios flatter the loaded one.
    // Both sides are timed on analysed tables (the loaded side after its VACUUM ANALYZE), so the
    // planner's statistics are not what differs.
    await timeOperations({ url, base, producer, pool });
    await pool.query('vacuum analyze tasks');
    await pool.query('vacuum analyze task_events');
    const empty = await timeOperations({ url, base, producer, pool });
    const loadStartedAt = performance.now();
    await loadHistory(url, workload.scaleTasks, workload.scaleEventsPerTask);
    const loadMs = performance.now() - loadStartedAt;
    const loaded = await timeOperations({ url, base, producer, pool });

    const figures: OperationFigures[] = Object.keys(empty.values).map((operation) => ({
      operation,
      unit: empty.units[operation]!,
      empty: empty.values[operation]!,
      loaded: loaded.values[operation]!,
      ratio: round(loaded.values[operation]! / Math.max(empty.values[operation]!, 0.001), 2),
    }));
    const sizes = await pool.query<{ events: string; tasks: string }>(
      `select pg_size_pretty(sum(pg_total_relation_size(c.oid))) as events,
              pg_size_pretty(pg_total_relation_size('tasks')) as tasks
         from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'task_events'::regclass`,
    );
    return {
      tasks: workload.scaleTasks,
      rss: rss.stop(),
      extra: {
        loadedTasks: workload.scaleTasks,
        loadedEvents: workload.scaleTasks * workload.scaleEventsPerTask,
        loadSeconds: round(loadMs / 1000, 1),
        sizes: sizes.rows[0],
        operations: figures,
      },
    };
  } finally {
    await server?.close();
    await engine?.stop();
    await pool.end();
  }
}

async function timeOperations(options: {
  url: string;
  base: string;
  producer: Engine;
  pool: pg.Pool;
}): Promise<{ values: Record<string, number>; units: Record<string, string> }> {
  const { url, base, producer, pool } = options;
  const values: Record<string, number> = {};
  const units: Record<string, string> = {};
  const median = async (name: string, times: number, run: (i: number) => Promise<unknown>) => {
    const samples: number[] = [];
    for (let i = 0; i < times; i += 1) {
      const startedAt = performance.now();
      await run(i);
      samples.push(performance.now() - startedAt);
    }
    samples.sort((a, b) => a - b);
    values[name] = round(percentile(samples, 50), 2);
    units[name] = 'ms (median)';
  };
  const get = async (path: string) => {
    const response = await fetch(`${base}${path}`);
    if (response.status !== 200) throw new Error(`scale: GET ${path} answered ${response.status}`);
    await response.arrayBuffer();
  };

  await median('enqueue, batch of 1,000 (in-process)', 10, () =>
    producer.enqueueBatch(Array.from({ length: 1000 }, (_, i) => ({ type: NOOP_TYPE, payload: { i } }))),
  );
  await median('enqueue, one task (in-process)', 100, (i) =>
    producer.enqueueBatch([{ type: NOOP_TYPE, payload: { i } }]),
  );
  // Claim and complete: a working node drains what was just enqueued.
  const waiting = await pool.query<{ n: number }>(
    `select count(*)::int as n from tasks where status = 'queued'`,
  );
  const total = waiting.rows[0]!.n;
  const startedAt = performance.now();
  const worker = await startWorkingEngine({
    url,
    concurrency: 50,
    onStart: () => {},
    nodeId: `bench-scale-worker-${Date.now()}`,
  });
  const drained = await pollUntil(
    async () => {
      const { rows } = await pool.query<{ n: number }>(
        `select count(*)::int as n from tasks where status = 'queued'`,
      );
      return rows[0]!.n === 0;
    },
    { timeoutMs: 120_000, intervalMs: 20 },
  );
  const drainMs = performance.now() - startedAt;
  await worker.engine.stop();
  await worker.pool.end();
  if (!drained) throw new Error('scale: the drain did not finish in 120 s');
  values['claim and complete (drain at c50)'] = round((drainMs / total) * 1000, 1);
  units['claim and complete (drain at c50)'] = 'ms per 1,000 tasks';

  const { rows } = await pool.query<{ id: string }>(
    `select id from tasks where status = 'succeeded' order by random() limit 200`,
  );
  await median('GET /task/{id} (finished task, with its history)', rows.length, (i) =>
    get(`/task/${rows[i]!.id}`),
  );
  await median('GET /queues', 50, () => get('/queues'));
  await median('dashboard: GET /queues/default/tasks?status=running&limit=10', 50, () =>
    get('/queues/default/tasks?status=running&limit=10'),
  );
  await median('dashboard: GET /queues/default/tasks?status=queued&limit=10', 50, () =>
    get('/queues/default/tasks?status=queued&limit=10'),
  );
  await median('dashboard: GET /dead-letter?limit=20', 50, () => get('/dead-letter?limit=20'));
  await median('GET /queues/default/tasks?status=succeeded&limit=10', 50, () =>
    get('/queues/default/tasks?status=succeeded&limit=10'),
  );
  return { values, units };
}

/**
 * A fresh database's legacy partition covers every day before tomorrow (it is where an upgraded
 * database keeps its old history). A deployment that has run for a week has a partition per day
 * instead: lay the empty database out like that, so the load spreads over daily partitions and
 * the history reads prune to the days of their task, as they do in service.
 */
async function layOutDailyPartitions(pool: pg.Pool): Promise<void> {
  const { rows } = await pool.query<{ n: number }>('select count(*)::int as n from task_events_legacy');
  if (rows[0]!.n !== 0) throw new Error('scale: expected an empty database');
  await pool.query('drop table task_events_legacy');
  await pool.query(`select task_events_ensure_partitions(now() - interval '8 days', 11)`);
}

/**
 * Finished tasks with time-ordered (version 7 style) ids spread over the last 7 days, and
 * `eventsPerTask` history rows each, loaded in chunks straight into the tables.
 */
async function loadHistory(url: string, tasks: number, eventsPerTask: number): Promise<void> {
  const client = new pg.Client({ connectionString: url, statement_timeout: 0 });
  await client.connect();
  try {
    const chunk = 100_000;
    const spanMs = 7 * 86_400_000;
    const startMs = Date.now() - spanMs - 3_600_000;
    for (let from = 0; from < tasks; from += chunk) {
      const to = Math.min(from + chunk, tasks) - 1;
      await client.query(
        `with g as (
           select n, $3::bigint + (n::bigint * $4::bigint / $5::bigint) as ms, md5(n::text) as r
             from generate_series($1::int, $2::int) n
         ), t as (
           select n, to_timestamp(ms / 1000.0) as created,
                  (substr(lpad(to_hex(ms), 12, '0'), 1, 8) || '-' || substr(lpad(to_hex(ms), 12, '0'), 9, 4) ||
                   '-7' || substr(r, 1, 3) || '-8' || substr(r, 4, 3) || '-' || substr(r, 7, 12))::uuid as id
             from g
         ), inserted as (
           insert into tasks (id, type, status, payload, attempts, max_attempts, backoff_ms, created_at,
                              started_at, finished_at, run_at, result)
           select id, $6, 'succeeded', jsonb_build_object('i', n), 1, 4, 1000, created,
                  created + interval '5 ms', created + interval '9 ms', created, 'null'::jsonb
             from t
           returning id, created_at
         )
         insert into task_events (task_id, at, from_status, to_status, attempt, node_id)
         select i.id, i.created_at + e * interval '1 ms',
                case when e = 1 then null when e % 2 = 0 then 'queued' else 'running' end,
                case when e = $7::int then 'succeeded' when e % 2 = 0 then 'running' else 'retrying' end,
                e / 2, 'bench-loader'
           from inserted i, generate_series(1, $7::int) e`,
        [from, to, startMs, spanMs, tasks, NOOP_TYPE, eventsPerTask],
      );
    }
    await client.query(`insert into queues (name) values ('default') on conflict (name) do nothing`);
    await client.query('vacuum analyze tasks');
    await client.query('vacuum analyze task_events');
  } finally {
    await client.end();
  }
}
