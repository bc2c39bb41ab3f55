import type pg from 'pg';
import { AuditStore } from '../db/audit-store.js';
import { createEngineStore, type EngineStore } from '../db/engine-store.js';
import { checkReadiness, type Readiness } from '../db/migrate.js';
import { PayloadCipher } from '../db/payload-cipher.js';
import { TaskStore } from '../db/task-store.js';
import type { Queryable } from '../db/transaction.js';
import { EventBus } from '../events/event-bus.js';
import type { Logger } from '../logger.js';
import { type Actor, ANONYMOUS, type AuditEntry, type AuditPage } from '../model/audit.js';
import { type Clock, systemClock } from '../model/clock.js';
import type { FiredTick, Schedule, ScheduleDefinition } from '../model/schedule.js';
import type {
  DeadLetterFilter,
  EnqueueResult,
  NewTask,
  QueueSummary,
  RunningTask,
  Task,
  TaskHistoryEntry,
  TaskListFilter,
  TaskPage,
  TaskStatus,
  WaitReason,
} from '../model/task.js';
import type { TaskRegistry } from '../tasks/registry.js';
import type { ClaimPlan } from './claim-at-insert.js';
import { enqueueTasks } from './enqueue.js';
import { EnqueueAnnouncer } from './enqueue-announcer.js';
import { checkBatch, type ValidationIssue } from './enqueue-rules.js';
import { EventRelay } from './event-relay.js';
import { withExternalTypes } from './external-types.js';
import { NodeRuntime } from './node-runtime.js';
import { QueueLimits, type QueueLimitsView, type RuntimeLimits } from './queue-limits.js';
import { ScheduleOperations } from './schedule-operations.js';
import { Scheduler } from './scheduler.js';
import { TaskOperations } from './task-operations.js';
import type { EngineConfig, EngineStats } from './types.js';
import { WorkSignal } from './work-signal.js';
import { WorkerLeases } from './worker-leases.js';
import type { ThreadExecutor } from './worker-pool.js';

export interface EngineOptions {
  /** The engine's own settings (queue, lease, shutdown, retention, tasks, api.maxBacklog). */
  config: EngineConfig;
  pool: pg.Pool;
  /** For the dedicated LISTEN connections: a URL or the pool's connection settings. */
  databaseUrl: string | pg.ClientConfig;
  log: Logger;
  registry: TaskRegistry;
  /** Handed to every handler as ctx.services. */
  services?: unknown;
  /** Worker threads for handlers with `thread` set; one per core (up to the pool size) by default. */
  threads?: ThreadExecutor & { close?(): Promise<void> };
  events?: EventBus;
  nodeId?: string;
  /** false: accept and read, but run nothing (API-only tests, tools). Default true. */
  processTasks?: boolean;
  /**
   * Cron schedules: `autoRun: false` leaves rounds to `runSchedules()`. The scheduler runs only
   * where tasks are processed.
   */
  scheduler?: { autoRun?: boolean };
  /**
   * The time every service reads: due tasks, backoffs, leases, rescue, retention, schedules and
   * the timestamps written. The system clock by default (SQL then keeps the database's own
   * clock); tests hand a clock they move (test/support/manual-clock.ts) instead of sleeping.
   */
  clock?: Clock;
}

/** The facade api/ talks to. Everything else under engine/ is an implementation detail. */
export class Engine {
  readonly events: EventBus;
  /** dashboard: this node's events sent to the other nodes, theirs received (GET /events). */
  readonly relay: EventRelay;
  readonly registry: TaskRegistry;
  readonly #config: EngineConfig;
  readonly #pool: pg.Pool;
  readonly #store: TaskStore;
  /** Every statement of the engine's services, built once from the pool. */
  readonly #engineStore: EngineStore;
  readonly #audit: AuditStore;
  readonly #runtime: NodeRuntime;
  readonly #operations: TaskOperations;
  readonly #work = new WorkSignal();
  readonly #announcer: EnqueueAnnouncer;
  readonly #limits: QueueLimits;
  /** The HTTP worker protocol (api/routes/workers.ts): claim, heartbeat, complete, fail. */
  readonly workerLeases: WorkerLeases;
  readonly #processTasks: boolean;
  readonly #scheduler: Scheduler;
  readonly #schedules: ScheduleOperations;
  readonly #autoRunSchedules: boolean;
  readonly #clock: Clock;
  #stopped: Promise<void> | undefined;

