import type { Task, TaskHistoryEntry } from '../engine/types.js';
import type { TaskStatus } from './task-status.js';

/** A `tasks` row as PostgreSQL returns it (snake_case). Nothing above db/ sees one. */
export interface TaskRow {
  id: string;
  queue: string;
  type: string;
  priority: number;
  status: TaskStatus;
  payload: unknown;
  result: unknown;
  error: string | null;
  attempts: number;
  max_attempts: number;
  backoff_ms: number;
  timeout_ms: number | null;
  run_at: Date;
  dedupe_key: string | null;
  created_at: Date;
  created_by: string | null;
  started_at: Date | null;
  finished_at: Date | null;
  locked_by: string | null;
  locked_at: Date | null;
  progress: { fraction: number; message: string | null; at: string } | null;
  concurrency_key: string | null;
  pending_parents: number | null;
  on_parent_failure: 'cancel' | 'run' | null;
  unique_for_ms: string | number | null;
  key_held_until: Date | null;
}

export const TASK_COLUMNS = `id, queue, type, priority, status, payload, result, error, attempts, max_attempts,
  backoff_ms, timeout_ms, run_at, dedupe_key, created_at, created_by, started_at, finished_at, locked_by, locked_at, progress,
  concurrency_key, pending_parents, on_parent_failure, unique_for_ms, key_held_until`;

export function toTask(row: TaskRow): Task {
  return {
    id: row.id,
    queue: row.queue,
    type: row.type,
    priority: row.priority,
    status: row.status,
    payload: row.payload,
    result: row.result ?? null,
    error: row.error ?? null,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    backoffMs: row.backoff_ms,
    timeoutMs: row.timeout_ms ?? null,
    runAt: row.run_at,
    dedupeKey: row.dedupe_key ?? null,
    createdAt: row.created_at,
    createdBy: row.created_by ?? null,
    startedAt: row.started_at ?? null,
    finishedAt: row.finished_at ?? null,
    lockedBy: row.locked_by ?? null,
    lockedAt: row.locked_at ?? null,
    progress: row.progress
      ? {
          fraction: row.progress.fraction,
          message: row.progress.message ?? null,
          at: new Date(row.progress.at),
        }
      : null,
    concurrencyKey: row.concurrency_key ?? null,
    pendingParents: row.pending_parents ?? null,
    onParentFailure: row.on_parent_failure ?? null,
    uniqueForMs: row.unique_for_ms === null ? null : Number(row.unique_for_ms),
    keyHeldUntil: row.key_held_until ?? null,
  };
}

export interface TaskEventRow {
  id: number;
  at: Date;
  from_status: TaskStatus | null;
  to_status: TaskStatus;
  attempt: number;
  node_id: string | null;
  error: string | null;
}

export function toHistoryEntry(row: TaskEventRow): TaskHistoryEntry {
  return {
    id: row.id,
    at: row.at,
    fromStatus: row.from_status,
    toStatus: row.to_status,
    attempt: row.attempt,
    nodeId: row.node_id,
    error: row.error,
  };
}
