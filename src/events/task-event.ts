/** A task lifecycle event, as published to subscribers (SSE, WebSocket, dashboard, metrics). */
export type TaskEventKind =
  | 'enqueued'
  | 'started'
  | 'succeeded'
  | 'failed'
  | 'retrying'
  | 'dead'
  | 'cancelled'
  | 'retried'
  /** The handler threw Snooze: waiting again, no attempt spent. */
  | 'snoozed'
  /** The handler reported progress (`ctx.progress`); the task still runs. */
  | 'progress'
  /**
   * A workflow child left `blocked` for `queued`: its parents succeeded (or ended, under
   * onParentFailure "run"). Made by the database's dependency trigger: nodeId is "database".
   */
  | 'released';

export interface TaskLifecycleEvent {
  kind: TaskEventKind;
  taskId: string;
  queue: string;
  type: string;
  priority: number;
  attempt: number;
  /** ISO timestamp of the change. */
  at: string;
  nodeId: string;
  error?: string;
  /** Run time of the attempt that just ended, in ms. */
  durationMs?: number;
  /** Time from enqueue (or due time) to start, in ms; on `started` only. */
  waitMs?: number;
  /** The seed systems' dedupe key (name/id) when the task has one. */
  key?: string;
  /** On `progress`: the fraction done (0-1) and the handler's message. */
  progress?: number;
  progressMessage?: string;
}
