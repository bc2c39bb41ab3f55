/** The task every tick of a schedule enqueues (checked like an enqueue when it is set). */
export interface ScheduleTask {
  taskType: string;
  payload?: unknown;
  queue?: string;
  priority?: number;
}

/** What PUT /schedules/{name} and a config entry say: the whole definition (a PUT replaces it). */
export interface ScheduleDefinition {
  /** 5 fields (minute first), 6 (second first), or a nickname such as `@daily`. */
  cron: string;
  /** IANA zone the expression is read in; UTC when absent. */
  timezone?: string;
  task: ScheduleTask;
  paused?: boolean;
}

export type ScheduleSource = 'config' | 'api';

export interface Schedule {
  name: string;
  cron: string;
  timezone: string;
  task: { taskType: string; payload: unknown; queue: string | null; priority: number | null };
  paused: boolean;
  /** `config`: listed in config.yaml, which is applied again at every start. */
  source: ScheduleSource;
  /** The next tick; null while paused. A tick in the past fires at the next round (once). */
  nextRunAt: Date | null;
  lastRunAt: Date | null;
  lastTaskId: string | null;
  /** Why the last tick made no task (its payload no longer fits the type), else null. */
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** One tick a scheduler fired: the schedule, the tick's time and the task it made (or why none). */
export interface FiredTick {
  schedule: string;
  tick: Date;
  taskId: string | null;
  error: string | null;
}
