import type { Pool } from 'pg';
import type { TaskStatus } from '../schema.js';

/**
 * One state change of a task on this node, as the result loop batches them. A change may carry
 * the start of the attempt (`started`), its end (`toStatus` other than running), or both when a
 * task started and finished between two flushes (one UPDATE, two history rows).
 */
export interface OutcomeWrite {
  id: string;
  /** The attempt number this change belongs to (attempts after the start is counted). */
  attempt: number;
  /** Status in the database before this write: queued/retrying when `started`, else running. */
  fromStatus: TaskStatus;
  toStatus: TaskStatus;
  started: boolean;
  startedAt: Date | null;
  finishedAt: Date | null;
  result: string | null;
  error: string | null;
  /** For toStatus retrying: delay from now (database clock) until it may run again. */
  retryDelayMs: number;
  /** Keep this node's lock (a short backoff held in the local buffer) instead of releasing it. */
  keepLock: boolean;
  /** The attempt does not count (released at shutdown): attempts goes back to attempt - 1. */
  refund: boolean;
}

/**
 * Writes a batch of state changes in one statement: UPDATE … FROM unnest(…) fenced by
 * (id, attempt, status, locked_by), plus one task_events row per status change, in the same
 * transaction. A change whose fence fails (this node lost the lease; the task was cancelled or
 * moved on) changes nothing. Returns the ids that were written.
 */
export async function writeOutcomes(
  pool: Pool,
  nodeId: string,
  writes: readonly OutcomeWrite[],
): Promise<Set<string>> {
  if (writes.length === 0) return new Set();
  const c = {
    id: [] as string[],
    attempt: [] as number[],
    fromStatus: [] as string[],
    toStatus: [] as string[],
    started: [] as boolean[],
    startedAt: [] as (Date | null)[],
    finishedAt: [] as (Date | null)[],
    result: [] as (string | null)[],
    error: [] as (string | null)[],
    retryDelayMs: [] as number[],
    keepLock: [] as boolean[],
    refund: [] as boolean[],
  };
  for (const w of writes) {
    c.id.push(w.id);
    c.attempt.push(w.attempt);
    c.fromStatus.push(w.fromStatus);
    c.toStatus.push(w.toStatus);
    c.started.push(w.started);
    c.startedAt.push(w.startedAt);
    c.finishedAt.push(w.finishedAt);
    c.result.push(w.result);
    c.error.push(w.error);
    c.retryDelayMs.push(w.retryDelayMs);
    c.keepLock.push(w.keepLock);
    c.refund.push(w.refund);
  }
  const { rows } = await pool.query<{ id: string }>(
    `with input as (
       select * from unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::bool[], $6::timestamptz[],
                            $7::timestamptz[], $8::jsonb[], $9::text[], $10::bigint[], $11::bool[], $13::bool[])
         as i(id, attempt, from_status, to_status, started, started_at, finished_at, result, error, retry_delay_ms,
              keep_lock, refund)
     ),
     updated as (
       update tasks t set
         status = i.to_status,
         attempts = case when i.refund then i.attempt - 1 else i.attempt end,
         started_at = case when i.started then i.started_at else t.started_at end,
         finished_at = i.finished_at,
         result = case when i.to_status = 'running' then t.result else i.result end,
         error = case when i.to_status = 'running' then t.error else i.error end,
         run_at = case when i.to_status = 'retrying' then now() + i.retry_delay_ms * interval '1 millisecond'
                       else t.run_at end,
         locked_by = case when i.to_status = 'running' or i.keep_lock then t.locked_by else null end,
         locked_at = case when i.to_status = 'running' or i.keep_lock then t.locked_at else null end
       from input i
       where t.id = i.id
         and t.locked_by = $12
         and t.status = i.from_status
         and t.attempts = case when i.started then i.attempt - 1 else i.attempt end
       returning t.id, i.attempt, i.from_status, i.to_status, i.started, i.started_at, i.finished_at, i.error
     ),
     events as (
       insert into task_events (task_id, at, from_status, to_status, attempt, node_id, error)
       select id, started_at, from_status, 'running', attempt, $12, null from updated where started
       union all
       select id, coalesce(finished_at, now()), 'running', to_status, attempt, $12, error
       from updated where to_status <> 'running'
     )
     select id from updated`,
    [
      c.id,
      c.attempt,
      c.fromStatus,
      c.toStatus,
      c.started,
      c.startedAt,
      c.finishedAt,
      c.result,
      c.error,
      c.retryDelayMs,
      c.keepLock,
      nodeId,
      c.refund,
    ],
  );
  return new Set(rows.map((row) => row.id));
}
