import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

import type { TaskStatus } from '../model/task.js';

export { TASK_STATUSES, type TaskStatus } from '../model/task.js';

const timestamptz = <Name extends string>(name: Name) =>
  timestamp(name, { withTimezone: true, mode: 'date' });

export const tasks = pgTable(
  'tasks',
  {
    id: uuid('id').primaryKey(),
    queue: text('queue').notNull().default('default'),
    type: text('type').notNull(),
    priority: integer('priority').notNull().default(0),
    status: text('status').$type<TaskStatus>().notNull().default('queued'),
    payload: jsonb('payload').notNull().default({}),
    result: jsonb('result'),
    error: text('error'),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull(),
    backoffMs: integer('backoff_ms').notNull(),
    timeoutMs: integer('timeout_ms'),
    runAt: timestamptz('run_at').notNull().defaultNow(),
    dedupeKey: text('dedupe_key'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    createdBy: text('created_by'),
    startedAt: timestamptz('started_at'),
    finishedAt: timestamptz('finished_at'),
    lockedBy: text('locked_by'),
    lockedAt: timestamptz('locked_at'),
    /** The handler's latest `ctx.progress`: {fraction, message, at}; reset when an attempt starts. */
    progress: jsonb('progress'),
    /** Tasks sharing a key (a tenant, an account) run at most `maxPerKey` at once in their queue. */
    concurrencyKey: text('concurrency_key'),
    /** Parents (dependsOn) not resolved yet; null for a task without parents. */
    pendingParents: integer('pending_parents'),
    /** `cancel` or `run`: what a dead or cancelled parent does to it; null without parents. */
    onParentFailure: text('on_parent_failure').$type<'cancel' | 'run'>(),
    /** Some task depends on this one: its end fires the dependency trigger (see migrations). */
    hasDependents: boolean('has_dependents').notNull().default(false),
    /** `uniqueFor` at enqueue: how long the key stays taken after the task ended (null: no window). */
    uniqueForMs: bigint('unique_for_ms', { mode: 'number' }),
    /** Set when a task with a window ends (succeeded or dead): its key is taken until then. */
    keyHeldUntil: timestamptz('key_held_until'),
  },
  (t) => [
    // The claim path: ready work per queue in dispatch order, unclaimed only. Tasks with a
    // concurrency key are claimed by key (the two indexes below), never from these.
    index('tasks_ready_idx')
      .on(t.queue, t.priority.desc(), t.runAt, t.id)
      .where(sql`status in ('queued', 'retrying') and locked_by is null and concurrency_key is null`),
    // The starvation share of each claim: the oldest waiting work whatever its priority.
    index('tasks_ready_oldest_idx')
      .on(t.queue, t.runAt, t.id)
      .where(sql`status in ('queued', 'retrying') and locked_by is null and concurrency_key is null`),
    // The keyed claim walks the distinct keys of a queue (a skip scan) and takes each key's next
    // tasks in dispatch order.
    index('tasks_key_ready_idx')
      .on(t.queue, t.concurrencyKey, t.priority.desc(), t.runAt, t.id)
      .where(sql`status in ('queued', 'retrying') and locked_by is null and concurrency_key is not null`),
    // What holds a key's slots: its tasks claimed into a buffer or running (locked_by set).
    index('tasks_key_active_idx')
      .on(t.queue, t.concurrencyKey)
      .where(sql`locked_by is not null and concurrency_key is not null`),
    // Dedupe holds while a task is pending or running, and after it ended for its unique window
    // (key_held_until, released once past by the enqueue that needs the key), so a key is reused
    // only once both are over.
    uniqueIndex('tasks_dedupe_idx')
      .on(t.queue, t.dedupeKey)
      .where(
        sql`dedupe_key is not null and (status in ('blocked', 'queued', 'running', 'retrying') or key_held_until is not null)`,
      ),
    // Rescue and shutdown find a node's leases without scanning.
    index('tasks_locked_by_idx').on(t.lockedBy).where(sql`locked_by is not null`),
    // Listings by queue and status, newest first. Succeeded rows (the bulk of the table) are left
    // out: every index entry is paid on the hot path, and a pkey scan finds succeeded rows anyway.
    index('tasks_queue_status_idx').on(t.queue, t.status, t.id).where(sql`status <> 'succeeded'`),
    // Retention: only finished rows carry an entry.
    index('tasks_finished_idx').on(t.finishedAt).where(sql`status in ('succeeded', 'dead', 'cancelled')`),
    // HTTP workers' leases (locked_by 'worker:<name>/<lease>'), by last heartbeat: the expiry
    // round and GET /workers read only these entries.
    index('tasks_worker_leases_idx')
      .on(t.lockedAt)
      .where(sql`status = 'running' and locked_by like 'worker:%'`),
    index('tasks_payload_idx').using('gin', sql`${t.payload} jsonb_path_ops`),
  ],
);

/**
 * Partitioned by day on `at` (UTC) since migration 0019, which drizzle-kit cannot express: the
 * real primary key is (id, at), daily partitions are task_events_pYYYYMMDD, the table as it was
 * before is task_events_legacy, and task_events_default takes rows no day covers yet. See
 * src/db/event-partitions.ts. The key stays declared as (id) here on purpose: the snapshot of a
 * custom migration is the one before it, so declaring (id, at) would make the next
 * `npm run db:generate` emit a key change that a partitioned table does not need.
 */
export const taskEvents = pgTable(
  'task_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    taskId: uuid('task_id').notNull(),
    at: timestamptz('at').notNull().defaultNow(),
    fromStatus: text('from_status').$type<TaskStatus>(),
    toStatus: text('to_status').$type<TaskStatus>().notNull(),
    attempt: integer('attempt').notNull().default(0),
    nodeId: text('node_id'),
    error: text('error'),
  },
  (t) => [index('task_events_task_idx').on(t.taskId, t.id)],
);

