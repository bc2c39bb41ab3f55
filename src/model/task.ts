/**
 * The task model every layer shares: what a task is, its history, what an enqueue asks for and
 * what a claim hands over. Types only (and the list of statuses): db/ maps rows onto these,
 * engine/ works with them, api/ shows them. Nothing here imports anything of ours.
 */

/**
 * Statuses a task can hold; "waiting" means queued or retrying (ready once run_at is due).
 * `blocked`: waits for its parents (dependsOn); never claimed until the last one resolves it.
 */
export const TASK_STATUSES = [
  'blocked',
  'queued',
  'running',
  'succeeded',
  'retrying',
  'dead',
  'cancelled',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** A task as the rest of the program sees it (camelCase; rows never leave db/). */
export interface Task {
  id: string;
  queue: string;
  type: string;
  priority: number;
  status: TaskStatus;
  payload: unknown;
  result: unknown;
  error: string | null;
  attempts: number;
  maxAttempts: number;
  backoffMs: number;
  timeoutMs: number | null;
  runAt: Date;
  dedupeKey: string | null;
  createdAt: Date;
  createdBy: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  lockedBy: string | null;
  lockedAt: Date | null;
  /** The handler's latest `ctx.progress` of the current (or last) attempt. */
  progress: { fraction: number; message: string | null; at: Date } | null;
  /** Tasks sharing a key run at most the queue's `maxPerKey` at once (null: no key). */
  concurrencyKey: string | null;
  /** Parents (dependsOn) not resolved yet; null for a task enqueued without dependsOn. */
  pendingParents: number | null;
  onParentFailure: OnParentFailure | null;
  /** uniqueFor at enqueue, in ms; null without a window. */
  uniqueForMs: number | null;
  /** While a finished task's unique window runs: when its key is free again. */
  keyHeldUntil: Date | null;
}

/** What a dead or cancelled parent does to a child: cancel it (default) or let it run anyway. */
export type OnParentFailure = 'cancel' | 'run';

export interface TaskHistoryEntry {
  id: number;
  at: Date;
  fromStatus: TaskStatus | null;
  toStatus: TaskStatus;
  attempt: number;
  nodeId: string | null;
  error: string | null;
}

/**
 * One task of an enqueue request, durations in ms. The engine checks every field against the
 * limits of task-limits.ts (see enqueue-rules.ts).
 */
export interface NewTask {
  type: string;
  payload?: unknown;
  queue?: string;
  priority?: number;
  /** Retries after the first attempt; defaults to the type's, then queue.maxTaskRetry. */
  maxRetries?: number;
  backoffMs?: number;
  timeoutMs?: number;
  /** Run no earlier than this. `delayMs` is relative to the database clock at insert. */
  runAt?: Date;
  delayMs?: number;
  dedupeKey?: string;
  concurrencyKey?: string;
  /**
   * Parents: ids of existing tasks, or indexes of earlier tasks of the same batch. The task is
   * blocked until every parent succeeded.
   */
  dependsOn?: ReadonlyArray<string | number>;
  onParentFailure?: OnParentFailure;
  /** Keep `dedupeKey` taken this long after the task ended (succeeded or dead). */
  uniqueForMs?: number;
}

export interface EnqueueResult {
  accepted: Array<{ index: number; id: string; type: string; queue: string; status: TaskStatus }>;
  duplicates: Array<{ index: number; key: string; queue: string }>;
}

/** Why a waiting task is not running yet ("why isn't my job running"). */
export type WaitReason =
  | { reason: 'backoff'; until: Date }
  | { reason: 'scheduled'; until: Date }
  | { reason: 'queue_paused'; queue: string }
  | { reason: 'queue_at_capacity'; queue: string; running: number; limit: number }
  | { reason: 'claimed'; nodeId: string }
  | { reason: 'tasks_ahead'; ahead: number }
  | { reason: 'rate_limited'; queue: string; nextSlotAt: Date; max: number; perMs: number }
  | { reason: 'key_at_capacity'; queue: string; key: string; running: number; limit: number }
  | { reason: 'parents'; parents: Array<{ id: string; status: TaskStatus | null }> };

export interface QueueSummary {
  name: string;
  paused: boolean;
  /** Per-node concurrency for this queue (0 = only the pool limits it). */
  concurrency: number;
  counts: Record<TaskStatus, number>;
  /** Age in ms of the oldest due waiting task, or null when none waits. */
  oldestWaitingMs: number | null;
  /** At most `max` starts per `perMs` across all instances; null: none. */
  rateLimit: { max: number; perMs: number } | null;
  /** At most this many claimed or running per concurrency key; null: no cap. */
  maxPerKey: number | null;
  /** Where each limit comes from: the config file, a run-time PATCH, or none set. */
  limitsSource: { rateLimit: 'config' | 'runtime' | 'none'; maxPerKey: 'config' | 'runtime' | 'none' };
}

export interface TaskListFilter {
  queue?: string;
  status?: TaskStatus;
  type?: string;
  /** Matched by containment (`payload @> filter`). */
  payload?: Record<string, unknown>;
  limit: number;
  /** Keyset cursor: the last id of the previous page. */
  after?: string;
}

export interface TaskPage {
  tasks: Task[];
  /** Pass as `after` for the next page; absent on the last page. */
  next?: string;
}

export interface DeadLetterFilter {
  ids?: string[];
  queue?: string;
  type?: string;
}

/** A task running on this node right now (for the seed APIs' "running" lists). */
export interface RunningTask {
  id: string;
  queue: string;
  type: string;
  priority: number;
  payload: unknown;
  dedupeKey: string | null;
  attempt: number;
  startedAt: Date;
}

/** A task claimed into a node's buffer: what the engine needs to run it, nothing more. */
export type ClaimedTask = Pick<
  Task,
  | 'id'
  | 'queue'
  | 'type'
  | 'priority'
  | 'status'
  | 'payload'
  | 'attempts'
  | 'maxAttempts'
  | 'backoffMs'
  | 'timeoutMs'
  | 'runAt'
  | 'dedupeKey'
> & {
  /** A workflow child's succeeded parents: id → result (ctx.parents). Absent without parents. */
  parents?: Record<string, unknown>;
};

/** A task handed to an HTTP worker: already running, fenced by `token`. */
export interface LeasedTask extends Pick<Task, 'id' | 'queue' | 'type' | 'priority' | 'payload'> {
  /** The attempt this lease runs (1 for the first). */
  attempt: number;
  /** Where the task waited before this claim (queued or retrying), for the history and events. */
  fromStatus: 'queued' | 'retrying';
  token: string;
  lockedBy: string;
  startedAt: Date;
  expiresAt: Date;
  waitMs: number;
  /** A workflow child's succeeded parents: id → result. Absent without parents. */
  parents?: Record<string, unknown>;
}
