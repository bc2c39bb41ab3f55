import type { LeasedTask } from '../../model/task.js';
import type { TaskRow } from '../task-row.js';
import type { Queryable } from '../transaction.js';
import { PARENT_RESULTS } from './claim-tasks.js';
import { statementNow } from './statement-now.js';

/** The statement's time: the caller's clock ($8) or the database's. */
const NOW = statementNow('$8');

interface LeasedRow extends Pick<TaskRow, 'id' | 'queue' | 'type' | 'priority' | 'payload'> {
  attempts: number;
  from_status: 'queued' | 'retrying';
  token: string;
  locked_by: string;
  started_at_ms: number;
  expires_at_ms: number;
  wait_ms: number;
  parents: Record<string, unknown> | null;
}

/**
 * The selection of a plain claim: dispatch order, with the longest-waiting share. One queue, named
 * as a scalar, and the pause read once: `queue = any(…)` or a per-row pause lookup would make
 * PostgreSQL sort the queue's whole backlog instead of reading the ready index in order (5,000
 * waiting: 13-21 ms a claim against 0.14 ms).
 */
const PICK_READY = `       select id from (
         select t.id from tasks t
         where t.queue = $1 and t.type = any($2::text[])
           and t.status in ('queued', 'retrying') and t.locked_by is null and t.concurrency_key is null
           and t.run_at <= ${NOW}
           and not coalesce((select q.paused from queues q where q.name = $1), false)
         order by t.priority desc nulls last, t.run_at, t.id
         limit $3
         for update of t skip locked
       ) by_priority
       union
       select id from (
         select t.id from tasks t
         where t.queue = $1 and t.type = any($2::text[])
           and t.status in ('queued', 'retrying') and t.locked_by is null and t.concurrency_key is null
           and t.run_at <= ${NOW}
           and not coalesce((select q.paused from queues q where q.name = $1), false)
         order by t.run_at, t.id
         limit $4
         for update of t skip locked
       ) oldest`;

/** Tasks a limited claim picked; the plain claim's parameters are typed but unused. */
const PICK_GIVEN = `select unnest($9::uuid[]) as id from (select $1::text, $2::text[], $3::int, $4::int) unused`;

/**
 * Claims up to `byPriority + oldest` due, unclaimed tasks of the given types in one queue for an
 * HTTP worker and starts them, in one statement: the same selection as a node's claim (dispatch
 * order, SKIP LOCKED, `oldest` of them longest-waiting first, paused queues skipped), then
 * status running, attempt + 1, a lease per task and the history row. Each task's token is
 * sha256(secret ‖ id), unguessable without the per-claim `secret`; locked_by keeps only a hash
 * of it ('worker:<name>/<hash>'), so a reader of the task cannot answer for the worker.
 * The lease expires `leaseMs` after now, or at the task's timeout if that comes first.
 */
export async function claimLeases(
  pool: Queryable,
  options: {
    /** Tasks already picked and row-locked by `pickLimited` in this transaction (a limited queue). */
    ids?: readonly string[];
    worker: string;
    types: readonly string[];
    queue: string;
    byPriority: number;
    oldest: number;
    leaseMs: number;
    secret: string;
    /** The time due-ness, the start and the lease are measured by; the database clock when null. */
    now?: Date | null;
  },
): Promise<LeasedTask[]> {
  const { rows } = await pool.query<{ tasks: LeasedRow[] }>({
    name: options.ids ? 'pgtask_claim_leases_picked' : 'pgtask_claim_leases',
    text: `with picked as (${options.ids ? PICK_GIVEN : PICK_READY}
     ),
     tokens as (
       select id, encode(sha256(convert_to($6 || id::text, 'UTF8')), 'hex') as token from picked
     ),
     started as (
       update tasks t set
         status = 'running',
         attempts = t.attempts + 1,
         started_at = ${NOW},
         finished_at = null,
         progress = null,
         locked_by = 'worker:' || $5 || '/' || left(encode(sha256(convert_to(k.token, 'UTF8')), 'hex'), 32),
         locked_at = ${NOW}
       from tokens k
       where t.id = k.id and t.id = any(array(select id from picked))
       returning t.id, t.queue, t.type, t.priority, t.payload, t.attempts, t.locked_by, t.timeout_ms, t.run_at,
                 (select status from tasks p where p.id = t.id) as from_status, k.token,
                 case when t.pending_parents is not null then ${PARENT_RESULTS} end as parents
     ),
     events as (
       insert into task_events (task_id, at, from_status, to_status, attempt, node_id)
       select id, ${NOW}, from_status, 'running', attempts, locked_by from started
     )
     select coalesce(json_agg(json_build_object(
              'id', id, 'queue', queue, 'type', type, 'priority', priority, 'payload', payload,
              'attempts', attempts, 'from_status', from_status, 'token', token, 'locked_by', locked_by,
              'started_at_ms', extract(epoch from ${NOW}) * 1000,
              'expires_at_ms', extract(epoch from least(${NOW} + $7 * interval '1 millisecond',
                                                        ${NOW} + coalesce(timeout_ms, $7) * interval '1 millisecond')) * 1000,
              'wait_ms', greatest(0, extract(epoch from ${NOW} - run_at) * 1000), 'parents', parents)
            order by priority desc, run_at, id), '[]') as tasks
     from started`,
    values: [
      options.queue,
      options.types,
      options.byPriority,
      options.oldest,
      options.worker,
      options.secret,
      options.leaseMs,
      options.now ?? null,
      ...(options.ids ? [options.ids] : []),
    ],
  });
  return (rows[0]?.tasks ?? []).map((row) => ({
    ...(row.parents ? { parents: row.parents } : {}),
    id: row.id,
    queue: row.queue,
    type: row.type,
    priority: row.priority,
    payload: row.payload,
    attempt: row.attempts,
    fromStatus: row.from_status,
    token: row.token,
    lockedBy: row.locked_by,
    startedAt: new Date(row.started_at_ms),
    expiresAt: new Date(row.expires_at_ms),
    waitMs: Math.round(row.wait_ms),
  }));
}
