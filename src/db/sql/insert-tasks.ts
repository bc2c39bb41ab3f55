import { ENQUEUE_CHANNEL } from '../channels.js';
import type { Queryable } from '../transaction.js';
import { liveNodeRow } from './claim-tasks.js';
import { statementNow } from './statement-now.js';

/** The insert's time (created_at, run_at after a delay, a claim's locked_at): the caller's clock ($4) or the database's. */
const NOW = statementNow('$4');

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
  /** Absolute due time; null means now + delayMs (the insert's `now`, else the database clock). */
  runAt: Date | null;
  delayMs: number;
  dedupeKey: string | null;
  /** Tasks sharing a key run at most the queue's maxPerKey at once; absent or null: no key. */
  concurrencyKey?: string | null;
  /** Claimed by the enqueuing node at insert (it has room in its buffer): no claim round trip. */
  claimed: boolean;
  /** Set for a child of a workflow: stored blocked, with this many edges to resolve. */
  pendingParents?: number;
  onParentFailure?: 'cancel' | 'run';
  /** A later task of the same batch depends on this one. */
  hasDependents?: boolean;
  /** uniqueFor: the key stays taken this long after the task ended. */
  uniqueForMs?: number;
}

/**
 * One round trip for the whole batch: INSERT … SELECT FROM jsonb_to_recordset($1), deduplicated on
 * (queue, dedupe_key) while a task with that key is blocked, queued, running or retrying, or holds
 * it for its unique window (ON CONFLICT DO NOTHING, so the rule holds across instances), registering new queue names, and notifying
 * listeners on every node (for rows left unclaimed) unless `notify` is false: then the caller
 * announces the queues after the commit (notifyEnqueued). Rows marked `claimed` are locked by
 * `claimedBy` at insert, only while that node's row is alive (see `liveNodeRow`): otherwise they
 * are stored unclaimed and `claimRefused` tells the node it was declared dead. Returns the ids
 * actually inserted (the others were duplicates) and those of them this node holds.
 */
export async function insertTasks(
  pool: Queryable,
  tasks: readonly TaskInsert[],
  createdBy: string | null,
  claimedBy: string | null = null,
  options: { notify?: boolean; now?: Date | null } = {},
): Promise<InsertResult> {
  const notify = options.notify ?? true;
  const now = options.now ?? null;
  const first = await insertOnce(pool, tasks, createdBy, claimedBy, notify, now);
  if (first.ids.size === tasks.length) return first;
  // Some keys were taken. A key held by a unique window that is over is released here, by the
  // enqueue that needs it, and those tasks go in again (once: a key taken meanwhile stays taken).
  const refused = tasks.filter((task) => task.dedupeKey !== null && !first.ids.has(task.id));
  const released = await releaseExpiredKeys(pool, refused, now);
  if (released.size === 0) return first;
  const again = refused.filter((task) => released.has(keyOf(task.queue, task.dedupeKey ?? '')));
  const second = await insertOnce(pool, again, createdBy, claimedBy, notify, now);
  return {
    ids: new Set([...first.ids, ...second.ids]),
    claimedIds: new Set([...first.claimedIds, ...second.claimedIds]),
    claimRefused: first.claimRefused || second.claimRefused,
  };
}

/** Ends the hold of finished tasks whose unique window is over (database clock) on these keys. */
async function releaseExpiredKeys(
  db: Queryable,
  tasks: readonly TaskInsert[],
  now: Date | null,
): Promise<Set<string>> {
  if (tasks.length === 0) return new Set();
  const { rows } = await db.query<{ queue: string; dedupe_key: string }>(
    `update tasks t set key_held_until = null
     from unnest($1::text[], $2::text[]) as k(queue, key)
     where t.queue = k.queue and t.dedupe_key = k.key and t.dedupe_key is not null
       and t.key_held_until is not null and t.key_held_until <= ${statementNow('$3')}
       and t.status not in ('blocked', 'queued', 'running', 'retrying')
     returning t.queue, t.dedupe_key`,
    [tasks.map((task) => task.queue), tasks.map((task) => task.dedupeKey), now],
  );
  return new Set(rows.map((row) => keyOf(row.queue, row.dedupe_key)));
}

function keyOf(queue: string, key: string): string {
  return `${queue}\u0000${key}`;
}

