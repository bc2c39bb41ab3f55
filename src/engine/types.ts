import type { Config } from '../config/schema.js';

/**
 * The settings the engine reads: the queue, lease, shutdown, retention and tasks sections and the
 * backlog limit. HTTP, storage and mailer settings belong to the program around it.
 */
export type EngineConfig = Pick<
  Config,
  'queue' | 'lease' | 'shutdown' | 'retention' | 'tasks' | 'schedules' | 'security'
> & {
  api: Pick<Config['api'], 'maxBacklog'>;
};

export interface EngineStats {
  nodeId: string;
  poolSize: number;
  running: number;
  buffered: number;
  bufferCapacity: number;
}

/** Errors the engine reports to callers; api/ maps each code to an HTTP status in one place. */
export type EngineErrorCode =
  | 'task_not_found'
  | 'schedule_not_found'
  | 'invalid_state'
  | 'validation_failed'
  | 'backlog_full'
  | 'lease_lost'
  | 'not_ready';

export class EngineError extends Error {
  override name = 'EngineError';
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}
