import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type pg from 'pg';
import type { Config } from '../config/schema.js';
import { CANCEL_CHANNEL, ENQUEUE_CHANNEL, QUEUE_CHANNEL } from '../db/channels.js';
import { checkReadiness, type Readiness } from '../db/migrate.js';
import { markNodeStopped, registerNode, releaseClaims, type RescuedTask } from '../db/node-store.js';
import { taskStats } from '../db/report-store.js';
import { insertTasks } from '../db/sql/insert-tasks.js';
import { TaskStore } from '../db/task-store.js';
import { EventBus } from '../events/event-bus.js';
import type { TaskLifecycleEvent } from '../events/task-event.js';
import type { Logger } from '../logger.js';
import type { TaskRegistry } from '../tasks/registry.js';
import type { TaskServices } from '../tasks/task-handler.js';
import { EventRelay } from './event-relay.js';
import { Feeder } from './feeder.js';
import { LeaseKeeper } from './lease-keeper.js';
import { LocalQueues } from './local-queues.js';
import { createMailer } from './mailer.js';
import { Notifier } from './notifier.js';
import { prepareBatch } from './prepare-batch.js';
import { ResultLoop } from './result-loop.js';
import { RetentionJob } from './retention.js';
import { ThreadRunner } from './thread-runner.js';
import { type ThreadExecutor, WorkerPool } from './worker-pool.js';
import {
  type DeadLetterFilter,
  type EngineStats,
  EngineError,
  type EnqueueResult,
  type NewTask,
  type QueueSummary,
  type RunningTask,
  type Task,
  type TaskHistoryEntry,
  type TaskListFilter,
  type TaskPage,
  type WaitReason,
} from './types.js';

export interface EngineOptions {
  config: Config;
  pool: pg.Pool;
  /** For the dedicated LISTEN connection. */
  databaseUrl: string;
  log: Logger;
  registry: TaskRegistry;
  services?: Partial<TaskServices>;
  /** Worker threads for handlers with `thread` set; one per core (up to the pool size) by default. */
  threads?: ThreadExecutor & { close?(): Promise<void> };
  events?: EventBus;
  nodeId?: string;
  /** false: accept and read, but run nothing (API-only tests, tools). Default true. */
  processTasks?: boolean;
}

const QUEUE_SUMMARY_TTL_MS = 2000;

/** The facade api/ talks to. Everything else under engine/ is an implementation detail. */
export class Engine {
  readonly events: EventBus;
  /** dashboard: this node's events sent to the other nodes, theirs received (GET /events). */
  readonly relay: EventRelay;
  readonly registry: TaskRegistry;
  readonly #config: Config;
  readonly #pool: pg.Pool;
  readonly #log: Logger;
  readonly #store: TaskStore;
  readonly #queues: LocalQueues;
  readonly #results: ResultLoop;
  readonly #workers: WorkerPool;
  readonly #feeder: Feeder;
  readonly #leases: LeaseKeeper;
  readonly #notifier: Notifier;
  readonly #threads: EngineOptions['threads'];
  readonly #processTasks: boolean;
  readonly #retention: RetentionJob;
  readonly #closeMailer: (() => Promise<void>) | undefined;
  #nodeId: string;
  #stopped: Promise<void> | undefined;
  #queueSummaryCache: { at: number; value: Promise<QueueSummary[]> } | undefined;

