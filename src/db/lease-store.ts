import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { ENQUEUE_CHANNEL } from './channels.js';
import { statementNow } from './sql/statement-now.js';

/**
 * HTTP workers' leases after the claim (sql/claim-leases.ts): heartbeats, the lookup a complete or
 * fail is fenced by, the expiry round, and the `workers` table behind GET /workers. A lease is
 * the task's locked_by ('worker:<name>/<hash of the token>') and locked_at (the claim or the last
 * heartbeat); it is alive while locked_at is younger than the lease timeout and the task is
 * within its own timeout. Expiry, cancel and rescue all clear locked_by, so a stale token
 * matches nothing. Each statement's `now` is the caller's clock (Clock.sqlNow(), a test's) when
 * given, else the database's.
 */

/** The part of locked_by that names the lease: a hash of its token (the token is never stored). */
export function leaseHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 32);
}

/** A live lease's row condition (lease timeout $2, now `now`); `t` qualifies the columns (`t.`) in a join. */
function alive(now: string, t = ''): string {
  return `${t}status = 'running' and ${t}locked_by like 'worker:%'
  and ${t}locked_at >= ${now} - $2 * interval '1 millisecond'
  and (${t}timeout_ms is null or ${t}started_at + ${t}timeout_ms * interval '1 millisecond' > ${now})`;
}

/** A lease after a heartbeat: its new expiry, and what the progress event names. */
export interface ExtendedLease {
  expiresAt: Date;
  queue: string;
  type: string;
  priority: number;
  attempt: number;
  lockedBy: string;
}

/** Extends a live lease to now + leaseMs (capped at the task's timeout); undefined when it is lost. */
export async function extendLease(
  pool: Pool,
  options: { id: string; token: string; leaseMs: number; progressJson?: string; now?: Date | null },
): Promise<ExtendedLease | undefined> {
  const now = statementNow('$5');
  const { rows } = await pool.query<{
    expires_at_ms: number;
    queue: string;
    type: string;
    priority: number;
    attempts: number;
    locked_by: string;
  }>(
    `update tasks set locked_at = ${now}, progress = coalesce($4::jsonb, progress)
     where id = $1 and ${alive(now)} and right(locked_by, 33) = '/' || $3
     returning (extract(epoch from least(${now} + $2 * interval '1 millisecond',
                 started_at + coalesce(timeout_ms::bigint, 9e12::bigint) * interval '1 millisecond')) * 1000)::float8
               as expires_at_ms, queue, type, priority, attempts, locked_by`,
    [
      options.id,
      options.leaseMs,
      leaseHash(options.token),
      options.progressJson ?? null,
      options.now ?? null,
    ],
  );
  const row = rows[0];
  return row
    ? {
        expiresAt: new Date(row.expires_at_ms),
        queue: row.queue,
        type: row.type,
        priority: row.priority,
        attempt: row.attempts,
        lockedBy: row.locked_by,
      }
    : undefined;
}

/** A running task as a complete or fail sees it before the fenced write. */
export interface LeaseHolder {
  id: string;
  queue: string;
  type: string;
  priority: number;
  attempts: number;
  maxAttempts: number;
  backoffMs: number;
  lockedBy: string;
  startedAt: Date;
}

/**
 * The live leases among these (id, token) pairs, in one statement: a task appears only while its
 * token holds it; a lost lease, a wrong token or an unknown id is simply absent.
 */
export async function findLeases(
  pool: Pool,
  options: { leases: ReadonlyArray<{ id: string; token: string }>; leaseMs: number; now?: Date | null },
): Promise<Map<string, LeaseHolder>> {
  const { rows } = await pool.query<{
    id: string;
    queue: string;
    type: string;
    priority: number;
    attempts: number;
    max_attempts: number;
    backoff_ms: number;
    locked_by: string;
    started_at: Date;
  }>(
    `select t.id, t.queue, t.type, t.priority, t.attempts, t.max_attempts, t.backoff_ms, t.locked_by, t.started_at
     from unnest($1::uuid[], $3::text[]) as r(id, hash)
     join tasks t on t.id = r.id and right(t.locked_by, 33) = '/' || r.hash
     where ${alive(statementNow('$4'), 't.')}`,
    [
      options.leases.map((lease) => lease.id),
      options.leaseMs,
      options.leases.map((lease) => leaseHash(lease.token)),
      options.now ?? null,
    ],
  );
  return new Map(
    rows.map((row) => [
      row.id,
      {
        id: row.id,
        queue: row.queue,
        type: row.type,
        priority: row.priority,
        attempts: row.attempts,
        maxAttempts: row.max_attempts,
        backoffMs: row.backoff_ms,
        lockedBy: row.locked_by,
        startedAt: row.started_at,
      },
    ]),
  );
}

