import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { parseConfig } from '../../src/config/load-config.js';
import { createPool } from '../../src/db/database.js';
import { runMigrations } from '../../src/db/migrate.js';
import { Engine } from '../../src/engine/engine.js';
import { benchLog } from '../bench-log.js';
import { percentile, RssSampler, round, sleep } from '../measure.js';
import type { ChildRequest, ScenarioResult } from '../workload.js';
import { NOOP_TYPE, noopRegistry } from './ours.js';

type Measured = Omit<ScenarioResult, 'system' | 'scenario' | 'ok'>;

interface MinuteFigures {
  minute: number;
  sent: number;
  started: number;
  p50Ms: number | null;
  p99Ms: number | null;
  tables: Record<
    string,
    { totalMb: number; indexesMb: number; live: number; dead: number; deadShare: number }
  >;
  autovacuums: Record<string, number>;
}

/**
 * `--soak 20m`: one node of ours with retention on (finished tasks older than a minute deleted
 * every 10 s), single-task enqueues from 10 callers at 70% of the rate it sustained in a first
 * 15 s run at full speed, for the given duration. Each minute (or each sixth of a short soak):
 * enqueue→start p50/p99, table and index sizes, live and dead tuples and autovacuum runs per
 * table. Every task sent must start exactly once.
 */
export async function measureSoak(request: ChildRequest, durationMs: number): Promise<Measured> {
  const url = request.databaseUrl;
  const config = parseConfig({
    queue: { workerPoolSize: 50 },
    log: { level: 'warn' },
    retention: { days: 60_000 / 86_400_000, interval: '10s', batchSize: 1000 },
  });
  const pool = createPool({ url, config, log: benchLog });
  const started = new Map<number, number>();
  const sentAt: number[] = [];
  let duplicates = 0;
  const engine = await (async () => {
    await runMigrations(pool);
    return Engine.start({
      config,
      pool,
      databaseUrl: url,
      log: benchLog,
      registry: noopRegistry((index) => {
        if (started.has(index)) duplicates += 1;
        else started.set(index, performance.now());
      }),
      nodeId: `bench-soak-${process.pid}`,
    });
  })();
  const rss = new RssSampler();
  rss.start(1000);
  try {
    let next = 0;
    const send = async () => {
      const index = next++;
      sentAt[index] = performance.now();
      await engine.enqueueBatch([{ type: NOOP_TYPE, payload: { i: index } }]);
    };
    // The maximum: 10 callers in closed loops for 15 s; what started per second is the figure.
    const probeUntil = performance.now() + 15_000;
    const probeFrom = started.size;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (performance.now() < probeUntil) await send();
      }),
    );
    await sleep(2000);
    const maximum = Math.round((started.size - probeFrom) / 15);
    const rate = Math.max(10, Math.round(maximum * 0.7));

    const sliceMs = durationMs >= 600_000 ? 60_000 : Math.max(10_000, Math.round(durationMs / 6));
    const minutes: MinuteFigures[] = [];
    const soakFrom = next;
    const startedAt = performance.now();
    const intervalMs = 1000 / rate;
    const pending = new Set<Promise<void>>();
    let sliceStart = startedAt;
    let sliceFirstIndex = soakFrom;
    for (let count = 0; ; count += 1) {
      const due = startedAt + count * intervalMs;
      if (due - startedAt >= durationMs) break;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const promise = send().finally(() => pending.delete(promise));
      pending.add(promise);
      if (performance.now() - sliceStart >= sliceMs) {
        minutes.push(await sliceFigures(pool, minutes.length + 1, sliceFirstIndex, next, sentAt, started));
        sliceStart = performance.now();
        sliceFirstIndex = next;
      }
    }
    await Promise.all(pending);
    const deadline = performance.now() + 30_000;
    while (started.size < next && performance.now() < deadline) await sleep(50);
    minutes.push(await sliceFigures(pool, minutes.length + 1, sliceFirstIndex, next, sentAt, started));
    if (duplicates > 0) throw new Error(`soak: ${duplicates} tasks started twice`);
    if (started.size !== next) throw new Error(`soak: ${started.size} of ${next} tasks started`);

    const first = minutes[0]?.p99Ms;
    const last = minutes[minutes.length - 1]?.p99Ms;
    return {
      tasks: next - soakFrom,
      perSecond: rate,
      rss: rss.stop(),
      extra: {
        durationSeconds: Math.round(durationMs / 1000),
        maximumPerSecond: maximum,
        ratePerSecond: rate,
        sliceSeconds: Math.round(sliceMs / 1000),
        retention: { olderThan: '1 minute', interval: '10s' },
        p99LastOverFirst: first && last ? round(last / first, 2) : null,
        minutes,
      },
    };
  } finally {
    await engine.stop();
    await pool.end();
  }
}

async function sliceFigures(
  pool: pg.Pool,
  minute: number,
  fromIndex: number,
  toIndex: number,
  sentAt: number[],
  started: Map<number, number>,
): Promise<MinuteFigures> {
  const latencies: number[] = [];
  for (let index = fromIndex; index < toIndex; index += 1) {
    const at = started.get(index);
    if (at !== undefined) latencies.push(at - sentAt[index]!);
  }
  latencies.sort((a, b) => a - b);
  const { rows } = await pool.query<{
    name: string;
    total: string;
    indexes: string;
    live: string;
    dead: string;
    autovacuums: string;
  }>(
    `select case when c.relname like 'task_events%' then 'task_events' else c.relname end as name,
            sum(pg_total_relation_size(c.oid))::bigint as total,
            sum(pg_indexes_size(c.oid))::bigint as indexes,
            sum(s.n_live_tup)::bigint as live, sum(s.n_dead_tup)::bigint as dead,
            sum(s.autovacuum_count)::bigint as autovacuums
       from pg_stat_user_tables s join pg_class c on c.oid = s.relid
      where c.relname in ('tasks', 'queue_counts', 'queue_count_deltas') or c.relname like 'task_events%'
      group by 1 order by 1`,
  );
  const tables: MinuteFigures['tables'] = {};
  const autovacuums: Record<string, number> = {};
  for (const row of rows) {
    const live = Number(row.live);
    const dead = Number(row.dead);
    tables[row.name] = {
      totalMb: round(Number(row.total) / 1048576, 1),
      indexesMb: round(Number(row.indexes) / 1048576, 1),
      live,
      dead,
      deadShare: live + dead === 0 ? 0 : round(dead / (live + dead), 3),
    };
    autovacuums[row.name] = Number(row.autovacuums);
  }
  return {
    minute,
    sent: toIndex - fromIndex,
    started: latencies.length,
    p50Ms: latencies.length ? round(percentile(latencies, 50), 2) : null,
    p99Ms: latencies.length ? round(percentile(latencies, 99), 2) : null,
    tables,
    autovacuums,
  };
}