  private constructor(options: EngineOptions) {
    const { config, pool } = options;
    const log = options.log.child({ component: 'engine' });
    this.#engineStore = createEngineStore(pool);
    this.#announcer = new EnqueueAnnouncer(this.#engineStore, log);
    const clock = options.clock ?? systemClock;
    this.#clock = clock;
    this.#config = config;
    this.#pool = pool;
    this.#processTasks = options.processTasks ?? true;
    this.registry = withExternalTypes(options.registry, config.tasks.external);
    this.events =
      options.events ??
      new EventBus({ onError: (error) => log.warn({ err: error }, 'event listener failed') });
    this.#store = new TaskStore(pool, PayloadCipher.from(config.security.encryptionKeys));
    this.#limits = new QueueLimits(config.queue.queues);
    this.workerLeases = new WorkerLeases({
      limits: this.#limits,
      engineStore: this.#engineStore,
      store: this.#store,
      config,
      registry: this.registry,
      events: this.events,
      signal: this.#work,
      clock,
    });
    this.#audit = new AuditStore(pool);
    this.#runtime = new NodeRuntime({
      ...options,
      registry: this.registry,
      onWork: (queue) => this.#work.wake(queue),
      // The lease round also folds the queue-count deltas of enqueues in callers' transactions.
      expireWorkerLeases: async () => {
        await this.workerLeases.expireRound();
        await this.#store.foldQueueCountDeltas();
      },
      log,
      store: this.#store,
      engineStore: this.#engineStore,
      events: this.events,
      onQueueStateChanged: () => this.#operations.invalidateQueueSummaries(),
      limits: this.#limits,
      clock,
    });
    this.#operations = new TaskOperations({
      pool,
      store: this.#store,
      engineStore: this.#engineStore,
      events: this.events,
      nodeId: () => this.#runtime.nodeId,
      queueConcurrency: (queue) => this.#runtime.queueConcurrency(queue),
      dropLocally: (id) => this.#runtime.dropLocally(id),
      onQueueStateChanged: (queue, paused) => this.#runtime.setPaused(queue, paused),
      limits: this.#limits,
      onLimitsChanged: (queue) => this.#runtime.limitsChanged(queue),
      clock,
    });
    this.#autoRunSchedules = options.scheduler?.autoRun ?? true;
    this.#scheduler = new Scheduler({
      pool,
      engineStore: this.#engineStore,
      config,
      registry: this.registry,
      events: this.events,
      log,
      nodeId: () => this.#runtime.nodeId,
      clock,
      idleMs: config.queue.pollInterval,
    });
    this.#schedules = new ScheduleOperations({
      pool,
      config,
      registry: this.registry,
      clock,
      onChanged: () => this.#scheduler.wake(),
    });
    // dashboard: the event relay (started with the engine, stopped after its last flush).
    this.relay = new EventRelay({
      url: options.databaseUrl,
      pool,
      local: this.events,
      nodeId: () => this.#runtime.nodeId,
      log,
    });
  }

  static async start(options: EngineOptions): Promise<Engine> {
    const engine = new Engine(options);
    await engine.#store.ensureQueues(options.config.queue.queues.map((queue) => queue.id));
    // Run-time limits from PostgreSQL; without the database now, the first queue refresh reads them.
    await engine.#store
      .queueStates()
      .then((states) => engine.#limits.update(states))
      .catch(() => {});
    // A bad schedule in config stops the start (ConfigError) before anything runs. A node that runs
    // nothing and lists no schedules leaves them alone (tools such as the OpenAPI dump have no database).
    if (engine.#processTasks || options.config.schedules.length > 0) await engine.#schedules.syncConfig();
    await engine.relay.start(); // dashboard
    if (engine.#processTasks) {
      await engine.#runtime.start();
      if (engine.#autoRunSchedules) engine.#scheduler.start();
    }
    return engine;
  }

  /** Payloads and results are encrypted at rest (security.encryptionKeys is set). */
  get encrypted(): boolean {
    return this.#store.cipher !== undefined;
  }

  get nodeId(): string {
    return this.#runtime.nodeId;
  }

  /**
   * Validates every task (known type, payload schema, priority range), then stores all of them in
   * one INSERT; resolves after COMMIT. Throws EngineError('validation_failed', …, details:
   * [{index, path, message}]) when any item is bad (nothing stored), or 'backlog_full'.
   */
  async enqueueBatch(
    tasks: readonly NewTask[],
    options: { createdBy?: string; client?: Queryable } = {},
  ): Promise<EnqueueResult> {
    if (options.client) return this.#enqueueInTransaction(tasks, options.client, options.createdBy);
    let plan: ClaimPlan | undefined;
    let outcome: Awaited<ReturnType<typeof enqueueTasks>>;
    try {
      outcome = await enqueueTasks({
        tasks,
        createdBy: options.createdBy ?? null,
        pool: this.#pool,
        store: this.#store,
        engineStore: this.#engineStore,
        registry: this.registry,
        config: this.#config,
        nodeId: this.#runtime.nodeId,
        notifyInStatement: false,
        clock: this.#clock,
        claim: (prepared) => {
          for (const task of prepared)
            if ((task.concurrencyKey ?? null) !== null) this.#limits.markKeyed(task.queue);
          plan = this.#runtime.planClaims(prepared);
          return plan.ids;
        },
      });
    } catch (error) {
      if (plan) this.#runtime.adopt(plan, []);
      throw error;
    }
    const { result, events, claimed } = outcome;
    this.events.publish(events);
    if (plan) this.#runtime.adopt(plan, claimed);
    if (outcome.claimRefused) this.#runtime.claimRefused();
    // Whatever this node did not take waits for a claim, here or on any other node.
    const claimedIds = new Set(claimed.map((task) => task.id));
    const waiting = new Set(
      result.accepted.filter((task) => !claimedIds.has(task.id)).map((task) => task.queue),
    );
    for (const queue of waiting) this.#runtime.wake(queue);
    this.#announcer.announce(waiting);
    return result;
  }

  /**
   * The rules of enqueueBatch without storing anything: every problem of the batch by index and
   * field. An undefined entry (a task the caller could not read) is skipped but keeps its index.
   */
  checkBatch(tasks: ReadonlyArray<NewTask | undefined>): ValidationIssue[] {
    return checkBatch(tasks, { registry: this.registry, config: this.#config });
  }

  /**
   * The INSERT joins the caller's transaction (`client` is inside its BEGIN). Nothing is claimed
   * at insert and no event is published: the rows exist only once the caller commits, and then
   * the NOTIFY sent inside the transaction (delivered on commit) wakes the feeders. A workflow's
   * children are attached to their parents at that commit (see `insertWorkflow`).
   */
  async #enqueueInTransaction(
    tasks: readonly NewTask[],
    client: Queryable,
    createdBy: string | undefined,
  ): Promise<EnqueueResult> {
    const { result } = await enqueueTasks({
      tasks,
      createdBy: createdBy ?? null,
      pool: this.#pool,
      store: this.#store,
      engineStore: this.#engineStore,
      registry: this.registry,
      config: this.#config,
      nodeId: this.#runtime.nodeId,
      client,
      clock: this.#clock,
    });
    return result;
  }

  async getTask(id: string): Promise<Task | undefined> {
    return this.#store.getTask(id);
  }

  /** The stored tasks among these ids, in one read (an id with no task is left out). */
  async getTasks(ids: readonly string[]): Promise<Task[]> {
    return this.#store.getTasks(ids);
  }

  /** Every status change of a task, in order; `createdAt` (the task's) lets the read skip older days. */
  async getTaskHistory(id: string, options: { createdAt?: Date } = {}): Promise<TaskHistoryEntry[]> {
    return this.#store.getHistory(id, options);
  }

  /** Why a waiting task is not running yet; undefined when it is not waiting. */
  /** A task's parents (with their status now) and the ids of the tasks that depend on it. */
  taskDependencies(id: string): Promise<{
    parents: Array<{ id: string; status: TaskStatus | null }>;
    children: string[];
  }> {
    return this.#store.dependencies(id);
  }

  explainWait(id: string): Promise<WaitReason | undefined> {
    return this.#operations.explainWait(id);
  }

  /**
   * dead or cancelled → queued with a fresh attempt budget; EngineError invalid_state otherwise.
   * Operator actions take the actor who asked; it is written to the audit log with the change.
   */
  retryTask(id: string, actor: Actor = ANONYMOUS): Promise<Task> {
    return this.#operations.retryTask(id, actor);
  }

  /** Stops a waiting task, aborts a running one; EngineError invalid_state when already finished. */
  cancelTask(id: string, actor: Actor = ANONYMOUS): Promise<Task> {
    return this.#operations.cancelTask(id, actor);
  }

  pauseQueue(name: string, actor: Actor = ANONYMOUS): Promise<void> {
    return this.#operations.setPaused(name, true, actor);
  }

  resumeQueue(name: string, actor: Actor = ANONYMOUS): Promise<void> {
    return this.#operations.setPaused(name, false, actor);
  }

  /**
   * Sets a queue's flow limits at run time (rate limit, cap per concurrency key): stored in
   * PostgreSQL, applied by every instance, kept across restarts, written to the audit log.
   */
  setQueueLimits(name: string, patch: RuntimeLimits, actor: Actor = ANONYMOUS): Promise<QueueLimitsView> {
    return this.#operations.setLimits(name, patch, actor);
  }

  /** Every schedule by name, with its next and last tick. */
  listSchedules(): Promise<Schedule[]> {
    return this.#schedules.list();
  }

  /** EngineError schedule_not_found when there is none by that name. */
  getSchedule(name: string): Promise<Schedule> {
    return this.#schedules.get(name);
  }

  /**
   * Creates or replaces a schedule (the whole definition); EngineError validation_failed with
   * [{field, message}] for a bad expression, zone or task.
   */
  putSchedule(
    name: string,
    definition: ScheduleDefinition,
    actor: Actor = ANONYMOUS,
  ): Promise<{ schedule: Schedule; created: boolean }> {
    return this.#schedules.put(name, definition, actor);
  }

  deleteSchedule(name: string, actor: Actor = ANONYMOUS): Promise<Schedule> {
    return this.#schedules.delete(name, actor);
  }

  pauseSchedule(name: string, actor: Actor = ANONYMOUS): Promise<Schedule> {
    return this.#schedules.setPaused(name, true, actor);
  }

  /** The next tick is counted from now: ticks missed while paused do not fire. */
  resumeSchedule(name: string, actor: Actor = ANONYMOUS): Promise<Schedule> {
    return this.#schedules.setPaused(name, false, actor);
  }

  /** One scheduler round now: every due tick fired once (cluster-wide). Tests and tools. */
  runSchedules(): Promise<FiredTick[]> {
    return this.#scheduler.runOnce();
  }

  /** The operator audit log, newest first (keyset: pass `next` as `after`). */
  listAudit(filter: { limit: number; after?: number }): Promise<AuditPage> {
    return this.#audit.list(filter);
  }

  /** The operator actions that touched one task, oldest first. */
  taskAudit(id: string): Promise<AuditEntry[]> {
    return this.#audit.forTask(id);
  }

  /** Counts per queue (exact, from queue_counts), cached for a moment. */
  listQueues(options: { fresh?: boolean } = {}): Promise<QueueSummary[]> {
    return this.#operations.listQueues(options);
  }

  async listTasks(filter: TaskListFilter): Promise<TaskPage> {
    return this.#store.listTasks(filter);
  }

  async listDeadLetters(filter: { queue?: string; limit: number; after?: string }): Promise<TaskPage> {
    return this.#store.listTasks({ ...filter, status: 'dead' });
  }

  retryDeadLetters(
    filter: DeadLetterFilter,
    actor: Actor = ANONYMOUS,
  ): Promise<{ retried: number; ids: string[] }> {
    return this.#operations.retryDeadLetters(filter, actor);
  }

  /** Tasks running on this node now, oldest start first. */
  runningTasks(): RunningTask[] {
    return this.#runtime.runningTasks();
  }

  /** Waiting tasks (all nodes) in the order they will run, at most `limit`. */
  async pendingTasks(options: { queue?: string; limit: number }): Promise<Task[]> {
    return this.#store.pending(options);
  }

  stats(): EngineStats {
    return this.#runtime.stats();
  }

  async checkReadiness(): Promise<Readiness> {
    return checkReadiness(this.#pool);
  }

  /** Graceful: stop claiming, let running tasks finish up to shutdown.timeout, flush, release. */
  stop(): Promise<void> {
    this.#stopped ??= this.#scheduler
      .stop()
      .then(() => this.#runtime.stop())
      .finally(() => this.#announcer.settled())
      .finally(() => this.relay.stop()); // dashboard: relay stops last
    return this.#stopped;
  }
}