  private constructor(options: EngineOptions) {
    const { config, pool, log } = options;
    this.#config = config;
    this.#pool = pool;
    this.#log = log.child({ component: 'engine' });
    this.#nodeId = options.nodeId ?? randomUUID();
    this.#processTasks = options.processTasks ?? true;
    this.#threads =
      options.threads ??
      new ThreadRunner({
        // One core stays with the event loop, so the API answers while CPU-bound tasks run.
        size: Math.max(1, Math.min(config.queue.workerPoolSize, availableParallelism() - 1)),
        log: this.#log,
      });
    this.events = options.events ?? new EventBus({ onError: (error) => this.#log.warn({ err: error }, 'event listener failed') });
    this.registry = options.registry;
    // dashboard: the event relay (started with the engine, stopped after its last flush).
    this.relay = new EventRelay({
      url: options.databaseUrl,
      pool,
      local: this.events,
      nodeId: () => this.#nodeId,
      log: this.#log,
    });
    this.#store = new TaskStore(pool);
    this.#queues = new LocalQueues({
      settings: config.queue.queues,
      maxBufferSize: config.queue.maxBufferSize,
      starvationEvery: config.queue.starvationEvery,
      pollIntervalMs: config.queue.pollInterval,
    });
    this.#results = new ResultLoop({ pool, events: this.events, log: this.#log });
    const mailer = options.services?.mailer ?? createMailer(config, this.#log);
    this.#closeMailer = options.services?.mailer ? undefined : async () => (mailer as ReturnType<typeof createMailer>).close();
    const services: TaskServices = {
      mailer,
      reports: options.services?.reports ?? { taskStats: (window) => taskStats({ pool, ...window }) },
    };
    this.#retention = new RetentionJob({ pool, config, log: this.#log });
    this.#feeder = new Feeder({
      pool,
      store: this.#store,
      queues: this.#queues,
      nodeId: () => this.#nodeId,
      maxBufferSize: config.queue.maxBufferSize,
      oldestShare: config.queue.claimOldestShare,
      pollIntervalMs: config.queue.pollInterval,
      log: this.#log,
      onClaimed: () => this.#workers.pump(),
    });
    this.#workers = new WorkerPool({
      poolSize: config.queue.workerPoolSize,
      queues: this.#queues,
      registry: options.registry,
      results: this.#results,
      log: this.#log,
      nodeId: () => this.#nodeId,
      services,
      threads: this.#threads,
      defaultTimeoutMs: config.queue.defaultTimeout,
      maxBufferSize: config.queue.maxBufferSize,
      onLowBuffer: () => this.#feeder.request(),
    });
    this.#leases = new LeaseKeeper({
      pool,
      nodeId: () => this.#nodeId,
      heartbeatMs: config.lease.heartbeatInterval,
      leaseMs: config.lease.timeout,
      log: this.#log,
      onLeaseLost: () => this.#onLeaseLost(),
      onRescued: (tasks) => this.#onRescued(tasks),
    });
    this.#notifier = new Notifier({
      url: options.databaseUrl,
      channels: [ENQUEUE_CHANNEL, CANCEL_CHANNEL, QUEUE_CHANNEL],
      log: this.#log,
      onNotification: (channel, payload) => this.#onNotification(channel, payload),
      onReconnect: () => this.#feeder.wake(),
    });
  }

  static async start(options: EngineOptions): Promise<Engine> {
    const engine = new Engine(options);
    await engine.#start();
    return engine;
  }

  get nodeId(): string {
    return this.#nodeId;
  }

  async #start(): Promise<void> {
    await this.#store.ensureQueues(this.#config.queue.queues.map((queue) => queue.id));
    await this.relay.start(); // dashboard
    if (!this.#processTasks) return;
    await registerNode(this.#pool, this.#nodeId);
    await this.#notifier.start();
    await this.#feeder.refreshQueues().catch(() => {});
    this.#leases.start();
    this.#feeder.start();
    this.#retention.start();
    this.#log.info({ nodeId: this.#nodeId, poolSize: this.#config.queue.workerPoolSize }, 'engine started');
  }

  /**
   * Validates every task (known type, payload schema, priority range), then stores all of them in
   * one INSERT; resolves after COMMIT. Throws EngineError('validation_failed', …, details:
   * [{index, path, message}]) when any item is bad (nothing stored), or 'backlog_full'.
   */
  async enqueueBatch(tasks: readonly NewTask[], options: { createdBy?: string } = {}): Promise<EnqueueResult> {
    const prepared = prepareBatch(tasks, { registry: this.registry, config: this.#config });
    const { maxBacklog } = this.#config.api;
    if (maxBacklog > 0 && (await this.#store.backlogAtLeast(maxBacklog)) >= maxBacklog) {
      throw new EngineError('backlog_full', `the backlog limit of ${maxBacklog} waiting tasks is reached; retry later`);
    }
    const insertedIds = await insertTasks(this.#pool, prepared, options.createdBy ?? null);
    const result: EnqueueResult = { accepted: [], duplicates: [] };
    const events: TaskLifecycleEvent[] = [];
    const at = new Date().toISOString();
    prepared.forEach((task, index) => {
      if (insertedIds.has(task.id)) {
        result.accepted.push({ index, id: task.id, type: task.type, queue: task.queue, status: 'queued' });
        events.push({
          kind: 'enqueued',
          taskId: task.id,
          queue: task.queue,
          type: task.type,
          priority: task.priority,
          attempt: 0,
          at,
          nodeId: this.#nodeId,
          key: task.dedupeKey ?? undefined,
          durationHint: task.durationHint,
        });
      } else {
        result.duplicates.push({ index, key: task.dedupeKey ?? '', queue: task.queue });
      }
    });
    this.events.publish(events);
    if (this.#processTasks && result.accepted.length > 0) {
      for (const queue of new Set(result.accepted.map((task) => task.queue))) this.#feeder.wake(queue);
    }
    return result;
  }

  async getTask(id: string): Promise<Task | undefined> {
    return this.#store.getTask(id);
  }

  async getTaskHistory(id: string): Promise<TaskHistoryEntry[]> {
    return this.#store.getHistory(id);
  }

  /** Why a waiting task is not running yet; undefined when it is not waiting. */
  async explainWait(id: string): Promise<WaitReason | undefined> {
    const task = await this.#store.getTask(id);
    if (!task || (task.status !== 'queued' && task.status !== 'retrying')) return undefined;
    const [{ rows }, states] = await Promise.all([
      this.#pool.query<{ now: Date }>('select now() as now'),
      this.#store.queueStates(),
    ]);
    const now = rows[0]!.now.getTime();
    if (task.runAt.getTime() > now) {
      return { reason: task.status === 'retrying' ? 'backoff' : 'scheduled', until: task.runAt };
    }
    if (states.get(task.queue)?.paused) return { reason: 'queue_paused', queue: task.queue };
    if (task.lockedBy) return { reason: 'claimed', nodeId: task.lockedBy };
    const limit = this.#queueConcurrency(task.queue);
    if (limit > 0) {
      const running = await this.#store.runningCount(task.queue);
      if (running >= limit) return { reason: 'queue_at_capacity', queue: task.queue, running, limit };
    }
    return { reason: 'tasks_ahead', ahead: await this.#store.countAhead(task) };
  }

  /** dead or cancelled → queued with a fresh attempt budget; EngineError invalid_state otherwise. */
  async retryTask(id: string): Promise<Task> {
    const retried = await this.#store.retry(id, null);
    if (retried) {
      this.#publishRetried([retried]);
      return retried;
    }
    const task = await this.#store.getTask(id);
    if (!task) throw new EngineError('task_not_found', `task ${id} does not exist`);
    throw new EngineError(
      'invalid_state',
      `task ${id} is ${task.status}; only dead or cancelled tasks can be retried`,
      { status: task.status },
    );
  }

  /** Stops a waiting task, aborts a running one; EngineError invalid_state when already finished. */
  async cancelTask(id: string): Promise<Task> {
    const cancelled = await this.#store.cancel(id);
    if (cancelled) {
      this.#dropLocally(id);
      const { task } = cancelled;
      this.events.publish([
        {
          kind: 'cancelled',
          taskId: task.id,
          queue: task.queue,
          type: task.type,
          priority: task.priority,
          attempt: task.attempts,
          at: (task.finishedAt ?? new Date()).toISOString(),
          nodeId: this.#nodeId,
          key: task.dedupeKey ?? undefined,
        },
      ]);
      return task;
    }
    const task = await this.#store.getTask(id);
    if (!task) throw new EngineError('task_not_found', `task ${id} does not exist`);
    throw new EngineError('invalid_state', `task ${id} is already ${task.status}`, { status: task.status });
  }

  async pauseQueue(name: string): Promise<void> {
    await this.#store.setPaused(name, true);
    this.#queues.get(name).paused = true;
    this.#queueSummaryCache = undefined;
  }

  async resumeQueue(name: string): Promise<void> {
    await this.#store.setPaused(name, false);
    const queue = this.#queues.get(name);
    queue.paused = false;
    this.#queueSummaryCache = undefined;
    this.#feeder.wake(name);
    this.#workers.pump();
  }

  /** Counts per queue; cached for a moment so dashboards and scrapers do not hammer the table. */
  async listQueues(options: { fresh?: boolean } = {}): Promise<QueueSummary[]> {
    const cached = this.#queueSummaryCache;
    if (!options.fresh && cached && Date.now() - cached.at < QUEUE_SUMMARY_TTL_MS) return cached.value;
    const value = this.#store.queueSummaries((queue) => this.#queueConcurrency(queue));
    this.#queueSummaryCache = { at: Date.now(), value };
    value.catch(() => {
      if (this.#queueSummaryCache?.value === value) this.#queueSummaryCache = undefined;
    });
    return value;
  }

  async listTasks(filter: TaskListFilter): Promise<TaskPage> {
    return this.#store.listTasks(filter);
  }

  async listDeadLetters(filter: { queue?: string; limit: number; after?: string }): Promise<TaskPage> {
    return this.#store.listTasks({ ...filter, status: 'dead' });
  }

  async retryDeadLetters(filter: DeadLetterFilter): Promise<{ retried: number; ids: string[] }> {
    const ids = await this.#store.retryDead(filter);
    return { retried: ids.length, ids };
  }

  /** Tasks running on this node now, oldest start first. */
  runningTasks(): RunningTask[] {
    return [...this.#workers.running.values()]
      .map((entry) => ({
        id: entry.task.id,
        queue: entry.task.queue,
        type: entry.task.type,
        priority: entry.task.priority,
        payload: entry.task.payload,
        dedupeKey: entry.task.dedupeKey,
        attempt: entry.attempt,
        startedAt: entry.startedAt,
      }))
      .sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  }

  /** Waiting tasks (all nodes) in the order they will run, at most `limit`. */
  async pendingTasks(options: { queue?: string; limit: number }): Promise<Task[]> {
    return this.#store.pending(options);
  }

  stats(): EngineStats {
    return {
      nodeId: this.#nodeId,
      poolSize: this.#config.queue.workerPoolSize,
      running: this.#workers.running.size,
      buffered: this.#queues.bufferedCount(),
      bufferCapacity: this.#config.queue.maxBufferSize,
    };
  }

  async checkReadiness(): Promise<Readiness> {
    return checkReadiness(this.#pool);
  }

  /** Graceful: stop claiming, let running tasks finish up to shutdown.timeout, flush, release. */
  stop(): Promise<void> {
    this.#stopped ??= this.#stop().finally(() => this.relay.stop()); // dashboard: relay stops last
    return this.#stopped;
  }

  async #stop(): Promise<void> {
    if (!this.#processTasks) return;
    const { timeout } = this.#config.shutdown;
    this.#log.info({ running: this.#workers.running.size }, 'engine stopping');
    this.#feeder.stop();
    this.#workers.stopDispatching();
    await this.#notifier.close();
    const finished = await this.#workers.waitIdle(timeout);
    if (!finished) {
      this.#log.warn({ running: this.#workers.running.size }, 'shutdown timeout reached; releasing unfinished tasks');
      this.#workers.abortAll('shutdown');
    }
    this.#leases.stop();
    await this.#retention.stop();
    await this.#feeder.idle();
    if (!(await this.#results.drain(Math.max(5000, timeout)))) {
      this.#log.error({ pending: this.#results.pendingCount }, 'some task outcomes could not be written before exit');
    }
    this.#results.stop();
    try {
      const released = await releaseClaims(this.#pool, this.#nodeId);
      await markNodeStopped(this.#pool, this.#nodeId);
      this.#log.info({ released }, 'engine stopped');
    } catch (error) {
      this.#log.warn({ err: error }, 'could not release claims; the lease timeout will free them');
    }
    await this.#threads?.close?.();
    await this.#closeMailer?.().catch(() => {});
  }

  #queueConcurrency(queue: string): number {
    return this.#config.queue.queues.find((settings) => settings.id === queue)?.workers ?? 0;
  }

  #onNotification(channel: string, payload: string): void {
    if (channel === ENQUEUE_CHANNEL) this.#feeder.wake(payload);
    else if (channel === CANCEL_CHANNEL) this.#dropLocally(payload);
    else if (channel === QUEUE_CHANNEL) {
      this.#queueSummaryCache = undefined;
      this.#feeder
        .refreshQueues()
        .then(() => this.#workers.pump())
        .catch(() => {});
    }
  }

  /** A cancelled task: abort it if it runs here, drop it if it waits in this node's buffer. */
  #dropLocally(id: string): void {
    if (this.#workers.abort(id, 'cancelled')) return;
    for (const queue of this.#queues.all()) if (queue.buffer.remove(id)) return;
  }

  async #onLeaseLost(): Promise<void> {
    const lostNode = this.#nodeId;
    this.#workers.abortAll('lease_lost');
    for (const queue of this.#queues.all()) queue.buffer.drain();
    this.#results.forgetNode(lostNode);
    this.#nodeId = randomUUID();
    await registerNode(this.#pool, this.#nodeId);
    this.#log.warn({ lostNode, nodeId: this.#nodeId }, 'rejoined under a new node id');
    this.#feeder.wake();
  }

  #onRescued(tasks: RescuedTask[]): void {
    const at = new Date().toISOString();
    this.events.publish(
      tasks
        .filter((task) => task.wasRunning)
        .map((task) => ({
          kind: task.status === 'dead' ? ('dead' as const) : ('retrying' as const),
          taskId: task.id,
          queue: task.queue,
          type: task.type,
          priority: task.priority,
          attempt: task.attempts,
          at,
          nodeId: task.fromNode,
          error: 'worker lost',
        })),
    );
    for (const queue of new Set(tasks.map((task) => task.queue))) this.#feeder.wake(queue);
  }

  #publishRetried(tasks: Task[]): void {
    const at = new Date().toISOString();
    this.events.publish(
      tasks.map((task) => ({
        kind: 'retried' as const,
        taskId: task.id,
        queue: task.queue,
        type: task.type,
        priority: task.priority,
        attempt: 0,
        at,
        nodeId: this.#nodeId,
        key: task.dedupeKey ?? undefined,
      })),
    );
  }
}
