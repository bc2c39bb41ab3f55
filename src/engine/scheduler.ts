import type pg from 'pg';
import { parseCron } from '../config/cron-expression.js';
import type { EngineStore } from '../db/engine-store.js';
import {
  databaseNow,
  lockDueSchedules,
  nextScheduledTick,
  recordTicks,
  type TickRecord,
} from '../db/schedule-store.js';
import { inTransaction } from '../db/transaction.js';
import type { EventBus } from '../events/event-bus.js';
import type { TaskLifecycleEvent } from '../events/task-event.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../model/clock.js';
import type { FiredTick } from '../model/schedule.js';
import type { TaskRegistry } from '../tasks/registry.js';
import type { PreparedTask, ValidationIssue } from './enqueue.js';
import { taskEvent } from './lifecycle-event.js';
import { prepareTick } from './schedule-definition.js';
import type { EngineConfig } from './types.js';
import { EngineError } from './types.js';

/** Due schedules locked per transaction; a round goes on until none is left. */
const SCHEDULES_PER_TRANSACTION = 100;

export interface SchedulerOptions {
  pool: pg.Pool;
  /** The INSERT of each tick's task, inside the round's transaction. */
  engineStore: EngineStore;
  config: EngineConfig;
  registry: TaskRegistry;
  events: EventBus;
  log: Logger;
  nodeId: () => string;
  /**
   * The clock ticks are due by: its sqlNow(), or the database clock when that is null (the system
   * clock's case: every node agrees on it). Rounds are paced by real timers.
   */
  clock: Clock;
  /** How long a node waits at most before it looks again (other nodes' changes); ms. */
  idleMs: number;
}

/**
 * Fires due cron ticks. Each round locks the due schedules (SKIP LOCKED), inserts one task per
 * schedule and moves its next tick past now in the same transaction, so a tick makes exactly one
 * task however many nodes run, and ticks missed while every node was down fire once, not once each.
 */
export class Scheduler {
  readonly #options: SchedulerOptions;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<unknown> | undefined;
  #started = false;

  constructor(options: SchedulerOptions) {
    this.#options = options;
    this.#log = options.log.child({ component: 'scheduler' });
  }

  /** One round: every due tick fired, each schedule's next tick set. Returns what it fired. */
  async runOnce(): Promise<FiredTick[]> {
    const fired: FiredTick[] = [];
    for (;;) {
      const { ticks, events } = await this.#fireBatch();
      fired.push(...ticks);
      if (events.length > 0) this.#options.events.publish(events);
      if (ticks.length < SCHEDULES_PER_TRANSACTION) return fired;
    }
  }

  async #fireBatch(): Promise<{ ticks: FiredTick[]; events: TaskLifecycleEvent[] }> {
    const { pool, registry, config } = this.#options;
    return inTransaction(pool, async (client) => {
      const now = this.#options.clock.sqlNow() ?? (await databaseNow(client));
      const due = await lockDueSchedules(client, {
        now,
        taskTypes: registry.types(),
        limit: SCHEDULES_PER_TRANSACTION,
      });
      const ticks: FiredTick[] = [];
      const records: TickRecord[] = [];
      const inserted: PreparedTask[] = [];
      for (const schedule of due) {
        const tick = schedule.nextRunAt!;
        let nextRunAt: Date | null;
        let task: PreparedTask | undefined;
        let error: string | null = null;
        try {
          nextRunAt = parseCron(schedule.cron, schedule.timezone).nextAfter(now);
        } catch (cause) {
          // Stored definitions were checked when set; a zone this runtime no longer knows stops it.
          nextRunAt = null;
          error = (cause as Error).message;
        }
        if (!error) {
          try {
            task = prepareTick(schedule, { registry, config });
          } catch (cause) {
            error = `no task for this tick: ${describeRejection(cause)}`;
          }
        }
        if (task) {
          await this.#options.engineStore.insertTasks({
            db: client,
            tasks: [task],
            createdBy: `schedule:${schedule.name}`,
            now: this.#options.clock.sqlNow(),
          });
          inserted.push(task);
        } else {
          this.#log.warn({ schedule: schedule.name, tick, error }, 'schedule tick made no task');
        }
        records.push({
          name: schedule.name,
          nextRunAt,
          lastRunAt: tick,
          lastTaskId: task?.id ?? null,
          lastError: error,
        });
        ticks.push({ schedule: schedule.name, tick, taskId: task?.id ?? null, error });
      }
      await recordTicks(client, records);
      return { ticks, events: inserted.map((task) => this.#enqueuedEvent(task)) };
    });
  }

  /** Rounds at each schedule's next tick (and at least every idleMs) until stop(). */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#schedule(0);
  }

  /** A schedule changed on this node: look again now rather than at the old timer. */
  wake(): void {
    if (!this.#started || this.#round) return;
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#started = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#round?.catch(() => {});
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const round = this.#roundAndDelay();
      this.#round = round;
      void round.then((delay) => {
        this.#round = undefined;
        if (this.#started) this.#schedule(delay);
      });
    }, delayMs);
    // The scheduler alone never keeps the process alive.
    this.#timer.unref();
  }

  async #roundAndDelay(): Promise<number> {
    const { idleMs } = this.#options;
    try {
      // One cheap read per idle round; the locking transaction only when a tick is due.
      let { next, now: databaseClock } = await nextScheduledTick(this.#options.pool);
      let now = this.#options.clock.sqlNow() ?? databaseClock;
      if (next && next <= now) {
        await this.runOnce();
        ({ next, now: databaseClock } = await nextScheduledTick(this.#options.pool));
        now = this.#options.clock.sqlNow() ?? databaseClock;
      }
      if (!next) return idleMs;
      return Math.min(idleMs, Math.max(0, next.getTime() - now.getTime()));
    } catch (error) {
      this.#log.warn({ err: error }, 'schedule round failed; trying again');
      return idleMs;
    }
  }

  #enqueuedEvent(task: PreparedTask): TaskLifecycleEvent {
    return taskEvent(task, {
      kind: 'enqueued',
      attempt: 0,
      at: new Date(this.#options.clock.now()).toISOString(),
      nodeId: this.#options.nodeId(),
    });
  }
}

function describeRejection(cause: unknown): string {
  if (cause instanceof EngineError && Array.isArray(cause.details)) {
    return (cause.details as ValidationIssue[]).map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  }
  return cause instanceof Error ? cause.message : String(cause);
}
