import type pg from 'pg';
import type { TaskStatsRow } from '../model/report.js';

interface TaskStatsDbRow {
  type: string;
  status: string;
  count: number;
  avg_run_ms: number | null;
  p95_run_ms: number | null;
  max_run_ms: number | null;
}

// The window selects tasks by created_at: every task enqueued in it, whatever its state now.
// finished_at - started_at is the last attempt's run time (started_at is set at each start).
const TASK_STATS_SQL = `
  with runs as (
    select type, status,
           extract(epoch from (finished_at - started_at)) * 1000 as run_ms
      from tasks
     where created_at >= $1 and created_at < $2
  )
  select type, status,
         count(*)::int as count,
         avg(run_ms)::float8 as avg_run_ms,
         (percentile_cont(0.95) within group (order by run_ms))::float8 as p95_run_ms,
         max(run_ms)::float8 as max_run_ms
    from runs
   group by type, status
   order by type, status`;

function round(value: number | null): number | null {
  return value === null ? null : Math.round(value * 1000) / 1000;
}

function toTaskStatsRow(row: TaskStatsDbRow): TaskStatsRow {
  return {
    type: row.type,
    status: row.status,
    count: row.count,
    avgRunMs: round(row.avg_run_ms),
    p95RunMs: round(row.p95_run_ms),
    maxRunMs: round(row.max_run_ms),
  };
}

/** Counts and run durations (avg, p95, max) per type and status of the tasks created in [since, until). One query. */
export async function taskStats(options: {
  pool: pg.Pool;
  since: Date;
  until: Date;
}): Promise<TaskStatsRow[]> {
  const { rows } = await options.pool.query<TaskStatsDbRow>(TASK_STATS_SQL, [options.since, options.until]);
  return rows.map(toTaskStatsRow);
}
