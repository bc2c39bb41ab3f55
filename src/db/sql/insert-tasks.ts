import type { Pool } from 'pg';
import { ENQUEUE_CHANNEL } from '../channels.js';

/** One task to insert, resolved to column values (the engine applied defaults). */
export interface TaskInsert {
  id: string;
  queue: string;
  type: string;
  priority: number;
  payloadJson: string;
  maxAttempts: number;
  backoffMs: number;
  timeoutMs: number | null;
  /** Absolute due time; null means now() + delayMs on the database clock. */
  runAt: Date | null;
  delayMs: number;
  dedupeKey: string | null;
  /** Claimed by the enqueuing node at insert (it has room in its buffer): no claim round trip. */
  claimed: boolean;
}

/**
 * One round trip for the whole batch: INSERT … SELECT FROM unnest, deduplicated on
 * (queue, dedupe_key) while a task with that key is queued, running or retrying (ON CONFLICT DO
 * NOTHING, so the rule holds across instances), registering new queue names, and notifying
 * listeners on every node (for rows left unclaimed). Rows marked `claimed` are locked by
 * `claimedBy` at insert. Returns the ids actually inserted; the others were duplicates.
 */
export async function insertTasks(
  pool: Pool,
  tasks: readonly TaskInsert[],
  createdBy: string | null,
  claimedBy: string | null = null,
): Promise<Set<string>> {
  const columns = {
    id: [] as string[],
    queue: [] as string[],
    type: [] as string[],
    priority: [] as number[],
    payload: [] as string[],
    maxAttempts: [] as number[],
    backoffMs: [] as number[],
    timeoutMs: [] as (number | null)[],
    runAt: [] as (Date | null)[],
    delayMs: [] as number[],
    dedupeKey: [] as (string | null)[],
    claimed: [] as boolean[],
  };
  for (const task of tasks) {
    columns.id.push(task.id);
    columns.queue.push(task.queue);
    columns.type.push(task.type);
    columns.priority.push(task.priority);
    columns.payload.push(task.payloadJson);
    columns.maxAttempts.push(task.maxAttempts);
    columns.backoffMs.push(task.backoffMs);
    columns.timeoutMs.push(task.timeoutMs);
    columns.runAt.push(task.runAt);
    columns.delayMs.push(task.delayMs);
    columns.dedupeKey.push(task.dedupeKey);
    columns.claimed.push(task.claimed);
  }
  const { rows } = await pool.query<{ ids: string[] | null }>(
    `with input as (
       select * from unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::jsonb[], $6::int[], $7::int[],
                            $8::int[], $9::timestamptz[], $10::bigint[], $11::text[], $13::bool[])
         as i(id, queue, type, priority, payload, max_attempts, backoff_ms, timeout_ms, run_at, delay_ms, dedupe_key,
              claimed)
     ),
     inserted as (
       insert into tasks (id, queue, type, priority, status, payload, max_attempts, backoff_ms, timeout_ms,
                          run_at, dedupe_key, created_by, locked_by, locked_at)
       select id, queue, type, priority, 'queued', payload, max_attempts, backoff_ms, timeout_ms,
              coalesce(run_at, now() + delay_ms * interval '1 millisecond'), dedupe_key, $12,
              case when claimed then $14 end, case when claimed then now() end
       from input
       -- Keyed rows go in key order: two batches sharing keys in opposite orders would otherwise
       -- wait on each other's speculative inserts and deadlock.
       order by queue, dedupe_key
       on conflict (queue, dedupe_key) where dedupe_key is not null and status in ('queued', 'running', 'retrying')
       do nothing
       returning id, queue, created_at, locked_by
     ),
     events as (
       insert into task_events (task_id, at, from_status, to_status, attempt)
       select id, created_at, null, 'queued', 0 from inserted
     ),
     new_queues as (
       insert into queues (name) select distinct queue from input on conflict (name) do nothing
     ),
     notified as (
       select pg_notify('${ENQUEUE_CHANNEL}', queue)
       from (select distinct queue from inserted where locked_by is null) q
     )
     select array_agg(id) as ids, (select count(*) from notified) as notified from inserted`,
    [
      columns.id,
      columns.queue,
      columns.type,
      columns.priority,
      columns.payload,
      columns.maxAttempts,
      columns.backoffMs,
      columns.timeoutMs,
      columns.runAt,
      columns.delayMs,
      columns.dedupeKey,
      createdBy,
      columns.claimed,
      claimedBy,
    ],
  );
  return new Set(rows[0]?.ids ?? []);
}
