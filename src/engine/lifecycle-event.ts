import type { TaskEventKind, TaskLifecycleEvent } from '../events/task-event.js';

/** What an event names of its task (any task-like shape: a claim, a lease, a stored task). */
export interface EventSubject {
  id: string;
  queue: string;
  type: string;
  priority: number;
  /** Published as the event's `key` when the task has one. */
  dedupeKey?: string | null;
}

/** What happened to the task: null and undefined both mean "not part of this event". */
export interface EventChange {
  kind: TaskEventKind;
  attempt: number;
  nodeId: string;
  /** ISO time of the change, from the caller's clock (no default: the caller decides what time it is). */
  at: string;
  error?: string | null;
  durationMs?: number | null;
  waitMs?: number | null;
  progress?: number | null;
  progressMessage?: string | null;
}

/**
 * The one place a TaskLifecycleEvent is assembled. Always the same plain literal (no spread, no
 * conditional keys): it runs for every start and end on the hot path, and one shape keeps those
 * objects cheap. An absent field is undefined, which JSON (SSE, the relay) leaves out.
 */
export function taskEvent(task: EventSubject, change: EventChange): TaskLifecycleEvent {
  return {
    kind: change.kind,
    taskId: task.id,
    queue: task.queue,
    type: task.type,
    priority: task.priority,
    attempt: change.attempt,
    at: change.at,
    nodeId: change.nodeId,
    error: change.error ?? undefined,
    durationMs: change.durationMs ?? undefined,
    waitMs: change.waitMs ?? undefined,
    key: task.dedupeKey ?? undefined,
    progress: change.progress ?? undefined,
    progressMessage: change.progressMessage ?? undefined,
  };
}
