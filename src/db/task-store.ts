import type { Pool } from 'pg';
import type { RuntimeLimits } from '../model/flow-limits.js';
import type {
  QueueSummary,
  Task,
  TaskHistoryEntry,
  TaskListFilter,
  TaskPage,
  TaskStatus,
} from '../model/task.js';
import { CANCEL_CHANNEL, ENQUEUE_CHANNEL, QUEUE_CHANNEL } from './channels.js';
import { isSealed, openStored, type PayloadCipher } from './payload-cipher.js';
import { type QueueState, readQueueStates, readQueueSummaries } from './queue-states.js';
import { statementNow } from './sql/statement-now.js';
import { dependenciesOf, lockParentsOf, settleChildren } from './sql/task-dependencies.js';
import { TASK_COLUMNS, type TaskEventRow, type TaskRow, toHistoryEntry, toTask } from './task-row.js';
import type { Queryable } from './transaction.js';

/** Reads and operator changes (retry, cancel, pause; `now`: Clock.sqlNow()). The hot path is in sql/. */
export class TaskStore {
  /**
   * `cipher` is set when payloads and results are encrypted at rest: every task read here comes
   * back decrypted, or throws DecryptionError when its key is missing or wrong.
   */
  constructor(
    private readonly pool: Pool,
    readonly cipher?: PayloadCipher,
  ) {}

