import type pg from 'pg';
import type { FlowLimits } from '../../model/flow-limits.js';
import { statementNow } from './statement-now.js';

/** Most keys one claim walks past (keys at their cap included) before it stops looking. */
const MAX_KEYS_WALKED = 1000;

/** The statement's time: the caller's clock ($7) or the database's. */
const NOW = statementNow('$7');

/** What a waiting task of a key waits on; with `{max:n}` a single claim never takes more. */
const KEYED_READY = `t.queue = $1 and t.status in ('queued', 'retrying') and t.locked_by is null
        and t.concurrency_key is not null and t.run_at <= ${NOW} and ($5::text[] is null or t.type = any($5::text[]))`;

/**
 * The claim of a queue with flow limits (a rate limit, a cap per concurrency key, or keyed tasks):
 * picks and row-locks up to `limit` ready tasks and books them against the limits, inside the
 * caller's transaction. The caller then marks them claimed (a node's buffer) or started (an HTTP
 * worker's lease) in the same transaction.
 *
 * Claims of one limited queue are serialised by a transaction-level advisory lock taken here in
 * its own statement, so this statement's snapshot already sees every claim committed before it:
 * two instances can never both book the same free slot. Under the lock:
 * - the rate window (queues.rate_window_*) grants `max - used` starts, or a fresh `max` once the
 *   window of `perMs` that opened with its first start has passed;
 * - keys are walked from queues.key_cursor on (a skip scan over tasks_key_ready_idx, wrapping
 *   round), skipping keys whose claimed-or-running tasks (tasks_key_active_idx) reach the cap;
 *   tasks without a key count as one more group, placed where the walk wraps;
 * - the picks are taken round-robin: every walked key's first task, then every key's second, …,
 *   so a key with 100,000 waiting tasks delays another key's single task by at most one round.
 * The cursor moves to the last group served. Returns the picked ids, locked FOR UPDATE, and when
 * the rate window is used up, how long until it reopens (by `now`, else the database clock).
 */
