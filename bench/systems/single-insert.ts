import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { percentile, RssSampler, round } from '../measure.js';
import type { ChildRequest, ScenarioResult } from '../workload.js';
import { createCeiling } from './ceiling.js';

type Measured = Omit<ScenarioResult, 'system' | 'scenario' | 'ok'>;

/**
 * The baseline for a single-task enqueue over HTTP: what PostgreSQL does with one row per
 * transaction. `connections` clients, each in a closed loop of `INSERT INTO bench_jobs … ; COMMIT`
 * (one autocommitted statement, so one WAL flush per row) for as long as autocannon runs against
 * our HTTP API, into the ceiling's table with its one index. Rows are counted afterwards.
 */
export async function measureSingleInsert(request: ChildRequest): Promise<Measured> {
  const { workload } = request;
  const ceiling = createCeiling({ databaseUrl: request.databaseUrl, claimSize: 1, history: false });
  await ceiling.prepare();
  const clients = Array.from(
    { length: workload.httpConnections },
    () => new pg.Client({ connectionString: request.databaseUrl, application_name: 'bench-single-insert' }),
  );
  try {
    await Promise.all(clients.map((client) => client.connect()));
    const rss = new RssSampler();
    rss.start(100);
    const latencies: number[] = [];
    let next = 0;
    const startedAt = performance.now();
    const until = startedAt + workload.httpSeconds * 1000;
    await Promise.all(
      clients.map(async (client) => {
        while (performance.now() < until) {
          const sentAt = performance.now();
          await client.query('insert into bench_jobs (payload) values ($1)', [JSON.stringify({ i: next++ })]);
          latencies.push(performance.now() - sentAt);
        }
      }),
    );
    const elapsedMs = performance.now() - startedAt;
    const rssSummary = rss.stop();
    const rows = await ceiling.countRows();
    if (rows.taskRows !== latencies.length) {
      throw new Error(`single-insert: ${latencies.length} inserts committed, ${rows.taskRows} rows stored`);
    }
    latencies.sort((a, b) => a - b);
    return {
      perSecond: Math.round((latencies.length / elapsedMs) * 1000),
      elapsedMs: Math.round(elapsedMs),
      tasks: latencies.length,
      rss: rssSummary,
      latency: {
        p50Ms: round(percentile(latencies, 50), 2),
        p90Ms: round(percentile(latencies, 90), 2),
        p99Ms: round(percentile(latencies, 99), 2),
        maxMs: round(latencies[latencies.length - 1]!, 2),
        samples: latencies.length,
      },
      extra: {
        connections: workload.httpConnections,
        statement: 'insert into bench_jobs (payload) values ($1), autocommit',
      },
    };
  } finally {
    await Promise.all(clients.map((client) => client.end().catch(() => {})));
    await ceiling.close();
  }
}
