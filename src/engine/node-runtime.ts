import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type pg from 'pg';
import { CANCEL_CHANNEL, ENQUEUE_CHANNEL, QUEUE_CHANNEL } from '../db/channels.js';
import type { EngineStore, RescuedTask } from '../db/engine-store.js';
import type { TaskStore } from '../db/task-store.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../model/clock.js';
import type { RunningTask } from '../model/task.js';
import type { TaskRegistry } from '../tasks/registry.js';
import { adoptClaims, type ClaimPlan, planClaims } from './claim-at-insert.js';
import type { PreparedTask } from './enqueue.js';
import { EventPartitionKeeper } from './event-partition-keeper.js';
import { Feeder } from './feeder.js';
import { LeaseKeeper } from './lease-keeper.js';
import { taskEvent } from './lifecycle-event.js';
import { LocalQueues } from './local-queues.js';
import { Notifier } from './notifier.js';
import type { QueueLimits } from './queue-limits.js';
import { ResultLoop } from './result-loop.js';
import { RetentionJob } from './retention.js';
import { ThreadRunner } from './thread-runner.js';
import type { EngineConfig, EngineStats } from './types.js';
import { type ThreadExecutor, WorkerPool } from './worker-pool.js';

export interface NodeRuntimeOptions {
  config: EngineConfig;
  pool: pg.Pool;
  databaseUrl: string | pg.ClientConfig;
  log: Logger;
  registry: TaskRegistry;
  store: TaskStore;
  /** The statements of the feeder, result loop and lease keeper (one store for the node). */
  engineStore: EngineStore;
  events: EventBus;
  /** Handed to every handler as ctx.services. */
  services?: unknown;
  threads?: ThreadExecutor & { close?(): Promise<void> };
  nodeId?: string;
  /** Called when another node changed a queue's state (pause, resume). */
  onQueueStateChanged: () => void;
  /** Work may be waiting in `queue` (any queue when undefined): long-polling HTTP claims listen. */
  onWork?: (queue?: string) => void;
  /** The lease round's expiry of HTTP workers' leases. */
  expireWorkerLeases?: () => Promise<unknown>;
  /** Flow limits per queue (rate limits, caps per concurrency key), shared with the engine. */
  limits: QueueLimits;
  /** The one clock every service of this node reads (see model/clock.ts). */
  clock: Clock;
}

/**
 * This node's share of the work: its registration and heartbeat, the buffers the feeder fills,
 * the worker pool, the result loop, the LISTEN connection and the retention job, with the order
 * in which they start and stop.
 */
export class NodeRuntime {
  readonly #config: EngineConfig;
  readonly #engineStore: EngineStore;
  readonly #log: Logger;
  readonly #events: EventBus;
  readonly #queues: LocalQueues;
  readonly #results: ResultLoop;
  readonly #workers: WorkerPool;
  readonly #feeder: Feeder;
  readonly #leases: LeaseKeeper;
  readonly #notifier: Notifier;
  readonly #threads: NodeRuntimeOptions['threads'];
  readonly #retention: RetentionJob;
  readonly #partitions: EventPartitionKeeper;
  readonly #onWork: ((queue?: string) => void) | undefined;
  readonly #limits: QueueLimits;
  readonly #clock: Clock;
  #nodeId: string;
  #started = false;
  #stopping = false;

