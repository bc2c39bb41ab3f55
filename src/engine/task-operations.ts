import type pg from 'pg';
import type { EngineStore } from '../db/engine-store.js';
import type { TaskStore } from '../db/task-store.js';
import type { EventBus } from '../events/event-bus.js';
import type { TaskEventKind, TaskLifecycleEvent } from '../events/task-event.js';
import type { Actor } from '../model/audit.js';
import type { Clock } from '../model/clock.js';
import type { RuntimeLimits } from '../model/flow-limits.js';
import type { DeadLetterFilter, QueueSummary, Task, WaitReason } from '../model/task.js';
import { audited } from './audited.js';
import { taskEvent } from './lifecycle-event.js';
import type { QueueLimits, QueueLimitsView } from './queue-limits.js';
import { EngineError } from './types.js';

const QUEUE_SUMMARY_TTL_MS = 2000;

/**
 * What an operator does to tasks and queues from outside the hot path: explain a wait, retry,
 * cancel, pause, list. The engine facade delegates here; the node-local effects (abort a running
 * task, wake the feeder) come back through the callbacks.
 */
export class TaskOperations {
  #queueSummaryCache: { at: number; value: Promise<QueueSummary[]> } | undefined;

  constructor(
    private readonly options: {
      pool: pg.Pool;
      store: TaskStore;
      /** The flow-limit reads and the database clock a wait is explained by. */
      engineStore: EngineStore;
      events: EventBus;
      nodeId: () => string;
      queueConcurrency: (queue: string) => number;
      /** Abort the task if it runs on this node; drop it if it waits in this node's buffer. */
      dropLocally: (id: string) => void;
      /** A queue's pause state changed on this node's request. */
      onQueueStateChanged: (queue: string, paused: boolean) => void;
      limits: QueueLimits;
      /** A queue's flow limits changed on this node's request. */
      onLimitsChanged: (queue: string) => void;
      /** "Is it due" by this clock (its sqlNow(), else the database's), as for the claim itself. */
      clock: Clock;
    },
  ) {}

  /** Why a waiting task is not running yet; undefined when it is not waiting. */
  async explainWait(id: string): Promise<WaitReason | undefined> {
    const { store, engineStore } = this.options;
    const task = await store.getTask(id);
    if (task?.status === 'blocked') {
      const { parents } = await store.dependencies(id);
      return { reason: 'parents', parents: parents.filter((parent) => parent.status !== 'succeeded') };
    }
    if (!task || (task.status !== 'queued' && task.status !== 'retrying')) return undefined;
    // "Is it due" is the clock's call (the database's, or a test's), as it is for the claim itself.
    const sqlNow = this.options.clock.sqlNow();
    const [now, states] = await Promise.all([sqlNow ?? engineStore.databaseNow(), store.queueStates()]);
    if (task.runAt.getTime() > now.getTime()) {
      return { reason: task.status === 'retrying' ? 'backoff' : 'scheduled', until: task.runAt };
    }
    if (states.get(task.queue)?.paused) return { reason: 'queue_paused', queue: task.queue };
    if (task.lockedBy) return { reason: 'claimed', nodeId: task.lockedBy };
    const flow = await this.#explainFlowLimits(task);
    if (flow) return flow;
    const limit = this.options.queueConcurrency(task.queue);
    if (limit > 0) {
      const running = await store.runningCount(task.queue);
      if (running >= limit) return { reason: 'queue_at_capacity', queue: task.queue, running, limit };
    }
    return { reason: 'tasks_ahead', ahead: await store.countAhead(task) };
  }

