import type pg from 'pg';
import type { Config } from '../config/schema.js';
import type { Readiness } from '../db/migrate.js';
import { EventBus } from '../events/event-bus.js';
import type { Logger } from '../logger.js';
import type { TaskRegistry } from '../tasks/registry.js';
import type { TaskServices } from '../tasks/task-handler.js';
import type {
  DeadLetterFilter,
  EngineStats,
  EnqueueResult,
  NewTask,
  QueueSummary,
  RunningTask,
  Task,
  TaskHistoryEntry,
  TaskListFilter,
  TaskPage,
  WaitReason,
} from './types.js';

export interface EngineOptions {
  config: Config;
  pool: pg.Pool;
  /** For the dedicated LISTEN connection. */
  databaseUrl: string;
  log: Logger;
  registry: TaskRegistry;
  services?: Partial<TaskServices>;
  events?: EventBus;
  nodeId?: string;
  /** false: accept and read, but run nothing (API-only tests, tools). Default true. */
  processTasks?: boolean;
}

/** The facade api/ talks to. Everything else under engine/ is an implementation detail. */
export class Engine {
  readonly nodeId: string;
  readonly events: EventBus;
  readonly registry: TaskRegistry;

  private constructor(options: EngineOptions) {
    this.nodeId = options.nodeId ?? 'node';
    this.events = options.events ?? new EventBus();
    this.registry = options.registry;
  }

  static async start(options: EngineOptions): Promise<Engine> {
    return new Engine(options);
  }

  /**
   * Validates every task (known type, payload schema, priority range), then stores all of them in
   * one INSERT; resolves after COMMIT. Throws EngineError('validation_failed', …, details:
   * [{index, path, message}]) when any item is bad (nothing stored), or 'backlog_full'.
   */
  async enqueueBatch(_tasks: readonly NewTask[], _options: { createdBy?: string } = {}): Promise<EnqueueResult> {
    throw new Error('not implemented');
  }

  async getTask(_id: string): Promise<Task | undefined> {
    throw new Error('not implemented');
  }

  async getTaskHistory(_id: string): Promise<TaskHistoryEntry[]> {
    throw new Error('not implemented');
  }

  /** Why a waiting task is not running yet; undefined when it is not waiting. */
  async explainWait(_id: string): Promise<WaitReason | undefined> {
    throw new Error('not implemented');
  }

  /** dead or cancelled → queued with a fresh attempt budget; EngineError invalid_state otherwise. */
  async retryTask(_id: string): Promise<Task> {
    throw new Error('not implemented');
  }

  /** Stops a waiting task, aborts a running one; EngineError invalid_state when already finished. */
  async cancelTask(_id: string): Promise<Task> {
    throw new Error('not implemented');
  }

  async pauseQueue(_name: string): Promise<void> {
    throw new Error('not implemented');
  }

  async resumeQueue(_name: string): Promise<void> {
    throw new Error('not implemented');
  }

  async listQueues(): Promise<QueueSummary[]> {
    throw new Error('not implemented');
  }

  async listTasks(_filter: TaskListFilter): Promise<TaskPage> {
    throw new Error('not implemented');
  }

  async listDeadLetters(_filter: { queue?: string; limit: number; after?: string }): Promise<TaskPage> {
    throw new Error('not implemented');
  }

  async retryDeadLetters(_filter: DeadLetterFilter): Promise<{ retried: number; ids: string[] }> {
    throw new Error('not implemented');
  }

  /** Tasks running on this node now, oldest start first. */
  runningTasks(): RunningTask[] {
    throw new Error('not implemented');
  }

  /** Waiting tasks (all nodes) in the order they will run, at most `limit`. */
  async pendingTasks(_options: { queue?: string; limit: number }): Promise<Task[]> {
    throw new Error('not implemented');
  }

  stats(): EngineStats {
    throw new Error('not implemented');
  }

  async checkReadiness(): Promise<Readiness> {
    throw new Error('not implemented');
  }

  /** Graceful: stop claiming, let running tasks finish up to shutdown.timeout, flush, release. */
  async stop(): Promise<void> {
    throw new Error('not implemented');
  }
}