  constructor(options: NodeRuntimeOptions) {
    const { config, pool, log, engineStore } = options;
    this.#config = config;
    this.#engineStore = engineStore;
    this.#log = log;
    this.#events = options.events;
    this.#onWork = options.onWork;
    this.#limits = options.limits;
    const clock = options.clock;
    this.#clock = clock;
    this.#nodeId = options.nodeId ?? randomUUID();
    this.#threads =
      options.threads ??
      new ThreadRunner({
        // One core stays with the event loop, so the API answers while CPU-bound tasks run.
        size: Math.max(1, Math.min(config.queue.workerPoolSize, availableParallelism() - 1)),
        log,
      });
    this.#queues = new LocalQueues({
      settings: config.queue.queues,
      maxBufferSize: config.queue.maxBufferSize,
      starvationEvery: config.queue.starvationEvery,
      pollIntervalMs: config.queue.pollInterval,
      externalQueues: options.registry.externalQueues(),
    });
    this.#results = new ResultLoop({ engineStore, events: options.events, log, clock });
    this.#retention = new RetentionJob({ pool, config, log, clock });
    this.#partitions = new EventPartitionKeeper({ pool, log, now: () => clock.now() });
    this.#feeder = new Feeder({
      engineStore,
      queues: this.#queues,
      nodeId: () => this.#nodeId,
      maxBufferSize: config.queue.maxBufferSize,
      oldestShare: config.queue.claimOldestShare,
      pollIntervalMs: config.queue.pollInterval,
      log,
      onClaimed: () => this.#workers.pump(),
      limits: options.limits,
      freeSlots: () => config.queue.workerPoolSize - this.#workers.running.size,
      onClaimRefused: () => this.claimRefused(),
      clock,
    });
    this.#workers = new WorkerPool({
      poolSize: config.queue.workerPoolSize,
      queues: this.#queues,
      registry: options.registry,
      results: this.#results,
      log,
      nodeId: () => this.#nodeId,
      services: options.services,
      threads: this.#threads,
      cipher: options.store.cipher,
      defaultTimeoutMs: config.queue.defaultTimeout,
      maxBufferSize: config.queue.maxBufferSize,
      onLowBuffer: () => this.#feeder.request(),
      isLimited: (queue) => options.limits.isLimited(queue),
      // A limited queue's outcome frees a key's slot (and room to start): claim again.
      onLimitedReleased: (queue) => this.#feeder.wake(queue),
      clock,
      recheckMs: config.queue.pollInterval,
    });
    this.#leases = new LeaseKeeper({
      engineStore,
      nodeId: () => this.#nodeId,
      heartbeatMs: config.lease.heartbeatInterval,
      leaseMs: config.lease.timeout,
      log,
      onLeaseLost: () => this.#onLeaseLost(),
      onRescued: (tasks) => this.#onRescued(tasks),
      expireWorkerLeases: options.expireWorkerLeases,
      clock,
    });
    this.#notifier = new Notifier({
      url: options.databaseUrl,
      channels: [ENQUEUE_CHANNEL, CANCEL_CHANNEL, QUEUE_CHANNEL],
      log,
      onNotification: (channel, payload) => {
        if (channel === ENQUEUE_CHANNEL) this.wake(payload);
        else if (channel === CANCEL_CHANNEL) this.dropLocally(payload);
        else if (channel === QUEUE_CHANNEL) {
          options.onQueueStateChanged();
          this.#feeder
            .refreshQueues()
            .then(() => this.#workers.pump())
            .catch(() => {});
        }
      },
      onReconnect: () => this.wake(),
    });
  }

  get nodeId(): string {
    return this.#nodeId;
  }

  async start(): Promise<void> {
    await this.#engineStore.registerNode(this.#nodeId, this.#clock.sqlNow());
    await this.#partitions.start();
    await this.#notifier.start();
    await this.#feeder.refreshQueues().catch(() => {});
    this.#leases.start();
    this.#feeder.start();
    this.#retention.start();
    this.#started = true;
    this.#log.info({ nodeId: this.#nodeId, poolSize: this.#config.queue.workerPoolSize }, 'engine started');
  }

  /** Which tasks of a batch being enqueued this node takes straight into its buffers (see claim-at-insert.ts). */
  planClaims(tasks: readonly PreparedTask[]): ClaimPlan {
    if (!this.#started || this.#stopping) return { ids: new Set(), reservations: new Map() };
    return planClaims({
      queues: this.#queues,
      maxBufferSize: this.#config.queue.maxBufferSize,
      tasks,
      // Limited queues are claimed only through their booking (pickLimited).
      isLimited: (queue) => this.#limits.isLimited(queue),
    });
  }

  /** Ends a claim plan: what the INSERT stored goes into the buffers and may start at once. */
  adopt(plan: ClaimPlan, tasks: readonly PreparedTask[]): void {
    if (adoptClaims({ queues: this.#queues, plan, tasks }) > 0) this.#workers.pump();
  }

  /**
   * A claim found this node declared dead (it was paused or cut off past its lease): run a lease
   * round now, whose heartbeat sees the same and rejoins under a new id, instead of waiting for
   * the next heartbeat while the feeder keeps asking.
   */
  claimRefused(): void {
    if (!this.#started || this.#stopping) return;
    this.#log.warn({ nodeId: this.#nodeId }, 'a claim found this node declared dead; checking its lease');
    this.#leases.runOnce().catch(() => {});
  }

  /** New work may wait in `queue` (any queue when omitted). */
  wake(queue?: string): void {
    this.#onWork?.(queue);
    if (this.#started) this.#feeder.wake(queue);
  }

  /** A cancelled task: abort it if it runs here, drop it if it waits in this node's buffer. */
  dropLocally(id: string): void {
    if (this.#workers.abort(id, 'cancelled')) return;
    for (const queue of this.#queues.all()) if (queue.buffer.remove(id)) return;
  }

  setPaused(queue: string, paused: boolean): void {
    this.#queues.get(queue).paused = paused;
    if (!paused && this.#started) {
      this.#feeder.wake(queue);
      this.#workers.pump();
    }
  }

  /** A queue's flow limits changed on this node's request: re-read them and claim again. */
  limitsChanged(queue: string): void {
    if (!this.#started) return;
    this.#feeder
      .refreshQueues()
      .catch(() => {})
      .finally(() => this.#feeder.wake(queue));
  }

  queueConcurrency(queue: string): number {
    return this.#config.queue.queues.find((settings) => settings.id === queue)?.workers ?? 0;
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

  stats(): EngineStats {
    return {
      nodeId: this.#nodeId,
      poolSize: this.#config.queue.workerPoolSize,
      running: this.#workers.running.size,
      buffered: this.#queues.bufferedCount(),
      bufferCapacity: this.#config.queue.maxBufferSize,
    };
  }

  /** Graceful: stop claiming, let running tasks finish up to shutdown.timeout, flush, release. */
  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#stopping = true;
    const { timeout } = this.#config.shutdown;
    this.#log.info({ running: this.#workers.running.size }, 'engine stopping');
    this.#feeder.stop();
    this.#workers.stopDispatching();
    await this.#notifier.close();
    // Claimed tasks that will not start here go back at once, so another node can start them
    // while this one lets its running tasks finish.
    const unstarted = [...this.#queues.all()].flatMap((queue) =>
      queue.buffer.drain().map((entry) => entry.id),
    );
    if (unstarted.length > 0) {
      await this.#engineStore
        .releaseClaims(this.#nodeId, unstarted)
        .catch((error: unknown) =>
          this.#log.warn(
            { error: (error as Error).message },
            'could not release claims early; released at the end',
          ),
        );
    }
    if (!(await this.#workers.waitIdle(timeout))) {
      this.#log.warn(
        { running: this.#workers.running.size },
        'shutdown timeout reached; releasing unfinished tasks',
      );
      this.#workers.abortAll('shutdown');
    }
    this.#leases.stop();
    await this.#retention.stop();
    await this.#partitions.stop();
    await this.#feeder.idle();
    if (!(await this.#results.drain(Math.max(5000, timeout)))) {
      this.#log.error(
        { pending: this.#results.pendingCount },
        'some task outcomes could not be written before exit',
      );
    }
    this.#results.stop();
    try {
      const released = await this.#engineStore.releaseClaims(this.#nodeId);
      await this.#engineStore.markNodeStopped(this.#nodeId, this.#clock.sqlNow());
      this.#log.info({ released }, 'engine stopped');
    } catch (error) {
      this.#log.warn({ err: error }, 'could not release claims; the lease timeout will free them');
    }
    await this.#threads?.close?.();
  }

  /** Another node declared this one dead: drop everything it held and rejoin under a new id. */
  async #onLeaseLost(): Promise<void> {
    const lostNode = this.#nodeId;
    this.#workers.abortAll('lease_lost');
    for (const queue of this.#queues.all()) queue.buffer.drain();
    this.#results.forgetNode(lostNode);
    this.#nodeId = randomUUID();
    await this.#engineStore.registerNode(this.#nodeId, this.#clock.sqlNow());
    this.#log.warn({ lostNode, nodeId: this.#nodeId }, 'rejoined under a new node id');
    this.#feeder.wake();
  }

  #onRescued(tasks: RescuedTask[]): void {
    const at = new Date(this.#clock.now()).toISOString();
    this.#events.publish(
      tasks
        .filter((task) => task.wasRunning)
        .map((task) =>
          taskEvent(task, {
            kind: task.status === 'dead' ? 'dead' : 'retrying',
            attempt: task.attempts,
            at,
            nodeId: task.fromNode,
            error: 'worker lost',
          }),
        ),
    );
    for (const queue of new Set(tasks.map((task) => task.queue))) this.wake(queue);
  }
}