  #toTask = (row: TaskRow): Task => {
    const task = toTask(row);
    if (!this.cipher && !isSealed(task.payload) && !isSealed(task.result)) return task;
    task.payload = openStored(this.cipher, task.payload, `payload of task ${task.id}`);
    task.result = openStored(this.cipher, task.result, `result of task ${task.id}`);
    return task;
  };

  async getTask(id: string, db: Queryable = this.pool): Promise<Task | undefined> {
    const { rows } = await db.query<TaskRow>(`select ${TASK_COLUMNS} from tasks where id = $1`, [id]);
    return rows[0] ? this.#toTask(rows[0]) : undefined;
  }

  /** The tasks among these ids, in no particular order; an id with no task is left out. */
  async getTasks(ids: readonly string[]): Promise<Task[]> {
    const sql = `select ${TASK_COLUMNS} from tasks where id = any($1::uuid[])`;
    return (await this.pool.query<TaskRow>(sql, [ids])).rows.map(this.#toTask);
  }

  /**
   * A task's history in order. Pass the task's `createdAt` when it is known: its events are never
   * older than the task (a day of slack for node clocks), and a bound given as a parameter lets
   * PostgreSQL plan only the daily partitions from that day on. Measured with 36 partitions: a
   * recent task's history reads 2.4× faster than unbounded; a bound read from tasks inside the
   * statement is pruned only at run time and was slower than none, since the plan still covers
   * every partition.
   */
  async getHistory(id: string, options: { createdAt?: Date } = {}): Promise<TaskHistoryEntry[]> {
    const since = options.createdAt ? new Date(options.createdAt.getTime() - 86_400_000) : null;
    const { rows } = await this.pool.query<TaskEventRow>(
      since
        ? `select id, at, from_status, to_status, attempt, node_id, error from task_events
            where task_id = $1 and at >= $2 order by id`
        : `select id, at, from_status, to_status, attempt, node_id, error from task_events
            where task_id = $1 order by id`,
      since ? [id, since] : [id],
    );
    return rows.map(toHistoryEntry);
  }

  /** A task's parents (with their status) and the tasks that depend on it. */
  dependencies(id: string): ReturnType<typeof dependenciesOf> {
    return dependenciesOf(this.pool, id);
  }

  /** How many due, waiting tasks of the same queue run before this one (bounded count). */
  async countAhead(task: Task, cap = 10_000): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      `select count(*)::int as n from (
         select 1 from tasks
         where queue = $1 and status in ('queued', 'retrying') and run_at <= now() and id <> $5
           and (priority > $2 or (priority = $2 and (run_at, id) < ($3, $5::uuid)))
         limit $4
       ) ahead`,
      [task.queue, task.priority, task.runAt, cap, task.id],
    );
    return rows[0]?.n ?? 0;
  }

  async runningCount(queue: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      `select count(*)::int as n from tasks where queue = $1 and status = 'running'`,
      [queue],
    );
    return rows[0]?.n ?? 0;
  }

  /**
   * dead or cancelled → queued with a fresh attempt budget. Returns undefined when not in such a
   * state. A task with parents goes back to blocked and its parents are re-evaluated (locked
   * first, so none ends unseen): succeeded ones count at once; a dead or cancelled one cancels it
   * again under onParentFailure "cancel" (the caller decides whether that is an answer).
   */
  async retry(
    id: string,
    maxAttempts: number | null,
    db: Queryable = this.pool,
    now: Date | null = null,
  ): Promise<Task | undefined> {
    await lockParentsOf(db, id);
    const { rows } = await db.query<TaskRow>(
      `with changed as (
         update tasks set status = case when pending_parents is null then 'queued' else 'blocked' end,
           pending_parents = case when pending_parents is null then null
             else (select count(*) from task_dependencies where child_id = $1) end,
           attempts = 0, max_attempts = coalesce($2, max_attempts),
           run_at = ${statementNow('$3')}, error = null, result = null, finished_at = null, started_at = null,
           locked_by = null, locked_at = null
         where id = $1 and status in ('dead', 'cancelled')
         returning ${TASK_COLUMNS}, (select status from tasks where id = $1) as previous
       ),
       reset as (
         update task_dependencies set resolved = false
         where child_id = $1 and exists (select 1 from changed where status = 'blocked')
       ),
       events as (
         insert into task_events (task_id, at, from_status, to_status, attempt)
         select id, ${statementNow('$3')}, previous, status, 0 from changed
       ),
       notified as (select pg_notify('${ENQUEUE_CHANNEL}', queue) from changed where status = 'queued')
       select *, (select count(*) from notified) from changed`,
      [id, maxAttempts, now],
    );
    const row = rows[0];
    if (!row) return undefined;
    if (row.status !== 'blocked') return this.#toTask(row);
    await settleChildren(db, [id]);
    return this.getTask(id, db);
  }

  /** Retries every dead task matching the filter, in one statement. */
  async retryDead(
    filter: { ids?: readonly string[]; queue?: string; type?: string },
    db: Queryable = this.pool,
    now: Date | null = null,
  ): Promise<Task[]> {
    const { rows } = await db.query<TaskRow>(
      `with changed as (
         update tasks set status = 'queued', attempts = 0, run_at = ${statementNow('$4')}, error = null, result = null,
           finished_at = null, started_at = null, locked_by = null, locked_at = null
         where status = 'dead'
           and ($1::uuid[] is null or id = any($1::uuid[]))
           and ($2::text is null or queue = $2)
           and ($3::text is null or type = $3)
         returning ${TASK_COLUMNS}
       ),
       events as (
         insert into task_events (task_id, at, from_status, to_status, attempt)
         select id, ${statementNow('$4')}, 'dead', 'queued', 0 from changed
       ),
       notified as (select pg_notify('${ENQUEUE_CHANNEL}', queue) from (select distinct queue from changed) q)
       select *, (select count(*) from notified) from changed`,
      [filter.ids ?? null, filter.queue ?? null, filter.type ?? null, now],
    );
    return rows.map(this.#toTask);
  }

  /**
   * Cancels a task that has not finished. A running one is fenced off (its late outcome will not
   * match) and every node is told to abort it or drop it from its buffer.
   */
  async cancel(
    id: string,
    db: Queryable = this.pool,
    now: Date | null = null,
  ): Promise<{ task: Task; previous: TaskStatus } | undefined> {
    const { rows } = await db.query<TaskRow & { previous: TaskStatus }>(
      `with previous as (
         select id, status, attempts, locked_by from tasks
         where id = $1 and status in ('blocked', 'queued', 'retrying', 'running') for update
       ),
       changed as (
         update tasks t set status = 'cancelled', finished_at = ${statementNow('$2')}, locked_by = null, locked_at = null
         from previous p where t.id = p.id
         returning ${TASK_COLUMNS.split(',')
           .map((column) => `t.${column.trim()}`)
           .join(', ')}, p.status as previous, p.locked_by as previous_lock
       ),
       events as (
         insert into task_events (task_id, at, from_status, to_status, attempt, node_id)
         select id, ${statementNow('$2')}, previous, 'cancelled', attempts, previous_lock from changed
       ),
       notified as (select pg_notify('${CANCEL_CHANNEL}', id::text) from changed)
       select *, (select count(*) from notified) from changed`,
      [id, now],
    );
    const row = rows[0];
    return row ? { task: this.#toTask(row), previous: row.previous } : undefined;
  }

  async setPaused(queue: string, paused: boolean, db: Queryable = this.pool): Promise<void> {
    await db.query(
      `with upserted as (
         insert into queues (name, paused, updated_at) values ($1, $2, now())
         on conflict (name) do update set paused = excluded.paused, updated_at = now()
       )
       select pg_notify('${QUEUE_CHANNEL}', $1)`,
      [queue, paused],
    );
  }

  /** Makes configured queues visible (listings, pause) before their first task arrives. */
  async ensureQueues(names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    await this.pool.query(
      `insert into queues (name) select unnest($1::text[]) on conflict (name) do nothing`,
      [names],
    );
  }

  /** Every queue's shared state (pause flag, run-time flow limits, keyed tasks waiting). */
  queueStates(): Promise<Map<string, QueueState>> {
    return readQueueStates(this.pool);
  }

  /**
   * Merges run-time flow limits into a queue's row (creating it), and tells every node. A field
   * given as null is stored as null (off); an absent field is left as it was.
   */
  async setLimits(queue: string, limits: RuntimeLimits, db: Queryable = this.pool): Promise<RuntimeLimits> {
    const { rows } = await db.query<{ limits: RuntimeLimits }>(
      `with upserted as (
         insert into queues (name, limits, updated_at) values ($1, $2::jsonb, now())
         on conflict (name) do update set limits = coalesce(queues.limits, '{}'::jsonb) || excluded.limits,
                                          updated_at = now()
         returning limits
       ),
       notified as (select pg_notify('${QUEUE_CHANNEL}', $1))
       select limits, (select count(*) from notified) from upserted`,
      [queue, JSON.stringify(limits)],
    );
    return rows[0]?.limits ?? {};
  }

  /** Counts per queue and status, and the age of each queue's oldest due task (see readQueueSummaries). */
  queueSummaries(concurrency: (queue: string) => number): Promise<QueueSummary[]> {
    return readQueueSummaries(this.pool, concurrency);
  }

  /** Keyset-paginated listing, newest first (ids are uuid v7, so id order is creation order). */
  async listTasks(filter: TaskListFilter): Promise<TaskPage> {
    const { rows } = await this.pool.query<TaskRow>(
      `select ${TASK_COLUMNS} from tasks
       where ($1::text is null or queue = $1)
         and ($2::text is null or status = $2)
         and ($3::text is null or type = $3)
         and ($4::jsonb is null or payload @> $4::jsonb)
         and ($5::uuid is null or id < $5::uuid)
       order by id desc
       limit $6`,
      [
        filter.queue ?? null,
        filter.status ?? null,
        filter.type ?? null,
        filter.payload ? JSON.stringify(filter.payload) : null,
        filter.after ?? null,
        filter.limit + 1,
      ],
    );
    const tasks = rows.slice(0, filter.limit).map(this.#toTask);
    return rows.length > filter.limit ? { tasks, next: tasks[tasks.length - 1]?.id } : { tasks };
  }

  /** Waiting tasks in the order they will be claimed. */
  async pending(options: { queue?: string; limit: number }): Promise<Task[]> {
    const { rows } = await this.pool.query<TaskRow>(
      `select ${TASK_COLUMNS} from tasks
       where status in ('queued', 'retrying') and ($1::text is null or queue = $1)
       order by priority desc nulls last, run_at, id
       limit $2`,
      [options.queue ?? null, options.limit],
    );
    return rows.map(this.#toTask);
  }

  /** Waiting tasks, counted up to `cap` (the backlog limit check must not scan a huge table). */
  /**
   * Moves the committed rows of queue_count_deltas into queue_counts in one statement (rows of
   * transactions still open are invisible to it and wait for the next round).
   */
  async foldQueueCountDeltas(): Promise<void> {
    await this.pool.query(
      `with moved as (delete from queue_count_deltas returning queue, status, delta)
       insert into queue_counts (queue, status, count)
       select queue, status, sum(delta) from moved group by queue, status order by queue, status
       on conflict (queue, status) do update set count = queue_counts.count + excluded.count`,
    );
  }

  async backlogAtLeast(cap: number): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      `select count(*)::int as n from (select 1 from tasks where status in ('queued', 'retrying') limit $1) w`,
      [cap],
    );
    return rows[0]?.n ?? 0;
  }
}