  /** A used-up rate window (with when it reopens) or a key at its cap; undefined when neither. */
  async #explainFlowLimits(task: Task): Promise<WaitReason | undefined> {
    const { rateLimit, maxPerKey } = this.options.limits.of(task.queue);
    if (rateLimit) {
      const window = await this.options.engineStore.rateWindowOf(task.queue, this.options.clock.sqlNow());
      const reopensAt = window?.startedAt ? window.startedAt.getTime() + rateLimit.perMs : undefined;
      if (
        window &&
        reopensAt !== undefined &&
        reopensAt > window.now.getTime() &&
        window.count >= rateLimit.max
      ) {
        return {
          reason: 'rate_limited',
          queue: task.queue,
          nextSlotAt: new Date(reopensAt),
          max: rateLimit.max,
          perMs: rateLimit.perMs,
        };
      }
    }
    if (maxPerKey !== null && task.concurrencyKey !== null) {
      const running = await this.options.engineStore.activeForKey({
        queue: task.queue,
        key: task.concurrencyKey,
      });
      if (running >= maxPerKey) {
        return {
          reason: 'key_at_capacity',
          queue: task.queue,
          key: task.concurrencyKey,
          running,
          limit: maxPerKey,
        };
      }
    }
    return undefined;
  }

  /**
   * Sets a queue's flow limits at run time (stored in PostgreSQL: every instance applies them,
   * and they survive restarts), recorded in the audit log. Returns the limits now in force.
   */
  async setLimits(queue: string, patch: RuntimeLimits, actor: Actor): Promise<QueueLimitsView> {
    const stored = await audited({
      pool: this.options.pool,
      actor,
      work: (db) => this.options.store.setLimits(queue, patch, db),
      describe: (limits) => ({
        action: 'queue.limits',
        targetType: 'queue',
        target: queue,
        details: { changed: patch, runtime: limits },
      }),
    });
    this.options.limits.setRuntime(queue, stored);
    this.invalidateQueueSummaries();
    this.options.onLimitsChanged(queue);
    return this.options.limits.view(queue);
  }

  /** dead or cancelled → queued with a fresh attempt budget; EngineError invalid_state otherwise. */
  async retryTask(id: string, actor: Actor): Promise<Task> {
    const retried = await audited({
      pool: this.options.pool,
      actor,
      work: async (db) => {
        const task = await this.options.store
          .retry(id, null, db, this.options.clock.sqlNow())
          .catch((error: unknown) => {
            // Another task with the same dedupe key is waiting or running, or ended and holds the key
            // for its unique window: a second one may not be.
            if ((error as { constraint?: string }).constraint === 'tasks_dedupe_idx') {
              throw new EngineError(
                'invalid_state',
                `task ${id} cannot run again while another task with its dedupe key is queued, running or retrying, or holds the key for its unique window (uniqueFor)`,
              );
            }
            throw error;
          });
        // Its parents were re-evaluated and one is dead or cancelled: the retry would change
        // nothing but the history, so it is refused (and rolled back) with the reason.
        if (task?.status === 'cancelled') {
          throw new EngineError(
            'invalid_state',
            `task ${id} cannot run: ${task.error ?? 'a parent failed'}; retry that parent first (this task then waits for it)`,
            { status: 'cancelled' },
          );
        }
        return task;
      },
      describe: (task) =>
        task && {
          action: 'task.retry',
          targetType: 'task',
          target: id,
          taskIds: [id],
          details: { queue: task.queue },
        },
    });
    if (retried) {
      this.options.events.publish([this.#event(retried, 'retried', { attempt: 0 })]);
      return retried;
    }
    const task = await this.#existing(id);
    throw new EngineError(
      'invalid_state',
      `task ${id} is ${task.status}; only dead or cancelled tasks can be retried`,
      {
        status: task.status,
      },
    );
  }

  async retryDeadLetters(
    filter: DeadLetterFilter,
    actor: Actor,
  ): Promise<{ retried: number; ids: string[] }> {
    const retried = await audited({
      pool: this.options.pool,
      actor,
      work: (db) => this.options.store.retryDead(filter, db, this.options.clock.sqlNow()),
      describe: (tasks) =>
        tasks.length === 0
          ? undefined
          : {
              action: 'dead_letter.retry',
              targetType: 'dead_letter',
              target: filter.queue ?? null,
              taskIds: tasks.map((task) => task.id),
              details: {
                filter: { ...filter, ...(filter.ids ? { ids: filter.ids.length } : {}) },
                retried: tasks.length,
              },
            },
    });
    this.options.events.publish(retried.map((task) => this.#event(task, 'retried', { attempt: 0 })));
    return { retried: retried.length, ids: retried.map((task) => task.id) };
  }

  /** Stops a waiting task, aborts a running one; EngineError invalid_state when already finished. */
  async cancelTask(id: string, actor: Actor): Promise<Task> {
    const cancelled = await audited({
      pool: this.options.pool,
      actor,
      work: (db) => this.options.store.cancel(id, db, this.options.clock.sqlNow()),
      describe: (change) =>
        change && {
          action: 'task.cancel',
          targetType: 'task',
          target: id,
          taskIds: [id],
          details: { queue: change.task.queue, from: change.previous },
        },
    });
    if (cancelled) {
      this.options.dropLocally(id);
      const { task } = cancelled;
      this.options.events.publish([this.#event(task, 'cancelled', { at: task.finishedAt ?? undefined })]);
      return task;
    }
    const task = await this.#existing(id);
    throw new EngineError('invalid_state', `task ${id} is already ${task.status}`, { status: task.status });
  }

  async setPaused(queue: string, paused: boolean, actor: Actor): Promise<void> {
    await audited({
      pool: this.options.pool,
      actor,
      work: (db) => this.options.store.setPaused(queue, paused, db),
      describe: () => ({
        action: paused ? 'queue.pause' : 'queue.resume',
        targetType: 'queue',
        target: queue,
      }),
    });
    this.invalidateQueueSummaries();
    this.options.onQueueStateChanged(queue, paused);
  }

  /** Counts per queue; cached for a moment so dashboards and scrapers share one read. */
  listQueues(options: { fresh?: boolean } = {}): Promise<QueueSummary[]> {
    const cached = this.#queueSummaryCache;
    if (!options.fresh && cached && Date.now() - cached.at < QUEUE_SUMMARY_TTL_MS) return cached.value;
    const value = Promise.all([
      this.options.store.queueSummaries(this.options.queueConcurrency),
      // Another instance may have changed a queue's limits: show what PostgreSQL holds.
      this.options.store.queueStates().then((states) => this.options.limits.update(states)),
    ]).then(([queues]) =>
      queues.map((queue) => {
        const { rateLimit, maxPerKey, source } = this.options.limits.view(queue.name);
        return { ...queue, rateLimit, maxPerKey, limitsSource: source };
      }),
    );
    this.#queueSummaryCache = { at: Date.now(), value };
    value.catch(() => {
      if (this.#queueSummaryCache?.value === value) this.#queueSummaryCache = undefined;
    });
    return value;
  }

  invalidateQueueSummaries(): void {
    this.#queueSummaryCache = undefined;
  }

  async #existing(id: string): Promise<Task> {
    const task = await this.options.store.getTask(id);
    if (!task) throw new EngineError('task_not_found', `task ${id} does not exist`);
    return task;
  }

  #event(
    task: Pick<Task, 'id' | 'queue' | 'type' | 'priority' | 'attempts' | 'dedupeKey'>,
    kind: TaskEventKind,
    overrides: { attempt?: number; at?: Date } = {},
  ): TaskLifecycleEvent {
    return taskEvent(task, {
      kind,
      attempt: overrides.attempt ?? task.attempts,
      at: (overrides.at ?? new Date(this.options.clock.now())).toISOString(),
      nodeId: this.options.nodeId(),
    });
  }
}
