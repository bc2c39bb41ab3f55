import type { z } from '@hono/zod-openapi';
import { formatDuration } from '../config/duration.js';
import type { Task, TaskHistoryEntry, WaitReason } from '../model/task.js';
import type { historyEntrySchema, taskSchema, waitingForSchema } from './schemas.js';

/** How a task looks on the wire: the seed's names (taskType, backOffDuration, key), ISO times. */
export function toTaskView(task: Task): z.input<typeof taskSchema> {
  const waiting = task.status === 'queued' || task.status === 'retrying';
  return {
    id: task.id,
    queue: task.queue,
    taskType: task.type,
    priority: task.priority,
    status: task.status,
    payload: task.payload,
    result: task.result ?? null,
    error: task.error,
    attempts: task.attempts,
    maxAttempts: task.maxAttempts,
    backOffDuration: formatDuration(task.backoffMs),
    backoffMs: task.backoffMs,
    timeoutMs: task.timeoutMs,
    runAt: iso(task.runAt),
    nextRunAt: waiting ? iso(task.runAt) : null,
    key: task.dedupeKey,
    concurrencyKey: task.concurrencyKey,
    uniqueFor: task.uniqueForMs === null ? null : formatDuration(task.uniqueForMs),
    keyHeldUntil: task.keyHeldUntil ? iso(task.keyHeldUntil) : null,
    createdAt: iso(task.createdAt),
    createdBy: task.createdBy,
    startedAt: task.startedAt ? iso(task.startedAt) : null,
    finishedAt: task.finishedAt ? iso(task.finishedAt) : null,
    lockedBy: task.lockedBy,
    progress: task.progress
      ? { fraction: task.progress.fraction, message: task.progress.message, at: iso(task.progress.at) }
      : null,
  };
}

export function toHistoryView(entry: TaskHistoryEntry): z.input<typeof historyEntrySchema> {
  return {
    at: iso(entry.at),
    fromStatus: entry.fromStatus,
    toStatus: entry.toStatus,
    attempt: entry.attempt,
    nodeId: entry.nodeId,
    error: entry.error,
  };
}

/** "Why isn't my job running": the reason with a sentence a person can read. */
export function toWaitingForView(wait: WaitReason): z.input<typeof waitingForSchema> {
  switch (wait.reason) {
    case 'backoff':
      return { reason: wait.reason, until: iso(wait.until), message: `in backoff until ${iso(wait.until)}` };
    case 'scheduled':
      return { reason: wait.reason, until: iso(wait.until), message: `scheduled for ${iso(wait.until)}` };
    case 'queue_paused':
      return { reason: wait.reason, queue: wait.queue, message: `queue "${wait.queue}" is paused` };
    case 'queue_at_capacity':
      return {
        reason: wait.reason,
        queue: wait.queue,
        running: wait.running,
        limit: wait.limit,
        message: `queue "${wait.queue}" is at its concurrency cap (${wait.running}/${wait.limit} running)`,
      };
    case 'claimed':
      return {
        reason: wait.reason,
        nodeId: wait.nodeId,
        message: `claimed by node ${wait.nodeId}, about to start`,
      };
    case 'rate_limited':
      return {
        reason: wait.reason,
        queue: wait.queue,
        nextSlotAt: iso(wait.nextSlotAt),
        until: iso(wait.nextSlotAt),
        limit: wait.max,
        message: `queue "${wait.queue}" started its ${wait.max} tasks per ${formatDuration(wait.perMs)}; the next slot opens at ${iso(wait.nextSlotAt)}`,
      };
    case 'key_at_capacity':
      return {
        reason: wait.reason,
        queue: wait.queue,
        concurrencyKey: wait.key,
        running: wait.running,
        limit: wait.limit,
        message: `concurrency key "${wait.key}" has ${wait.running}/${wait.limit} tasks claimed or running in queue "${wait.queue}"`,
      };
    case 'parents':
      return {
        reason: wait.reason,
        parents: wait.parents,
        message: `waiting for ${wait.parents.length} parent task${wait.parents.length === 1 ? '' : 's'}: ${wait.parents
          .slice(0, 5)
          .map((parent) => `${parent.id} (${parent.status ?? 'removed'})`)
          .join(', ')}${wait.parents.length > 5 ? ', …' : ''}`,
      };
    case 'tasks_ahead':
      return {
        reason: wait.reason,
        ahead: wait.ahead,
        message: `${wait.ahead} task${wait.ahead === 1 ? '' : 's'} ahead of it by priority`,
      };
  }
}

function iso(value: Date | string): string {
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}