async function insertOnce(
  pool: Queryable,
  tasks: readonly TaskInsert[],
  createdBy: string | null,
  claimedBy: string | null,
  notify: boolean,
  now: Date | null,
): Promise<InsertResult> {
  // One JSON parameter for the batch: parsed by PostgreSQL in C, payloads embedded as they are.
  const input = `[${tasks.map(taskJson).join(',')}]`;
  const { rows } = await pool.query<{ ids: string[]; claimed: string[]; refused: boolean }>({
    // Named: planned once per connection (a single-task enqueue spent more on planning than on
    // running it). The text differs by whether it claims and whether it notifies.
    name: `pgtask_insert_tasks_${claimedBy === null ? 'unclaimed' : 'claimed'}${notify ? '_notify' : ''}`,
    text: `with alive as (${claimedBy === null ? 'select null::text as id where false' : liveNodeRow('$3')}),
     input as (
       select * from jsonb_to_recordset($1::jsonb)
         as i(id uuid, queue text, type text, priority int, payload jsonb, max_attempts int, backoff_ms int,
              timeout_ms int, run_at timestamptz, delay_ms bigint, dedupe_key text, claimed bool,
              concurrency_key text, pending_parents int, on_parent_failure text, has_dependents bool,
              unique_for_ms bigint)
     ),
     inserted as (
       insert into tasks (id, queue, type, priority, status, payload, max_attempts, backoff_ms, timeout_ms,
                          run_at, dedupe_key, created_by, locked_by, locked_at, concurrency_key,
                          pending_parents, on_parent_failure, has_dependents, unique_for_ms, created_at)
       select id, queue, type, priority, case when pending_parents is null then 'queued' else 'blocked' end,
              payload, max_attempts, backoff_ms, timeout_ms,
              coalesce(run_at, ${NOW} + delay_ms * interval '1 millisecond'), dedupe_key, $2,
              case when claimed and exists (select 1 from alive) then $3 end,
              case when claimed and exists (select 1 from alive) then ${NOW} end, concurrency_key,
              pending_parents, on_parent_failure, coalesce(has_dependents, false), unique_for_ms, ${NOW}
       from input
       -- Keyed rows go in key order: two batches sharing keys in opposite orders would otherwise
       -- wait on each other's speculative inserts and deadlock.
       order by queue, dedupe_key
       on conflict (queue, dedupe_key)
         where dedupe_key is not null
           and (status in ('blocked', 'queued', 'running', 'retrying') or key_held_until is not null)
       do nothing
       returning id, queue, status, created_at, locked_by
     ),
     events as (
       insert into task_events (task_id, at, from_status, to_status, attempt)
       select id, created_at, null, status, 0 from inserted
     ),
     new_queues as (
       insert into queues (name) select distinct queue from input on conflict (name) do nothing
     ),
     notified as (
       select pg_notify('${ENQUEUE_CHANNEL}', queue)
       from (select distinct queue from inserted where locked_by is null and status = 'queued') q
       where ${notify}
     )
     select coalesce(json_agg(id), '[]') as ids,
            coalesce(json_agg(id) filter (where locked_by is not null), '[]') as claimed,
            $3::text is not null and not exists (select 1 from alive) as refused,
            (select count(*) from notified) as notified
     from inserted`,
    values: [input, createdBy, claimedBy, now],
  });
  const row = rows[0];
  return {
    ids: new Set(row?.ids ?? []),
    claimedIds: new Set(row?.claimed ?? []),
    claimRefused: row?.refused ?? false,
  };
}

/**
 * Tells every node's listener that these queues have new work, in a statement of its own. A NOTIFY
 * inside an insert's transaction holds PostgreSQL's notify lock through that commit's WAL flush,
 * so concurrent enqueues that each notify commit one at a time (10 connections of single-row
 * inserts: 948/s with a NOTIFY each, 3,409/s without, on this machine).
 */
export async function notifyEnqueued(pool: Queryable, queues: readonly string[]): Promise<void> {
  await pool.query({
    name: 'pgtask_notify_enqueued',
    text: 'select pg_notify($1, q) from unnest($2::text[]) as q',
    values: [ENQUEUE_CHANNEL, queues],
  });
}

export interface InsertResult {
  /** Every task stored; the batch's other tasks were duplicates. */
  ids: Set<string>;
  /** The stored tasks locked by `claimedBy`. */
  claimedIds: Set<string>;
  /** A claim was asked for, but `claimedBy` had been declared dead: nothing was claimed. */
  claimRefused: boolean;
}

function taskJson(task: TaskInsert): string {
  return (
    `{"id":"${task.id}","queue":${JSON.stringify(task.queue)},"type":${JSON.stringify(task.type)},` +
    `"priority":${task.priority},"payload":${task.payloadJson},"max_attempts":${task.maxAttempts},` +
    `"backoff_ms":${task.backoffMs},"timeout_ms":${task.timeoutMs ?? 'null'},` +
    `"run_at":${task.runAt ? `"${task.runAt.toISOString()}"` : 'null'},"delay_ms":${task.delayMs},` +
    `"dedupe_key":${task.dedupeKey === null ? 'null' : JSON.stringify(task.dedupeKey)},"claimed":${task.claimed}` +
    `${task.concurrencyKey === null || task.concurrencyKey === undefined ? '' : `,"concurrency_key":${JSON.stringify(task.concurrencyKey)}`}` +
    // Workflow fields only when set: a plain task's JSON stays as short as before.
    (task.pendingParents === undefined
      ? ''
      : `,"pending_parents":${task.pendingParents},"on_parent_failure":"${task.onParentFailure ?? 'cancel'}"`) +
    (task.uniqueForMs === undefined ? '' : `,"unique_for_ms":${task.uniqueForMs}`) +
    (task.hasDependents ? ',"has_dependents":true}' : '}')
  );
}