export interface ExpiredLease {
  id: string;
  queue: string;
  type: string;
  priority: number;
  lockedBy: string;
  status: 'retrying' | 'dead';
  attempts: number;
  error: string;
}

/**
 * Frees every expired HTTP-worker lease like a dead node's running task: a failed attempt
 * ("worker lost") that retries at once, or dead when its attempts are spent; one history row
 * each. SKIP LOCKED, so two nodes running this round never both act on one task.
 */
export async function expireLeases(
  pool: Pool,
  options: { leaseMs: number; now?: Date | null },
): Promise<ExpiredLease[]> {
  const now = statementNow('$2');
  const { rows } = await pool.query<{
    id: string;
    queue: string;
    type: string;
    priority: number;
    locked_by: string;
    status: 'retrying' | 'dead';
    attempts: number;
    error: string;
  }>(
    `with expired as (
       select id, locked_by,
              (timeout_ms is not null and started_at + timeout_ms * interval '1 millisecond' <= ${now}) as timed_out
       from tasks
       where status = 'running' and locked_by like 'worker:%'
         and (locked_at < ${now} - $1 * interval '1 millisecond'
              or (timeout_ms is not null and started_at + timeout_ms * interval '1 millisecond' <= ${now}))
       for update skip locked
     ),
     freed as (
       update tasks t set
         status = case when t.attempts >= t.max_attempts then 'dead' else 'retrying' end,
         error = case when e.timed_out then 'TaskTimeoutError: ran past its timeout of ' || t.timeout_ms || ' ms'
                      else 'worker lost: the lease of ' || split_part(e.locked_by, '/', 1) || ' expired' end,
         finished_at = case when t.attempts >= t.max_attempts then ${now} else null end,
         run_at = ${now},
         locked_by = null,
         locked_at = null
       from expired e where t.id = e.id
       returning t.id, t.queue, t.type, t.priority, e.locked_by, t.status, t.attempts, t.error
     ),
     events as (
       insert into task_events (task_id, at, from_status, to_status, attempt, node_id, error)
       select id, ${now}, 'running', status, attempts, locked_by, error from freed
     ),
     notified as (select pg_notify('${ENQUEUE_CHANNEL}', queue) from (select distinct queue from freed where status = 'retrying') q)
     select *, (select count(*) from notified) from freed`,
    [options.leaseMs, options.now ?? null],
  );
  return rows.map((row) => ({
    id: row.id,
    queue: row.queue,
    type: row.type,
    priority: row.priority,
    lockedBy: row.locked_by,
    status: row.status,
    attempts: row.attempts,
    error: row.error,
  }));
}

/** Marks workers as heard from now. */
export async function touchWorkers(
  pool: Pool,
  names: readonly string[],
  now: Date | null = null,
): Promise<void> {
  if (names.length === 0) return;
  await pool.query(
    `insert into workers (name, first_seen_at, last_seen_at)
     select name, ${statementNow('$2')}, ${statementNow('$2')} from unnest($1::text[]) as name
     on conflict (name) do update set last_seen_at = excluded.last_seen_at`,
    [names, now],
  );
}

export interface WorkerRow {
  name: string;
  firstSeenAt: Date;
  lastSeenAt: Date;
  running: number;
}

/** Workers heard from within `withinMs`, newest first, with how many tasks each holds now. */
export async function listWorkers(
  pool: Pool,
  options: { withinMs: number; now?: Date | null },
): Promise<WorkerRow[]> {
  const [seen, held] = await Promise.all([
    pool.query<{ name: string; first_seen_at: Date; last_seen_at: Date }>(
      `select name, first_seen_at, last_seen_at from workers
       where last_seen_at >= ${statementNow('$2')} - $1 * interval '1 millisecond'
       order by last_seen_at desc, name limit 1000`,
      [options.withinMs, options.now ?? null],
    ),
    pool.query<{ name: string; n: number }>(
      `select split_part(substr(locked_by, 8), '/', 1) as name, count(*)::int as n from tasks
       where status = 'running' and locked_by like 'worker:%' group by 1`,
    ),
  ]);
  const running = new Map(held.rows.map((row) => [row.name, row.n]));
  return seen.rows.map((row) => ({
    name: row.name,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    running: running.get(row.name) ?? 0,
  }));
}
