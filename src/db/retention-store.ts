import type { Pool } from 'pg';

/** Statuses a task never leaves on its own; only these are ever deleted by retention. */
export const FINISHED_STATUSES = ['succeeded', 'dead', 'cancelled'] as const;

export interface DeletedCounts {
  tasks: number;
  events: number;
}

/**
 * Deletes up to `limit` finished tasks (succeeded, dead, cancelled) whose finished_at is before
 * `finishedBefore`, with their task_events, in one statement and so one short transaction.
 * Callers repeat it until it deletes fewer than `limit`: small batches keep every lock brief,
 * so cleanup of a large backlog never stalls the claim path.
 *
 * `for update skip locked` lets several instances clean at once without waiting on each other,
 * and keeps a row that a manual retry is moving back to `queued` out of this batch.
 */
export async function deleteFinishedTasks(
  pool: Pool,
  options: { finishedBefore: Date; limit: number },
): Promise<DeletedCounts> {
  const { rows } = await pool.query<{ tasks: number; events: number }>(
    `with doomed as (
       select id from tasks
        where status = any($1::text[]) and finished_at < $2
        order by finished_at
        limit $3
        for update skip locked
     ),
     deleted_events as (
       delete from task_events where task_id in (select id from doomed) returning 1
     ),
     deleted_tasks as (
       delete from tasks where id in (select id from doomed) returning 1
     )
     select (select count(*) from deleted_tasks)::int as tasks,
            (select count(*) from deleted_events)::int as events`,
    [FINISHED_STATUSES, options.finishedBefore, options.limit],
  );
  return rows[0] ?? { tasks: 0, events: 0 };
}
