// The `pgtask` entry: everything a program needs to run tasks on PostgreSQL. Anything not listed
// here is internal and may change.
export { ConfigError } from './config/load-config.js';
export type { Config, ConfigInput } from './config/schema.js';
export { EngineError, type EngineErrorCode } from './engine/types.js';
export type { TaskEventKind, TaskLifecycleEvent } from './events/task-event.js';
export type { Logger } from './logger.js';
export type { TaskStatsRow } from './model/report.js';
export type { EnqueueResult, Task, TaskHistoryEntry, TaskStatus } from './model/task.js';
export {
  createPgtask,
  type EnqueueItem,
  type Pgtask,
  type PgtaskOptions,
  type PgtaskServer,
} from './service/create-pgtask.js';
export {
  defineHandler,
  type HandlerDefiner,
  PermanentError,
  Snooze,
  type TaskContext,
  type TaskDefaults,
  type TaskHandler,
  type TaskLogger,
  type TaskProgress,
} from './tasks/task-handler.js';
