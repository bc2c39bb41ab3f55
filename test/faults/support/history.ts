import type pg from 'pg';
import { delay } from './service.js';

/** Every start of every task, from task_events (one 'running' row per attempt that started). */
export async function startsPerTask(pool: pg.Pool): Promise<Map<string, { count: number; nodes: string[] }>> {
  const { rows } = await pool.query<{ task_id: string; n: number; nodes: string[] }>(
    `select task_id, count(*)::int as n, array_agg(node_id order by id) as nodes
     from task_events where to_status = 'running' group by task_id`,
  );
  return new Map(rows.map((row) => [row.task_id, { count: row.n, nodes: row.nodes }]));
}

export async function statusCounts(pool: pg.Pool): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ status: string; n: number }>(
    `select status, count(*)::int as n from tasks group by status order by status`,
  );
  return Object.fromEntries(rows.map((row) => [row.status, row.n]));
}

/** Waits until `count` tasks (optionally only `ids`) are succeeded, dead or cancelled. */
export async function waitForFinished(
  pool: pg.Pool,
  options: { count: number; timeoutMs: number; ids?: readonly string[] },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const { rows } = await pool.query<{ n: number }>(
      `select count(*)::int as n from tasks
       where status in ('succeeded', 'dead', 'cancelled') and ($1::uuid[] is null or id = any($1::uuid[]))`,
      [options.ids ?? null],
    );
    const finished = rows[0]!.n;
    if (finished >= options.count) return;
    if (Date.now() > deadline) {
      throw new Error(
        `only ${finished} of ${options.count} tasks finished in ${options.timeoutMs} ms; statuses ${JSON.stringify(await statusCounts(pool))}`,
      );
    }
    await delay(100);
  }
}

export interface TaskEventRow {
  task_id: string;
  at: Date;
  from_status: string | null;
  to_status: string;
  attempt: number;
  node_id: string | null;
  error: string | null;
}

export async function historyOf(pool: pg.Pool, ids: readonly string[]): Promise<Map<string, TaskEventRow[]>> {
  const { rows } = await pool.query<TaskEventRow>(
    `select task_id, at, from_status, to_status, attempt, node_id, error
     from task_events where task_id = any($1::uuid[]) order by id`,
    [ids],
  );
  const history = new Map<string, TaskEventRow[]>(ids.map((id) => [id, []]));
  for (const row of rows) history.get(row.task_id)!.push(row);
  return history;
}

export interface TaskRowView {
  id: string;
  status: string;
  attempts: number;
  locked_by: string | null;
  error: string | null;
  result: unknown;
  started_at: Date | null;
  finished_at: Date | null;
}

export async function tasksById(pool: pg.Pool, ids: readonly string[]): Promise<Map<string, TaskRowView>> {
  const { rows } = await pool.query<TaskRowView>(
    `select id, status, attempts, locked_by, error, result, started_at, finished_at from tasks where id = any($1::uuid[])`,
    [ids],
  );
  return new Map(rows.map((row) => [row.id, row]));
}

/** Formats a share as a whole percentage for messages and the results table. */
export function percent(part: number, whole: number): number {
  return Math.round((1000 * part) / whole) / 10;
}
