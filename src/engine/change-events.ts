import type { OutcomeWrite } from '../db/sql/write-outcomes.js';
import { durationHintOf, type TaskEventKind, type TaskLifecycleEvent } from '../events/task-event.js';
import type { ClaimedTask, TaskStatus } from '../model/task.js';
import { type ProgressReport, progressEvent, progressJson } from './progress-reports.js';

/** A state change waiting to be written, with what is needed to publish it afterwards. */
export interface PendingChange extends OutcomeWrite {
  task: ClaimedTask;
  nodeId: string;
  durationMs?: number;
  waitMs?: number;
  /** Set by the caller for retries kept in this node's buffer: called once the write lands. */
  onWritten?: () => void;
  /** The handler threw Snooze: published as `snoozed`, not as a failure. */
  snoozed?: boolean;
  /** Only a progress report (running → running): a refused fence is not a lost outcome. */
  progressOnly?: boolean;
  /** The progress this change carries, for the `progress` event. */
  reported?: ProgressReport;
}

/** A progress report written on its own: running → running, no history row, only `progress`. */
export function progressOnlyChange(report: ProgressReport): PendingChange {
  return {
    id: report.task.id,
    task: report.task,
    attempt: report.attempt,
    fromStatus: 'running',
    toStatus: 'running',
    started: false,
    startedAt: null,
    finishedAt: null,
    result: null,
    error: null,
    retryDelayMs: 0,
    keepLock: false,
    refund: false,
    progress: progressJson(report),
    nodeId: report.nodeId,
    progressOnly: true,
    reported: report,
  };
}

/** The events one written change publishes: its start, its progress, its end (any of them). */
export function pushChangeEvents(events: TaskLifecycleEvent[], change: PendingChange): void {
  // Plain object literals (no spread): this runs twice per task on the hot path.
  const { task } = change;
  const key = task.dedupeKey ?? undefined;
  const hint = durationHintOf(task.payload);
  if (change.started) {
    events.push({
      kind: 'started',
      taskId: change.id,
      queue: task.queue,
      type: task.type,
      priority: task.priority,
      attempt: change.attempt,
      nodeId: change.nodeId,
      at: change.startedAt ?? new Date().toISOString(),
      waitMs: change.waitMs,
      key,
      durationHint: hint,
    });
  }
  if (change.reported) events.push(progressEvent(change.reported));
  if (change.toStatus !== 'running') {
    events.push({
      kind: change.snoozed ? 'snoozed' : eventKind(change.toStatus, change.refund),
      taskId: change.id,
      queue: task.queue,
      type: task.type,
      priority: task.priority,
      attempt: change.attempt,
      nodeId: change.nodeId,
      at: change.finishedAt ?? new Date().toISOString(),
      error: change.error ?? undefined,
      durationMs: change.durationMs,
      key,
      durationHint: hint,
    });
  }
}

function eventKind(status: TaskStatus, refund: boolean): TaskEventKind {
  if (refund) return 'retried';
  switch (status) {
    case 'succeeded':
      return 'succeeded';
    case 'retrying':
      return 'retrying';
    case 'dead':
      return 'dead';
    case 'cancelled':
      return 'cancelled';
    default:
      return 'failed';
  }
}
