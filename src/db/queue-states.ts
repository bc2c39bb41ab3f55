import type { RuntimeLimits } from '../model/flow-limits.js';
import { type QueueSummary, TASK_STATUSES, type TaskStatus } from '../model/task.js';
import type { Queryable } from './transaction.js';

/** A queue's state shared by every node: what its claims must respect. */
export interface QueueState {
  paused: boolean;
  limits: RuntimeLimits | null;
  keyed: boolean;
}

/**
 * Every queue's shared state: pause flag, run-time flow limits, and whether keyed tasks wait in
 * it (one probe of tasks_key_ready_idx per queue).
 */
export async function readQueueStates(db: Queryable): Promise<Map<string, QueueState>> {
  const { rows } = await db.query<{
    name: string;
    paused: boolean;
    limits: RuntimeLimits | null;
    keyed: boolean;
  }>(
    `select q.name, q.paused, q.limits,
            exists (select 1 from tasks t
                    where t.queue = q.name and t.status in ('queued', 'retrying') and t.locked_by is null
                      and t.concurrency_key is not null) as keyed
     from queues q`,
  );
  return new Map(rows.map((row) => [row.name, { paused: row.paused, limits: row.limits, keyed: row.keyed }]));
}

/**
 * Counts per queue and status from queue_counts (kept by triggers), and the age of each queue's
 * oldest due task from the ready index: cost independent of the table's size.
 */
export async function readQueueSummaries(
  db: Queryable,
  concurrency: (queue: string) => number,
): Promise<QueueSummary[]> {
  const [counts, oldest, states] = await Promise.all([
    db.query<{ queue: string; status: TaskStatus; n: number }>(
      // Deltas not folded yet (tasks enqueued inside callers' transactions) are added here;
      // float8 keeps the sum a JS number whatever int8 parser the pool has.
      `select queue, status, sum(n)::float8 as n from (
         select queue, status, count as n from queue_counts
         union all
         select queue, status, delta from queue_count_deltas
       ) c group by queue, status having sum(n) <> 0`,
    ),
    db.query<{ queue: string; age_ms: number }>(
      `select q.name as queue,
              (select extract(epoch from now() - min(run_at)) * 1000 from (
                 (select run_at from tasks
                  where queue = q.name and status in ('queued', 'retrying') and locked_by is null
                    and concurrency_key is null and run_at <= now()
                  order by run_at limit 1)
                 union all
                 -- Keyed tasks sit in the key index (ordered by key): their minimum is a scan of
                 -- that queue's keyed backlog, paid once per cached summary.
                 (select min(run_at) from tasks
                  where queue = q.name and status in ('queued', 'retrying') and locked_by is null
                    and concurrency_key is not null and run_at <= now())) o)::float8 as age_ms
       from queues q`,
    ),
    readQueueStates(db),
  ]);
  const summaries = new Map<string, QueueSummary>();
  const summary = (name: string) => {
    let entry = summaries.get(name);
    if (!entry) {
      entry = {
        name,
        paused: states.get(name)?.paused ?? false,
        concurrency: concurrency(name),
        counts: Object.fromEntries(TASK_STATUSES.map((status) => [status, 0])) as Record<TaskStatus, number>,
        oldestWaitingMs: null,
        // Flow limits are the engine's to combine (config and run time): filled in above db/.
        rateLimit: null,
        maxPerKey: null,
        limitsSource: { rateLimit: 'none', maxPerKey: 'none' },
      };
      summaries.set(name, entry);
    }
    return entry;
  };
  for (const name of states.keys()) summary(name);
  for (const row of counts.rows) summary(row.queue).counts[row.status] = row.n;
  for (const row of oldest.rows) {
    if (row.age_ms !== null) summary(row.queue).oldestWaitingMs = Math.max(0, Math.round(row.age_ms));
  }
  return [...summaries.values()].sort((a, b) => a.name.localeCompare(b.name));
}
