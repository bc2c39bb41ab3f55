/** Who asks for an operator action: the token's name (or `anonymous`), and where the request came from. */
export interface Actor {
  name: string;
  /** The client's address as the HTTP server saw it; null outside HTTP. */
  address?: string | null;
  requestId?: string | null;
}

/** The caller of an engine operation that named nobody (a library user, a script). */
export const ANONYMOUS: Actor = Object.freeze({ name: 'anonymous', address: null });

/** What one operator action did; becomes one audit row. */
export interface AuditAction {
  /** `task.retry`, `task.cancel`, `dead_letter.retry`, `queue.pause`, `queue.resume`, `schedule.…`, `queue.update` */
  action: string;
  targetType: 'task' | 'queue' | 'schedule' | (string & {});
  /** The task id, queue or schedule name; null when a filter chose the tasks. */
  target?: string | null;
  /** The tasks it changed (a task's page shows the actions that touched it). */
  taskIds?: readonly string[];
  /** Anything else worth keeping: a filter, a count, the old and new settings. */
  details?: Record<string, unknown>;
}

export interface AuditEntry {
  id: number;
  at: Date;
  actor: string;
  address: string | null;
  requestId: string | null;
  action: string;
  targetType: string;
  target: string | null;
  /** At most the first 100 of the tasks it changed; `taskCount` says how many there were. */
  taskIds: string[];
  taskCount: number;
  details: Record<string, unknown> | null;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** Pass as `after` for the next (older) page. */
  next?: number;
}
