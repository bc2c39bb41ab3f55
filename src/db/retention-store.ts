import type { Pool } from 'pg';

/** Statuses a task never leaves on its own; only these are ever deleted by retention. */
export const FINISHED_STATUSES = ['succeeded', 'dead', 'cancelled'] as const;

/**
 * Deletes up to `limit` finished tasks (succeeded, dead, cancelled) whose finished_at is before
 * `finishedBefore`, in one statement and so one short transaction; returns how many. Their
 * task_events rows are not deleted one by one: they go with their day's partition (see
 * event-partitions.ts).
 * Callers repeat it until it deletes fewer than `limit`: small batches keep every lock brief,
 * so cleanup of a large backlog never stalls the claim path.
 *
 * `for update skip locked` lets several instances clean at once without waiting on each other,
 * and keeps a row that a manual retry is moving back to `queued` out of this batch.
 */
export async function deleteFinishedTasks(
  pool: Pool,
  options: { finishedBefore: Date; limit: number },
): Promise<number> {
  const { rowCount } = await pool.query(
    `with doomed as (
       select id from tasks
        where status = any($1::text[]) and finished_at < $2
        order by finished_at
        limit $3
        for update skip locked
     )
     delete from tasks where id in (select id from doomed)`,
    [FINISHED_STATUSES, options.finishedBefore, options.limit],
  );
  return rowCount ?? 0;
}