export async function pickLimited(
  client: pg.PoolClient,
  options: {
    queue: string;
    limit: number;
    limits: FlowLimits;
    types?: readonly string[];
    /** The time due-ness and the rate window are measured by; the database clock when null. */
    now?: Date | null;
  },
): Promise<{ ids: string[]; rateLimitedForMs: number | null }> {
  await client.query(`select pg_advisory_xact_lock(hashtextextended('pgtask.claim:' || $1, 0))`, [
    options.queue,
  ]);
  const rate = options.limits.rateLimit;
  // A named statement: this recursive query takes ~7 ms to plan and ~0.3 ms to run, so each
  // connection plans it once (PostgreSQL's plan cache) instead of on every claim.
  const { rows } = await client.query<{ ids: string[] | null; reopens_in_ms: number | null }>({
    name: 'pgtask_pick_limited',
    text: `with recursive
     budget as (
       select least($2::int, case
                when coalesce(q.paused, false) then 0
                when $3::int is null then $2::int
                when q.rate_window_started_at is null
                  or q.rate_window_started_at + $4::int * interval '1 millisecond' <= ${NOW} then $3::int
                else greatest(0, $3::int - q.rate_window_count) end) as n,
              q.key_cursor as cursor,
              case when $3::int is not null and q.rate_window_count >= $3::int
                     and q.rate_window_started_at + $4::int * interval '1 millisecond' > ${NOW}
                   then extract(epoch from q.rate_window_started_at + $4::int * interval '1 millisecond' - ${NOW}) * 1000
              end::float8 as reopens_in_ms
       from (select 1) one left join queues q on q.name = $1
     ),
     walk(key, pass, step, free, found) as (
       select k.key, k.pass, 1, f.free, (f.free > 0)::int
       from (
         (select t.concurrency_key as key, 0 as pass from tasks t
          where ${KEYED_READY} and t.concurrency_key > coalesce((select cursor from budget), '')
          order by t.concurrency_key limit 1)
         union all
         (select t.concurrency_key, 1 from tasks t
          where (select cursor from budget) is not null and ${KEYED_READY}
            and t.concurrency_key <= (select cursor from budget)
          order by t.concurrency_key limit 1)
         limit 1
       ) k
       cross join lateral (
         select coalesce($6::int, 2147483647) - count(*)::int as free from tasks a
         where a.queue = $1 and a.concurrency_key = k.key and a.locked_by is not null
       ) f
       where (select n from budget) > 0
       union all
       select k.key, k.pass, w.step + 1, f.free, w.found + (f.free > 0)::int
       from walk w
       cross join lateral (
         (select t.concurrency_key as key, w.pass as pass from tasks t
          where ${KEYED_READY} and t.concurrency_key > w.key
            and (w.pass = 0 or t.concurrency_key <= (select cursor from budget))
          order by t.concurrency_key limit 1)
         union all
         (select t.concurrency_key, 1 from tasks t
          where w.pass = 0 and (select cursor from budget) is not null and ${KEYED_READY}
            and t.concurrency_key <= (select cursor from budget)
          order by t.concurrency_key limit 1)
         limit 1
       ) k
       cross join lateral (
         select coalesce($6::int, 2147483647) - count(*)::int as free from tasks a
         where a.queue = $1 and a.concurrency_key = k.key and a.locked_by is not null
       ) f
       where w.step < ${MAX_KEYS_WALKED} and w.found < (select n from budget)
     ),
     keyed as (
       select c.id, w.key, c.rn, w.step::float8 as pos
       from walk w
       cross join lateral (
         select t.id, row_number() over (order by t.priority desc, t.run_at, t.id) as rn from (
           select t.id, t.priority, t.run_at from tasks t
           where ${KEYED_READY} and t.concurrency_key = w.key
           order by t.priority desc, t.run_at, t.id
           limit greatest(0, least(w.free, (select n from budget)))
         ) t
       ) c
       where w.free > 0
     ),
     unkeyed as (
       select t.id, '' as key, row_number() over (order by t.priority desc, t.run_at, t.id) as rn,
              -- In the circular order of keys, the group without a key sits where the walk wraps.
              coalesce((select max(step) from walk where pass = 0), 0) + 0.5 as pos
       from (
         select t.id, t.priority, t.run_at from tasks t
         where t.queue = $1 and t.status in ('queued', 'retrying') and t.locked_by is null
           and t.concurrency_key is null and t.run_at <= ${NOW} and ($5::text[] is null or t.type = any($5::text[]))
         order by t.priority desc nulls last, t.run_at, t.id
         limit (select n from budget)
       ) t
     ),
     chosen as (
       select id, key, rn, pos from (select * from keyed union all select * from unkeyed) c
       order by rn, pos
       limit (select n from budget)
     ),
     locked as (
       select t.id from tasks t
       where t.id = any(array(select id from chosen)) and t.status in ('queued', 'retrying') and t.locked_by is null
       for update skip locked
     ),
     booked as (
       update queues q set
         rate_window_started_at = case
           when $3::int is null then q.rate_window_started_at
           when q.rate_window_started_at is null
             or q.rate_window_started_at + $4::int * interval '1 millisecond' <= ${NOW} then ${NOW}
           else q.rate_window_started_at end,
         rate_window_count = case
           when $3::int is null then q.rate_window_count
           when q.rate_window_started_at is null
             or q.rate_window_started_at + $4::int * interval '1 millisecond' <= ${NOW} then (select count(*) from locked)
           else q.rate_window_count + (select count(*) from locked) end,
         key_cursor = coalesce((select key from chosen order by rn desc, pos desc limit 1), q.key_cursor)
       where q.name = $1 and exists (select 1 from locked)
       returning 1
     )
     select array(select id from locked) as ids, (select count(*) from booked) as booked,
            (select reopens_in_ms from budget) as reopens_in_ms`,
    values: [
      options.queue,
      options.limit,
      rate?.max ?? null,
      rate?.perMs ?? null,
      options.types ?? null,
      options.limits.maxPerKey,
      options.now ?? null,
    ],
  });
  const reopensInMs = rows[0]?.reopens_in_ms;
  return {
    ids: rows[0]?.ids ?? [],
    rateLimitedForMs: reopensInMs === null || reopensInMs === undefined ? null : Math.ceil(reopensInMs),
  };
}

/** Where a queue's rate window stands, for "why isn't my task running". */
export async function rateWindowOf(
  db: Pick<pg.Pool, 'query'>,
  queue: string,
  now: Date | null = null,
): Promise<{ startedAt: Date | null; count: number; now: Date } | undefined> {
  const { rows } = await db.query<{ started_at: Date | null; count: number; now: Date }>(
    `select rate_window_started_at as started_at, rate_window_count as count, ${statementNow('$2')} as now
     from queues where name = $1`,
    [queue, now],
  );
  const row = rows[0];
  return row ? { startedAt: row.started_at, count: row.count, now: row.now } : undefined;
}

/** How many tasks of one key are claimed or running now (what holds the key's slots). */
export async function activeForKey(
  db: Pick<pg.Pool, 'query'>,
  options: { queue: string; key: string },
): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `select count(*)::int as n from tasks
     where queue = $1 and concurrency_key = $2 and locked_by is not null`,
    [options.queue, options.key],
  );
  return rows[0]?.n ?? 0;
}
