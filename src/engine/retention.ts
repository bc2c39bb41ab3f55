import type { Pool } from 'pg';
import type { Config } from '../config/schema.js';
import {
  deleteOrphanedDefaultEvents,
  dropEventPartition,
  listEventPartitions,
} from '../db/event-partitions.js';
import { deleteFinishedTasks } from '../db/retention-store.js';
import type { Logger } from '../logger.js';
import { type Clock, systemClock } from '../model/clock.js';

const DAY_MS = 86_400_000;

export interface RetentionRun {
  /** Finished tasks deleted. */
  tasks: number;
  /** History rows gone: those of the dropped partitions (less the ones kept) and orphans of the default partition. */
  events: number;
  /** Batches of task deletes. */
  batches: number;
  /** task_events partitions dropped. */
  partitions: number;
}

export interface RetentionJobOptions {
  pool: Pool;
  config: Pick<Config, 'retention'>;
  log: Logger;
  /** The clock the age cut-off is measured from (the system's by default); tests move it instead of waiting days. */
  clock?: Clock;
}

/**
 * Deletes finished tasks once they are older than `retention.days`, every `retention.interval`,
 * in batches of `retention.batchSize`, and drops the history partitions (one per day) whose
 * every row is older than that: history goes a whole day at a time, never row by row, and the
 * history of a task that still exists is kept (see dropEventPartition). Disabled when days is 0.
 * Every instance may run it: batches skip rows another instance is deleting, and a partition
 * another instance dropped first is skipped.
 */
export class RetentionJob {
  private readonly pool: Pool;
  private readonly settings: Config['retention'];
  private readonly log: Logger;
  private readonly clock: Clock;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<RetentionRun> | undefined;
  private started = false;
  /** Set while stop() waits, so a round in progress ends after its current batch. */
  private stopping = false;

  constructor(options: RetentionJobOptions) {
    this.pool = options.pool;
    this.settings = options.config.retention;
    this.log = options.log.child({ component: 'retention' });
    this.clock = options.clock ?? systemClock;
  }

  get enabled(): boolean {
    return this.settings.days > 0;
  }

  /**
   * One full round: batch after batch until a batch comes back short (or stop() is called).
   * Each batch is its own statement, so a failure loses at most one batch's progress.
   */
  async runOnce(): Promise<RetentionRun> {
    const total: RetentionRun = { tasks: 0, events: 0, batches: 0, partitions: 0 };
    if (!this.enabled) return total;
    const finishedBefore = new Date(this.clock.now() - this.settings.days * DAY_MS);
    const limit = this.settings.batchSize;
    for (;;) {
      const deleted = await deleteFinishedTasks(this.pool, { finishedBefore, limit });
      total.batches += 1;
      total.tasks += deleted;
      // A short batch means nothing old is left.
      if (deleted < limit || this.stopping) break;
    }
    for (const partition of await listEventPartitions(this.pool)) {
      if (this.stopping || !partition.until || partition.until > finishedBefore) continue;
      try {
        const dropped = await dropEventPartition(this.pool, partition.name);
        if (!dropped) continue;
        total.partitions += 1;
        total.events += dropped.rows - dropped.kept;
        this.log.info(dropped, 'dropped a history partition past retention');
      } catch (error) {
        // Most likely the lock timeout on a busy table: the next round tries again.
        this.log.warn({ err: error, partition: partition.name }, 'could not drop a history partition yet');
        break;
      }
    }
    while (!this.stopping) {
      const orphans = await deleteOrphanedDefaultEvents(this.pool, { before: finishedBefore, limit });
      total.events += orphans;
      if (orphans < limit) break;
    }
    if (total.tasks > 0 || total.events > 0) {
      this.log.info({ ...total, finishedBefore }, 'deleted finished tasks past retention');
    }
    return total;
  }

  /** Runs a round now, then one every interval after the previous round ends (never overlapping). */
  start(): void {
    if (!this.enabled) {
      this.log.debug('retention disabled (retention.days = 0): finished tasks are kept');
      return;
    }
    if (this.started) return;
    this.started = true;
    this.schedule(0);
  }

  /** Stops the timer and waits for a round in progress to finish its current batch. */
  async stop(): Promise<void> {
    this.started = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.stopping = true;
    try {
      await this.running?.catch(() => {});
    } finally {
      this.stopping = false;
    }
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.running = this.runOnce();
      this.running
        .catch((error: unknown) =>
          this.log.warn({ err: error }, 'retention round failed; retrying next interval'),
        )
        .finally(() => {
          this.running = undefined;
          if (this.started) this.schedule(this.settings.interval);
        });
    }, delayMs);
    // Retention alone never keeps the process alive.
    this.timer.unref();
  }
}