/**
 * Edges of the workflow graph: `child_id` waits for `parent_id`. `resolved` turns true once the
 * parent's end counted for the child (succeeded, or ended at all for onParentFailure "run"), so
 * each edge lowers the child's pending_parents exactly once.
 */
export const taskDependencies = pgTable(
  'task_dependencies',
  {
    parentId: uuid('parent_id').notNull(),
    childId: uuid('child_id').notNull(),
    resolved: boolean('resolved').notNull().default(false),
    /**
     * Stored by an enqueue inside a caller's transaction: the child is attached (its parents locked
     * and marked) when that transaction commits, not at enqueue (see the migration).
     */
    attachAtCommit: boolean('attach_at_commit').notNull().default(false),
  },
  (t) => [
    primaryKey({ columns: [t.parentId, t.childId] }),
    index('task_dependencies_child_idx').on(t.childId),
    // Empty but for the edges of caller transactions about to commit.
    index('task_dependencies_attach_idx').on(t.childId).where(sql`attach_at_commit`),
  ],
);

export const nodes = pgTable('nodes', {
  id: text('id').primaryKey(),
  hostname: text('hostname').notNull(),
  pid: integer('pid').notNull(),
  startedAt: timestamptz('started_at').notNull().defaultNow(),
  heartbeatAt: timestamptz('heartbeat_at').notNull().defaultNow(),
  stoppedAt: timestamptz('stopped_at'),
});

/**
 * Task counts per queue and status, kept exact by statement-level triggers on `tasks` (see the
 * custom migration), so GET /queues and the dashboard never count a large table.
 */
export const queueCounts = pgTable(
  'queue_counts',
  {
    queue: text('queue').notNull(),
    status: text('status').$type<TaskStatus>().notNull(),
    count: bigint('count', { mode: 'number' }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.queue, t.status] })],
);

/**
 * Count changes not yet folded into `queue_counts`: tasks enqueued inside a caller's transaction
 * append here (no shared row, so a long caller transaction blocks no other enqueuer); the lease
 * round folds committed rows in, and readers add what is left.
 */
export const queueCountDeltas = pgTable('queue_count_deltas', {
  queue: text('queue').notNull(),
  status: text('status').$type<TaskStatus>().notNull(),
  delta: bigint('delta', { mode: 'number' }).notNull(),
});

/** Queue state shared by every node: pause flag and concurrency set at run time. */
export const queues = pgTable('queues', {
  name: text('name').primaryKey(),
  paused: boolean('paused').notNull().default(false),
  concurrency: integer('concurrency'),
  updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  /**
   * Flow limits set at run time (PATCH /queues/{name}): `{rateLimit?: {max, perMs} | null,
   * maxPerKey?: n | null}`. A field present here replaces the config's value; null turns it off.
   */
  limits: jsonb('limits'),
  /** The rate limit's current window: when it opened and how many tasks started in it. */
  rateWindowStartedAt: timestamptz('rate_window_started_at'),
  rateWindowCount: integer('rate_window_count').notNull().default(0),
  /** The last concurrency key a claim served: the next claim starts after it (rotation). */
  keyCursor: text('key_cursor'),
});

/**
 * Who did what to which tasks or queues from the outside (retry, cancel, pause, schedule and
 * queue changes): one row per operator action, written in the action's own transaction.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamptz('at').notNull().defaultNow(),
    /** The token's name, `anonymous` without auth, or the library caller's own label. */
    actor: text('actor').notNull(),
    /** The client's address as the HTTP server saw it; null outside HTTP. */
    address: text('address'),
    requestId: text('request_id'),
    /** `task.retry`, `task.cancel`, `dead_letter.retry`, `queue.pause`, `queue.resume`, … */
    action: text('action').notNull(),
    /** `task`, `queue`, `schedule`, … and its id or name (null when a filter picked the tasks). */
    targetType: text('target_type').notNull(),
    target: text('target'),
    /** Every task the action changed, so a task's page finds bulk actions too. */
    taskIds: uuid('task_ids').array(),
    details: jsonb('details'),
  },
  (t) => [index('audit_log_task_ids_idx').using('gin', t.taskIds)],
);

/** HTTP workers (POST /workers/claim) by name, with when one was last heard from. */
export const workers = pgTable('workers', {
  name: text('name').primaryKey(),
  firstSeenAt: timestamptz('first_seen_at').notNull().defaultNow(),
  lastSeenAt: timestamptz('last_seen_at').notNull().defaultNow(),
});

/**
 * Cron schedules (config and HTTP). `next_run_at` is the tick a node fires next: the node that
 * locks the row inserts the task and advances it in one transaction, so each tick makes one task
 * however many nodes run. Null while paused.
 */
export const schedules = pgTable(
  'schedules',
  {
    name: text('name').primaryKey(),
    cron: text('cron').notNull(),
    timezone: text('timezone').notNull().default('UTC'),
    taskType: text('task_type').notNull(),
    payload: jsonb('payload').notNull().default({}),
    queue: text('queue'),
    priority: integer('priority'),
    paused: boolean('paused').notNull().default(false),
    /** `config` (upserted at every start from config.yaml) or `api` (PUT /schedules/{name}). */
    source: text('source').$type<'config' | 'api'>().notNull(),
    nextRunAt: timestamptz('next_run_at'),
    /** The last tick fired, the task it made, and why the last tick made none (bad payload). */
    lastRunAt: timestamptz('last_run_at'),
    lastTaskId: uuid('last_task_id'),
    lastError: text('last_error'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [index('schedules_due_idx').on(t.nextRunAt).where(sql`not paused`)],
);
